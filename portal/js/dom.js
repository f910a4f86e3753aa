// Tiny DOM helpers. Text is always set with textContent (never innerHTML), so data from the
// API can never become markup.

/**
 * h("button", {type: "button", onclick: fn, class: "x"}, "Save") → an element.
 * Attributes: `class`, `text`, `dataset` (object), `on<event>` (listener), booleans
 * (true sets the attribute, false/null/undefined skips it), anything else as an attribute.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") el.className = value;
    else if (key === "text") el.textContent = value;
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value);
    else if (key === "value" && "value" in el) el.value = value;
    else if (value === true) el.setAttribute(key, "");
    else el.setAttribute(key, String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replace an element's children. */
export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** Say something to screen readers through the polite live region. */
export function announce(message) {
  const region = document.getElementById("announcer");
  if (!region) return;
  region.textContent = "";
  // A new text node after a tick is announced even when the message repeats.
  setTimeout(() => { region.textContent = message; }, 30);
}

let uid = 0;
/** A unique id for label/aria wiring. */
export function nextId(prefix = "f") {
  uid += 1;
  return `${prefix}-${uid}`;
}

/** A labelled form field: returns {wrap, input, error}; `name` is the API's field path. */
export function field({ label, name, type = "text", required = false, options = null, value = "",
  autocomplete = null, hint = null, inputmode = null, attrs = {} }) {
  const id = nextId("fld");
  const errorId = `${id}-err`;
  const hintId = hint ? `${id}-hint` : null;
  let input;
  if (options) {
    input = h("select", { id, name, required, ...attrs },
      options.map(([v, text]) => h("option", { value: v, selected: v === value }, text)));
  } else {
    input = h("input", { id, name, type, required, autocomplete, inputmode, value, ...attrs });
  }
  input.dataset.field = name;
  if (hintId) input.setAttribute("aria-describedby", hintId);
  const error = h("p", { class: "field-error", id: errorId, hidden: true });
  const wrap = h("div", { class: "field" },
    h("label", { for: id }, label, required ? h("span", { class: "req", "aria-hidden": "true" }, " *") : null),
    hint ? h("p", { class: "hint", id: hintId }, hint) : null,
    input, error);
  return { wrap, input, error };
}

/** Show API field errors ([{field, message}]) next to the inputs whose data-field matches. */
export function showFieldErrors(form, fields) {
  clearFieldErrors(form);
  const unmatched = [];
  let first = null;
  for (const { field: name, message } of fields || []) {
    const input = form.querySelector(`[data-field="${CSS.escape(name)}"]`)
      || form.querySelector(`[data-field="${CSS.escape(name.split(".")[0])}"]`);
    if (!input) { unmatched.push(`${name}: ${message}`); continue; }
    const error = document.getElementById(`${input.id}-err`);
    input.setAttribute("aria-invalid", "true");
    const described = (input.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
    if (!described.includes(error.id)) described.push(error.id);
    input.setAttribute("aria-describedby", described.join(" "));
    error.textContent = humanise(message);
    error.hidden = false;
    first = first || input;
  }
  return { first, unmatched };
}

export function clearFieldErrors(form) {
  for (const input of form.querySelectorAll("[aria-invalid]")) {
    input.removeAttribute("aria-invalid");
    const errId = `${input.id}-err`;
    const described = (input.getAttribute("aria-describedby") || "").split(" ").filter((x) => x && x !== errId);
    if (described.length) input.setAttribute("aria-describedby", described.join(" "));
    else input.removeAttribute("aria-describedby");
  }
  for (const error of form.querySelectorAll(".field-error")) { error.hidden = true; error.textContent = ""; }
}

function humanise(message) {
  const text = String(message || "").replace(/^Value error, /, "");
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** A status message box (role=alert for errors, status otherwise). */
export function messageBox(kind, ...children) {
  return h("div", { class: `message ${kind}`, role: kind === "error" ? "alert" : "status" }, ...children);
}

/** A modal <dialog> with a heading; returns {dialog, body, close}. Removed from the DOM on close. */
export function modal(title, { wide = false, onClose = null } = {}) {
  const headingId = nextId("dlg");
  const body = h("div", { class: "dialog-body" });
  const dialog = h("dialog", { class: wide ? "wide" : null, "aria-labelledby": headingId },
    h("div", { class: "dialog-head" },
      h("h2", { id: headingId }, title),
      h("button", { type: "button", class: "icon secondary", "aria-label": "Close", onclick: () => close() }, "×")),
    body);
  const opener = document.activeElement;
  const close = () => { if (dialog.open) dialog.close(); };
  dialog.addEventListener("close", () => {
    dialog.remove();
    if (onClose) onClose();
    if (opener && opener.isConnected && typeof opener.focus === "function") opener.focus();
  });
  document.body.append(dialog);
  dialog.showModal();
  return { dialog, body, close };
}

/** Format an ISO date (YYYY-MM-DD) for display without time-zone shifts. */
export function formatDate(iso) {
  if (!iso) return "";
  const [y, m, d] = iso.slice(0, 10).split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, d)).toLocaleDateString(undefined, { timeZone: "UTC", year: "numeric", month: "short", day: "numeric" });
}

/** Format an ISO instant in a time zone (the location's, or the browser's). */
export function formatDateTime(iso, timeZone) {
  if (!iso) return "";
  return new Date(iso).toLocaleString(undefined, { timeZone, dateStyle: "medium", timeStyle: "short" });
}

export function setTitle(text) {
  document.title = `${text} · ClinicFlow`;
}

/** Move focus to a view's heading so keyboard and screen reader users land on the new page. */
export function focusHeading(container) {
  const heading = container.querySelector("h1");
  if (heading) { heading.tabIndex = -1; heading.focus(); }
}

/** An in-page confirmation (a modal dialog): resolves true when confirmed. */
export function confirmDialog(title, text, confirmText = "Confirm", { danger = true } = {}) {
  return new Promise((resolve) => {
    let answer = false;
    const dlg = modal(title, { onClose: () => resolve(answer) });
    const yes = h("button", { type: "button", class: danger ? "danger" : null, onclick: () => { answer = true; dlg.close(); } }, confirmText);
    replace(dlg.body, h("p", {}, text), h("div", { class: "actions" }, yes,
      h("button", { type: "button", class: "secondary", onclick: () => dlg.close() }, "Cancel")));
    yes.focus();
  });
}
