// Eligibility in the portal: "Check eligibility" for a coverage (patient page) or a visit
// (appointment card), the result card read at a glance, the raw 270/271 downloads, the
// payer's corrections applied only when staff ask, and the nightly flags the calendar shows.
import { h, replace, field, messageBox, formatDate, formatDateTime, announce, nextId } from "../dom.js";
import { get, post, seg, ApiError } from "../api.js";
import { hasRole } from "../auth.js";
import { todayIn } from "../schedule-data.js";

const SERVICE_TYPES = [["98", "Office visit (98)"], ["30", "Health benefit plan coverage (30)"], ["UC", "Urgent care (UC)"], ["1", "Medical care (1)"]];
const STATUS = { active: "Active", inactive: "Inactive", rejected: "Rejected by the payer", unknown: "Unknown", payer_unavailable: "Payer unavailable" };
const FIELDS = {
  member_id: "Member ID",
  "patient.first_name": "Patient's first name", "patient.last_name": "Patient's last name", "patient.birth_date": "Patient's date of birth",
  "subscriber.first_name": "Subscriber's first name", "subscriber.last_name": "Subscriber's last name", "subscriber.birth_date": "Subscriber's date of birth",
};
const CORRECTORS = ["front-desk", "biller", "admin"];
const money = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD" });
const blobUrls = [];

const usd = (value) => (value === null || value === undefined ? null : money.format(Number(value)));
const errorText = (err, fallback) => (err instanceof ApiError ? err.friendly : fallback);

/** Run a check; `force` asks the payer even when a recent answer is stored. */
function runCheck({ patientId, coverageId, serviceDate, serviceTypes, force = false }) {
  return post("/eligibility/checks", { patient_id: patientId, coverage_id: coverageId, service_date: serviceDate, service_type_codes: serviceTypes, force });
}

/** The patient page's part of one coverage: date and service type, the button, the card. */
export function eligibilityPanel(patient, coverage) {
  const label = `${coverage.order_label || ""} coverage ${coverage.payer_name || coverage.payer_id}`.trim();
  const date = field({ label: "Date of service", name: "service_date", type: "date", value: todayIn(Intl.DateTimeFormat().resolvedOptions().timeZone) });
  const kind = field({ label: "Service type", name: "service_type", options: SERVICE_TYPES, value: "98" });
  const result = h("div", { class: "elig-result" });
  const ask = (force = false) => show(result, {
    patientId: patient.id, coverageId: coverage.id, serviceDate: date.input.value, serviceTypes: [kind.input.value], force,
  }, { level: "h4", refreshable: true });
  return h("div", { class: "eligibility" },
    h("div", { class: "actions" },
      h("button", { type: "button", onclick: () => ask(), "aria-label": `Check eligibility of the ${label}` }, "Check eligibility"),
      h("details", { class: "elig-options" }, h("summary", {}, "Date and service type"), h("div", { class: "grid" }, date.wrap, kind.wrap))),
    result);
}

/** The appointment card's eligibility section: the nightly flag, and a check for the visit. */
export function appointmentEligibility(appointment, { serviceType, serviceDate }) {
  const result = h("div", { class: "elig-result" });
  const flag = appointment.eligibility_flag;
  const ask = async () => {
    replace(result, h("p", {}, "Finding the patient's primary coverage…"));
    let items;
    try { items = (await get(`/patients/${seg(appointment.patient_id)}/coverages`)).items || []; } catch (err) {
      replace(result, messageBox("error", errorText(err, "Could not load the patient's coverages."))); return;
    }
    const primary = items.find((c) => c.order === 1 && c.status === "active") || items.find((c) => c.status === "active");
    if (!primary) { replace(result, messageBox("warning", "No active coverage on file: the visit is self-pay unless the patient brings a card.")); return; }
    show(result, { patientId: appointment.patient_id, coverageId: primary.id, serviceDate, serviceTypes: [serviceType || "30"] }, { level: "h4" });
  };
  return h("section", { class: "eligibility", "aria-labelledby": "elig-appt-h" },
    h("h3", { id: "elig-appt-h" }, "Eligibility"),
    flag && flag.problem ? messageBox("warning", h("p", {}, h("strong", {}, `Nightly check: ${flagLabel(flag)}. `), flag.message),
      (flag.actions || []).length ? h("ul", {}, flag.actions.map((a) => h("li", {}, a))) : null) : null,
    flag && !flag.problem ? h("p", { class: "muted" }, `Nightly check: ${flag.message}`) : null,
    h("div", { class: "actions" }, h("button", { type: "button", class: "secondary", onclick: ask }, "Check eligibility")),
    result);
}

async function show(container, request, opts) {
  replace(container, h("p", { role: "status" }, request.force ? "Asking the payer again…" : "Checking eligibility…"));
  let check;
  try { check = await runCheck(request); } catch (err) {
    replace(container, messageBox("error", errorText(err, "The eligibility check failed. Try again.")));
    return;
  }
  render(container, check, request, opts, { focus: request.force });
  announce(`Eligibility: ${STATUS[check.result.status] || check.result.status}.`);
}

