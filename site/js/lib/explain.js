// Explanations written by the author in Markdown ({explain} blocks, rendered in the page so they are
// readable without scripts) shown as (i) popovers next to widget headings and cell components.
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
  const popover = document.createElement('div');
  popover.id = `explain-popover-${counter}`;
  popover.className = 'explain-popover';
  popover.setAttribute('popover', '');
  popover.setAttribute('role', 'dialog');
  popover.setAttribute('aria-label', source.dataset.title || label);
  const close = document.createElement('button');
  close.type = 'button';
  close.className = 'explain-close';
  close.textContent = 'Close';
  close.setAttribute('popovertarget', popover.id);
  close.setAttribute('popovertargetaction', 'hide');
  popover.append(...Array.from(source.childNodes, (n) => n.cloneNode(true)), close);
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'info-button';
  button.textContent = 'i';
  button.setAttribute('aria-label', `Explain: ${label}`);
  button.setAttribute('popovertarget', popover.id);
  button.dataset.explainKey = key;
  document.body.append(popover);
  return button;
}
