// One job (#/job/<id>): status, per-step status and times, polled every second
// (GET /api/jobs/<id>) while the job is queued or running and this page is shown; then its
// logs (GET /api/jobs/<id>/logs), results with links into the data browser, cancel (DELETE,
// confirmed in a <dialog>), and, once finished, its provenance (views/provenance.js).

import * as api from "../api.js";
import { el, formatDate } from "../dom.js";
import { failed, go, say } from "../app.js";
import { statusBadge } from "./jobs.js";
import { provenanceSection } from "./provenance.js";

const FINISHED = new Set(["successful", "failed", "dismissed"]);
const POLL_MS = 1000;

function dataLink(path) {
  return "#/data" + path.split("/").map(encodeURIComponent).join("/");
}

function duration(start, end) {
  if (!start) return "–";
  const ms = (end ? new Date(end) : new Date()) - new Date(start);
  return Number.isFinite(ms) ? `${(ms / 1000).toFixed(1)} s` : "–";
}

// Every {path: "/..."} in the results, with the output port it belongs to.
function resultPaths(results) {
  const found = [];
  const walk = (port, value) => {
    if (Array.isArray(value)) value.forEach((each) => walk(port, each));
    else if (value && typeof value === "object") {
      if (typeof value.path === "string" && value.path.startsWith("/")) found.push([port, value.path]);
      for (const [key, inner] of Object.entries(value)) if (key !== "path") walk(port, inner);
    }
  };
  for (const [port, value] of Object.entries(results || {})) walk(port, value);
  return found;
}

function stepsTable(job) {
  const failedStep = job.failed_step;
  return el("table", { class: "list steps", id: "job-steps" },
    el("caption", { text: `Steps: ${job.progress.done} of ${job.progress.total} done` }),
    el("thead", {}, el("tr", {}, ["Step", "Status", "Started", "Finished", "Took", "Exit code"]
      .map((name) => el("th", { scope: "col", text: name })))),
    el("tbody", {}, job.steps.map((step) => el("tr", { "data-step": step.name,
                                                      class: step.name === failedStep ? "failed-step" : null },
      el("th", { scope: "row", "data-label": "Step" }, step.name),
      el("td", { "data-label": "Status" }, statusBadge(step.status)),
      el("td", { "data-label": "Started" }, formatDate(step.started)),
      el("td", { "data-label": "Finished" }, formatDate(step.finished)),
      el("td", { "data-label": "Took" }, duration(step.started, step.finished)),
      el("td", { "data-label": "Exit code" }, step.exit_code ?? "–")))));
}

function summary(job) {
  const rows = [
    ["Status", statusBadge(job.status)],
    ["Workflow", el("a", { href: `#/workflows/${encodeURIComponent(job.workflow.name)}/${encodeURIComponent(job.workflow.version)}`,
                           text: `${job.workflow.name} ${job.workflow.version}` })],
    ["Message", job.message || "–"],
    ["Submitted", formatDate(job.created)],
    ["Started", formatDate(job.started)],
    ["Finished", formatDate(job.finished)],
    ["Outputs", job.outputs ? el("a", { href: dataLink(job.outputs), text: job.outputs }) : "–"],
  ];
  if (job.failed_step) rows.push(["Failed step", job.failed_step]);
  return el("dl", { class: "facts", id: "job-summary" },
    rows.flatMap(([name, value]) => [el("dt", { text: name }), el("dd", { "data-fact": name }, value)]));
}

async function logsSection(job) {
  const logs = await api.call("GET", `/api/jobs/${encodeURIComponent(job.id)}/logs`);
  const entries = Object.entries(logs.steps || {});
  return el("section", { "aria-labelledby": "logs-heading", id: "job-logs" },
    el("h2", { id: "logs-heading", text: "Logs" }),
    logs.stderr_tail ? el("details", { open: true }, el("summary", { text: "The end of the job's stderr" }),
                          el("pre", { class: "log", text: logs.stderr_tail })) : null,
    entries.length ? entries.map(([name, text]) => el("details", { open: name === logs.failed_step },
      el("summary", { text: `Step ${name}` }), el("pre", { class: "log", text: text || "(empty)" })))
      : el("p", { class: "empty", text: "No log yet." }));
}

