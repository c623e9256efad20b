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
