// The interactive provenance graph (GET /api/provenance/graph): on a job's page (its whole PROV)
// and on a file's lineage page (#/lineage/<path>, reached from the file's details page).
//
// The API lays the graph out (Graphviz) and sends its SVG with the nodes and edges; the SVG is
// parsed with DOMParser (never innerHTML; the page's policy runs no script from it anyway) and
// each of its nodes (`prov-node-<index>`) is bound to the node it draws: a file opens its details
// page (#/item/<path>), a run or step its job (#/job/<id>), anything else selects its entry in
// the list beside the picture. The list mirrors the graph for keyboards and screen readers: each
// node with its link and two buttons that ask the API for one hop more, backward (where it came
// from) or forward (what was made from it). On the lineage page the expansions are kept in the
// URL, so Back returns to the same graph.

import * as api from "../api.js";
import { el } from "../dom.js";
import { failed, say } from "../app.js";

const SVG_NS = "http://www.w3.org/2000/svg";

function pathLink(view, path) {
  return `#/${view}` + path.split("/").map(encodeURIComponent).join("/");
}

function target(node) {
  if (node.kind === "entity" && node.path) return pathLink("item", node.path);
  if (node.kind === "activity" && node.job) return `#/job/${encodeURIComponent(node.job)}`;
  return null;
}

function kindName(node) {
  const types = new Set(node.types || []);
  if (node.kind === "entity") {
    if (types.has("prov:Collection")) return "collection";
    return node.path ? "file" : "data";
  }
  if (node.kind === "activity") {
    if (types.has("wfprov:WorkflowRun")) return "run";
    if (types.has("wfprov:ProcessRun")) return "step";
    return "activity";
  }
  return "agent";
}

function describe(node) {
  return `${kindName(node)} ${node.label}`;
}

// The SVG of the API, parsed and bound to the nodes; null when there is none to show.
function picture(graph, select) {
  if (!graph.svg) return null;
  const parsed = new DOMParser().parseFromString(graph.svg, "image/svg+xml");
  const root = parsed.documentElement;
  if (root.namespaceURI !== SVG_NS || root.localName !== "svg" || parsed.getElementsByTagName("parsererror").length) {
    throw new Error("The picture of the provenance graph could not be read.");
  }
  // Nothing of the picture may act: it is drawn shapes and text.
  root.querySelectorAll("script, foreignObject, a").forEach((node) => node.replaceWith(...node.childNodes));
  const svg = document.importNode(root, true);
  svg.setAttribute("role", "group");
  svg.setAttribute("aria-label", "Provenance graph: arrows go from what was used to what was made");
  svg.querySelectorAll("title").forEach((title) => title.remove());
  graph.nodes.forEach((node, index) => {
    const shape = svg.querySelector(`[id="prov-node-${index}"]`);
    if (!shape) return;
    const link = document.createElementNS(SVG_NS, "a");
    const href = target(node);
    const title = document.createElementNS(SVG_NS, "title");
    title.textContent = node.path || node.label;
    link.append(title, ...shape.childNodes);
    link.setAttribute("class", "prov-node");
    link.setAttribute("data-node-id", node.id);
    link.setAttribute("aria-label", describe(node) + (href ? "" : " (select in the list)"));
    if (href) link.setAttribute("href", href);
    else {
      link.setAttribute("tabindex", "0");
      link.setAttribute("role", "button");
      link.addEventListener("click", () => select(node));
      link.addEventListener("keydown", (event) => {
        if (event.key === "Enter" || event.key === " ") {
          event.preventDefault();
          select(node);
        }
      });
    }
    shape.append(link);
  });
  return svg;
}

