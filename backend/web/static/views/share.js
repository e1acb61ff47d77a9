// The share links panel of the detailed view (#/item/<path>): tickets on this path. A new
// one (POST /api/tickets {path, type, expires_in, uses}) shows its URL, which works without
// signing in (GET /api/tickets/<ticket>/content) until it expires or its uses run out, with
// a Copy button; the path's existing tickets (GET /api/tickets, filtered to this path) are
// listed, each with Delete (DELETE /api/tickets/<ticket>).
//
// Copying uses navigator.clipboard where the browser allows it (a secure context, with
// permission); otherwise the link's text is selected for Ctrl+C / long-press copy.

import * as api from "../api.js";
import { el, formatDate } from "../dom.js";
import { failed, say } from "../app.js";

const EXPIRIES = { 3600: "1 hour", 86400: "1 day", 604800: "1 week", 2592000: "30 days", "": "never" };

async function copyText(input) {
  input.focus();
  input.select();
  if (navigator.clipboard && window.isSecureContext) {
    try {
      await navigator.clipboard.writeText(input.value);
      say("The link is copied.", "info");
      return;
    } catch {
      // Refused (no permission, page not focused): the selection below still lets one copy.
    }
  }
  say("The link is selected: press Ctrl+C (or ⌘C) to copy it.", "info");
}

function linkBox(id, url, label) {
  const input = el("input", { id, class: "share-url", type: "text", readonly: true, value: url,
                              onfocus: () => input.select() });
  return el("p", { class: "field share-link" }, el("label", { for: id, text: label }),
    el("span", { class: "copy-row" }, input,
      el("button", { type: "button", class: "small", text: "Copy link", "aria-label": `Copy ${label.toLowerCase()}`,
                     onclick: () => copyText(input) })));
}

function usesOf(ticket) {
  return ticket.uses_limit === null ? `${ticket.uses_count} (unlimited)` : `${ticket.uses_count} of ${ticket.uses_limit}`;
}

export async function sharePanel(path) {
  const body = el("tbody");
  const table = el("table", { class: "list tickets" },
    el("caption", { text: "Share links of this path" }),
    el("thead", {}, el("tr", {}, ["Link", "Access", "Expires", "Used", ""].map((name) =>
      el("th", { scope: "col", text: name })))),
    body);
  const none = el("p", { class: "empty", text: "No share links yet." });
  const created = el("div", { class: "created", "aria-live": "polite" });

  function show(tickets) {
    const mine = tickets.filter((ticket) => ticket.path === path);
    body.replaceChildren(...mine.map((ticket, index) => el("tr", {},
      el("td", { "data-label": "Link" }, el("a", { href: ticket.url, class: "ticket-url", text: ticket.url,
                                                   rel: "noreferrer", target: "_blank" })),
      el("td", { "data-label": "Access", text: ticket.type }),
      el("td", { "data-label": "Expires", text: ticket.expires ? formatDate(ticket.expires) : "never" }),
      el("td", { "data-label": "Used", text: usesOf(ticket) }),
      el("td", { "data-label": "Change" }, el("button", { type: "button", class: "small danger", text: "Delete",
        "aria-label": `Delete share link ${index + 1}`, onclick: () => remove(ticket) })))));
    table.hidden = mine.length === 0;
    none.hidden = mine.length !== 0;
  }

  async function reload() {
    show((await api.call("GET", "/api/tickets")).tickets);
  }

  async function remove(ticket) {
    try {
      await api.call("DELETE", `/api/tickets/${encodeURIComponent(ticket.string)}`);
      await reload();
      if (created.dataset.ticket === ticket.string) created.replaceChildren();
      say("The share link is deleted: it no longer works.", "info");
    } catch (error) {
      failed(error);
    }
  }

  const type = el("select", { id: "ticket-type", name: "type" },
    el("option", { value: "read", text: "read (download)" }), el("option", { value: "write", text: "write (upload)" }));
  const expiry = el("select", { id: "ticket-expires", name: "expires" },
    Object.entries(EXPIRIES).map(([seconds, text]) => el("option", { value: seconds, text, selected: seconds === "86400" })));
  const uses = el("input", { id: "ticket-uses", name: "uses", type: "number", min: 1, step: 1, inputmode: "numeric",
                             placeholder: "unlimited" });

  async function create(event) {
    event.preventDefault();
    const request = { path, type: type.value };
    if (expiry.value) request.expires_in = Number.parseInt(expiry.value, 10);
    if (uses.value) request.uses = Number.parseInt(uses.value, 10);
    try {
      const ticket = await api.call("POST", "/api/tickets", { body: request });
      created.dataset.ticket = ticket.string;
      created.replaceChildren(linkBox("ticket-new-url", ticket.url, "New share link"),
        el("p", { class: "muted", text: "Anyone with this link can " +
          (ticket.type === "read" ? "download" : "upload to") + " this path without signing in" +
          (ticket.uses_limit ? `, ${ticket.uses_limit} time(s)` : "") +
          (ticket.expires ? `, until ${formatDate(ticket.expires)}.` : ".") }));
      await reload();
      say("Share link created.", "info");
    } catch (error) {
      failed(error);
    }
  }

  const field = (id, label, control) => el("p", { class: "field" }, el("label", { for: id, text: label }), control);
  const form = el("form", { class: "ticket-form", onsubmit: create, "aria-label": "Create a share link" },
    field("ticket-type", "Access", type), field("ticket-expires", "Expires after", expiry),
    field("ticket-uses", "Uses (empty: unlimited)", uses),
    el("p", {}, el("button", { type: "submit", text: "Create share link" })));
  const section = el("section", { class: "share", "aria-labelledby": "share-heading" },
    el("h2", { id: "share-heading", text: "Share links" }), form, created, none, table);
  try {
    await reload();
  } catch (error) {
    section.replaceChildren(section.firstChild,
      el("p", { class: "empty", text: `Share links cannot be shown: ${error.message}` }));
  }
  return section;
}
