// The controls of a job's inputs, made from the registry's input types (CWL types with the
// document's URIs taken out): File and Directory a storage path (prefilled with the user's
// home, or chosen in a dialog listing storage), File[] several paths one per line, int/long/float/double number fields, boolean a
// checkbox, enum a select, string and anything else a text field.

import { el } from "../dom.js";
import { choosePaths } from "./storage_picker.js";

// Where the picker opens: the collection of the path typed so far (or of its last line).
function startOf(text, home) {
  const last = text.trim().split("\n").pop().trim();
  if (!last.startsWith("/")) return home;
  return last.endsWith("/") ? last.replace(/\/+$/, "") || "/" : last.slice(0, last.lastIndexOf("/")) || "/";
}

function chooseButton(name, control, kind, home, multiple) {
  return el("button", { type: "button", class: "secondary small", text: "Choose…",
                        "aria-label": `Choose ${name} in storage`,
                        onclick: async () => {
                          const paths = await choosePaths({ start: startOf(control.value, home), kind, multiple,
                                                            title: `Choose ${name}` });
                          if (!paths.length) return;
                          if (!multiple) control.value = paths[0];
                          else {
                            const kept = control.value.split("\n").map((line) => line.trim())
                              .filter((line) => line && line !== `${home}/`);
                            control.value = [...kept, ...paths].join("\n");
                          }
                          control.focus();
                        } });
}

function plain(type) {
  // ["null", T] (optional) -> T; anything else unchanged.
  if (Array.isArray(type)) {
    const rest = type.filter((each) => each !== "null");
    return rest.length === 1 ? rest[0] : type;
  }
  return type;
}

function describe(type) {
  const kind = plain(type);
  if (typeof kind === "string") return { kind };
  if (kind && kind.type === "array") return { kind: "array", items: plain(kind.items) };
  if (kind && kind.type === "enum") return { kind: "enum", symbols: kind.symbols || [] };
  return { kind: "string" };
}

function storagePath(value) {
  if (value && typeof value === "object") return value.path || value.location || "";
  return value || "";
}

// -> {name, node, read()}: read() gives the job order's value, or undefined when left empty.
export function inputField(name, spec, preset, home) {
  const id = `input-${name}`;
  const type = describe(spec.type);
  const optional = spec.required === false;
  const label = el("label", { for: id, text: `${name}${optional ? " (optional)" : ""}` });
  const hint = (text) => el("small", { id: `${id}-hint`, class: "muted", text });
  let control;
  let read;
  if (type.kind === "File" || type.kind === "Directory") {
    control = el("input", { id, required: !optional, autocomplete: "off", "aria-describedby": `${id}-hint`,
                            value: storagePath(preset) || `${home}/` });
    read = () => (control.value.trim() && control.value.trim() !== `${home}/`
      ? { class: type.kind, path: control.value.trim() } : undefined);
    return { name, node: el("div", { class: "field" }, label, control,
                             chooseButton(name, control, type.kind, home, false),
                             hint(`${type.kind}: a path in storage`)), read };
  }
  if (type.kind === "array" && (type.items === "File" || type.items === "Directory")) {
    const initial = Array.isArray(preset) ? preset.map(storagePath).join("\n") : `${home}/`;
    control = el("textarea", { id, rows: 4, required: !optional, "aria-describedby": `${id}-hint` });
    control.value = initial;
    read = () => {
      const paths = control.value.split("\n").map((line) => line.trim())
        .filter((line) => line && line !== `${home}/`);
      return paths.length ? paths.map((path) => ({ class: type.items, path })) : undefined;
    };
    return { name, node: el("div", { class: "field" }, label, control,
                             chooseButton(name, control, type.items, home, type.items === "File"),
                             hint(`${type.items}[]: paths in storage, one per line`)), read };
  }
  if (type.kind === "boolean") {
    control = el("input", { id, type: "checkbox", checked: preset === true });
    return { name, node: el("div", { class: "field check" }, el("span", {}, control, " ", label)),
             read: () => control.checked };
  }
  if (type.kind === "enum") {
    control = el("select", { id, required: !optional },
      optional ? el("option", { value: "", text: "–" }) : null,
      type.symbols.map((symbol) => {
        const value = String(symbol).split("/").pop();
        return el("option", { value, text: value, selected: preset === value });
      }));
    return { name, node: el("div", { class: "field" }, label, control),
             read: () => control.value || undefined };
  }
  const numeric = ["int", "long", "float", "double"].includes(type.kind);
  if (numeric) {
    const whole = type.kind === "int" || type.kind === "long";
    control = el("input", { id, type: "number", step: whole ? "1" : "any", required: !optional,
                            value: preset ?? "" });
    read = () => (control.value === "" ? undefined
      : whole ? Number.parseInt(control.value, 10) : Number.parseFloat(control.value));
    return { name, node: el("div", { class: "field" }, label, control, hint(type.kind)), read };
  }
  if (type.kind === "array") {  // of strings or numbers: one per line
    control = el("textarea", { id, rows: 3, "aria-describedby": `${id}-hint` });
    control.value = Array.isArray(preset) ? preset.join("\n") : "";
    const numbers = ["int", "long", "float", "double"].includes(type.items);
    read = () => {
      const lines = control.value.split("\n").map((line) => line.trim()).filter(Boolean);
      return lines.length ? lines.map((line) => (numbers ? Number(line) : line)) : undefined;
    };
    return { name, node: el("div", { class: "field" }, label, control,
                             hint(`${type.items}[]: one per line`)), read };
  }
  control = el("input", { id, required: !optional, autocomplete: "off", value: preset ?? "" });
  return { name, node: el("div", { class: "field" }, label, control, hint(String(type.kind))),
           read: () => (control.value === "" ? undefined : control.value) };
}

export function readInputs(fields) {
  const inputs = {};
  for (const field of fields) {
    const value = field.read();
    if (value !== undefined) inputs[field.name] = value;
  }
  return inputs;
}
