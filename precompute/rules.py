"""Every rule id an error or warning can carry, declared once with what it means.

`UnrolledError` refuses an id that is not declared here, so a misspelt id fails the first test that
raises it instead of reaching an author. docs/rules.md lists this table (`python -m
unrolled.generator.docgen` writes it). Categories say where the fix lies: `content` (an article's
Markdown, front matter, directives, templates), `spec` (a run spec file or an author's cell), `data` (an
author's data files or the precomputed documents), `project` (unrolled.toml, the project's folders, the
commands' arguments) and `environment` (the tools and packages the generator runs with).
"""
from __future__ import annotations

from dataclasses import dataclass

CATEGORIES = ("content", "spec", "data", "project", "environment")


@dataclass(frozen=True)
class Rule:
    id: str
    category: str
    meaning: str


def _table(category: str, rows: dict[str, str]) -> list[Rule]:
    return [Rule(rule_id, category, meaning) for rule_id, meaning in rows.items()]


RULES: dict[str, Rule] = {rule.id: rule for rule in [
    *_table("content", {
        "frontmatter-missing": "the Markdown file does not start with a `---` front matter block",
        "frontmatter-unclosed": "the front matter has no closing `---` line",
        "frontmatter-yaml": "the front matter is not valid YAML",
        "frontmatter-alias": "the front matter uses a YAML anchor or alias",
        "frontmatter-field": "the front matter names a field the generator does not know",
        "frontmatter-type": "a front matter field has a value of the wrong type",
        "frontmatter-date": "the `date` field is not a date written YYYY-MM-DD",
        "frontmatter-title": "the front matter has no `title`",
        "content-slug": "an article folder's name is not a URL-friendly slug",
        "directive-unknown": "a fenced block names a directive that does not exist",
        "directive-unclosed": "a directive's fence is never closed",
        "directive-syntax": "text follows `{name}` on a directive's opening fence",
        "directive-body": "a directive lacks the body it needs, or has one it does not take",
        "fence-unclosed": "a code fence is never closed",
        "option-unknown": "a directive option that the directive does not take",
        "option-duplicate": "a directive option given twice",
        "option-type": "a directive option's value is not of the option's type",
        "option-choice": "a directive option's value is not one of its choices",
        "option-missing": "a directive lacks a required option",
        "option-value": "a directive option's value is of the right type but not usable",
        "option-conflict": "two directive options that exclude each other are both given",
        "ref-run": "a directive or inline value names a run the page's spec files do not define",
        "ref-snapshot": "an epoch the run did not export (or outside its loss curves)",
        "ref-layer": "a layer the run's model does not have",
        "ref-sequence": "a traced sequence the run did not trace",
        "ref-step": "a time step outside the traced sequence",
        "ref-trace": "a directive needs traced sequences, and the run traces none",
        "ref-kind": "runs or a value that do not fit together (e.g. squared error and cross-entropy)",
        "ref-horizon": "a {horizon} run whose spec exports no horizon document",
        "ref-metric": "an inline value or claim names a metric that does not exist, or indexes it wrongly",
        "ref-epoch": "an inline value or claim asks for an epoch the run did not train",
        "ref-distance": "an inline value asks for a horizon distance the document does not measure",
        "ref-grid": "a {network} grid holds runs its controls cannot tell apart or have no control for",
        "ref-explain": "a {tour} step has no {explain} block on the page",
        "ref-drives": "a {pyodide} cell drives a widget id that is not on the page",
        "runs-mismatch": "runs shown together export different snapshots or thresholds",
        "explain-duplicate": "two {explain} blocks for the same part",
        "pyodide-id-duplicate": "two {pyodide} cells of a page with the same id",
        "claim-syntax": "a {claim} line is not a comparison in the expression language",
        "claim-false": "a {claim} does not hold for the data",
        "value-syntax": "an inline value is not an expression over run data",
        "value-format": "an inline value's format spec is not valid",
        "math-syntax": "TeX math that KaTeX cannot parse",
        "cite-bibtex": "the bibliography file is not valid BibTeX",
        "cite-unknown": "a citation key the bibliography does not define",
        "raw-html": "raw HTML the project's `raw_html` setting does not allow",
        "url-scheme": "a link or image with a URL scheme that is not allowed",
        "link-broken": "an internal link to an address the site does not have (a warning unless --strict)",
        "template-syntax": "a project template has a Jinja2 syntax error",
        "template-missing": "a template includes or extends one that does not exist",
        "template-undefined": "a template uses a variable it is not given",
        "template-error": "a template expression fails while the page renders",
        "widget-frame": "a widget module could not draw its first frame at build time",
        "ref-document": "an own widget needs a run document the run does not export",
        "ref-file": "an own widget's data file option names a file that does not exist",
    }),
    *_table("spec", {
        "spec-missing-file": "a run spec file named in the front matter does not exist",
        "spec-toml": "a run spec file is not valid TOML",
        "spec-empty": "a run spec file defines no run",
        "spec-invalid": "a run spec file's structure is not [run.NAME] / [sweep.NAME] tables",
        "spec-unknown-key": "a run spec key or table the generator does not know",
        "spec-missing-key": "a run spec lacks a required key",
        "spec-type": "a run spec value has the wrong type",
        "spec-choice": "a run spec value is not one of its choices",
        "spec-range": "a run spec number is outside its allowed range",
        "spec-name": "a run or sweep name is not lower-case letters, digits, '-' and '_'",
        "spec-duplicate": "two runs of a page share a name",
        "spec-sweep": "a sweep's grid or name template cannot expand into runs",
        "spec-corpus": "a text run's `corpus` folder does not exist",
        "spec-trace-text": "`trace_text` holds characters the corpus does not have",
        "model-form": "`model` is not of the form \"FILE.py:ClassName\"",
        "model-missing-file": "the file an author's cell is in does not exist",
        "model-import": "importing the file of an author's cell fails",
        "model-missing-class": "the cell's file defines no class of that name",
        "model-protocol": "an author's cell does not follow the cell protocol",
        "model-shape": "an author's cell returns a tensor of the wrong shape",
        "run-diverged": "training made the loss infinite or NaN",
        "precompute-failed": "training or exporting a run failed",
    }),
    *_table("data", {
        "data-file": "an own widget's data file is not .json or .csv, or is not valid JSON or CSV",
        "data-file-missing": "no data file matches a run's `file` pattern",
        "data-file-empty": "a data file is empty, or has a header and no rows",
        "csv-unknown-column": "a CSV column the spec names is not in the header",
        "csv-not-numeric": "a CSV cell is not a finite number",
        "csv-too-short": "the series is too short for the run's window",
        "csv-x-uneven": "the CSV x column does not rise in equal steps",
        "text-too-short": "the text is too short for the run's window",
        "encoding-utf8": "a source file is not UTF-8 text",
        "doc-unreadable": "a precomputed document cannot be read",
        "doc-digest": "a precomputed document was changed after it was written",
        "doc-schema": "a precomputed document has an unknown schema",
        "doc-invalid": "a precomputed document does not match its schema",
        "doc-array": "an array in a precomputed document cannot be decoded",
        "frozen-stale": "`build --frozen` found precomputed data stale or missing",
    }),
    *_table("project", {
        "widget-name": "an own widget's file name is not lower-case words joined by '-'",
        "widget-name-clash": "an own widget has the name of a built-in widget",
        "widget-spec": "an own widget's spec file is not valid TOML or breaks the spec format",
        "widget-spec-missing": "an own widget's module has no spec file beside it",
        "widget-module-missing": "an own widget's spec file has no module beside it",
        "config-toml": "unrolled.toml is not valid TOML",
        "config-encoding": "unrolled.toml is not UTF-8 text",
        "config-table": "unrolled.toml has a table or key the generator does not know",
        "config-key": "a key of a known unrolled.toml table that the generator does not know",
        "config-type": "an unrolled.toml value has the wrong type",
        "config-value": "an unrolled.toml value is not one of its choices",
        "config-output-unsafe": "the output folder would replace or overlap the project's own files",
        "config-cache-unsafe": "the cache folder would replace or overlap the project's own files",
        "output-not-owned": "the output folder holds files the generator did not write",
        "cache-not-owned": "the cache folder holds files the generator did not write",
        "output-not-folder": "the output path is a file",
        "output-unwritable": "the output folder cannot be written",
        "cache-unwritable": "the precompute cache cannot be written",
        "content-missing": "the project has no content folder",
        "path-outside-project": "a file named by the content resolves outside the project",
        "init-not-folder": "`unrolled init` was given a file, not a folder",
        "init-not-empty": "`unrolled init` was given a folder that is neither empty nor a project",
        "new-name": "`unrolled new` was given a name that is not a URL-friendly slug",
        "new-exists": "`unrolled new` names an article that already exists",
        "serve-restart": "unrolled.toml moved a folder while `unrolled serve` runs",
        "vendor-dist": "`vendor-pyodide` was given a folder that is not a full Pyodide distribution",
        "vendor-abi": "the Pyodide distribution is built for another Python or ABI",
        "vendor-package": "a package is missing from the Pyodide distribution",
        "vendor-sha256": "a package file does not match its checksum in the lock file",
    }),
    *_table("environment", {
        "node-missing": "a file the generator needs from node_modules is missing",
        "node-version": "Node.js is missing or too old",
        "node-worker": "the generator's Node.js process stopped",
        "katex-missing": "KaTeX is missing from node_modules",
        "pyodide-missing": "the Pyodide core is missing from node_modules",
        "torch-missing": "runs must be trained and PyTorch is not installed",
        "numerics-unpinned": "the process's thread or numeric settings would make training irreproducible",
        "engine-dask-missing": "the dask engine is chosen and dask is not installed",
        "engine-dask-unreachable": "the Dask scheduler cannot be reached",
        "internal-error": "a fault in the generator itself, not in the project",
        "error": "a problem raised without a more specific rule (the default of UnrolledError)",
    }),
]}


def check(rule_id: str) -> str:
    """`rule_id` when it is declared; otherwise a ValueError naming it (a programming mistake)."""
    if rule_id not in RULES:
        raise ValueError(f"rule id {rule_id!r} is not declared in unrolled.precompute.rules")
    return rule_id
