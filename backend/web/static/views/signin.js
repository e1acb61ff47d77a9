// Sign in with an API account (POST /auth/login) or iRODS credentials (POST /auth/irods).

import * as api from "../api.js";
import { el } from "../dom.js";
import { failed, go, say } from "../app.js";

const SCHEMES = ["native", "pam_password", "gsi"];

export function render(main) {
  const username = el("input", { id: "username", name: "username", autocomplete: "username", required: true });
  const password = el("input", { id: "password", name: "password", type: "password",
                                 autocomplete: "current-password" });
  const scheme = el("select", { id: "scheme", name: "scheme" },
    el("option", { value: "", text: "the deployment's default" }),
    SCHEMES.map((name) => el("option", { value: name, text: name })));
  const schemeRow = el("p", { class: "field", hidden: true },
    el("label", { for: "scheme", text: "iRODS authentication scheme" }), scheme);
  const kind = (value, label, checked) => [
    el("input", { type: "radio", name: "kind", id: `kind-${value}`, value, checked,
                  onchange: () => { schemeRow.hidden = value !== "irods"; } }),
    el("label", { for: `kind-${value}`, text: label }),
  ];
  const submit = el("button", { type: "submit", text: "Sign in" });

  async function signIn(event) {
    event.preventDefault();
    say("");
    const irods = document.getElementById("kind-irods").checked;
    const body = { username: username.value, password: password.value };
    if (irods && scheme.value) body.scheme = scheme.value;
    submit.disabled = true;
    try {
      const login = await api.call("POST", irods ? "/auth/irods" : "/auth/login", { body });
      api.remember(login);
      go("#/data" + login.user.home);
    } catch (error) {
      failed(error);
      password.select();
    } finally {
      submit.disabled = false;
    }
  }

  main.append(el("form", { class: "card", id: "sign-in", onsubmit: signIn },
    el("h1", { text: "Sign in" }),
    el("fieldset", { class: "switch" }, el("legend", { text: "Sign in with" }),
      kind("api", "an API account", true), kind("irods", "iRODS credentials", false)),
    el("p", { class: "field" }, el("label", { for: "username", text: "Username" }), username),
    el("p", { class: "field" }, el("label", { for: "password", text: "Password" }), password),
    schemeRow,
    el("p", {}, submit)));
  username.focus();
}
