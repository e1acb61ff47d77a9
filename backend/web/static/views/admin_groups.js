// Administration, groups (#/admin/groups): each group with its members (GET /admin/groups),
// a new group (POST /admin/groups), a member added (PUT /admin/groups/<g>/members/<user>) or
// taken out (DELETE .../members/<user>), a group deleted after a confirmation (DELETE
// /admin/groups/<g>: its memberships and every permission granted to it go too).

import * as api from "../api.js";
import { ask, el } from "../dom.js";
import { failed, go } from "../app.js";
import { adminLink } from "./admin.js";

const groupUrl = (name) => `/admin/groups/${encodeURIComponent(name)}`;
const memberUrl = (group, user) => `${groupUrl(group)}/members/${encodeURIComponent(user)}`;
const again = (message) => go(adminLink("groups"), message, "info");

async function attempt(method, path, message, body) {
  try {
    await api.call(method, path, body ? { body } : {});
  } catch (error) {
    failed(error);
    return;
  }
  again(message);
}

async function remove(group) {
  const yes = await ask(`Delete the group ${group.name}?`,
    el("p", { text: `Its ${group.members.length} membership(s) and every permission granted to it go.` }),
    "Delete group", { danger: true });
  if (yes) await attempt("DELETE", groupUrl(group.name), `The group ${group.name} is deleted.`);
}

function memberForm(group, index) {
  const id = `add-member-${index}`;
  const input = el("input", { id, list: "admin-user-names", autocomplete: "off", required: true,
                              placeholder: "user name" });
  const form = el("form", { class: "inline", "aria-label": `Add a member to ${group.name}` },
    el("label", { for: id, text: `Add to ${group.name}` }), input,
    el("button", { type: "submit", class: "small", text: "Add member" }));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const user = input.value.trim();
    if (user) attempt("PUT", memberUrl(group.name, user), `${user} is a member of ${group.name}.`);
  });
  return form;
}

function card(group, index) {
  const members = group.members.length
    ? el("ul", { class: "members" }, group.members.map((user) => el("li", {}, user,
        el("button", { type: "button", class: "small secondary", text: "Remove",
                       "aria-label": `Remove ${user} from ${group.name}`,
                       onclick: () => attempt("DELETE", memberUrl(group.name, user),
                         `${user} is no longer a member of ${group.name}.`) }))))
    : el("p", { class: "empty", text: "No members yet." });
  return el("section", { class: "group-card", "data-group": group.name, "aria-labelledby": `group-${index}` },
    el("h2", { id: `group-${index}`, text: group.name }),
    members,
    memberForm(group, index),
    el("button", { type: "button", class: "small danger", text: "Delete group",
                   "aria-label": `Delete the group ${group.name}`, onclick: () => remove(group) }));
}

function createForm() {
  const input = el("input", { id: "new-group-name", required: true, autocomplete: "off" });
  const form = el("form", { class: "inline", "aria-label": "Create a group" },
    el("label", { for: "new-group-name", text: "New group" }), input,
    el("button", { type: "submit", text: "Create group" }));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const name = input.value.trim();
    if (name) attempt("POST", "/admin/groups", `The group ${name} is created.`, { name });
  });
  return form;
}

export async function render(main) {
  const [groups, users] = await Promise.all([api.call("GET", "/admin/groups"), api.call("GET", "/admin/users")]);
  const userNames = users.map((user) => user.username);
  main.append(
    createForm(),
    // The user names, offered as the member fields' suggestions.
    el("datalist", { id: "admin-user-names" }, userNames.map((name) => el("option", { value: name }))),
    groups.length
      ? el("div", { class: "groups" }, groups.map((group, index) => card(group, index)))
      : el("p", { class: "empty", text: "There are no groups yet." }));
}
