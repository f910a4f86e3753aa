// Front-desk tasks raised by patients' texts: reschedule requests (the patient replied R) and
// replies from a number several patients share. Each links to its patients and appointment,
// and is closed with a note of what was done.
import { h, replace, messageBox, setTitle, focusHeading, announce, formatDateTime, nextId } from "../dom.js";
import { get, post, seg, ApiError } from "../api.js";
import { patientName } from "../schedule-data.js";

const ROLES = ["front-desk", "admin"];
const KIND_LABEL = {
  reschedule_request: "Reschedule request",
  shared_number: "Reply from a shared number",
};
const INTENT_LABEL = { confirm: "asked to confirm", reschedule: "asked to reschedule", other: "sent a message" };
const MAX_NOTE = 500;

export function register(route) {
  route(/^#\/tasks$/, tasksView, { role: ROLES });
}

async function tasksView(main) {
  setTitle("Tasks");
  const status = h("div");
  const list = h("div", { class: "task-list" });
  replace(main,
    h("div", { class: "page-head" },
      h("h1", {}, "Front-desk tasks"),
      h("button", { type: "button", class: "secondary", onclick: () => load() }, "Refresh")),
    h("p", { class: "muted" }, "Patients' texts that need a person: call back, then close the task with what you did."),
    status, list);
  focusHeading(main);

  async function load(notice = null) {
    let tasks;
    try {
      tasks = (await get("/messaging/tasks")).tasks || [];
    } catch (err) {
      replace(status, messageBox("error", err instanceof ApiError ? err.friendly : "Could not load the tasks."));
      replace(list);
      return;
    }
    replace(status, notice ? messageBox("info", notice) : null);
    if (!tasks.length) { replace(list, h("p", {}, "No open tasks.")); return; }
    replace(list, h("ul", { class: "tasks", "aria-label": "Open tasks" }, tasks.map((t) => h("li", {}, taskCard(t, load)))));
  }
  await load();
}

function taskCard(task, reload) {
  const headingId = nextId("task");
  const patients = h("span", {}, "…");
  const appointment = h("span", {}, task.appointment_id ? "…" : "none found");
  const card = h("section", { class: "card task", "aria-labelledby": headingId, dataset: { taskId: task.task_id } },
    h("h2", { id: headingId }, KIND_LABEL[task.kind] || "Task"),
    h("dl", { class: "facts" },
      h("div", {}, h("dt", {}, "Received"), h("dd", {}, formatDateTime(task.created_at))),
      h("div", {}, h("dt", {}, "Call back"), h("dd", {}, task.phone || "—")),
      h("div", {}, h("dt", {}, "The patient"), h("dd", {}, INTENT_LABEL[task.intent] || "sent a message")),
      h("div", {}, h("dt", {}, task.patient_ids.length > 1 ? "Patients with this number" : "Patient"), h("dd", {}, patients)),
      h("div", {}, h("dt", {}, "Appointment"), h("dd", {}, appointment))),
    closeForm(task, reload));
  fillPatients(patients, task.patient_ids);
  if (task.appointment_id) fillAppointment(appointment, task.appointment_id);
  return card;
}

async function fillPatients(el, ids) {
  if (!ids.length) { replace(el, "unknown number"); return; }
  const names = await Promise.all(ids.map((id) => patientName(id)));
  const links = ids.map((id, i) => h("a", { href: `#/patients/${seg(id)}` }, names[i]));
  replace(el, links.flatMap((a, i) => (i ? [", ", a] : [a])));
}

async function fillAppointment(el, id) {
  let a;
  try { a = await get(`/appointments/${seg(id)}`); } catch { replace(el, "could not be loaded"); return; }
  const when = formatDateTime(a.start, a.time_zone);
  const open = h("button", { type: "button", class: "secondary", onclick: () => openAppointment(a, el) }, "Open appointment");
  replace(el, `${when} (${a.status.replace(/_/g, " ")}) `, open);
}

async function openAppointment(a, el) {
  try {
    const [{ appointmentCard }, { scheduleData }] = await Promise.all([import("./appointment-card.js"), import("../schedule-data.js")]);
    const data = await scheduleData();
    const location = data.locations.find((l) => l.location_id === a.location_id) || data.locations[0];
    const say = (msg) => announce(msg);
    appointmentCard(a, { data, location, onChange: async () => fillAppointment(el, a.appointment_id), onError: say, onInfo: say });
  } catch {
    announce("The appointment could not be opened.");
  }
}

function closeForm(task, reload) {
  const id = nextId("note");
  const note = h("textarea", { id, name: "note", rows: "2", maxlength: String(MAX_NOTE), "aria-describedby": `${id}-hint` });
  const problem = h("div");
  const button = h("button", { type: "submit" }, "Close task");
  const form = h("form", { class: "task-close" },
    h("div", { class: "field" },
      h("label", { for: id }, "Note"),
      h("p", { class: "hint", id: `${id}-hint` }, "What was done, e.g. “Called back, moved to Friday 10:00”."),
      note),
    problem,
    h("div", { class: "actions" }, button));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    button.disabled = true;
    try {
      await post(`/messaging/tasks/${seg(task.task_id)}/close`, { note: note.value });
      announce("Task closed.");
      await reload("Task closed.");
    } catch (err) {
      button.disabled = false;
      if (err instanceof ApiError && err.status === 409) { await reload("Someone else already closed that task."); return; }
      replace(problem, messageBox("error", err instanceof ApiError ? err.friendly : "The task could not be closed. Try again."));
    }
  });
  return form;
}
