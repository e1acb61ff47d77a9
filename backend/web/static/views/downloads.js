// Downloads with the bearer token, which a plain link cannot send: the bytes are fetched,
// then handed to the browser as a blob under the file's name. A file comes from
// GET /api/data/<path>?download=true, a collection as one zip from GET /api/archive/<path>.
//
// The blob holds the whole download in memory: fine for what a person fetches from a
// page; very large data is better fetched with curl or through a share link (a ticket's
// URL needs no token, so the browser streams it to disk).

import * as api from "../api.js";
import { el } from "../dom.js";
import { failed, say } from "../app.js";

async function save(path, name) {
  const response = await api.call("GET", path, { raw: true });
  const blob = await response.blob();
  const url = URL.createObjectURL(blob);
  const anchor = el("a", { href: url, download: name, hidden: true });
  document.body.append(anchor);
  anchor.click();
  anchor.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

export async function downloadFile(item) {
  try {
    await save(api.dataUrl(item.path) + "?download=true", item.name);
    say(`${item.name} downloaded.`, "info");
  } catch (error) {
    failed(error);
  }
}

export function archiveUrl(path) {
  return "/api/archive" + path.split("/").map(encodeURIComponent).join("/") + "?format=zip";
}

export async function downloadArchive(item) {
  const name = `${item.name || "collection"}.zip`;
  say(`Packing ${item.path} as ${name}…`, "info");
  try {
    await save(archiveUrl(item.path), name);
    say(`${name} downloaded.`, "info");
  } catch (error) {
    failed(error);
  }
}
