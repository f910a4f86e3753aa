// "Which patient?": find by last name and/or date of birth, pick from the matches, or (where
// allowed) create the patient inline. Used by the booking dialog and the waitlist form; no nested
// <form>, so it can sit inside another form (Enter in a search field searches).
import { h, replace, field, messageBox, formatDate } from "../dom.js";
import { ApiError } from "../api.js";
import { rememberPatientName } from "../schedule-data.js";
import { searchPatients } from "./patients.js";
import { patientForm } from "./patient-form.js";

/**
 * The picker as a fieldset. `onPick(patient)` runs after a choice; `canCreate` adds "New patient";
 * `extra` is shown under the chosen patient. Returns { element, chosen(), clear(), focus() }.
 */
export function patientPicker({ onPick = () => {}, canCreate = false, extra = null } = {}) {
  let chosen = null;
  const last = field({ label: "Patient last name", name: "last_name", autocomplete: "off" });
  const dob = field({ label: "Patient date of birth", name: "dob", type: "date" });
  const picked = h("p", { class: "picked", "aria-live": "polite" }, "No patient chosen yet.");
  const results = h("div", { class: "patient-results" });
  const createSlot = h("div");
  const find = h("button", { type: "button", class: "secondary", onclick: () => search() }, "Find patient");
  const create = canCreate ? h("button", { type: "button", class: "secondary", onclick: () => openCreate() }, "New patient") : null;
  const element = h("fieldset", {}, h("legend", {}, "Patient"), picked, extra,
    h("div", { class: "inline-search", role: "search", "aria-label": "Find the patient" },
      h("div", { class: "grid" }, last.wrap, dob.wrap), h("div", { class: "actions" }, find, create)),
    results, createSlot);
  for (const input of [last.input, dob.input]) {
    input.addEventListener("keydown", (ev) => { if (ev.key === "Enter") { ev.preventDefault(); search(); } });
  }

  function choose(p) {
    chosen = p;
    rememberPatientName(p.id, `${p.first_name} ${p.last_name}`);
    picked.textContent = `Patient: ${p.last_name}, ${p.first_name} (born ${formatDate(p.dob)}, MRN ${p.mrn})`;
    replace(results); replace(createSlot);
    onPick(p);
  }

  async function search() {
    const criteria = {};
    if (last.input.value.trim()) criteria.last_name = last.input.value.trim();
    if (dob.input.value) criteria.dob = dob.input.value;
    if (!Object.keys(criteria).length) { replace(results, messageBox("error", "Enter a last name or a date of birth.")); return; }
    try {
      const page = await searchPatients(criteria, null, 10);
      if (!page.items.length) { replace(results, h("p", {}, canCreate ? "No patient matches. Use New patient to create one." : "No patient matches.")); return; }
      replace(results, h("ul", { class: "pick-list", "aria-label": "Matching patients" }, page.items.map((p) => h("li", {},
        h("button", { type: "button", class: "secondary", onclick: () => choose(p) }, `${p.last_name}, ${p.first_name} · born ${formatDate(p.dob)} · MRN ${p.mrn}`)))));
      results.querySelector("button").focus();
    } catch (err) {
      replace(results, messageBox("error", err instanceof ApiError ? err.friendly : "Search failed."));
    }
  }

  function openCreate() {
    replace(results);
    const { focus } = patientForm(createSlot, {
      prefill: { last_name: last.input.value.trim(), dob: dob.input.value },
      onCancel: () => replace(createSlot),
      onDone: (p) => choose(p),
    });
    focus();
  }

  return {
    element,
    chosen: () => chosen,
    clear: () => { chosen = null; picked.textContent = "No patient chosen yet."; },
    focus: () => last.input.focus(),
  };
}
