// Starts GOV.UK Frontend's components. Loaded as a module, so it runs only in browsers GOV.UK Frontend
// supports; that is why the support classes are added here and not by an inline script (CSP forbids those).
import { initAll } from "/static/vendor/govuk-frontend/govuk-frontend.min.js";

document.body.classList.add("js-enabled", "govuk-frontend-supported");
initAll();

// Content swapped in by htmx arrives uninitialised; start the components inside it.
// NOTE: initAll looks only inside `scope`, never at `scope` itself. With outerHTML swaps the event fires on
// the new element, so put a component (data-module) inside the swapped element, not on it.
document.body.addEventListener("htmx:afterSwap", (event) => {
  const scope = event.detail && event.detail.elt;
  if (scope instanceof Element && scope.isConnected) {
    initAll({ scope });
  }
});
