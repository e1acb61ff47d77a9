// Administration, service health (#/admin/health): each component of GET /api/status and its
// state, asked again with the Refresh button.
//
// /api/status answers 503 with the same body when a component is down; api.call() turns every
// non-2xx answer into an error, so the status is fetched here directly (same origin, no token:
// the API serves it to anyone).

import { el } from "../dom.js";
import { failed, say } from "../app.js";
import { ApiError } from "../api.js";

const ROOT = document.body.dataset.apiRoot || "";
const GOOD = new Set(["ok", "none"]);

async function status() {
  let response;
  try {
    response = await fetch(`${ROOT}/api/status`, { headers: { Accept: "application/json" } });
  } catch (error) {
    throw new ApiError(0, { error: `The API cannot be reached (${error.message}).` });
  }
  let body = null;
  try {
    body = await response.json();
  } catch {
    // not JSON: a proxy's page, say
  }
  if (!body || !body.services) throw new ApiError(response.status, body);
  return body;
}

// "ok" plus the check's details (a version, a latency, an error), as text.
function details(result) {
  return Object.entries(result).filter(([key]) => key !== "status")
    .map(([key, value]) => `${key}: ${typeof value === "object" ? JSON.stringify(value) : value}`).join("; ");
}

export async function render(main) {
  const summary = el("p", { class: "health-summary", "aria-live": "polite" });
  const body = el("tbody");
  const checked = el("p", { class: "muted" });
  const refresh = el("button", { type: "button", text: "Refresh" });

  async function show() {
    refresh.disabled = true;
    try {
      const answer = await status();
      summary.replaceChildren("Overall: ", el("span", { class: `status ${answer.status === "ok" ? "successful" : "failed"}`,
                                                        text: answer.status }),
                              answer.version ? ` (version ${answer.version})` : "");
      body.replaceChildren(...Object.entries(answer.services).map(([name, result]) => el("tr", { "data-service": name },
        el("th", { scope: "row", "data-label": "Component", text: name }),
        el("td", { "data-label": "State" }, el("span", {
          // "none": a service this deployment does not use now, neither good nor bad.
          class: `status ${result.status === "none" ? "" : GOOD.has(result.status) ? "successful" : "failed"}`,
          text: result.status || "unknown" })),
        el("td", { "data-label": "Details", text: details(result) || "–" }))));
      checked.textContent = `Checked at ${new Date().toLocaleTimeString()}.`;
      say("");
    } catch (error) {
      failed(error);
    } finally {
      refresh.disabled = false;
    }
  }
  refresh.addEventListener("click", show);
  main.append(summary,
    el("table", { class: "list health" },
      el("caption", { class: "visually-hidden", text: "Components and their state" }),
      el("thead", {}, el("tr", {}, ["Component", "State", "Details"].map((name) => el("th", { scope: "col", text: name })))),
      body),
    el("p", { class: "pages" }, refresh, checked));
  await show();
}
