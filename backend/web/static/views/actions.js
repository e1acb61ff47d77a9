// The data browser's actions on entries: create a collection (POST /api/data/<path>),
// rename or move (POST /api/move), delete after a confirmation (DELETE /api/data/<path>,
// recursive for a collection). Each failure is shown as the API's message.
// The questions are asked in <dialog> elements (modal, Escape closes them, focus kept inside).

import * as api from "../api.js";
import { el } from "../dom.js";
import { failed, say } from "../app.js";

// A modal dialog with `content` and buttons; resolves to the returned value of the button
// pressed ("" for Cancel or Escape). The dialog is removed when closed.
function ask(title, content, confirmLabel, { danger = false } = {}) {
  return new Promise((resolve) => {
    const dialog = el("dialog", { class: "ask", "aria-labelledby": "ask-title" });
    const form = el("form", { method: "dialog" },
      el("h2", { id: "ask-title", text: title }), content,
      el("p", { class: "buttons" },
        // The confirming button first: Enter in a field of the form presses it.
        el("button", { type: "submit", value: "confirm", class: danger ? "danger" : null,
                       text: confirmLabel }),
        el("button", { type: "submit", value: "cancel", class: "secondary", text: "Cancel" })));
    dialog.append(form);
    dialog.addEventListener("close", () => {
      const answer = dialog.returnValue === "confirm";
      dialog.remove();
      resolve(answer);
    });
    document.body.append(dialog);
    dialog.showModal();
  });
}

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

export async function rename(item, done) {
  const input = el("input", { id: "move-to", name: "destination", value: item.path, required: true,
                              autocomplete: "off" });
  const asked = ask(`Rename or move ${item.name}`,
    el("p", { class: "field" }, el("label", { for: "move-to", text: "New path" }), input), "Rename");
  input.select();
  if (!(await asked)) return;
  const destination = input.value.trim();
  if (!destination || destination === item.path) return;
  try {
    await api.call("POST", "/api/move", { body: { source: item.path, destination } });
  } catch (error) {
    failed(error);
    return;
  }
  done(`${item.name} moved to ${destination}.`);
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
