// Claims: work lists (superbills to sign or bill, the claims work queue by state, payer and
// age), superbills started from an appointment, and claim detail. Routes under #/claims.
import { h, replace, field, messageBox, setTitle, focusHeading, formatDate, formatDateTime } from "../dom.js";
import { get, seg, ApiError } from "../api.js";
import { hasRole } from "../auth.js";
import { scheduleData, patientName, todayIn } from "../schedule-data.js";
import { superbillView } from "./superbill.js";
import { claimView } from "./claim-detail.js";
import { backtestView } from "./backtest.js";
import { patientSections } from "./patient.js";
import { priorAuthSection } from "./prior-auths.js";

const BILLERS = ["biller", "admin"];
export const CLAIM_ROLES = ["biller", "admin", "provider"];
const STATES = [["blocked", "Blocked (scrubber or enrollment)"], ["rejected", "Rejected by the payer"], ["waiting", "Waiting for acknowledgement"]];
const filters = { state: "blocked", payer: "", age: "" };

export function register(route) {
  const opts = { role: CLAIM_ROLES };
  if (!patientSections.includes(priorAuthSection)) patientSections.push(priorAuthSection); // every role reads them
  route(/^#\/claims$/, claimsHome, opts);
  route(/^#\/claims\/superbills\/new$/, pickAppointment, opts);
  route(/^#\/claims\/superbills\/new\/([A-Za-z0-9_-]+)$/, (main, ctx) => superbillView(main, ctx, { appointmentId: ctx.params[0] }));
  route(/^#\/claims\/superbills\/([A-Za-z0-9_-]+)$/, (main, ctx) => superbillView(main, ctx, { encounterId: ctx.params[0] })); // every staff role enters superbills
  route(/^#\/claims\/backtest$/, backtestView, { role: BILLERS });
  route(/^#\/claims\/([A-Za-z0-9_-]+)\/correct$/, (main, ctx) => superbillView(main, ctx, { claimId: ctx.params[0] }), { role: BILLERS });
  route(/^#\/claims\/([A-Za-z0-9_-]+)$/, claimView, opts);
}

function failure(err, what) {
  return messageBox("error", err instanceof ApiError ? err.friendly : `Could not load ${what}.`);
}

async function claimsHome(main) {
  setTitle("Claims");
  // Sections carry their heading from the start; loaders replace it with the content.
  const toSign = h("section", { class: "card", "aria-labelledby": "sb-sign" }, h("h2", { id: "sb-sign" }, "Superbills waiting for sign-off"));
  const toBill = h("section", { class: "card", "aria-labelledby": "sb-bill" }, h("h2", { id: "sb-bill" }, "Signed superbills to bill"));
  const queue = h("section", { class: "card", "aria-labelledby": "wq-h" }, h("h2", { id: "wq-h" }, "Work queue"));
  replace(main, h("h1", {}, "Claims"),
    h("p", { class: "actions" }, h("a", { class: "button", href: "#/claims/superbills/new" }, "New superbill from an appointment"),
      hasRole(...BILLERS) ? h("a", { class: "button secondary", href: "#/claims/backtest" }, "Scrubber backtest") : null),
    toSign, hasRole(...BILLERS) ? toBill : null, hasRole(...BILLERS) ? queue : null);
  focusHeading(main);
  await Promise.all([
    superbillList(toSign, "sb-sign", "draft", "Superbills waiting for sign-off"),
    hasRole(...BILLERS) ? superbillList(toBill, "sb-bill", "signed", "Signed superbills to bill") : null,
    hasRole(...BILLERS) ? workQueue(queue) : null,
  ]);
}

async function superbillList(section, headingId, status, title) {
  const heading = h("h2", { id: headingId }, title);
  replace(section, heading, h("p", {}, "Loading…"));
  let items;
  try { items = (await get(`/encounters?status=${status}`)).items || []; } catch (err) { replace(section, heading, failure(err, "superbills")); return; }
  if (!items.length) { replace(section, heading, h("p", {}, "None.")); return; }
  const names = await Promise.all(items.map((e) => patientName(e.patient_id)));
  replace(section, heading, h("ul", { class: "plain-list" }, items.map((e, i) => h("li", {},
    h("a", { href: `#/claims/superbills/${e.encounter_id}` }, `${names[i]}, ${formatDate(e.service_date)}`),
    ` · ${status === "draft" ? "draft" : `signed by ${e.signed_by}`}`))));
}

async function workQueue(section) {
  const state = field({ label: "Queue", name: "state", options: STATES, value: filters.state });
  const payer = field({ label: "Payer id", name: "payer_id", value: filters.payer, hint: "All payers when empty", attrs: { maxlength: "20" } });
  const age = field({ label: "At least this many days old", name: "age", type: "number", value: filters.age, attrs: { min: "0", max: "3650" } });
  const results = h("div", { "aria-live": "polite" });
  const form = h("form", { class: "filters", role: "search", "aria-label": "Filter the work queue", novalidate: true },
    h("div", { class: "grid" }, state.wrap, payer.wrap, age.wrap), h("button", { type: "submit" }, "Show"));
  replace(section, h("h2", { id: "wq-h" }, "Work queue"), form, results);
  const load = async () => {
    Object.assign(filters, { state: state.input.value, payer: payer.input.value.trim().toUpperCase(), age: age.input.value.trim() });
    const q = new URLSearchParams({ state: filters.state });
    if (filters.payer) q.set("payer_id", filters.payer);
    if (filters.age) q.set("age", filters.age);
    replace(results, h("p", {}, "Loading…"));
    let res;
    try { res = await get(`/claims/work-queue?${q}`); } catch (err) { replace(results, failure(err, "the work queue")); return; }
    const items = res.items || [];
    if (!items.length) { replace(results, h("p", {}, "No claims in this queue.")); return; }
    replace(results, h("table", { class: "data" },
      h("caption", {}, `${STATES.find(([v]) => v === filters.state)[1]}: ${items.length}`),
      h("thead", {}, h("tr", {}, ["Claim", "Status", "Payer", "Since", "Age (days)", "Why"].map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", {}, items.map((i) => h("tr", {},
        h("td", {}, h("a", { href: `#/claims/${i.claim_id}` }, i.claim_id)),
        h("td", {}, h("span", { class: `badge claim-${i.status}` }, i.status)),
        h("td", {}, i.payer_id),
        h("td", {}, formatDateTime(i.since)),
        h("td", {}, String(i.age_days)),
        h("td", {}, (i.reasons || []).join("; ") || "—"))))));
  };
  form.addEventListener("submit", (ev) => { ev.preventDefault(); load(); });
  await load();
}

async function pickAppointment(main) {
  setTitle("New superbill");
  let data;
  try { data = await scheduleData(); } catch (err) { replace(main, h("h1", {}, "New superbill"), failure(err, "locations")); return; }
  const first = data.locations[0];
  const loc = field({ label: "Location", name: "location_id", options: data.locations.map((l) => [l.location_id, l.name]), value: first?.location_id });
  const day = field({ label: "Day of the visit", name: "date", type: "date", value: first ? todayIn(first.time_zone) : "" });
  const results = h("div", { "aria-live": "polite" });
  const form = h("form", { class: "filters", novalidate: true }, h("div", { class: "grid" }, loc.wrap, day.wrap), h("button", { type: "submit" }, "Show appointments"));
  replace(main, h("h1", {}, "New superbill"), h("p", {}, "Pick the visit the superbill is for."), form, results);
  focusHeading(main);
  const load = async () => {
    replace(results, h("p", {}, "Loading…"));
    let res;
    try {
      res = await get(`/appointments?${new URLSearchParams({ location_id: loc.input.value, from_date: day.input.value })}`);
    } catch (err) { replace(results, failure(err, "appointments")); return; }
    const items = (res.appointments || []).filter((a) => !["cancelled", "no_show"].includes(a.status));
    if (!items.length) { replace(results, h("p", {}, "No appointments that day.")); return; }
    const names = await Promise.all(items.map((a) => patientName(a.patient_id)));
    const who = (id) => data.providers.find((p) => p.provider_id === id)?.display_name || id;
    replace(results, h("ul", { class: "plain-list" }, items.map((a, i) => h("li", {},
      h("a", { href: `#/claims/superbills/new/${a.appointment_id}` }, `Superbill for ${names[i]} at ${a.start_local.slice(11, 16)}`),
      ` · ${who(a.provider_id)} · ${a.status}`))));
  };
  form.addEventListener("submit", (ev) => { ev.preventDefault(); load(); });
  if (first) await load();
}
