// A light code editor for Python cells: a <textarea> (native editing, undo, selection, screen readers)
// laid exactly over a <pre> that shows the same text highlighted by a tiny Python tokenizer. Token
// classes are Pygments' short names, so the build's static highlighting and this one share one theme.
import { escape, h } from 'unrolled/lib/html.js';

const KEYWORDS = new Set(('as assert async await break class continue def del elif else except finally for '
  + 'global if lambda nonlocal pass raise return try while with yield match case').split(' '));
const WORD_OPERATORS = new Set(['and', 'or', 'not', 'in', 'is']);
const CONSTANTS = new Set(['True', 'False', 'None']);
const BUILTINS = new Set(('abs all any bool bytes callable chr dict dir divmod enumerate filter float format '
  + 'frozenset getattr hasattr hash hex id input int isinstance issubclass iter len list map max min next '
  + 'object open ord pow print range repr reversed round set setattr slice sorted str sum super tuple type '
  + 'vars zip Exception ValueError TypeError KeyError IndexError RuntimeError StopIteration ZeroDivisionError '
  + 'KeyboardInterrupt NotImplementedError AssertionError').split(' '));

const TOKEN = new RegExp([
  '(?<comment>#[^\\n]*)',
  '(?<string>(?:[rRbBuUfF]{1,2})?(?:\'\'\'[\\s\\S]*?(?:\'\'\'|$)|"""[\\s\\S]*?(?:"""|$)'
    + '|\'(?:\\\\.|[^\'\\\\\\n])*\'?|"(?:\\\\.|[^"\\\\\\n])*"?))',
  '(?<number>\\b(?:0[xX][0-9a-fA-F_]+|0[bB][01_]+|0[oO][0-7_]+|\\d[\\d_]*(?:\\.[\\d_]*)?(?:[eE][+-]?\\d+)?j?)'
    + '|\\.\\d[\\d_]*(?:[eE][+-]?\\d+)?j?)',
  '(?<decorator>@[\\p{L}_][\\p{L}\\p{N}_.]*)',
  '(?<name>[\\p{L}_][\\p{L}\\p{N}_]*)',
  '(?<operator>\\*\\*=?|//=?|->|:=|<<=?|>>=?|[-+*/%&|^~<>!=]=?)',
  '(?<punct>[()[\\]{},:;.])',
].join('|'), 'gu');

const span = (cls, text) => String(h('span', { class: cls }, text));

function stringClass(text) {
  const body = text.replace(/^[rRbBuUfF]+/, '');
  if (body.startsWith('"""') || body.startsWith("'''")) return 'sd';
  return body.startsWith('"') ? 's2' : 's1';
}

/** Python source as highlighted HTML (Pygments token classes). */
export function highlight(code) {
  let html = '';
  let last = 0;
  let previous = '';
  for (const match of code.matchAll(TOKEN)) {
    if (match.index > last) html += escape(code.slice(last, match.index));
    const text = match[0];
    const g = match.groups;
    if (g.comment) html += span('c1', text);
    else if (g.string) html += span(stringClass(text), text);
    else if (g.number) html += span(/[.eEj]/.test(text) && !/^0[xX]/.test(text) ? 'mf' : 'mi', text);
    else if (g.decorator) html += span('nd', text);
    else if (g.name) {
      if (previous === 'def') html += span('nf', text);
      else if (previous === 'class') html += span('nc', text);
      else if (CONSTANTS.has(text)) html += span('kc', text);
      else if (text === 'import' || text === 'from') html += span('kn', text);
      else if (WORD_OPERATORS.has(text)) html += span('ow', text);
      else if (KEYWORDS.has(text)) html += span('k', text);
      else if (BUILTINS.has(text)) html += span('nb', text);
      else if (text === 'self' || text === 'cls') html += span('bp', text);
      else html += escape(text);
    } else if (g.operator) html += span('o', text);
    else html += span('p', text);
    previous = g.name ? text : '';
    last = match.index + text.length;
  }
  html += escape(code.slice(last));
  return code.endsWith('\n') || code === '' ? `${html} ` : html; // a <pre> drops a final empty line
}

/**
 * An editor for `code`. Returns {element, value, focus()}; `value` can be set (Reset).
 * Ctrl/Cmd-Enter calls onRun; Enter keeps the line's indentation (4 more after a colon);
 * Tab leaves the editor as usual, so keyboard users are never trapped.
 */
export function createEditor({ code, editable = true, label, onRun, onInput }) {
  const element = document.createElement('div');
  element.className = 'py-editor';
  const view = document.createElement('pre');
  view.className = 'highlight py-view';
  const inner = document.createElement('code');
  view.append(inner);
  element.append(view);
  let input = null;
  const render = (text) => { inner.innerHTML = highlight(text); };
  if (editable) {
    view.setAttribute('aria-hidden', 'true');
    input = document.createElement('textarea');
    input.className = 'py-input';
    Object.assign(input, { spellcheck: false, autocomplete: 'off', rows: 1, value: code, wrap: 'off' });
    input.setAttribute('autocapitalize', 'off');
    input.setAttribute('autocorrect', 'off');
    input.setAttribute('aria-label', label);
    input.setAttribute('aria-keyshortcuts', 'Control+Enter Meta+Enter');
    input.addEventListener('input', () => { render(input.value); onInput?.(input.value); });
    input.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        onRun?.();
      } else if (event.key === 'Enter' && !event.shiftKey && !event.altKey) {
        const start = input.selectionStart;
        const line = input.value.slice(input.value.lastIndexOf('\n', start - 1) + 1, start);
        let indent = /^[ \t]*/.exec(line)[0];
        if (/:\s*(#.*)?$/.test(line)) indent += '    ';
        if (!indent) return;
        event.preventDefault();
        if (!document.execCommand('insertText', false, `\n${indent}`)) {
          input.setRangeText(`\n${indent}`, start, input.selectionEnd, 'end');
          input.dispatchEvent(new Event('input'));
        }
      }
    });
    element.append(input);
  } else {
    view.tabIndex = 0;
    view.setAttribute('aria-label', label);
  }
  render(code);
  return {
    element,
    get value() { return input ? input.value : code; },
    set value(text) {
      if (!input) return;
      input.value = text;
      render(text);
      onInput?.(text);
    },
    focus() { (input || view).focus(); },
  };
}
