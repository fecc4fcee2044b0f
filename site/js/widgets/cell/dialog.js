// The expanded (zoomed) cell view: the live view moves into a modal <dialog>, zooming out of the element
// that opened it (the Expand button's figure, or e.g. a layer of the {network} widget). Escape (the
// dialog's own cancel) or a click outside the dialog's box closes it; focus returns to the opener.
// With prefers-reduced-motion the zoom is skipped.
import { h, toNode } from 'unrolled/lib/html.js';

const reducedMotion = () => window.matchMedia('(prefers-reduced-motion: reduce)').matches;

/**
 * figure: the widget's <figure>; view: the element that moves; home: where it lives in the page;
 * onToggle(open): called after opening / closing.
 */
export function expandable({ figure, view, home, onToggle }) {
  let dialog = null;
  let placeholder = null;
  let returnTo = null;
  let pressedOutside = false;
  let adopted = [];

  // explanation popovers live in <body>; while the modal dialog is open everything outside it is inert,
  // so the popovers of the view's (i) buttons move into the dialog and back
  function adopt() {
    if (!dialog) return;
    for (const button of view.querySelectorAll('[popovertarget]')) {
      const popover = document.getElementById(button.getAttribute('popovertarget'));
      if (popover && !dialog.contains(popover)) { dialog.append(popover); adopted.push(popover); }
    }
  }

  function zoom(from) {
    if (!from || reducedMotion() || typeof dialog.animate !== 'function') return;
    const a = from.getBoundingClientRect();
    const b = dialog.getBoundingClientRect();
    if (!a.width || !b.width) return;
    dialog.animate([
      {
        transformOrigin: 'top left', opacity: 0.35,
        transform: `translate(${a.left - b.left}px, ${a.top - b.top}px) scale(${a.width / b.width}, ${a.height / b.height})`,
      },
      { transformOrigin: 'top left', opacity: 1, transform: 'none' },
    ], { duration: 320, easing: 'cubic-bezier(.2, .7, .2, 1)' });
  }

  function finish() {
    if (!dialog) return;
    home.append(view);
    adopted.forEach((popover) => { if (popover.matches(':popover-open')) popover.hidePopover(); document.body.append(popover); });
    adopted = [];
    placeholder?.remove();
    dialog.remove();
    dialog = null;
    placeholder = null;
    onToggle(false);
    const target = returnTo && returnTo.isConnected ? returnTo : null;
    returnTo = null;
    target?.focus();
  }

  function open({ source = null, from = null } = {}) {
    if (dialog) return;
    returnTo = source || (document.activeElement !== document.body ? document.activeElement : null);
    const zoomFrom = from || source || home;
    const heading = view.querySelector('.cell-title');
    dialog = toNode(h('dialog', { class: 'cell-dialog', 'aria-labelledby': heading?.id || null },
      h('div', { class: 'cell-dialog-inner' })));
    const inner = dialog.firstElementChild;
    placeholder = toNode(h('p', { class: 'cell-placeholder' }, 'The cell view is open in an expanded view.'));
    placeholder.style.minHeight = `${Math.round(view.getBoundingClientRect().height)}px`;
    home.append(placeholder);
    inner.append(view);
    figure.append(dialog);
    const mine = dialog;
    // Escape: close now (synchronously), so the view is back in the page when the key press is done;
    // a close without a cancel event (e.g. the browser's own) ends up in the same place
    dialog.addEventListener('cancel', (event) => { event.preventDefault(); close(); });
    dialog.addEventListener('close', () => { if (dialog === mine) finish(); });
    // a click whose press and release both land on the backdrop (outside the dialog's box) closes it
    dialog.addEventListener('pointerdown', (event) => { pressedOutside = event.target === dialog; });
    dialog.addEventListener('click', (event) => {
      if (event.target === dialog && pressedOutside) dialog.close();
      pressedOutside = false;
    });
    adopt();
    dialog.showModal();
    onToggle(true);
    zoom(zoomFrom);
  }

  function close() {
    if (!dialog) return;
    if (dialog.open) dialog.close();
    finish();
  }

  return {
    open,
    close,
    adopt,
    get isOpen() { return dialog !== null; },
  };
}
