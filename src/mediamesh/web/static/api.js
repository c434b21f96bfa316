// Talking to the MediaMesh HTTP API: JSON reads, timed in the browser, each answer announced
// on `answers` (for the "where answers came from" panel).

export const answers = new EventTarget();

export class ApiError extends Error {
  constructor(status, code, message, body = null) {
    super(message);
    this.status = status;
    this.code = code;
    this.body = body; // the response body, when there was one
  }
}

export function withQuery(path, params = {}) {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") query.set(key, String(value));
  }
  const text = query.toString();
  return text ? `${path}?${text}` : path;
}

/** GET `path` as JSON. Resolves to {body, ms, source, headers}; rejects with ApiError (the
 * API's `{"error": {"code", "message"}}`, or a network failure) or an AbortError.
 * `cache: "no-cache"` revalidates with the server every time (the API's ETag makes that a
 * cheap 304), so X-Cache-Source always names the tier that answered this request. */
export async function getJSON(path, params, { label, signal, record = true } = {}) {
  const url = withQuery(path, params);
  const started = performance.now();
  let response;
  try {
    response = await fetch(url, { signal, cache: "no-cache", headers: { Accept: "application/json" } });
  } catch (error) {
    if (error.name === "AbortError") throw error;
    throw new ApiError(0, "network", "The service did not answer. Is it running?");
  }
  const body = await response.json().catch(() => null);
  const ms = performance.now() - started;
  const source = response.headers.get("X-Cache-Source") || body?.source || "";
  if (record) {
    const detail = { label, path, source, ms, status: response.status, at: new Date() };
    answers.dispatchEvent(new CustomEvent("answer", { detail }));
  }
  if (!response.ok) {
    const error = body?.error ?? {};
    throw new ApiError(response.status, error.code ?? "http_error", error.message ?? `HTTP ${response.status}`, body);
  }
  return { body, ms, source, headers: response.headers };
}

/** GET `path` as text (for /metrics), not announced as an answer. */
export async function getText(path) {
  const response = await fetch(path, { cache: "no-store" });
  if (!response.ok) throw new ApiError(response.status, "http_error", `HTTP ${response.status}`);
  return response.text();
}

/** `fn`, called once `ms` after the last of a burst of calls; `.cancel()` drops a pending call. */
export function debounce(fn, ms) {
  let timer;
  const debounced = (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
  debounced.cancel = () => clearTimeout(timer);
  return debounced;
}
