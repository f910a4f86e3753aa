// ICD-10-CM type-ahead: an ARIA 1.2 combobox (input + listbox) over GET /codes/icd10, billable
// codes valid on the date of service. Arrow keys move, Enter picks, Escape closes; a typed
// code with no match can still be added with Enter (the scrubber then says what is wrong).
import { h, nextId } from "../dom.js";
import { get } from "../api.js";

export const withDot = (code) => (code.length > 3 && !code.includes(".") ? `${code.slice(0, 3)}.${code.slice(3)}` : code);

/** codeSearch({label, serviceDate: () => "YYYY-MM-DD", onPick({code, description})}) → {wrap, input} */
export function codeSearch({ label, serviceDate, onPick }) {
  const id = nextId("cs");
  const listId = `${id}-list`;
  const hintId = `${id}-hint`;
  const input = h("input", {
    id, type: "text", role: "combobox", autocomplete: "off", "aria-autocomplete": "list",
    "aria-expanded": "false", "aria-controls": listId, "aria-describedby": hintId, maxlength: "60",
  });
  const list = h("ul", { id: listId, role: "listbox", class: "combo-list", "aria-label": `${label}: matches`, hidden: true });
  const note = h("p", { class: "hint", id: hintId }, "Type a code (E11.9) or words (type 2 diabetes); pick with the arrow keys and Enter.");
  const live = h("p", { class: "visually-hidden", role: "status", "aria-live": "polite" });
  let results = [];
  let active = -1;
  let timer = null;
  let asked = 0;

  const close = () => {
    list.hidden = true; input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant"); active = -1;
  };
  const mark = (i) => {
    active = i;
    [...list.children].forEach((li, j) => li.setAttribute("aria-selected", String(j === i)));
    if (i >= 0 && list.children[i]) {
      input.setAttribute("aria-activedescendant", list.children[i].id);
      list.children[i].scrollIntoView({ block: "nearest" });
    } else input.removeAttribute("aria-activedescendant");
  };
  const pick = (item) => {
    onPick(item);
    input.value = "";
    close();
    live.textContent = `Added ${item.code}.`;
  };
  const show = (found, warning) => {
    results = found;
    list.replaceChildren(...found.map((c, i) => h("li", {
      id: `${id}-opt-${i}`, role: "option", "aria-selected": "false",
      onmousedown: (ev) => ev.preventDefault(), onclick: () => pick(c),
    }, h("span", { class: "code" }, c.code), " ", c.description)));
    list.hidden = !found.length;
    input.setAttribute("aria-expanded", String(!!found.length));
    active = -1;
    live.textContent = found.length ? `${found.length} matches.${warning ? ` ${warning}` : ""}` : "No billable code matches.";
  };
  const search = async () => {
    const q = input.value.trim();
    if (q.length < 2) { show([]); close(); return; }
    const ticket = ++asked;
    try {
      const dos = serviceDate();
      const res = await get(`/codes/icd10?${new URLSearchParams({ q, ...(dos ? { dos } : {}) })}`);
      if (ticket !== asked) return; // a newer query answered first
      show(res.codes || [], res.exact ? "" : "The date of service is outside the loaded code set.");
    } catch {
      if (ticket === asked) { show([]); live.textContent = "The code search did not answer."; }
    }
  };
  input.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(search, 250); });
  input.addEventListener("blur", () => setTimeout(close, 150));
  input.addEventListener("keydown", (ev) => {
    if (ev.key === "ArrowDown" && results.length) {
      ev.preventDefault();
      if (list.hidden) { list.hidden = false; input.setAttribute("aria-expanded", "true"); }
      mark(Math.min(active + 1, results.length - 1));
    } else if (ev.key === "ArrowUp" && results.length) {
      ev.preventDefault(); mark(Math.max(active - 1, 0));
    } else if (ev.key === "Escape") {
      close();
    } else if (ev.key === "Enter") {
      ev.preventDefault();
      if (active >= 0 && !list.hidden) pick(results[active]);
      else if (/^[A-Za-z]\d[0-9A-Za-z.]{1,6}$/.test(input.value.trim())) pick({ code: input.value.trim().toUpperCase(), description: "(typed code)" });
    }
  });
  const wrap = h("div", { class: "field combo" }, h("label", { for: id }, label), note, input, list, live);
  return { wrap, input };
}
