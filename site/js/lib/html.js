// Markup as escaped strings: widgets build their first frame with `h` once, and the same string is
// rendered into the page by the generator (in Node) and into the live DOM by the browser.
const ESCAPES = {
  '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;',
};
const VOID = new Set(['area', 'br', 'col', 'hr', 'img', 'input', 'meta', 'source', 'wbr']);

/** Markup that is already safe (made by `h` or `join`), kept as is when nested. */
class Markup {
  constructor(text) { this.text = text; }

  toString() { return this.text; }
}

export function escape(value) {
  return String(value).replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

function content(child) {
  if (child === null || child === undefined || child === false) return '';
  if (Array.isArray(child)) return child.map(content).join('');
  return child instanceof Markup ? child.text : escape(child);
}

/**
 * `h(tag, attrs, ...children)`: one element as markup. Attribute values and text are escaped; an
 * attribute that is null, undefined or false is left out and `true` writes it bare (`checked`).
 * Children may be text, numbers, markup, arrays of them, or null (nothing).
 */
export function h(tag, attrs = {}, ...children) {
  let open = `<${tag}`;
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    open += value === true ? ` ${name}` : ` ${name}="${escape(value)}"`;
  }
  if (VOID.has(tag)) return new Markup(`${open}>`);
  return new Markup(`${open}>${content(children)}</${tag}>`);
}

/** Markup pieces joined into one (e.g. the rows of a table). */
export function join(parts) {
  return new Markup(parts.map(content).join(''));
}

/**
 * Browser only: the element that `markup` describes, parsed as HTML (so an inline <svg> gets its
 * namespace); `{ svg: true }` parses a part of an SVG (e.g. a <g>) as SVG.
 */
export function toNode(markup, { svg = false } = {}) {
  const template = document.createElement('template');
  template.innerHTML = svg ? `<svg>${markup}</svg>` : String(markup);
  const node = template.content.firstElementChild;
  return svg ? node.firstElementChild : node;
}

/** Markup made safe elsewhere and kept as is, e.g. the generator's KaTeX in a widget's payload. */
export function raw(html) {
  return new Markup(String(html));
}
