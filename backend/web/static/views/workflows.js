// Workflows: the registry's list (GET /api/workflows), registering a CWL file chosen in the
// browser (POST /api/workflows), and one version's page (GET /api/workflows/<name>/<version>)
// with its steps and ports and the form that submits a job (POST /api/jobs).
//
// A workflow's picture (GET /api/workflows/<name>/<version>/picture: cwltool's drawing laid out
// by Graphviz, an SVG fetched with the token and shown from a blob: URL as an <img>, which runs
// nothing); its text alternative names the inputs, steps and outputs, and the page lists the
// steps in the order they run (the registry's summary) and the ports, with the step producing
// each output.

import * as api from "../api.js";
import { el, formatDate } from "../dom.js";
import { failed, go } from "../app.js";
import { inputField, readInputs } from "./job_form.js";

const PAGE_SIZE = 50;

export function workflowLink(name, version) {
  return `#/workflows/${encodeURIComponent(name)}/${encodeURIComponent(version)}`;
}

function registerForm() {
  const file = el("input", { id: "wf-file", type: "file", accept: ".cwl,.yml,.yaml,.json", required: true });
  const name = el("input", { id: "wf-name", required: true, autocomplete: "off" });
  const version = el("input", { id: "wf-version", required: true, value: "1.0", autocomplete: "off" });
  const submit = el("button", { type: "submit", text: "Register" });
  file.addEventListener("change", () => {
    const chosen = file.files[0];
    if (chosen && !name.value) name.value = chosen.name.replace(/\.(cwl|ya?ml|json)$/i, "");
  });
  const form = el("form", { class: "card wide", "aria-labelledby": "register-heading" },
    el("h2", { id: "register-heading", text: "Register a workflow" }),
    el("div", { class: "field" }, el("label", { for: "wf-file", text: "CWL file" }), file),
    el("div", { class: "field" }, el("label", { for: "wf-name", text: "Name" }), name),
    el("div", { class: "field" }, el("label", { for: "wf-version", text: "Version" }), version),
    el("p", {}, submit));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    submit.disabled = true;
    try {
      const cwl = await file.files[0].text();
      const made = await api.call("POST", "/api/workflows",
                                  { body: { name: name.value, version: version.value, cwl } });
      go(workflowLink(made.name, made.version), `${made.name} ${made.version} is registered.`, "info");
    } catch (error) {
      failed(error);
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}

async function list(main, route) {
  const offset = Math.max(0, Number.parseInt(route.query.get("offset") || "0", 10) || 0);
  const page = await api.call("GET", `/api/workflows?${new URLSearchParams({ offset, limit: PAGE_SIZE })}`);
  const rows = page.workflows.map((wf) => el("tr", {},
    el("td", { "data-label": "Name" }, el("a", { href: workflowLink(wf.name, wf.version), text: wf.name })),
    el("td", { "data-label": "Version" }, wf.version),
    el("td", { "data-label": "Owner" }, wf.owner),
    el("td", { "data-label": "Steps" }, (wf.steps || []).join(" → ") || "–"),
    el("td", { "data-label": "Registered" }, formatDate(wf.created))));
  const previous = offset > 0 ? el("a", { class: "button", rel: "prev", text: "Previous page",
    href: `#/workflows?offset=${Math.max(0, offset - PAGE_SIZE)}` }) : null;
  const next = offset + page.workflows.length < page.total ? el("a", { class: "button", rel: "next",
    text: "Next page", href: `#/workflows?offset=${offset + PAGE_SIZE}` }) : null;
  main.append(el("h1", { text: "Workflows" }),
    page.workflows.length
      ? el("table", { class: "list workflows" },
          el("caption", { text: `${page.total} workflow version(s)` }),
          el("thead", {}, el("tr", {}, ["Name", "Version", "Owner", "Steps", "Registered"]
            .map((name) => el("th", { scope: "col", text: name })))),
          el("tbody", {}, rows))
      : el("p", { class: "empty", text: "No workflow is registered yet." }),
    el("nav", { class: "pages", "aria-label": "Pages" }, previous, next),
    registerForm());
}

function typeName(type) {
  if (typeof type === "string") return type;
  if (Array.isArray(type)) return type.map(typeName).join(" | ");
  if (type && type.type === "array") return `${typeName(type.items)}[]`;
  if (type && type.type === "enum") return `enum (${(type.symbols || []).join(", ")})`;
  return type && type.type ? String(type.type) : "?";
}

function submitForm(wf) {
  const home = api.user()?.home || "";
  const specs = wf.input_types || {};
  const names = wf.inputs && wf.inputs.length ? wf.inputs : Object.keys(specs);
  const defaults = wf.default_inputs || {};
  const fields = names.map((name) => inputField(name, specs[name] || { type: "string" }, defaults[name], home));
  const stamp = new Date().toISOString().replace(/[-:]/g, "").replace(/\..*/, "");
  const outputs = el("input", { id: "job-outputs", required: true, autocomplete: "off",
                                value: `${home}/results/${wf.name}-${stamp}` });
  const submit = el("button", { type: "submit", text: "Run" });
  const form = el("form", { class: "card wide", "aria-labelledby": "run-heading" },
    el("h2", { id: "run-heading", text: "Run this workflow" }),
    fields.map((field) => field.node),
    el("div", { class: "field" },
      el("label", { for: "job-outputs", text: "Outputs collection (new, or empty)" }), outputs),
    el("p", {}, submit));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    submit.disabled = true;
    try {
      const job = await api.call("POST", "/api/jobs", { body: {
        workflow: `${wf.name}/${wf.version}`, inputs: readInputs(fields), outputs: outputs.value } });
      go(`#/job/${encodeURIComponent(job.id)}`, "The job is submitted.", "info");
    } catch (error) {
      failed(error);
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}

function workflowPicture(wf) {
  const figure = el("figure", { class: "workflow-picture", id: "workflow-picture", "aria-busy": "true" },
    el("figcaption", { text: "The workflow's steps (drawn by cwltool and Graphviz)" }));
  const alt = `Workflow ${wf.name} ${wf.version}: inputs ${(wf.inputs || []).join(", ") || "none"}; ` +
              `steps ${(wf.steps || []).join(" then ") || "none"}; outputs ${(wf.outputs || []).join(", ") || "none"}`;
  api.call("GET", `/api/workflows/${encodeURIComponent(wf.name)}/${encodeURIComponent(wf.version)}/picture`, { raw: true })
    .then((response) => response.blob())
    .then((blob) => {
      const url = URL.createObjectURL(blob);
      const image = el("img", { src: url, alt });
      // The URL lives as long as the image is shown; the next page's images are new URLs.
      image.addEventListener("load", () => setTimeout(() => URL.revokeObjectURL(url), 0), { once: true });
      figure.prepend(image);
    })
    .catch((error) => {
      figure.prepend(el("p", { class: "empty", text: `No picture: ${error.message}` }));
      failed(error);
    })
    .finally(() => figure.removeAttribute("aria-busy"));
  return figure;
}

async function one(main, name, version) {
  const wf = await api.call("GET", `/api/workflows/${encodeURIComponent(name)}/${encodeURIComponent(version)}`);
  const specs = wf.input_types || {};
  const producers = wf.output_steps || {};
  main.append(
    el("nav", { class: "breadcrumbs", "aria-label": "Breadcrumbs" }, el("ol", {},
      el("li", {}, el("a", { href: "#/workflows", text: "Workflows" })),
      el("li", {}, el("span", { "aria-current": "page", text: `${wf.name} ${wf.version}` })))),
    el("h1", { text: `${wf.name} ${wf.version}` }),
    el("p", { class: "muted", text: `${wf.class || "Workflow"}, CWL ${wf.cwl_version || "?"}, ` +
                                    `registered by ${wf.owner} ${formatDate(wf.created)}` }),
    wf.class === "Workflow" ? workflowPicture(wf) : null,
    el("section", { "aria-labelledby": "steps-heading" },
      el("h2", { id: "steps-heading", text: "Steps, in the order they run" }),
      (wf.steps || []).length
        ? el("ol", { class: "steps" }, wf.steps.map((step) => el("li", { text: step })))
        : el("p", { class: "empty", text: "A single tool: no steps." })),
    el("section", { "aria-labelledby": "ports-heading" },
      el("h2", { id: "ports-heading", text: "Ports" }),
      el("table", { class: "list ports" },
        el("thead", {}, el("tr", {}, ["Port", "Direction", "Type", "From step"]
          .map((label) => el("th", { scope: "col", text: label })))),
        el("tbody", {},
          (wf.inputs || []).map((port) => el("tr", {},
            el("td", { "data-label": "Port" }, port), el("td", { "data-label": "Direction" }, "in"),
            el("td", { "data-label": "Type" }, typeName(specs[port]?.type) +
                                                (specs[port]?.required === false ? " (optional)" : "")),
            el("td", { "data-label": "From step" }, "–"))),
          (wf.outputs || []).map((port) => el("tr", {},
            el("td", { "data-label": "Port" }, port), el("td", { "data-label": "Direction" }, "out"),
            el("td", { "data-label": "Type" }, "–"),
            el("td", { "data-label": "From step" }, producers[port] || "–")))))),
    submitForm(wf));
}

export async function render(main, route) {
  const parts = route.rest.split("/").filter(Boolean);
  if (parts.length >= 2) {
    await one(main, parts[0], parts.slice(1).join("/"));
    return;
  }
  await list(main, route);
}
