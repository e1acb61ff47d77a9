// Search by metadata (#/search?...): a query builder for /api/search. Rows of metadata
// conditions (attribute, operator, value, a second value for `between`, unit) and the other
// filters (name pattern, scope, recursive, type, size, owner, modification time); the results
// in a table, a page at a time with the API's keyset paging ("More results" sends `after`).
//
// The search lives in the URL's fragment, so that it can be bookmarked and Back returns to it.
// There each condition is five aligned, repeated fields (attr, op, value, value2, unit: always
// all five, empty when unused) rather than the API's `meta=A,OP,V` text, so that values holding
// commas survive the round trip. The API is asked with GET and `meta=` when no field holds a
// comma, else with POST and a JSON body (the API's own rule: its text form splits at commas).

import * as api from "../api.js";
import { el, formatDate, formatSize } from "../dom.js";
import { failed, go } from "../app.js";

// The API's operators (backend/storage/search.py OPERATORS), in its order.
const OPERATORS = ["=", "!=", "<", "<=", ">", ">=", "like", "not like", "between"];
const CONDITION_KEYS = ["attr", "op", "value", "value2", "unit"];
const FILTERS = ["name", "scope", "type", "min_size", "max_size", "owner", "modified_after",
                 "modified_before", "limit"];
const DEFAULT_LIMIT = 50;

function itemLink(path) {
  return "#/item" + path.split("/").map(encodeURIComponent).join("/");
}

// The search the URL holds: {conditions: [{attr, op, value, value2, unit}], filters, recursive}.
function fromQuery(query) {
  const columns = Object.fromEntries(CONDITION_KEYS.map((key) => [key, query.getAll(key)]));
  const conditions = columns.attr.map((_, index) => Object.fromEntries(
    CONDITION_KEYS.map((key) => [key, columns[key][index] ?? ""])));
  const filters = Object.fromEntries(FILTERS.map((key) => [key, query.get(key) ?? ""]));
  return { conditions, filters, recursive: query.get("recursive") !== "false" };
}

function toHash(search) {
  const query = new URLSearchParams();
  for (const condition of search.conditions) {
    for (const key of CONDITION_KEYS) query.append(key, condition[key] ?? "");
  }
  for (const key of FILTERS) if (search.filters[key]) query.set(key, search.filters[key]);
  // The scope always: an emptied one (the whole zone) must not become the home again.
  query.set("scope", search.filters.scope || "");
  query.set("recursive", search.recursive ? "true" : "false");
  return `#/search?${query}`;
}

const used = (condition) => Boolean(condition.attr || condition.value || condition.unit);

// One condition as the API's POST body wants it; an attribute without a value: any value.
function asJson(condition) {
  const item = {};
  if (condition.attr) item.attribute = condition.attr;
  if (condition.value || condition.op === "between") {
    item.op = condition.op || "=";
    item.value = condition.op === "between" ? [condition.value, condition.value2] : condition.value;
  }
  if (condition.unit) item.unit = condition.unit;
  return item;
}

// The same condition as GET's meta=ATTRIBUTE,OP,VALUE[,UNIT] (only when nothing holds a comma).
function asMeta(condition) {
  if (!condition.value && condition.op !== "between" && !condition.unit) return condition.attr;
  const values = condition.op === "between" ? [condition.value, condition.value2] : [condition.value];
  return [condition.attr, condition.op || "=", ...values, ...(condition.unit ? [condition.unit] : [])].join(",");
}

// One page of results: {items, has_more, after}.
async function ask(search, after) {
  const conditions = search.conditions.filter(used);
  const filters = Object.fromEntries(Object.entries(search.filters).filter(([, value]) => value !== ""));
  const texts = conditions.flatMap((c) => [c.attr, c.value, c.value2, c.unit]);
  if (texts.some((text) => text.includes(","))) {
    const body = { ...filters, recursive: String(search.recursive), conditions: conditions.map(asJson) };
    if (body.limit) body.limit = Number(body.limit);
    if (after) body.after = after;
    return api.call("POST", "/api/search", { body });
  }
  const query = new URLSearchParams(filters);
  query.set("recursive", String(search.recursive));
  for (const condition of conditions) query.append("meta", asMeta(condition));
  if (after) query.set("after", after);
  return api.call("GET", `/api/search?${query}`);
}

