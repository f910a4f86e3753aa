// One claim: status, content with the scrubber's findings beside each field, actions (scrub,
// override a warning with a reason, correct, submit), the whole timeline, and the 837P files
// with their 999/277CA results. While the claim is with the clearinghouse the page checks for
// the acknowledgement now and then, a bounded number of times.
import { h, replace, field, messageBox, setTitle, focusHeading, formatDate, formatDateTime, announce } from "../dom.js";
import { get, post, seg, ApiError } from "../api.js";
import { hasRole } from "../auth.js";
import { patientName, scheduleData } from "../schedule-data.js";
import { withDot } from "./code-search.js";
import { placeFindings, findingText } from "./claims-findings.js";

const BILLERS = ["biller", "admin"];
const IN_FLIGHT = ["queued", "submitted"];
const EDITABLE = ["draft", "ready", "corrected", "rejected"];
const POLL_MS = 3000;
const POLL_TRIES = 100;
const LABEL = {
  draft: "Draft", ready: "Ready to submit", queued: "Queued for the next file", submitted: "Sent, waiting for the payer",
  accepted: "Accepted by the payer", rejected: "Rejected", paid: "Paid", partially_paid: "Partially paid", denied: "Denied",
  corrected: "Corrected", voided: "Voided", closed: "Closed",
};
const ACK_999 = { A: "accepted", E: "accepted with errors", R: "rejected", P: "partially accepted" };
let poll = null;

