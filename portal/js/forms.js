// A dialog with a form that posts to the API and shows 422 field errors next to the fields.
import { h, replace, messageBox, modal, showFieldErrors, clearFieldErrors, announce } from "./dom.js";
import { ApiError } from "./api.js";

/**
 * formDialog({title, fields: [field()...], extra: [elements], submitText, onSubmit, done})
 * onSubmit() runs the API call (throwing ApiError on failure); done(result) after success.
 */
export function formDialog({ title, fields, extra = [], submitText = "Save", onSubmit, done, success = null, wide = false, intro = null }) {
  const dlg = modal(title, { wide });
  const status = h("div");
  const submit = h("button", { type: "submit" }, submitText);
  const form = h("form", { novalidate: true }, status, intro ? h("p", {}, intro) : null,
    h("div", { class: "grid" }, fields.map((f) => f.wrap)), extra,
    h("div", { class: "actions" }, submit, h("button", { type: "button", class: "secondary", onclick: dlg.close }, "Cancel")));
  replace(dlg.body, form);
  const first = form.querySelector("input, select");
  if (first) first.focus();
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    clearFieldErrors(form);
    replace(status);
    const missing = fields.filter((f) => f.input.required && !f.input.value.trim())
      .map((f) => ({ field: f.input.dataset.field, message: "required" }));
    if (missing.length) {
      const { first: bad } = showFieldErrors(form, missing);
      replace(status, messageBox("error", "Fill in the required fields."));
      if (bad) bad.focus();
      return;
    }
    submit.disabled = true;
    submit.setAttribute("aria-busy", "true");
    try {
      const result = await onSubmit();
      dlg.close();
      if (success) announce(success);
      if (done) done(result);
    } catch (err) {
      if (err instanceof ApiError && err.status === 422 && err.fields.length) {
        const { first: bad, unmatched } = showFieldErrors(form, err.fields);
        replace(status, messageBox("error", unmatched.length ? unmatched.join("; ") : "Check the highlighted fields."));
        if (bad) bad.focus();
      } else {
        replace(status, messageBox("error", err instanceof ApiError ? err.friendly : "That did not work. Try again."));
      }
    } finally {
      submit.disabled = false;
      submit.removeAttribute("aria-busy");
    }
  });
  return { dlg, form, status };
}

/** Values of fields by their API name (trimmed strings). */
export function values(fields) {
  const out = {};
  for (const f of fields) out[f.input.dataset.field] = f.input.value.trim();
  return out;
}
