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
