// {gradients}: RNNbow's view of itemized BPTT gradients (Cashman et al. 2018).
// Bar s stacks G[t][s] = ||dL_t / d theta^(s)|| for every loss step t >= s, coloured by t (viridis), so
// one loss keeps its colour in every bar; hovering or focusing step t shows its gradient horizon (row t).
//
// `frame(data, options, id)` is the first frame (markup; the generator puts it in the page) and
// `dataTable(data, options)` its text alternative; options = {snapshot (index), layer, group, scale}.
// The default export takes (state, element), draws the same markup (gradients/view.js) and attaches the
// behaviour. The numbers are in gradients/model.js.
// Linked views: the page store keys `epoch` (snapshot) and `step` (the selected loss step t).
// Explanation keys: `gradients` (heading), `gradients.horizon` (the hint) and `gradients.scale` (scale control).
import * as store from 'unrolled/lib/state.js';
import { significant } from 'unrolled/lib/format.js';
import { h, toNode } from 'unrolled/lib/html.js';
import { infoButton } from 'unrolled/lib/explain.js';
import {
  GROUP_NAMES, HORIZON_SHARE, horizon, panelOf, viewOf,
} from 'unrolled/widgets/gradients/model.js';
import {
  IDLE, TOP, axisOf, chart, columns, epochText, figure, matrixOf, strip, tables, widthOf,
} from 'unrolled/widgets/gradients/view.js';

/** The first frame: controls and one panel per run at snapshot `options.snapshot` (default: the last). */
export function frame(data, options, id) {
  const panels = data.panels.map(panelOf);
  return figure(panels, viewOf(panels, options), id);
}

/** Each run's itemized gradients at the shown snapshot as a table. */
export function dataTable(data, options) {
  const panels = data.panels.map(panelOf);
  return tables(panels, viewOf(panels, options));
}

const stepOf = (target) => target.closest?.('[data-t]')?.dataset.t;

