// The portal shell: configuration, session, navigation (hash routes: nothing identifying a
// patient beyond an opaque id, and the fragment never reaches a server).
import { h, replace, messageBox, setTitle } from "./dom.js";
import { loadConfig, config } from "./config.js";
import * as auth from "./auth.js";
import { hasCapability } from "./api.js";
import { loginView } from "./views/login.js";
import { patientsView, forgetSearch } from "./views/patients.js";
import { patientView } from "./views/patient.js";

const main = () => document.getElementById("main");
const routes = [];
let scheduling = false;

/** Register a route: pattern over the hash, view(main, ctx) where ctx has params and navigate. */
export function route(pattern, view, { role = null } = {}) {
  routes.push({ pattern, view, role });
}

export function navigate(hash) {
  if (location.hash === hash) render();
  else location.hash = hash;
}

function defaultRoute() {
  return scheduling ? "#/calendar" : "#/patients";
}

async function render(notice = null) {
  // Each render gets a fresh container: a slower view still loading for an earlier route
  // then writes into a detached element instead of over the current page.
  const el = document.createElement("div");
  el.className = "view";
  main().replaceChildren(el);
  if (!auth.isSignedIn()) {
    document.getElementById("topbar").hidden = true;
    loginView(el, {
      notice,
      onSignedIn: async () => { await shell(); navigate(location.hash.startsWith("#/") ? location.hash : defaultRoute()); },
    });
    return;
  }
  const hash = location.hash.startsWith("#/") ? location.hash : defaultRoute();
  if (hash !== location.hash) { history.replaceState(null, "", hash); }
  markCurrent(hash);
  for (const r of routes) {
    const m = hash.match(r.pattern);
    if (!m) continue;
    if (r.role && !auth.hasRole(...r.role)) {
      setTitle("Not allowed");
      replace(el, h("h1", { tabindex: "-1" }, "Not allowed"), messageBox("error", "Your role does not include this page."));
      return;
    }
    try {
      await r.view(el, { params: m.slice(1), patientId: m[1], navigate });
    } catch (err) {
      replace(el, h("h1", {}, "Something went wrong"), messageBox("error", "This page could not be shown. Try again."));
      console.error("view failed", err && err.name);
    }
    return;
  }
  setTitle("Not found");
  replace(el, h("h1", {}, "Page not found"), h("p", {}, h("a", { href: defaultRoute() }, "Go to the start page")));
}

function markCurrent(hash) {
  for (const a of document.querySelectorAll("#main-nav a")) {
    const here = hash === a.getAttribute("href") || hash.startsWith(`${a.getAttribute("href")}/`);
    if (here) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
}

async function shell() {
  const u = auth.user();
  document.getElementById("topbar").hidden = false;
  document.getElementById("whoami").textContent = `${u.name} · ${u.roles.join(", ")}`;
  for (const li of document.querySelectorAll("#main-nav [data-role]")) li.hidden = !auth.hasRole(...li.dataset.role.split(" "));
  for (const li of document.querySelectorAll("#main-nav [data-needs]")) li.hidden = !scheduling;
}

async function start() {
  try {
    await loadConfig();
  } catch {
    replace(main(), h("h1", {}, "ClinicFlow"), messageBox("error", "The portal's configuration could not be loaded."));
    return;
  }
  document.getElementById("env-banner").hidden = config().environment !== "local";
  document.getElementById("skip-link").addEventListener("click", (ev) => { ev.preventDefault(); main().focus(); });
  document.getElementById("logout").addEventListener("click", async () => {
    await auth.signOut();
  });
  auth.onSessionEnd((reason) => {
    forgetSearch();
    for (const d of document.querySelectorAll("dialog")) d.close();
    const notice = reason === "idle"
      ? `You were signed out after ${config().idleTimeoutMinutes} minutes without activity.`
      : reason === "expired" ? "Your session has ended. Sign in again." : "You are signed out.";
    render(notice);
  });
  // Feature modules register their routes; scheduling screens load only when the API has them.
  route(/^#\/patients$/, patientsView);
  route(/^#\/patients\/([A-Za-z0-9_-]+)$/, patientView);
  const settings = await import("./views/settings.js");
  settings.register(route);
  (await import("./views/tasks.js")).register(route);
  const claims = await import("./views/claims.js");
  claims.register(route);
  if (await hasCapability("appointments")) {
    try {
      const calendar = await import("./views/calendar.js");
      calendar.register(route);
      (await import("./views/waitlist.js")).register(route);
      scheduling = true;
    } catch {
      scheduling = false; // the API has it but this portal build does not: keep the core screens
    }
  }
  if (auth.isSignedIn()) {
    auth.startIdleWatch();
    await shell();
  }
  window.addEventListener("hashchange", () => render());
  render();
}

start();