function render(container, check, request, opts, { focus = false } = {}) {
  const { level } = opts;
  const r = check.result;
  const headingId = nextId("elig");
  const when = formatDateTime(check.requested_at);
  const source = check.cached === true ? "stored answer (cached)" : check.cached === false ? "fresh answer from the payer" : "stored answer";
  replace(container, h("section", { class: `elig-card elig-${r.status}`, "aria-labelledby": headingId },
    h("div", { class: "section-head" },
      h(level, { id: headingId, tabindex: "-1" }, "Eligibility: ", h("span", { class: `badge elig-status elig-status-${r.status}` }, STATUS[r.status] || r.status)),
      h("button", { type: "button", class: "secondary", onclick: () => show(container, { ...request, force: true }, opts) }, "Check again")),
    h("p", { class: "muted" }, `Checked ${when} for ${formatDate(check.service_date)} (service type ${check.service_types.join(", ")}): ${source}.`),
    problems(r),
    corrections(container, check, request, opts),
    otherPayers(r),
    facts(r),
    accumulators(r),
    r.messages.length ? h("div", {}, h("p", { class: "strong" }, "Payer messages"), h("ul", { class: "elig-messages" }, r.messages.map((m) => h("li", {}, m)))) : null,
    rawLinks(check)));
  if (focus) document.getElementById(headingId)?.focus();
}

function problems(r) {
  if (!r.problems.length) return null;
  const kind = r.status === "payer_unavailable" ? "warning" : "error";
  return messageBox(kind, h("p", { class: "strong" }, r.status === "payer_unavailable" ? "The payer did not answer" : "The payer could not verify this coverage"),
    h("ul", {}, r.problems.map((p) => h("li", {}, p.action, p.reason ? h("span", { class: "muted" }, ` (payer: ${p.reason})`) : null))));
}

function otherPayers(r) {
  if (!r.other_payers.length) return null;
  return messageBox("warning", h("p", { class: "strong" }, "Coordination of benefits"),
    h("ul", {}, r.other_payers.map((o) => h("li", {},
      `${o.name || "Another payer"}${o.payer_id ? ` (${o.payer_id})` : ""} ${o.role === "unknown" ? "also covers this patient" : `is the ${o.role} payer`}. Check the order of the coverages before billing.`))));
}

function facts(r) {
  const dates = [r.coverage_start && `from ${formatDate(r.coverage_start)}`, r.coverage_end && `to ${formatDate(r.coverage_end)}`].filter(Boolean).join(" ");
  const pcp = r.pcp ? [r.pcp.name, r.pcp.npi && `NPI ${r.pcp.npi}`, r.pcp.phone].filter(Boolean).join(", ") : null;
  const pairs = [
    ["Payer", r.payer_name],
    ["Plan", r.plan_name],
    ["Group", r.group_number],
    ["Coverage dates", dates],
    ["Copay (in network, this service)", usd(r.copay)],
    ["Coinsurance (in network)", r.coinsurance_percent === null ? null : `${r.coinsurance_percent}%`],
    ["Prior authorization", r.authorization_required === null ? null : r.authorization_required ? "Required" : "Not required"],
    ["Primary care provider", pcp],
    ["Not covered", r.not_covered.length ? r.not_covered.join(", ") : null],
  ].filter(([, v]) => v !== null && v !== undefined && v !== "");
  if (!pairs.length) return null;
  return h("dl", { class: "facts" }, pairs.map(([k, v]) => h("div", {}, h("dt", {}, k), h("dd", {}, v))));
}

function accumulators(r) {
  const cell = (a) => {
    const left = usd(a.remaining); const total = usd(a.total);
    if (left && total) return `${left} left of ${total}`;
    return left ? `${left} left` : total ? `${total} (total)` : "—";
  };
  const rows = [["Deductible", r.deductible], ["Out-of-pocket maximum", r.out_of_pocket]]
    .filter(([, acc]) => ["individual", "family"].some((w) => acc[w].in_network.total !== null || acc[w].in_network.remaining !== null));
  if (!rows.length) return null;
  return h("div", { class: "table-wrap" }, h("table", { class: "data elig-accumulators" },
    h("caption", {}, "In network: remaining this plan period"),
    h("thead", {}, h("tr", {}, h("td", {}), h("th", { scope: "col" }, "Individual"), h("th", { scope: "col" }, "Family"))),
    h("tbody", {}, rows.map(([name, acc]) => h("tr", {}, h("th", { scope: "row" }, name), h("td", {}, cell(acc.individual.in_network)), h("td", {}, cell(acc.family.in_network)))))));
}

