// Superbill entry: from an appointment (new), a saved superbill (edit, sign, create the claim) or
// a claim (correct it after the scrubber or the payer found something). Field names follow the
// API's, so 422 errors and the scrubber's findings land next to the field they concern.
import { h, replace, field, messageBox, setTitle, focusHeading, showFieldErrors, clearFieldErrors, announce, formatDate } from "../dom.js";
import { get, post, put, seg, ApiError } from "../api.js";
import { hasRole } from "../auth.js";
import { scheduleData, patientName } from "../schedule-data.js";
import { codeSearch, withDot } from "./code-search.js";
import { placeFindings, findingText } from "./claims-findings.js";

const MAX_DIAGNOSES = 12;
const BILLERS = ["biller", "admin"];

let fees = null;
async function feeSchedule() {
  if (!fees) fees = get("/fee-schedules/default").then((s) => s.fees || {}).catch(() => ({}));
  return fees;
}

/** Load what the form starts from: {sb, claim}. */
async function initial({ appointmentId, encounterId, claimId }) {
  if (claimId) {
    const claim = await get(`/claims/${seg(claimId)}`);
    const enc = await get(`/encounters/${seg(claim.encounter_id)}`);
    return {
      claim,
      sb: {
        ...enc,
        place_of_service: claim.place_of_service, diagnoses: claim.diagnoses, lines: claim.lines,
        prior_auth_number: claim.prior_auth_number, clia_number: claim.clia_number,
        coverage_id: claim.coverage_id, version: claim.version,
      },
    };
  }
  if (encounterId) return { sb: await get(`/encounters/${seg(encounterId)}`), claim: null };
  const a = await get(`/appointments/${seg(appointmentId)}`);
  return {
    claim: null,
    sb: {
      status: "new", patient_id: a.patient_id, rendering_provider_id: a.provider_id, location_id: a.location_id,
      service_date: String(a.start_local).slice(0, 10), appointment_id: a.appointment_id, diagnoses: [],
      lines: [{ procedure: "", modifiers: [], units: "1", pointers: [1], charge: null }],
    },
  };
}

