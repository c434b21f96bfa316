// Full search: results with highlighted matches, facet filters, and "More results" pages
// (the API's opaque nextCursor).

import { getJSON } from "./api.js";
import { el, highlighted, hue, languageName, milliseconds, tierBadge, typeLabel } from "./dom.js";

const PAGE_SIZE = 10;
const FACETS = [
  ["contentType", "Type", typeLabel],
  ["category", "Category", (value) => value],
  ["language", "Language", languageName],
];
const MAX_FACET_VALUES = 8;

const state = { q: "", filters: {}, cursor: null, ticket: 0 };
const $ = (id) => document.getElementById(id);

export function setupSearch(onError) {
  $("more").addEventListener("click", () => load({ append: true }, onError));
  $("clear-search").addEventListener("click", () => {
    clearSearch();
    $("q").focus();
  });
  return {
    run(q) {
      state.q = q;
      state.filters = {};
      return load({ append: false }, onError);
    },
  };
}

export function clearSearch() {
  state.ticket += 1; // drop answers still on their way
  $("results").hidden = true;
  $("discover").hidden = false;
}

async function load({ append }, onError) {
  const ticket = ++state.ticket;
  const params = { q: state.q, limit: PAGE_SIZE, ...state.filters, cursor: append ? state.cursor : null };
  $("results").hidden = false;
  $("discover").hidden = true;
  $("results").setAttribute("aria-busy", "true");
  $("more").disabled = true;
  try {
    const { body, ms, source } = await getJSON("/v1/search", params, { label: `Search “${state.q}”` });
    if (ticket !== state.ticket) return;
    state.cursor = body.nextCursor ?? null;
    render(body, { append, ms, source }, onError);
  } catch (error) {
    if (ticket === state.ticket && error.name !== "AbortError") onError(error);
  } finally {
    if (ticket === state.ticket) {
      $("results").setAttribute("aria-busy", "false");
      $("more").disabled = false;
    }
  }
}

function render(body, { append, ms, source }, onError) {
  const list = $("result-list");
  const rows = body.items.map(result);
  if (append) list.append(...rows);
  else list.replaceChildren(...rows);
  // keyboard users land on the first new result after "More results"
  if (append && rows.length) rows[0].focus();
  const shown = list.children.length;
  $("results-title").textContent = state.q ? `Results for “${state.q}”` : "Everything";
  $("results-summary").replaceChildren(
    // countsExact false: the total and facet counts are estimates (docs/SEARCH.md)
    `${shown} of ${body.countsExact === false ? "about " : ""}${body.total.toLocaleString("en")} ${body.total === 1 ? "match" : "matches"} · `,
    tierBadge(source),
    ` ${milliseconds(ms)}`,
  );
  $("results-empty").hidden = body.total > 0;
  $("results-empty").textContent = filtersOn()
    ? "No matches with these filters. Remove a filter to see more."
    : "No matches. Try fewer or different words.";
  $("more").hidden = !body.nextCursor;
  if (!append) renderFacets(body.facets ?? {}, onError);
}

const filtersOn = () => Object.values(state.filters).some(Boolean);

/** The non-empty strings of `values`, the first of each case-insensitive spelling. */
function unique(values) {
  const seen = new Set();
  return values.filter((value) => {
    const key = value?.toLocaleLowerCase();
    if (!key || seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function result(item) {
  const highlights = item.highlights ?? {};
  const title = highlights.title ? highlighted(highlights.title) : item.title;
  const description = highlights.description ? highlighted(highlights.description) : item.description;
  const swatch = el("span", { class: "swatch", "aria-hidden": "true", text: (item.title || "?").trim().charAt(0) });
  swatch.style.setProperty("--hue", String(hue(item.contentId)));
  const chips = unique([typeLabel(item.contentType), item.category, languageName(item.language), ...(item.tags ?? [])]).slice(0, 7);
  return el(
    "li",
    { class: "result", tabindex: "-1", dataset: { contentId: item.contentId } },
    swatch,
    el(
      "div",
      { class: "result-body" },
      el("h3", { class: "result-title" }, title),
      el("p", { class: "result-description" }, description),
      el("p", { class: "chips" }, matchBadge(item.matchedBy), ...chips.map((text) => el("span", { class: "chip", text }))),
    ),
    el("span", { class: "score", title: "relevance score", text: Number(item.score ?? 0).toFixed(2) }),
  );
}

/** How a hit was found, when its meaning counted (the API's matchedBy, a subset of "text"
 * and "meaning"): "by meaning" (similar in meaning, not a text match) or "text + meaning".
 * Nothing for a text match alone, or when the answer does not say. */
function matchBadge(matchedBy) {
  const by = new Set(Array.isArray(matchedBy) ? matchedBy : []);
  if (!by.has("meaning")) return null;
  const both = by.has("text");
  return el("span", {
    class: `match-by${both ? " match-by-both" : ""}`,
    text: both ? "text + meaning" : "by meaning",
    title: both ? "matches the words and is similar in meaning" : "found by similar meaning, not by the words",
  });
}

function renderFacets(facets, onError) {
  const groups = FACETS.map(([name, legend, label]) => {
    const chosen = state.filters[name];
    const values = Object.entries(facets[name] ?? {}).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
    const shown = values.slice(0, MAX_FACET_VALUES);
    if (chosen && !shown.some(([value]) => value === chosen)) shown.unshift([chosen, 0]);
    if (!shown.length) return null;
    return el(
      "fieldset",
      { class: "facet-group" },
      el("legend", { text: legend }),
      ...shown.map(([value, n]) =>
        el(
          "button",
          {
            type: "button",
            class: "facet",
            "aria-pressed": String(chosen === value),
            dataset: { facet: name, value },
            onclick: () => setFilterFromFacet(name, value, onError),
          },
          el("span", { class: "facet-label", text: label(value) }),
          el("span", { class: "facet-count", text: String(n) }),
        ),
      ),
    );
  }).filter(Boolean);
  $("facets").replaceChildren(...groups);
}

async function setFilterFromFacet(name, value, onError) {
  state.filters = { ...state.filters, [name]: state.filters[name] === value ? undefined : value };
  await load({ append: false }, onError);
  // the buttons were re-rendered: keep the keyboard where it was
  $("facets").querySelector(`[data-facet="${name}"][data-value="${CSS.escape(value)}"]`)?.focus();
}
