// Create a patient: used on the patients page and inside the calendar's booking dialog.
// 409: the API found possible duplicates — show them, let the user pick one or create anyway.
// 422: field errors next to their fields.
import { h, replace, field, messageBox, showFieldErrors, clearFieldErrors, formatDate, announce } from "../dom.js";
import { post, ApiError } from "../api.js";

const SEX = [["", "Choose…"], ["female", "Female"], ["male", "Male"], ["unknown", "Unknown"]];
const PHONE_TYPES = [["mobile", "Mobile"], ["home", "Home"], ["work", "Work"]];
const LANGUAGES = [["en", "English"], ["es", "Spanish"], ["zh", "Chinese"], ["vi", "Vietnamese"], ["ar", "Arabic"], ["fr", "French"], ["ko", "Korean"], ["ru", "Russian"], ["tl", "Tagalog"]];

/**
 * Render the form into `container`. onDone(patient) gets {id, first_name, last_name, dob, mrn}
 * (the new patient, or the existing one the user chose instead).
 */
export function patientForm(container, { onDone, onCancel = null, prefill = {} }) {
  const f = {
    first: field({ label: "First name", name: "name.first", required: true, autocomplete: "off", value: prefill.first_name || "" }),
    middle: field({ label: "Middle name", name: "name.middle", autocomplete: "off" }),
    last: field({ label: "Last name", name: "name.last", required: true, autocomplete: "off", value: prefill.last_name || "" }),
    dob: field({ label: "Date of birth", name: "dob", type: "date", required: true, value: prefill.dob || "" }),
    sex: field({ label: "Sex", name: "sex", options: SEX, required: true }),
    mrn: field({ label: "MRN", name: "mrn", hint: "Leave empty to assign the next number.", autocomplete: "off" }),
    phoneType: field({ label: "Phone type", name: "phones.0.type", options: PHONE_TYPES }),
    phone: field({ label: "Phone", name: "phones.0.number", type: "tel", autocomplete: "off", value: prefill.phone || "" }),
    email: field({ label: "Email", name: "email", type: "email", autocomplete: "off" }),
    language: field({ label: "Preferred language", name: "preferred_language", options: LANGUAGES, value: "en" }),
    line1: field({ label: "Street address", name: "address.line1", autocomplete: "off" }),
    city: field({ label: "City", name: "address.city", autocomplete: "off" }),
    state: field({ label: "State", name: "address.state", autocomplete: "off", attrs: { maxlength: "2" } }),
    postal: field({ label: "ZIP code", name: "address.postal_code", autocomplete: "off", inputmode: "numeric" }),
  };
  const smsId = `sms-${Math.random().toString(36).slice(2, 8)}`;
  const sms = h("input", { type: "checkbox", id: smsId, name: "sms_consent" });
  sms.dataset.field = "sms_consent";
  const smsErr = h("p", { class: "field-error", id: `${smsId}-err`, hidden: true });
  const status = h("div", { class: "form-status" });
  const submit = h("button", { type: "submit" }, "Create patient");
  const form = h("form", { class: "patient-form", novalidate: true },
    status,
    h("fieldset", {}, h("legend", {}, "Name and birth"),
      h("div", { class: "grid" }, f.first.wrap, f.middle.wrap, f.last.wrap, f.dob.wrap, f.sex.wrap, f.mrn.wrap)),
    h("fieldset", {}, h("legend", {}, "Contact"),
      h("div", { class: "grid" }, f.phoneType.wrap, f.phone.wrap, f.email.wrap, f.language.wrap),
      h("div", { class: "check" }, sms, h("label", { for: smsId }, "The patient agrees to appointment text messages (verbal consent, recorded now)"), smsErr)),
    h("fieldset", {}, h("legend", {}, "Address (optional)"),
      h("div", { class: "grid" }, f.line1.wrap, f.city.wrap, f.state.wrap, f.postal.wrap)),
    h("div", { class: "actions" }, submit,
      onCancel ? h("button", { type: "button", class: "secondary", onclick: onCancel }, "Cancel") : null));
  replace(container, form);

  function body(confirmDuplicate) {
    const v = (x) => x.input.value.trim();
    const out = {
      name: { first: v(f.first), last: v(f.last) },
      dob: v(f.dob),
      sex: v(f.sex),
      preferred_language: v(f.language),
    };
    if (v(f.middle)) out.name.middle = v(f.middle);
    if (v(f.mrn)) out.mrn = v(f.mrn);
    if (v(f.phone)) out.phones = [{ type: v(f.phoneType), number: v(f.phone) }];
    if (v(f.email)) out.email = v(f.email);
    if ([f.line1, f.city, f.state, f.postal].some((x) => v(x))) {
      out.address = { line1: v(f.line1), city: v(f.city), state: v(f.state).toUpperCase(), postal_code: v(f.postal) };
    }
    if (sms.checked) out.sms_consent = { status: "granted", at: new Date().toISOString(), method: "verbal" };
    if (confirmDuplicate) out.confirm_duplicate = true;
    return out;
  }

  function localErrors() {
    const errors = [];
    const need = [[f.first, "name.first"], [f.last, "name.last"], [f.dob, "dob"], [f.sex, "sex"]];
    for (const [x, name] of need) if (!x.input.value.trim()) errors.push({ field: name, message: "required" });
    return errors;
  }

  async function create(confirmDuplicate = false) {
    clearFieldErrors(form);
    replace(status);
    const missing = localErrors();
    if (missing.length) { report(missing); return; }
    submit.disabled = true;
    submit.setAttribute("aria-busy", "true");
    try {
      const created = await post("/patients", body(confirmDuplicate));
      announce(`Patient ${created.name.first} ${created.name.last} created.`);
      onDone({ id: created.id, first_name: created.name.first, last_name: created.name.last, dob: created.dob, mrn: created.mrn });
    } catch (err) {
      if (err instanceof ApiError && err.status === 409 && err.candidates.length) duplicates(err);
      else if (err instanceof ApiError && err.status === 422) report(err.fields);
      else replace(status, messageBox("error", err instanceof ApiError ? err.friendly : "Could not create the patient."));
    } finally {
      submit.disabled = false;
      submit.removeAttribute("aria-busy");
    }
  }

  function report(fields) {
    const { first, unmatched } = showFieldErrors(form, fields);
    replace(status, messageBox("error",
      h("p", {}, `The patient was not created: ${fields.length === 1 ? "one field needs" : `${fields.length} fields need`} attention.`),
      unmatched.length ? h("ul", {}, unmatched.map((u) => h("li", {}, u))) : null));
    if (first) first.focus();
  }

  function duplicates(err) {
    const list = h("ul", { class: "candidates" }, err.candidates.map((c) => h("li", {},
      h("span", {}, `${c.last_name}, ${c.first_name} · born ${formatDate(c.dob)} · MRN ${c.mrn}`),
      " ",
      h("button", { type: "button", class: "secondary", onclick: () => onDone(c) }, `Use ${c.first_name} ${c.last_name} (MRN ${c.mrn})`))));
    const box = messageBox("warning",
      h("p", { class: "strong" }, "A patient with the same name and date of birth already exists."),
      h("p", {}, "Use the existing record, or create a new one only if this is a different person."),
      list,
      h("button", { type: "button", class: "danger", onclick: () => create(true) }, "Create a new patient anyway"));
    box.setAttribute("role", "alert");
    replace(status, box);
    const firstButton = box.querySelector("button");
    if (firstButton) firstButton.focus();
  }

  form.addEventListener("submit", (ev) => { ev.preventDefault(); create(false); });
  return { form, focus: () => f.first.input.focus() };
}
