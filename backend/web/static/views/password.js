// Change one's password (PUT /auth/password): the API signs out one's other sessions.

import * as api from "../api.js";
import { el } from "../dom.js";
import { failed, say } from "../app.js";

export function render(main) {
  const field = (id, label, autocomplete) => {
    const input = el("input", { id, name: id, type: "password", autocomplete, required: true });
    return [input, el("p", { class: "field" }, el("label", { for: id, text: label }), input)];
  };
  const [current, currentRow] = field("current-password", "Current password", "current-password");
  const [fresh, freshRow] = field("new-password", "New password", "new-password");
  const [again, againRow] = field("repeat-password", "New password again", "new-password");

  async function change(event) {
    event.preventDefault();
    if (fresh.value !== again.value) {
      say("The two new passwords differ.");
      again.focus();
      return;
    }
    try {
      await api.call("PUT", "/auth/password", { body: { current: current.value, new: fresh.value } });
      event.target.reset();
      say("Your password is changed; your other sessions are signed out.", "info");
    } catch (error) {
      failed(error);
    }
  }

  main.append(el("form", { class: "card", id: "change-password", onsubmit: change },
    el("h1", { text: "Change password" }), currentRow, freshRow, againRow,
    el("p", {}, el("button", { type: "submit", text: "Change password" }))));
}
