// One patient: demographics, coverages with card images, appointments, audit trail (admins).
import { h, replace, field, messageBox, setTitle, focusHeading, formatDate, formatDateTime, modal, announce, showFieldErrors, clearFieldErrors } from "../dom.js";
import { get, post, seg, ApiError } from "../api.js";
import { hasRole } from "../auth.js";
import { eligibilityPanel } from "./eligibility-card.js";

const FILING = [["CI", "Commercial insurance"], ["12", "PPO"], ["13", "POS"], ["HM", "HMO"], ["BL", "Blue Cross/Blue Shield"], ["MA", "Medicare Part A"], ["MB", "Medicare Part B"], ["MC", "Medicaid"], ["CH", "TRICARE"], ["VA", "Veterans Affairs"], ["WC", "Workers' compensation"], ["ZZ", "Other / unknown"]];
const RELATIONSHIP = [["18", "Self"], ["01", "Spouse"], ["19", "Child"], ["20", "Employee"], ["21", "Unknown"], ["39", "Organ donor"], ["40", "Cadaver donor"], ["53", "Life partner"], ["G8", "Other relationship"]];
const blobUrls = [];

/** Extra sections other features add to the patient page: fn(patient) → element or null. */
export const patientSections = [];

export async function patientView(main, { patientId }) {
  while (blobUrls.length) URL.revokeObjectURL(blobUrls.pop());
  setTitle("Patient");
  replace(main, h("p", {}, "Loading the patient…"));
  let patient;
  try {
    patient = await get(`/patients/${seg(patientId)}`);
  } catch (err) {
    replace(main, h("h1", {}, "Patient"), messageBox("error", err instanceof ApiError ? err.friendly : "Could not load the patient."),
      h("p", {}, h("a", { href: "#/patients" }, "Back to patient search")));
    focusHeading(main);
    return;
  }
  const name = [patient.name.first, patient.name.middle, patient.name.last, patient.name.suffix].filter(Boolean).join(" ");
  setTitle(name);
  const coverages = h("section", { class: "card", "aria-labelledby": "cov-h" });
  const extra = patientSections.map((fn) => fn(patient)).filter(Boolean);
  const audit = hasRole("admin") ? h("section", { class: "card", "aria-labelledby": "audit-h" }) : null;
  replace(main,
    h("p", { class: "crumbs" }, h("a", { href: "#/patients" }, "← Patient search")),
    h("div", { class: "page-head" },
      h("h1", {}, name),
      h("span", { class: `badge status-${patient.status}` }, patient.status)),
    demographics(patient),
    coverages,
    ...extra,
    audit);
  focusHeading(main);
  loadCoverages(coverages, patient);
  if (audit) loadAudit(audit, patient);
}

function dl(pairs) {
  return h("dl", { class: "facts" }, pairs.filter(([, v]) => v !== null && v !== undefined && v !== "")
    .map(([k, v]) => h("div", {}, h("dt", {}, k), h("dd", {}, v))));
}

function demographics(p) {
  const a = p.address;
  const phones = (p.phones || []).map((x) => `${x.number} (${x.type})`).join(", ");
  return h("section", { class: "card", "aria-labelledby": "demo-h" },
    h("h2", { id: "demo-h" }, "Demographics"),
    dl([
      ["MRN", p.mrn],
      ["Date of birth", formatDate(p.dob)],
      ["Sex", p.sex],
      ["Preferred name", p.preferred_name],
      ["Pronouns", p.pronouns],
      ["Phone", phones],
      ["Email", p.email],
      ["Preferred language", p.preferred_language],
      ["Address", a ? [a.line1, a.line2, `${a.city}, ${a.state} ${a.postal_code}`].filter(Boolean).join(", ") : ""],
      ["Text messages", p.sms_consent ? `${p.sms_consent.status} (${p.sms_consent.method})` : "no consent recorded"],
      ["Email messages", p.email_consent ? `${p.email_consent.status} (${p.email_consent.method})` : "no consent recorded"],
      ["Emergency contact", p.emergency_contact ? `${p.emergency_contact.name || ""} ${p.emergency_contact.phone || ""}`.trim() : ""],
    ]));
}

async function loadCoverages(section, patient) {
  replace(section, h("h2", { id: "cov-h" }, "Insurance coverages"), h("p", {}, "Loading…"));
  let data;
  try {
    data = await get(`/patients/${seg(patient.id)}/coverages`);
  } catch (err) {
    replace(section, h("h2", { id: "cov-h" }, "Insurance coverages"), messageBox("error", err instanceof ApiError ? err.friendly : "Could not load coverages."));
    return;
  }
  const items = data.items || [];
  const reload = () => loadCoverages(section, patient);
  replace(section,
    h("div", { class: "section-head" },
      h("h2", { id: "cov-h" }, "Insurance coverages"),
      h("button", { type: "button", class: "secondary", onclick: () => addCoverage(patient, reload) }, "Add coverage")),
    items.length ? h("ul", { class: "coverages" }, items.map((c) => coverageItem(patient, c, reload)))
      : h("p", {}, "No coverage on file (self-pay)."));
}

