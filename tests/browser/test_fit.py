"""Every bundled page reads on a desktop (1280 x 900) and a phone (390 x 844), with its widgets hydrated:
no text clipped by its box, no SVG label outside its picture, no page wider than the screen (only boxes
made to scroll sideways, and reachable from the keyboard, may hold wider content), figure labels that
render at 11 px or more on the phone, and tap targets of at least 24 x 24 px (WCAG 2.5.8)."""
import pytest

from tests.conftest import ROOT, _open_context

pytestmark = pytest.mark.browser

PAGES = [""] + sorted(f"{p.parent.name}/" for p in (ROOT / "content").glob("*/index.md"))
SIZES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
EXCLUDED: list[str] = []
# A {cell} diagram's unit squares (2-10 px) are too small to tap on a phone, and a 24 px square per unit would
# make a 128-unit vector 3000 px wide. WCAG 2.5.8's equivalent exception: the diagram names (in
# data-target-alternative) its Previous / Next unit buttons, 24 px targets that step through every unit; the
# squares are exempt only where that control is there and shown (`alternatives_are_shown` checks it).
UNIT_SQUARES = ['[data-widget="cell"] svg[data-target-alternative] rect.unit']
LABELLED = ("predictions", "loss", "horizon", "gradients", "network", "cell")  # SVG labels must read on a phone
MIN_LABEL_PX = 11
MIN_TARGET_PX = 24

HYDRATE = """async () => {
  const { ready } = await import('unrolled/page.js');
  await Promise.all([...document.querySelectorAll('[data-widget]')].map((f) => ready(f.id)));
  await document.fonts.ready;
}"""

# Shared helpers: where an element is (figure id, tag, classes, text) and whether it is rendered at all
# (content of a closed <details> is not).
HELPERS = """
const skip = (el) => excluded.some((selector) => el.closest(selector));
const shown = (el) => {
  if (!el.checkVisibility({ visibilityProperty: true, contentVisibilityAuto: true })) return false;
  const r = el.getBoundingClientRect();
  return el.getClientRects().length > 0 && (r.width > 0 || r.height > 0);
};
const name = (el) => {
  const figure = el.closest('[data-widget]');
  const classes = typeof el.className === 'string' ? el.className.trim().split(/\\s+/).filter(Boolean) : [];
  const cls = classes.map((c) => `.${c}`).join('');
  const text = (el.textContent || '').trim().replace(/\\s+/g, ' ').slice(0, 40);
  return `${figure ? `[${figure.id}] ` : ''}<${el.localName}${el.id ? `#${el.id}` : ''}${cls}> "${text}"`;
};
const span = (r) => `${r.left.toFixed(1)}-${r.right.toFixed(1)} x ${r.top.toFixed(1)}-${r.bottom.toFixed(1)}`;
"""