export async function claimView(main, { params }) {
  const claimId = params[0];
  clearTimeout(poll);
  setTitle(`Claim ${claimId}`);
  replace(main, h("p", {}, "Loading the claim…"));
  let claim;
  try { claim = await get(`/claims/${seg(claimId)}`); } catch (err) {
    replace(main, h("h1", {}, "Claim"), messageBox("error", err instanceof ApiError ? err.friendly : "The claim could not be loaded."));
    return;
  }
  const name = await patientName(claim.patient_id);
  const locations = (await scheduleData().catch(() => null))?.locations || [];
  const zone = locations.find((l) => l.location_id === claim.facility?.location_id)?.time_zone; // else the browser's
  const when = (iso) => formatDateTime(iso, zone);
  const status = h("div", { class: "form-status" });
  const body = h("div");
  // Sections carry their heading from the start; loaders replace it with the content.
  const files = h("section", { class: "card", "aria-labelledby": "files-h" }, h("h2", { id: "files-h" }, "837P files"));
  const live = h("p", { class: "claim-status", role: "status" });
  replace(main, h("h1", {}, `Claim ${claim.claim_id}`), live, status, body, files);
  focusHeading(main);

  const render = (c) => {
    claim = c;
    replace(live, "Status: ", h("span", { class: `badge claim-${c.status}` }, LABEL[c.status] || c.status));
    const scrub = EDITABLE.includes(c.status) ? c.last_scrub : null; // stale once sent
    const blocked = !!scrub && scrub.blocked;
    const actions = h("div", { class: "actions" });
    const billing = hasRole(...BILLERS);
    if (billing && ["draft", "ready", "corrected"].includes(c.status)) actions.append(button("Scrub", doScrub));
    if (billing && c.status === "ready") {
      const submit = button("Submit", doSubmit);
      if (blocked) { submit.disabled = true; submit.setAttribute("aria-describedby", "blocked-note"); }
      actions.append(submit);
    }
    if (billing && ["draft", "ready", "rejected"].includes(c.status)) actions.append(h("a", { class: "button secondary", href: `#/claims/${c.claim_id}/correct` }, "Correct"));
    if (IN_FLIGHT.includes(c.status)) actions.append(button("Check status now", () => refresh(true), "secondary"));

    const lines = h("table", { class: "data" },
      h("caption", {}, "Procedure lines"),
      h("thead", {}, h("tr", {}, ["#", "Procedure", "Modifiers", "Units", "Pointers", "Charge"].map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", {}, c.lines.map((l, i) => h("tr", { dataset: { field: `lines.${i}` } },
        h("th", { scope: "row" }, String(i + 1)),
        h("td", { class: "cell", dataset: { field: `lines.${i}.procedure` } }, l.procedure),
        h("td", { class: "cell", dataset: { field: `lines.${i}.modifiers` } }, (l.modifiers || []).join(" ") || "—"),
        h("td", { class: "cell", dataset: { field: `lines.${i}.units` } }, String(l.units)),
        h("td", { class: "cell", dataset: { field: `lines.${i}.pointers` } }, (l.pointers || []).join(", ")),
        h("td", { class: "cell", dataset: { field: `lines.${i}.charge` } }, `$${l.charge}`)))));
    const content = h("section", { class: "card", "aria-labelledby": "claim-h" },
      h("h2", { id: "claim-h" }, "Claim"),
      h("dl", { class: "facts" }, [
        ["Patient", h("a", { href: `#/patients/${c.patient_id}` }, name)],
        ["Payer", `${c.payer.name} (${c.payer.payer_id})`],
        ["Member", c.subscriber.member_id],
        ["Date of service", formatDate(c.service_date)],
        ["Place of service", h("span", { class: "cell", dataset: { field: "place_of_service" } }, c.place_of_service)],
        ["Prior authorization", h("span", { class: "cell", dataset: { field: "prior_auth_number" } }, c.prior_auth_number || "—")],
        ["Total charge", h("span", { class: "cell", dataset: { field: "total_charge" } }, `$${c.total_charge}`)],
        ["Frequency", c.frequency === "1" ? "Original" : c.frequency === "7" ? "Replacement" : "Void"],
        ["Payer claim number", c.payer_claim_number || "—"],
      ].map(([k, v]) => h("div", {}, h("dt", {}, k), h("dd", {}, v)))),
      h("h3", {}, "Diagnoses"),
      h("ol", { class: "dx-list", dataset: { field: "diagnoses" } }, c.diagnoses.map((d, i) => h("li", { class: "cell", dataset: { field: `diagnoses.${i}` } }, h("span", { class: "code" }, withDot(d))))),
      lines);
    const timeline = h("section", { class: "card", "aria-labelledby": "tl-h" }, h("h2", { id: "tl-h" }, "Timeline"),
      h("ol", { class: "timeline" },
        h("li", {}, `Created · ${when(c.created_at)}`),
        (c.history || []).map((t) => h("li", {}, `${LABEL[t.from_status] || t.from_status || "new"} → ${LABEL[t.to_status] || t.to_status} · ${when(t.at)} · ${t.by}`,
          t.reason ? h("span", { class: "reason" }, ` — ${t.reason}`) : null)),
        (c.overrides || []).map((o) => h("li", {}, `Override of ${o.rule_id} · ${when(o.at)} · ${o.by} — ${o.reason}`))));
    const findings = h("section", { class: "card", "aria-labelledby": "find-h" });
    const last = (c.history || []).at(-1);
    const rejected = c.status === "rejected" && last?.reason
      ? messageBox("error", h("p", {}, h("strong", {}, "The payer's reason: "), last.reason), h("p", {}, "Correct the claim, scrub it and submit it again (as an original)."))
      : null;
    replace(body, rejected, actions, scrub ? findings : null, content, timeline);
    if (scrub) {
      const overridable = (f) => (billing && f.overridable && !f.override_reason && ["draft", "ready"].includes(c.status)
        ? h("button", { type: "button", class: "secondary small", onclick: () => overridePanel(f) }, "Override…") : null);
      const rest = placeFindings(content, scrub.findings, overridable);
      const errors = scrub.findings.filter((f) => f.blocks).length;
      replace(findings, h("h2", { id: "find-h", tabindex: "-1" }, "Scrubber findings"),
        h("p", { id: "blocked-note" }, !scrub.findings.length
          ? `Clean: ${scrub.rules_run} rules passed (ICD-10-CM ${scrub.icd10_release}).`
          : errors ? `${scrub.findings.length} finding(s); ${errors} ${errors === 1 ? "blocks" : "block"} submission until fixed or overridden. Each is shown next to the field it concerns.`
            : `${scrub.findings.length} finding(s) to review; none blocks submission.`),
        rest.length ? h("div", {}, rest.map((f) => findingText(f, overridable(f)))) : null);
    } else findings.remove();
  };

  function button(text, fn, cls = null) {
    const b = h("button", { type: "button", class: cls });
    b.textContent = text;
    b.addEventListener("click", async () => {
      b.disabled = true; b.setAttribute("aria-busy", "true"); replace(status);
      try { await fn(); } catch (err) {
        replace(status, messageBox("error", err instanceof ApiError ? err.friendly : "That did not work. Try again."));
      } finally { b.disabled = false; b.removeAttribute("aria-busy"); }
    });
    return b;
  }

  async function doScrub() {
    const report = await post(`/claims/${seg(claim.claim_id)}/scrub`);
    render(await get(`/claims/${seg(claim.claim_id)}`));
    const errors = report.findings.filter((f) => f.blocks).length;
    announce(errors ? `${errors} finding(s) block submission.` : "The claim is clean and ready to submit.");
    body.querySelector("#find-h")?.focus?.();
  }

  async function doSubmit() {
    await post(`/claims/${seg(claim.claim_id)}/submit`, { version: claim.version });
    announce("Submitted: queued for the next file to the clearinghouse.");
    await refresh(false);
    watch(POLL_TRIES);
  }

  function overridePanel(f) {
    const reason = field({ label: `Reason for overriding ${f.rule_id}`, name: "reason", required: true, attrs: { maxlength: "300" } });
    const panel = h("form", { class: "card", novalidate: true }, h("p", {}, f.message), reason.wrap,
      h("div", { class: "actions" }, h("button", { type: "submit" }, "Override"), h("button", { type: "button", class: "secondary", onclick: () => panel.remove() }, "Cancel")));
    panel.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      if (!reason.input.value.trim()) { replace(status, messageBox("error", "Give the reason for the override.")); reason.input.focus(); return; }
      try {
        await post(`/claims/${seg(claim.claim_id)}/overrides`, { rule_id: f.rule_id, reason: reason.input.value.trim() });
        announce("Override recorded. Scrub again.");
        await doScrub();
      } catch (err) { replace(status, messageBox("error", err instanceof ApiError ? err.friendly : "The override was not saved.")); }
    });
    status.replaceChildren(panel);
    reason.input.focus();
  }

  async function refresh(say) {
    const fresh = await get(`/claims/${seg(claim.claim_id)}`);
    const changed = fresh.status !== claim.status;
    render(fresh);
    if (changed || say) announce(`Claim status: ${LABEL[fresh.status] || fresh.status}.`);
    if (changed || say) await loadFiles();
    return fresh;
  }

  function watch(left) {
    clearTimeout(poll);
    if (!IN_FLIGHT.includes(claim.status) || left <= 0) return;
    poll = setTimeout(async () => {
      if (!live.isConnected) return; // the user went elsewhere
      try { await refresh(false); } catch { return; }
      watch(left - 1);
    }, POLL_MS);
  }

  async function loadFiles() {
    const heading = h("h2", { id: "files-h" }, "837P files");
    let res;
    try { res = await get(`/claims/${seg(claim.claim_id)}/files`); } catch (err) {
      replace(files, heading, messageBox("error", err instanceof ApiError ? err.friendly : "Could not load the files."));
      return;
    }
    const list = res.files || [];
    if (!list.length) { replace(files, heading, h("p", {}, "Not sent yet.")); return; }
    replace(files, heading, h("table", { class: "data" },
      h("thead", {}, h("tr", {}, ["File", "Sent", "Status", "999", "Claims", "Download"].map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", {}, list.map((f) => {
        const cell = h("td");
        cell.append(h("button", { type: "button", class: "secondary small", "aria-label": `Get a download link for file ${f.file_id}`, onclick: async () => {
          try {
            const got = await get(`/claim-files/${seg(f.file_id)}`);
            const a = h("a", { href: got.download_url, download: `${f.file_id}.x12`, rel: "noopener" }, `Download ${f.file_id} (link valid 5 minutes)`);
            replace(cell, a); a.focus();
          } catch (err) { replace(cell, err instanceof ApiError ? err.friendly : "Not available"); }
        } }, "Download"));
        return h("tr", {},
          h("td", {}, f.file_id),
          h("td", {}, f.sent_at ? when(f.sent_at) : "—"),
          h("td", {}, f.status),
          h("td", {}, f.ack_999 ? `${ACK_999[f.ack_999] || f.ack_999}${f.ack_reason ? ` — ${f.ack_reason}` : ""}` : "waiting"),
          h("td", {}, `${f.claim_count} (${f.claims_accepted} accepted, ${f.claims_rejected} rejected)`),
          cell);
      }))));
  }

  render(claim);
  await loadFiles();
  if (IN_FLIGHT.includes(claim.status)) watch(POLL_TRIES);
}
