// The waitlist: put a patient on it (type, provider, date window), see who is waiting, and
// answer open offers of freed slots on a patient's behalf (after phoning them) before the
// hold runs out. A late acceptance is told plainly that the slot is gone.
import { h, replace, field, messageBox, setTitle, focusHeading, formatDate, formatDateTime, announce, showFieldErrors, clearFieldErrors, confirmDialog } from "../dom.js";
import { get, post, del, seg, ApiError } from "../api.js";
import { hasRole } from "../auth.js";
import { scheduleData, patientName, todayIn, addDays, formatDay, formatMinutes, wall } from "../schedule-data.js";
import { patientPicker } from "./patient-picker.js";

const BOOKERS = ["front-desk", "admin", "provider"];
let ticker = null;

export function register(route) {
  route(/^#\/waitlist$/, waitlistView);
}

async function waitlistView(main) {
  setTitle("Waitlist");
  replace(main, h("p", {}, "Loading the waitlist…"));
  let data;
  try { data = await scheduleData(); } catch (err) {
    replace(main, h("h1", {}, "Waitlist"), messageBox("error", err instanceof ApiError ? err.friendly : "Could not load the waitlist."));
    return;
  }
  const canAct = hasRole(...BOOKERS);
  // Each section carries its heading from the start (loaders replace it with the content).
  const offers = h("section", { class: "card", "aria-labelledby": "offers-h" }, h("h2", { id: "offers-h" }, "Open offers"));
  const waiting = h("section", { class: "card", "aria-labelledby": "waiting-h" }, h("h2", { id: "waiting-h" }, "Waiting"));
  const adding = canAct ? h("section", { class: "card", "aria-labelledby": "add-wait-h" }, h("h2", { id: "add-wait-h" }, "Add a patient to the waitlist")) : null;
  const ctx = { data, canAct, offers, waiting, reload: null };
  ctx.reload = async () => { await Promise.all([loadOffers(ctx), loadWaiting(ctx)]); };
  replace(main, h("div", { class: "page-head" }, h("h1", {}, "Waitlist"),
    h("button", { type: "button", class: "secondary", onclick: () => ctx.reload() }, "Refresh")),
    h("p", { class: "muted" }, "Patients who want an earlier visit. When a matching slot frees up it is offered to them, held for a while; call the patient and answer for them."),
    offers, waiting, adding);
  focusHeading(main);
  if (adding) addForm(adding, ctx);
  startTicker(main);
  await ctx.reload();
}

// --- offers ------------------------------------------------------------------------------
async function loadOffers(ctx, notice = null) {
  const { offers: section, data } = ctx;
  const head = h("h2", { id: "offers-h" }, "Open offers");
  let found;
  try {
    found = (await get("/waitlist/offers")).offers || [];
  } catch (err) {
    replace(section, head, messageBox("error", err instanceof ApiError ? err.friendly : "Could not load the offers."));
    return;
  }
  const open = found.filter((o) => o.status === "open");
  const status = h("div", { class: "offer-status" }, notice);
  const items = await Promise.all(open.map((o) => offerItem(ctx, o, status)));
  replace(section, head, status,
    items.length ? h("ul", { class: "offers" }, items) : h("p", {}, "No open offers right now."));
}

async function offerItem(ctx, o, status) {
  const { data } = ctx;
  const kind = (data.config.types || []).find((t) => t.type_id === o.type_id);
  const provider = data.providers.find((p) => p.provider_id === o.provider_id);
  const location = data.locations.find((l) => l.location_id === o.location_id);
  const start = wall(o.start_local);
  const when = `${formatDay(start.date, { weekday: "long", month: "long", day: "numeric" })} at ${formatMinutes(start.minutes)}`;
  const declined = new Set(o.declined || []);
  const people = await Promise.all((o.patients || []).map(async (p) => ({ ...p, name: await patientName(p.patient_id) })));
  const countdown = h("span", { class: "countdown", role: "timer", dataset: { expires: o.expires_at } }, holdText(o.expires_at));
  return h("li", { class: "offer" },
    h("h3", {}, `${kind?.name || o.type_id} · ${when}`),
    h("p", {}, `${provider?.display_name || o.provider_id} · ${location?.name || o.location_id}`),
    h("p", {}, countdown, h("span", { class: "muted" }, ` (hold until ${formatDateTime(o.expires_at, location?.time_zone)})`)),
    h("ul", { class: "offer-patients", "aria-label": `Patients offered ${when}` }, people.map((p) => h("li", {},
      h("span", { class: "strong" }, p.name),
      declined.has(p.entry_id) ? h("span", { class: "muted" }, " · declined")
        : ctx.canAct ? h("span", { class: "actions" },
          h("button", { type: "button", onclick: () => answer(ctx, o, p, "accept", when, status) }, `Accept for ${p.name}`),
          h("button", { type: "button", class: "secondary", onclick: () => answer(ctx, o, p, "decline", when, status) }, `Decline for ${p.name}`)) : null))));
}

function holdText(expiresAt) {
  const left = Math.round((new Date(expiresAt) - Date.now()) / 1000);
  if (left <= 0) return "Hold over: the slot goes to the next patient.";
  const m = Math.floor(left / 60); const s = left % 60;
  return `Hold ends in ${m}:${String(s).padStart(2, "0")}`;
}

/** One timer for the view: updates every countdown until the view is left. */
function startTicker(main) {
  if (ticker) clearInterval(ticker);
  ticker = setInterval(() => {
    if (!main.isConnected) { clearInterval(ticker); ticker = null; return; }
    for (const el of main.querySelectorAll(".countdown[data-expires]")) el.textContent = holdText(el.dataset.expires);
  }, 1000);
}

async function answer(ctx, offer, person, verb, when, status) {
  for (const b of ctx.offers.querySelectorAll("button")) b.disabled = true;
  try {
    await post(`/waitlist/offers/${seg(offer.offer_id)}/${verb}`, { entry_id: person.entry_id });
    const text = verb === "accept" ? `Booked ${person.name} on ${when}.` : `${person.name} declined the slot on ${when}.`;
    announce(text);
    await Promise.all([loadOffers(ctx, messageBox("success", text)), loadWaiting(ctx)]);
  } catch (err) {
    let message;
    if (err instanceof ApiError && err.status === 409 && ["slot_gone", "offer_expired"].includes(err.body.error)) {
      message = h("div", {}, h("p", { class: "strong" }, `That slot is gone: ${when} can no longer be booked for ${person.name}.`),
        h("p", {}, err.body.error === "offer_expired" ? "The hold ran out and the slot was offered to the next patient." : "Someone else took it first."),
        h("p", {}, `${person.name} stays on the waitlist for the next slot.`));
    } else {
      message = err instanceof ApiError ? err.friendly : "That did not work. Try again.";
    }
    await Promise.all([loadOffers(ctx, messageBox("error", message)), loadWaiting(ctx)]);
    ctx.offers.querySelector("[role=alert]")?.setAttribute("tabindex", "-1");
    ctx.offers.querySelector("[role=alert]")?.focus();
  }
}

// --- waiting -----------------------------------------------------------------------------
async function loadWaiting(ctx) {
  const { waiting: section, data } = ctx;
  const head = h("h2", { id: "waiting-h" }, "Waiting");
  let entries;
  try {
    entries = (await get("/waitlist")).entries || [];
  } catch (err) {
    replace(section, head, messageBox("error", err instanceof ApiError ? err.friendly : "Could not load the waitlist."));
    return;
  }
  if (!entries.length) { replace(section, head, h("p", {}, "Nobody is waiting.")); return; }
  const names = await Promise.all(entries.map((e) => patientName(e.patient_id)));
  replace(section, head, h("div", { class: "table-wrap" }, h("table", { class: "data", "aria-labelledby": "waiting-h" },
    h("thead", {}, h("tr", {}, ["Patient", "Type", "Provider", "Location", "Between", "Waiting since", ctx.canAct ? "Actions" : null].filter(Boolean).map((c) => h("th", { scope: "col" }, c)))),
    h("tbody", {}, entries.map((e, i) => {
      const kind = (data.config.types || []).find((t) => t.type_id === e.type_id);
      const location = data.locations.find((l) => l.location_id === e.location_id);
      const who = (e.provider_ids || []).map((id) => data.providers.find((p) => p.provider_id === id)?.display_name || id).join(", ") || "Any provider";
      return h("tr", {},
        h("td", {}, h("a", { href: `#/patients/${e.patient_id}` }, names[i])),
        h("td", {}, kind?.name || e.type_id), h("td", {}, who), h("td", {}, location?.name || e.location_id),
        h("td", {}, `${formatDate(e.earliest)} – ${formatDate(e.latest)}`),
        h("td", {}, formatDateTime(e.created_at, location?.time_zone)),
        ctx.canAct ? h("td", {}, h("button", { type: "button", class: "secondary", "aria-label": `Remove ${names[i]} from the waitlist`, onclick: async () => {
          if (!(await confirmDialog("Remove from the waitlist", `Take ${names[i]} off the waitlist?`, "Remove"))) return;
          try { await del(`/waitlist/${seg(e.entry_id)}`); announce(`${names[i]} removed from the waitlist.`); } catch (err) {
            replace(section, head, messageBox("error", err instanceof ApiError ? err.friendly : "Could not remove the patient."));
            return;
          }
          await loadWaiting(ctx);
        } }, "Remove")) : null);
    })))));
}

// --- add -----------------------------------------------------------------------------------
function addForm(section, ctx) {
  const { data } = ctx;
  const first = data.locations[0];
  const today = first ? todayIn(first.time_zone) : new Date().toISOString().slice(0, 10);
  const loc = field({ label: "Location", name: "location_id", required: true, options: data.locations.map((l) => [l.location_id, l.name]) });
  const type = field({ label: "Appointment type", name: "type_id", required: true, options: (data.config.types || []).filter((t) => t.active).map((t) => [t.type_id, t.name]) });
  const prov = field({ label: "Provider", name: "provider_ids", options: [] });
  const earliest = field({ label: "Earliest date", name: "earliest", type: "date", required: true, value: today });
  const latest = field({ label: "Latest date", name: "latest", type: "date", required: true, value: addDays(today, 14) });
  const providersAt = () => {
    replace(prov.input, h("option", { value: "" }, "Any provider"),
      data.providers.filter((p) => p.location_ids.includes(loc.input.value)).map((p) => h("option", { value: p.provider_id }, p.display_name)));
  };
  providersAt();
  loc.input.addEventListener("change", providersAt);

  const picker = patientPicker({ onPick: () => type.input.focus() });
  const status = h("div");
  const submit = h("button", { type: "submit" }, "Add to the waitlist");
  const form = h("form", { novalidate: true }, status, picker.element,
    h("div", { class: "grid" }, loc.wrap, type.wrap, prov.wrap, earliest.wrap, latest.wrap),
    h("div", { class: "actions" }, submit));
  replace(section, h("h2", { id: "add-wait-h" }, "Add a patient to the waitlist"), form);

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    clearFieldErrors(form);
    replace(status);
    const chosen = picker.chosen();
    if (!chosen) { replace(status, messageBox("error", "Find and choose the patient first.")); picker.focus(); return; }
    const body = { patient_id: chosen.id, location_id: loc.input.value, type_id: type.input.value, earliest: earliest.input.value, latest: latest.input.value };
    if (prov.input.value) body.provider_ids = [prov.input.value];
    submit.disabled = true;
    try {
      await post("/waitlist", body);
      const text = `${chosen.first_name} ${chosen.last_name} is on the waitlist.`;
      replace(status, messageBox("success", text));
      announce(text);
      picker.clear();
      await loadWaiting(ctx);
    } catch (err) {
      if (err instanceof ApiError && err.status === 422) {
        const { first: bad, unmatched } = showFieldErrors(form, err.fields);
        replace(status, messageBox("error", unmatched.length ? unmatched.join("; ") : "Check the highlighted fields."));
        bad?.focus();
      } else {
        replace(status, messageBox("error", err instanceof ApiError ? err.friendly : "Could not add the patient."));
      }
    } finally {
      submit.disabled = false;
    }
  });
}