function corrections(container, check, request, opts) {
  const items = check.corrections || [];
  if (!items.length) return null;
  const pending = items.filter((c) => !c.applied_at);
  const shown = (c) => (c.field.endsWith("birth_date") ? formatDate(c.returned) : c.returned);
  const was = (c) => (c.sent ? (c.field.endsWith("birth_date") ? formatDate(c.sent) : c.sent) : "(not sent)");
  const boxes = pending.map((c) => {
    const id = nextId("corr");
    const box = h("input", { type: "checkbox", id, checked: true, value: c.field });
    return { box, el: h("div", { class: "check" }, box, h("label", { for: id }, `${FIELDS[c.field] || c.field}: ${was(c)} → ${shown(c)}`)) };
  });
  const status = h("div");
  const apply = h("button", { type: "button", onclick: async () => {
    const fields = boxes.filter((b) => b.box.checked).map((b) => b.box.value);
    if (!fields.length) { replace(status, messageBox("error", "Choose at least one correction to apply.")); return; }
    apply.disabled = true;
    try {
      const updated = await post(`/eligibility/checks/${seg(check.id)}/apply-corrections`, { fields });
      render(container, updated, request, opts, { focus: true });
      container.querySelector(".elig-corrections")?.prepend(messageBox("success", `Applied ${fields.length} correction${fields.length === 1 ? "" : "s"} to the patient's records. `,
        // The patient page shows the new name, birth date and member id once drawn again.
        opts.refreshable ? h("button", { type: "button", class: "link", onclick: () => window.dispatchEvent(new HashChangeEvent("hashchange")) }, "Show the updated record") : null));
      announce("Corrections applied.");
    } catch (err) {
      apply.disabled = false;
      if (err instanceof ApiError && err.status === 409) replace(status, messageBox("error", "The record changed since this check: check again, then apply."));
      else replace(status, messageBox("error", errorText(err, "The corrections could not be applied.")));
    }
  } }, "Apply corrections");
  const done = items.filter((c) => c.applied_at);
  return h("div", { class: "elig-corrections message warning", role: "group", "aria-label": "Corrections from the payer" },
    h("p", { class: "strong" }, "The payer has different details for this member"),
    status,
    done.length ? h("ul", {}, done.map((c) => h("li", {}, `${FIELDS[c.field] || c.field}: ${shown(c)} (applied ${formatDateTime(c.applied_at)} by ${c.applied_by})`))) : null,
    pending.length && hasRole(...CORRECTORS) ? h("fieldset", {}, h("legend", {}, "Choose what to change on file"), boxes.map((b) => b.el), h("div", { class: "actions" }, apply)) : null,
    pending.length && !hasRole(...CORRECTORS) ? h("ul", {}, pending.map((c) => h("li", {}, `${FIELDS[c.field] || c.field}: ${was(c)} → ${shown(c)}`))) : null);
}

function rawLinks(check) {
  const button = (kind, text) => h("button", { type: "button", class: "secondary", onclick: () => download(check, kind, status) }, text);
  const status = h("span", { role: "status" });
  return h("div", { class: "actions" },
    button("270", "Download the 270 (request)"),
    check.raw && check.raw["271"] ? button("271", "Download the 271 (answer)") : h("span", { class: "muted" }, "No 271: the payer never answered."),
    status);
}

async function download(check, kind, status) {
  while (blobUrls.length) URL.revokeObjectURL(blobUrls.pop());
  try {
    const raw = await get(`/eligibility/checks/${seg(check.id)}/raw/${kind}?inline=true`);
    const url = URL.createObjectURL(new Blob([raw.text], { type: "application/edi-x12" }));
    blobUrls.push(url);
    const a = h("a", { href: url, download: `eligibility-${check.id}-${kind}.x12`, hidden: true });
    document.body.append(a);
    a.click();
    a.remove();
    replace(status, `${kind} downloaded.`);
  } catch (err) {
    replace(status, errorText(err, `The ${kind} could not be downloaded.`));
  }
}

// --- nightly flags on the calendar --------------------------------------------------------
const FLAG_LABEL = { inactive: "coverage inactive", aaa_error: "payer rejected the check", no_coverage: "no coverage on file", payer_unavailable: "payer did not answer", unknown: "eligibility unknown", not_checkable: "cannot be checked" };

export function flagLabel(flag) { return FLAG_LABEL[flag.kind] || flag.kind.replace(/_/g, " "); }

/** Problem flags of appointments starting between two local dates: Map(appointment_id → flag). */
export async function eligibilityFlags(firstDate, lastDate) {
  const flags = new Map();
  const day = (d, n) => { const x = new Date(`${d}T00:00:00Z`); x.setUTCDate(x.getUTCDate() + n); return x.toISOString().slice(0, 10); };
  // A local day spans two UTC dates; the API takes at most 31 days per call.
  for (let from = day(firstDate, -1); from <= day(lastDate, 1); from = day(from, 28)) {
    let cursor = null;
    do {
      const q = new URLSearchParams({ from, to: day(from, 28), problems_only: "true", limit: "500" });
      if (cursor) q.set("cursor", cursor);
      const page = await get(`/eligibility/flags?${q}`);
      for (const f of page.items || []) flags.set(f.appointment_id, f);
      cursor = page.cursor;
    } while (cursor);
  }
  return flags;
}

/** A small badge for a flagged appointment (its text is also in the block's label). */
export function flagBadge(flag) {
  return h("span", { class: "badge elig-flag", title: flag.message }, "Eligibility");
}
