// A finished job's provenance on its page: the interactive graph (views/lineage.js: expand any
// node, follow a file or a job), the whole PROV picture (GET /api/jobs/<id>/prov?f=svg,
// fetched with the token and shown from a blob: URL, which the page's policy allows) and
// downloads of every served format, the RO-Crate, the CWLProv bag and the STAC Collection
// (fetched with the token, handed to the browser as a blob: a plain link cannot send it).

import * as api from "../api.js";
import { el } from "../dom.js";
import { failed, say } from "../app.js";
import { provenanceGraph } from "./lineage.js";

function downloads(id) {
  const base = `/api/jobs/${encodeURIComponent(id)}`;
  return [
    ["PROV-JSON", `${base}/prov?f=provjson`, `job-${id}-prov.json`],
    ["PROV-N", `${base}/prov?f=provn`, `job-${id}-prov.provn`],
    ["PROV-XML", `${base}/prov?f=provxml`, `job-${id}-prov.xml`],
    ["Turtle", `${base}/prov?f=ttl`, `job-${id}-prov.ttl`],
    ["JSON-LD", `${base}/prov?f=jsonld`, `job-${id}-prov.jsonld`],
    ["PROV picture (SVG)", `${base}/prov?f=svg`, `job-${id}-prov.svg`],
    ["RO-Crate", `${base}/crate`, `job-${id}-crate.zip`],
    ["CWLProv research object", `${base}/cwlprov`, `job-${id}-cwlprov.zip`],
    ["STAC Collection", `${base}/stac/collection`, `job-${id}-stac-collection.json`],
  ];
}

async function save(label, path, filename, button) {
  button.disabled = true;
  try {
    const response = await api.call("GET", path, { raw: true });
    const url = URL.createObjectURL(await response.blob());
    const anchor = el("a", { href: url, download: filename, hidden: true });
    document.body.append(anchor);
    anchor.click();
    anchor.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
    say(`${label} downloaded.`, "info");
  } catch (error) {
    failed(error);
  } finally {
    button.disabled = false;
  }
}

function picture(id) {
  const figure = el("figure", { class: "prov-picture" });
  const button = el("button", { type: "button", text: "Show the provenance picture" });
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      const response = await api.call("GET", `/api/jobs/${encodeURIComponent(id)}/prov?f=svg`, { raw: true });
      const url = URL.createObjectURL(await response.blob());
      const image = el("img", { src: url, alt: `The W3C PROV graph of job ${id}: its activities, ` +
                                               "the files they used and generated, and who ran them" });
      figure.replaceChildren(image, el("figcaption", { text: "W3C PROV of this job (Graphviz)" }));
      button.remove();
    } catch (error) {
      button.disabled = false;
      failed(error);
    }
  });
  figure.append(button);
  return figure;
}

// The job's graph, loaded at once; a job without provenance (dismissed before it ran) says so
// in its place, without covering the page's message about the job.
function interactive(id) {
  const graph = provenanceGraph({ job: id }, { headingLevel: "h3" });
  graph.load().catch((error) => {
    if (error instanceof api.ApiError && error.status === 404) {
      graph.node.replaceChildren(el("p", { class: "empty", text: error.message }));
    } else failed(error);
  });
  return graph.node;
}

export function provenanceSection(job) {
  return el("section", { "aria-labelledby": "prov-heading", id: "job-provenance" },
    el("h2", { id: "prov-heading", text: "Provenance" }),
    interactive(job.id),
    el("h3", { text: "The whole PROV document" }),
    picture(job.id),
    el("h3", { text: "Downloads" }),
    el("ul", { class: "downloads" }, downloads(job.id).map(([label, path, filename]) => {
      const button = el("button", { type: "button", class: "link", text: label });
      button.addEventListener("click", () => save(label, path, filename, button));
      return el("li", {}, button);
    })));
}