function coverageItem(patient, c, reload) {
  const images = h("div", { class: "card-images" });
  const label = `${c.order_label || ""} coverage ${c.payer_name || c.payer_id}`.trim();
  const li = h("li", { class: "coverage" },
    h("h3", {}, `${cap(c.order_label || "")}: ${c.payer_name || c.payer_id}`, c.status !== "active" ? ` (${c.status})` : ""),
    dl([
      ["Plan", c.plan_name],
      ["Member ID", c.member_id],
      ["Group", c.group_number],
      ["Relationship to subscriber", (RELATIONSHIP.find(([v]) => v === c.relationship) || [0, c.relationship])[1]],
      ["Effective", c.effective_date ? formatDate(c.effective_date) : ""],
      ["Terminates", c.termination_date ? formatDate(c.termination_date) : ""],
    ]),
    h("div", { class: "actions" },
      (c.card_sides || []).length
        ? h("button", { type: "button", class: "secondary", onclick: () => showImages(patient, c, images), "aria-label": `View card images of the ${label}` }, "View card images")
        : h("span", { class: "muted" }, "No card images."),
      h("button", { type: "button", class: "secondary", onclick: () => uploadCard(patient, c, reload), "aria-label": `Upload a card image for the ${label}` }, "Upload card image")),
    images,
    eligibilityPanel(patient, c));
  return li;
}

function cap(s) { return s.charAt(0).toUpperCase() + s.slice(1); }

async function showImages(patient, c, container) {
  replace(container, h("p", {}, "Loading card images…"));
  try {
    const { items } = await get(`/patients/${seg(patient.id)}/coverages/${seg(c.id)}/card-images`);
    const figures = [];
    for (const item of items) {
      const res = await fetch(item.url, { cache: "no-store", credentials: "omit" });
      if (!res.ok) continue;
      const url = URL.createObjectURL(await res.blob());
      blobUrls.push(url);
      const caption = `${cap(item.side)} of the card`;
      figures.push(h("figure", {},
        item.content_type === "application/pdf"
          ? h("a", { href: url, target: "_blank", rel: "noopener" }, `${caption} (PDF, opens in a new tab)`)
          : h("img", { src: url, alt: `${caption}, ${c.payer_name || c.payer_id}` }),
        h("figcaption", {}, caption)));
    }
    replace(container, figures.length ? figures : h("p", {}, "No card image has been uploaded yet."));
    announce(`${figures.length} card image${figures.length === 1 ? "" : "s"} shown.`);
  } catch (err) {
    replace(container, messageBox("error", err instanceof ApiError ? err.friendly : "Could not load the card images."));
  }
}

function uploadCard(patient, c, reload) {
  const dlg = modal("Upload a card image");
  const side = field({ label: "Side", name: "side", options: [["front", "Front"], ["back", "Back"]] });
  const file = field({ label: "Image or PDF (JPEG, PNG or PDF)", name: "file", type: "file", required: true, attrs: { accept: "image/jpeg,image/png,application/pdf" } });
  const status = h("div");
  const submit = h("button", { type: "submit" }, "Upload");
  const form = h("form", {}, status, side.wrap, file.wrap, h("div", { class: "actions" }, submit, h("button", { type: "button", class: "secondary", onclick: dlg.close }, "Cancel")));
  replace(dlg.body, h("p", {}, `${c.payer_name || c.payer_id}, member ${c.member_id}`), form);
  side.input.focus();
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    clearFieldErrors(form);
    const chosen = file.input.files[0];
    if (!chosen) { showFieldErrors(form, [{ field: "file", message: "choose a file" }]); file.input.focus(); return; }
    submit.disabled = true;
    try {
      const target = await post(`/patients/${seg(patient.id)}/coverages/${seg(c.id)}/card-images`, { side: side.input.value, content_type: chosen.type });
      const res = await fetch(target.url, { method: target.method || "PUT", headers: target.headers || { "Content-Type": chosen.type }, body: chosen, credentials: "omit" });
      if (!res.ok) throw new Error("upload refused");
      announce("Card image uploaded.");
      dlg.close();
      reload();
    } catch (err) {
      if (err instanceof ApiError && err.status === 422) {
        showFieldErrors(form, err.fields.map((x) => ({ ...x, field: x.field === "content_type" ? "file" : x.field })));
        replace(status, messageBox("error", "Only JPEG, PNG or PDF files can be uploaded."));
      } else {
        replace(status, messageBox("error", err instanceof ApiError ? err.friendly : "The upload failed. Try again."));
      }
    } finally {
      submit.disabled = false;
    }
  });
}