let rowNumber = 0;

// A condition's row: labelled controls, the second value shown only for `between`.
function conditionRow(condition, onRemove) {
  const n = ++rowNumber;
  const id = (key) => `cond-${key}-${n}`;
  const input = (key, label, extra = {}) => {
    const control = el("input", { id: id(key), name: key, value: condition[key] || "", autocomplete: "off", ...extra });
    return [control, el("div", { class: "field" }, el("label", { for: id(key), text: label }), control)];
  };
  const [attr, attrField] = input("attr", "Attribute", { placeholder: "any attribute" });
  const op = el("select", { id: id("op"), name: "op" },
    OPERATORS.map((name) => el("option", { value: name, text: name, selected: (condition.op || "=") === name })));
  const [value, valueField] = input("value", "Value", { placeholder: "any value" });
  const [value2, value2Field] = input("value2", "and (high value)");
  const [unit, unitField] = input("unit", "Unit", { placeholder: "any unit" });
  const showSecond = () => {
    value2Field.hidden = op.value !== "between";
    valueField.querySelector("label").textContent = op.value === "between" ? "Value (low)" : "Value";
  };
  op.addEventListener("change", showSecond);
  const row = el("fieldset", { class: "condition" },
    el("legend", { class: "visually-hidden", text: `Condition ${n}` }),
    attrField, el("div", { class: "field" }, el("label", { for: id("op"), text: "Operator" }), op),
    valueField, value2Field, unitField,
    el("button", { type: "button", class: "secondary remove-condition", text: "Remove",
                   "aria-label": `Remove condition ${n}`, onclick: () => onRemove(row) }));
  showSecond();
  row.read = () => ({ attr: attr.value.trim(), op: op.value, value: value.value,
                      value2: op.value === "between" ? value2.value : "", unit: unit.value.trim() });
  return row;
}

function field(id, label, control, hint) {
  return el("div", { class: "field" }, el("label", { for: id, text: label }), control,
    hint ? el("small", { class: "muted", id: `${id}-hint`, text: hint }) : null);
}

