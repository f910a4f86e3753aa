// Shared scheduling data and helpers: locations, providers, configuration, patient names,
// local-date arithmetic (dates are 'YYYY-MM-DD' strings in the location's time zone).
import { get, seg } from "./api.js";

let cache = null;

/** Locations, providers and the calendar configuration (types, rooms, templates). */
export async function scheduleData(force = false) {
  if (cache && !force) return cache;
  const [locations, providers, config] = await Promise.all([
    get("/practice/locations").then((r) => (r.locations || []).filter((l) => l.active)),
    get("/providers").then((r) => (r.providers || []).filter((p) => p.active)),
    get("/scheduling/config"),
  ]);
  cache = { locations, providers, config };
  return cache;
}

export function forgetScheduleData() { cache = null; }

// Patient names, fetched once per patient per session (each fetch is an audited read).
const names = new Map();
export async function patientName(id) {
  if (!names.has(id)) {
    names.set(id, get(`/patients/${seg(id)}`).then((p) => `${p.name.first} ${p.name.last}`).catch(() => "Patient"));
  }
  return names.get(id);
}
export function rememberPatientName(id, name) { names.set(id, Promise.resolve(name)); }
export function forgetPatientNames() { names.clear(); }

// --- dates -------------------------------------------------------------------------------
export function todayIn(zone) {
  return new Intl.DateTimeFormat("en-CA", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit" }).format(new Date());
}
function asUtc(d) { const [y, m, dd] = d.split("-").map(Number); return new Date(Date.UTC(y, m - 1, dd)); }
function iso(date) { return date.toISOString().slice(0, 10); }
export function addDays(d, n) { const x = asUtc(d); x.setUTCDate(x.getUTCDate() + n); return iso(x); }
export function weekday(d) { return (asUtc(d).getUTCDay() + 6) % 7; } // 0 = Monday
export function weekStart(d) { return addDays(d, -weekday(d)); }
export function monthStart(d) { return `${d.slice(0, 7)}-01`; }
export function addMonths(d, n) { const x = asUtc(monthStart(d)); x.setUTCMonth(x.getUTCMonth() + n); return iso(x); }
export function daysBetween(a, b) { return Math.round((asUtc(b) - asUtc(a)) / 86_400_000); }
export const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

export function formatDay(d, opts = { weekday: "long", month: "long", day: "numeric", year: "numeric" }) {
  return asUtc(d).toLocaleDateString("en-US", { timeZone: "UTC", ...opts });
}
export function minutesOf(hhmm) { const [h, m] = hhmm.split(":").map(Number); return h * 60 + m; }
export function formatMinutes(total) {
  const h = Math.floor(total / 60); const m = total % 60;
  const suffix = h >= 12 ? "PM" : "AM";
  return `${((h + 11) % 12) + 1}:${String(m).padStart(2, "0")} ${suffix}`;
}
export function hhmm(total) { return `${String(Math.floor(total / 60)).padStart(2, "0")}:${String(total % 60).padStart(2, "0")}`; }
/** The wall-clock date and minutes of an ISO instant written with the location's offset. */
export function wall(isoLocal) { return { date: isoLocal.slice(0, 10), minutes: minutesOf(isoLocal.slice(11, 16)) }; }

/** Working intervals [{start, end}] in minutes of a provider at a location on a local date. */
export function workingHours(config, providerId, locationId, date) {
  const day = WEEKDAYS[weekday(date)];
  const out = [];
  for (const t of config.templates || []) {
    if (t.provider_id !== providerId || t.location_id !== locationId) continue;
    if (t.effective_from > date || (t.effective_to && t.effective_to < date)) continue;
    const breaks = (t.breaks || []).filter((b) => b.day === day).map((b) => [minutesOf(b.start), minutesOf(b.end)]);
    for (const hrs of t.hours.filter((x) => x.day === day)) {
      let pieces = [[minutesOf(hrs.start), minutesOf(hrs.end)]];
      for (const [bs, be] of breaks) {
        pieces = pieces.flatMap(([s, e]) => (be <= s || bs >= e ? [[s, e]] : [[s, bs], [be, e]].filter(([a, b]) => b > a)));
      }
      out.push(...pieces.map(([start, end]) => ({ start, end })));
    }
  }
  return out;
}

/** Black or white text, whichever contrasts more with a #rrggbb background. */
export function textOn(hex) {
  const c = /^#([0-9a-f]{6})$/i.exec(hex || "");
  if (!c) return "#000000";
  const [r, g, b] = [0, 2, 4].map((i) => parseInt(c[1].slice(i, i + 2), 16) / 255)
    .map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
  const lum = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  return (lum + 0.05) / 0.05 > 1.05 / (lum + 0.05) ? "#000000" : "#ffffff";
}

export const STATUS_LABEL = {
  booked: "Booked", confirmed: "Confirmed", checked_in: "Arrived", roomed: "Roomed", seen: "Seen",
  checked_out: "Checked out", cancelled: "Cancelled", no_show: "No-show",
};
