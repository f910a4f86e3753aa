// The calendar: day (a column per provider, or per room), week (one provider) and month
// views; click a free time to book, drag an appointment to move it (or use "Move…" on its
// card: the keyboard way), and act on an appointment from its card.
import { h, replace, field, messageBox, setTitle, focusHeading, announce, modal, nextId } from "../dom.js";
import { get, post, seg, ApiError } from "../api.js";
import { hasRole } from "../auth.js";
import { scheduleData, patientName, todayIn, addDays, weekStart, monthStart, addMonths, formatDay, formatMinutes, hhmm, wall, workingHours, textOn, STATUS_LABEL } from "../schedule-data.js";
import { patientPicker } from "./patient-picker.js";
import { flowBoardView } from "./flowboard.js";
import { appointmentCard } from "./appointment-card.js";
import { eligibilityFlags, flagBadge, flagLabel } from "./eligibility-card.js";
import { schedulingSettingsTabs } from "./scheduling-settings.js";
import { settingsTabs } from "./settings.js";
import { patientSections } from "./patient.js";
import { patientAppointments } from "./patient-appointments.js";
import { bookingNotice } from "./prior-auths.js";

const SLOT = 15; // minutes per bookable cell
const PX_PER_MIN = 1.6;
const BOOKERS = ["front-desk", "admin", "provider"];
const state = { locationId: null, view: "day", date: null, columns: "providers", providerId: null };

