// The explorer's entry point: wires the rails, the search box, the results and the panel.

import { setupPanel } from "./panel.js";
import { setupRails } from "./rails.js";
import { clearSearch, setupSearch } from "./search.js";
import { setupSuggest } from "./suggest.js";

const THEMES = ["auto", "light", "dark"];
const THEME_NAMES = { auto: "automatic", light: "light", dark: "dark" };

function showError(error) {
  const alert = document.getElementById("alert");
  alert.textContent = `${error.message}${error.code && error.code !== "network" ? ` (${error.code})` : ""}`;
  alert.hidden = false;
  clearTimeout(showError.timer);
  showError.timer = setTimeout(() => (alert.hidden = true), 8000);
}

function setupTheme() {
  const button = document.getElementById("theme");
  const apply = (theme) => {
    if (theme === "auto") delete document.documentElement.dataset.theme;
    else document.documentElement.dataset.theme = theme;
    button.setAttribute("aria-label", `Colour theme: ${THEME_NAMES[theme]}`);
    button.dataset.theme = theme;
  };
  let theme = localStorage.getItem("mediamesh-theme") ?? "auto";
  apply(THEMES.includes(theme) ? theme : "auto");
  button.addEventListener("click", () => {
    theme = THEMES[(THEMES.indexOf(button.dataset.theme) + 1) % THEMES.length];
    localStorage.setItem("mediamesh-theme", theme);
    apply(theme);
  });
}

function setupShortcuts() {
  const input = document.getElementById("q");
  document.addEventListener("keydown", (event) => {
    const typing = event.target.closest?.("input, textarea, select, [contenteditable]");
    if (event.key === "/" && !typing && !event.ctrlKey && !event.metaKey && !event.altKey) {
      event.preventDefault();
      input.focus();
      input.select();
    }
  });
}

setupTheme();
setupShortcuts();
setupPanel();
setupRails(showError);
const search = setupSearch(showError);
setupSuggest({
  onSearch: (q) => search.run(q),
  onClear: () => clearSearch(),
});
