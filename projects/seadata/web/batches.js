// SeaDataCloud's ingestion batches in the web interface (a project page, served from
// projects/seadata/web/). #/batches: your batches (the collections of <home>/batches, each
// with its status from GET /api/ingestion/<batch>) and a new one (POST /api/ingestion/<batch>).
// #/batches/<batch>: its status, counts and message, its zip uploaded (PUT, the zip as the
// body), and the status checked every second while it is importing, or on Refresh.

import * as api from "../../static/api.js";
import { el, formatDate } from "../../static/dom.js";
import { failed, go, say } from "../../static/app.js";
import { badge, pollWhile, putBody } from "./lib/seadata.js";

export const title = "Batches";

const batchUrl = (id) => `/api/ingestion/${encodeURIComponent(id)}`;
const batchLink = (id) => `#/batches/${encodeURIComponent(id)}`;
const dataLink = (path) => "#/data" + path.split("/").map(encodeURIComponent).join("/");

function newBatchForm() {
  const input = el("input", { id: "batch-id", name: "batch", required: true, autocomplete: "off",
                              pattern: "[A-Za-z0-9._\\-]+", title: "letters, digits, '-', '_', '.'" });
  const form = el("form", { class: "inline", "aria-label": "New batch" },
    el("label", { for: "batch-id", text: "New batch id" }), input,
    el("button", { type: "submit", text: "Create batch" }));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const made = await api.call("POST", batchUrl(input.value));
      go(batchLink(made.batch), `Batch ${made.batch} is created: upload its zip.`, "info");
    } catch (error) {
      failed(error);
    }
  });
  return form;
}

async function list(main) {
  main.append(el("h1", { text: "Batches" }), newBatchForm());
  const folder = `${api.user()?.home}/batches`;
  let listing;
  try {
    listing = await api.call("GET", `${api.dataUrl(folder)}?limit=1000`);
  } catch (error) {
    if (!(error instanceof api.ApiError && error.status === 404)) throw error;
    main.append(el("p", { class: "empty", text: "No batch yet." }));
    return;
  }
  const ids = listing.items.filter((item) => item.type === "collection").map((item) => item.name);
  const rows = ids.map((id) => {
    const status = el("td", { "data-label": "Status" }, "…");
    const files = el("td", { "data-label": "Files" }, "");
    api.call("GET", batchUrl(id)).then((batch) => {
      status.replaceChildren(badge(batch.status));
      files.textContent = String(batch.files ?? "");
    }, () => { status.textContent = "–"; });  // a collection made by hand: no batch record
    return el("tr", {}, el("td", { "data-label": "Batch" }, el("a", { href: batchLink(id), text: id })),
      status, files);
  });
  main.append(ids.length
    ? el("table", { class: "list batches" }, el("caption", { text: `${ids.length} batch(es) in ${folder}` }),
        el("thead", {}, el("tr", {}, ["Batch", "Status", "Files"].map((name) => el("th", { scope: "col", text: name })))),
        el("tbody", {}, rows))
    : el("p", { class: "empty", text: "No batch yet." }));
}

function facts(batch) {
  const rows = [
    ["Status", badge(batch.status)],
    ["Files", String(batch.files ?? 0)],
    ["Skipped", (batch.skipped || []).length ? batch.skipped.join(", ") : "none"],
    ["Message", batch.message || "–"],
    ["Collection", el("a", { href: dataLink(batch.path), text: batch.path })],
    ["Created", formatDate(batch.created)],
    ["Updated", formatDate(batch.updated)],
  ];
  return el("dl", { class: "facts", id: "batch-facts", "aria-live": "polite" },
    rows.flatMap(([name, value]) => [el("dt", { text: name }), el("dd", { "data-fact": name.toLowerCase() }, value)]));
}

function uploadForm(id, shown) {
  const file = el("input", { id: "batch-zip", type: "file", accept: ".zip,application/zip", required: true });
  const submit = el("button", { type: "submit", text: "Upload and import" });
  const form = el("form", { class: "card wide", "aria-labelledby": "batch-upload-heading" },
    el("h2", { id: "batch-upload-heading", text: "Upload the batch's zip" }),
    el("p", { class: "muted", text: "Its files are unpacked into the batch's collection, each with a PID." }),
    el("div", { class: "field" }, el("label", { for: "batch-zip", text: "Zip file" }), file),
    el("p", {}, submit));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    submit.disabled = true;
    say(`Uploading ${file.files[0].name}…`, "info");
    try {
      shown(await putBody(batchUrl(id), file.files[0], "application/zip"));
      say("The zip is uploaded: the import is queued.", "info");
    } catch (error) {
      failed(error);
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}

async function one(main, id) {
  const batch = await api.call("GET", batchUrl(id));
  const area = el("div", {});
  let polling = false;

  async function refresh() {
    try {
      show(await api.call("GET", batchUrl(id)));
    } catch (error) {
      failed(error);
    }
  }

  function show(current) {
    area.replaceChildren(...[facts(current),
      el("p", {}, el("button", { type: "button", class: "secondary", text: "Refresh", onclick: refresh })),
      ["created", "failed"].includes(current.status) && uploadForm(id, show)].filter(Boolean));
    if (current.status === "importing" && !polling) {
      polling = true;
      pollWhile(area, async () => {
        try {
          const now = await api.call("GET", batchUrl(id));
          if (now.status !== "importing") {
            polling = false;
            show(now);
            say(now.status === "imported" ? `Batch ${id} is imported: ${now.files} file(s).`
                                          : `Batch ${id} failed: ${now.message || "no message"}`,
                now.status === "imported" ? "info" : "error");
            return false;
          }
          show(now);
          return true;
        } catch (error) {
          polling = false;
          failed(error);
          return false;
        }
      });
    }
  }

  main.append(el("p", {}, el("a", { href: "#/batches", text: "All batches" })),
    el("h1", { text: `Batch ${batch.batch}` }), area);
  show(batch);
}

export async function render(main, route) {
  const id = route.rest.replace(/^\//, "");
  if (id) await one(main, id);
  else await list(main);
}
