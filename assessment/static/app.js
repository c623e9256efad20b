// Copy a respondent's personal link to the clipboard (no inline script: CSP friendly).
document.addEventListener("click", async (event) => {
  const button = event.target.closest(".copy-link");
  if (!button) return;
  const input = document.getElementById(button.dataset.target);
  input.select();
  try {
    await navigator.clipboard.writeText(input.value);
  } catch {
    document.execCommand("copy");
  }
  const original = button.textContent;
  button.textContent = button.dataset.copied;
  setTimeout(() => { button.textContent = original; }, 1500);
});

// After a refused submission, bring the list of problems into view (not under the
// sticky buttons) so keyboard and screen reader users start from it.
document.addEventListener("DOMContentLoaded", () => {
  const summary = document.getElementById("error-summary");
  if (summary) summary.focus();
});

// The leadership pack's progress bars (portfolio page): while a pack is being made, ask
// the server how far it is once a second. The state lives on the server, so a reload
// picks up where the page left off.
function followPack(item) {
  const bar = item.querySelector(".progress");
  const fill = item.querySelector(".progress-bar");
  const message = item.querySelector(".pack-message");
  const link = item.querySelector(".pack-download");
  const poll = async () => {
    let state;
    try {
      const response = await fetch(item.dataset.packUrl, { headers: { Accept: "application/json" } });
      if (!response.ok) throw new Error(response.status);
      state = await response.json();
    } catch {
      setTimeout(poll, 3000);
      return;
    }
    const share = state.total ? Math.round((100 * state.done) / state.total) : 0;
    fill.style.width = `${state.finished ? 100 : share}%`;
    bar.setAttribute("aria-valuenow", state.done);
    bar.setAttribute("aria-valuemax", state.total);
    message.textContent = state.message;
    item.dataset.status = state.status;
    if (!state.finished) {
      setTimeout(poll, 1000);
      return;
    }
    item.dataset.finished = "true";
    fill.classList.remove("progress-bar-striped", "progress-bar-animated");
    fill.classList.add(state.status === "failed" ? "bg-danger" : "bg-success");
    message.classList.toggle("text-danger", state.status === "failed");
    if (state.download) {
      link.href = state.download;
      link.classList.remove("d-none");
    }
  };
  poll();
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll(".pack-job[data-finished='false']").forEach(followPack);
});
// The answer form (templates/respond/form.html): progress kept up to date as the
// respondent goes, drafts saved on their own a moment after each change (the "Save
// draft" button does the same without JavaScript), and a warning before leaving with
// changes not saved yet.
(() => {
  const form = document.getElementById("answer-form");
  if (!form) return;
  const state = form.querySelector(".save-state");
  const url = form.hasAttribute("data-autosave")
    ? `${location.pathname.replace(/\/$/, "")}/autosave` : null;
  // What the form holds, to compare with what was last saved and last sent: a field left
  // without a change (a blur) neither counts as a change nor shifts the buttons.
  const snapshot = () => new URLSearchParams(new FormData(form)).toString();
  let saved = form.hasAttribute("data-dirty") ? null : snapshot();
  let sent = saved;
  let timer = null;
  let queue = Promise.resolve();
  let leaving = false;
  const dirty = () => snapshot() !== saved;

  const say = (key) => { state.textContent = form.dataset[key] || ""; };
  const answered = (item) => [...item.querySelectorAll("input, textarea")].some((field) =>
    field.type === "radio" || field.type === "checkbox" ? field.checked : field.value.trim() !== "");
  const count = () => {
    let total = 0;
    for (const section of form.querySelectorAll("section[data-section]")) {
      // an optional open question (data-optional) is not counted: the server does the same
      const done = [...section.querySelectorAll(".item:not([data-optional])")]
        .filter(answered).length;
      total += done;
      const entry = document.querySelector(
        `.section-nav li[data-section="${section.dataset.section}"] .answered-count`);
      if (entry) entry.textContent = done;
    }
    form.querySelector("#progress-text .answered-count").textContent = total;
    form.querySelector(".progress-summary progress").value = total;
  };
  // An answer autosave kept as typed but not valid yet gets its message beside it; one
  // valid again loses it (the server's answer lists the invalid fields, assessment/web/respond.py).
  const mark = (invalid) => {
    const messages = new Map(invalid.map((entry) => [entry.field, entry.message]));
    const seen = new Set();
    for (const field of form.querySelectorAll("[name^='q_'], [name^='c_']")) {
      if (seen.has(field.name)) continue;
      seen.add(field.name);
      const box = field.closest(".item") || field.parentElement;
      const message = messages.get(field.name);
      box.querySelectorAll(`[name="${field.name}"]`).forEach((input) =>
        input.classList.toggle("is-invalid", Boolean(message)));
      let note = box.querySelector(".invalid-feedback");
      if (!message) {
        if (note) note.remove();
        continue;
      }
      if (!note) {
        note = document.createElement("div");
        note.className = "invalid-feedback d-block";
        note.id = `${field.id || field.name}-error`;
        box.appendChild(note);
      }
      note.textContent = message;
    }
  };
  const send = async (again = false) => {
    const now = snapshot();
    if (now === saved) return;
    sent = now;
    say("saving");
    try {
      const response = await fetch(url, {
        method: "POST", body: new FormData(form), credentials: "same-origin",
        headers: { Accept: "application/json" },
      });
      let answer = {};
      try { answer = await response.json(); } catch { answer = {}; }
      if (response.ok) {
        saved = now;
        const invalid = answer.invalid || [];
        mark(invalid);
        if (!dirty()) say(invalid.length ? "kept" : "saved");
      } else if (answer.reason === "expired" && answer.csrf_token && !again) {
        // The session had ended (cookies cleared): send again with a fresh token.
        form.querySelector("input[name='csrf_token']").value = answer.csrf_token;
        await send(true);
      } else if (["refused", "closed", "submitted"].includes(answer.reason)) {
        say(answer.reason);
      } else if (response.status === 404) {
        say("gone");
      } else {
        // 422: answers to fix; 400: a form refused whole (web/client_access.py): either
        // way "Save draft" then shows the page with what to do. 413: over the size limit
        // (MAX_CONTENT_LENGTH), which the connection is not to blame for.
        const reasons = { 422: "failed", 400: "failed", 413: "toolarge" };
        say(reasons[response.status] || "offline");
      }
    } catch {
      say("offline");
    }
  };
  const save = () => { clearTimeout(timer); queue = queue.then(() => send()); };
  const changed = () => {
    count();
    if (!url || snapshot() === sent) return;
    sent = null;
    say("unsaved");
    clearTimeout(timer);
    timer = setTimeout(save, 1200);
  };

  form.addEventListener("input", changed);
  form.addEventListener("change", changed);
  form.addEventListener("submit", () => { leaving = true; clearTimeout(timer); });
  window.addEventListener("beforeunload", (event) => {
    if (!leaving && dirty()) {
      event.preventDefault();
      event.returnValue = "";
    }
  });
  // A tab closed or put away: send what is pending now rather than lose it.
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden" && url && !leaving && dirty()) {
      clearTimeout(timer);
      const now = snapshot();
      if (navigator.sendBeacon(url, new FormData(form))) saved = now;
    }
  });
  if (url && saved === null) timer = setTimeout(save, 1200);
})();
