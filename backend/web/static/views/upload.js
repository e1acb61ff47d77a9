// The data browser's upload panel: files or a whole folder into the shown collection,
// through the resumable upload protocol (../tus.js), one progress bar per file and one
// overall. A failed file keeps its place and a Retry button that continues from where
// the server's copy stopped.
//
// The panel of a collection is kept across re-renders of the listing (a module-level map),
// so the progress stays visible after the listing is refreshed.

import { el, formatSize } from "../dom.js";
import { upload } from "../tus.js";

const panels = new Map();

function percent(done, total) {
  return total ? Math.floor((100 * done) / total) : 100;
}

function bar(label) {
  const progress = el("progress", { max: 100, value: 0, "aria-label": label });
  const text = el("span", { class: "percent", text: "0%" });
  return {
    nodes: [progress, text],
    set(value) {
      progress.value = value;
      text.textContent = `${value}%`;
    },
  };
}

// `onDone()` is called when a batch has finished (to refresh the listing).
export function uploadPanel(collection, onDone) {
  const existing = panels.get(collection);
  if (existing) {
    existing.onDone = onDone;
    return existing.node;
  }
  const state = { onDone, node: null };
  const list = el("ul", { class: "uploads", "aria-label": "Uploads" });
  const overall = bar("Overall progress");
  const overallRow = el("p", { class: "overall", hidden: true },
    el("span", { text: "Overall " }), overall.nodes);
  const entries = [];  // {file, path, done, status, retry, bar}

  function showOverall() {
    const total = entries.reduce((sum, entry) => sum + entry.file.size, 0);
    const done = entries.reduce((sum, entry) => sum + entry.done, 0);
    overallRow.hidden = entries.length === 0;
    overall.set(entries.length && entries.every((entry) => entry.finished) ? 100 : Math.min(99, percent(done, total)));
  }

  async function run(entry) {
    entry.retry.hidden = true;
    entry.status.textContent = "uploading";
    entry.row.classList.remove("failed");
    try {
      const result = await upload(entry.path, entry.file, (bytes) => {
        entry.done = bytes;
        entry.bar.set(entry.file.size ? Math.min(99, percent(bytes, entry.file.size)) : 0);
        showOverall();
      });
      entry.done = entry.file.size;
      entry.finished = true;
      entry.bar.set(100);
      entry.status.textContent = result.resumedFrom
        ? `done (resumed at ${formatSize(result.resumedFrom)})` : "done";
      entry.row.dataset.resumedFrom = String(result.resumedFrom);
    } catch (error) {
      entry.status.textContent = `failed: ${error.message}`;
      entry.row.classList.add("failed");
      entry.retry.hidden = false;
    }
    showOverall();
  }

  async function start(files) {
    const batch = files.map((file) => {
      const relative = file.webkitRelativePath || file.name;
      const entry = { file, path: `${collection.replace(/\/$/, "")}/${relative}`, done: 0, finished: false };
      entry.bar = bar(`Progress of ${relative}`);
      entry.status = el("span", { class: "status", text: "waiting" });
      entry.retry = el("button", { type: "button", class: "small", hidden: true, text: `Retry ${relative}`,
                                   onclick: async () => { await run(entry); state.onDone(); } });
      entry.row = el("li", { "data-path": entry.path },
        el("span", { class: "name", text: relative }), " ", el("span", { class: "size", text: formatSize(file.size) }),
        " ", entry.bar.nodes, " ", entry.status, entry.retry);
      return entry;
    });
    entries.push(...batch);
    list.append(...batch.map((entry) => entry.row));
    showOverall();
    // One file after the other: the connection is the bottleneck, not the requests.
    for (const entry of batch) await run(entry);
    state.onDone();
  }

  const picker = (id, label, attributes) => {
    const input = el("input", { id, type: "file", multiple: true, ...attributes,
      onchange: () => {
        const files = [...input.files];
        input.value = "";
        if (files.length) start(files);
      } });
    return el("span", { class: "picker" }, el("label", { for: id, text: label }), input);
  };

  state.node = el("section", { class: "upload", "aria-label": "Upload" },
    el("h2", { text: "Upload" }),
    el("p", { class: "pickers" },
      picker("upload-files", "Upload files", {}),
      picker("upload-folder", "Upload a folder", { webkitdirectory: true })),
    overallRow, list);
  panels.set(collection, state);
  return state.node;
}
