// SeaDataCloud's orders in the web interface (a project page, served from
// projects/seadata/web/), #/orders: your orders (GET /api/orders) with their status, size,
// expiry and download link (a ticket link: it works without a token, so it can be handed on),
// and a new order from storage paths or PIDs (POST /api/orders). The list is checked every
// second while an order is queued or being prepared.

import * as api from "../../static/api.js";
import { el, formatDate, formatSize } from "../../static/dom.js";
import { failed, say } from "../../static/app.js";
import { badge, pollWhile } from "./lib/seadata.js";

export const title = "Orders";

const PENDING = new Set(["queued", "preparing"]);

function table(orders) {
  if (!orders.length) return el("p", { class: "empty", text: "No order yet." });
  return el("table", { class: "list orders" },
    el("caption", { text: `${orders.length} order(s), newest first` }),
    el("thead", {}, el("tr", {}, ["Order", "Status", "Files", "Size", "Expires", "Download"]
      .map((name) => el("th", { scope: "col", text: name })))),
    el("tbody", {}, orders.map((order) => el("tr", { "data-order": order.order },
      el("td", { "data-label": "Order" }, order.order),
      el("td", { "data-label": "Status" }, badge(order.status),
        order.message && order.status === "failed" ? ` ${order.message}` : null),
      el("td", { "data-label": "Files" }, String(order.files)),
      el("td", { "data-label": "Size" }, order.size === null ? "–" : formatSize(order.size)),
      el("td", { "data-label": "Expires" }, formatDate(order.expires)),
      el("td", { "data-label": "Download" }, order.download
        ? el("a", { href: order.download, download: `${order.order}.zip`, class: "download",
                    text: `${order.order}.zip`, "aria-label": `Download ${order.order}.zip` })
        : "–")))));
}

function orderForm(submitted) {
  const id = el("input", { id: "order-id", name: "order", autocomplete: "off",
                           pattern: "[A-Za-z0-9._\\-]+", title: "letters, digits, '-', '_', '.'" });
  const files = el("textarea", { id: "order-files", name: "files", rows: 5, required: true,
                                 placeholder: `${api.user()?.home || ""}/batches/…\n21.T12995/…` });
  const submit = el("button", { type: "submit", text: "Order" });
  const form = el("form", { class: "card wide", "aria-labelledby": "order-heading" },
    el("h2", { id: "order-heading", text: "New order" }),
    el("div", { class: "field" }, el("label", { for: "order-files", text: "Files: paths or PIDs, one a line" }), files),
    el("div", { class: "field" }, el("label", { for: "order-id", text: "Order id (optional)" }), id),
    el("p", {}, submit));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = { files: files.value.split("\n").map((line) => line.trim()).filter(Boolean) };
    if (id.value) body.order = id.value;
    submit.disabled = true;
    try {
      const order = await api.call("POST", "/api/orders", { body });
      form.reset();
      await submitted(order);
    } catch (error) {
      failed(error);
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}

export async function render(main) {
  const area = el("div", { "aria-live": "polite" });
  let polling = false;

  function show(orders) {
    area.replaceChildren(table(orders));
    if (!polling && orders.some((order) => PENDING.has(order.status))) {
      polling = true;
      pollWhile(area, async () => {
        try {
          const now = (await api.call("GET", "/api/orders")).orders;
          area.replaceChildren(table(now));
          polling = now.some((order) => PENDING.has(order.status));
          if (!polling) say("Your orders are done: each says whether it is ready.", "info");
          return polling;
        } catch (error) {
          polling = false;
          failed(error);
          return false;
        }
      });
    }
  }

  async function submitted(order) {
    say(`Order ${order.order} is queued: its zip is being prepared.`, "info");
    show((await api.call("GET", "/api/orders")).orders);
  }

  const { orders } = await api.call("GET", "/api/orders");
  main.append(el("h1", { text: "Orders" }), area, orderForm(submitted));
  show(orders);
}
