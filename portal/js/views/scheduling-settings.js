// Settings tabs for the calendar: rooms, appointment types (with colours) and availability
// (weekly templates and one-off exceptions). Admins configure; front desk enters exceptions.
import { h, replace, field, messageBox, announce, nextId, confirmDialog } from "../dom.js";
import { post, put, del, seg, ApiError } from "../api.js";
import { formDialog, values } from "../forms.js";
import { scheduleData, forgetScheduleData, WEEKDAYS } from "../schedule-data.js";
import { swatch } from "./settings.js";

const DAY_NAMES = { mon: "Monday", tue: "Tuesday", wed: "Wednesday", thu: "Thursday", fri: "Friday", sat: "Saturday", sun: "Sunday" };

export const schedulingSettingsTabs = [
  { id: "rooms", label: "Rooms", render: roomsTab },
  { id: "types", label: "Appointment types", render: typesTab },
  { id: "availability", label: "Availability", render: availabilityTab },
];

async function load(container, title) {
  try {
    forgetScheduleData();
    return await scheduleData(true);
  } catch (err) {
    replace(container, h("h2", { id: "tab-h" }, title), messageBox("error", err instanceof ApiError ? err.friendly : "Could not load this section."));
    return null;
  }
}

async function run(container, call, message, reload) {
  try { await call(); announce(message); await reload(); } catch (err) {
    container.querySelector(".message")?.remove();
    container.querySelector("h2").after(messageBox("error", err instanceof ApiError ? err.friendly : "That did not work."));
  }
}

function table(caption, headers, rows) {
  return h("div", { class: "table-wrap" }, h("table", { class: "data" },
    h("caption", { class: "visually-hidden" }, caption),
    h("thead", {}, h("tr", {}, headers.map((c) => h("th", { scope: "col" }, c)))),
    h("tbody", {}, rows)));
}

// --- rooms ------------------------------------------------------------------------------
async function roomsTab(container, reload) {
  const data = await load(container, "Rooms");
  if (!data) return;
  const locName = (id) => (data.locations.find((l) => l.location_id === id) || { name: id }).name;
  const rooms = data.config.rooms || [];
  replace(container,
    h("div", { class: "section-head" }, h("h2", { id: "tab-h" }, "Rooms"),
      h("button", { type: "button", onclick: () => addRoom(data, reload) }, "Add room")),
    rooms.length ? table("Rooms and resources", ["Name", "Location", "Kind", "Status", "Actions"], rooms.map((r) => h("tr", {},
      h("th", { scope: "row" }, r.name), h("td", {}, locName(r.location_id)), h("td", {}, r.kind),
      h("td", {}, h("span", { class: `badge status-${r.active ? "active" : "inactive"}` }, r.active ? "active" : "inactive")),
      h("td", {}, r.active ? h("button", { type: "button", class: "secondary", "aria-label": `Deactivate ${r.name}`, onclick: async () => {
        if (await confirmDialog("Deactivate room", `Deactivate ${r.name}? Past appointments keep it.`, "Deactivate")) run(container, () => del(`/scheduling/rooms/${seg(r.room_id)}`), `${r.name} deactivated.`, reload);
      } }, "Deactivate") : "")))) : h("p", {}, "No rooms yet."));
}

function addRoom(data, reload) {
  const fields = [
    field({ label: "Name", name: "name", required: true }),
    field({ label: "Location", name: "location_id", required: true, options: data.locations.map((l) => [l.location_id, l.name]) }),
    field({ label: "Kind", name: "kind", options: [["room", "Room"], ["equipment", "Equipment"]] }),
  ];
  formDialog({ title: "Add room", fields, submitText: "Add room", success: "Room added.", done: reload, onSubmit: () => post("/scheduling/rooms", values(fields)) });
}

// --- appointment types --------------------------------------------------------------------
async function typesTab(container, reload) {
  const data = await load(container, "Appointment types");
  if (!data) return;
  const types = data.config.types || [];
  const provName = (id) => (data.providers.find((p) => p.provider_id === id) || { display_name: id }).display_name;
  replace(container,
    h("div", { class: "section-head" }, h("h2", { id: "tab-h" }, "Appointment types"),
      h("button", { type: "button", onclick: () => typeDialog(null, data, reload) }, "Add appointment type")),
    types.length ? table("Appointment types", ["Name", "Colour", "Duration", "Buffers", "Providers", "Room", "Status", "Actions"], types.map((t) => h("tr", {},
      h("th", { scope: "row" }, t.name), h("td", {}, swatch(t.color), t.color), h("td", {}, `${t.duration_minutes} min`),
      h("td", {}, `${t.buffer_before_minutes} / ${t.buffer_after_minutes} min`),
      h("td", {}, t.provider_ids.length ? t.provider_ids.map(provName).join(", ") : "Any"),
      h("td", {}, t.needs_room ? "Needed" : "—"),
      h("td", {}, h("span", { class: `badge status-${t.active ? "active" : "inactive"}` }, t.active ? "active" : "inactive")),
      h("td", {}, h("div", { class: "actions" },
        h("button", { type: "button", class: "secondary", "aria-label": `Edit ${t.name}`, onclick: () => typeDialog(t, data, reload) }, "Edit"),
        t.active ? h("button", { type: "button", class: "secondary", "aria-label": `Deactivate ${t.name}`, onclick: async () => {
          if (await confirmDialog("Deactivate appointment type", `Deactivate ${t.name}? Booked appointments stay.`, "Deactivate")) run(container, () => del(`/scheduling/appointment-types/${seg(t.type_id)}`), `${t.name} deactivated.`, reload);
        } }, "Deactivate") : null))))) : h("p", {}, "No appointment types yet: add one so the front desk can book."));
}

