// The side panel: where each answer came from (tier and time, newest first), hit ratios per
// tier (ratios.js), and the state of the stores behind the service (/health/ready).

import { answers, getJSON } from "./api.js";
import { el, milliseconds, tierBadge } from "./dom.js";
import { pollMetrics, recordListSource } from "./ratios.js";

const LOG_SIZE = 8;
const POLL_MS = 5000;

export function setupPanel() {
  answers.addEventListener("answer", ({ detail }) => {
    logAnswer(detail);
    if (detail.path.startsWith("/v1/discovery/") && detail.status < 400 && detail.source) {
      recordListSource(detail.source);
    }
  });
  pollMetrics();
  refreshHealth();
  setInterval(() => {
    if (document.visibilityState !== "visible") return;
    pollMetrics();
    refreshHealth();
  }, POLL_MS);
}

function logAnswer({ label, source, ms, status, at }) {
  const log = document.getElementById("answer-log");
  const failed = status >= 400 || status === 0;
  const entry = el(
    "li",
    { class: failed ? "answer failed" : "answer" },
    el("span", { class: "answer-label", text: label, title: label }),
    failed ? el("span", { class: "tier tier-error", text: `HTTP ${status}` }) : tierBadge(source),
    el("time", { class: "answer-ms", datetime: at.toISOString(), text: milliseconds(ms) }),
  );
  log.prepend(entry);
  while (log.children.length > LOG_SIZE) log.lastElementChild.remove();
}

async function refreshHealth() {
  let body;
  try {
    ({ body } = await getJSON("/health/ready", {}, { record: false }));
  } catch (error) {
    body = error.body; // a 503 still lists which dependency is down
  }
  const rows = Object.entries(body?.dependencies ?? {}).map(([name, dep]) => {
    // "degraded": the store answers its probe but a breaker of it is open or probing
    const status = ["up", "degraded"].includes(dep.status) ? dep.status : "down";
    const state = status === "down" ? "down" : milliseconds(dep.latencyMs ?? 0);
    return el(
      "li",
      { class: `dependency ${status}`, title: status },
      el("span", { class: "dot", "aria-hidden": "true" }),
      el("span", { class: "dependency-name", text: name }),
      el("span", { class: "dependency-state", text: status === "degraded" ? `degraded · ${state}` : state }),
    );
  });
  const fallback = el("li", { class: "dependency down", text: "The service is not ready." });
  document.getElementById("health").replaceChildren(...(rows.length ? rows : [fallback]));
}
