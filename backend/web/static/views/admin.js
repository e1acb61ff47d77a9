// Administration (#/admin/<section>): users, groups, bans, a user's sessions (tokens) and the
// service health. For admins: the navigation shows the link only to them, and the API refuses
// everyone else (403), whose message the page shows. Each section is a module of its own
// (admin_users.js, admin_groups.js, admin_access.js, admin_health.js); this one routes to
// them and holds the section menu they share.

import { el } from "../dom.js";
import * as users from "./admin_users.js";
import * as groups from "./admin_groups.js";
import * as access from "./admin_access.js";
import * as health from "./admin_health.js";

// [path segment, menu label, render(main, argument)]
const SECTIONS = [
  ["users", "Users", users.render],
  ["groups", "Groups", groups.render],
  ["bans", "Login bans", access.renderBans],
  ["sessions", "Sessions", access.renderSessions],
  ["health", "Service health", health.render],
];

export function adminLink(section, argument = "") {
  return `#/admin/${section}` + (argument ? `/${encodeURIComponent(argument)}` : "");
}

export async function render(main, route) {
  const [section = "users", argument = ""] = route.rest.split("/").filter(Boolean);
  const found = SECTIONS.find(([name]) => name === section);
  const menu = el("nav", { class: "admin-menu", "aria-label": "Administration" }, el("ul", {},
    SECTIONS.map(([name, label]) => el("li", {}, el("a", {
      href: adminLink(name), text: label, "aria-current": name === section ? "page" : null })))));
  main.append(el("h1", { text: found ? `Administration: ${found[1]}` : "Administration" }), menu);
  if (!found) throw new Error(`There is no administration page “${section}”.`);
  const body = el("div", { class: "admin-section" });
  main.append(body);
  await found[2](body, argument);
}
