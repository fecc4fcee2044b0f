// Explanations written by the author in Markdown ({explain} blocks, rendered in the page as collapsed
// notes so they are readable without scripts) shown as (i) popovers anchored to their button, next to
// widget headings and cell components.
import { h, toNode } from 'unrolled/lib/html.js';

let counter = 0;

/** The author's explanation element for `key`, if the page has one. */
export function explanation(key) {
  return document.querySelector(`[data-explain="${CSS.escape(key)}"]`);
}

/** An (i) button that opens the explanation for `key` in a popover; null when there is none. */
export function infoButton(key, label) {
  const source = explanation(key);
  if (!source) return null;
  counter += 1;
  const id = `explain-popover-${counter}`;
  const title = source.dataset.title || label;
  const popover = toNode(h('div', { id, class: 'explain-popover', popover: '', role: 'dialog', 'aria-label': title },
    h('p', { class: 'explain-title' }, title)));
  const body = Array.from(source.childNodes, (n) => n.cloneNode(true)).filter((n) => n.nodeName !== 'SUMMARY');
  popover.append(...body, toNode(h('button', {
    type: 'button', class: 'explain-close', popovertarget: id, popovertargetaction: 'hide',
  }, 'Close')));
  const button = toNode(h('button', {
    type: 'button', class: 'info-button', 'aria-label': `Explain: ${label}`, popovertarget: id, 'data-explain-key': key,
  }, 'i'));
  document.body.append(popover);
  const follow = () => place(popover, button);
  popover.addEventListener('toggle', (event) => {
    const open = event.newState === 'open';
    if (open) follow();
    for (const type of ['scroll', 'resize']) {
      window[open ? 'addEventListener' : 'removeEventListener'](type, follow, { passive: true, capture: true });
    }
  });
  return button;
}

const GAP = 6;  // px between the (i) and its popover
const EDGE = 8;  // px kept free at the viewport's edges

/** Anchor an open popover to its (i): below it when it fits, else above, always inside the viewport. */
function place(popover, anchor) {
  const at = anchor.getBoundingClientRect();
  const viewW = document.documentElement.clientWidth;
  const viewH = window.innerHeight;
  Object.assign(popover.style, { position: 'fixed', inset: 'auto', margin: '0', maxHeight: '' });
  const { width, height } = popover.getBoundingClientRect();
  const below = viewH - at.bottom - GAP - EDGE;
  const above = at.top - GAP - EDGE;
  const under = height <= below || below >= above;
  const room = Math.max(under ? below : above, 120);
  const shown = Math.min(height, room);
  const top = under ? at.bottom + GAP : at.top - GAP - shown;
  const left = Math.min(Math.max(EDGE, at.left + at.width / 2 - width / 2), Math.max(EDGE, viewW - width - EDGE));
  Object.assign(popover.style, { top: `${Math.round(top)}px`, left: `${Math.round(left)}px`,
    maxHeight: `${Math.round(room)}px`, overflow: 'auto' });
  popover.dataset.side = under ? 'below' : 'above';
}