async function resultsSection(job) {
  const results = await api.call("GET", `/api/jobs/${encodeURIComponent(job.id)}/results`);
  const paths = resultPaths(results);
  return el("section", { "aria-labelledby": "results-heading", id: "job-results" },
    el("h2", { id: "results-heading", text: "Results" }),
    // Each file links to its detailed view in the data browser (#/item/<path>: its facts,
    // download, metadata, permissions, share links).
    paths.length ? el("ul", {}, paths.map(([port, path]) => el("li", {}, `${port}: `,
      el("a", { href: "#/item" + path.split("/").map(encodeURIComponent).join("/"), title: path,
                text: path.split("/").pop() }))))
      : el("p", { class: "empty", text: "The job stored no file." }));
}

function cancelDialog(job, done) {
  const finished = FINISHED.has(job.status);
  const dialog = el("dialog", { class: "ask", "aria-labelledby": "cancel-heading" },
    el("h2", { id: "cancel-heading", text: finished ? "Dismiss this job?" : "Cancel this job?" }),
    el("p", { text: finished ? "The job is removed from the list; its results stay in storage."
                             : "The running steps are stopped; nothing more is stored." }));
  const yes = el("button", { type: "button", class: "danger", text: finished ? "Dismiss the job" : "Cancel the job" });
  const no = el("button", { type: "button", class: "secondary", text: "Keep it" });
  dialog.append(el("p", { class: "buttons" }, yes, no));
  no.addEventListener("click", () => dialog.close());
  yes.addEventListener("click", async () => {
    yes.disabled = true;
    try {
      await api.call("DELETE", `/api/jobs/${encodeURIComponent(job.id)}`);
      dialog.close();
      done();
    } catch (error) {
      dialog.close();
      failed(error);
    } finally {
      yes.disabled = false;
    }
  });
  return dialog;
}

export async function render(main, route) {
  const id = route.rest.replace(/^\//, "");
  const hash = location.hash;
  let job = await api.call("GET", `/api/jobs/${encodeURIComponent(id)}`);
  const live = el("div", { "aria-live": "polite" });
  const extra = el("div");
  let dialog = null;

  function draw() {
    live.replaceChildren(summary(job), stepsTable(job));
    if (dialog === null && job.status !== "dismissed") {
      dialog = cancelDialog(job, () => go(hash, "The job is cancelled.", "info"));
      const button = el("button", { type: "button", class: "danger", id: "cancel-job",
        text: FINISHED.has(job.status) ? "Dismiss…" : "Cancel…", onclick: () => dialog.showModal() });
      actions.append(button, dialog);
    }
  }

  async function drawFinished() {
    const parts = [await logsSection(job)];
    if (job.status === "successful") parts.push(await resultsSection(job));
    parts.push(provenanceSection(job));
    extra.replaceChildren(...parts);
  }

  const actions = el("p", { class: "actions" });
  main.append(
    el("nav", { class: "breadcrumbs", "aria-label": "Breadcrumbs" }, el("ol", {},
      el("li", {}, el("a", { href: "#/jobs", text: "Jobs" })),
      el("li", {}, el("span", { "aria-current": "page", text: job.id })))),
    el("h1", { text: `Job ${job.workflow.name} ${job.workflow.version}` }), actions, live, extra);
  draw();

  // The job's end, whether the page saw it happen or opened after it: its message, the
  // logs, results and provenance.
  async function ended() {
    dialog?.remove();
    dialog = null;
    actions.replaceChildren();
    draw();
    say(job.status === "failed" ? `The job failed: ${job.message}` : `The job is ${job.status}.`,
        job.status === "successful" ? "info" : "error");
    try {
      await drawFinished();
    } catch (error) {
      failed(error);
    }
  }

  if (FINISHED.has(job.status)) {
    await ended();
    return;
  }
  // Poll while this page is the one shown; the first error ends the polling with its message.
  const poll = async () => {
    if (location.hash !== hash || !main.contains(live)) return;
    try {
      job = await api.call("GET", `/api/jobs/${encodeURIComponent(id)}`);
    } catch (error) {
      failed(error);
      return;
    }
    if (location.hash !== hash || !main.contains(live)) return;
    draw();
    if (FINISHED.has(job.status)) {
      await ended();
      return;
    }
    setTimeout(poll, POLL_MS);
  };
  setTimeout(poll, POLL_MS);
}
