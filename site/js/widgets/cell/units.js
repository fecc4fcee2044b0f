// The diagram's units, live: hovering or focusing one reads its exact value out below the diagram, and
// the arrow keys (Home, End) move a roving tab stop over the units that carry a value; the Previous / Next
// unit buttons (tap-sized, for fingers too big for the squares) step the same tab stop through every
// unit in turn and focus it. Listens on the figure, so it keeps working when the diagram is redrawn or
// moved into the expanded view.
import { clampFocus, liveNodes, move, stepUnit } from 'unrolled/widgets/cell/diagram.js';
import { READOUT } from 'unrolled/widgets/cell/view.js';

/**
 * element: the figure; wrap(), readout(): the diagram's box and the readout line; where(): {dia, geo,
 * phase} of what is shown; focus(stop): told where the tab stop went ({node, unit}).
 */
export function unitKeys(element, {
  wrap, readout, where, focus,
}) {
  const unitOf = (target) => (target.classList?.contains('unit') && wrap().contains(target) ? target : null);
  let shown = null; // the unit read out last
  const readOut = (unit) => {
    shown = unit;
    const value = unit.getAttribute('data-value');
    readout().textContent = value === null ? READOUT
      : `${unit.getAttribute('aria-label')}; as stored (float32): ${Number(Number(value).toPrecision(9))}`;
  };
  const stopOf = (unit) => {
    const node = unit.closest('.node[data-key]');
    if (!node) return null;
    const ids = liveNodes(where().dia, where().phase).map((n) => n.id);
    return { node: ids.indexOf(node.dataset.node), unit: Number(unit.dataset.unit) };
  };
  element.addEventListener('pointerover', (event) => {
    const unit = unitOf(event.target);
    if (unit) readOut(unit);
  });
  element.addEventListener('focusin', (event) => {
    const unit = unitOf(event.target);
    if (!unit) return;
    const stop = stopOf(unit);
    if (stop) focus(stop);
    readOut(unit);
  });
  const goTo = (next) => {
    const { dia, phase } = where();
    focus(next);
    const id = liveNodes(dia, phase)[next.node].id;
    const target = wrap().querySelector(`.node[data-node="${id}"] rect.unit[data-unit="${next.unit}"]`);
    wrap().querySelectorAll('rect.unit[tabindex="0"]').forEach((u) => u.setAttribute('tabindex', -1));
    target.setAttribute('tabindex', 0);
    target.focus();
  };
  element.addEventListener('keydown', (event) => {
    const unit = unitOf(event.target);
    const at = unit && stopOf(unit);
    if (!at) return;
    const { dia, geo, phase } = where();
    const next = move(dia, geo, phase, at, event.key);
    if (!next) return;
    event.preventDefault();
    goTo(next);
  });
  element.addEventListener('click', (event) => {
    const button = event.target.closest?.('.cell-unit-prev, .cell-unit-next');
    if (!button || !element.contains(button)) return;
    const { dia, geo, phase } = where();
    const unit = wrap().querySelector('rect.unit[tabindex="0"]');
    const at = (unit && stopOf(unit)) || clampFocus(dia, geo, phase, { node: 0, unit: 0 });
    if (!at) return;
    // the first press (or the first after a redraw) shows the tab stop's unit; later ones step on from it
    goTo(unit && unit === shown ? stepUnit(dia, geo, phase, at, button.classList.contains('cell-unit-next') ? 1 : -1) : at);
  });
}