function typeDialog(t, data, reload) {
  const minutes = (label, name, value, min = 0, max = 120) => field({ label, name, type: "number", value: String(value), attrs: { min: String(min), max: String(max), step: "5" } });
  const fields = [
    field({ label: "Name", name: "name", required: true, value: t?.name || "" }),
    minutes("Duration (minutes)", "duration_minutes", t?.duration_minutes ?? 30, 5, 480),
    field({ label: "Colour", name: "color", type: "color", value: t?.color || "#4c78a8" }),
    minutes("Preparation before (minutes)", "buffer_before_minutes", t?.buffer_before_minutes ?? 0),
    minutes("Wrap-up after (minutes)", "buffer_after_minutes", t?.buffer_after_minutes ?? 0),
    field({ label: "Patients", name: "patient_kind", options: [["any", "New and established"], ["new", "New patients"], ["established", "Established patients"]], value: t?.patient_kind || "any" }),
    field({ label: "Modality", name: "modality", options: [["in_person", "In person"], ["telehealth", "Telehealth"]], value: t?.modality || "in_person" }),
    field({ label: "Eligibility service type code", name: "service_type_code", value: t?.service_type_code || "30", hint: "X12 EB03, e.g. 30 general, 98 office visit" }),
  ];
  const roomId = nextId("nr");
  const needsRoom = h("input", { type: "checkbox", id: roomId, checked: Boolean(t?.needs_room) });
  const provBoxes = data.providers.map((p) => {
    const id = nextId("tp");
    const box = h("input", { type: "checkbox", id, value: p.provider_id, checked: (t?.provider_ids || []).includes(p.provider_id) });
    return { box, el: h("div", { class: "check" }, box, h("label", { for: id }, p.display_name)) };
  });
  const provGroupId = nextId("tpg");
  const provGroup = h("fieldset", { id: provGroupId }, h("legend", {}, "Providers who take this type (none chosen: any)"), provBoxes.map((b) => b.el), h("p", { class: "field-error", id: `${provGroupId}-err`, hidden: true }));
  provGroup.dataset.field = "provider_ids";
  formDialog({
    title: t ? `Edit ${t.name}` : "Add appointment type", fields, wide: true,
    extra: [h("div", { class: "check" }, needsRoom, h("label", { for: roomId }, "Needs a room")), provGroup],
    submitText: t ? "Save" : "Add type", success: t ? "Appointment type saved." : "Appointment type added.", done: reload,
    onSubmit: () => {
      const v = values(fields);
      const body = {
        name: v.name, color: v.color.toLowerCase(), patient_kind: v.patient_kind, modality: v.modality, service_type_code: v.service_type_code,
        duration_minutes: Number(v.duration_minutes), buffer_before_minutes: Number(v.buffer_before_minutes), buffer_after_minutes: Number(v.buffer_after_minutes),
        needs_room: needsRoom.checked, provider_ids: provBoxes.filter((b) => b.box.checked).map((b) => b.box.value),
      };
      return t ? put(`/scheduling/appointment-types/${seg(t.type_id)}`, { ...body, active: t.active, version: t.version }) : post("/scheduling/appointment-types", body);
    },
  });
}

