// What the seadata pages share (not a page: only web/*.js directly are pages): a status badge
// in the core's colours, a raw-body upload, and polling while a page is shown.

import * as api from "../../../static/api.js";
import { el } from "../../../static/dom.js";

const ROOT = document.body.dataset.apiRoot || "";
const COLOURS = { imported: "successful", ready: "successful", importing: "running",
                  preparing: "running", queued: "running", failed: "failed", expired: "failed" };
export const POLL_MS = 1000;

export function badge(status) {
  return el("span", { class: `status ${COLOURS[status] || ""}`, text: status });
}

// api.call sends JSON; a batch's zip is the body itself, streamed by the browser.
export async function putBody(path, file, type) {
  let response;
  try {
    response = await fetch(ROOT + path, {
      method: "PUT", body: file,
      headers: { Accept: "application/json", Authorization: `Bearer ${api.token()}`, "Content-Type": type },
    });
  } catch (error) {
    throw new api.ApiError(0, { error: `The API cannot be reached (${error.message}).` });
  }
  const answer = await response.json().catch(() => null);
  if (!response.ok) throw new api.ApiError(response.status, answer);
  return answer;
}

// Call `check` every POLL_MS while it answers true and `node` is still on the page shown.
export function pollWhile(node, check) {
  const hash = location.hash;
  const tick = async () => {
    if (location.hash !== hash || !node.isConnected) return;
    if (await check()) setTimeout(tick, POLL_MS);
  };
  setTimeout(tick, POLL_MS);
}
