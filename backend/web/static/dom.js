// Building elements without innerHTML: names of files and messages are always text.

export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else if (name === "text") node.textContent = value;
    else node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function formatSize(bytes) {
  if (bytes === null || bytes === undefined) return "";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}

export function formatDate(iso) {
  if (!iso) return "–";
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
}

// A modal question in a <dialog> (modal, Escape closes it, focus kept inside); resolves to
// true when confirmed, false for Cancel or Escape. `content` may hold fields, read by the
// caller after a yes. The confirming button comes first, so that Enter in a field presses it.
let asked = 0;
export function ask(title, content, confirmLabel, { danger = false } = {}) {
  return new Promise((resolve) => {
    const titleId = `ask-title-${++asked}`;
    const dialog = el("dialog", { class: "ask", "aria-labelledby": titleId },
      el("form", { method: "dialog" },
        el("h2", { id: titleId, text: title }), content,
        el("p", { class: "buttons" },
          el("button", { type: "submit", value: "confirm", class: danger ? "danger" : null,
                         text: confirmLabel }),
          el("button", { type: "submit", value: "cancel", class: "secondary", text: "Cancel" }))));
    dialog.addEventListener("close", () => {
      const yes = dialog.returnValue === "confirm";
      dialog.remove();
      resolve(yes);
    });
    document.body.append(dialog);
    dialog.showModal();
  });
}
