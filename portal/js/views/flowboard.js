// Today's patient flow at one location: scheduled → arrived → roomed → seen → checked out,
// with a live timer of how long each patient has been in their current stage.
import { h, replace, field, messageBox, setTitle, focusHeading, announce } from "../dom.js";
import { get, ApiError } from "../api.js";
import { hasRole } from "../auth.js";
import { scheduleData, patientName, todayIn, formatDay, formatMinutes, wall, STATUS_LABEL } from "../schedule-data.js";
import { NEXT, changeStatus } from "./appointment-card.js";

const STAGES = [
  { id: "scheduled", label: "Scheduled", statuses: ["booked", "confirmed"] },
  { id: "arrived", label: "Arrived", statuses: ["checked_in"] },
  { id: "roomed", label: "Roomed", statuses: ["roomed"] },
  { id: "seen", label: "Seen", statuses: ["seen"] },
  { id: "out", label: "Checked out", statuses: ["checked_out"] },
];
let locationId = null;
let timers = [];

function stopTimers() { for (const t of timers) clearInterval(t); timers = []; }

export async function flowBoardView(main) {
  stopTimers();
  setTitle("Flow board");
  let data;
  try { data = await scheduleData(); } catch (err) {
    replace(main, h("h1", {}, "Flow board"), messageBox("error", err instanceof ApiError ? err.friendly : "Could not load the flow board."));
    return;
  }
  if (!data.locations.length) { replace(main, h("h1", {}, "Flow board"), messageBox("info", "No location yet.")); return; }
  if (!locationId || !data.locations.some((l) => l.location_id === locationId)) locationId = data.locations[0].location_id;
  const loc = field({ label: "Location", name: "location", options: data.locations.map((l) => [l.location_id, l.name]), value: locationId });
  const status = h("div");
  const board = h("div", { class: "flow-board" });
  const subtitle = h("p", { class: "muted" });
  replace(main, h("div", { class: "page-head" }, h("h1", {}, "Flow board"), loc.wrap), subtitle, status, board);
  focusHeading(main);
  loc.input.addEventListener("change", () => { locationId = loc.input.value; load(); });

  let items = [];
  let generation = 0;
  async function load() {
    const mine = ++generation;
    const location = data.locations.find((l) => l.location_id === locationId);
    const today = todayIn(location.time_zone);
    subtitle.textContent = `${formatDay(today)} · ${location.name} · times in ${location.time_zone.replace(/_/g, " ")}`;
    try {
      const q = new URLSearchParams({ location_id: locationId, from_date: today });
      const found = (await get(`/appointments?${q}`)).appointments.filter((a) => !["cancelled", "no_show"].includes(a.status));
      const named = await Promise.all(found.map(async (a) => ({ ...a, patient_name: await patientName(a.patient_id) })));
      if (mine !== generation) return;
      items = named;
    } catch (err) {
      replace(status, messageBox("error", err instanceof ApiError ? err.friendly : "Could not load today's appointments."));
      return;
    }
    render();
  }

  function render() {
    const canAct = hasRole("front-desk", "admin", "provider");
    replace(board, STAGES.map((stage) => {
      const here = items.filter((a) => stage.statuses.includes(a.status)).sort((x, y) => x.start.localeCompare(y.start));
      const id = `stage-${stage.id}`;
      return h("section", { class: `stage stage-${stage.id}`, "aria-labelledby": id },
        h("h2", { id }, `${stage.label} `, h("span", { class: "count" }, `(${here.length})`)),
        here.length ? h("ul", { class: "flow-cards" }, here.map((a) => card(a, canAct))) : h("p", { class: "muted" }, "Nobody."));
    }));
    tick();
  }

  function card(a, canAct) {
    const provider = data.providers.find((p) => p.provider_id === a.provider_id);
    const kind = (data.config.types || []).find((t) => t.type_id === a.type_id);
    const entered = [...(a.history || [])].reverse().find((x) => x.status === a.status);
    const timer = h("span", { class: "timer" });
    if (entered && !["booked", "confirmed", "checked_out"].includes(a.status)) timer.dataset.since = entered.at;
    const firstArrival = (a.history || []).find((x) => x.status === "checked_in");
    const actions = canAct ? (NEXT[a.status] || []).filter(([s]) => s !== "confirmed" && s !== "no_show").map(([next, label]) =>
      h("button", { type: "button", "aria-label": `${label}: ${a.patient_name}`, onclick: () => advance(a, next) }, label)) : [];
    const li = h("li", { class: "flow-card" },
      h("h3", {}, a.patient_name),
      h("p", {}, `${formatMinutes(wall(a.start_local).minutes)} · ${kind?.name || a.type_id} · ${provider?.display_name || a.provider_id}`),
      h("p", { class: "timers" },
        timer.dataset.since ? h("span", {}, `In ${STATUS_LABEL[a.status].toLowerCase()} for `, timer) : h("span", {}, STATUS_LABEL[a.status]),
        firstArrival && a.status !== "checked_in" ? h("span", { class: "muted" }, ` · since arrival `, h("span", { class: "timer", dataset: { since: firstArrival.at } })) : null),
      actions.length ? h("div", { class: "actions" }, actions) : null);
    return li;
  }

  async function advance(a, next) {
    try {
      const updated = await changeStatus(a, next);
      items = items.map((x) => (x.appointment_id === a.appointment_id ? { ...x, ...updated } : x));
      render();
      announce(`${a.patient_name}: ${STATUS_LABEL[next]}.`);
      replace(status);
      const moved = [...board.querySelectorAll(".flow-card h3")].find((el) => el.textContent === a.patient_name);
      moved?.closest(".flow-card")?.querySelector("button")?.focus();
    } catch (err) {
      replace(status, messageBox("error", err instanceof ApiError ? err.friendly : "That did not work."));
      load();
    }
  }

  function tick() {
    for (const el of board.querySelectorAll(".timer[data-since]")) {
      const minutes = Math.max(0, Math.floor((Date.now() - Date.parse(el.dataset.since)) / 60_000));
      el.textContent = minutes < 60 ? `${minutes} min` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
      el.closest(".flow-card")?.classList.toggle("long-wait", minutes >= 20);
    }
  }

  await load();
  timers.push(setInterval(tick, 15_000));
  timers.push(setInterval(() => { if (location.hash === "#/flow" && !document.querySelector("dialog[open]")) load(); else if (location.hash !== "#/flow") stopTimers(); }, 30_000));
}