// The graph of `source` ({job: id} or {path}), expanded by `expansions` ([direction, node id]
// pairs); `changed(expansions)` is told each time they change.
export function provenanceGraph(source, { expansions = [], changed = () => {}, headingLevel = "h2" } = {}) {
  let state = expansions.slice();
  const figure = el("figure", { class: "prov-graph", "aria-live": "polite" });
  const list = el("ul", { class: "prov-nodes", "aria-label": "Nodes of the provenance graph" });
  const status = el("p", { class: "muted prov-count" });
  const section = el("section", { class: "prov-graph-section", "aria-labelledby": "graph-heading" },
    el(headingLevel, { id: "graph-heading", text: "Provenance graph" }),
    el("p", { class: "muted", text: "Select a file to open its details, a run or step to open its job. " +
                                    "“Came from” and “Made from it” add one step of its history or of what followed." }),
    el("p", { class: "muted prov-legend", text: "Files are yellow notes, runs and steps blue boxes, " +
      "agents red houses. Solid arrows go from what was used to the step, and from the step to what " +
      "it made; dotted arrows from a source to what was derived from it; dashed grey lines to who " +
      "ran it and to the members of a collection." }),
    status, el("div", { class: "prov-layout" }, figure, list));

  function query() {
    const params = new URLSearchParams(source);
    for (const [direction, id] of state) params.append(direction, id);
    return params;
  }

  function select(node) {
    const entry = [...list.children].find((item) => item.dataset.nodeId === node.id);
    list.querySelectorAll(".selected").forEach((item) => item.classList.remove("selected"));
    if (!entry) return;
    entry.classList.add("selected");
    entry.scrollIntoView({ block: "nearest" });
    entry.querySelector("a, button")?.focus();
  }

  function entry(node, graph) {
    const href = target(node);
    const name = href ? el("a", { href, class: "prov-name", text: node.label, title: node.path || node.id })
                      : el("span", { class: "prov-name", text: node.label, title: node.id });
    const buttons = node.kind === "agent" ? [] : [
      el("button", { type: "button", class: "small secondary", text: "Came from",
                     "aria-label": `Where ${describe(node)} came from`,
                     onclick: () => expand("backward", node) }),
      el("button", { type: "button", class: "small secondary", text: "Made from it",
                     "aria-label": `What was made from ${describe(node)}`,
                     onclick: () => expand("forward", node) }),
    ];
    return el("li", { "data-node-id": node.id, "data-kind": node.kind,
                      class: node.id === graph.start ? "start" : null },
      el("span", { class: `prov-kind ${node.kind}`, text: kindName(node) }), " ", name,
      node.path ? el("span", { class: "muted prov-path", text: ` ${node.path}` }) : null,
      buttons.length ? el("span", { class: "prov-actions" }, buttons) : null);
  }

  function draw(graph) {
    const drawn = picture(graph, select);
    figure.replaceChildren(...(drawn ? [drawn] : [el("p", { class: "empty",
      text: "The graph is too large for a picture: the list shows every node." })]),
      el("figcaption", { text: `${graph.nodes.length} node(s), ${graph.edges.length} relation(s)` }));
    list.replaceChildren(...graph.nodes.map((node) => entry(node, graph)));
    status.textContent = graph.hidden
      ? `${graph.hidden} element(s) you may not see are left out.` : "";
  }

  async function load() {
    draw(await api.call("GET", `/api/provenance/graph?${query()}`));
  }

  async function expand(direction, node) {
    if (state.some(([d, id]) => d === direction && id === node.id)) {
      say(`${describe(node)} is expanded ${direction} already.`, "info");
      return;
    }
    state.push([direction, node.id]);
    try {
      await load();
      changed(state);
      say(direction === "backward" ? `Added where ${node.label} came from.` : `Added what was made from ${node.label}.`, "info");
    } catch (error) {
      state = state.filter(([d, id]) => !(d === direction && id === node.id));
      failed(error);
    }
  }

  return { node: section, load };
}

// #/lineage/<path>?backward=<id>&forward=<id>: a file's lineage, one hop each way to begin with.
export async function render(main, route) {
  const path = route.rest;
  const expansions = [];
  for (const [key, value] of route.query) if (key === "backward" || key === "forward") expansions.push([key, value]);
  const name = path.split("/").pop() || path;
  const graph = provenanceGraph({ path }, {
    expansions,
    changed: (state) => {
      const query = new URLSearchParams(state);
      history.replaceState(null, "", pathLink("lineage", path) + (state.length ? `?${query}` : ""));
    },
  });
  main.append(
    el("p", {}, el("a", { href: pathLink("item", path), text: `Back to ${name}` })),
    el("h1", { text: `Lineage of ${name}` }),
    graph.node);
  await graph.load();
}
