// Administration, users (#/admin/users): the list (GET /admin/users), a new user with a
// password (POST /admin/users), a new password, role or disabled flag (PUT /admin/users/<name>,
// only the fields sent), deleting one after a confirmation (DELETE /admin/users/<name>), and a
// link to each one's sessions. The API keeps the last admin from being demoted or disabled (409):
// its message is shown as it is.

import * as api from "../api.js";
import { ask, el, formatDate } from "../dom.js";
import { failed, go } from "../app.js";
import { adminLink } from "./admin.js";

const userUrl = (name) => `/admin/users/${encodeURIComponent(name)}`;
const again = (message) => go(adminLink("users"), message, "info");

async function change(user, fields, message) {
  try {
    await api.call("PUT", userUrl(user.username), { body: fields });
  } catch (error) {
    failed(error);
    return;
  }
  again(message);
}

async function newPassword(user) {
  const input = el("input", { id: "admin-new-password", type: "password", required: true,
                              autocomplete: "new-password" });
  const asked = ask(`New password for ${user.username}`,
    el("p", { class: "field" }, el("label", { for: "admin-new-password", text: "New password" }), input,
      el("small", { class: "muted", text: "Their sessions end and their login bans are lifted." })),
    "Set password");
  input.focus();
  if (!(await asked)) return;
  await change(user, { password: input.value }, `${user.username} has a new password.`);
}

async function remove(user) {
  const yes = await ask(`Delete the user ${user.username}?`,
    el("p", { text: "Their tokens, tickets, jobs and the grants others gave them go; their home " +
                    "collection and data stay." }), "Delete user", { danger: true });
  if (!yes) return;
  try {
    await api.call("DELETE", userUrl(user.username));
  } catch (error) {
    failed(error);
    return;
  }
  again(`The user ${user.username} is deleted.`);
}

function createForm() {
  const input = (id, label, extra = {}) => {
    const control = el("input", { id, name: id, autocomplete: "off", ...extra });
    return [control, el("div", { class: "field" }, el("label", { for: id, text: label }), control)];
  };
  const [username, usernameField] = input("new-user-name", "Username", { required: true });
  const [password, passwordField] = input("new-user-password", "Password",
    { type: "password", required: true, autocomplete: "new-password" });
  const [email, emailField] = input("new-user-email", "Email (optional)", { type: "email" });
  const role = el("select", { id: "new-user-role" },
    el("option", { value: "user", text: "user" }), el("option", { value: "admin", text: "admin" }));
  const form = el("form", { class: "filters", "aria-label": "Create a user" },
    usernameField, passwordField, emailField,
    el("div", { class: "field" }, el("label", { for: "new-user-role", text: "Role" }), role),
    el("button", { type: "submit", text: "Create user" }));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = { username: username.value.trim(), password: password.value, role: role.value };
    if (email.value.trim()) body.email = email.value.trim();
    try {
      await api.call("POST", "/admin/users", { body });
    } catch (error) {
      failed(error);
      return;
    }
    again(`The user ${body.username} is created.`);
  });
  return el("section", {}, el("h2", { text: "New user" }), form);
}

function row(user, me) {
  const other = user.role === "admin" ? "user" : "admin";
  return el("tr", { "data-user": user.username },
    el("th", { scope: "row", "data-label": "User" }, user.username,
      user.username === me ? el("span", { class: "muted", text: " (you)" }) : null),
    el("td", { "data-label": "Role", text: user.role }),
    el("td", { "data-label": "Email", text: user.email || "–" }),
    el("td", { "data-label": "State", text: user.disabled ? "disabled" : "active" }),
    el("td", { "data-label": "Created", text: formatDate(user.created) }),
    el("td", { "data-label": "Actions", class: "actions" },
      el("a", { class: "button small", href: adminLink("sessions", user.username), text: "Sessions",
                "aria-label": `Sessions of ${user.username}` }),
      el("button", { type: "button", class: "small", text: "Password",
                     "aria-label": `New password for ${user.username}`, onclick: () => newPassword(user) }),
      el("button", { type: "button", class: "small", text: `Make ${other}`,
                     "aria-label": `Make ${user.username} ${other === "admin" ? "an admin" : "a user"}`,
                     onclick: () => change(user, { role: other }, `${user.username} is now ${other === "admin" ? "an admin" : "a user"}.`) }),
      el("button", { type: "button", class: "small", text: user.disabled ? "Enable" : "Disable",
                     "aria-label": `${user.disabled ? "Enable" : "Disable"} ${user.username}`,
                     onclick: () => change(user, { disabled: !user.disabled },
                       `${user.username} is ${user.disabled ? "enabled" : "disabled"}.`) }),
      el("button", { type: "button", class: "small danger", text: "Delete",
                     "aria-label": `Delete ${user.username}`, onclick: () => remove(user) })));
}

export async function render(main) {
  const users = await api.call("GET", "/admin/users");
  const me = api.user()?.username;
  main.append(
    el("table", { class: "list users" },
      el("caption", { text: `${users.length} user(s), by name` }),
      el("thead", {}, el("tr", {}, ["User", "Role", "Email", "State", "Created", "Actions"]
        .map((name) => el("th", { scope: "col", text: name })))),
      el("tbody", {}, users.map((user) => row(user, me)))),
    createForm());
}
