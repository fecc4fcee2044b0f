// The live {network} figure's behaviour: listens to its controls, plays through snapshots phase by
// phase, keeps the page store (unrolled/lib/state.js) and a live trainer in step; network/live.js draws.
import * as store from 'unrolled/lib/state.js';
import * as grid from 'unrolled/widgets/network/grid.js';
import * as model from 'unrolled/widgets/network/model.js';
import { PHASES } from 'unrolled/widgets/network/view.js';
import { mount } from 'unrolled/widgets/network/live.js';

const PHASE_MS = 600;
const sleep = (ms) => new Promise((resolve) => { setTimeout(resolve, ms); });
const isDisabled = (button) => button.getAttribute('aria-disabled') === 'true';

export default function network(state, element) {
  const m = model.create(state.data, state.options);
  const isLive = () => element.dataset.live === 'python';
  m.live = isLive();
  let token = null; // the running play/step: {cancelled, playing, external (a trainer took Play over)}
  const snap = () => model.snap(m);
  const lastIndex = () => model.lastIndex(m);

  const urlRun = m.runs.find((r) => r.run === store.get('run'));
  if (urlRun) { m.current = urlRun; m.settings = grid.pick(urlRun.settings); }
  const urlEpoch = store.get('epoch');
  if (urlEpoch !== undefined) m.snapIndex = model.closestSnapshot(m.current, urlEpoch);
  else if (urlRun) m.snapIndex = Math.min(m.snapIndex, lastIndex());

  const progress = () => ({ playing: Boolean(token && token.playing), busy: Boolean(token) });
  const ui = mount(element, m, { onSlide: (dim, v) => change(dim, v), progress });
  const { announce, setPhase, focusStack, stackBox } = ui;
  const { play: playButton, step: stepButton, reset: resetButton } = ui.buttons;
  const renderPlot = ui.render.plot;
  const renderStatus = ui.render.status;
  const renderAll = (focusKey = null) => {
    m.live = isLive();
    ui.render.all(focusKey);
  };

  // Returns false when a listener (e.g. a Python cell's on_control handler) took the action over.
  const emit = (action) => element.dispatchEvent(new CustomEvent('network-control', {
    bubbles: true,
    cancelable: true,
    detail: {
      action, settings: grid.normalise(m.settings), run: m.missing ? null : m.current.run, epoch: m.missing ? null : snap().epoch,
    },
  }));

  // -- actions --------------------------------------------------------------------------------------
  function cancel() {
    if (token) token.cancelled = true;
    token = null;
    setPhase(null);
  }

  function showSnapshot(index, publish = true) {
    m.snapIndex = index;
    renderPlot();
    renderStatus();
    if (publish) store.set({ run: m.current.run, epoch: snap().epoch }, element);
  }

  function selectRun(run, action = null) {
    cancel();
    const epoch = snap().epoch;
    m.current = run;
    m.settings = { ...grid.pick(run.settings), noise: grid.isText(run.settings.dataset) ? m.settings.noise : run.settings.noise };
    m.missing = false;
    m.snapIndex = model.closestSnapshot(run, epoch);
    renderAll();
    store.set({ run: m.current.run, epoch: snap().epoch }, element);
    announce(`Run ${run.run}: ${model.describeSettings(run.settings)}; epoch ${snap().epoch}.`);
    if (action) emit(action);
  }

  function change(dim, value) {
    cancel();
    m.settings = { ...m.settings, [dim]: value };
    m.lastChanged = dim;
    const run = grid.find(m.runs, m.settings);
    if (run) {
      const epoch = snap().epoch;
      m.current = run;
      m.missing = false;
      m.snapIndex = model.closestSnapshot(run, epoch);
      renderAll();
      store.set({ run: m.current.run, epoch: snap().epoch }, element);
      announce(`Run ${run.run}, epoch ${snap().epoch}: ${model.errorText(run, snap())}.`);
    } else if (!isLive()) {
      // only an input offers values whose run differs in other settings: move to the closest such run
      const near = model.nearest(m);
      const moved = grid.differences(near, m.settings)
        .map((k) => `${grid.SETTING_NAMES[k]} ${model.formatValue(k, near.settings[k])}`);
      selectRun(near);
      announce(`Run ${near.run}: ${model.formatValue(dim, value)} was precomputed only with ${moved.join(', ')}; `
        + `epoch ${snap().epoch}.`);
    } else {
      m.missing = true;
      renderAll();
      announce(`No precomputed run for ${model.describeSettings(grid.normalise(m.settings))}. `
        + `The nearest is ${model.nearest(m).run}.`);
    }
    emit('settings');
  }

  async function advance(t) {
    if (m.snapIndex >= lastIndex()) return false;
    const from = snap();
    const to = m.current.snaps[m.snapIndex + 1];
    const messages = {
      forward: `Forward: the ${from.input.length}-step window flows through ${model.plural(m.current.settings.layers, 'layer')}.`,
      validation: `Validation at epoch ${from.epoch}: ${model.errorText(m.current, from)}.`,
      backward: `Backward: the error flows back through the layers and through time; training to epoch ${to.epoch}.`,
    };
    for (const p of PHASES) {
      setPhase(p.key);
      announce(messages[p.key]);
      await sleep(PHASE_MS); // eslint-disable-line no-await-in-loop
      if (t.cancelled) return false;
    }
    setPhase(null);
    showSnapshot(m.snapIndex + 1);
    announce(`Epoch ${snap().epoch}: ${model.errorText(m.current, snap())}.`);
    return true;
  }

  async function play() {
    if (m.snapIndex >= lastIndex()) showSnapshot(0);
    const t = { cancelled: false, playing: true };
    token = t;
    renderStatus();
    while (!t.cancelled && m.snapIndex < lastIndex()) {
      // eslint-disable-next-line no-await-in-loop
      if (!(await advance(t))) break;
    }
    if (!t.cancelled) { token = null; renderStatus(); announce(`Stopped at epoch ${snap().epoch}, the last snapshot.`); }
  }

  async function step() {
    if (token || m.snapIndex >= lastIndex()) return;
    const t = { cancelled: false, playing: false };
    token = t;
    renderStatus();
    await advance(t);
    if (!t.cancelled) { token = null; renderStatus(); }
  }

  async function openCell(layer, source) {
    const target = ui.cellFigure();
    if (!target) return;
    const detail = {
      layer, step: store.get('step', 0), run: m.current.run, epoch: snap().epoch, source,
    };
    if (target.dataset.state === 'ready') {
      target.dispatchEvent(new CustomEvent('cell-open', { bubbles: true, detail }));
      return;
    }
    // not hydrated yet: the cell module remembers the request and applies it once it has its data
    try {
      (await import('unrolled/widgets/cell.js')).open(target, detail);
    } catch {
      target.dispatchEvent(new CustomEvent('cell-open', { bubbles: true, detail }));
    }
  }

  // -- listeners --------------------------------------------------------------------------------------
  ui.list.addEventListener('change', (event) => {
    if (event.target.checked) change('dataset', event.target.value);
  });
  stackBox.addEventListener('click', (event) => {
    const button = event.target.closest('button[data-focus]');
    if (!button || isDisabled(button)) return;
    const [what, n] = button.dataset.focus.split('-');
    const at = Number(n);
    if (what === 'add') {
      change('layers', m.settings.layers + 1);
      focusStack(`add-${at + 1}`);
    } else if (what === 'remove') {
      change('layers', m.settings.layers - 1);
      focusStack(`remove-${Math.min(at, m.settings.layers - 1)}`);
    } else {
      openCell(at, button);
    }
  });
  for (const [dim, select] of Object.entries(ui.selects)) {
    select.addEventListener('change', () => change(dim, dim === 'hidden' ? Number(select.value) : select.value));
  }
  ui.missingBox.addEventListener('click', (event) => {
    if (!event.target.closest('.net-nearest')) return;
    selectRun(model.nearest(m), 'settings');
    playButton.focus();
  });
  playButton.addEventListener('click', () => {
    if (isDisabled(playButton)) return;
    if (token && token.playing) {
      cancel();
      renderStatus();
      announce(`Paused at epoch ${snap().epoch}.`);
      emit('pause');
      return;
    }
    cancel();
    if (emit('play')) { play(); return; }
    token = { cancelled: false, playing: true, external: true };
    renderStatus();
    announce('Training in the page\'s Python.');
  });
  stepButton.addEventListener('click', () => {
    if (isDisabled(stepButton)) return;
    if (emit('step')) step();
  });
  resetButton.addEventListener('click', () => {
    if (isDisabled(resetButton)) return;
    cancel();
    if (!emit('reset')) return;
    showSnapshot(0);
    announce(`Reset to epoch ${snap().epoch}.`);
  });

  // -- linked views and the URL ------------------------------------------------------------------
  renderStatus();
  setPhase(null);
  store.subscribe('epoch', (e) => {
    if (m.missing || e === undefined) return;
    const index = model.closestSnapshot(m.current, e);
    if (index !== m.snapIndex) { cancel(); showSnapshot(index, false); }
  }, element);
  store.subscribe('run', (name) => {
    const run = m.runs.find((r) => r.run === name);
    if (run && (run !== m.current || m.missing)) selectRun(run);
  }, element);

  // the page's Python runtime marks the figure while a cell handles its controls (and unmarks it)
  new MutationObserver(() => {
    if (!isLive() && token && token.external) token = null;
    if (!isLive() && m.missing) { selectRun(model.nearest(m)); return; }
    renderAll();
  }).observe(element, { attributes: true, attributeFilter: ['data-live'] });

  return {
    /** Merge streamed run entries (payload shape) by name; select `select`, the first entry, or none. */
    update(next) {
      const data = next.data || {};
      const entries = data.runs || [];
      const before = { run: m.missing ? null : m.current.run, count: m.runs.length };
      for (const entry of entries) {
        const prepared = model.prepare(entry);
        const at = m.runs.findIndex((r) => r.run === entry.run);
        if (at >= 0) m.runs[at] = prepared; else m.runs = [...m.runs, prepared];
      }
      m.current = m.runs.find((r) => r.run === m.current.run) || m.current;
      m.snapIndex = Math.min(m.snapIndex, lastIndex());
      const name = 'select' in data ? data.select : entries[0] && entries[0].run;
      const chosen = (name && m.runs.find((r) => r.run === name)) || (m.missing ? grid.find(m.runs, m.settings) : null);
      if (typeof data.playing === 'boolean') {
        if (data.playing && !token) token = { cancelled: false, playing: true, external: true };
        if (!data.playing && token && token.external) {
          token = null;
          announce(`Training stopped at epoch ${(chosen || m.current).snaps.at(-1).epoch}.`);
        }
      }
      if (chosen) {
        if (token && !token.external) cancel();
        m.current = chosen;
        m.settings = grid.pick(chosen.settings);
        m.missing = false;
        m.snapIndex = lastIndex();
      }
      if (!m.missing && m.current.run === before.run && m.runs.length === before.count) {
        // the shown run grew (an epoch streamed in): only its plot and status change, not the controls
        renderPlot();
        renderStatus();
        return;
      }
      const focused = stackBox.contains(document.activeElement) ? document.activeElement.dataset.focus : null;
      renderAll(focused);
    },
    settings: () => grid.normalise(m.settings),
  };
}
