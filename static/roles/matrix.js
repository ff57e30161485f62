// The RACI grid for the quality manager: a click on a cell opens its inline editor with htmx instead of the
// cell's form page (the link's own target, which stays the way without JavaScript). One listener for the
// whole grid, so a 48,000-cell matrix carries no per-cell attributes.
document.addEventListener("click", (event) => {
  const link = event.target.closest(".raci-grid.editable td > a");
  if (!link || !window.htmx || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) {
    return;
  }
  event.preventDefault();
  document.querySelectorAll(".raci-grid .cell-editor .cancel").forEach((cancel) => cancel.click());
  window.htmx.ajax("GET", link.getAttribute("href"), { target: link.closest("td"), swap: "outerHTML" });
});

// Escape closes the editor without a change.
document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape") {
    return;
  }
  const editor = event.target.closest && event.target.closest(".cell-editor");
  if (editor) {
    editor.querySelector(".cancel").click();
  }
});

// Keyboard users land on the editor's current letter, and back on the cell once it is set.
document.addEventListener("htmx:load", (event) => {
  const element = event.detail.elt;
  if (!(element instanceof HTMLTableCellElement) || !element.id.startsWith("cell-")) {
    return;
  }
  const target = element.querySelector(".cell-editor .current") || element.querySelector("a");
  if (target) {
    target.focus({ preventScroll: true });
  }
});
