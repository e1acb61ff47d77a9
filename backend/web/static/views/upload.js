// The data browser's upload panel: files or a whole folder into the shown collection,
// through the resumable upload protocol (../tus.js), one progress bar per file and one
// overall. A failed file keeps its place and a Retry button that continues from where
// the server's copy stopped; a running or failed file has a Cancel button that stops it
// and abandons the upload on the server (tus termination: DELETE), so nothing appears.
// Files and folders dropped on the listing (droppable()) go the same way.
//
// The panel of a collection is kept across re-renders of the listing (a module-level map),
// so the progress stays visible after the listing is refreshed.

import { el, formatSize } from "../dom.js";
import { abandon, Cancelled, upload } from "../tus.js";

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

// `onDone(message)` is called when a batch has finished (to refresh the listing and say so).
export function uploadPanel(collection, onDone) {
  const existing = panels.get(collection);
  if (existing) {
    existing.onDone = onDone;
    return existing.node;
  }
  const state = { onDone, node: null, start: null };
  const list = el("ul", { class: "uploads", "aria-label": "Uploads" });
  const overall = bar("Overall progress");
  const overallRow = el("p", { class: "overall", hidden: true },
    el("span", { text: "Overall " }), overall.nodes);
  const entries = [];  // {file, path, done, status, retry, cancel, bar, controller}

  function showOverall() {
    const counted = entries.filter((entry) => !entry.cancelled);
    const total = counted.reduce((sum, entry) => sum + entry.file.size, 0);
    const done = counted.reduce((sum, entry) => sum + entry.done, 0);
    overallRow.hidden = counted.length === 0;
    overall.set(counted.length && counted.every((entry) => entry.finished) ? 100 : Math.min(99, percent(done, total)));
  }

  async function cancel(entry) {
    entry.cancelled = true;
    entry.cancel.disabled = true;
    if (entry.running) {
      entry.controller.abort();  // run() abandons the upload once its request has stopped
      return;
    }
    await abandonEntry(entry);
  }

  async function abandonEntry(entry) {
    entry.retry.hidden = true;
    entry.status.textContent = "cancelling";
    try {
      await abandon(entry.path, entry.file);
      entry.status.textContent = "cancelled";
      entry.row.classList.remove("failed");
      entry.row.classList.add("cancelled");
      entry.cancel.hidden = true;
    } catch (error) {
      entry.status.textContent = `not cancelled: ${error.message}`;
      entry.cancel.disabled = false;
      entry.cancelled = false;
      entry.retry.hidden = false;
    }
    showOverall();
  }

  async function run(entry) {
    entry.retry.hidden = true;
    entry.cancel.hidden = false;
    entry.cancel.disabled = false;
    entry.status.textContent = "uploading";
    entry.row.classList.remove("failed");
    entry.controller = new AbortController();
    entry.running = true;
    try {
      const result = await upload(entry.path, entry.file, (bytes) => {
        entry.done = bytes;
        entry.bar.set(entry.file.size ? Math.min(99, percent(bytes, entry.file.size)) : 0);
        showOverall();
      }, entry.controller.signal);
      entry.done = entry.file.size;
      entry.finished = true;
      entry.bar.set(100);
      entry.cancel.hidden = true;
      entry.status.textContent = result.resumedFrom
        ? `done (resumed at ${formatSize(result.resumedFrom)})` : "done";
      entry.row.dataset.resumedFrom = String(result.resumedFrom);
    } catch (error) {
      entry.running = false;
      if (error instanceof Cancelled || entry.cancelled) {
        await abandonEntry(entry);
        return;
      }
      entry.status.textContent = `failed: ${error.message}`;
      entry.row.classList.add("failed");
      entry.retry.hidden = false;
    }
    entry.running = false;
    showOverall();
  }

  function summary(batch) {
    const cancelled = batch.filter((entry) => entry.cancelled).length;
    const failed = batch.filter((entry) => !entry.cancelled && !entry.finished).length;
    if (cancelled === batch.length) return "Upload cancelled: nothing was stored.";
    const notes = [failed ? `${failed} failed: retry or cancel` : "", cancelled ? `${cancelled} cancelled` : ""];
    const said = notes.filter(Boolean).join(", ");
    return said ? `Uploads finished (${said}).` : "Uploads finished.";
  }

  // `items`: [{file, relative}], relative the path below the collection ("a/b.txt").
  async function start(items) {
    const batch = items.map(({ file, relative }) => {
      const entry = { file, path: `${collection.replace(/\/$/, "")}/${relative}`, done: 0, finished: false };
      entry.bar = bar(`Progress of ${relative}`);
      entry.status = el("span", { class: "status", text: "waiting" });
      entry.retry = el("button", { type: "button", class: "small", hidden: true, text: `Retry ${relative}`,
                                   onclick: async () => { await run(entry); state.onDone(summary([entry])); } });
      entry.cancel = el("button", { type: "button", class: "small secondary", text: `Cancel ${relative}`,
                                    onclick: () => cancel(entry) });
      entry.row = el("li", { "data-path": entry.path },
        el("span", { class: "name", text: relative }), " ", el("span", { class: "size", text: formatSize(file.size) }),
        " ", entry.bar.nodes, " ", entry.status, entry.retry, entry.cancel);
      return entry;
    });
    entries.push(...batch);
    list.append(...batch.map((entry) => entry.row));
    showOverall();
    // One file after the other: the connection is the bottleneck, not the requests.
    for (const entry of batch) {
      if (entry.cancelled) continue;  // cancelled while waiting: never started
      await run(entry);
    }
    state.onDone(summary(batch));
  }
  state.start = start;

  const picker = (id, label, attributes) => {
    const input = el("input", { id, type: "file", multiple: true, ...attributes,
      onchange: () => {
        const files = [...input.files];
        input.value = "";
        if (files.length) start(files.map((file) => ({ file, relative: file.webkitRelativePath || file.name })));
      } });
    return el("span", { class: "picker" }, el("label", { for: id, text: label }), input);
  };

  state.node = el("section", { class: "upload", "aria-label": "Upload" },
    el("h2", { text: "Upload" }),
    el("p", { class: "pickers" },
      picker("upload-files", "Upload files", {}),
      picker("upload-folder", "Upload a folder", { webkitdirectory: true })),
    el("p", { class: "drop-hint muted", text: "Or drop files and folders on the listing." }),
    overallRow, list);
  panels.set(collection, state);
  return state.node;
}

