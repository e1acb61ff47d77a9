// The data browser: a collection listed page by page (GET /api/data/<path>), sorted by the
// API across pages (?sort=name|size|modified&order=asc|desc, kept in the page's URL),
// breadcrumbs, a collection opened by its link, a file downloaded by its button, a
// collection downloaded as a zip; the actions (upload by pickers or by dropping files and
// folders on the listing, new collection, rename/move, copy, delete, details with metadata,
// permissions and share links) come from upload.js, actions.js and item.js.

import * as api from "../api.js";
import { el, formatDate, formatSize } from "../dom.js";
import { failed, go } from "../app.js";
import * as actions from "./actions.js";
import { downloadArchive, downloadFile } from "./downloads.js";
import { droppable, uploadPanel } from "./upload.js";

export const PAGE_SIZE = 50;
const SORTS = { name: "Name", size: "Size", modified: "Modified" };
const ORDERS = { asc: "Ascending", desc: "Descending" };

// The listing's URL: path, then the page and the order when they are not the defaults.
function link(path, offset = 0, sort = "name", order = "asc") {
  const hash = "#/data" + path.split("/").map(encodeURIComponent).join("/");
  const query = new URLSearchParams();
  if (sort !== "name" || order !== "asc") {
    query.set("sort", sort);
    query.set("order", order);
  }
  if (offset) query.set("offset", offset);
  const text = query.toString();
  return text ? `${hash}?${text}` : hash;
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

const download = downloadFile;

// The order of the listing: two labelled lists and a button that opens the first page in
// that order (no navigation on change: a keyboard user moving through a list stays put).
function sortForm(path, sort, order) {
  const choose = (id, label, options, value) => {
    const select = el("select", { id, name: id },
      Object.entries(options).map(([key, text]) => el("option", { value: key, selected: key === value, text })));
    return [select, el("span", { class: "field" }, el("label", { for: id, text: label }), select)];
  };
  const [by, byField] = choose("sort-by", "Sort by", SORTS, sort);
  const [direction, directionField] = choose("sort-order", "Order", ORDERS, order);
  return el("form", { class: "inline sort", "aria-label": "Sort the listing",
                      onsubmit: (event) => { event.preventDefault(); go(link(path, 0, by.value, direction.value)); } },
    byField, directionField, el("button", { type: "submit", class: "secondary", text: "Sort" }));
}

// A column header that sorts by its column: ascending first, a second click reverses it.
function sortHeader(path, key, sort, order) {
  const current = key === sort;
  const next = current && order === "asc" ? "desc" : "asc";
  return el("th", { scope: "col", "aria-sort": current ? (order === "asc" ? "ascending" : "descending") : null },
    // The arrow is for the eye; aria-sort says the same to a screen reader.
    el("a", { href: link(path, 0, key, next), class: "sort-link",
              title: `Sort by ${SORTS[key].toLowerCase()}, ${ORDERS[next].toLowerCase()}` },
      SORTS[key], current ? el("span", { "aria-hidden": "true", text: order === "asc" ? " ▲" : " ▼" }) : null));
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
  // Unknown values go to the API as they are: its 400 message is shown.
  const sort = route.query.get("sort") || "name";
  const order = route.query.get("order") || "asc";
  const query = new URLSearchParams({ offset, limit: PAGE_SIZE, detailed: "true", count: "true" });
  if (sort !== "name" || order !== "asc") {
    query.set("sort", sort);
    query.set("order", order);
  }
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
      // Named "Rename"/"Copy"/"Delete" (the row says which entry; the title repeats it), so
      // that the entry's own button stays the only one named by its file name.
      el("button", { type: "button", class: "small", text: "Rename", title: `Rename ${item.name}`,
                     onclick: () => actions.rename(item, refresh) }),
      el("button", { type: "button", class: "small", text: "Copy", title: `Copy ${item.name}`,
                     onclick: () => actions.copy(item, refresh) }),
      item.type === "collection"
        ? el("button", { type: "button", class: "small", text: "Zip", title: `Download ${item.name} as a zip`,
                         "aria-label": `Download ${item.name} as a zip`, onclick: () => downloadArchive(item) })
        : null,
      el("button", { type: "button", class: "small danger", text: "Delete", title: `Delete ${item.name}`,
                     onclick: () => actions.remove(item, refresh) }))));
  const first = page.items.length ? offset + 1 : 0;
  const last = offset + page.items.length;
  const position = el("p", { class: "position", "aria-live": "polite",
                             text: `Entries ${first}–${last} of ${page.count}` });
  const previous = offset > 0
    ? el("a", { class: "button", href: link(path, Math.max(0, offset - PAGE_SIZE), sort, order), rel: "prev",
                text: "Previous page" })
    : null;
  const next = page.has_more
    ? el("a", { class: "button", href: link(path, offset + PAGE_SIZE, sort, order), rel: "next", text: "Next page" })
    : null;
  const names = path.split("/").filter(Boolean);
  const title = names[names.length - 1] || "/";
  const listing = el("div", { class: "drop-zone" },
    page.items.length
      ? el("table", { class: "list listing" },
          el("caption", { class: "visually-hidden", text: `Contents of ${path}` }),
          el("thead", {}, el("tr", {}, sortHeader(path, "name", sort, order), sortHeader(path, "size", sort, order),
            sortHeader(path, "modified", sort, order), el("th", { scope: "col", text: "Actions" }))),
          el("tbody", {}, rows))
      : el("p", { class: "empty", text: "This collection is empty. Drop files here to upload them." }));
  droppable(listing, path, failed);
  main.append(
    breadcrumbs(path),
    el("h1", { text: title }),
    el("div", { class: "toolbar" },
      newCollectionForm(path, refresh),
      el("button", { type: "button", class: "secondary", text: "Download as zip",
                     "aria-label": `Download ${title} as a zip`,
                     onclick: () => downloadArchive({ path, name: title }) })),
    uploadPanel(path, (message) => refresh(message)),
    sortForm(path, sort, order),
    listing,
    el("nav", { class: "pages", "aria-label": "Pages" }, previous, position, next));
}
