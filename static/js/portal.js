// Small behaviours the templates ask for with data attributes (no inline scripts: the CSP forbids them).
document.addEventListener("submit", (event) => {
  const message = event.target.getAttribute("data-confirm");
  if (message && !window.confirm(message)) {
    event.preventDefault();
  }
});

// Progress bars carry their value in data-progress; inline styles are forbidden by the CSP.
function sizeProgressBars(root) {
  root.querySelectorAll("[data-progress]").forEach((bar) => {
    bar.style.width = `${Number(bar.dataset.progress) || 0}%`;
  });
}
document.addEventListener("DOMContentLoaded", () => sizeProgressBars(document));
document.addEventListener("htmx:afterSwap", (event) => sizeProgressBars(event.target.parentElement || document));

// A summary of a refused form's errors takes the focus, so the keyboard and the screen reader start from it.
document.addEventListener("DOMContentLoaded", () => {
  const summary = document.querySelector("[data-focus-on-load]");
  if (summary) summary.focus();
});
