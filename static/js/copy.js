// Copy buttons: a button with data-copy puts its value on the clipboard, as the {% sha256 %} tag renders for a hash.
// The buttons ship hidden and show only once this script runs, so a page without scripts offers no dead button.
function copyFallback(button) {
  // Without the clipboard API (plain http off localhost) select the value, so Ctrl+C or a long press copies it.
  const value = button.parentElement.querySelector(".sha256-value");
  if (!value) return false;
  const range = document.createRange();
  range.selectNodeContents(value);
  const selection = window.getSelection();
  selection.removeAllRanges();
  selection.addRange(range);
  return true;
}

function showCopied(button, text) {
  // The label changes too, so a screen reader says what happened, not only the eye.
  const label = button.textContent;
  const spoken = button.getAttribute("aria-label");
  button.textContent = text;
  button.setAttribute("aria-label", text);
  window.setTimeout(() => { button.textContent = label; button.setAttribute("aria-label", spoken); }, 2000);
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("button[data-copy]").forEach((button) => { button.hidden = false; });
});

document.addEventListener("click", (event) => {
  const button = event.target.closest("button[data-copy]");
  if (!button) return;
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(button.dataset.copy).then(
      () => showCopied(button, "Copied"),
      () => { if (copyFallback(button)) showCopied(button, "Selected"); },
    );
  } else if (copyFallback(button)) {
    showCopied(button, "Selected");
  }
});
