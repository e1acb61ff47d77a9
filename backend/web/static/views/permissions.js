// The permissions panel of the detailed view (#/item/<path>): the path's ACL entries
// (GET /api/permissions/<path>), a form that grants, changes or removes a level for a user
// or a group (PUT {"user"|"group", "level", "recursive"}: level "null" removes the entry),
// and, for a collection, the inheritance switch (PUT {"inheritance"}: new children get the
// collection's permissions). A refusal (not the owner, unknown user) shows the API's message.

import * as api from "../api.js";
import { el } from "../dom.js";
import { failed, say } from "../app.js";

const LEVELS = { read: "read", write: "write", own: "own", null: "none (remove)" };

function permissionsUrl(path) {
  return "/api/permissions" + path.split("/").map(encodeURIComponent).join("/");
}

export async function permissionsPanel(path) {
  const body = el("tbody");
  const table = el("table", { class: "list acls" },
    el("caption", { text: "Who may do what" }),
    el("thead", {}, el("tr", {}, ["User or group", "Level", ""].map((name) => el("th", { scope: "col", text: name })))),
    body);
  const none = el("p", { class: "empty", text: "No permission entries." });
  const inheritance = el("input", { id: "acl-inheritance", type: "checkbox", role: "switch" });
  const inheritanceRow = el("p", { class: "field checkbox inheritance", hidden: true },
    el("label", { for: "acl-inheritance" }, inheritance,
      "Inheritance: new files and collections created in here get these permissions"));

  function show(state) {
    body.replaceChildren(...state.acls.map((acl) => el("tr", {},
      el("td", { "data-label": "User or group", text: acl.user }),
      el("td", { "data-label": "Level", text: acl.level }),
      el("td", { "data-label": "Change" }, el("button", { type: "button", class: "small", text: "Remove",
        "aria-label": `Remove ${acl.level} of ${acl.user}`, onclick: () => change({ user: acl.user, level: "null" },
          `${acl.user} no longer has ${acl.level}.`) })))));
    table.hidden = state.acls.length === 0;
    none.hidden = state.acls.length !== 0;
    inheritanceRow.hidden = state.type !== "collection";
    inheritance.checked = Boolean(state.inheritance);
    recursiveRow.hidden = state.type !== "collection";
  }

  async function change(request, message) {
    try {
      show(await api.call("PUT", permissionsUrl(path), { body: request }));
      say(message, "info");
      return true;
    } catch (error) {
      failed(error);
      return false;
    }
  }

  const kind = el("select", { id: "acl-kind", name: "kind" },
    el("option", { value: "user", text: "User" }), el("option", { value: "group", text: "Group" }));
  const name = el("input", { id: "acl-name", name: "name", required: true, autocomplete: "off" });
  const level = el("select", { id: "acl-level", name: "level" },
    Object.entries(LEVELS).map(([value, text]) => el("option", { value, text })));
  const recursive = el("input", { id: "acl-recursive", name: "recursive", type: "checkbox" });
  const recursiveRow = el("p", { class: "field checkbox", hidden: true },
    el("label", { for: "acl-recursive" }, recursive, "Also everything inside (recursive)"));

  async function grant(event) {
    event.preventDefault();
    const who = name.value.trim();
    const request = { [kind.value]: who, level: level.value, recursive: recursive.checked };
    const message = level.value === "null"
      ? `${kind.value === "group" ? "Group" : "User"} ${who}: permission removed.`
      : `${kind.value === "group" ? "Group" : "User"} ${who} now has ${level.value}.`;
    if (await change(request, message)) event.target.reset();
  }

  inheritance.addEventListener("change", async () => {
    const on = inheritance.checked;
    const done = await change({ inheritance: on, recursive: recursive.checked },
      on ? "Inheritance is on." : "Inheritance is off.");
    if (!done) inheritance.checked = !on;
  });

  const field = (id, label, control) => el("p", { class: "field" }, el("label", { for: id, text: label }), control);
  const form = el("form", { class: "acl-form", onsubmit: grant, "aria-label": "Grant a permission" },
    field("acl-kind", "Grant to", kind), field("acl-name", "Name", name), field("acl-level", "Level", level),
    recursiveRow, el("p", {}, el("button", { type: "submit", text: "Set permission" })));
  const section = el("section", { class: "permissions", "aria-labelledby": "permissions-heading" },
    el("h2", { id: "permissions-heading", text: "Permissions" }), none, table, inheritanceRow, form);
  try {
    show(await api.call("GET", permissionsUrl(path)));
  } catch (error) {
    // Seen by who may read but not list permissions: the section says why, the page stays.
    section.replaceChildren(section.firstChild,
      el("p", { class: "empty", text: `Permissions cannot be shown: ${error.message}` }));
  }
  return section;
}
