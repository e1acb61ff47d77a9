// B2STAGE's page of the web interface (#/pids/<collection>): the registered objects of a
// collection with their PIDs (GET /api/registered/<path>), a file uploaded as registered data
// (PUT /api/registered/<path>, the file as the raw body), a PID resolved to its object
// (GET /api/pids/<pid>), and publication (GET/PUT/DELETE /api/publish/<path>) with the public
// landing page's URL. A project page: served from projects/b2stage/web/ (backend/web).

import * as api from "../../static/api.js";
import { el, formatDate, formatSize } from "../../static/dom.js";
import { failed, go, say } from "../../static/app.js";

export const title = "PIDs";

const PAGE_SIZE = 50;
const ROOT = document.body.dataset.apiRoot || "";

const encoded = (path) => path.split("/").map(encodeURIComponent).join("/");
const pageLink = (path, offset = 0) => `#/pids${encoded(path)}${offset ? `?offset=${offset}` : ""}`;
const itemLink = (path) => `#/item${encoded(path)}`;

// api.call sends JSON; a registered upload's body is the file itself, streamed by the browser.
async function putFile(path, file) {
  let response;
  try {
    response = await fetch(`${ROOT}/api/registered${encoded(path)}`, {
      method: "PUT", body: file,
      headers: { Accept: "application/json", Authorization: `Bearer ${api.token()}`,
                 "Content-Type": "application/octet-stream" },
    });
  } catch (error) {
    throw new api.ApiError(0, { error: `The API cannot be reached (${error.message}).` });
  }
  const answer = await response.json().catch(() => null);
  if (!response.ok) throw new api.ApiError(response.status, answer);
  return answer;
}

// The publication cell of an object's row: its state, the landing page's URL, and the
// button that changes it. Without B2STAGE_PUBLISH the API has no /api/publish: "–".
function publication(item) {
  const cell = el("td", { "data-label": "Published" }, "…");

  function show(state) {
    const landing = state.published && state.landing_page
      ? el("a", { href: state.landing_page, class: "landing", target: "_blank", rel: "noopener",
                  text: state.landing_page, "aria-label": `Public landing page of ${item.name}` })
      : null;
    const button = el("button", {
      type: "button", class: state.published ? "small secondary" : "small",
      text: state.published ? "Unpublish" : "Publish", title: `${state.published ? "Unpublish" : "Publish"} ${item.name}`,
      onclick: () => change(!state.published),
    });
    cell.replaceChildren(...[el("span", { class: "state", text: state.published ? "published" : "not published" }),
      " ", button, landing && el("br"), landing].filter(Boolean));
  }

  async function change(publish) {
    try {
      const state = await api.call(publish ? "PUT" : "DELETE", `/api/publish${encoded(item.path)}`);
      show(state);
      say(publish ? `${item.name} is published: anyone may read it at its landing page.`
                  : `${item.name} is no longer published.`, "info");
    } catch (error) {
      failed(error);
    }
  }

  api.call("GET", `/api/publish${encoded(item.path)}`).then(show, (error) => {
    if (error instanceof api.ApiError && error.status === 404) cell.textContent = "–";
    else failed(error);
  });
  return cell;
}

function listing(path, page, offset) {
  const rows = page.items.map((item) => el("tr", { "data-path": item.path },
    el("td", { "data-label": "Name" }, item.type === "collection"
      ? el("a", { href: pageLink(item.path), class: "collection", text: `${item.name}/` })
      : el("a", { href: itemLink(item.path), text: item.name, title: `Details of ${item.name}` })),
    el("td", { "data-label": "PID", class: "pid" }, item.type === "collection" ? "collection" : item.PID || "none"),
    el("td", { "data-label": "Size" }, item.type === "collection" ? "" : formatSize(item.size)),
    item.type === "collection" ? el("td", { "data-label": "Published" }, "") : publication(item)));
  const previous = offset > 0
    ? el("a", { class: "button", rel: "prev", text: "Previous page", href: pageLink(path, Math.max(0, offset - PAGE_SIZE)) })
    : null;
  const next = page.has_more
    ? el("a", { class: "button", rel: "next", text: "Next page", href: pageLink(path, offset + PAGE_SIZE) })
    : null;
  return [
    page.items.length
      ? el("table", { class: "list registered" },
          el("caption", { text: `Registered data in ${path}` }),
          el("thead", {}, el("tr", {}, ["Name", "PID", "Size", "Published"]
            .map((name) => el("th", { scope: "col", text: name })))),
          el("tbody", {}, rows))
      : el("p", { class: "empty", text: "This collection is empty." }),
    el("nav", { class: "pages", "aria-label": "Pages" }, previous, next),
  ];
}