export default function gradients(state, element) {
  const { id } = element;
  const box = element.querySelector('.widget-frame');
  const details = element.querySelector('.widget-data');
  let panels = [];
  let view = null;
  let selected = null;
  let previewed = null;
  let nodes = [];

  const active = () => previewed ?? selected;

  /** Show the active step's bars, bracket and readout in one panel (the charts are not redrawn). */
  function highlight(panel, k) {
    const t = active();
    const { T } = panel;
    const on = t !== null && t < T;
    const { chartBox, stripBox, steps, readout, panelBox } = nodes[k];
    for (const svg of [chartBox.firstElementChild, stripBox.firstElementChild]) {
      svg.classList.toggle('has-active', on);
      svg.querySelectorAll('[data-t]').forEach((n) => n.classList.toggle('active', on && Number(n.dataset.t) === t));
    }
    const chosen = selected !== null && selected < T ? selected : null;
    steps.querySelectorAll('button').forEach((b) => {
      const bt = Number(b.dataset.t);
      b.setAttribute('aria-pressed', String(bt === chosen));
      b.classList.toggle('active', on && bt === t);
      b.tabIndex = bt === (chosen ?? T - 1) ? 0 : -1;
    });
    const bracket = chartBox.querySelector('g.horizon');
    bracket.replaceChildren();
    if (!on) {
      readout.textContent = k === 0 ? IDLE : '';
      panelBox.dataset.active = '';
      return;
    }
    panelBox.dataset.active = String(t);
    const loss = panel.snaps[view.index].loss;
    const reach = horizon(matrixOf(panel, view), T, t);
    const what = GROUP_NAMES[view.group];
    const head = `Step ${t}${panel.kind === 'text'
      ? ` (input ${panel.inputLabels[t]}, next ${panel.targetLabels[t]})` : ''}: loss ${significant(loss[t])}. `;
    if (!reach) {
      readout.textContent = `${head}No gradient from this loss reaches the ${what}.`;
      return;
    }
    const share = Math.round(HORIZON_SHARE * 100);
    const plural = reach.reach === 1 ? '' : 's';
    readout.textContent = `${head}${share}% of its gradient to the ${what} lands on `
      + `${reach.reach === 0 ? `step ${t} itself` : `steps ${reach.from}–${t}`}: it reaches back ${reach.reach} `
      + `step${plural}.`;
    const width = widthOf(panels);
    const xs = columns(T, width);
    const x0 = xs(reach.from);
    const x1 = xs(t) + xs.bandwidth();
    const y = TOP - 9;
    // the label hangs inwards from a bracket near either edge, so it stays inside the chart
    const mid = (x0 + x1) / 2;
    const [x, anchor] = mid > (width * 2) / 3 ? [x1, 'end'] : mid < width / 3 ? [x0, 'start'] : [mid, 'middle'];
    bracket.append(
      toNode(h('path', { d: `M${x0.toFixed(2)},${y + 5} V${y} H${x1.toFixed(2)} V${y + 5}` }), { svg: true }),
      toNode(h('text', { x: x.toFixed(2), y: y - 3, 'text-anchor': anchor },
        reach.reach === 0 ? 'own step' : `${share}% within ${reach.reach} step${plural}`), { svg: true }),
    );
  }

  const highlightAll = () => panels.forEach(highlight);

  /** Another snapshot, layer, group or scale: the charts, the tables and the slider's text change. */
  function redraw() {
    const width = widthOf(panels);
    const axis = axisOf(panels, view);
    panels.forEach((panel, k) => {
      nodes[k].chartBox.replaceChildren(toNode(chart(panel, k, view, width, axis, id)));
      nodes[k].stripBox.replaceChildren(toNode(strip(panel, k, view, width, id)));
    });
    details.querySelectorAll('.gradients-table-wrap').forEach((n) => n.remove());
    details.insertAdjacentHTML('beforeend', String(tables(panels, view)));
    const text = epochText(panels, view);
    const slider = box.querySelector(`#${id}-snapshot`);
    if (slider) {
      slider.value = String(view.index);
      slider.setAttribute('aria-valuetext', text);
    }
    box.querySelector('output').textContent = text;
    element.dataset.snapshot = String(view.index);
    highlightAll();
  }

  function preview(t) {
    if (previewed === t) return;
    previewed = t;
    highlightAll();
  }

  function choose(t) {
    if (selected === t) return;
    selected = t;
    highlightAll();
    store.set({ step: t }, element);
  }

  function showSnapshot(index) {
    if (index < 0 || index === view.index) return;
    view.index = index;
    redraw();
  }

  const indexOfEpoch = (epoch) => panels[0].snaps.findIndex((s) => s.epoch === epoch);

  function listen(k) {
    const { chartBox, steps } = nodes[k];
    const { T } = panels[k];
    chartBox.addEventListener('pointerover', (event) => {
      const t = event.target.closest?.('rect[data-t]')?.dataset.t;
      if (t !== undefined) preview(Number(t));
    });
    chartBox.addEventListener('pointerleave', () => preview(null));
    chartBox.addEventListener('click', (event) => {
      const t = event.target.closest?.('rect[data-t]')?.dataset.t;
      if (t !== undefined) choose(Number(t));
    });
    steps.addEventListener('focusin', (event) => {
      const t = event.target.dataset?.t;
      if (t !== undefined) choose(Number(t));
    });
    steps.addEventListener('click', (event) => {
      const t = stepOf(event.target);
      if (t !== undefined) choose(Number(t));
    });
    steps.addEventListener('pointerover', (event) => {
      const t = stepOf(event.target);
      if (t !== undefined) preview(Number(t));
    });
    steps.addEventListener('pointerleave', () => preview(null));
    steps.addEventListener('keydown', (event) => {
      const current = Number(event.target.dataset?.t);
      if (Number.isNaN(current)) return;
      if (event.key === 'Escape') {
        choose(null);
        event.preventDefault();
        return;
      }
      const moves = {
        ArrowLeft: current - 1, ArrowRight: current + 1, ArrowUp: current - 1, ArrowDown: current + 1, Home: 0, End: T - 1,
      };
      if (!(event.key in moves)) return;
      event.preventDefault();
      const next = Math.max(0, Math.min(T - 1, moves[event.key]));
      steps.querySelector(`button[data-t="${next}"]`).focus();
      choose(next);
    });
  }

  /** Everything drawn from the first frame's markup, then the behaviour attached. */
  function mount(data, options) {
    panels = data.panels.map(panelOf);
    view = viewOf(panels, options);
    box.innerHTML = String(figure(panels, view, id));
    details.querySelectorAll('.gradients-table-wrap').forEach((n) => n.remove());
    details.insertAdjacentHTML('beforeend', String(tables(panels, view)));
    nodes = [...box.querySelectorAll('.gradients-panel')].map((panelBox) => ({
      panelBox,
      chartBox: panelBox.querySelector('.gradients-chart-box'),
      stripBox: panelBox.querySelector('.gradients-strip-box'),
      steps: panelBox.querySelector('.gradients-steps'),
      readout: panelBox.querySelector('.gradients-horizon'),
    }));
    for (const [selector, key, label] of [['.gradients-title', 'gradients', 'itemized gradients'],
      ['.gradients-hint', 'gradients.horizon', 'gradient horizon'],
      ['.gradients-scale legend', 'gradients.scale', 'absolute and relative scale']]) {
      const info = infoButton(key, label);
      if (info) box.querySelector(selector).append(info);
    }
    box.querySelector(`#${id}-layer`)?.addEventListener('change', (event) => {
      view.layer = Number(event.target.value);
      redraw();
    });
    box.querySelector(`#${id}-group`).addEventListener('change', (event) => {
      view.group = event.target.value;
      redraw();
    });
    box.querySelectorAll(`input[name="${id}-scale"]`).forEach((radio) => radio.addEventListener('change', () => {
      if (radio.checked) { view.scale = radio.value; redraw(); }
    }));
    box.querySelector(`#${id}-snapshot`)?.addEventListener('input', (event) => {
      showSnapshot(Number(event.target.value));
      store.set({ epoch: panels[0].snaps[view.index].epoch }, element);
    });
    panels.forEach((_, k) => listen(k));
    element.dataset.snapshot = String(view.index);
    showSnapshot(indexOfEpoch(store.get('epoch')));
    highlightAll();
  }

  selected = store.get('step', null);
  mount(state.data, { ...state.options, snapshot: state.snapshot });
  store.subscribe('epoch', (epoch) => showSnapshot(indexOfEpoch(epoch)), element);
  store.subscribe('step', (next) => {
    const t = next ?? null;
    if (t === selected) return;
    selected = t;
    highlightAll();
  }, element);

  return {
    /** Replace the data (e.g. streamed from an in-browser run) and show its last snapshot. */
    update(next) {
      mount(next.data, {
        layer: view.layer, group: view.group, scale: view.scale, snapshot: next.data.panels[0].snapshots.length - 1,
      });
      showSnapshot(panels[0].snaps.length - 1);
    },
  };
}