# Everything on the page that does not fit. A box that scrolls sideways is allowed only when the keyboard
# reaches it (it, or something inside it, takes focus); any other box that hides overflow must hold all of
# its text; an SVG label must lie inside its <svg>; and the page may not scroll sideways.
WALK = """(excluded) => {
""" + HELPERS + """
  const problems = [];
  const width = document.documentElement.clientWidth;
  const focusable = 'a[href], button, input, select, textarea, [tabindex]:not([tabindex="-1"])';
  const elements = [...document.body.querySelectorAll('*')].filter((el) => !skip(el) && shown(el));
  const scrolls = (el) => ['auto', 'scroll'].includes(getComputedStyle(el).overflowX);
  const clips = (el) => ['hidden', 'clip'].includes(getComputedStyle(el).overflowX);
  if (document.documentElement.scrollWidth > width) {
    const wide = elements.filter((el) => el.getBoundingClientRect().right > width + 0.5
      && ![...ancestors(el)].some((a) => scrolls(a) || clips(a)));
    problems.push(`the page is ${document.documentElement.scrollWidth} px wide in a ${width} px window: `
      + wide.slice(0, 5).map(name).join('; '));
  }
  function* ancestors(el) { for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) yield a; }
  for (const el of elements) {
    if (!(el instanceof HTMLElement)) continue;
    const style = getComputedStyle(el);
    if (scrolls(el)) {
      if (el.scrollWidth > el.clientWidth + 1 && !el.matches(focusable) && !el.querySelector(focusable)) {
        problems.push(`scrolls sideways but the keyboard cannot reach it: ${name(el)} `
          + `(${el.scrollWidth} px of content in ${el.clientWidth} px)`);
      }
      continue; // a scroller that the keyboard reaches shows all of its content
    }
    const clipX = clips(el);
    const clipY = ['hidden', 'clip'].includes(style.overflowY);
    if (!clipX && !clipY) continue;
    const screenReaderOnly = el.clientWidth <= 1 || el.clientHeight <= 1 || (style.clip && style.clip !== 'auto');
    if (screenReaderOnly) continue;
    if (style.textOverflow === 'ellipsis' && el.scrollWidth > el.clientWidth) {
      problems.push(`text cut short by an ellipsis: ${name(el)}`);
      continue;
    }
    const box = el.getBoundingClientRect();
    const left = box.left + el.clientLeft;
    const top = box.top + el.clientTop;
    const right = left + el.clientWidth;
    const bottom = top + el.clientHeight;
    const texts = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let node = texts.nextNode(); node; node = texts.nextNode()) {
      const parent = node.parentElement;
      if (!node.data.trim() || parent.closest('svg') || !shown(parent)) continue;
      const range = document.createRange();
      range.selectNodeContents(node);
      const r = range.getBoundingClientRect();
      const outX = clipX && (r.left < left - 1 || r.right > right + 1);
      const outY = clipY && (r.top < top - 1 || r.bottom > bottom + 1);
      if (outX || outY) {
        problems.push(`text "${node.data.trim().slice(0, 30)}" clipped by ${name(el)}: the text spans ${span(r)}, `
          + `the box ${span({ left, right, top, bottom })}`);
        break;
      }
    }
  }
  for (const text of document.querySelectorAll('svg text')) {
    if (skip(text) || !shown(text) || !text.textContent.trim()) continue;
    const svg = text.ownerSVGElement;
    const r = text.getBoundingClientRect();
    const v = svg.getBoundingClientRect();
    if (r.left < v.left - 1 || r.right > v.right + 1 || r.top < v.top - 1 || r.bottom > v.bottom + 1) {
      problems.push(`SVG text "${text.textContent.trim().slice(0, 30)}" outside its picture ${name(svg)}: `
        + `the text spans ${span(r)}, the <svg> ${span(v)}`);
    }
  }
  return problems;
}"""

# Rendered size of every SVG label of the named figures: its font size (in the picture's units) times the
# picture's scale on screen.
LABEL_SIZES = """(figures) => [...document.querySelectorAll('svg text')]
  .filter((t) => figures.includes(t.closest('[data-widget]')?.dataset.widget) && t.textContent.trim()
    && t.checkVisibility({ visibilityProperty: true }) && t.getBoundingClientRect().width > 0)
  .map((t) => [t.closest('[data-widget]').id, t.textContent.trim().slice(0, 20),
    parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a])"""

# Every control a pointer can aim at, outside running text (links in prose are exempt from 2.5.8), and its
# size; a radio button or checkbox counts together with the label that wraps it, since a tap on either works.
TARGETS = """(excluded) => {
""" + HELPERS + """
  const controls = 'button, input, select, textarea, summary, [role="button"], [role="slider"], '
    + '[tabindex]:not([tabindex="-1"]), a[href]';
  const prose = 'p, li, td, th, dd, dt, figcaption, blockquote, .toc, h1, h2, h3, h4, .references';
  return [...document.querySelectorAll(controls)]
    .filter((el) => !skip(el) && shown(el) && el.type !== 'hidden' && getComputedStyle(el).pointerEvents !== 'none'
      && !(el.localName === 'a' && el.closest(prose)) && !el.matches('.math-display, pre, [role="group"]'))
    .map((el) => {
      let r = el.getBoundingClientRect();
      const label = el.closest('label');
      if (label && el.matches('input[type=radio], input[type=checkbox]')) {
        const l = label.getBoundingClientRect();
        r = {
          width: Math.max(r.right, l.right) - Math.min(r.left, l.left),
          height: Math.max(r.bottom, l.bottom) - Math.min(r.top, l.top),
        };
      }
      return [name(el), r.width, r.height];
    });
}"""