export async function superbillView(main, ctx, mode) {
  setTitle("Superbill");
  replace(main, h("p", {}, "Loading the superbill…"));
  let sb; let claim; let data; let coverages = []; let descriptions = {};
  try {
    ({ sb, claim } = await initial(mode));
    data = await scheduleData();
    coverages = (await get(`/patients/${seg(sb.patient_id)}/coverages`)).items || [];
  } catch (err) {
    replace(main, h("h1", {}, "Superbill"), messageBox("error", err instanceof ApiError ? err.friendly : "The superbill could not be loaded."));
    return;
  }
  const correcting = !!claim;
  const editable = correcting || ["new", "draft"].includes(sb.status);
  const name = await patientName(sb.patient_id);
  const status = h("div", { class: "form-status" });
  const dx = (sb.diagnoses || []).map((c) => ({ code: withDot(c), description: descriptions[c] || "" }));

  const coverage = field({ label: "Coverage billed", name: "coverage_id", required: true, value: sb.coverage_id,
    options: [["", "Choose a coverage"], ...coverages.map((c) => [c.id, `${c.payer_name || c.payer_id} · ${c.relationship === "18" ? "self" : "dependent"} · from ${c.effective_date || "?"}`])] });
  if (!sb.coverage_id && coverages.length) coverage.input.value = coverages[0].id;
  const provider = field({ label: "Rendering provider", name: "rendering_provider_id", required: true, value: sb.rendering_provider_id,
    options: data.providers.map((p) => [p.provider_id, p.display_name]) });
  const location = field({ label: "Location (facility)", name: "location_id", required: true, value: sb.location_id,
    options: data.locations.map((l) => [l.location_id, l.name]) });
  const here = data.locations.find((l) => l.location_id === sb.location_id);
  const pos = field({ label: "Place of service", name: "place_of_service", value: sb.place_of_service || here?.place_of_service || "",
    hint: "CMS code: 11 office, 02/10 telehealth, 22 outpatient hospital.", inputmode: "numeric", attrs: { maxlength: "2" } });
  const dos = field({ label: "Date of service", name: "service_date", type: "date", required: true, value: sb.service_date });
  const auth = field({ label: "Prior authorization number", name: "prior_auth_number", value: sb.prior_auth_number || "", attrs: { maxlength: "50" } });
  const clia = field({ label: "CLIA number (lab services)", name: "clia_number", value: sb.clia_number || "", attrs: { maxlength: "10" } });
  const facts = [coverage, provider, location, pos, dos, auth, clia];
  if (!editable) for (const f of facts) f.input.disabled = true;

  // Diagnoses: an ordered list; a line points at them by number (1-12).
  const dxList = h("ol", { class: "dx-list" });
  const renderDx = () => {
    replace(dxList, dx.map((d, i) => h("li", { dataset: { field: `diagnoses.${i}` }, class: "cell" },
      h("span", { class: "code" }, d.code), " ", d.description || "",
      editable ? h("button", { type: "button", class: "secondary small", "aria-label": `Remove diagnosis ${i + 1}, ${d.code}`, onclick: () => { dx.splice(i, 1); renderDx(); } }, "Remove") : null)));
    if (!dx.length) dxList.append(h("li", { class: "empty" }, "No diagnosis yet."));
  };
  renderDx();
  const search = codeSearch({
    label: "Add a diagnosis (ICD-10-CM)",
    serviceDate: () => dos.input.value,
    onPick: (c) => {
      if (dx.length >= MAX_DIAGNOSES) { replace(status, messageBox("error", `At most ${MAX_DIAGNOSES} diagnoses.`)); return; }
      if (!dx.some((d) => d.code === c.code)) dx.push(c);
      renderDx();
    },
  });
  search.input.dataset.field = "diagnoses";

  // Procedure lines.
  const rows = h("div", { class: "sb-lines" });
  const lineInputs = [];
  const addLine = (line, focus = false) => {
    const i = lineInputs.length;
    const n = i + 1;
    const proc = field({ label: `Line ${n} procedure (CPT/HCPCS)`, name: `lines.${i}.procedure`, value: line.procedure || "", attrs: { maxlength: "5" } });
    const mods = field({ label: `Line ${n} modifiers`, name: `lines.${i}.modifiers`, value: (line.modifiers || []).join(" "), hint: "Up to 4, space separated", attrs: { maxlength: "11" } });
    const units = field({ label: `Line ${n} units`, name: `lines.${i}.units`, value: String(line.units ?? "1"), inputmode: "decimal", attrs: { maxlength: "6" } });
    const ptrs = field({ label: `Line ${n} diagnosis pointers`, name: `lines.${i}.pointers`, value: (line.pointers || []).join(", "), hint: "Diagnosis numbers, e.g. 1, 2", attrs: { maxlength: "11" } });
    const charge = field({ label: `Line ${n} charge ($)`, name: `lines.${i}.charge`, value: line.charge ?? "", inputmode: "decimal", attrs: { maxlength: "10" } });
    let autoCharge = line.charge == null;
    charge.input.addEventListener("input", () => { autoCharge = false; });
    proc.input.addEventListener("change", async () => {
      const code = proc.input.value.trim().toUpperCase();
      proc.input.value = code;
      const table = await feeSchedule();
      if (autoCharge && table[code]) { charge.input.value = table[code]; announce(`Charge ${table[code]} from the fee schedule.`); }
    });
    const set = [proc, mods, units, ptrs, charge];
    if (!editable) for (const f of set) f.input.disabled = true;
    const row = h("fieldset", { class: "sb-line", dataset: { field: `lines.${i}` } }, h("legend", {}, `Line ${n}`), h("div", { class: "grid" }, set.map((f) => f.wrap)));
    lineInputs.push({ proc, mods, units, ptrs, charge, row });
    rows.append(row);
    if (focus) proc.input.focus();
  };
  for (const line of sb.lines || []) addLine(line);
  (async () => { // price the lines the fee schedule knows
    const table = await feeSchedule();
    for (const l of lineInputs) if (!l.charge.input.value && table[l.proc.input.value]) l.charge.input.value = table[l.proc.input.value];
  })();

  const body = () => ({
    ...(sb.status === "new" ? {} : { version: sb.version }),
    patient_id: sb.patient_id,
    coverage_id: coverage.input.value,
    rendering_provider_id: provider.input.value,
    location_id: location.input.value,
    service_date: dos.input.value,
    appointment_id: sb.appointment_id || "",
    place_of_service: pos.input.value.trim(),
    prior_auth_number: auth.input.value.trim(),
    clia_number: clia.input.value.trim(),
    diagnoses: dx.map((d) => d.code),
    lines: lineInputs.filter((l) => l.proc.input.value.trim()).map((l) => ({
      procedure: l.proc.input.value.trim(),
      modifiers: l.mods.input.value.trim().split(/[\s,]+/).filter(Boolean),
      units: l.units.input.value.trim() || "1",
      pointers: l.ptrs.input.value.split(/[\s,]+/).filter(Boolean).map((x) => (/^\d+$/.test(x) ? Number(x) : x)),
      charge: l.charge.input.value.trim() || null,
    })),
  });

  const form = h("form", { novalidate: true, class: "superbill" });
  const fail = (err) => {
    if (err instanceof ApiError && err.status === 422 && err.fields.length) {
      const { first, unmatched } = showFieldErrors(form, err.fields);
      replace(status, messageBox("error", unmatched.length ? unmatched.join("; ") : "Check the highlighted fields."));
      if (first) first.focus();
    } else {
      replace(status, messageBox("error", err instanceof ApiError ? err.friendly : "That did not work. Try again."));
      status.querySelector(".message")?.focus?.();
    }
  };
  const busy = async (button, fn) => {
    button.disabled = true; button.setAttribute("aria-busy", "true");
    clearFieldErrors(form); replace(status);
    try { await fn(); } catch (err) { fail(err); } finally { button.disabled = false; button.removeAttribute("aria-busy"); }
  };

  const actions = h("div", { class: "actions" });
  if (correcting) {
    const save = h("button", { type: "submit" }, "Save the correction");
    actions.append(save, h("a", { class: "button secondary", href: `#/claims/${claim.claim_id}` }, "Back to the claim"));
    form.addEventListener("submit", (ev) => { ev.preventDefault(); busy(save, async () => {
      await put(`/claims/${seg(claim.claim_id)}`, body());
      announce("Correction saved. Scrub the claim again.");
      ctx.navigate(`#/claims/${claim.claim_id}`);
    }); });
  } else {
    if (editable) {
      const save = h("button", { type: "submit" }, "Save draft");
      actions.append(save);
      form.addEventListener("submit", (ev) => { ev.preventDefault(); busy(save, async () => {
        const saved = sb.status === "new" ? await post("/encounters", body()) : await put(`/encounters/${seg(sb.encounter_id)}`, body());
        announce("Superbill saved as a draft.");
        ctx.navigate(`#/claims/superbills/${saved.encounter_id}`);
      }); });
    }
    if (sb.status === "draft" && hasRole("provider")) {
      const sign = h("button", { type: "button" }, "Sign off");
      sign.addEventListener("click", () => busy(sign, async () => {
        await put(`/encounters/${seg(sb.encounter_id)}`, body());
        await post(`/encounters/${seg(sb.encounter_id)}/sign`);
        announce("Superbill signed.");
        ctx.navigate(`#/claims/superbills/${sb.encounter_id}`);
      }));
      actions.append(sign);
    }
    if (sb.status === "signed" && hasRole(...BILLERS)) {
      const make = h("button", { type: "button" }, "Create claim");
      make.addEventListener("click", () => busy(make, async () => {
        const created = await post(`/encounters/${seg(sb.encounter_id)}/claim`);
        announce("Claim created.");
        ctx.navigate(`#/claims/${created.claim_id}`);
      }));
      actions.append(make);
    }
    if (sb.status === "signed" && hasRole("biller", "provider", "admin")) {
      const reopen = h("button", { type: "button", class: "secondary" }, "Reopen for a correction");
      reopen.addEventListener("click", () => busy(reopen, async () => {
        await post(`/encounters/${seg(sb.encounter_id)}/reopen`);
        ctx.navigate(`#/claims/superbills/${sb.encounter_id}`);
      }));
      actions.append(reopen);
    }
    if (sb.claim_id && sb.status === "billed") actions.append(h("a", { class: "button", href: `#/claims/${sb.claim_id}` }, "Open the claim"));
  }

  const statusText = correcting ? `Correcting claim ${claim.claim_id} (${claim.status})`
    : sb.status === "new" ? "New superbill" : `Superbill ${sb.status}${sb.signed_by ? ` by ${sb.signed_by}` : ""}`;
  replace(form, status,
    h("section", { class: "card", "aria-labelledby": "sb-facts" }, h("h2", { id: "sb-facts" }, "Visit"),
      h("p", {}, "Patient: ", h("a", { href: `#/patients/${sb.patient_id}` }, name), ` · ${formatDate(sb.service_date)}`),
      h("div", { class: "grid" }, facts.map((f) => f.wrap))),
    h("section", { class: "card", "aria-labelledby": "sb-dx" }, h("h2", { id: "sb-dx" }, "Diagnoses"),
      dxList, editable ? search.wrap : null),
    h("section", { class: "card", "aria-labelledby": "sb-lines" }, h("h2", { id: "sb-lines" }, "Procedures"),
      rows, editable ? h("button", { type: "button", class: "secondary", onclick: () => addLine({ units: "1", pointers: [1] }, true) }, "Add a procedure line") : null),
    actions);
  replace(main, h("h1", {}, correcting ? "Correct the claim" : "Superbill"), h("p", { class: "lead" }, statusText), form);
  focusHeading(main);

  // Titles of the saved codes, then the last scrub's findings next to their fields.
  (async () => {
    await Promise.all(dx.map(async (d) => {
      try {
        const res = await get(`/codes/icd10?${new URLSearchParams({ q: d.code, dos: sb.service_date, limit: "1" })}`);
        const hit = (res.codes || [])[0];
        d.description = hit && hit.code === d.code ? hit.description : "(not a billable code on this date)";
      } catch { /* the code alone is shown */ }
    }));
    renderDx();
    const scrub = correcting ? claim.last_scrub : null;
    if (scrub) {
      const rest = placeFindings(form, scrub.findings);
      if (rest.length) status.append(messageBox("warning", h("p", {}, "Also found by the scrubber:"), rest.map((f) => findingText(f))));
    }
  })();
}
