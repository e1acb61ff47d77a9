// The data browser's actions on entries: create a collection (POST /api/data/<path>),
// rename or move (POST /api/move), copy (POST /api/copy, a collection with everything in
// it), delete after a confirmation (DELETE /api/data/<path>, recursive for a collection). Each failure is shown as the API's message.
// The questions are asked in <dialog> elements (modal, Escape closes them, focus kept inside).

import * as api from "../api.js";
import { ask, el } from "../dom.js";
import { failed, say } from "../app.js";

export async function createCollection(parent, name, done) {
  if (!name.trim()) {
    say("Give the new collection a name.");
    return;
  }
  const path = `${parent.replace(/\/$/, "")}/${name.trim()}`;
  try {
    await api.call("POST", api.dataUrl(path));
  } catch (error) {
    failed(error);
    return;
  }
  done(`Collection ${name.trim()} created.`);
}

// Ask for a destination path in a dialog, then POST {source, destination} to `endpoint`
// (/api/move or /api/copy); `done` gets the confirmation, a refusal is shown as the API's.
async function transfer(item, done, { endpoint, title, label, initial, note, confirm, past }) {
  const input = el("input", { id: "transfer-to", name: "destination", value: initial, required: true,
                              autocomplete: "off" });
  const asked = ask(title,
    [el("p", { class: "field" }, el("label", { for: "transfer-to", text: label }), input),
     note ? el("p", { class: "muted", text: note }) : null], confirm);
  input.select();
  if (!(await asked)) return;
  const destination = input.value.trim();
  if (!destination || destination === item.path) return;
  try {
    await api.call("POST", endpoint, { body: { source: item.path, destination } });
  } catch (error) {
    failed(error);
    return;
  }
  done(`${item.name} ${past} ${destination}.`);
}

export function rename(item, done) {
  return transfer(item, done, { endpoint: "/api/move", title: `Rename or move ${item.name}`,
    label: "New path", initial: item.path, confirm: "Rename", past: "moved to" });
}

// "/z/h/a/data.csv" -> "/z/h/a/data-copy.csv": the destination offered for a copy.
function copyPath(item) {
  const dot = item.type === "collection" ? -1 : item.name.lastIndexOf(".");
  const name = dot > 0 ? `${item.name.slice(0, dot)}-copy${item.name.slice(dot)}` : `${item.name}-copy`;
  return item.path.slice(0, item.path.length - item.name.length) + name;
}

export function copy(item, done) {
  return transfer(item, done, { endpoint: "/api/copy", title: `Copy ${item.name}`,
    label: "Copy to (path)", initial: copyPath(item), confirm: "Copy", past: "copied to",
    note: item.type === "collection" ? "The collection is copied with everything in it." : null });
}

export async function remove(item, done) {
  const collection = item.type === "collection";
  const confirmed = await ask(`Delete ${item.name}?`,
    el("p", { text: collection ? `The collection ${item.path} and everything in it will be deleted.`
                               : `The file ${item.path} will be deleted.` }),
    "Delete", { danger: true });
  if (!confirmed) return;
  try {
    await api.call("DELETE", api.dataUrl(item.path) + (collection ? "?recursive=true" : ""));
  } catch (error) {
    failed(error);
    return;
  }
  done(`${item.name} deleted.`);
}
