// Hit ratios per cache tier, from /metrics when the service exports cache counters, or else
// estimated from the answers this page has seen. Pure functions: no DOM, no fetch.

// The guide's chain, with the in-process near cache in front: an answer from a tier means a
// miss in every tier before it. The service's order is configurable (CACHE_TIER_ORDER), so an
// estimate says it assumes this one.
export const DEFAULT_CHAIN = ["memory", "dynamodb", "redis", "postgres"];

/** Prometheus text → [{name, labels, value}] (comments, NaN and malformed lines skipped). */
export function parsePrometheus(text) {
  const samples = [];
  const line = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
  const label = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
  for (const raw of text.split("\n")) {
    if (!raw || raw.startsWith("#")) continue;
    const match = line.exec(raw);
    if (!match) continue;
    const value = Number(match[3]);
    if (!Number.isFinite(value)) continue;
    const labels = {};
    for (const [, key, quoted] of (match[2] ?? "").matchAll(label)) {
      labels[key] = quoted.replace(/\\(.)/g, (_, ch) => (ch === "n" ? "\n" : ch));
    }
    samples.push({ name: match[1], labels, value });
  }
  return samples;
}

/** {tier: {hits, misses}} from cache counters carrying a `tier` label — named
 * `…hit…`/`…miss…` (e.g. mediamesh_cache_hits_total), or with a result/outcome label of
 * hit/miss — summed over their other labels (list, kind). null when there are none. */
export function ratiosFromMetrics(samples) {
  const tiers = {};
  for (const { name, labels, value } of samples) {
    if (!name.startsWith("mediamesh_cache") || !labels.tier || name.endsWith("_created")) continue;
    const outcome = labels.result ?? labels.outcome ?? "";
    const kind = /hit/.test(name) || outcome === "hit" ? "hits" : /miss/.test(name) || outcome === "miss" ? "misses" : null;
    if (!kind) continue;
    tiers[labels.tier] ??= { hits: 0, misses: 0 };
    tiers[labels.tier][kind] += value;
  }
  return Object.keys(tiers).length ? tiers : null;
}

/** {tier: {hits, misses}} estimated from list answers' sources, assuming `chain`: the
 * answering tier hit, every tier before it missed. Sources outside the chain count as hits. */
export function ratiosFromSources(sources, chain = DEFAULT_CHAIN) {
  const tiers = {};
  const bump = (tier, kind) => {
    tiers[tier] ??= { hits: 0, misses: 0 };
    tiers[tier][kind] += 1;
  };
  for (const source of sources) {
    const at = chain.indexOf(source);
    for (const before of at < 0 ? [] : chain.slice(0, at)) bump(before, "misses");
    bump(source, "hits");
  }
  return tiers;
}

/** Tiers in chain order, then any others alphabetically. */
export function ordered(tiers, chain = DEFAULT_CHAIN) {
  const rank = (tier) => (chain.includes(tier) ? chain.indexOf(tier) : chain.length);
  return Object.entries(tiers).sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b));
}
