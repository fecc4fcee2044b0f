// Hydrates every widget on the page: the static first frame stays until the module has its data.
async function hydrate(figure) {
  const name = figure.dataset.widget;
  try {
    const [module, data] = await Promise.all([
      import(`unrolled/widgets/${name}.js`),
      fetch(figure.dataset.src).then((r) => {
        if (!r.ok) throw new Error(`${figure.dataset.src}: HTTP ${r.status}`);
        return r.json();
      }),
    ]);
    module.default({ data, snapshot: Number(figure.dataset.snapshot || 0) }, figure);
    figure.dataset.state = 'ready';
  } catch (error) {
    figure.dataset.state = 'error';
    console.error(`widget ${name} could not start; its static frame stays`, error);
  }
}

document.querySelectorAll('[data-widget]').forEach(hydrate);
