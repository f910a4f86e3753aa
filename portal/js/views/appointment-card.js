// An appointment's card: details, history, and what can be done next (confirm, check in,
// cancel with a reason, move — the keyboard alternative to dragging — and the series editor).
import { h, replace, field, messageBox, modal, nextId, formatDateTime } from "../dom.js";
import { get, post, seg, ApiError } from "../api.js";
import { hasRole } from "../auth.js";
import { formatDay, formatMinutes, wall, hhmm, minutesOf, daysBetween, STATUS_LABEL } from "../schedule-data.js";
import { appointmentEligibility } from "./eligibility-card.js";

export const NEXT = {
  booked: [["confirmed", "Confirm"], ["checked_in", "Check in"], ["no_show", "No-show"]],
  confirmed: [["checked_in", "Check in"], ["no_show", "No-show"]],
  checked_in: [["roomed", "Room"], ["seen", "Mark seen"]],
  roomed: [["seen", "Mark seen"]],
  seen: [["checked_out", "Check out"]],
};
const REASONS = [["patient_request", "Patient asked"], ["provider_unavailable", "Provider unavailable"], ["practice_closed", "Practice closed"], ["weather", "Weather"], ["duplicate", "Duplicate booking"], ["other", "Other"]];
const BOOKERS = ["front-desk", "admin", "provider"];

/** Change an appointment's status; returns the updated appointment (throws ApiError). */
export function changeStatus(a, status) {
  return post(`/appointments/${seg(a.appointment_id)}/status`, { status, version: a.version });
}

