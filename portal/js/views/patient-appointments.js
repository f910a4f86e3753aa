// The patient page's "Appointments" section: upcoming visits (soonest first) and past ones
// (newest first), each with status, provider and type, linking to that day in the calendar.
import { h, replace, messageBox } from "../dom.js";
import { get, seg, ApiError } from "../api.js";
import { scheduleData, formatDay, formatMinutes, wall, STATUS_LABEL } from "../schedule-data.js";

const PAGE = 10;

/** The section for one patient (registered in patientSections when scheduling is on). */
export function patientAppointments(patient) {
  const section = h("section", { class: "card patient-appointments", "aria-labelledby": "appts-h" },
    h("h2", { id: "appts-h" }, "Appointments"), h("p", {}, "Loading…"));
  load(section, patient);
  return section;
}

async function load(section, patient) {
  let data;
  try {
    data = await scheduleData();
  } catch (err) {
    replace(section, h("h2", { id: "appts-h" }, "Appointments"), messageBox("error", err instanceof ApiError ? err.friendly : "Could not load the appointments."));
    return;
  }
  const upcoming = h("div");
  const past = h("div");
  replace(section, h("h2", { id: "appts-h" }, "Appointments"),
    h("h3", { id: "appts-up-h" }, "Upcoming"), upcoming,
    h("h3", { id: "appts-past-h" }, "Past"), past);
  await Promise.all([
    list(upcoming, patient, data, "upcoming", "appts-up-h", "No upcoming appointments."),
    list(past, patient, data, "past", "appts-past-h", "No past appointments."),
  ]);
}

async function list(container, patient, data, when, headingId, empty, cursor = null, rows = []) {
  let page;
  try {
    const q = new URLSearchParams({ when, limit: String(PAGE) });
    if (cursor) q.set("cursor", cursor);
    page = await get(`/patients/${seg(patient.id)}/appointments?${q}`);
  } catch (err) {
    replace(container, messageBox("error", err instanceof ApiError ? err.friendly : "Could not load the appointments."));
    return;
  }
  const all = [...rows, ...(page.appointments || [])];
  if (!all.length && !page.cursor) { replace(container, h("p", {}, empty)); return; }
  replace(container,
    h("div", { class: "table-wrap" }, h("table", { class: "data", "aria-labelledby": headingId },
      h("thead", {}, h("tr", {}, ["When", "Type", "Provider", "Location", "Status"].map((c) => h("th", { scope: "col" }, c)))),
      h("tbody", {}, all.map((a) => row(a, data))))),
    page.cursor ? h("button", { type: "button", class: "secondary", onclick: () => list(container, patient, data, when, headingId, empty, page.cursor, all) },
      when === "past" ? "Show older appointments" : "Show later appointments") : null);
}

function row(a, data) {
  const start = wall(a.start_local);
  const end = wall(a.end_local);
  const kind = (data.config.types || []).find((t) => t.type_id === a.type_id);
  const provider = data.providers.find((p) => p.provider_id === a.provider_id);
  const location = data.locations.find((l) => l.location_id === a.location_id);
  const label = `${formatDay(start.date, { weekday: "short", month: "short", day: "numeric", year: "numeric" })}, ${formatMinutes(start.minutes)}–${formatMinutes(end.minutes)}`;
  return h("tr", { class: a.status === "cancelled" ? "muted" : null },
    h("td", {}, h("a", { href: `#/calendar/${a.location_id}/${start.date}`, "aria-label": `${label}: open this day in the calendar` }, label)),
    h("td", {}, kind?.name || a.type_id),
    h("td", {}, provider?.display_name || a.provider_id),
    h("td", {}, location?.name || a.location_id),
    h("td", {}, h("span", { class: `badge badge-${a.status}` }, STATUS_LABEL[a.status] || a.status)));
}