async function addCoverage(patient, reload) {
  const dlg = modal("Add coverage", { wide: true });
  let payers = [];
  try { payers = (await get("/payers")).payers || []; } catch { /* typed id below */ }
  const payer = payers.length
    ? field({ label: "Payer", name: "payer_id", required: true, options: [["", "Choose…"], ...payers.map((p) => [p.payer_id, `${p.name} (${p.payer_id})`])] })
    : field({ label: "Payer ID", name: "payer_id", required: true });
  const f = {
    payer,
    plan: field({ label: "Plan name", name: "plan_name" }),
    member: field({ label: "Member ID", name: "member_id", required: true, autocomplete: "off" }),
    group: field({ label: "Group number", name: "group_number", autocomplete: "off" }),
    filing: field({ label: "Insurance type", name: "claim_filing_indicator", options: FILING, value: "CI" }),
    rel: field({ label: "Patient's relationship to the subscriber", name: "relationship", options: RELATIONSHIP, value: "18" }),
    eff: field({ label: "Effective date", name: "effective_date", type: "date" }),
  };
  const status = h("div");
  const submit = h("button", { type: "submit" }, "Add coverage");
  const form = h("form", { novalidate: true }, status, h("div", { class: "grid" }, Object.values(f).map((x) => x.wrap)),
    h("div", { class: "actions" }, submit, h("button", { type: "button", class: "secondary", onclick: dlg.close }, "Cancel")));
  replace(dlg.body, form);
  f.payer.input.focus();
  f.payer.input.addEventListener("change", () => {
    const p = payers.find((x) => x.payer_id === f.payer.input.value);
    if (p && p.claim_filing_indicator) f.filing.input.value = p.claim_filing_indicator;
  });
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    clearFieldErrors(form);
    replace(status);
    const v = (x) => x.input.value.trim();
    const body = { payer_id: v(f.payer), member_id: v(f.member), claim_filing_indicator: v(f.filing), relationship: v(f.rel) };
    if (v(f.plan)) body.plan_name = v(f.plan);
    if (v(f.group)) body.group_number = v(f.group);
    if (v(f.eff)) body.effective_date = v(f.eff);
    const missing = [["payer_id", body.payer_id], ["member_id", body.member_id]].filter(([, x]) => !x).map(([k]) => ({ field: k, message: "required" }));
    if (missing.length) { showFieldErrors(form, missing).first?.focus(); return; }
    submit.disabled = true;
    try {
      await post(`/patients/${seg(patient.id)}/coverages`, body);
      announce("Coverage added.");
      dlg.close();
      reload();
    } catch (err) {
      if (err instanceof ApiError && err.status === 422) {
        const { first, unmatched } = showFieldErrors(form, err.fields);
        replace(status, messageBox("error", unmatched.length ? unmatched.join("; ") : "Check the highlighted fields."));
        if (first) first.focus();
      } else {
        replace(status, messageBox("error", err instanceof ApiError ? err.friendly : "Could not add the coverage."));
      }
    } finally {
      submit.disabled = false;
    }
  });
}

async function loadAudit(section, patient, cursor = null, rows = []) {
  const head = h("h2", { id: "audit-h" }, "Audit trail");
  if (!cursor) replace(section, head, h("p", {}, "Loading…"));
  let page;
  try {
    const q = new URLSearchParams({ patient_id: patient.id, limit: "50" });
    if (cursor) q.set("cursor", cursor);
    page = await get(`/audit?${q}`);
  } catch (err) {
    replace(section, head, messageBox("error", err instanceof ApiError ? err.friendly : "Could not load the audit trail."));
    return;
  }
  const all = [...rows, ...(page.records || [])];
  replace(section, head,
    h("p", { class: "muted" }, "Every read and change of this patient's records: who, what, when and from where."),
    all.length ? h("div", { class: "table-wrap" }, h("table", { class: "data" },
      h("caption", { class: "visually-hidden" }, "Audit records, newest first"),
      h("thead", {}, h("tr", {}, ["When", "Who", "Action", "Record", "From"].map((c) => h("th", { scope: "col" }, c)))),
      h("tbody", {}, all.map((r) => h("tr", {},
        h("td", {}, formatDateTime(r.at)), h("td", {}, r.actor), h("td", {}, r.action),
        h("td", {}, r.resource_type.replace(/_/g, " ")), h("td", {}, r.source_ip))))))
      : h("p", {}, "No audit records."),
    page.cursor ? h("button", { type: "button", class: "secondary", onclick: () => loadAudit(section, patient, page.cursor, all) }, "Show older records") : null);
}
