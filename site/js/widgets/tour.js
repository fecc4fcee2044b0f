// {tour}: a guided tour through the page's explanations. On a reader's first visit it starts by
// itself; Skip or Finish ends it for good on this page (remembered in localStorage), and the button in
// the tour's figure restarts it. Each step scrolls to the part it explains (the widget's (i) button for
// that key, loading the widget first if needed), highlights it and shows the author's {explain} text.
import { explanation } from 'unrolled/lib/explain.js';
import { ready } from 'unrolled/page.js';

const storageKey = () => `unrolled-tour:${window.location.pathname}`;

function remembered() {
  try { return window.localStorage.getItem(storageKey()) === 'done'; } catch { return false; }
}

function remember() {
  try { window.localStorage.setItem(storageKey(), 'done'); } catch { /* private mode: ask again next time */ }
}

/** The element a step points at: the (i) button for `key`, else its widget, else the explanation itself. */
async function target(key) {
  const widget = document.querySelector(`[data-widget="${CSS.escape(key.split('.')[0])}"]`);
  if (widget) await ready(widget.id);
  return document.querySelector(`[data-explain-key="${CSS.escape(key)}"]`) || widget || explanation(key);
}

function button(text, className, onClick) {
  const b = document.createElement('button');
  Object.assign(b, { type: 'button', className, textContent: text });
  b.addEventListener('click', onClick);
  return b;
}

export default function tour(state, element) {
  const { steps, title } = state.options;
  const reduceMotion = window.matchMedia('(prefers-reduced-motion: reduce)').matches;
  let dialog = null;
  let highlighted = null;
  let index = 0;

  const start = button('', 'tour-start', () => open(0));
  const label = () => { start.textContent = remembered() ? 'Restart the tour' : 'Start the tour'; };
  label();
  element.querySelector('.widget-frame').append(start);

  function close(done) {
    highlighted?.classList.remove('tour-target');
    dialog?.remove();
    dialog = null;
    if (done) remember();
    label();
    start.focus();
  }

  async function show(i) {
    index = i;
    const key = steps[i];
    const source = explanation(key);
    const node = await target(key);
    highlighted?.classList.remove('tour-target');
    highlighted = node;
    node?.classList.add('tour-target');
    node?.scrollIntoView({ block: 'center', behavior: reduceMotion ? 'auto' : 'smooth' });
    const heading = dialog.querySelector('.tour-heading');
    heading.textContent = source?.dataset.title || key;
    dialog.querySelector('.tour-count').textContent = `Step ${i + 1} of ${steps.length}`;
    const body = dialog.querySelector('.tour-body');
    body.replaceChildren(...Array.from(source?.childNodes || [], (n) => n.cloneNode(true))
      .filter((n) => !(n.classList && n.classList.contains('explain-title'))));
    dialog.querySelector('.tour-back').disabled = i === 0;
    dialog.querySelector('.tour-next').textContent = i === steps.length - 1 ? 'Finish' : 'Next';
    heading.focus();
  }

  function open(i) {
    if (dialog) return;
    dialog = document.createElement('div');
    dialog.className = 'tour-dialog';
    dialog.setAttribute('role', 'dialog');
    dialog.setAttribute('aria-labelledby', `${element.id}-tour-heading`);
    dialog.innerHTML = `<p class="tour-name"></p><p class="tour-count"></p>`
      + `<h2 class="tour-heading" id="${element.id}-tour-heading" tabindex="-1"></h2><div class="tour-body"></div>`;
    dialog.querySelector('.tour-name').textContent = title;
    const actions = document.createElement('div');
    actions.className = 'tour-actions';
    actions.append(
      button('Back', 'tour-back', () => show(index - 1)),
      button('Next', 'tour-next', () => (index === steps.length - 1 ? close(true) : show(index + 1))),
      button('Skip tour', 'tour-skip', () => close(true)),
    );
    dialog.append(actions);
    dialog.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') { event.preventDefault(); close(true); }
    });
    document.body.append(dialog);
    show(i);
  }

  if (!remembered()) open(0);
  return { open, close };
}