// Every file below a dropped entry (FileSystemEntry of webkitGetAsEntry), with its path
// relative to the drop: a folder is read whole (readEntries answers in batches until empty).
async function filesOf(entry, prefix = "") {
  if (entry.isFile) {
    const file = await new Promise((resolve, reject) => entry.file(resolve, reject));
    return [{ file, relative: prefix + entry.name }];
  }
  if (!entry.isDirectory) return [];
  const reader = entry.createReader();
  const children = [];
  for (;;) {
    const batch = await new Promise((resolve, reject) => reader.readEntries(resolve, reject));
    if (!batch.length) break;
    children.push(...batch);
  }
  const nested = await Promise.all(children.map((child) => filesOf(child, `${prefix}${entry.name}/`)));
  return nested.flat();
}

// What a drop brings: entries (folders included) where the browser gives webkitGetAsEntry,
// else the plain files.
async function dropped(transfer) {
  const entries = [...(transfer.items || [])]
    .filter((item) => item.kind === "file")
    .map((item) => (item.webkitGetAsEntry ? item.webkitGetAsEntry() : null));
  if (entries.length && entries.every(Boolean)) {
    return (await Promise.all(entries.map((entry) => filesOf(entry)))).flat();
  }
  return [...transfer.files].map((file) => ({ file, relative: file.name }));
}

// Make `node` (the listing) a drop target for uploads into `collection`; `onError(error)`
// shows what could not be read.
export function droppable(node, collection, onError) {
  const carriesFiles = (event) => [...(event.dataTransfer?.types || [])].includes("Files");
  node.addEventListener("dragover", (event) => {
    if (!carriesFiles(event)) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "copy";
    node.classList.add("dropping");
  });
  node.addEventListener("dragleave", (event) => {
    if (!node.contains(event.relatedTarget)) node.classList.remove("dropping");
  });
  node.addEventListener("drop", async (event) => {
    if (!carriesFiles(event)) return;
    event.preventDefault();
    node.classList.remove("dropping");
    const panel = panels.get(collection);
    try {
      // The items must be read during the event: the DataTransfer is emptied after it.
      const items = await dropped(event.dataTransfer);
      if (items.length && panel) panel.start(items);
    } catch (error) {
      onError(error);
    }
  });
}
