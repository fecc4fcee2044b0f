// Widgets that need another widget live (a tour stepping through it, a cell view opened from a link)
// ask here rather than importing the page bootstrapper, so widget modules stay loadable on their own
// (in Node at build time too). The page registers how to hydrate a figure; until it has, asking waits.
let hydrator = null;
const waiting = [];

/** Called once by the page: `hydrate(id)` resolves to the controller of the widget with that id. */
export function provide(hydrate) {
  hydrator = hydrate;
  for (const resume of waiting.splice(0)) resume();
}

/** The controller of the widget with element id `id` (null if it could not start), hydrating it if needed. */
export function ready(id) {
  if (hydrator) return hydrator(id);
  return new Promise((resume) => { waiting.push(resume); }).then(() => hydrator(id));
}
