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

// A "select all" button ticks every box of the group it names (data-check-all="<the group's id>").
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-check-all]");
  if (!button) return;
  const group = document.getElementById(button.dataset.checkAll);
  if (!group) return;
  group.querySelectorAll("input[type=checkbox]").forEach((box) => { box.checked = true; });
});
