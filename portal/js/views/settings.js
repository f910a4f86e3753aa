// Settings for practice admins: practice, locations, providers, staff users. Scheduling adds
// rooms, appointment types and availability through `settingsTabs`.
import { h, replace, field, messageBox, setTitle, focusHeading, announce, formatDateTime, nextId, confirmDialog } from "../dom.js";
import { get, post, put, patch, del, seg, ApiError } from "../api.js";
import { formDialog, values } from "../forms.js";

/** Tabs: {id, label, render(container)}; other features may push more. */
export const settingsTabs = [
  { id: "practice", label: "Practice", render: practiceTab },
  { id: "locations", label: "Locations", render: locationsTab },
  { id: "providers", label: "Providers", render: providersTab },
  { id: "staff", label: "Staff users", render: staffTab },
];

export function register(route) {
  route(/^#\/settings(?:\/([a-z-]+))?$/, settingsView, { role: ["admin"] });
}

const ROLES = [["front-desk", "Front desk"], ["biller", "Biller"], ["provider", "Provider"], ["admin", "Admin"]];

async function settingsView(main, { params }) {
  const tab = settingsTabs.find((t) => t.id === params[0]) || settingsTabs[0];
  setTitle(`Settings: ${tab.label}`);
  const panel = h("section", { class: "card", "aria-labelledby": "tab-h" });
  replace(main,
    h("h1", {}, "Settings"),
    h("nav", { "aria-label": "Settings sections" }, h("ul", { class: "tabs" }, settingsTabs.map((t) => h("li", {},
      h("a", { href: `#/settings/${t.id}`, "aria-current": t === tab ? "page" : null }, t.label))))),
    panel);
  focusHeading(main);
  const reload = () => tab.render(panel, reload);
  await reload();
}

function failure(container, title, err) {
  replace(container, h("h2", { id: "tab-h" }, title), messageBox("error", err instanceof ApiError ? err.friendly : "Could not load this section."));
}

/** Run an action of a tab; a failure shows at the top of the tab, success reloads it. */
async function act(container, call, message, reload) {
  try {
    await call();
    announce(message);
    await reload();
  } catch (err) {
    const box = messageBox("error", err instanceof ApiError ? err.friendly : "That did not work. Try again.");
    container.querySelector(".message")?.remove();
    container.querySelector("h2").after(box);
  }
}

function addr(a) {
  return a ? [a.line1, a.line2, `${a.city}, ${a.state} ${a.postal_code}`].filter(Boolean).join(", ") : "";
}

// --- Practice ------------------------------------------------------------------------------
async function practiceTab(container) {
  let p;
  try { p = await get("/practice"); } catch (err) { failure(container, "Practice", err); return; }
  replace(container, h("h2", { id: "tab-h" }, "Practice"),
    h("dl", { class: "facts" }, [
      ["Legal name", p.legal_name], ["Tax ID", p.tax_id], ["Group NPI", p.group_npi],
      ["Taxonomy", p.taxonomy_code], ["Billing address", addr(p.billing_address)], ["Phone", p.phone],
      ["Time zone", p.time_zone],
    ].map(([k, v]) => h("div", {}, h("dt", {}, k), h("dd", {}, v || "—")))));
}

// --- Locations -----------------------------------------------------------------------------
function timeZones() {
  const all = typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : [];
  const us = ["America/New_York", "America/Chicago", "America/Denver", "America/Phoenix", "America/Los_Angeles", "America/Anchorage", "Pacific/Honolulu"];
  return [...us, ...all.filter((z) => !us.includes(z) && z.startsWith("America/"))].map((z) => [z, z.replace(/_/g, " ")]);
}

async function locationsTab(container, reload) {
  let list;
  try { list = (await get("/practice/locations")).locations || []; } catch (err) { failure(container, "Locations", err); return; }
  replace(container,
    h("div", { class: "section-head" }, h("h2", { id: "tab-h" }, "Locations"),
      h("button", { type: "button", onclick: () => addLocation(reload) }, "Add location")),
    h("div", { class: "table-wrap" }, h("table", { class: "data" },
      h("caption", { class: "visually-hidden" }, "Locations of the practice"),
      h("thead", {}, h("tr", {}, ["Name", "Address", "Time zone", "Place of service", "Status", "Actions"].map((c) => h("th", { scope: "col" }, c)))),
      h("tbody", {}, list.map((l) => h("tr", {},
        h("th", { scope: "row" }, l.name), h("td", {}, addr(l.address)), h("td", {}, l.time_zone), h("td", {}, l.place_of_service),
        h("td", {}, h("span", { class: `badge status-${l.active ? "active" : "inactive"}` }, l.active ? "active" : "inactive")),
        h("td", {}, l.active ? h("button", { type: "button", class: "secondary", "aria-label": `Deactivate ${l.name}`, onclick: async () => {
          if (!await confirmDialog("Deactivate location", `Deactivate ${l.name}? Its history is kept.`, "Deactivate")) return;
          await act(container, () => del(`/practice/locations/${seg(l.location_id)}`), `${l.name} deactivated.`, reload);
        } }, "Deactivate") : "")))))));
}

function addLocation(reload) {
  const fields = [
    field({ label: "Name", name: "name", required: true }),
    field({ label: "Street address", name: "address.line1", required: true }),
    field({ label: "City", name: "address.city", required: true }),
    field({ label: "State", name: "address.state", required: true, attrs: { maxlength: "2" } }),
    field({ label: "ZIP+4 code", name: "address.postal_code", required: true, inputmode: "numeric", hint: "9 digits, e.g. 80202-2917" }),
    field({ label: "Time zone", name: "time_zone", required: true, options: timeZones(), value: "America/Denver" }),
    field({ label: "Place of service code", name: "place_of_service", required: true, value: "11", hint: "CMS POS code: 11 is an office." }),
    field({ label: "Phone", name: "phone", type: "tel" }),
  ];
  formDialog({
    title: "Add location", fields, submitText: "Add location", success: "Location added.", done: reload, wide: true,
    onSubmit: () => {
      const v = values(fields);
      return post("/practice/locations", {
        name: v.name, time_zone: v.time_zone, place_of_service: v.place_of_service, phone: v.phone,
        address: { line1: v["address.line1"], city: v["address.city"], state: v["address.state"].toUpperCase(), postal_code: v["address.postal_code"] },
      });
    },
  });
}

// --- Providers -----------------------------------------------------------------------------
async function providersTab(container, reload) {
  let list; let locations;
  try {
    [list, locations] = await Promise.all([get("/providers").then((r) => r.providers || []), get("/practice/locations").then((r) => r.locations || [])]);
  } catch (err) { failure(container, "Providers", err); return; }
  const locName = (id) => (locations.find((l) => l.location_id === id) || { name: id }).name;
  replace(container,
    h("div", { class: "section-head" }, h("h2", { id: "tab-h" }, "Providers"),
      h("button", { type: "button", onclick: () => providerDialog(null, locations, reload) }, "Add provider")),
    h("div", { class: "table-wrap" }, h("table", { class: "data" },
      h("caption", { class: "visually-hidden" }, "Providers of the practice"),
      h("thead", {}, h("tr", {}, ["Name", "NPI", "Specialty", "Locations", "Calendar colour", "Status", "Actions"].map((c) => h("th", { scope: "col" }, c)))),
      h("tbody", {}, list.map((p) => h("tr", {},
        h("th", { scope: "row" }, [p.display_name, ...(p.credentials || [])].join(", ")),
        h("td", {}, p.npi), h("td", {}, p.specialty),
        h("td", {}, p.location_ids.map(locName).join(", ")),
        h("td", {}, swatch(p.color), p.color || "—"),
        h("td", {}, h("span", { class: `badge status-${p.active ? "active" : "inactive"}` }, p.active ? "active" : "inactive")),
        h("td", {}, h("div", { class: "actions" },
          h("button", { type: "button", class: "secondary", "aria-label": `Edit ${p.display_name}`, onclick: () => providerDialog(p, locations, reload) }, "Edit"),
          p.active ? h("button", { type: "button", class: "secondary", "aria-label": `Deactivate ${p.display_name}`, onclick: async () => {
            if (!await confirmDialog("Deactivate provider", `Deactivate ${p.display_name}? Their appointments and history are kept.`, "Deactivate")) return;
            await act(container, () => del(`/providers/${seg(p.provider_id)}`), `${p.display_name} deactivated.`, reload);
          } }, "Deactivate") : null))))))));
}

export function swatch(color) {
  const s = h("span", { class: "swatch", "aria-hidden": "true" });
  if (color) s.style.backgroundColor = color;
  return s;
}

function locationChecks(locations, chosen, name) {
  const id = nextId("locs");
  const boxes = locations.filter((l) => l.active).map((l) => {
    const cid = nextId("loc");
    const box = h("input", { type: "checkbox", id: cid, value: l.location_id, checked: chosen.includes(l.location_id) });
    return { box, el: h("div", { class: "check" }, box, h("label", { for: cid }, l.name)) };
  });
  const err = h("p", { class: "field-error", id: `${id}-err`, hidden: true });
  const group = h("fieldset", { id }, h("legend", {}, "Locations"), boxes.map((b) => b.el), err);
  group.dataset.field = name;
  return { group, selected: () => boxes.filter((b) => b.box.checked).map((b) => b.box.value) };
}

function providerDialog(p, locations, reload) {
  const fields = [
    field({ label: "First name", name: "first_name", required: true, value: p?.first_name || "" }),
    field({ label: "Last name", name: "last_name", required: true, value: p?.last_name || "" }),
    field({ label: "Credentials", name: "credentials", value: (p?.credentials || []).join(", "), hint: "Comma separated, e.g. MD, FACP" }),
    field({ label: "NPI", name: "npi", required: true, inputmode: "numeric", value: p?.npi || "", attrs: { maxlength: "10" } }),
    field({ label: "Taxonomy code", name: "taxonomy_code", required: true, value: p?.taxonomy_code || "", hint: "NUCC code, e.g. 207Q00000X" }),
    field({ label: "Specialty", name: "specialty", value: p?.specialty || "" }),
    field({ label: "Calendar colour", name: "color", type: "color", value: p?.color || "#1f77b4" }),
  ];
  const locs = locationChecks(locations, p?.location_ids || [], "location_ids");
  formDialog({
    title: p ? `Edit ${p.display_name}` : "Add provider", fields, extra: [locs.group], wide: true,
    submitText: p ? "Save" : "Add provider", success: p ? "Provider saved." : "Provider added.", done: reload,
    onSubmit: () => {
      const v = values(fields);
      const body = {
        first_name: v.first_name, last_name: v.last_name, npi: v.npi, taxonomy_code: v.taxonomy_code,
        specialty: v.specialty, color: v.color, location_ids: locs.selected(),
        credentials: v.credentials ? v.credentials.split(",").map((x) => x.trim()).filter(Boolean) : [],
      };
      return p ? patch(`/providers/${seg(p.provider_id)}`, { ...body, version: p.version }) : post("/providers", body);
    },
  });
}

// --- Staff ---------------------------------------------------------------------------------
async function staffTab(container, reload) {
  let list; let locations;
  try {
    [list, locations] = await Promise.all([get("/staff").then((r) => r.staff || []), get("/practice/locations").then((r) => r.locations || [])]);
  } catch (err) { failure(container, "Staff users", err); return; }
  const button = (label, fn) => h("button", { type: "button", class: "secondary", "aria-label": label, onclick: fn }, label.split(" ")[0]);
  const run = (promise, message) => act(container, promise, message, reload);
  replace(container,
    h("div", { class: "section-head" }, h("h2", { id: "tab-h" }, "Staff users"),
      h("button", { type: "button", onclick: () => inviteDialog(locations, reload) }, "Invite staff member")),
    h("div", { class: "table-wrap" }, h("table", { class: "data" },
      h("caption", { class: "visually-hidden" }, "Staff users of the practice"),
      h("thead", {}, h("tr", {}, ["Name", "Username", "Email", "Roles", "Status", "Since", "Actions"].map((c) => h("th", { scope: "col" }, c)))),
      h("tbody", {}, list.map((s) => h("tr", {},
        h("th", { scope: "row" }, s.name), h("td", {}, s.username), h("td", {}, s.email),
        h("td", {}, s.roles.join(", ")),
        h("td", {}, h("span", { class: `badge status-${s.enabled ? "enabled" : "disabled"}` }, s.enabled ? "enabled" : "disabled")),
        h("td", {}, formatDateTime(s.created_at)),
        h("td", {}, h("div", { class: "actions" },
          button(`Roles of ${s.name}`, () => rolesDialog(s, reload)),
          s.enabled
            ? button(`Disable ${s.name}`, async () => {
              if (await confirmDialog("Disable staff member", `Disable ${s.name}? They can no longer sign in.`, "Disable")) run(() => post(`/staff/${seg(s.username)}/disable`), `${s.name} disabled.`);
            })
            : button(`Enable ${s.name}`, () => run(() => post(`/staff/${seg(s.username)}/enable`), `${s.name} enabled.`))))))))));
}

function inviteDialog(locations, reload) {
  const fields = [
    field({ label: "Full name", name: "name", required: true }),
    field({ label: "Email", name: "email", type: "email", required: true }),
    field({ label: "Role", name: "role", required: true, options: ROLES, value: "front-desk" }),
    field({ label: "Username", name: "username", hint: "Optional: defaults from the email." }),
  ];
  const locs = locationChecks(locations, [], "locations");
  formDialog({
    title: "Invite staff member", fields, extra: [locs.group], submitText: "Send invitation", success: "Invitation sent.", done: reload,
    intro: "Cognito emails a temporary password; at first sign-in they choose their own and set up an authenticator app.",
    onSubmit: () => {
      const v = values(fields);
      const body = { name: v.name, email: v.email, role: v.role, locations: locs.selected() };
      if (v.username) body.username = v.username;
      return post("/staff", body);
    },
  });
}

function rolesDialog(s, reload) {
  const boxes = ROLES.map(([value, label]) => {
    const id = nextId("role");
    const box = h("input", { type: "checkbox", id, value, checked: s.roles.includes(value) });
    return { box, el: h("div", { class: "check" }, box, h("label", { for: id }, label)) };
  });
  const errId = nextId("roles");
  const group = h("fieldset", { id: errId }, h("legend", {}, `Roles of ${s.name}`), boxes.map((b) => b.el), h("p", { class: "field-error", id: `${errId}-err`, hidden: true }));
  group.dataset.field = "roles";
  formDialog({
    title: "Change roles", fields: [], extra: [group], success: "Roles saved.", done: reload,
    onSubmit: () => {
      const roles = boxes.filter((b) => b.box.checked).map((b) => b.box.value);
      if (!roles.length) throw new ApiError(422, { message: "choose at least one role", fields: [{ field: "roles", message: "choose at least one role" }] });
      return put(`/staff/${seg(s.username)}/roles`, { roles });
    },
  });
}
