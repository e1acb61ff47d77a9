// The detailed view of a file or collection (#/item/<path>): its info (GET /api/data/<path>
// ?stat=true: size, checksum, owner, dates), a download (the file, or the collection as a
// zip), its metadata editor (AVUs at /api/metadata/<path>: list, add with POST, remove with
// DELETE ?attribute&value&unit), its permissions (permissions.js) and share links (share.js).

import * as api from "../api.js";
import { el, formatDate, formatSize } from "../dom.js";
import { failed, say } from "../app.js";
import { downloadArchive, downloadFile } from "./downloads.js";
import { permissionsPanel } from "./permissions.js";
import { sharePanel } from "./share.js";

function metadataUrl(path) {
  return "/api/metadata" + path.split("/").map(encodeURIComponent).join("/");
}

function dataLink(path) {
  return "#/data" + path.split("/").map(encodeURIComponent).join("/");
}

function facts(info) {
  const rows = [
    ["Path", info.path],
    ["Type", info.type === "collection" ? "collection" : "file"],
    ["Size", info.type === "collection" ? null : `${formatSize(info.size)} (${info.size} bytes)`],
    ["Checksum", info.checksum],
    ["Owner", info.owner],
    ["Created", formatDate(info.created)],
    ["Modified", formatDate(info.modified)],
  ].filter(([, value]) => value !== null && value !== undefined);
  return el("dl", { class: "facts" }, rows.flatMap(([name, value]) => [
    el("dt", { text: name }), el("dd", { "data-fact": name.toLowerCase(), text: value })]));
}

function metadataEditor(path) {
  const body = el("tbody");
  const table = el("table", { class: "list avus" },
    el("caption", { text: "Metadata (AVUs)" }),
    el("thead", {}, el("tr", {}, ["Attribute", "Value", "Unit", ""].map((name) =>
      el("th", { scope: "col", text: name })))),
    body);
  const none = el("p", { class: "empty", text: "No metadata yet." });

  function show(listing) {
    body.replaceChildren(...listing.metadata.map((avu) => el("tr", {},
      el("td", { "data-label": "Attribute", text: avu.attribute }),
      el("td", { "data-label": "Value", text: avu.value }),
      el("td", { "data-label": "Unit", text: avu.unit || "" }),
      el("td", {}, el("button", { type: "button", class: "small",
        text: `Remove ${avu.attribute}`, "aria-label": `Remove ${avu.attribute} = ${avu.value}`,
        onclick: () => removeAvu(avu) })))));
    table.hidden = listing.metadata.length === 0;
    none.hidden = listing.metadata.length !== 0;
  }

  async function removeAvu(avu) {
    const query = new URLSearchParams({ attribute: avu.attribute, value: avu.value });
    if (avu.unit) query.set("unit", avu.unit);
    try {
      await api.call("DELETE", `${metadataUrl(path)}?${query}`);
      show(await api.call("GET", metadataUrl(path)));
      say(`${avu.attribute} = ${avu.value} removed.`, "info");
    } catch (error) {
      failed(error);
    }
  }

  const field = (id, label, required) => {
    const input = el("input", { id, name: id, required, autocomplete: "off" });
    return [input, el("p", { class: "field" }, el("label", { for: id, text: label }), input)];
  };
  const [attribute, attributeRow] = field("avu-attribute", "Attribute", true);
  const [value, valueRow] = field("avu-value", "Value", true);
  const [unit, unitRow] = field("avu-unit", "Unit (optional)", false);

  async function add(event) {
    event.preventDefault();
    const avu = { attribute: attribute.value, value: value.value };
    if (unit.value) avu.unit = unit.value;
    try {
      show(await api.call("POST", metadataUrl(path), { body: avu }));
      event.target.reset();
      attribute.focus();
      say(`${avu.attribute} = ${avu.value} added.`, "info");
    } catch (error) {
      failed(error);
    }
  }

  const form = el("form", { class: "avu-form", onsubmit: add, "aria-label": "Add metadata" },
    attributeRow, valueRow, unitRow, el("p", {}, el("button", { type: "submit", text: "Add metadata" })));
  return { node: el("section", { class: "metadata" }, el("h2", { text: "Metadata" }), none, table, form), show };
}

export async function render(main, route) {
  const path = route.rest;
  const [info, listing] = await Promise.all([
    api.call("GET", `${api.dataUrl(path)}?stat=true`),
    api.call("GET", metadataUrl(path)),
  ]);
  const parent = path.replace(/\/[^/]*$/, "") || "/";
  const editor = metadataEditor(path);
  editor.show(listing);
  const [permissions, share] = await Promise.all([permissionsPanel(path), sharePanel(path)]);
  const collection = info.type === "collection";
  main.append(
    el("p", {}, el("a", { href: dataLink(parent), text: `Back to ${parent}` })),
    el("h1", { text: info.name }),
    facts(info),
    el("p", { class: "buttons" },
      collection
        ? el("button", { type: "button", text: "Download as zip", onclick: () => downloadArchive(info) })
        : el("button", { type: "button", text: `Download ${info.name}`, onclick: () => downloadFile(info) }),
      collection ? el("a", { class: "button secondary", href: dataLink(path), text: "Open the collection" }) : null,
      // Its provenance graph (views/lineage.js): where it came from, what was made from it.
      el("a", { class: "button secondary", id: "item-lineage", text: "Lineage",
                href: "#/lineage" + path.split("/").map(encodeURIComponent).join("/") })),
    editor.node,
    permissions,
    share);
}