function searchForm(search) {
  const rows = el("div", { class: "conditions" });
  const removeRow = (row) => {
    row.remove();
    if (!rows.children.length) addRow({});
    rows.querySelector("input")?.focus();
  };
  const addRow = (condition) => {
    const row = conditionRow(condition, removeRow);
    rows.append(row);
    return row;
  };
  (search.conditions.length ? search.conditions : [{}]).forEach(addRow);

  const input = (id, value, extra = {}) => el("input", { id, name: id, value, autocomplete: "off", ...extra });
  const f = search.filters;
  const controls = {
    name: input("search-name", f.name, { placeholder: "%.nc", "aria-describedby": "search-name-hint" }),
    scope: input("search-scope", f.scope),
    type: el("select", { id: "search-type" }, [["", "files and collections"], ["dataobject", "files"],
      ["collection", "collections"]].map(([value, text]) => el("option", { value, text, selected: f.type === value }))),
    min_size: input("search-min-size", f.min_size, { type: "number", min: 0, inputmode: "numeric" }),
    max_size: input("search-max-size", f.max_size, { type: "number", min: 0, inputmode: "numeric" }),
    owner: input("search-owner", f.owner),
    modified_after: input("search-modified-after", f.modified_after,
      { placeholder: "2024-01-01T00:00:00Z", "aria-describedby": "search-modified-after-hint" }),
    modified_before: input("search-modified-before", f.modified_before, { placeholder: "2025-01-01T00:00:00Z" }),
    limit: input("search-limit", f.limit || String(DEFAULT_LIMIT), { type: "number", min: 1, max: 1000 }),
  };
  const recursive = el("input", { id: "search-recursive", type: "checkbox", checked: search.recursive });

  const form = el("form", { class: "search", role: "search", "aria-label": "Search by metadata" },
    el("h2", { text: "Metadata conditions" }),
    el("p", { class: "muted", text: "Each condition is met by an AVU of its own; values compare as text." }),
    rows,
    el("p", {}, el("button", { type: "button", class: "secondary", text: "Add a condition",
      onclick: () => addRow({}).querySelector("input").focus() })),
    el("h2", { text: "Where and what" }),
    el("div", { class: "filters-grid" },
      field("search-scope", "In collection", controls.scope),
      el("div", { class: "field checkbox" }, el("label", { for: "search-recursive" }, recursive, " and below it")),
      field("search-name", "Name pattern", controls.name, "% any run, _ one character"),
      field("search-type", "Type", controls.type),
      field("search-min-size", "Size at least (bytes)", controls.min_size),
      field("search-max-size", "Size at most (bytes)", controls.max_size),
      field("search-owner", "Owner", controls.owner),
      field("search-modified-after", "Modified after", controls.modified_after, "ISO 8601, UTC unless it says"),
      field("search-modified-before", "Modified before", controls.modified_before),
      field("search-limit", "Results per page", controls.limit)),
    el("p", {}, el("button", { type: "submit", text: "Search" })));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const filters = Object.fromEntries(Object.entries(controls).map(([key, control]) => [key, control.value.trim()]));
    const conditions = [...rows.children].map((row) => row.read()).filter(used);
    go(toHash({ conditions, filters, recursive: recursive.checked }));
  });
  return form;
}

function resultRow(item) {
  return el("tr", {},
    el("td", { "data-label": "Path" }, el("a", { href: itemLink(item.path), text: item.path })),
    el("td", { "data-label": "Type", text: item.type === "collection" ? "collection" : "file" }),
    el("td", { "data-label": "Size", text: item.type === "collection" ? "–" : formatSize(item.size) }),
    el("td", { "data-label": "Owner", text: item.owner || "–" }),
    el("td", { "data-label": "Modified", text: formatDate(item.modified) }));
}

async function showResults(section, search) {
  const body = el("tbody");
  const count = el("p", { class: "position", "aria-live": "polite" });
  const more = el("button", { type: "button", text: "More results", hidden: true });
  let after = null;
  let shown = 0;

  async function page() {
    more.disabled = true;
    try {
      const answer = await ask(search, after);
      body.append(...answer.items.map(resultRow));
      shown += answer.items.length;
      after = answer.has_more ? answer.after : null;
      count.textContent = shown === 0 ? "Nothing matches this search."
        : `${shown} result(s)${answer.has_more ? ", more to come" : ""}`;
      more.hidden = !answer.has_more;
      table.hidden = shown === 0;
      return true;
    } catch (error) {
      failed(error);
      return false;
    } finally {
      more.disabled = false;
    }
  }
  more.addEventListener("click", page);
  const table = el("table", { class: "list results", hidden: true },
    el("caption", { class: "visually-hidden", text: "Search results, by collection then name" }),
    el("thead", {}, el("tr", {}, ["Path", "Type", "Size", "Owner", "Modified"]
      .map((name) => el("th", { scope: "col", text: name })))),
    body);
  section.append(el("h2", { text: "Results" }), table, el("nav", { class: "pages", "aria-label": "Results" }, count, more));
  if (!(await page())) section.remove();
}

export async function render(main, route) {
  const search = fromQuery(route.query);
  const asked = [...route.query.keys()].length > 0;
  if (!asked) search.filters.scope = api.user()?.home || "";
  const results = el("section", { class: "search-results" });
  main.append(el("h1", { text: "Search" }), searchForm(search), results);
  // A bare #/search shows the form only; a search in the URL (a submitted form, a bookmark) runs.
  if (asked) await showResults(results, search);
}
