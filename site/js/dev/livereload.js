// Dev only: `unrolled serve` adds this script to HTML responses; built pages never reference it.
// It listens to /__unrolled/events (Server-Sent Events), reloads this page after a build that changed
// it, and shows a failed build as an accessible overlay (file:line, rule, message, hint) until fixed.
// Notices for runs still training (generator/placeholders.py) follow the `training` progress events.
(() => {
  'use strict';

  const OVERLAY_ID = 'unrolled-dev-overlay';
  const script = document.currentScript;
  const version = script ? script.dataset.version : '';
  const placeholder = document.body !== null && document.body.hasAttribute('data-unrolled-placeholder');
  let here = location.pathname.replace(/index\.html$/, '');
  try {
    here = decodeURI(here);
  } catch (error) { /* keep it encoded */ }
  let overlay = null;
  let returnFocus = null;

  function element(tag, style, text) {
    const node = document.createElement(tag);
    node.style.cssText = style;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function hide() {
    if (overlay === null) return;
    overlay.remove();
    overlay = null;
    if (returnFocus !== null && document.contains(returnFocus)) returnFocus.focus();
    returnFocus = null;
  }

  function show(error) {
    hide();
    returnFocus = document.activeElement;
    overlay = element('div', 'position:fixed;inset:0;z-index:2147483647;display:flex;align-items:flex-start;'
      + 'justify-content:center;padding:5vh 1rem;background:rgba(0,0,0,0.55);overflow:auto;');
    overlay.id = OVERLAY_ID;
    overlay.setAttribute('role', 'alertdialog');
    overlay.setAttribute('aria-modal', 'true');
    overlay.setAttribute('aria-labelledby', `${OVERLAY_ID}-title`);
    overlay.setAttribute('aria-describedby', `${OVERLAY_ID}-message`);

    const panel = element('div', 'box-sizing:border-box;width:min(56rem,100%);background:#ffffff;color:#1b1b1b;'
      + 'border-left:0.5rem solid #b00020;border-radius:0.4rem;padding:1.25rem 1.5rem;'
      + 'font:16px/1.5 system-ui,sans-serif;box-shadow:0 0.5rem 2rem rgba(0,0,0,0.4);');
    const title = element('h2', 'margin:0 0 0.75rem;font-size:1.25rem;color:#8a0019;', 'Build failed');
    title.id = `${OVERLAY_ID}-title`;
    panel.append(title);

    const where = error.file ? error.file + (error.line ? `:${error.line}` : '') : 'no file';
    const place = element('p', 'margin:0 0 0.5rem;font-family:ui-monospace,monospace;');
    place.append(element('strong', '', where), ` error[${error.rule}]`);
    place.className = 'unrolled-error-location';
    panel.append(place);

    const message = element('pre', 'margin:0 0 0.75rem;white-space:pre-wrap;word-break:break-word;'
      + 'font:15px/1.45 ui-monospace,monospace;background:#f4f4f4;color:#1b1b1b;padding:0.75rem;'
      + 'border-radius:0.3rem;max-height:50vh;overflow:auto;', error.message);
    message.id = `${OVERLAY_ID}-message`;
    message.tabIndex = 0; // scrollable text must be reachable by keyboard
    panel.append(message);

    if (error.hint) panel.append(element('p', 'margin:0 0 0.75rem;', `hint: ${error.hint}`));
    panel.append(element('p', 'margin:0 0 1rem;color:#444444;',
      'Fix the file and save: this page updates when the build succeeds.'));

    const close = element('button', 'font:inherit;padding:0.4rem 1rem;border:2px solid #1b1b1b;'
      + 'border-radius:0.3rem;background:#ffffff;color:#1b1b1b;cursor:pointer;', 'Close');
    close.type = 'button';
    close.addEventListener('click', hide);
    panel.append(close);

    overlay.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') {
        event.preventDefault();
        hide();
      } else if (event.key === 'Tab') { // keep focus inside the dialog
        const stops = [message, close];
        const at = stops.indexOf(document.activeElement);
        event.preventDefault();
        stops[(at + (event.shiftKey ? stops.length - 1 : 1)) % stops.length].focus();
      }
    });
    overlay.append(panel);
    document.body.append(overlay);
    close.focus();
  }

  function progress(runs) {
    for (const run of runs || []) {
      for (const node of document.querySelectorAll(`[data-unrolled-run="${CSS.escape(run.id)}"]`)) {
        const bar = node.querySelector('progress');
        const text = node.querySelector('[data-unrolled-epochs]');
        if (bar !== null) bar.value = run.done;
        if (text !== null) text.textContent = `epoch ${run.done} of ${run.total}`;
      }
    }
  }

  const query = `page=${encodeURIComponent(location.pathname)}&version=${encodeURIComponent(version)}`;
  const events = new EventSource(`/__unrolled/events?${query}`);
  events.addEventListener('hello', (event) => {
    const state = JSON.parse(event.data);
    progress(state.training);
    if (state.error) show(state.error);
    else if (placeholder || state.stale) location.reload(); // this page changed since it was served
    else hide();
  });
  events.addEventListener('reload', (event) => {
    const info = JSON.parse(event.data);
    if (placeholder || info.changed.includes(here)) {
      events.close();
      location.reload();
      return;
    }
    hide();
  });
  events.addEventListener('training', (event) => progress(JSON.parse(event.data).runs));
  events.addEventListener('builderror', (event) => show(JSON.parse(event.data)));
  window.addEventListener('pagehide', () => events.close());
})();
