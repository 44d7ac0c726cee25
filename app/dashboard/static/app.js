// Small progressive enhancements; every page works without them.
"use strict";

// Forms marked data-confirm ask before they act.
document.addEventListener("submit", function (event) {
  const form = event.target;
  if (form instanceof HTMLFormElement && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
    event.preventDefault();
  }
});

// A failed HTMX request tells the person what happened instead of silently doing nothing.
document.addEventListener("htmx:responseError", function (event) {
  const box = document.getElementById("request-error");
  if (!box) return;
  const status = event.detail.xhr.status;
  box.textContent = status === 403
    ? "The action was refused (403). Reload the page and try again."
    : "The request failed (" + status + "). Reload the page and try again.";
  box.hidden = false;
});

document.addEventListener("htmx:sendError", function () {
  const box = document.getElementById("request-error");
  if (box) { box.textContent = "The hub could not be reached. Check the connection and retry."; box.hidden = false; }
});

// Announce result counts after a filter swap, for screen-reader users.
document.addEventListener("htmx:afterSwap", function (event) {
  const live = document.getElementById("live-status");
  const summary = event.detail.target.querySelector("[data-summary]");
  if (live && summary) live.textContent = summary.dataset.summary;
});
