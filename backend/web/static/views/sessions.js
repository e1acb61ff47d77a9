// My sessions: the tokens' records (GET /auth/tokens), and revoking one (DELETE /auth/tokens/<id>).

import * as api from "../api.js";
import { el, formatDate } from "../dom.js";
import { failed, go, say } from "../app.js";

export async function render(main) {
  const tokens = await api.call("GET", "/auth/tokens");
  const heading = el("h1", { text: "My sessions" });

  async function revoke(record) {
    try {
      await api.call("DELETE", `/auth/tokens/${encodeURIComponent(record.id)}`);
    } catch (error) {
      failed(error);
      return;
    }
    if (record.current) {
      api.forget();
      go("#/signin", "You revoked this session: you are signed out.", "info");
      return;
    }
    main.replaceChildren();
    await render(main);
    say("The session is revoked.", "info");
  }

  const rows = tokens.map((record) => el("tr", { "data-token-id": record.id },
    el("td", { "data-label": "Started" }, formatDate(record.created)),
    el("td", { "data-label": "Last used" }, formatDate(record.last_used)),
    el("td", { "data-label": "Expires" }, formatDate(record.expires)),
    el("td", { "data-label": "From" }, record.ip || "–"),
    el("td", { "data-label": "Browser" }, record.user_agent || "–"),
    el("td", { "data-label": "State" },
      record.revoked ? "revoked" : record.current ? "this session" : "active",
      record.revoked ? null : el("button", {
        type: "button", class: "small", text: "Revoke",
        "aria-label": `Revoke the session started ${formatDate(record.created)}` +
                      (record.current ? " (this session)" : ""),
        onclick: () => revoke(record),
      }))));
  main.append(heading, el("table", { class: "list sessions" },
    el("caption", { text: `${tokens.length} session(s), newest first` }),
    el("thead", {}, el("tr", {}, ["Started", "Last used", "Expires", "From", "Browser", "State"]
      .map((name) => el("th", { scope: "col", text: name })))),
    el("tbody", {}, rows)));
}
