// Small DOM helpers. Every string from the API enters the page as text (textContent or a
// Text node), never as HTML; the one exception, search highlights, goes through
// `highlighted`, which keeps <mark> and turns everything else into text.

/** An element with attributes, listeners (`onclick`), `text`, `class` and children. */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child); // a string becomes a Text node: never parsed as HTML
  }
  return node;
}

/** The API's highlight HTML ("… <mark>word</mark> …", text already escaped) as nodes.
 * Parsed in an inert document (no scripts run, nothing loads); only <mark> is kept. */
export function highlighted(html) {
  const parsed = new DOMParser().parseFromString(`<!doctype html><body>${html}`, "text/html");
  const fragment = document.createDocumentFragment();
  for (const node of parsed.body.childNodes) {
    const text = node.textContent ?? "";
    fragment.append(node.nodeName === "MARK" ? el("mark", { text }) : document.createTextNode(text));
  }
  return fragment;
}

/** `text` with the first case-insensitive occurrence of `query` in <strong>. */
export function emphasised(text, query) {
  const at = query ? text.toLocaleLowerCase().indexOf(query.toLocaleLowerCase()) : -1;
  if (at < 0) return [text];
  return [text.slice(0, at), el("strong", { text: text.slice(at, at + query.length) }), text.slice(at + query.length)];
}

/** A stable hue (0–359) for an id, so a title always gets the same poster colours. */
export function hue(id) {
  let hash = 2166136261;
  for (const ch of id) hash = Math.imul(hash ^ ch.codePointAt(0), 16777619);
  return Math.abs(hash) % 360;
}

const compact = new Intl.NumberFormat(undefined, { notation: "compact", maximumFractionDigits: 1 });
export const count = (n) => compact.format(n ?? 0);

let languages;
try {
  languages = new Intl.DisplayNames(undefined, { type: "language" });
} catch {
  languages = null;
}
/** "English" for "en"; the code itself when the browser does not know it. */
export function languageName(code) {
  if (!code) return "";
  try {
    return languages?.of(code) ?? code;
  } catch {
    return code;
  }
}

export const typeLabel = (type) => ({ PROGRAM: "Program", EPISODE: "Episode" })[type] ?? type;

export function milliseconds(ms) {
  return ms < 10 ? `${ms.toFixed(1)} ms` : `${Math.round(ms)} ms`;
}

/** A tier badge: `source` as text, coloured by a class from a fixed list. */
export function tierBadge(source) {
  const known = ["memory", "dynamodb", "redis", "postgres"].includes(source) ? source : "other";
  const title = source ? `served by ${source}` : "the response does not name a tier";
  return el("span", { class: `tier tier-${known}`, text: source || "—", title });
}

const SVG = "http://www.w3.org/2000/svg";
const ICONS = {
  views: ["M2 12s3.5-7 10-7 10 7 10 7-3.5 7-10 7S2 12 2 12z", "M12 9a3 3 0 1 0 0 6 3 3 0 0 0 0-6z"],
  likes: ["M12 20s-7-4.3-9.3-8.8A5.3 5.3 0 0 1 12 6.2a5.3 5.3 0 0 1 9.3 5C19 15.7 12 20 12 20z"],
  completes: ["M12 3a9 9 0 1 0 0 18 9 9 0 0 0 0-18z", "m8 12.5 2.8 2.8L16.5 9.5"],
};

/** A small decorative stroke icon (views, likes, completes); hidden from assistive tech. */
export function icon(name) {
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("class", `icon icon-${name}`);
  for (const d of ICONS[name] ?? []) {
    const path = document.createElementNS(SVG, "path");
    path.setAttribute("d", d);
    svg.append(path);
  }
  return svg;
}
