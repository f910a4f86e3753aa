// Prior authorizations and referrals: the patient page's section (list, add) and the notice the
// booking dialog shows once a patient is chosen (visits left, dates), so the front desk sees a
// missing or used-up authorization before the visit, not when the claim is scrubbed.
import { h, replace, field, messageBox, formatDate } from "../dom.js";
import { formDialog } from "../forms.js";
import { get, post, seg, ApiError } from "../api.js";
import { hasRole } from "../auth.js";

const KIND = { prior_auth: "Prior authorization", referral: "Referral" };
const RECORDERS = ["biller", "admin", "front-desk"];

async function authorizations(patientId) {
  return (await get(`/prior-auths?${new URLSearchParams({ patient_id: patientId })}`)).authorizations || [];
}

/** Where an authorization stands on a day: active, not yet valid, expired or used up. */
export function standing(a, day) {
  if (day < a.start_date) return "not yet valid";
  if (day > a.end_date) return "expired";
  return a.visits_used >= a.visits_allowed ? "no visits left" : "active";
}

function visits(a) {
  const left = Math.max(0, a.visits_allowed - a.visits_used);
  return `${left} of ${a.visits_allowed} visit${a.visits_allowed === 1 ? "" : "s"} left`;
}

function today() { return new Date().toLocaleDateString("en-CA"); }

/** The patient page's section (registered in patientSections by the claims screens). */
export function priorAuthSection(patient) {
  const section = h("section", { class: "card prior-auths", "aria-labelledby": "pa-h" },
    h("h2", { id: "pa-h" }, "Prior authorizations and referrals"), h("p", {}, "Loading…"));
  load(section, patient);
  return section;
}

async function load(section, patient) {
  const head = h("div", { class: "section-head" }, h("h2", { id: "pa-h" }, "Prior authorizations and referrals"),
    hasRole(...RECORDERS) ? h("button", { type: "button", class: "secondary", onclick: () => addDialog(patient, () => load(section, patient)) }, "Add authorization") : null);
  let items;
  try { items = await authorizations(patient.id); } catch (err) {
    replace(section, head, messageBox("error", err instanceof ApiError ? err.friendly : "Could not load the authorizations."));
    return;
  }
  const day = today();
  replace(section, head, items.length ? h("div", { class: "table-wrap" }, h("table", { class: "data" },
    h("caption", { class: "visually-hidden" }, "Prior authorizations and referrals"),
    h("thead", {}, h("tr", {}, ["Kind", "Number", "Payer", "Covers", "Valid", "Visits", "Status"].map((c) => h("th", { scope: "col" }, c)))),
    h("tbody", {}, items.map((a) => h("tr", {},
      h("td", {}, KIND[a.kind] || a.kind), h("td", {}, a.number), h("td", {}, a.payer_id),
      h("td", {}, a.procedures.length ? a.procedures.join(", ") : "any procedure"),
      h("td", {}, `${formatDate(a.start_date)} to ${formatDate(a.end_date)}`),
      h("td", {}, `${a.visits_used} used of ${a.visits_allowed}`),
      h("td", {}, h("span", { class: `badge auth-${standing(a, day).replace(/ /g, "-")}` }, standing(a, day))))))))
    : h("p", {}, "None on file."));
}

async function addDialog(patient, reload) {
  let payers = [];
  try {
    const covs = (await get(`/patients/${seg(patient.id)}/coverages`)).items || [];
    payers = covs.map((c) => [c.payer_id, `${c.payer_name || c.payer_id} (${c.order_label || "coverage"})`]);
  } catch { /* typed id below */ }
  const f = {
    kind: field({ label: "Kind", name: "kind", options: Object.entries(KIND) }),
    payer: payers.length ? field({ label: "Payer", name: "payer_id", required: true, options: payers })
      : field({ label: "Payer ID", name: "payer_id", required: true }),
    number: field({ label: "Authorization or referral number", name: "number", required: true, autocomplete: "off", attrs: { maxlength: "50" } }),
    start: field({ label: "Valid from", name: "start_date", type: "date", required: true }),
    end: field({ label: "Valid until", name: "end_date", type: "date", required: true }),
    allowed: field({ label: "Visits allowed", name: "visits_allowed", type: "number", required: true, attrs: { min: "1", max: "999" } }),
    used: field({ label: "Visits already used", name: "visits_used", type: "number", value: "0", attrs: { min: "0", max: "999" } }),
    codes: field({ label: "Procedure codes covered (comma-separated; empty: any)", name: "procedures", autocomplete: "off" }),
  };
  const v = (x) => x.input.value.trim();
  formDialog({
    title: "Add a prior authorization or referral",
    fields: Object.values(f),
    submitText: "Add authorization",
    wide: true,
    success: "Authorization added.",
    onSubmit: () => post("/prior-auths", {
      patient_id: patient.id, kind: v(f.kind), payer_id: v(f.payer), number: v(f.number),
      start_date: v(f.start), end_date: v(f.end), visits_allowed: Number(v(f.allowed)), visits_used: Number(v(f.used) || 0),
      procedures: v(f.codes) ? v(f.codes).split(",").map((c) => c.trim().toUpperCase()).filter(Boolean) : [],
    }),
    done: reload,
  });
}

/** What the booking dialog shows for a chosen patient on the visit's day (null: none on file). */
export async function bookingNotice(patientId, day) {
  let items;
  try { items = await authorizations(patientId); } catch { return null; }
  if (!items.length) return null;
  const lines = items.map((a) => {
    const where = standing(a, day);
    return h("li", { class: where === "active" ? null : "warning" },
      `${KIND[a.kind] || a.kind} ${a.number} (${a.payer_id}): `,
      where === "active" ? `${visits(a)}, valid until ${formatDate(a.end_date)}` : `${where} on this day`,
      a.procedures.length ? ` · covers ${a.procedures.join(", ")}` : "");
  });
  return h("div", { class: "auth-notice" }, h("p", { class: "strong" }, "Prior authorizations and referrals"), h("ul", {}, lines));
}
