// Administration, who may get in: login bans (#/admin/bans: GET /admin/bans, lifted with
// DELETE /admin/bans/<user>) and a user's sessions (#/admin/sessions/<user>: GET
// /admin/users/<user>/tokens, one revoked with DELETE /admin/users/<user>/tokens/<id>; that
// user's next call with it is refused and their page goes back to sign in).

import * as api from "../api.js";
import { ask, el, formatDate } from "../dom.js";
import { failed, go } from "../app.js";
import { adminLink } from "./admin.js";

const head = (...names) => el("thead", {}, el("tr", {}, names.map((name) => el("th", { scope: "col", text: name }))));

export async function renderBans(main) {
  const bans = await api.call("GET", "/admin/bans");

  async function lift(username) {
    try {
      await api.call("DELETE", `/admin/bans/${encodeURIComponent(username)}`);
    } catch (error) {
      failed(error);
      return;
    }
    go(adminLink("bans"), `The login bans of ${username} are lifted.`, "info");
  }

  if (!bans.length) {
    main.append(el("p", { class: "empty", text: "No login bans are in force." }));
    return;
  }
  main.append(
    el("p", { class: "muted", text: "Too many failed logins to one account from one address ban that " +
                                      "address from that account for a while. Lifting frees every address." }),
    el("table", { class: "list bans" },
      el("caption", { text: `${bans.length} ban(s) in force` }),
      head("User", "From address", "Banned until", ""),
      el("tbody", {}, bans.map((ban) => el("tr", { "data-ban": ban.username },
        el("th", { scope: "row", "data-label": "User", text: ban.username }),
        el("td", { "data-label": "From address", text: ban.address }),
        el("td", { "data-label": "Banned until", text: formatDate(ban.banned_until) }),
        el("td", {}, el("button", { type: "button", class: "small", text: "Lift",
                                    "aria-label": `Lift the bans of ${ban.username}`,
                                    onclick: () => lift(ban.username) })))))));
}

// Which user's sessions: a form to pick one, then their tokens' records.
function pickUser(users, chosen) {
  const select = el("select", { id: "sessions-user" },
    el("option", { value: "", text: "choose a user" }),
    users.map((user) => el("option", { value: user.username, text: user.username,
                                       selected: user.username === chosen })));
  const form = el("form", { class: "inline", "aria-label": "Whose sessions" },
    el("label", { for: "sessions-user", text: "Sessions of" }), select,
    el("button", { type: "submit", text: "Show" }));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (select.value) go(adminLink("sessions", select.value));
  });
  return form;
}

export async function renderSessions(main, username) {
  const users = await api.call("GET", "/admin/users");
  main.append(pickUser(users, username));
  if (!username) return;
  const base = `/admin/users/${encodeURIComponent(username)}/tokens`;
  const tokens = await api.call("GET", base);

  async function revoke(record) {
    const yes = await ask(`End this session of ${username}?`,
      el("p", { text: `Started ${formatDate(record.created)} from ${record.ip || "an unknown address"}. ` +
                      "Their next call with it is refused; they sign in again." }),
      "Revoke session", { danger: true });
    if (!yes) return;
    try {
      await api.call("DELETE", `${base}/${encodeURIComponent(record.id)}`);
    } catch (error) {
      failed(error);
      return;
    }
    if (record.current) {  // an admin ending their own session from here
      api.forget();
      go("#/signin", "You revoked this session: you are signed out.", "info");
      return;
    }
    go(adminLink("sessions", username), `The session of ${username} is revoked.`, "info");
  }

  main.append(tokens.length
    ? el("table", { class: "list sessions" },
        el("caption", { text: `${username}: ${tokens.length} session(s), newest first` }),
        head("Started", "Last used", "Expires", "From", "Browser", "State"),
        el("tbody", {}, tokens.map((record) => el("tr", { "data-token-id": record.id },
          el("td", { "data-label": "Started", text: formatDate(record.created) }),
          el("td", { "data-label": "Last used", text: formatDate(record.last_used) }),
          el("td", { "data-label": "Expires", text: formatDate(record.expires) }),
          el("td", { "data-label": "From", text: record.ip || "–" }),
          el("td", { "data-label": "Browser", text: record.user_agent || "–" }),
          el("td", { "data-label": "State" },
            record.revoked ? "revoked" : record.current ? "this session" : "active",
            record.revoked ? null : el("button", {
              type: "button", class: "small danger", text: "Revoke",
              "aria-label": `Revoke the session of ${username} started ${formatDate(record.created)}`,
              onclick: () => revoke(record) }))))))
    : el("p", { class: "empty", text: `${username} has no sessions.` }));
}
