// {tour}: a guided tour through the page's explanations that starts only when the reader asks. The
// first frame's "Take the tour" link (to the first explanation, which works without scripts) opens a
// modal dialog instead; the reader's place is remembered per page (localStorage), so a reload offers to
// resume, and Finish or Skip remembers the tour as done. Each step loads the widget it points at, scrolls
// its (i) button into the upper part of the screen (the dialog sits at the bottom), outlines it and shows
// the author's {explain} text. Focus stays inside the dialog; Escape closes it from anywhere.
import { explanation } from 'unrolled/lib/explain.js';
import { h, toNode } from 'unrolled/lib/html.js';
import { ready } from 'unrolled/lib/ready.js';

const storageKey = () => `unrolled-tour:${window.location.pathname}`;

/** 'done', a step index to resume at, or null for a reader who has not started. */
function progress() {
  let saved = null;
  try { saved = window.localStorage.getItem(storageKey()); } catch { /* storage blocked: nothing saved */ }
  if (saved === 'done') return 'done';
  return /^\d+$/.test(saved || '') ? Number(saved) : null;
}

function save(value) {
  try { window.localStorage.setItem(storageKey(), String(value)); } catch { /* private mode: not kept */ }
}

/** The element a step points at: the (i) button for `key`, else its widget, else the explanation itself. */
async function target(key) {
  const widget = document.querySelector(`[data-widget="${CSS.escape(key.split('.')[0])}"]`);
  if (widget) await ready(widget.id);
  return document.querySelector(`[data-explain-key="${CSS.escape(key)}"]`) || widget || explanation(key);
}

function button(text, className, onClick) {
  const b = toNode(h('button', { type: 'button', class: className }, text));
  b.addEventListener('click', onClick);
  return b;
}

const FOCUSABLE = 'a[href], button:not([disabled]), input, select, textarea, [tabindex]:not([tabindex="-1"])';

/** Keep Tab and Shift+Tab cycling inside `dialog`. */
function trapFocus(dialog, event) {
  const items = Array.from(dialog.querySelectorAll(FOCUSABLE));
  if (!items.length) return;
  const first = items[0];
  const last = items[items.length - 1];
  const inside = dialog.contains(document.activeElement);
  if (event.shiftKey && (document.activeElement === first || !inside)) {
    event.preventDefault();
    last.focus();
  } else if (!event.shiftKey && (document.activeElement === last || !inside)) {
    event.preventDefault();
    first.focus();
  }
}

export default function tour(state, element) {
  const { steps, title } = state.options;
  const reduceMotion = window.matchMedia('(prefers-reduced-motion: reduce)').matches;
  let dialog = null;
  let highlighted = null;
  let index = 0;

  const start = element.querySelector('.tour-start');
  const label = () => {
    const saved = progress();
    start.textContent = saved === 'done' ? 'Take the tour again'
      : saved === null ? 'Take the tour' : `Resume the tour (stop ${saved + 1} of ${steps.length})`;
  };
  label();
  start.addEventListener('click', (event) => {
    event.preventDefault();
    const saved = progress();
    open(typeof saved === 'number' && saved < steps.length ? saved : 0);
  });

  function onKey(event) {
    if (event.key === 'Escape') {
      event.preventDefault();
      close();
    } else if (event.key === 'Tab') {
      trapFocus(dialog, event);
    }
  }

  /** Close the dialog; `done` marks the tour finished, otherwise the reader may resume here later. */
  function close(done = false) {
    highlighted?.classList.remove('tour-target');
    highlighted = null;
    dialog?.remove();
    dialog = null;
    document.removeEventListener('keydown', onKey, true);
    save(done ? 'done' : index);
    label();
    start.focus({ preventScroll: true });
  }

  async function show(i) {
    index = i;
    save(i);
    const key = steps[i];
    const source = explanation(key);
    const node = await target(key);
    if (!dialog) return;  // closed while the widget loaded
    highlighted?.classList.remove('tour-target');
    highlighted = node;
    node?.classList.add('tour-target');
    node?.scrollIntoView({ block: 'start', behavior: reduceMotion ? 'auto' : 'smooth' });
    const heading = dialog.querySelector('.tour-heading');
    heading.textContent = source?.dataset.title || key;
    dialog.querySelector('.tour-count').textContent = `Stop ${i + 1} of ${steps.length}`;
    const body = dialog.querySelector('.tour-body');
    body.replaceChildren(...Array.from(source?.childNodes || [], (n) => n.cloneNode(true))
      .filter((n) => !(n.classList && n.classList.contains('explain-title'))));
    dialog.querySelector('.tour-back').disabled = i === 0;
    dialog.querySelector('.tour-next').textContent = i === steps.length - 1 ? 'Finish' : 'Next';
    heading.focus({ preventScroll: true });
  }

  function open(i) {
    if (dialog) return;
    const headingId = `${element.id}-tour-heading`;
    dialog = toNode(h(
      'div',
      { class: 'tour-dialog', role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': headingId },
      h('p', { class: 'tour-name' }, title),
      h('p', { class: 'tour-count' }),
      h('h2', { class: 'tour-heading', id: headingId, tabindex: '-1' }),
      h('div', { class: 'tour-body' }),
      h('div', { class: 'tour-actions' }),
    ));
    dialog.querySelector('.tour-actions').append(
      button('Back', 'tour-back', () => show(index - 1)),
      button('Next', 'tour-next', () => (index === steps.length - 1 ? close(true) : show(index + 1))),
      button('Skip tour', 'tour-skip', () => close(true)),
    );
    document.addEventListener('keydown', onKey, true);
    document.body.append(dialog);
    show(i);
  }

  return { open, close };
}
