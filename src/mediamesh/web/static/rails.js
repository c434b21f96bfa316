// The trending and popular rails and their PROGRAM / EPISODE / all switch (an ARIA tablist:
// arrow keys, Home and End move between tabs and select them).

import { ApiError, getJSON } from "./api.js";
import { count, el, hue, icon, languageName, milliseconds, tierBadge, typeLabel } from "./dom.js";

const LISTS = { trending: "Trending", popular: "Popular" };
const TYPE_NAMES = { all: "all", PROGRAM: "programs", EPISODE: "episodes" };
const RAIL_SIZE = 20;
const latest = {}; // list → the number of its newest request: older answers are dropped

export function setupRails(onError) {
  const tabs = [...document.querySelectorAll("#type-tabs [role=tab]")];
  const select = (tab, focus = false) => {
    for (const other of tabs) {
      const chosen = other === tab;
      other.setAttribute("aria-selected", String(chosen));
      other.tabIndex = chosen ? 0 : -1;
    }
    document.getElementById("rails").setAttribute("aria-labelledby", tab.id);
    if (focus) tab.focus();
    for (const list of Object.keys(LISTS)) loadRail(list, tab.dataset.type, onError);
  };
  for (const tab of tabs) tab.addEventListener("click", () => select(tab));
  document.getElementById("type-tabs").addEventListener("keydown", (event) => {
    const at = tabs.indexOf(document.activeElement);
    const next = {
      ArrowRight: (at + 1) % tabs.length,
      ArrowLeft: (at - 1 + tabs.length) % tabs.length,
      Home: 0,
      End: tabs.length - 1,
    }[event.key];
    if (at < 0 || next === undefined) return;
    event.preventDefault();
    select(tabs[next], true);
  });
  select(tabs.find((tab) => tab.getAttribute("aria-selected") === "true") ?? tabs[0]);
}

async function loadRail(list, contentType, onError) {
  const track = document.getElementById(`${list}-list`);
  const meta = document.getElementById(`${list}-meta`);
  const ticket = (latest[list] = (latest[list] ?? 0) + 1);
  track.setAttribute("aria-busy", "true");
  track.dataset.contentType = contentType;
  track.replaceChildren(...Array.from({ length: 6 }, () => el("li", { class: "card skeleton", "aria-hidden": "true" })));
  meta.replaceChildren("Loading…");
  try {
    const label = `${LISTS[list]} · ${TYPE_NAMES[contentType]}`;
    const { body, ms, source } = await getJSON(`/v1/discovery/${list}`, { contentType, limit: RAIL_SIZE }, { label });
    if (ticket !== latest[list]) return;
    track.replaceChildren(...body.items.map(card));
    if (body.items.length === 0) track.append(emptyCard(list));
    meta.replaceChildren(...railMeta(body, source, ms));
  } catch (error) {
    if (ticket !== latest[list]) return;
    track.replaceChildren(emptyCard(list, error));
    meta.replaceChildren("Not available");
    if (error instanceof ApiError && error.status !== 404) onError(error);
  } finally {
    if (ticket === latest[list]) track.setAttribute("aria-busy", "false");
  }
}

function railMeta(body, source, ms) {
  const until = body.expiresAt ? new Date(body.expiresAt) : null;
  const parts = [tierBadge(source), ` ${milliseconds(ms)}`];
  if (until && !Number.isNaN(until.getTime())) {
    parts.push(` · fresh until ${until.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })}`);
  }
  return parts;
}

function card(item) {
  const poster = el(
    "div",
    { class: "poster", "aria-hidden": "true" },
    el("span", { class: "poster-initial", text: (item.title || "?").trim().charAt(0) }),
    el("span", { class: "poster-type", text: typeLabel(item.contentType) }),
    el("span", { class: "poster-rank", text: String(item.rank) }),
  );
  poster.style.setProperty("--hue", String(hue(item.contentId)));
  const facts = [item.category, languageName(item.language)].filter(Boolean).join(" · ");
  const stats = item.stats ?? {};
  return el(
    "li",
    { class: "card", dataset: { contentId: item.contentId }, title: item.description || null },
    poster,
    el(
      "div",
      { class: "card-body" },
      el("h4", { class: "card-title", text: item.title }),
      el("p", { class: "card-meta", text: facts || typeLabel(item.contentType) }),
      el(
        "p",
        { class: "card-stats" },
        stat(stats.views, "views"),
        stat(stats.likes, "likes"),
        stat(stats.completes, "completes"),
      ),
    ),
  );
}

const stat = (value, name) =>
  el(
    "span",
    { class: `stat stat-${name}`, title: `${value ?? 0} ${name}` },
    icon(name),
    el("b", { text: count(value) }),
    el("span", { class: "visually-hidden", text: ` ${name}` }),
  );

function emptyCard(list, error) {
  const text = error
    ? `Could not load this list: ${error.message}`
    : list === "trending"
      ? "Nothing is trending yet: lists fill up as engagement events arrive."
      : "Nothing is popular yet: lists fill up as engagement events arrive.";
  return el("li", { class: "card card-empty", text });
}