function collectionForm(path) {
  const input = el("input", { id: "pids-collection", name: "collection", required: true, value: path,
                              autocomplete: "off" });
  return el("form", { class: "inline", onsubmit: (event) => {
    event.preventDefault();
    go(pageLink(input.value.replace(/\/+$/, "") || "/"));
  } }, el("label", { for: "pids-collection", text: "Collection" }), input,
  el("button", { type: "submit", text: "Show" }));
}

function uploadForm(path) {
  const file = el("input", { id: "pids-file", type: "file", required: true });
  const submit = el("button", { type: "submit", text: "Upload and register" });
  const form = el("form", { class: "card wide", "aria-labelledby": "pids-upload-heading" },
    el("h2", { id: "pids-upload-heading", text: "Upload as registered data" }),
    el("p", { class: "muted", text: `Into ${path}. The file gets a PID; registered data cannot be deleted.` }),
    el("div", { class: "field" }, el("label", { for: "pids-file", text: "File to register" }), file),
    el("p", {}, submit));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const chosen = file.files[0];
    submit.disabled = true;
    say(`Uploading ${chosen.name}…`, "info");
    try {
      const stored = await putFile(`${path}/${chosen.name}`, chosen);
      go(location.hash, `${stored.name} is registered with the PID ${stored.PID}.`, "info");
    } catch (error) {
      failed(error);
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}

function resolveForm() {
  const input = el("input", { id: "pids-pid", name: "pid", required: true, autocomplete: "off",
                              placeholder: "21.T12995/…" });
  const result = el("div", { "aria-live": "polite" });
  const form = el("form", { class: "card wide", "aria-labelledby": "pids-resolve-heading" },
    el("h2", { id: "pids-resolve-heading", text: "Resolve a PID" }),
    el("div", { class: "field" }, el("label", { for: "pids-pid", text: "PID" }), input),
    el("p", {}, el("button", { type: "submit", text: "Resolve" })),
    result);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    result.replaceChildren();
    try {
      const record = await api.call("GET", `/api/pids/${encoded(input.value.trim())}`);
      const rows = [["PID", record.pid], ["Checksum", record.checksum], ["Size", formatSize(record.size)],
                    ["Owner", record.owner], ["Registered", formatDate(record.created)]];
      result.append(
        el("p", {}, "Points at ", el("a", { href: itemLink(record.path), class: "resolved", text: record.path })),
        el("dl", { class: "facts" }, rows.flatMap(([name, value]) => [
          el("dt", { text: name }), el("dd", { "data-fact": name.toLowerCase(), text: value ?? "–" })])));
      say("");
    } catch (error) {
      failed(error);
    }
  });
  return form;
}

export async function render(main, route) {
  const path = route.rest || api.user()?.home;
  const offset = Math.max(0, Number.parseInt(route.query.get("offset") || "0", 10) || 0);
  const query = new URLSearchParams({ offset, limit: PAGE_SIZE, detailed: "true" });
  main.append(el("h1", { text: "PIDs" }), collectionForm(path));
  let page;
  try {
    // A file's path would answer its bytes: ask what the path is first.
    const info = await api.call("GET", `/api/registered${encoded(path)}?stat=true`);
    if (info.type !== "collection") {
      main.append(el("p", {}, `${path} is a file with the PID ${info.PID || "none"}: `,
        el("a", { href: itemLink(path), text: "its details" })), resolveForm());
      return;
    }
    page = await api.call("GET", `/api/registered${encoded(path)}?${query}`);
  } catch (error) {
    main.append(resolveForm());  // resolving a PID still works when the collection does not
    throw error;
  }
  main.append(...listing(path, page, offset), uploadForm(path), resolveForm());
}