// --- availability -------------------------------------------------------------------------
async function availabilityTab(container, reload) {
  const data = await load(container, "Availability");
  if (!data) return;
  const provName = (id) => (data.providers.find((p) => p.provider_id === id) || { display_name: id }).display_name;
  const locName = (id) => (data.locations.find((l) => l.location_id === id) || { name: id }).name;
  const templates = data.config.templates || [];
  const closures = data.config.closures || [];
  const hoursText = (list) => WEEKDAYS.map((d) => [d, list.filter((x) => x.day === d)]).filter(([, xs]) => xs.length)
    .map(([d, xs]) => `${DAY_NAMES[d].slice(0, 3)} ${xs.map((x) => `${x.start.slice(0, 5)}–${x.end.slice(0, 5)}`).join(", ")}`).join("; ");
  replace(container,
    h("div", { class: "section-head" }, h("h2", { id: "tab-h" }, "Availability"),
      h("div", { class: "actions" },
        h("button", { type: "button", onclick: () => templateDialog(data, reload) }, "Add weekly hours"),
        h("button", { type: "button", class: "secondary", onclick: () => exceptionDialog(data, reload) }, "Add exception"))),
    h("h3", {}, "Weekly hours"),
    templates.length ? table("Weekly availability templates", ["Provider", "Location", "Hours", "Breaks", "Effective", "Actions"], templates.map((t) => h("tr", {},
      h("th", { scope: "row" }, provName(t.provider_id)), h("td", {}, locName(t.location_id)), h("td", {}, hoursText(t.hours)),
      h("td", {}, hoursText(t.breaks || []) || "—"), h("td", {}, `${t.effective_from}${t.effective_to ? ` to ${t.effective_to}` : " onwards"}`),
      h("td", {}, h("button", { type: "button", class: "secondary", "aria-label": `Delete the weekly hours of ${provName(t.provider_id)} at ${locName(t.location_id)}`, onclick: async () => {
        if (await confirmDialog("Delete weekly hours", "Delete these weekly hours? Booked appointments stay.", "Delete")) run(container, () => del(`/scheduling/templates/${seg(t.template_id)}`), "Weekly hours deleted.", reload);
      } }, "Delete"))))) : h("p", {}, "No weekly hours yet: nobody can be booked until they have some."),
    h("h3", {}, "Closures"),
    closures.length ? h("ul", {}, closures.map((c) => h("li", {}, `${c.start_date}${c.end_date !== c.start_date ? ` to ${c.end_date}` : ""} · ${c.location_id ? locName(c.location_id) : "every location"}${c.reason ? ` · ${c.reason}` : ""}`))) : h("p", {}, "No closures."),
    h("p", { class: "muted" }, "Exceptions (time off, extra hours) are added per provider with Add exception; booking then refuses or allows those times."));
}

function templateDialog(data, reload) {
  const who = field({ label: "Provider", name: "provider_id", required: true, options: data.providers.map((p) => [p.provider_id, p.display_name]) });
  const where = field({ label: "Location", name: "location_id", required: true, options: data.locations.map((l) => [l.location_id, l.name]) });
  const from = field({ label: "Effective from", name: "effective_from", type: "date", required: true, value: new Date().toISOString().slice(0, 10) });
  const start = field({ label: "Starts", name: "hours.0.start", type: "time", value: "08:00", attrs: { step: "300" } });
  const end = field({ label: "Ends", name: "hours.0.end", type: "time", value: "17:00", attrs: { step: "300" } });
  const bStart = field({ label: "Break starts (optional)", name: "breaks.0.start", type: "time", value: "12:00", attrs: { step: "300" } });
  const bEnd = field({ label: "Break ends", name: "breaks.0.end", type: "time", value: "13:00", attrs: { step: "300" } });
  const days = WEEKDAYS.map((d, i) => {
    const id = nextId("wd");
    const box = h("input", { type: "checkbox", id, value: d, checked: i < 5 });
    return { box, el: h("div", { class: "check" }, box, h("label", { for: id }, DAY_NAMES[d])) };
  });
  const daysId = nextId("days");
  const dayGroup = h("fieldset", { id: daysId }, h("legend", {}, "Days"), days.map((x) => x.el), h("p", { class: "field-error", id: `${daysId}-err`, hidden: true }));
  dayGroup.dataset.field = "hours";
  formDialog({
    title: "Add weekly hours", wide: true, fields: [who, where, from, start, end, bStart, bEnd], extra: [dayGroup],
    submitText: "Add weekly hours", success: "Weekly hours added.", done: reload,
    onSubmit: () => {
      const chosen = days.filter((x) => x.box.checked).map((x) => x.box.value);
      if (!chosen.length) throw new ApiError(422, { message: "choose days", fields: [{ field: "hours", message: "choose at least one day" }] });
      const body = {
        provider_id: who.input.value, location_id: where.input.value, effective_from: from.input.value,
        hours: chosen.map((day) => ({ day, start: start.input.value, end: end.input.value })),
        breaks: bStart.input.value && bEnd.input.value ? chosen.map((day) => ({ day, start: bStart.input.value, end: bEnd.input.value })) : [],
      };
      return post("/scheduling/templates", body);
    },
  });
}

function exceptionDialog(data, reload) {
  const who = field({ label: "Provider", name: "provider_id", required: true, options: data.providers.map((p) => [p.provider_id, p.display_name]) });
  const kind = field({ label: "Kind", name: "kind", options: [["unavailable", "Unavailable (time off)"], ["extra_hours", "Extra hours"]] });
  const where = field({ label: "Location", name: "location_id", options: data.locations.map((l) => [l.location_id, l.name]) });
  const start = field({ label: "From", name: "start", type: "datetime-local", required: true });
  const end = field({ label: "Until", name: "end", type: "datetime-local", required: true });
  const reason = field({ label: "Reason (no clinical details)", name: "reason", attrs: { maxlength: "80" } });
  formDialog({
    title: "Add an availability exception", wide: true, fields: [who, kind, where, start, end, reason],
    submitText: "Add exception", success: "Exception added.", done: reload,
    onSubmit: () => post("/scheduling/exceptions", {
      provider_id: who.input.value, kind: kind.input.value, location_id: where.input.value,
      start: `${start.input.value}:00`.slice(0, 19), end: `${end.input.value}:00`.slice(0, 19), reason: reason.input.value.trim(),
    }),
  });
}