export function register(route) {
  route(/^#\/calendar$/, calendarView);
  // A day at a location (the patient page links here): #/calendar/<location_id>/<YYYY-MM-DD>.
  route(/^#\/calendar\/([A-Za-z0-9_-]+)\/(\d{4}-\d{2}-\d{2})$/, (main, { params }) => {
    [state.locationId, state.date] = params;
    state.view = "day";
    return calendarView(main);
  });
  if (!patientSections.includes(patientAppointments)) patientSections.push(patientAppointments);
  route(/^#\/flow$/, flowBoardView);
  for (const tab of schedulingSettingsTabs) if (!settingsTabs.some((t) => t.id === tab.id)) settingsTabs.push(tab);
}

async function calendarView(main) {
  setTitle("Calendar");
  replace(main, h("p", {}, "Loading the calendar…"));
  let data;
  try { data = await scheduleData(); } catch (err) {
    replace(main, h("h1", {}, "Calendar"), messageBox("error", err instanceof ApiError ? err.friendly : "Could not load the calendar."));
    return;
  }
  if (!data.locations.length) { replace(main, h("h1", {}, "Calendar"), messageBox("info", "Add a location in Settings first.")); return; }
  if (!state.locationId || !data.locations.some((l) => l.location_id === state.locationId)) state.locationId = data.locations[0].location_id;
  const location = () => data.locations.find((l) => l.location_id === state.locationId);
  if (!state.date) state.date = todayIn(location().time_zone);

  const status = h("div", { class: "calendar-status" });
  const heading = h("h2", { id: "cal-range", "aria-live": "polite" });
  const body = h("div", { class: "calendar-body" });
  const loc = field({ label: "Location", name: "location", options: data.locations.map((l) => [l.location_id, l.name]), value: state.locationId });
  const providersHere = () => data.providers.filter((p) => p.location_ids.includes(state.locationId));
  const prov = field({ label: "Provider (week and month)", name: "provider", options: [] });
  const cols = field({ label: "Day columns", name: "columns", options: [["providers", "Providers"], ["rooms", "Rooms"]], value: state.columns });
  const viewButtons = ["day", "week", "month"].map((v) => h("button", { type: "button", class: "secondary", "aria-pressed": String(state.view === v), onclick: () => { state.view = v; refresh(); } }, v[0].toUpperCase() + v.slice(1)));
  const step = (n) => {
    state.date = state.view === "month" ? addMonths(state.date, n) : addDays(state.date, state.view === "week" ? 7 * n : n);
    refresh();
  };
  const toolbar = h("div", { class: "cal-toolbar" },
    h("div", { class: "actions", role: "group", "aria-label": "Dates" },
      h("button", { type: "button", class: "secondary", onclick: () => step(-1), "aria-label": "Previous" }, "‹ Prev"),
      h("button", { type: "button", class: "secondary", onclick: () => { state.date = todayIn(location().time_zone); refresh(); } }, "Today"),
      h("button", { type: "button", class: "secondary", onclick: () => step(1), "aria-label": "Next" }, "Next ›")),
    h("div", { class: "actions", role: "group", "aria-label": "View" }, viewButtons),
    loc.wrap, prov.wrap, cols.wrap);
  loc.input.addEventListener("change", () => { state.locationId = loc.input.value; state.providerId = null; refresh(); });
  prov.input.addEventListener("change", () => { state.providerId = prov.input.value; refresh(); });
  cols.input.addEventListener("change", () => { state.columns = cols.input.value; refresh(); });

  replace(main, h("div", { class: "page-head" }, h("h1", {}, "Calendar")), toolbar, status, heading, body);
  focusHeading(main);

  let generation = 0;
  async function refresh() {
    const mine = ++generation; // a newer refresh wins; an older one drops its answer
    viewButtons.forEach((b, i) => b.setAttribute("aria-pressed", String(["day", "week", "month"][i] === state.view)));
    const here = providersHere();
    if (!state.providerId || !here.some((p) => p.provider_id === state.providerId)) state.providerId = here[0]?.provider_id || null;
    replace(prov.input, here.map((p) => h("option", { value: p.provider_id, selected: p.provider_id === state.providerId }, p.display_name)));
    prov.wrap.hidden = state.view === "day";
    cols.wrap.hidden = state.view !== "day";
    let first = state.date; let last = state.date;
    if (state.view === "week") { first = weekStart(state.date); last = addDays(first, 6); }
    if (state.view === "month") { first = weekStart(monthStart(state.date)); last = addDays(first, 41); }
    heading.textContent = state.view === "day" ? formatDay(state.date)
      : state.view === "week" ? `Week of ${formatDay(first, { month: "long", day: "numeric", year: "numeric" })}`
        : formatDay(monthStart(state.date), { month: "long", year: "numeric" });
    replace(body, h("p", {}, "Loading appointments…"));
    let appointments = [];
    try {
      // The API answers at most 31 days per call.
      for (let from = first; from <= last; from = addDays(from, 31)) {
        const to = addDays(from, 30) < last ? addDays(from, 30) : last;
        const q = new URLSearchParams({ location_id: state.locationId, from_date: from, to_date: to });
        if (state.view !== "day") q.set("provider_id", state.providerId || "");
        appointments.push(...(await get(`/appointments?${q}`)).appointments);
      }
    } catch (err) {
      if (mine === generation) replace(body, messageBox("error", err instanceof ApiError ? err.friendly : "Could not load appointments."));
      return;
    }
    appointments = appointments.filter((a) => a.status !== "cancelled");
    const flags = await eligibilityFlags(first, last).catch(() => new Map()); // nightly-check problems
    const named = await Promise.all(appointments.map(async (a) => ({ ...a, patient_name: await patientName(a.patient_id), eligibility_flag: flags.get(a.appointment_id) })));
    if (mine !== generation) return;
    const ctx = { data, location: location(), appointments: named, reload: refresh, showError, showInfo };
    if (state.view === "month") replace(body, monthGrid(ctx, first));
    else replace(body, timeGrid(ctx, state.view === "day" ? dayColumns(ctx) : weekColumns(ctx, first)));
  }

  function showError(message) { replace(status, messageBox("error", message)); status.scrollIntoView({ block: "nearest" }); }
  function showInfo(message) { replace(status, messageBox("success", message)); }

  await refresh();
}

// --- day and week: time grids ---------------------------------------------------------------
function dayColumns(ctx) {
  const { data, location } = ctx;
  if (state.columns === "rooms") {
    const rooms = (data.config.rooms || []).filter((r) => r.active && r.location_id === location.location_id);
    const hours = mergeHours(data.providers.filter((p) => p.location_ids.includes(location.location_id))
      .flatMap((p) => workingHours(data.config, p.provider_id, location.location_id, state.date)));
    return rooms.map((r) => ({ key: r.room_id, label: r.name, date: state.date, roomId: r.room_id, hours, items: ctx.appointments.filter((a) => a.room_id === r.room_id) }));
  }
  return data.providers.filter((p) => p.location_ids.includes(location.location_id)).map((p) => ({
    key: p.provider_id, label: p.display_name, date: state.date, providerId: p.provider_id, color: p.color,
    hours: workingHours(data.config, p.provider_id, location.location_id, state.date),
    items: ctx.appointments.filter((a) => a.provider_id === p.provider_id),
  }));
}

/** Working intervals merged into the times anyone works (a room's bookable times). */
function mergeHours(intervals) {
  const out = [];
  for (const w of [...intervals].sort((x, y) => x.start - y.start)) {
    const last = out[out.length - 1];
    if (last && w.start <= last.end) last.end = Math.max(last.end, w.end);
    else out.push({ ...w });
  }
  return out;
}

function weekColumns(ctx, first) {
  const p = ctx.data.providers.find((x) => x.provider_id === state.providerId);
  if (!p) return [];
  return Array.from({ length: 7 }, (_, i) => addDays(first, i)).map((d) => ({
    key: d, label: formatDay(d, { weekday: "short", month: "short", day: "numeric" }), date: d, providerId: p.provider_id,
    providerName: p.display_name,
    hours: workingHours(ctx.data.config, p.provider_id, ctx.location.location_id, d),
    items: ctx.appointments.filter((a) => wall(a.start_local).date === d),
  }));
}

function timeGrid(ctx, columns) {
  if (!columns.length) return messageBox("info", state.columns === "rooms" ? "No rooms at this location: add them in Settings." : "No provider works at this location.");
  let from = 8 * 60; let to = 18 * 60;
  for (const c of columns) for (const w of c.hours) { from = Math.min(from, w.start); to = Math.max(to, w.end); }
  for (const c of columns) for (const a of c.items) { from = Math.min(from, wall(a.start_local).minutes); to = Math.max(to, wall(a.end_local).minutes); }
  from = Math.floor(from / 60) * 60; to = Math.ceil(to / 60) * 60;
  const height = (to - from) * PX_PER_MIN;
  const canBook = hasRole(...BOOKERS);
  const axis = h("div", { class: "time-axis", "aria-hidden": "true" });
  axis.style.height = `${height}px`;
  for (let m = from; m < to; m += 60) {
    const label = h("span", {}, formatMinutes(m));
    label.style.top = `${(m - from) * PX_PER_MIN}px`;
    axis.append(label);
  }
  const grid = h("div", { class: "time-grid" });
  grid.style.setProperty("--cols", String(columns.length));
  const heads = h("div", { class: "col-heads" }, h("div", { class: "axis-head" }), columns.map((c) => h("div", { class: "col-head" }, c.label)));
  const lanes = columns.map((c, ci) => {
    const lane = h("section", { class: "col", "aria-label": `${c.label}${c.providerName ? `, ${c.providerName}` : ""}` });
    lane.dataset.col = String(ci);
    lane.style.height = `${height}px`;
    const slots = h("div", { class: "slots" });
    if (canBook && (c.providerId || c.roomId)) {
      for (const w of c.hours) {
        for (let m = Math.ceil(w.start / SLOT) * SLOT; m + SLOT <= w.end; m += SLOT) {
          const who = c.providerName || c.label;
          const btn = h("button", { type: "button", class: "slot", tabindex: "-1", "aria-label": `Book ${who} at ${formatMinutes(m)}, ${formatDay(c.date, { weekday: "long", month: "long", day: "numeric" })}` },
            h("span", { "aria-hidden": "true" }, `+ ${formatMinutes(m)}`));
          btn.style.top = `${(m - from) * PX_PER_MIN}px`;
          btn.style.height = `${SLOT * PX_PER_MIN}px`;
          btn.dataset.minutes = String(m);
          btn.addEventListener("click", () => bookDialog(ctx, { providerId: c.providerId || null, roomId: c.roomId || null, date: c.date, minutes: m }));
          slots.append(btn);
        }
      }
    }
    for (const w of c.hours) {
      const band = h("div", { class: "hours", "aria-hidden": "true" });
      band.style.top = `${(w.start - from) * PX_PER_MIN}px`;
      band.style.height = `${(w.end - w.start) * PX_PER_MIN}px`;
      lane.append(band);
    }
    const first = slots.querySelector(".slot");
    if (first) first.tabIndex = 0;
    slots.addEventListener("keydown", (ev) => slotKeys(ev, grid));
    const list = h("ul", { class: "appts", "aria-label": `Appointments, ${c.label}` },
      c.items.map((a) => h("li", {}, appointmentBlock(ctx, a, from, grid))));
    lane.append(slots, list);
    return lane;
  });
  grid.append(heads, h("div", { class: "lanes" }, axis, lanes));
  return h("div", { class: "grid-wrap" },
    h("p", { class: "hint" }, canBook ? "Choose a free time to book (arrow keys move between times). Drag an appointment to move it or its bottom edge to change its length, or open it and choose Move." : ""),
    grid);
}

/** Arrow keys move between free times (one tab stop per column: a roving tabindex). */
function slotKeys(ev, grid) {
  const btn = ev.target.closest(".slot");
  if (!btn) return;
  const lanes = [...grid.querySelectorAll(".col")];
  const lane = btn.closest(".col");
  const inLane = [...lane.querySelectorAll(".slot")];
  let target = null;
  const i = inLane.indexOf(btn);
  if (ev.key === "ArrowDown") target = inLane[i + 1];
  else if (ev.key === "ArrowUp") target = inLane[i - 1];
  else if (ev.key === "Home") target = inLane[0];
  else if (ev.key === "End") target = inLane[inLane.length - 1];
  else if (ev.key === "ArrowRight" || ev.key === "ArrowLeft") {
    const next = lanes[lanes.indexOf(lane) + (ev.key === "ArrowRight" ? 1 : -1)];
    if (next) {
      const candidates = [...next.querySelectorAll(".slot")];
      target = candidates.find((s) => s.dataset.minutes === btn.dataset.minutes) || candidates[0];
    }
  }
  if (!target) return;
  ev.preventDefault();
  for (const s of target.closest(".slots").querySelectorAll(".slot")) s.tabIndex = -1;
  target.tabIndex = 0;
  target.focus();
}

function appointmentBlock(ctx, a, from, grid) {
  const kind = (ctx.data.config.types || []).find((t) => t.type_id === a.type_id);
  const provider = ctx.data.providers.find((p) => p.provider_id === a.provider_id);
  const start = wall(a.start_local).minutes; const end = wall(a.end_local).minutes;
  const color = kind?.color || "#4c78a8";
  const label = `${formatMinutes(start)} to ${formatMinutes(end)}, ${a.patient_name}, ${kind?.name || a.type_id} with ${provider?.display_name || a.provider_id}, ${STATUS_LABEL[a.status] || a.status}${a.overbook ? ", overbook" : ""}${a.eligibility_flag ? `, eligibility problem: ${flagLabel(a.eligibility_flag)}` : ""}`;
  const block = h("button", { type: "button", class: `appt status-${a.status}`, "aria-label": label },
    h("span", { class: "appt-time" }, `${formatMinutes(start)}`),
    h("span", { class: "appt-name" }, a.patient_name),
    h("span", { class: "appt-type" }, kind?.name || a.type_id),
    h("span", { class: `badge badge-${a.status}` }, STATUS_LABEL[a.status] || a.status),
    a.eligibility_flag ? flagBadge(a.eligibility_flag) : null);
  block.style.top = `${(start - from) * PX_PER_MIN}px`;
  block.style.height = `${Math.max(end - start, 10) * PX_PER_MIN - 2}px`;
  block.style.backgroundColor = color;
  block.style.color = textOn(color);
  block.dataset.appointmentId = a.appointment_id;
  let dragged = false;
  block.addEventListener("click", (ev) => {
    if (dragged) { dragged = false; ev.preventDefault(); return; }
    appointmentCard(a, { data: ctx.data, location: ctx.location, onChange: ctx.reload, onError: ctx.showError, onInfo: ctx.showInfo });
  });
  if (["booked", "confirmed"].includes(a.status) && hasRole(...BOOKERS)) {
    block.classList.add("draggable");
    dragToMove(block, a, from, grid, ctx, () => { dragged = true; });
    // The bottom edge changes the length (the card's Move form is the keyboard way).
    const handle = h("span", { class: "resize-handle", "aria-hidden": "true", title: "Drag to change the length" });
    block.append(handle);
    dragToResize(handle, block, a, ctx, () => { dragged = true; });
  }
  return block;
}

function dragToMove(block, a, from, grid, ctx, markDragged) {
  block.addEventListener("pointerdown", (down) => {
    if (down.button !== 0 || down.target.closest(".resize-handle")) return;
    const startX = down.clientX; const startY = down.clientY;
    const origin = block.closest(".col");
    let moving = false; let target = origin; let delta = 0;
    block.setPointerCapture(down.pointerId);
    const move = (ev) => {
      const dx = ev.clientX - startX; const dy = ev.clientY - startY;
      if (!moving && Math.hypot(dx, dy) < 6) return;
      moving = true;
      block.classList.add("dragging");
      delta = Math.round(dy / PX_PER_MIN / 5) * 5;
      const under = document.elementsFromPoint(ev.clientX, ev.clientY).filter((el) => !block.contains(el))
        .map((el) => el.closest(".col")).find((el) => el && grid.contains(el));
      target = under || target;
      const shiftX = target.getBoundingClientRect().left - origin.getBoundingClientRect().left;
      block.style.transform = `translate(${shiftX}px, ${delta * PX_PER_MIN}px)`;
    };
    const up = async () => {
      block.removeEventListener("pointermove", move);
      block.removeEventListener("pointerup", up);
      block.removeEventListener("pointercancel", up);
      if (!moving) return;
      markDragged();
      const lanes = [...grid.querySelectorAll(".col")];
      const columns = state.view === "day" ? dayColumns(ctx) : weekColumns(ctx, weekStart(state.date));
      const col = columns[lanes.indexOf(target)];
      const minutes = wall(a.start_local).minutes + delta;
      const body = { start: `${col.date}T${hhmm(minutes)}:00`, version: a.version };
      if (col.providerId && col.providerId !== a.provider_id) body.provider_id = col.providerId;
      if (col.roomId && col.roomId !== a.room_id) body.room_id = col.roomId;
      if (delta === 0 && col === columns[lanes.indexOf(origin)]) { block.style.transform = ""; block.classList.remove("dragging"); return; }
      try {
        await post(`/appointments/${seg(a.appointment_id)}/reschedule`, body);
        ctx.showInfo(`Moved ${a.patient_name} to ${formatMinutes(minutes)}, ${formatDay(col.date, { weekday: "long", month: "long", day: "numeric" })}.`);
      } catch (err) {
        ctx.showError(err instanceof ApiError ? err.friendly : "The appointment could not be moved.");
      }
      await ctx.reload();
    };
    block.addEventListener("pointermove", move);
    block.addEventListener("pointerup", up);
    block.addEventListener("pointercancel", up);
  });
}

function dragToResize(handle, block, a, ctx, markDragged) {
  handle.addEventListener("pointerdown", (down) => {
    if (down.button !== 0) return;
    down.stopPropagation();
    const start = wall(a.start_local).minutes;
    const before = wall(a.end_local).minutes - start;
    const height = block.getBoundingClientRect().height;
    let minutes = before;
    handle.setPointerCapture(down.pointerId);
    const move = (ev) => {
      minutes = Math.max(5, before + Math.round((ev.clientY - down.clientY) / PX_PER_MIN / 5) * 5);
      block.classList.add("resizing");
      block.style.height = `${height + (minutes - before) * PX_PER_MIN}px`;
      block.querySelector(".appt-time").textContent = `${formatMinutes(start)}–${formatMinutes(start + minutes)}`;
    };
    const up = async () => {
      handle.removeEventListener("pointermove", move);
      handle.removeEventListener("pointerup", up);
      handle.removeEventListener("pointercancel", up);
      markDragged();
      if (minutes === before) { await ctx.reload(); return; }
      try {
        await post(`/appointments/${seg(a.appointment_id)}/reschedule`, { start: `${wall(a.start_local).date}T${hhmm(start)}:00`, duration_minutes: minutes, version: a.version });
        ctx.showInfo(`${a.patient_name}'s appointment now lasts ${minutes} minutes (${formatMinutes(start)} to ${formatMinutes(start + minutes)}).`);
      } catch (err) {
        ctx.showError(err instanceof ApiError ? err.friendly : "The appointment could not be resized.");
      }
      await ctx.reload();
    };
    handle.addEventListener("pointermove", move);
    handle.addEventListener("pointerup", up);
    handle.addEventListener("pointercancel", up);
  });
}

// --- month ------------------------------------------------------------------------------
function monthGrid(ctx, first) {
  const month = state.date.slice(0, 7);
  const byDay = new Map();
  for (const a of ctx.appointments) {
    const d = wall(a.start_local).date;
    if (!byDay.has(d)) byDay.set(d, []);
    byDay.get(d).push(a);
  }
  const today = todayIn(ctx.location.time_zone);
  const weeks = Array.from({ length: 6 }, (_, w) => Array.from({ length: 7 }, (_, d) => addDays(first, w * 7 + d)));
  return h("table", { class: "month" },
    h("caption", { class: "visually-hidden" }, `Appointments in ${formatDay(monthStart(state.date), { month: "long", year: "numeric" })}`),
    h("thead", {}, h("tr", {}, ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"].map((d) => h("th", { scope: "col" }, d)))),
    h("tbody", {}, weeks.map((week) => h("tr", {}, week.map((d) => {
      const items = (byDay.get(d) || []).sort((x, y) => x.start.localeCompare(y.start));
      return h("td", { class: `${d.slice(0, 7) === month ? "" : "other-month"} ${d === today ? "today" : ""}`.trim() || null },
        h("button", { type: "button", class: "link day-link", "aria-label": `${formatDay(d)}: ${items.length} appointment${items.length === 1 ? "" : "s"}`, onclick: () => { state.date = d; state.view = "day"; ctx.reload(); } }, String(Number(d.slice(8)))),
        h("ul", { class: "month-items" }, items.slice(0, 3).map((a) => {
          const kind = (ctx.data.config.types || []).find((t) => t.type_id === a.type_id);
          const chip = h("li", { class: "chip" }, `${formatMinutes(wall(a.start_local).minutes)} ${a.patient_name}`, a.eligibility_flag ? [" ", flagBadge(a.eligibility_flag)] : null);
          chip.style.borderLeftColor = kind?.color || "#4c78a8";
          return chip;
        }), items.length > 3 ? h("li", { class: "more" }, `+${items.length - 3} more`) : null));
    })))));
}

// --- booking ----------------------------------------------------------------------------
function bookDialog(ctx, slot) {
  // From a room column the room is set and the provider is chosen here.
  const room = slot.roomId ? (ctx.data.config.rooms || []).find((r) => r.room_id === slot.roomId) : null;
  const here = ctx.data.providers.filter((p) => p.location_ids.includes(ctx.location.location_id));
  const who = slot.providerId ? null : field({ label: "Provider", name: "provider_id", required: true, options: here.map((p) => [p.provider_id, p.display_name]) });
  const providerId = () => slot.providerId || who.input.value;
  const provider = () => ctx.data.providers.find((p) => p.provider_id === providerId());
  const typesOf = (pid) => (ctx.data.config.types || []).filter((t) => t.active && (!t.provider_ids.length || t.provider_ids.includes(pid)));
  const types = typesOf(providerId());
  const dlg = modal("Book an appointment", { wide: true });
  let minutes = slot.minutes;
  const when = h("p", { class: "strong" });
  const showWhen = () => { when.textContent = [room ? room.name : provider()?.display_name, `${formatDay(slot.date)} at ${formatMinutes(minutes)}`, ctx.location.name].join(" · "); };
  showWhen();
  const type = field({ label: "Appointment type", name: "type_id", required: true, options: types.map((t) => [t.type_id, `${t.name} (${t.duration_minutes} min)`]) });
  if (who) {
    who.input.addEventListener("change", () => {
      replace(type.input, typesOf(providerId()).map((t) => h("option", { value: t.type_id }, `${t.name} (${t.duration_minutes} min)`)));
    });
  }
  const status = h("div");
  const auths = h("div", { "aria-live": "polite" });
  const picker = patientPicker({ canCreate: true, extra: auths, onPick: (p) => {
    replace(auths);
    bookButton.focus();
    bookingNotice(p.id, slot.date).then((notice) => { if (picker.chosen() === p) replace(auths, notice); });
  } });
  const bookButton = h("button", { type: "button", onclick: () => book() }, "Book appointment");
  const overbookId = nextId("ob");
  const overbook = h("input", { type: "checkbox", id: overbookId });
  const canOverbook = hasRole("front-desk", "admin");
  replace(dlg.body, when, status, who ? who.wrap : null, type.wrap,
    picker.element,
    canOverbook ? h("div", { class: "check" }, overbook, h("label", { for: overbookId }, "Overbook (book even if the time is taken; recorded as an overbook)")) : null,
    h("div", { class: "actions" }, bookButton, h("button", { type: "button", class: "secondary", onclick: dlg.close }, "Cancel")));
  if (!types.length) replace(status, messageBox("error", "No appointment type is available for this provider. An admin adds types in Settings."));
  if (who) who.input.focus(); else picker.focus();

  const key = crypto.randomUUID();
  async function book() {
    replace(status);
    const chosen = picker.chosen();
    if (!chosen) { replace(status, messageBox("error", "Choose or create the patient first.")); picker.focus(); return; }
    if (!type.input.value) return;
    bookButton.disabled = true;
    try {
      const body = { patient_id: chosen.id, provider_id: providerId(), location_id: ctx.location.location_id, type_id: type.input.value, start: `${slot.date}T${hhmm(minutes)}:00` };
      if (room) body.room_id = room.room_id;
      if (overbook.checked) body.overbook = true;
      await post("/appointments", body, { idempotencyKey: `${key}-${minutes}-${body.type_id}-${body.provider_id}` });
      dlg.close();
      ctx.showInfo(`Booked ${chosen.first_name} ${chosen.last_name} with ${provider().display_name}${room ? ` in ${room.name}` : ""} at ${formatMinutes(minutes)}.`);
      await ctx.reload();
    } catch (err) {
      if (err instanceof ApiError && err.status === 409) {
        const nearest = (err.body.nearest_slots || []).filter((s) => s.provider_id === providerId() && s.start_local.slice(0, 10) === slot.date);
        replace(status, messageBox("error", h("p", {}, err.message),
          nearest.length ? h("div", { class: "actions" }, nearest.map((s) => h("button", { type: "button", class: "secondary", onclick: () => { minutes = wall(s.start_local).minutes; showWhen(); book(); } }, `Book ${formatMinutes(wall(s.start_local).minutes)} instead`))) : null));
      } else if (err instanceof ApiError && err.status === 422) {
        replace(status, messageBox("error", err.fields.map((f) => `${f.field}: ${f.message}`).join("; ") || err.message));
      } else {
        replace(status, messageBox("error", err instanceof ApiError ? err.friendly : "The booking failed."));
      }
      status.querySelector("[role=alert]")?.focus?.();
    } finally {
      bookButton.disabled = false;
    }
  }
}
