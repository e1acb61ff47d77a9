// The web interface's entry: a router on the URL's fragment (#/data/<path>, #/sessions,
// #/password, #/signin) and the frame around the views (navigation, messages, sign out).
// A later page is one module in views/ with a render(main, route) function, and a line in ROUTES.

import * as api from "./api.js";
import { addProjectPages } from "./project_pages.js";
import * as signin from "./views/signin.js";
import * as data from "./views/data.js";
import * as sessions from "./views/sessions.js";
import * as password from "./views/password.js";
import * as workflows from "./views/workflows.js";
import * as jobs from "./views/jobs.js";
import * as job from "./views/job.js";
import * as item from "./views/item.js";
import * as search from "./views/search.js";
import * as admin from "./views/admin.js";
import * as lineage from "./views/lineage.js";

const ROUTES = { signin, data, sessions, password, item, workflows, jobs, job, search, admin, lineage };
const PUBLIC = new Set(["signin"]);

const main = document.getElementById("main");
const nav = document.getElementById("nav");
const messageBox = document.getElementById("message");
// The community project's pages (project_pages.js), added to ROUTES and the navigation; routing
// waits for them. If they cannot be listed, the first view says so and the core's views work.
const projectPages = addProjectPages(ROUTES, nav, document.getElementById("who"))
  .catch((error) => { carried = [error.message, "error"]; });

// One message line for the whole page: the API's error messages and confirmations.
export function say(text, kind = "error") {
  messageBox.textContent = text;
  messageBox.className = `message ${text ? kind : ""}`;
}

// What every view does with a failed call: a revoked or expired token leads to sign in
// with the API's message; any other error is shown as the API worded it.
export function failed(error) {
  if (error instanceof api.ApiError && error.status === 401 && api.token()) {
    api.forget();
    go("#/signin", `You are signed out: ${error.message}`);
    return;
  }
  say(error.message || String(error));
}

// Show the view of `hash`, with `message` once it is shown (a message said before the
// navigation would be cleared by it).
let carried = null;
export function go(hash, message = "", kind = "error") {
  carried = message ? [message, kind] : null;
  if (location.hash === hash) route();
  else location.hash = hash;
}

// "#/data/tempZone/home/alice?offset=50" -> {name: "data", rest: "/tempZone/home/alice", query}
function parse(hash) {
  const [path, queryString = ""] = hash.replace(/^#\/?/, "").split("?");
  const [name, ...rest] = path.split("/");
  return {
    name: name || "data",
    rest: rest.length ? "/" + rest.map(decodeURIComponent).join("/") : "",
    query: new URLSearchParams(queryString),
  };
}

async function route() {
  await projectPages;
  const message = carried || [""];
  carried = null;
  say(...message);
  const current = parse(location.hash);
  const view = ROUTES[current.name];
  const signedIn = Boolean(api.token());
  nav.hidden = !signedIn;
  // Administration is for admins (the API refuses everyone else): hidden, not just disabled.
  document.getElementById("nav-admin").hidden = !(signedIn && api.user()?.is_admin);
  document.getElementById("who").textContent = signedIn ? api.user()?.username ?? "" : "";
  if (!view) {
    say(`There is no page “${current.name}”.`);
    return;
  }
  if (!signedIn && !PUBLIC.has(current.name)) {
    go("#/signin", ...message);
    return;
  }
  main.replaceChildren();
  main.setAttribute("aria-busy", "true");
  try {
    await view.render(main, current);
  } catch (error) {
    failed(error);
  } finally {
    main.removeAttribute("aria-busy");
  }
}

async function signOut() {
  try {
    await api.call("POST", "/auth/logout");
  } catch (error) {
    // Already revoked or expired: signing out has happened either way.
    if (!(error instanceof api.ApiError && error.status === 401)) {
      failed(error);
      return;
    }
  }
  api.forget();
  go("#/signin", "You are signed out.", "info");
}

document.getElementById("sign-out").addEventListener("click", signOut);
window.addEventListener("hashchange", () => {
  // In-page anchors ("#main" of the skip link) are not views.
  if (location.hash && !location.hash.startsWith("#/")) return;
  route();
});
route();
