"""What the dev server shows in place of a figure, value or claim whose run is still training.

Only a dev server's build raises `RunPending` (`devtraining.TrainingBuild.document`, for a run its trainer has
not finished); `unrolled build` trains first, so its pages never hold a notice. A notice names the
runs and their epochs when the page was rendered, and carries the run ids the live-reload client
(`site/js/dev/livereload.js`) updates from the progress events. Styles are inline: the page's own
stylesheet knows nothing of the dev server.
"""
from __future__ import annotations

import hashlib
from html import escape

BOX = ("margin:1.5rem 0;padding:1rem 1.25rem;border:2px dashed #8a6d00;border-radius:0.4rem;"
       "background:#fffbea;color:#1b1b1b;")


def ident(spec) -> tuple[str, str]:
    """A run as the runner knows it (`unrolled.precompute.runner.ident`, not imported: a build whose
    runs are cached never loads the runner)."""
    return str(spec.source), spec.name


def run_id(spec) -> str:
    """A run as the notices and the progress events know it (two articles may each have a run of the
    same name), without putting the spec file's path in the page."""
    return hashlib.sha256(f"{spec.source}\0{spec.name}".encode()).hexdigest()[:12]


class RunPending(Exception):
    """A page asked for the documents of a run that is still training. `epochs(spec)` tells how far
    any run of the page has come (None when it is not training), so a notice can name them all."""

    def __init__(self, spec, epochs):
        super().__init__(spec.name)
        self.spec, self.epochs, self.done = spec, epochs, epochs(spec)


def block_notice(ctx, block, pending: RunPending) -> str:
    """The notice for a directive block: every run its options name that is training, first the one
    that stopped it. The page's context remembers them (the dev server holds such a page back)."""
    names = []
    for value in block.options.values():
        for item in value if isinstance(value, (list, tuple)) else [value]:
            if isinstance(item, str) and item in ctx.page.specs and item not in names:
                names.append(item)
    runs = [pending] + [RunPending(ctx.page.specs[n], pending.epochs) for n in names
                        if n != pending.spec.name and pending.epochs(ctx.page.specs[n]) is not None]
    ctx.pending.update(ident(r.spec) for r in runs)
    return figure_notice(block.name, runs)


def inline_notice(ctx, pending: RunPending) -> str:
    ctx.pending.add(ident(pending.spec))
    return value_notice([pending])


def training(pending: list[RunPending], bar: bool = True) -> str:
    """`run NAME (epoch 3 of 300)` for each run, each with the hooks the live client updates; a
    progress bar too, except in prose."""
    parts = []
    for item in pending:
        spec = item.spec
        meter = (f'<progress max="{spec.epochs}" value="{item.done}" aria-label="epochs of run '
                 f'{escape(spec.name)}"></progress> ' if bar else "")
        parts.append(f'<span data-unrolled-run="{run_id(spec)}">run <code>{escape(spec.name)}</code> '
                     f'({meter}<span data-unrolled-epochs>epoch {item.done} of {spec.epochs}</span>)</span>')
    return ", ".join(parts)


def figure_notice(name: str, pending: list[RunPending]) -> str:
    """In place of a `{name}` block (a figure, or a claim, which is checked once its runs land)."""
    what = ("The claim here is checked" if name == "claim"
            else f"This <code>{{{escape(name)}}}</code> figure appears")
    return (f'<div class="unrolled-training" data-unrolled-training style="{BOX}"><p style="margin:0;">'
            f'<strong>Training:</strong> {training(pending)}. {what} when '
            f'{"it is" if len(pending) == 1 else "they are"} done; this page reloads by itself.</p></div>')


def value_notice(pending: list[RunPending]) -> str:
    """In place of an inline value: the run it waits for, in a sentence of prose."""
    return (f'<span class="unrolled-training" data-unrolled-training style="border-bottom:2px dashed #8a6d00;">'
            f'[value pending: {training(pending, bar=False)}]</span>')
