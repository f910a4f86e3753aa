// The scrubber backtest (billers, admins): today's rules over the claims payers answered in a
// window — which rejections and denials they would have caught or missed, and which accepted
// claims they would have held (GET /claims/backtest).
import { h, replace, field, messageBox, setTitle, focusHeading, announce } from "../dom.js";
import { get, ApiError } from "../api.js";
import { todayIn, addDays } from "../schedule-data.js";

const OUTCOME = { rejected: "rejected", denied: "denied", accepted: "accepted" };

function claimLink(id) { return h("a", { href: `#/claims/${id}` }, id); }

function table(caption, headings, rows) {
  return h("div", { class: "table-wrap" }, h("table", { class: "data" },
    h("caption", {}, caption),
    h("thead", {}, h("tr", {}, headings.map((t) => h("th", { scope: "col" }, t)))),
    h("tbody", {}, rows)));
}

export async function backtestView(main) {
  setTitle("Scrubber backtest");
  const today = todayIn(Intl.DateTimeFormat().resolvedOptions().timeZone);
  const from = field({ label: "Sent from", name: "from_date", type: "date", required: true, value: addDays(today, -30) });
  const to = field({ label: "Sent until", name: "to_date", type: "date", required: true, value: today });
  const payer = field({ label: "Payer id", name: "payer_id", hint: "All payers when empty", attrs: { maxlength: "20" } });
  const results = h("div", { "aria-live": "polite" });
  const form = h("form", { class: "filters", novalidate: true },
    h("div", { class: "grid" }, from.wrap, to.wrap, payer.wrap), h("button", { type: "submit" }, "Run the backtest"));
  replace(main, h("p", { class: "crumbs" }, h("a", { href: "#/claims" }, "← Claims")),
    h("h1", {}, "Scrubber backtest"),
    h("p", {}, "Runs today's scrubber rules over claims payers already answered, each as it was sent and as of the day it was sent (a claim rejected, fixed and sent again counts twice): rejections and denials the rules would have caught or missed, and accepted claims they would have held. Nothing is changed."),
    form, results);
  focusHeading(main);
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const q = new URLSearchParams({ from_date: from.input.value, to_date: to.input.value });
    const p = payer.input.value.trim().toUpperCase();
    if (p) q.set("payer_id", p);
    replace(results, h("p", {}, "Running…"));
    try {
      const report = await get(`/claims/backtest?${q}`);
      replace(results, render(report));
      announce(`Backtest done: ${report.total} sends.`);
    } catch (err) {
      const text = err instanceof ApiError && err.status === 422
        ? err.fields.map((f) => `${f.field}: ${f.message}`).join("; ") || err.message
        : err instanceof ApiError ? err.friendly : "The backtest failed.";
      replace(results, messageBox("error", text));
    }
  });
}

function render(r) {
  const c = r.counts || {};
  const summary = h("p", { class: "strong" },
    `${r.total} answered send(s) from ${r.from_date} to ${r.to_date}${r.payer_id ? ` to ${r.payer_id}` : ""}: `
    + `${c.rejected || 0} rejected, ${c.denied || 0} denied, ${c.accepted || 0} accepted. `
    + `Caught ${r.caught.length}, missed ${r.missed.length}, would have held ${r.false_blocks.length} accepted.`);
  const untested = r.untested ? h("p", {}, `${r.untested} answered send(s) could not be tested: their 837P file could not be read back.`) : null;
  if (!r.total) return h("div", {}, summary, untested);
  return h("div", { class: "backtest" }, summary, untested,
    r.rules.length ? table("By rule", ["Rule", "What it checks", "Caught", "Would have held"], r.rules.map((s) => h("tr", {},
      h("td", {}, s.rule_id), h("td", {}, s.summary), h("td", {}, String(s.caught)), h("td", {}, String(s.false_blocks))))) : null,
    r.caught.length ? table("Caught: rejected or denied claims the rules block", ["Claim", "Sent in file", "Payer", "Outcome", "Rules", "The payer's reason"],
      r.caught.map((x) => h("tr", {}, h("td", {}, claimLink(x.claim_id)), h("td", {}, x.file_id), h("td", {}, x.payer_id), h("td", {}, OUTCOME[x.outcome] || x.outcome),
        h("td", {}, x.rule_ids.join(", ")), h("td", {}, x.reason)))) : null,
    r.missed.length ? table("Missed: rejected or denied claims no rule blocks (rules worth adding)", ["Claim", "Sent in file", "Payer", "Outcome", "The payer's reason"],
      r.missed.map((x) => h("tr", {}, h("td", {}, claimLink(x.claim_id)), h("td", {}, x.file_id), h("td", {}, x.payer_id), h("td", {}, OUTCOME[x.outcome] || x.outcome), h("td", {}, x.reason)))) : null,
    r.false_blocks.length ? table("Would have held: accepted claims the rules block", ["Claim", "Sent in file", "Payer", "Rules"],
      r.false_blocks.map((x) => h("tr", {}, h("td", {}, claimLink(x.claim_id)), h("td", {}, x.file_id), h("td", {}, x.payer_id), h("td", {}, x.rule_ids.join(", "))))) : null);
}
