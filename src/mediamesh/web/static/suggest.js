// The search box: an ARIA combobox whose listbox shows suggestions as you type (the suggest
// endpoint, debounced; a newer keystroke cancels the older request). ArrowDown/ArrowUp move
// through the suggestions, Enter searches (the highlighted suggestion's title, or what was
// typed), Escape closes the list, and a second Escape clears the box.

import { debounce, getJSON } from "./api.js";
import { el, emphasised, typeLabel } from "./dom.js";

const DEBOUNCE_MS = 120;
const SUGGESTIONS = 8;

export function setupSuggest({ onSearch, onClear }) {
  const input = document.getElementById("q");
  const list = document.getElementById("suggestions");
  const status = document.getElementById("suggest-status");
  let options = [];
  let active = -1;
  let inFlight = null;
  let typed = 0; // bumped by each keystroke and each search: a suggestion for an older one is dropped

  const open = (show) => {
    list.hidden = !show;
    input.setAttribute("aria-expanded", String(show));
    if (!show) setActive(-1);
  };
  const setActive = (index) => {
    active = index;
    options.forEach((option, i) => option.setAttribute("aria-selected", String(i === index)));
    if (index >= 0) {
      input.setAttribute("aria-activedescendant", options[index].id);
      options[index].scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  };
  const clearOptions = () => {
    open(false);
    options = [];
    list.replaceChildren();
  };
  const choose = (title) => {
    typed += 1;
    suggest.cancel();
    inFlight?.abort();
    input.value = title;
    clearOptions();
    onSearch(title.trim());
  };

  const suggest = debounce(async (q, ticket) => {
    inFlight?.abort();
    if (!q) return clearOptions();
    const controller = (inFlight = new AbortController());
    try {
      const { body } = await getJSON("/v1/search/suggest", { q, limit: SUGGESTIONS }, { label: `Suggest “${q}”`, signal: controller.signal });
      if (ticket !== typed || document.activeElement !== input) return;
      options = body.suggestions.map((s, i) =>
        el(
          "li",
          { id: `suggestion-${i}`, role: "option", "aria-selected": "false", class: "suggestion", dataset: { contentId: s.contentId } },
          el("span", { class: "suggestion-title" }, ...emphasised(s.title, q)),
          el("span", { class: "suggestion-type", text: typeLabel(s.contentType) }),
        ),
      );
      options.forEach((option, i) =>
        option.addEventListener("mousedown", (event) => {
          event.preventDefault(); // keep the focus in the box
          choose(body.suggestions[i].title);
        }),
      );
      list.replaceChildren(...options);
      open(options.length > 0);
      status.textContent = options.length ? `${options.length} suggestions` : "No suggestions";
    } catch (error) {
      if (error.name !== "AbortError") open(false); // suggestions are a nicety: fail quietly
    }
  }, DEBOUNCE_MS);

  input.addEventListener("input", () => suggest(input.value.trim(), ++typed));
  input.addEventListener("blur", () => open(false));
  input.addEventListener("keydown", (event) => {
    const showing = !list.hidden && options.length > 0;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (!showing) return options.length && open(true);
      const last = options.length - 1;
      if (event.key === "ArrowDown") setActive(active >= last ? 0 : active + 1);
      else setActive(active <= 0 ? last : active - 1);
    } else if (event.key === "Enter") {
      event.preventDefault();
      const title = showing && active >= 0 ? options[active].querySelector(".suggestion-title").textContent : input.value;
      if (title.trim()) choose(title);
    } else if (event.key === "Escape") {
      event.preventDefault();
      if (showing) open(false);
      else if (input.value) {
        input.value = "";
        onClear();
      }
    }
  });
  document.getElementById("search-form").addEventListener("submit", (event) => event.preventDefault());
}