# Every diagram that exempts its unit squares names a control that is there, shown, and holds two buttons.
ALTERNATIVES = """() => [...document.querySelectorAll('svg[data-target-alternative]')]
  .filter((svg) => svg.getBoundingClientRect().width > 0)
  .map((svg) => {
    const control = document.getElementById(svg.dataset.targetAlternative);
    const buttons = control ? control.querySelectorAll('button:not([disabled])').length : 0;
    return [svg.closest('[data-widget]').id, !!control && control.getBoundingClientRect().width > 0 && buttons >= 2];
  })"""

# Open the expanded view of the page's first {cell} figure that has one; false when there is none.
OPEN_CELL = """() => {
  const button = document.querySelector('[data-widget="cell"] .cell-expand');
  if (!button) return false;
  button.click();
  return document.querySelector('dialog.cell-dialog[open]') !== null;
}"""

# Where the open dialog, its diagram's box and the Next button are, against the window.
DIALOG_BOX = """() => {
  const dialog = document.querySelector('dialog.cell-dialog[open]');
  const box = (el) => { const r = el.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
  return { window: [innerWidth, innerHeight], dialog: box(dialog),
    wrap: box(dialog.querySelector('.cell-diagram-wrap')), next: box(dialog.querySelector('.cell-next')) };
}"""


def hydrated(page, url: str) -> None:
    page.goto(url)
    page.evaluate(HYDRATE)


@pytest.fixture(params=list(SIZES))
def sized(request, browser):
    context, page, watch = _open_context(browser, viewport=SIZES[request.param], has_touch=request.param == "phone")
    page.size = request.param
    yield page
    context.close()
    assert watch.external == [] and watch.errors == [], (watch.external, watch.errors)


# The step a {gradients} figure's first panel shows the horizon of, by index from either end (the bracket's
# label is drawn only then, and is widest near the edges).
SELECT_STEP = """(k) => {
  const first = '[data-widget="gradients"] .gradients-panel:first-child';
  const steps = [...document.querySelectorAll(`${first} .gradients-step`)];
  if (!steps.length) return false;
  steps[k < 0 ? steps.length + k : k].focus();
  return true;
}"""


def test_nothing_is_clipped_or_wider_than_the_screen(sized, bundled):
    problems = []
    where = f"{sized.size} ({SIZES[sized.size]['width']} px wide)"
    for path in PAGES:
        hydrated(sized, bundled + path)
        problems += [f"{where}, /{path}: {p}" for p in sized.evaluate(WALK, EXCLUDED)]
        for k in (0, 1, -2, -1):  # with a gradient horizon shown
            if sized.evaluate(SELECT_STEP, k):
                problems += [f"{where}, /{path}, step {k}: {p}" for p in sized.evaluate(WALK, EXCLUDED)]
        if sized.evaluate(OPEN_CELL):  # the expanded cell view, too
            sized.wait_for_timeout(400)  # its zoom
            problems += [f"{where}, /{path}, expanded cell: {p}" for p in sized.evaluate(WALK, EXCLUDED)]
            boxes = sized.evaluate(DIALOG_BOX)
            (w, h), (left, top, right, bottom) = boxes["window"], boxes["dialog"]
            if left < -0.5 or top < -0.5 or right > w + 0.5 or bottom > h + 0.5:
                problems.append(f"{where}, /{path}: the expanded cell view {boxes['dialog']} overflows the window")
            if sized.size == "phone":
                problems += [f"{where}, /{path}, expanded cell [{fid}] {text!r}: {size:.1f} px"
                             for fid, text, size in sized.evaluate(LABEL_SIZES, ["cell"]) if size < MIN_LABEL_PX - 0.05]
            sized.keyboard.press("Escape")
    assert problems == [], "\n".join(problems)