export async function appointmentCard(summary, { data, location, onChange, onError, onInfo }) {
  const dlg = modal("Appointment", { wide: true });
  const status = h("div");
  let a = summary;
  try { a = { ...summary, ...(await get(`/appointments/${seg(summary.appointment_id)}`)) }; } catch { /* show what we have */ }
  const kind = (data.config.types || []).find((t) => t.type_id === a.type_id);
  const provider = data.providers.find((p) => p.provider_id === a.provider_id);
  const room = (data.config.rooms || []).find((r) => r.room_id === a.room_id);
  const start = wall(a.start_local); const end = wall(a.end_local);
  const canAct = hasRole(...BOOKERS);
  const done = async (message) => { dlg.close(); onInfo(message); await onChange(); };
  const fail = (err) => replace(status, messageBox("error", !(err instanceof ApiError) ? "That did not work. Try again."
    : err.status === 422 && err.fields.length ? err.fields.map((f) => `${f.field.split(".").pop().replace(/_/g, " ")}: ${f.message}`).join("; ") : err.friendly));

  const actions = h("div", { class: "actions" });
  const panel = h("div");
  if (canAct) {
    for (const [next, label] of NEXT[a.status] || []) {
      actions.append(h("button", { type: "button", class: next === "no_show" ? "secondary" : null, onclick: async () => {
        try { await changeStatus(a, next); await done(`${a.patient_name}: ${STATUS_LABEL[next]}.`); } catch (err) { fail(err); }
      } }, label));
    }
    if (["booked", "confirmed"].includes(a.status)) {
      actions.append(h("button", { type: "button", class: "secondary", onclick: () => movePanel() }, "Move…"));
      actions.append(h("button", { type: "button", class: "danger", onclick: () => cancelPanel() }, "Cancel appointment…"));
    }
  }
  if (["checked_in", "roomed", "seen", "checked_out"].includes(a.status)) {
    // Charge capture for the visit (portal/js/views/superbill.js).
    actions.append(h("a", { class: "button secondary", href: `#/claims/superbills/new/${a.appointment_id}`, onclick: () => dlg.close() }, "Superbill"));
  }

  replace(dlg.body, status,
    h("dl", { class: "facts" }, [
      ["Patient", h("a", { href: `#/patients/${a.patient_id}`, onclick: () => dlg.close() }, a.patient_name)],
      ["When", `${formatDay(start.date)}, ${formatMinutes(start.minutes)}–${formatMinutes(end.minutes)}`],
      ["Provider", provider?.display_name || a.provider_id],
      ["Type", kind?.name || a.type_id],
      ["Location", location.name],
      ["Room", room?.name || "—"],
      ["Status", h("span", { class: `badge badge-${a.status}` }, STATUS_LABEL[a.status] || a.status)],
      ["Series", a.series_id ? `Occurrence ${a.occurrence}` : "—"],
      ["Overbook", a.overbook ? "Yes (recorded)" : "No"],
    ].map(([k, v]) => h("div", {}, h("dt", {}, k), h("dd", {}, v)))),
    (a.history || []).length ? h("details", {}, h("summary", {}, "Status history"),
      h("ol", {}, a.history.map((x) => h("li", {}, `${STATUS_LABEL[x.status] || x.status} · ${formatDateTime(x.at, location.time_zone)} · ${x.by}`)))) : null,
    actions, panel,
    appointmentEligibility(a, { serviceType: kind?.service_type_code, serviceDate: start.date }));
  (actions.querySelector("button") || dlg.dialog.querySelector("button")).focus();

  function scopeChoice(legend) {
    if (!a.series_id) return { el: null, value: () => "one" };
    const name = nextId("scope");
    const opts = [["one", "This appointment only"], ["following", "This and the following ones"], ["all", "All appointments of the series"]];
    const radios = opts.map(([v, label], i) => {
      const id = nextId("sc");
      const r = h("input", { type: "radio", name, id, value: v, checked: i === 0 });
      return { r, el: h("div", { class: "check" }, r, h("label", { for: id }, label)) };
    });
    return { el: h("fieldset", {}, h("legend", {}, legend), radios.map((x) => x.el)), value: () => radios.find((x) => x.r.checked).r.value };
  }

  function seriesOutcome(result, verb) {
    const items = result.occurrences || [];
    const failed = items.filter((o) => !["booked", "moved", "cancelled", "skipped"].includes(o.outcome));
    const text = `${verb} ${items.length - failed.length} of ${items.length} appointments.`;
    if (!failed.length) return done(text);
    replace(status, messageBox("warning", h("p", {}, text), h("ul", {}, failed.map((o) => h("li", {}, `Occurrence ${o.occurrence} (${o.start_local.slice(0, 10)}): ${o.message || o.outcome}`)))));
    return onChange();
  }

  function cancelPanel() {
    const reason = field({ label: "Reason", name: "reason", options: REASONS });
    const note = field({ label: "Note (optional, no clinical details)", name: "note", attrs: { maxlength: "200" } });
    const scope = scopeChoice("Which appointments");
    replace(panel, h("fieldset", {}, h("legend", {}, "Cancel"), reason.wrap, note.wrap, scope.el,
      h("div", { class: "actions" }, h("button", { type: "button", class: "danger", onclick: async () => {
        try {
          if (scope.value() === "one") {
            await post(`/appointments/${seg(a.appointment_id)}/cancel`, { reason: reason.input.value, note: note.input.value.trim(), version: a.version });
            await done(`${a.patient_name}'s appointment was cancelled.`);
          } else {
            const result = await post(`/appointment-series/${seg(a.series_id)}/cancel`, { scope: scope.value(), occurrence: a.occurrence, reason: reason.input.value });
            await seriesOutcome(result, "Cancelled");
          }
        } catch (err) { fail(err); }
      } }, "Cancel the appointment"))));
    reason.input.focus();
  }

  function movePanel() {
    const date = field({ label: "Date", name: "date", type: "date", value: start.date });
    const time = field({ label: "Time", name: "time", type: "time", value: hhmm(start.minutes), attrs: { step: "300" } });
    const here = data.providers.filter((p) => p.location_ids.includes(location.location_id));
    const who = field({ label: "Provider", name: "provider_id", options: here.map((p) => [p.provider_id, p.display_name]), value: a.provider_id });
    // Length and room: the keyboard way to resize, or to move between room columns.
    const length = end.minutes - start.minutes;
    const minutes = field({ label: "Length in minutes (this appointment)", name: "duration_minutes", type: "number", value: String(length), attrs: { min: "5", max: "480", step: "5" } });
    const rooms = (data.config.rooms || []).filter((r) => r.active && r.location_id === location.location_id);
    const where = rooms.length ? field({ label: "Room", name: "room_id", options: [["", a.room_id ? "Keep the room" : "No room"], ...rooms.map((r) => [r.room_id, r.name])], value: "" }) : null;
    const scope = scopeChoice("Which appointments");
    replace(panel, h("fieldset", {}, h("legend", {}, "Move or change the length"), h("div", { class: "grid" }, date.wrap, time.wrap, minutes.wrap, who.wrap, where?.wrap), scope.el,
      h("div", { class: "actions" }, h("button", { type: "button", onclick: async () => {
        try {
          if (scope.value() === "one") {
            const body = { start: `${date.input.value}T${time.input.value}:00`, version: a.version };
            if (who.input.value !== a.provider_id) body.provider_id = who.input.value;
            if (Number(minutes.input.value) !== length) body.duration_minutes = Number(minutes.input.value);
            if (where?.input.value && where.input.value !== a.room_id) body.room_id = where.input.value;
            await post(`/appointments/${seg(a.appointment_id)}/reschedule`, body);
            await done(`${a.patient_name} moved to ${formatMinutes(minutesOf(time.input.value))}, ${formatDay(date.input.value, { weekday: "long", month: "long", day: "numeric" })}.`);
          } else {
            const body = { scope: scope.value(), occurrence: a.occurrence, new_time: `${time.input.value}:00`, shift_days: daysBetween(start.date, date.input.value) };
            if (who.input.value !== a.provider_id) body.provider_id = who.input.value;
            const result = await post(`/appointment-series/${seg(a.series_id)}/reschedule`, body);
            await seriesOutcome(result, "Moved");
          }
        } catch (err) { fail(err); }
      } }, "Move the appointment"))));
    date.input.focus();
  }
}
