// The panel's "hit ratio per tier": live from the service's /metrics when it exports cache
// counters, otherwise estimated from the list answers this page saw (and it says which).

import { getText } from "./api.js";
import { el, tierBadge } from "./dom.js";
import { DEFAULT_CHAIN, ordered, parsePrometheus, ratiosFromMetrics, ratiosFromSources } from "./metrics.js";

const SOURCE_OF_TRUTH = "postgres";
const listSources = []; // the source of every discovery-list answer this page received
let live = null; // the tiers of the last /metrics scrape, when it had cache counters

export function recordListSource(source) {
  listSources.push(source);
  if (!live) render(); // live figures wait for the next scrape
}

export async function pollMetrics() {
  try {
    live = ratiosFromMetrics(parsePrometheus(await getText("/metrics")));
  } catch {
    live = null; // no /metrics, or it failed: fall back to what this page saw
  }
  render();
}

function render() {
  const basis = document.getElementById("ratio-basis");
  const tiers = live ?? ratiosFromSources(listSources);
  if (live) {
    basis.textContent = "Live, from the service's /metrics cache counters (all clients).";
  } else if (listSources.length) {
    const computed = listSources.filter((source) => source === SOURCE_OF_TRUTH).length;
    basis.textContent =
      `Estimated from the ${listSources.length} list answers this page saw (the service exports no cache ` +
      `counters yet), assuming the chain ${DEFAULT_CHAIN.join(" → ")}. ${computed} of them were computed in PostgreSQL.`;
  } else {
    basis.textContent = "No list answers yet.";
  }
  // PostgreSQL is the source of truth, not a cache: it always "hits", so it gets no ratio
  const rows = ordered(tiers)
    .filter(([tier]) => tier !== SOURCE_OF_TRUTH)
    .map(([tier, { hits, misses }]) => row(tier, hits, hits + misses));
  document.getElementById("ratios").replaceChildren(...rows);
}

function row(tier, hits, total) {
  const percent = Math.round((total ? hits / total : 0) * 100);
  const bar = el("span", { class: "bar-fill" });
  bar.style.setProperty("--ratio", String(percent / 100));
  return el(
    "div",
    { class: "ratio", dataset: { tier } },
    tierBadge(tier),
    el("span", { class: "bar", role: "img", "aria-label": `${tier}: ${percent}% hits` }, bar),
    el("span", { class: "ratio-value", text: `${percent}%` }),
    el("span", { class: "ratio-count", text: `${hits}/${total}` }),
  );
}