def test_the_walker_finds_clipped_text_and_overflow(page, bundled):
    """The check can fail: a clipped line, an ellipsis, an SVG label outside its picture, a sideways scroller
    the keyboard cannot reach and a page wider than its window are each reported, by name."""
    hydrated(page, bundled + PAGES[1])
    assert page.evaluate(WALK, EXCLUDED) == []
    page.evaluate("""() => {
      const add = (html) => document.querySelector('main').insertAdjacentHTML('beforeend', html);
      const narrow = 'width: 60px; overflow: hidden; white-space: nowrap';
      add(`<div id="cut" style="${narrow}">a line far too long for its box</div>`);
      add(`<div id="dots" style="${narrow}; text-overflow: ellipsis">another long line</div>`);
      add('<svg id="off" viewBox="0 0 100 20" width="100"><text x="90" y="15">outside</text></svg>');
      add('<div id="unreachable" style="overflow-x: auto"><div style="width: 3000px">wide</div></div>');
      add('<div id="wide" style="width: 3000px">a page that scrolls sideways</div>');
    }""")
    problems = "\n".join(page.evaluate(WALK, EXCLUDED))
    for expected in ('clipped by <div#cut>', 'ellipsis: <div#dots>', 'SVG text "outside" outside its picture <svg#off>',
                     'the keyboard cannot reach it: <div#unreachable>', 'the page is', '<div#wide>'):
        assert expected in problems, problems


def test_figure_labels_read_on_a_phone(browser, bundled):
    context, page, _ = _open_context(browser, viewport=SIZES["phone"], has_touch=True)
    small, count = [], 0
    for path in PAGES:
        hydrated(page, bundled + path)
        sizes = page.evaluate(LABEL_SIZES, list(LABELLED))
        count += len(sizes)
        small += [f"390 px wide, /{path} [{fid}] {text!r}: {size:.1f} px" for fid, text, size in sizes
                  if size < MIN_LABEL_PX - 0.05]
    context.close()
    assert count > 100  # the bundled figures have labels, and they were measured
    assert small == [], "\n".join(small)


def test_tap_targets_are_24_px_on_a_phone(browser, bundled):
    context, page, _ = _open_context(browser, viewport=SIZES["phone"], has_touch=True)
    small, count = [], 0
    for path in PAGES:
        hydrated(page, bundled + path)
        targets = page.evaluate(TARGETS, EXCLUDED + UNIT_SQUARES)
        small += [f"/{path} [{fid}]: its unit squares' equivalent control is missing" for fid, ok
                  in page.evaluate(ALTERNATIVES) if not ok]
        count += len(targets)
        small += [f"390 px wide, /{path} {what}: {w:.1f} x {h:.1f} px" for what, w, h in targets
                  if w < MIN_TARGET_PX - 0.05 or h < MIN_TARGET_PX - 0.05]
    context.close()
    assert count > 100  # steps, sliders, selects, (i) buttons, Run buttons, ...
    assert small == [], "\n".join(small)


def test_run_titles_name_the_runs(page, bundled):
    """A run's `title` replaces its id wherever a figure names it; the id stays in the markup's data-run."""
    hydrated(page, bundled + "where-the-gradient-goes/")
    gradients = page.locator('[data-widget="gradients"]').first
    assert gradients.locator(".gradients-panel-title").all_text_contents() == ["RNN", "LSTM", "GRU"]
    assert gradients.locator(".gradients-panel").evaluate_all("(ps) => ps.map((p) => p.dataset.run)") == \
        ["c-rnn", "c-lstm", "c-gru"]
    recall = page.locator('[data-widget="horizon"]').first.locator(".horizon-legend b").all_text_contents()
    assert recall == ["RNN, seed 0", "LSTM, seed 0", "GRU, seed 0"]
    hydrated(page, bundled + "sunspots/")
    legend = page.locator(".loss-legend li:not(.legend-key)").all_text_contents()
    assert legend == ["22-year windows", "3-year windows"]
    assert page.locator('[data-widget="predictions"] svg title').first.text_content().startswith(
        "Predictions of run 22-year windows")
    hydrated(page, bundled + "how-rnns-learn/")
    legend = " ".join(page.locator(".loss-legend").all_text_contents())
    assert "learning rate 0.0001" in legend and "sine-lr" not in legend
