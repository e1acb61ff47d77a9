// The data browser's first cut: a collection listed page by page (GET /api/data/<path>),
// breadcrumbs, a collection opened by its link, a file downloaded by its button; the
// actions (upload, new collection, rename/move, delete, details with metadata) come from
// upload.js, actions.js and item.js.

import * as api from "../api.js";
import { el, formatDate, formatSize } from "../dom.js";
import { failed, go, say } from "../app.js";
import * as actions from "./actions.js";
import { uploadPanel } from "./upload.js";

export const PAGE_SIZE = 50;

function link(path, offset = 0) {
  const hash = "#/data" + path.split("/").map(encodeURIComponent).join("/");
  return offset ? `${hash}?offset=${offset}` : hash;
}

function breadcrumbs(path) {
  const names = path.split("/").filter(Boolean);
  const items = names.map((name, index) => {
    const to = "/" + names.slice(0, index + 1).join("/");
    const last = index === names.length - 1;
    return el("li", {}, last ? el("span", { "aria-current": "page", text: name })
                             : el("a", { href: link(to), text: name }));
  });
  return el("nav", { class: "breadcrumbs", "aria-label": "Breadcrumbs" }, el("ol", {}, items));
}

// The download needs the bearer token, which a plain link cannot send: the file is
// fetched, then handed to the browser as a blob. Fine for this first cut; large files
// will want a short-lived ticket link instead (the data API's tickets), so that the
// browser streams them to disk.
async function download(item) {
  try {
    const response = await api.call("GET", api.dataUrl(item.path) + "?download=true", { raw: true });
    const blob = await response.blob();
    const url = URL.createObjectURL(blob);
    const anchor = el("a", { href: url, download: item.name, hidden: true });
    document.body.append(anchor);
    anchor.click();
    anchor.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
    say(`${item.name} downloaded.`, "info");
  } catch (error) {
    failed(error);
  }
}

function newCollectionForm(path, refresh) {
  const name = el("input", { id: "new-collection", name: "name", required: true, autocomplete: "off" });
  return el("form", { class: "inline", onsubmit: (event) => {
    event.preventDefault();
    actions.createCollection(path, name.value, refresh);
  } },
  el("label", { for: "new-collection", text: "New collection" }), name,
  el("button", { type: "submit", text: "Create collection" }));
}

export async function render(main, route) {
  const path = route.rest || api.user()?.home;
  const offset = Math.max(0, Number.parseInt(route.query.get("offset") || "0", 10) || 0);
  const query = new URLSearchParams({ offset, limit: PAGE_SIZE, detailed: "true", count: "true" });
  const page = await api.call("GET", `${api.dataUrl(path)}?${query}`);
  // After a change: the same page again, with the change's message.
  const refresh = (message) => go(location.hash, message || "", "info");
  if (page.type !== "collection") {  // a file's path typed into the address: offer its download
    main.append(breadcrumbs(path), el("h1", { text: page.name }),
      el("button", { type: "button", text: `Download ${page.name}`, onclick: () => download(page) }));
    return;
  }
  const rows = page.items.map((item) => el("tr", {},
    el("td", { "data-label": "Name" }, item.type === "collection"
      ? el("a", { href: link(item.path), class: "collection", text: `${item.name}/` })
      : el("button", { type: "button", class: "link file", text: item.name,
                       title: `Download ${item.name}`, onclick: () => download(item) })),
    el("td", { "data-label": "Size" }, item.type === "collection" ? "collection" : formatSize(item.size)),
    el("td", { "data-label": "Modified" }, formatDate(item.modified)),
    el("td", { "data-label": "Actions", class: "actions" },
      el("a", { href: "#/item" + item.path.split("/").map(encodeURIComponent).join("/"),
                class: "button small", text: "Details", "aria-label": `Details of ${item.name}` }),
      // Named "Rename"/"Delete" (the row says which entry; the title repeats it), so that
      // the entry's own button stays the only one named by its file name.
      el("button", { type: "button", class: "small", text: "Rename", title: `Rename ${item.name}`,
                     onclick: () => actions.rename(item, refresh) }),
      el("button", { type: "button", class: "small danger", text: "Delete", title: `Delete ${item.name}`,
                     onclick: () => actions.remove(item, refresh) }))));
  const first = page.items.length ? offset + 1 : 0;
  const last = offset + page.items.length;
  const position = el("p", { class: "position", "aria-live": "polite",
                             text: `Entries ${first}–${last} of ${page.count}` });
  const previous = offset > 0
    ? el("a", { class: "button", href: link(path, Math.max(0, offset - PAGE_SIZE)), rel: "prev", text: "Previous page" })
    : null;
  const next = page.has_more
    ? el("a", { class: "button", href: link(path, offset + PAGE_SIZE), rel: "next", text: "Next page" })
    : null;
  const names = path.split("/").filter(Boolean);
  main.append(
    breadcrumbs(path),
    el("h1", { text: names[names.length - 1] || "/" }),
    newCollectionForm(path, refresh),
    uploadPanel(path, () => refresh("Uploads finished.")),
    page.items.length
      ? el("table", { class: "list listing" },
          el("caption", { class: "visually-hidden", text: `Contents of ${path}` }),
          el("thead", {}, el("tr", {}, ["Name", "Size", "Modified", "Actions"]
            .map((name) => el("th", { scope: "col", text: name })))),
          el("tbody", {}, rows))
      : el("p", { class: "empty", text: "This collection is empty." }),
    el("nav", { class: "pages", "aria-label": "Pages" }, previous, position, next));
}
