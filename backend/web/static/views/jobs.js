// The job list (GET /api/jobs) with its filters (status, workflow) and paging; the filters
// live in the URL's fragment (#/jobs?status=failed&workflow=x&offset=50), so a reload or
// the back button keeps them.

import * as api from "../api.js";
import { el, formatDate } from "../dom.js";
import { go } from "../app.js";

const PAGE_SIZE = 25;
const STATUSES = ["accepted", "running", "successful", "failed", "dismissed"];

function hashOf(filters, offset) {
  const query = new URLSearchParams();
  if (filters.status) query.set("status", filters.status);
  if (filters.workflow) query.set("workflow", filters.workflow);
  if (offset) query.set("offset", offset);
  const search = query.toString();
  return search ? `#/jobs?${search}` : "#/jobs";
}

export function statusBadge(status) {
  return el("span", { class: `status ${status}`, text: status });
}

export async function render(main, route) {
  const filters = { status: route.query.get("status") || "", workflow: route.query.get("workflow") || "" };
  const offset = Math.max(0, Number.parseInt(route.query.get("offset") || "0", 10) || 0);
  const query = new URLSearchParams({ offset, limit: PAGE_SIZE });
  if (filters.status) query.set("status", filters.status);
  if (filters.workflow) query.set("workflow", filters.workflow);
  const page = await api.call("GET", `/api/jobs?${query}`);

  const status = el("select", { id: "filter-status" }, el("option", { value: "", text: "any" }),
    STATUSES.map((name) => el("option", { value: name, text: name, selected: filters.status === name })));
  const workflow = el("input", { id: "filter-workflow", value: filters.workflow, autocomplete: "off",
                                 placeholder: "name or name/version" });
  const form = el("form", { class: "filters", role: "search", "aria-label": "Filter jobs" },
    el("div", { class: "field" }, el("label", { for: "filter-status", text: "Status" }), status),
    el("div", { class: "field" }, el("label", { for: "filter-workflow", text: "Workflow" }), workflow),
    el("button", { type: "submit", text: "Filter" }));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    go(hashOf({ status: status.value, workflow: workflow.value.trim() }, 0));
  });

  const rows = page.jobs.map((job) => el("tr", {},
    el("td", { "data-label": "Job" }, el("a", { href: `#/job/${encodeURIComponent(job.id)}`, text: job.id })),
    el("td", { "data-label": "Workflow" }, `${job.workflow.name} ${job.workflow.version}`),
    el("td", { "data-label": "Status" }, statusBadge(job.status)),
    el("td", { "data-label": "Progress" }, `${job.progress.done}/${job.progress.total} steps`),
    el("td", { "data-label": "Submitted" }, formatDate(job.created))));
  const first = page.jobs.length ? offset + 1 : 0;
  const previous = offset > 0 ? el("a", { class: "button", rel: "prev", text: "Previous page",
    href: hashOf(filters, Math.max(0, offset - PAGE_SIZE)) }) : null;
  const next = offset + page.jobs.length < page.total ? el("a", { class: "button", rel: "next",
    text: "Next page", href: hashOf(filters, offset + PAGE_SIZE) }) : null;
  main.append(el("h1", { text: "Jobs" }), form,
    page.jobs.length
      ? el("table", { class: "list jobs" },
          el("caption", { class: "visually-hidden", text: "Jobs, newest first" }),
          el("thead", {}, el("tr", {}, ["Job", "Workflow", "Status", "Progress", "Submitted"]
            .map((name) => el("th", { scope: "col", text: name })))),
          el("tbody", {}, rows))
      : el("p", { class: "empty", text: "No job matches." }),
    el("nav", { class: "pages", "aria-label": "Pages" }, previous,
      el("p", { class: "position", "aria-live": "polite",
                text: `Jobs ${first}–${offset + page.jobs.length} of ${page.total}` }), next));
}
