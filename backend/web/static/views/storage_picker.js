// A dialog to choose a file or a collection in storage (the job form's File and Directory
// inputs): it lists a collection (GET /api/data/<path>), opens sub-collections, goes up, and
// gives the chosen path(s). The path fields stay typeable; this only saves typing.

import * as api from "../api.js";
import { el } from "../dom.js";

const SHOWN = 200;  // entries listed at a time; "More" lists the next ones

function parentOf(path) {
  const cut = path.replace(/\/$/, "").lastIndexOf("/");
  return cut > 0 ? path.slice(0, cut) : "/";
}

// Resolves to the chosen paths ([] when cancelled). `kind` is "File" or "Directory";
// `multiple` lets several files be ticked (File[] inputs).
export function choosePaths({ start, kind = "File", multiple = false, title }) {
  return new Promise((resolve) => {
    const chosen = new Set();
    const heading = el("h2", { id: "picker-title", text: title });
    const where = el("p", { class: "picker-where", "aria-live": "polite" });
    const list = el("ul", { class: "picker-list", "aria-label": "Entries" });
    const message = el("p", { class: "message error", role: "alert" });
    const more = el("button", { type: "button", class: "secondary", text: "More", hidden: true });
    const useHere = el("button", { type: "button", text: "Choose this collection", hidden: kind !== "Directory" });
    const done = el("button", { type: "button", text: "Choose the ticked files", hidden: !multiple });
    const cancel = el("button", { type: "button", class: "secondary", text: "Cancel" });
    const dialog = el("dialog", { class: "ask picker", "aria-labelledby": "picker-title" },
      heading, where, message, list, more, el("p", { class: "buttons" }, useHere, done, cancel));
    let current = start;
    let offset = 0;

    function finish(paths) {
      dialog.close();
      dialog.remove();
      resolve(paths);
    }

    function entry(item) {
      if (item.type === "collection") {
        return el("li", {}, el("button", { type: "button", class: "link collection", text: `${item.name}/`,
                                           onclick: () => open(item.path) }));
      }
      if (kind !== "File") return el("li", { class: "muted", text: item.name });
      if (!multiple) {
        return el("li", {}, el("button", { type: "button", class: "link file", text: item.name,
                                           onclick: () => finish([item.path]) }));
      }
      const id = `pick-${item.path}`;
      const box = el("input", { type: "checkbox", id, checked: chosen.has(item.path),
                                onchange: () => (box.checked ? chosen.add(item.path) : chosen.delete(item.path)) });
      return el("li", {}, box, " ", el("label", { for: id, text: item.name }));
    }

    async function show(path, from) {
      message.textContent = "";
      try {
        const query = new URLSearchParams({ offset: from, limit: SHOWN, count: "true" });
        const page = await api.call("GET", `${api.dataUrl(path)}?${query}`);
        if (from === 0) {
          list.replaceChildren(path === "/" ? [] : el("li", {}, el("button", {
            type: "button", class: "link collection", text: "../ (up)", onclick: () => open(parentOf(path)) })));
        }
        list.append(...page.items.map(entry));
        offset = from + page.items.length;
        more.hidden = !(page.total > offset);
        where.textContent = path;
      } catch (error) {
        message.textContent = error.message;
      }
    }

    function open(path) {
      current = path;
      show(path, 0);
    }

    more.addEventListener("click", () => show(current, offset));
    useHere.addEventListener("click", () => finish([current]));
    done.addEventListener("click", () => finish([...chosen]));
    cancel.addEventListener("click", () => finish([]));
    dialog.addEventListener("cancel", (event) => { event.preventDefault(); finish([]); });
    document.body.append(dialog);
    dialog.showModal();
    open(start);
  });
}
