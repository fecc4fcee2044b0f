// The live {network} figure's elements: the first frame's markup (network/view.js) drawn again for the
// model, the explanation buttons, and each part redrawn in place from the same markup, so a control the
// reader is using keeps keyboard focus.
import { infoButton } from 'unrolled/lib/explain.js';
import { toNode } from 'unrolled/lib/html.js';
import * as model from 'unrolled/widgets/network/model.js';
import * as view from 'unrolled/widgets/network/view.js';
import { SLIDERS, bindSlider } from 'unrolled/widgets/network/controls.js';
import { stack } from 'unrolled/widgets/network/stack.js';

/** The page's {cell} figure for `run` (its data-run, or data-options `run`/`runs`, names it), if any. */
function cellFigureFor(run) {
  for (const fig of document.querySelectorAll('[data-widget="cell"]')) {
    let options = {};
    try { options = JSON.parse(fig.dataset.options || '{}'); } catch { options = {}; }
    const runs = [fig.dataset.run, options.run, ...(Array.isArray(options.runs) ? options.runs : [])];
    if (runs.includes(run)) return fig;
  }
  return null;
}

/** (i) buttons for the parts the page's author explained (none when a key has no {explain} block). */
function addInfo(box, id) {
  const at = (anchor, key, label, after = false) => {
    const info = infoButton(key, label);
    if (!info || !anchor) return;
    if (after) anchor.after(info); else anchor.append(info);
  };
  at(box.querySelector('.net-head .net-heading'), 'network', 'Network');
  at(box.querySelector('.net-input legend'), 'network.input', 'Input');
  at(box.querySelector('.net-network .net-heading'), 'network.layers', 'Layers');
  at(box.querySelector('.net-prediction .net-heading'), 'network.prediction', 'Prediction');
  for (const p of view.PHASES) {
    at(box.querySelector(`.net-phase-${p.key} .net-phase-name`), `network.${p.key}`, p.name, true);
  }
  at(box.querySelector('.net-epoch-label'), 'network.epoch', 'Epoch', true);
  for (const [dim, spec] of Object.entries(SLIDERS)) {
    at(box.querySelector(`label[for="${id}-${dim}"]`), `network.${dim}`, spec.label, true);
  }
}

/**
 * Draw model `m` into `element` (a {network} figure) and return its parts: `render` (input, layers,
 * sliders, plot, status, missing, all), `setPhase`, `announce`, `focusStack` and the elements the
 * controller listens on. `onSlide(dim, value)` is called when the reader moves a slider; `progress()`
 * says whether Play runs ({playing, busy}).
 */
export function mount(element, m, { onSlide, progress }) {
  const { id } = element;
  const box = element.querySelector('.widget-frame');
  const details = element.querySelector('.widget-data');
  const openable = () => !m.missing && Boolean(cellFigureFor(m.current.run));
  box.innerHTML = String(view.figure(m, id, { openable: openable(), ...progress() }));
  details?.querySelector('.net-snapshot-table')?.remove();
  details?.querySelector('summary').insertAdjacentHTML('afterend', String(view.snapshotPart(m)));
  addInfo(box, id);
  const find = (selector) => box.querySelector(selector);
  const root = find('.net');
  const summary = find('.net-summary');
  const list = find('.net-datasets');
  const stackBox = find('.net-stack-box');
  const selects = { cell: find(`#${id}-cell`), hidden: find(`#${id}-hidden`) };
  const missingBox = find('.net-missing');
  const plotBox = find('.net-plot-box');
  const key = find('.net-key');
  const lossLine = find('.net-loss');
  const phaseItems = view.PHASES.map((p) => [p.key, find(`.net-phase-${p.key}`)]);
  const [resetButton, playButton, stepButton] = ['reset', 'play', 'step'].map((k) => find(`.net-${k}`));
  const epochOut = find('.net-epoch-value');
  const epochOf = find('.net-epoch-of');
  const live = find('[aria-live]');
  const sliders = Object.fromEntries(Object.keys(SLIDERS).map((dim) => [dim,
    bindSlider(find(`#${id}-${dim}`).closest('.net-slider'), dim, (v) => onSlide(dim, v))]));

  function setPhase(phase) {
    element.dataset.phase = phase || '';
    for (const [k, li] of phaseItems) {
      const on = k === phase;
      li.classList.toggle('is-active', on);
      if (on) li.setAttribute('aria-current', 'step'); else li.removeAttribute('aria-current');
    }
  }

  function focusStack(focusKey) {
    const target = focusKey && (stackBox.querySelector(`[data-focus="${focusKey}"]`)
      || stackBox.querySelector('[data-focus^="remove-"]') || stackBox.querySelector('[data-focus^="add-"]'));
    if (target) target.focus();
  }

  const render = {
    input() {
      for (const input of model.inputs(m)) {
        const radio = list.querySelector(`input[value="${CSS.escape(input.name)}"]`);
        radio.disabled = input.disabled;
        radio.checked = input.selected;
        radio.closest('label').classList.toggle('is-selected', input.selected);
        radio.nextElementSibling.innerHTML = String(view.inputThumb(input));
      }
    },
    layers(focusKey = null) {
      stackBox.innerHTML = String(stack(model.layers(m, openable())));
      if (focusKey) focusStack(focusKey);
      for (const [dim, select] of Object.entries(selects)) {
        const s = model.select(m, dim);
        select.closest('.net-select').hidden = s.hidden;
        select.innerHTML = String(view.selectOptions(s));
        select.value = s.value;
      }
    },
    sliders() {
      const states = model.sliders(m);
      for (const [dim, s] of Object.entries(sliders)) s.set(states[dim]);
    },
    plot() {
      plotBox.innerHTML = String(view.plot(m, id));
      key.hidden = m.current.kind !== 'function';
      lossLine.innerHTML = String(view.lossLine(m));
      details?.querySelector('.net-snapshot-table')?.replaceWith(toNode(view.snapshotPart(m)));
    },
    status() {
      const s = model.snap(m);
      element.dataset.run = m.missing ? '' : m.current.run;
      element.dataset.epoch = String(s.epoch);
      element.toggleAttribute('data-missing', m.missing);
      root.classList.toggle('is-missing', m.missing);
      summary.innerHTML = String(view.summary(m));
      epochOut.textContent = String(s.epoch);
      epochOf.textContent = `of ${m.current.snaps[model.lastIndex(m)].epoch}`;
      const b = view.buttons(m, progress());
      playButton.querySelector('.net-icon').innerHTML = String(view.ICONS[b.playing ? 'pause' : 'play']);
      playButton.querySelector('.net-button-text').textContent = b.playing ? 'Pause' : 'Play';
      for (const [button, off] of [[playButton, b.play], [stepButton, b.step], [resetButton, b.reset]]) {
        button.setAttribute('aria-disabled', String(off));
      }
      element.dataset.playing = String(b.playing);
    },
    missing() {
      missingBox.hidden = !m.missing;
      missingBox.innerHTML = m.missing ? String(view.missing(m)) : '';
    },
    all(focusKey = null) {
      render.input();
      render.layers(focusKey);
      render.sliders();
      render.missing();
      if (!m.missing) render.plot();
      render.status();
    },
  };

  return {
    render,
    setPhase,
    focusStack,
    announce: (text) => { live.textContent = text; },
    list,
    stackBox,
    selects,
    missingBox,
    buttons: { play: playButton, step: stepButton, reset: resetButton },
    cellFigure: () => cellFigureFor(m.current.run),
  };
}
