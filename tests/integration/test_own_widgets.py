"""A project's own widgets (docs/own-widgets.md), in real builds: a spec file and a module in
content/widgets/ become a directive of that project only, checked like the built-in ones, drawn at
build time by the module itself and shipped under the same import-map specifier."""
import json
import re
import shutil
from pathlib import Path

import pytest

from unrolled.generator.build import SiteBuild
from unrolled.generator.config import load_project
from unrolled.precompute.errors import UnrolledError

from tests.conftest import ROOT

SCAFFOLD_WIDGETS = ROOT / "generator" / "scaffold" / "widgets"

# A widget that reads a data file beside the article: one bar per row of a column.
BARS_SPEC = """doc = "One bar per row of a column of a data file."
caption = "The rows of the file."

[options.data]
type = "file"
required = true
doc = "a CSV or JSON file beside the article"

[options.column]
type = "str"
required = true

[options.height]
type = "int"
default = 100

[options.factor]
type = "float"
default = 1.0

[options.look]
type = "choice"
choices = ["bars", "dots"]
default = "bars"
"""
BARS_JS = """// {bars}: one bar per row of a column; a clicked bar sets the page's `step`, and `step` marks a bar.
import { h, join } from 'unrolled/lib/html.js';
import * as store from 'unrolled/lib/state.js';

function values(data, options) {
  const table = data.files.data;
  const at = table.columns.indexOf(options.column);
  if (at < 0) throw new Error(`no column ${options.column} in the file`);
  return table.rows.map((row) => row[at] * options.factor);
}

export function frame(data, options, id) {
  const vs = values(data, options);
  return join([h('svg', { class: 'plot bars-plot', viewBox: `0 0 ${vs.length * 10} ${options.height}`, role: 'img',
    'aria-label': `${vs.length} bars` }, vs.map((v, i) => h('rect', {
    class: `bar ${options.look}`, x: i * 10, y: options.height - v, width: 8, height: v, 'data-value': v }))),
  h('p', { class: 'bars-readout', id: `${id}-readout` }, 'no step')]);
}

export default function bars(state, element) {
  const box = element.querySelector('.widget-frame');
  box.innerHTML = String(frame(state.data, state.options, element.id));
  const readout = box.querySelector('.bars-readout');
  const rects = [...box.querySelectorAll('rect')];
  const show = (step) => {
    readout.textContent = `step ${step}`;
    rects.forEach((r, i) => r.classList.toggle('is-current', i === step));
  };
  rects.forEach((r, i) => r.addEventListener('click', () => { show(i); store.set({ step: i }, element); }));
  store.subscribe('step', show, element);
  return {};
}
"""
BARS_CSS = ".widget-bars .is-current { fill: red; }\n"
CSV = "YEAR,VALUE,NOTE\n2000,5,a\n2001,7.5,\n2002,12,c\n"
PAGE = """---
title: Bars
---

Some text.

```{bars}
data: values.csv
column: VALUE
```

More text.

```{bars}
data: values.json
column: v
height: 40
look: dots
caption: From JSON.
```
"""


