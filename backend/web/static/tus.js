// A small tus 1.0 client (the API's resumable uploads at /api/uploads): POST creates an
// upload (Upload-Length, Upload-Metadata), PATCH sends chunks at Upload-Offset, HEAD says
// how far an upload got after a dropped connection.
//
// Written by hand rather than vendoring tus-js-client: the interface has no npm build step,
// and the part of the protocol it needs is about a hundred lines; the PATCHes go through
// XMLHttpRequest because fetch() reports no upload progress.
//
// Each file's upload URL is kept in sessionStorage, keyed by target path, size and
// lastModified, so a retry (even after a reload of the page) continues where it stopped.

import * as api from "./api.js";

const VERSION = "1.0.0";
const ROOT = document.body.dataset.apiRoot || "";
const KEY_PREFIX = "rapydo.upload:";
// Bytes per PATCH: by default the whole rest of the file in one request, as tus-js-client
// does. The server keeps every byte that arrived before a connection dropped, so a big
// request loses nothing on a cut, and each PATCH costs a round trip and a sync to disk
// (bench/web.py: 1 GiB took 11.0 s in 8 MiB PATCHes, 8.1 s in 64 MiB ones, 6.6 s in one).
// Tests make it small with sessionStorage "rapydo.upload.chunk-size" to cut an upload
// between chunks.
const DEFAULT_CHUNK = Number.POSITIVE_INFINITY;

export function chunkSize() {
  const set = Number.parseInt(sessionStorage.getItem("rapydo.upload.chunk-size") || "", 10);
  return set > 0 ? set : DEFAULT_CHUNK;
}

function storageKey(path, file) {
  return `${KEY_PREFIX}${path}:${file.size}:${file.lastModified}`;
}

function base64(text) {
  // btoa takes Latin-1 only: encode the UTF-8 bytes of the text first.
  return btoa(String.fromCharCode(...new TextEncoder().encode(text)));
}

function headers(extra = {}) {
  const all = { "Tus-Resumable": VERSION, ...extra };
  const current = api.token();
  if (current) all.Authorization = `Bearer ${current}`;
  return all;
}

async function failure(response) {
  let body = null;
  try {
    body = await response.json();
  } catch {
    body = { error: `The API answered ${response.status} ${response.statusText}.` };
  }
  return new api.ApiError(response.status, body);
}

async function send(method, url, extra) {
  try {
    return await fetch(url, { method, headers: headers(extra) });
  } catch (error) {
    throw new api.ApiError(0, { error: `The API cannot be reached (${error.message}).` });
  }
}

async function create(path, file) {
  const response = await send("POST", `${ROOT}/api/uploads?parents=true`, {
    "Upload-Length": String(file.size),
    "Upload-Metadata": `path ${base64(path)},filename ${base64(file.name)}`,
  });
  if (response.status !== 201) throw await failure(response);
  return new URL(response.headers.get("Location"), location.href).href;
}

// Where a kept upload stands: its offset, or null when the server no longer has it.
async function offsetOf(url) {
  const response = await send("HEAD", url);
  if (response.status === 404 || response.status === 410) return null;
  if (!response.ok) throw new api.ApiError(response.status, null);
  return Number.parseInt(response.headers.get("Upload-Offset"), 10);
}

// What an upload stopped by its Cancel button rejects with (not a failure to show as one).
export class Cancelled extends Error {
  constructor() {
    super("cancelled");
    this.name = "Cancelled";
  }
}

function patch(url, offset, chunk, onProgress, signal) {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    if (signal) {
      if (signal.aborted) {
        reject(new Cancelled());
        return;
      }
      signal.addEventListener("abort", () => request.abort(), { once: true });
    }
    request.open("PATCH", url);
    for (const [name, value] of Object.entries(headers({
      "Upload-Offset": String(offset), "Content-Type": "application/offset+octet-stream" }))) {
      request.setRequestHeader(name, value);
    }
    request.upload.onprogress = (event) => onProgress(offset + event.loaded);
    request.onerror = () => reject(new api.ApiError(0, {
      error: "The connection was lost during the upload: retry to continue where it stopped." }));
    request.onabort = () => (signal && signal.aborted ? reject(new Cancelled()) : request.onerror());
    request.onload = () => {
      if (request.status !== 204) {
        let body;
        try {
          body = JSON.parse(request.responseText);
        } catch {
          body = { error: `The API answered ${request.status} ${request.statusText}.` };
        }
        reject(new api.ApiError(request.status, body));
        return;
      }
      resolve({ offset: Number.parseInt(request.getResponseHeader("Upload-Offset"), 10),
                checksum: request.getResponseHeader("X-Checksum") });
    };
    request.send(chunk);
  });
}

// Upload `file` to the logical `path`; onProgress(bytesDone) as bytes go; resolves to
// {checksum, resumedFrom} once the server has the whole object. An aborted `signal`
// (an AbortController's) stops it between requests or during a PATCH: it rejects with
// Cancelled, and abandon() then removes what the server holds.
export async function upload(path, file, onProgress = () => {}, signal = undefined) {
  const stopped = () => {
    if (signal && signal.aborted) throw new Cancelled();
  };
  const key = storageKey(path, file);
  let url = sessionStorage.getItem(key);
  let offset = null;
  if (url) offset = await offsetOf(url);
  stopped();
  if (offset === null) {
    url = await create(path, file);
    sessionStorage.setItem(key, url);
    offset = 0;
  }
  stopped();
  const resumedFrom = offset;
  onProgress(offset);
  let checksum = null;
  if (file.size === 0) {
    sessionStorage.removeItem(key);  // created complete: nothing to send
    return { checksum, resumedFrom };
  }
  const size = chunkSize();
  while (offset < file.size) {
    const answer = await patch(url, offset, file.slice(offset, offset + size), onProgress, signal);
    offset = answer.offset;
    checksum = answer.checksum || checksum;
    onProgress(offset);
  }
  sessionStorage.removeItem(key);
  return { checksum, resumedFrom };
}

// Abandon the kept upload of `file` to `path` (tus termination: DELETE its URL), so that
// its bytes are removed and nothing appears at `path`. Resolves to whether the server had
// one; an upload the server no longer knows (404/410) is gone already.
export async function abandon(path, file) {
  const key = storageKey(path, file);
  const url = sessionStorage.getItem(key);
  if (!url) return false;
  const response = await send("DELETE", url);
  if (!response.ok && response.status !== 404 && response.status !== 410) throw await failure(response);
  sessionStorage.removeItem(key);
  return response.ok;
}
