// Patient search (criteria go in a POST body, never the URL) and the patient create dialog.
import { h, replace, field, messageBox, setTitle, focusHeading, formatDate, modal, announce, showFieldErrors, clearFieldErrors } from "../dom.js";
import { post, ApiError } from "../api.js";
import { patientForm } from "./patient-form.js";

// The last search and its results live in memory only, so "back" from a patient page shows them.
let last = { criteria: null, items: [], cursor: null };

export function forgetSearch() {
  last = { criteria: null, items: [], cursor: null };
}

/** Search criteria from free fields; returns null if nothing searchable was given. */
export function criteriaFrom({ last_name = "", first_name = "", dob = "", mrn = "", phone = "" }) {
  const c = {};
  if (last_name.trim()) c.last_name = last_name.trim();
  if (first_name.trim()) c.first_name = first_name.trim();
  if (dob.trim()) c.dob = dob.trim();
  if (mrn.trim()) c.mrn = mrn.trim();
  if (phone.trim()) c.phone = phone.trim();
  return c;
}

export async function searchPatients(criteria, cursor = null, limit = 25) {
  return post("/patients/search", { ...criteria, limit, ...(cursor ? { cursor } : {}) });
}

export function patientsView(main, { navigate }) {
  setTitle("Patients");
  const f = {
    last: field({ label: "Last name", name: "last_name", autocomplete: "off", hint: "The start of the name is enough." }),
    first: field({ label: "First name", name: "first_name", autocomplete: "off" }),
    dob: field({ label: "Date of birth", name: "dob", type: "date" }),
    mrn: field({ label: "MRN", name: "mrn", autocomplete: "off" }),
    phone: field({ label: "Phone", name: "phone", type: "tel", autocomplete: "off" }),
  };
  const status = h("div", { class: "form-status" });
  const results = h("div", { class: "results" });
  const form = h("form", { class: "search-form", role: "search", "aria-label": "Find a patient" },
    h("div", { class: "grid" }, Object.values(f).map((x) => x.wrap)),
    h("div", { class: "actions" },
      h("button", { type: "submit" }, "Search"),
      h("button", { type: "button", class: "secondary", onclick: () => { form.reset(); forgetSearch(); replace(results); replace(status); f.last.input.focus(); } }, "Clear")));

  replace(main,
    h("div", { class: "page-head" },
      h("h1", {}, "Patients"),
      h("button", { type: "button", onclick: () => openCreate() }, "New patient")),
    h("section", { "aria-labelledby": "find-h", class: "card" }, h("h2", { id: "find-h" }, "Find a patient"), status, form),
    results);
  focusHeading(main);

  if (last.criteria) {
    f.last.input.value = last.criteria.last_name || "";
    f.first.input.value = last.criteria.first_name || "";
    f.dob.input.value = last.criteria.dob || "";
    f.mrn.input.value = last.criteria.mrn || "";
    f.phone.input.value = last.criteria.phone || "";
    renderResults();
  }

  async function run(more = false) {
    clearFieldErrors(form);
    replace(status);
    const criteria = more ? last.criteria : criteriaFrom({
      last_name: f.last.input.value, first_name: f.first.input.value, dob: f.dob.input.value,
      mrn: f.mrn.input.value, phone: f.phone.input.value,
    });
    if (!Object.keys(criteria).length || (Object.keys(criteria).length === 1 && criteria.first_name)) {
      replace(status, messageBox("error", "Enter a last name, date of birth, MRN or phone number."));
      f.last.input.focus();
      return;
    }
    try {
      const page = await searchPatients(criteria, more ? last.cursor : null);
      last = { criteria, items: more ? [...last.items, ...page.items] : page.items, cursor: page.cursor || null };
      renderResults();
      announce(`${last.items.length} patient${last.items.length === 1 ? "" : "s"} found${last.cursor ? ", more available" : ""}.`);
    } catch (err) {
      if (err instanceof ApiError && err.status === 422) {
        const { unmatched } = showFieldErrors(form, err.fields);
        replace(status, messageBox("error", unmatched.length ? unmatched.join("; ") : "Check the highlighted fields."));
      } else {
        replace(status, messageBox("error", err instanceof ApiError ? err.friendly : "Search failed."));
      }
    }
  }

  function renderResults() {
    if (!last.items.length) {
      replace(results, h("section", { class: "card", "aria-labelledby": "res-h" }, h("h2", { id: "res-h" }, "Results"),
        h("p", {}, "No patient matches. Check the spelling, or create a new patient.")));
      return;
    }
    const table = h("table", { class: "data" },
      h("caption", { class: "visually-hidden" }, "Patients matching the search"),
      h("thead", {}, h("tr", {}, ["Name", "Date of birth", "MRN", "Status"].map((c) => h("th", { scope: "col" }, c)))),
      h("tbody", {}, last.items.map((p) => h("tr", {},
        h("th", { scope: "row" }, h("a", { href: `#/patients/${p.id}` }, `${p.last_name}, ${p.first_name}`)),
        h("td", {}, formatDate(p.dob)),
        h("td", {}, p.mrn),
        h("td", {}, h("span", { class: `badge status-${p.status}` }, p.status))))));
    replace(results, h("section", { class: "card", "aria-labelledby": "res-h" },
      h("h2", { id: "res-h" }, `Results (${last.items.length}${last.cursor ? "+" : ""})`),
      h("div", { class: "table-wrap" }, table),
      last.cursor ? h("button", { type: "button", class: "secondary", onclick: () => run(true) }, "Show more") : null));
  }

  function openCreate() {
    const dlg = modal("New patient", { wide: true });
    const prefill = criteriaFrom({ last_name: f.last.input.value, first_name: f.first.input.value, dob: f.dob.input.value });
    const { focus } = patientForm(dlg.body, {
      prefill,
      onCancel: dlg.close,
      onDone: (p) => { dlg.close(); navigate(`#/patients/${p.id}`); },
    });
    focus();
  }

  form.addEventListener("submit", (ev) => { ev.preventDefault(); run(false); });
}
