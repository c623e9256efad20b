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
