// The scrubber's findings, placed next to the field each concerns (elements carrying a matching
// data-field, e.g. "diagnoses.1" or "lines.0.pointers"); the rest listed together. The claim keeps
// its last scrub's findings (`last_scrub`) until it is scrubbed again or corrected.
import { h, nextId } from "../dom.js";

export const SEVERITY = { error: "Error", warning: "Warning", info: "Note" };

function target(container, field) {
  const parts = String(field || "").split(".");
  while (parts.length) {
    const el = container.querySelector(`[data-field="${CSS.escape(parts.join("."))}"]`);
    if (el) return el;
    parts.pop();
  }
  return null;
}

/** One finding as a paragraph (id set, so a field can be described by it). */
export function findingText(f, extra = null) {
  const kind = f.override_reason ? "overridden" : f.severity;
  return h("p", { class: `finding finding-${kind}`, id: nextId("finding"), dataset: { rule: f.rule_id } },
    h("strong", {}, `${SEVERITY[f.severity] || f.severity}: `), f.message,
    f.override_reason ? ` (overridden: ${f.override_reason})` : null,
    h("span", { class: "rule-id" }, ` [${f.rule_id}]`), extra);
}

/** Remove earlier findings, then place each one; returns those with no field on screen. */
export function placeFindings(container, findings, extraFor = () => null) {
  for (const old of container.querySelectorAll(".finding.placed")) old.remove();
  for (const el of container.querySelectorAll("[data-finding]")) {
    el.removeAttribute("data-finding");
    el.removeAttribute("aria-invalid");
    const kept = (el.getAttribute("aria-describedby") || "").split(" ").filter((x) => x && !x.startsWith("finding-"));
    if (kept.length) el.setAttribute("aria-describedby", kept.join(" "));
    else el.removeAttribute("aria-describedby");
  }
  const unplaced = [];
  for (const f of findings || []) {
    const el = target(container, f.field);
    if (!el) { unplaced.push(f); continue; }
    const p = findingText(f, extraFor(f));
    p.classList.add("placed");
    const anchor = el.closest(".field, .cell") || el;
    anchor.append(p);
    if (["INPUT", "SELECT", "TEXTAREA"].includes(el.tagName)) {
      el.dataset.finding = "true";
      if (f.blocks) el.setAttribute("aria-invalid", "true");
      el.setAttribute("aria-describedby", [el.getAttribute("aria-describedby"), p.id].filter(Boolean).join(" "));
    } else {
      el.dataset.finding = "true";
    }
  }
  return unplaced;
}