def make(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def bars_project(root: Path, page: str = PAGE, **extra) -> Path:
    return make(root, {"content/widgets/bars.toml": BARS_SPEC, "content/widgets/bars.js": BARS_JS,
                       "content/widgets/bars.css": BARS_CSS, "content/a/index.md": page,
                       "content/a/values.csv": CSV, "content/a/values.json": json.dumps(
                           {"columns": ["v"], "rows": [[3], [4]]})} | extra)


def build(root: Path) -> dict[str, bytes]:
    return SiteBuild(load_project(root), show_progress=False).run()


def build_error(root: Path) -> UnrolledError:
    with pytest.raises(UnrolledError) as caught:
        build(root)
    return caught.value


def test_an_own_widget_is_drawn_at_build_time_and_shipped_like_a_built_in(tmp_path):
    files = build(bars_project(tmp_path))
    html = files["a/index.html"].decode()
    figures = re.findall(r'<figure class="widget widget-bars".*?</figure>', html, re.S)
    assert len(figures) == 2
    # the first frame is the module's own markup, with the spec's caption or the block's
    assert figures[0].count('class="bar bars"') == 3 and 'data-value="7.5"' in figures[0]
    assert "<figcaption>The rows of the file.</figcaption>" in figures[0]
    assert figures[1].count('class="bar dots"') == 2 and "<figcaption>From JSON.</figcaption>" in figures[1]
    assert 'data-options="{&quot;column&quot;:&quot;VALUE&quot;,&quot;data&quot;:&quot;values.csv&quot;,' \
           '&quot;factor&quot;:1.0,&quot;height&quot;:100,&quot;look&quot;:&quot;bars&quot;}"' in figures[0]
    # the payload: the CSV parsed with numbers as numbers, an empty cell as null
    src = re.search(r'data-src="\.\./(data/[0-9a-f]+\.json)"', figures[0])[1]
    assert json.loads(files[src]) == {"files": {"data": {"columns": ["YEAR", "VALUE", "NOTE"], "rows": [
        [2000, 5, "a"], [2001, 7.5, None], [2002, 12, "c"]]}}}
    # the module and its stylesheet, hashed, under the built-in widgets' specifier
    module = re.search(r'"unrolled/widgets/bars\.js":"\.\./(assets/js/widgets/bars\.[0-9a-f]{12}\.js)"', html)[1]
    assert files[module] == BARS_JS.encode()
    assert re.search(r'<link rel="stylesheet" href="\.\./assets/css/bars\.[0-9a-f]{12}\.css">', html)
    assert "widgets/index.html" not in files  # the widgets folder is no article
    assert build(tmp_path) == files  # same input, same bytes


def test_the_widgets_folder_is_set_in_unrolled_toml_and_never_an_article(tmp_path):
    bars_project(tmp_path)
    shutil.move(tmp_path / "content" / "widgets", tmp_path / "figures")
    (tmp_path / "unrolled.toml").write_text('[site]\nwidgets = "figures"\n')
    (tmp_path / "content" / "widgets").mkdir()
    (tmp_path / "content" / "widgets" / "index.md").write_text("---\ntitle: Not an article\n---\n")
    files = build(tmp_path)
    assert "data-widget=\"bars\"" in files["a/index.html"].decode()
    assert "widgets/index.html" in files  # content/widgets is an ordinary article folder once widgets live elsewhere
    (tmp_path / "unrolled.toml").write_text('[site]\nwidgets = "content/widgets"\n')
    shutil.move(tmp_path / "figures" / "bars.toml", tmp_path / "content" / "widgets")
    shutil.move(tmp_path / "figures" / "bars.js", tmp_path / "content" / "widgets")
    files = build(tmp_path)
    assert "widgets/index.html" not in files and "data-widget=\"bars\"" in files["a/index.html"].decode()


@pytest.mark.parametrize("block, rule, line, message", [
    ("```{bars}\ndata: values.csv\ncolumn: VALUE\ncolour: red\n```", "option-unknown", 10, "unknown option 'colour'"),
    ("```{bars}\ndata: values.csv\ncolumn: VALUE\nheight: tall\n```", "option-type", 10, "expects an integer"),
    ("```{bars}\ndata: values.csv\ncolumn: VALUE\nlook: lines\n```", "option-choice", 10, "one of bars, dots"),
    ("```{bars}\ndata: values.csv\ncolumn: VALUE\nfactor: nan\n```", "option-value", 10, "finite number"),
    ("```{bars}\ndata: values.csv\n```", "option-missing", 7, "needs option 'column'"),
    ("```{bars}\ndata: ../../../etc/passwd.csv\ncolumn: VALUE\n```", "path-outside-project", 8, "outside the project"),
    ("```{bars}\ndata: missing.csv\ncolumn: VALUE\n```", "ref-file", 8, "does not exist"),
    ("```{bars}\ndata: index.md\ncolumn: VALUE\n```", "data-file", 8, "neither .json nor .csv"),
    ("```{bars}\ndata: values.csv\ncolumn: COUNT\n```", "widget-frame", 7, "no column COUNT in the file"),
])
def test_each_use_is_checked_with_file_line_and_rule(tmp_path, block, rule, line, message):
    bars_project(tmp_path, page=f"---\ntitle: Bad\n---\n\nText.\n\n{block}\n")
    error = build_error(tmp_path)
    assert (error.rule, error.file, error.line) == (rule, "content/a/index.md", line), str(error)
    assert message in error.message and error.hint
    if rule == "widget-frame":
        assert "content/widgets/bars.js" in error.hint


@pytest.mark.parametrize("spec, rule, line, message", [
    (BARS_SPEC.replace('type = "int"', 'type = "integer"'), "widget-spec", 14, "type must be one of"),
    (BARS_SPEC.replace("default = 100", 'default = "100"'), "widget-spec", 15,
     "default '100' does not fit type = 'int'"),
    (BARS_SPEC.replace('default = "bars"', 'default = "lines"'), "widget-spec", 24, "(choices ['bars', 'dots'])"),
    (BARS_SPEC.replace("[options.height]", "[options.height\n"), "widget-spec", 13, "not valid TOML"),
    (BARS_SPEC.replace("[options.column]", "[options.caption]"), "widget-spec", 9, "given to every widget"),
    ('needs = ["run"]\n' + BARS_SPEC.replace("[options.column]", "[options.run]"), "widget-spec", 10,
     "given to every widget that needs run documents"),
    ('needs = ["weights", "loss"]\n' + BARS_SPEC, "widget-spec", 1, "must list document kinds"),
    (BARS_SPEC.replace('doc = "One bar per row of a column of a data file."', "title = 'x'"), "widget-spec", 1,
     "unknown key 'title'"),
    (BARS_SPEC.replace("required = true\ndoc", "required = true\ndefault = 'a.csv'\ndoc"), "widget-spec", 6,
     "a required option has no default"),
])
def test_a_bad_spec_file_is_an_error_at_its_line(tmp_path, spec, rule, line, message):
    bars_project(tmp_path, **{"content/widgets/bars.toml": spec})
    error = build_error(tmp_path)
    assert (error.rule, error.file) == (rule, str(tmp_path / "content" / "widgets" / "bars.toml")), str(error)
    assert message in error.message and error.hint
    if line is not None:
        assert error.line == line, str(error)


def test_a_widget_needs_both_files_and_a_name_of_its_own(tmp_path):
    bars_project(tmp_path)
    (tmp_path / "content" / "widgets" / "bars.js").unlink()
    assert build_error(tmp_path).rule == "widget-module-missing"
    bars_project(tmp_path, **{"content/widgets/loss.toml": BARS_SPEC, "content/widgets/loss.js": BARS_JS})
    error = build_error(tmp_path)
    assert (error.rule, error.file) == ("widget-name-clash", str(tmp_path / "content" / "widgets" / "loss.toml"))
    (tmp_path / "content" / "widgets" / "loss.toml").unlink()
    (tmp_path / "content" / "widgets" / "loss.js").unlink()
    bars_project(tmp_path, **{"content/widgets/unrolled.toml": BARS_SPEC, "content/widgets/unrolled.js": BARS_JS})
    assert build_error(tmp_path).rule == "widget-name-clash"  # the site's own stylesheet is css/unrolled.css


def test_the_dev_server_rebuilds_everything_when_a_widget_changes(tmp_path):
    from unrolled.generator.devchanges import classify
    from unrolled.generator.devserver import DevServer

    project = load_project(bars_project(tmp_path))
    widgets = project.widgets_dir
    assert all(classify(project, {str(widgets / f"bars.{suffix}")}).full for suffix in ("toml", "js", "css"))
    assert not classify(project, {str(tmp_path / "content" / "a" / "runs.toml")}).full  # a run spec stays a spec
    (tmp_path / "unrolled.toml").write_text('[site]\nwidgets = "figures"\n')
    shutil.move(tmp_path / "content" / "widgets", tmp_path / "figures")
    dev = DevServer(load_project(tmp_path), show_progress=False)
    try:
        assert str(tmp_path / "figures" / "bars.js") in dev.scan()  # a widgets folder of its own is watched too
        assert classify(dev.project, {str(tmp_path / "figures" / "bars.toml")}).full
    finally:
        dev.close()


def test_own_widgets_belong_to_their_project(tmp_path):
    bars_project(tmp_path / "one")
    build(tmp_path / "one")
    make(tmp_path / "two", {"content/a/index.md": PAGE})
    assert build_error(tmp_path / "two").rule == "directive-unknown"


# -- widgets that read run documents (the slice fixture's trained run) --------------------------------
STRIP_PAGE = """---
title: Strip
runs: runs.toml
---

```{predictions}
run: sine-lstm
snapshot: 0
```

```{error-strip}
run: sine-lstm
snapshot: 0
label: distance
```
"""


def strip_project(root: Path, built_project, page: str = STRIP_PAGE) -> Path:
    shutil.copytree(built_project.root / "content", root / "content")
    shutil.copytree(built_project.cache_dir, root / built_project.cache_dir.relative_to(built_project.root))
    shutil.copytree(SCAFFOLD_WIDGETS, root / "content" / "widgets")
    (root / "content" / "slice" / "index.md").write_text(page)
    return root


def test_a_widget_reads_the_run_documents_its_spec_needs(tmp_path, built_project):
    files = build(strip_project(tmp_path, built_project))
    html = files["slice/index.html"].decode()
    figure = re.search(r'<figure class="widget widget-error-strip".*?</figure>', html, re.S)[0]
    assert 'data-snapshot="0"' in figure and figure.count('class="error-bar"') == 15  # the 15-step window
    assert "epoch 0 · mean distance" in figure and "<table" in figure  # the module's dataTable
    payload = json.loads(files[re.search(r'data-src="\.\./(data/[0-9a-f]+\.json)"', figure)[1]])
    assert payload["run"] == "sine-lstm" and list(payload["documents"]) == ["predictions"]
    assert "provenance" not in payload["documents"]["predictions"]
    assert [s["epoch"] for s in payload["documents"]["predictions"]["snapshots"]] == [0, 20]


def test_a_document_the_run_does_not_export_is_an_error_at_the_run(tmp_path, built_project):
    strip_project(tmp_path, built_project)
    spec = tmp_path / "content" / "widgets" / "error-strip.toml"
    spec.write_text(spec.read_text().replace('needs = ["predictions"]', 'needs = ["predictions", "horizon"]'))
    error = build_error(tmp_path)
    assert (error.rule, error.file, error.line) == ("ref-document", "content/slice/index.md", 12), str(error)
    assert "no horizon document" in error.message


@pytest.mark.parametrize("change, rule, line", [
    (("run: sine-lstm\nsnapshot: 0\nlabel", "run: sine-gru\nsnapshot: 0\nlabel"), "ref-run", 12),
    (("snapshot: 0\nlabel", "snapshot: 7\nlabel"), "ref-snapshot", 13),
    (("run: sine-lstm\nsnapshot: 0\nlabel", "snapshot: 0\nlabel"), "option-missing", 11),
    (("label: distance", "label: distance\nshared: maybe"), "option-type", 15),
])
def test_run_options_are_checked_like_the_built_ins(tmp_path, built_project, change, rule, line):
    strip_project(tmp_path, built_project, STRIP_PAGE.replace(*change))
    error = build_error(tmp_path)
    assert (error.rule, error.file, error.line) == (rule, "content/slice/index.md", line), str(error)


NAMES_SPEC = """doc = "The names of some runs."

[options.runs]
type = "runs"
required = true

[options.main]
type = "run"

[options.tags]
type = "list"
default = ["a", "b"]
"""
NAMES_JS = """import { h } from 'unrolled/lib/html.js';

export function frame(data, options) {
  return h('p', { class: 'names' }, `${options.runs.join('+')} ${options.main} ${options.tags.join('/')}`);
}

export default function names() { return {}; }
"""


@pytest.mark.parametrize("options, expected", [
    ("runs: sine-lstm\nmain: sine-lstm", ('<p class="names">sine-lstm sine-lstm a/b</p>', None)),
    ("runs: sine-lstm\ntags: x, y", ('<p class="names">sine-lstm null x/y</p>', None)),
    ("runs: sine-lstm, sine-gru", (None, ("ref-run", 7))),
    ("runs: sine-lstm\nmain: sine-rnn", (None, ("ref-run", 8))),
    ("runs: sine-lstm, sine-lstm", (None, ("option-value", 7))),
])
def test_run_and_list_options_are_checked_against_the_page(tmp_path, built_project, options, expected):
    page = f"---\ntitle: Names\nruns: runs.toml\n---\n\n```{{names}}\n{options}\n```\n"
    strip_project(tmp_path, built_project, page)
    make(tmp_path, {"content/widgets/names.toml": NAMES_SPEC, "content/widgets/names.js": NAMES_JS})
    markup, error = expected
    if error:
        found = build_error(tmp_path)
        assert (found.rule, found.file, found.line) == (error[0], "content/slice/index.md", error[1]), str(found)
    else:
        assert markup in build(tmp_path)["slice/index.html"].decode()
