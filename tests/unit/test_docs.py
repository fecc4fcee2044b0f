"""The authoring guide lists every directive option and every run spec key the code accepts."""
import re
import shutil

import pytest

from unrolled.generator import docgen
from unrolled.generator.directives import load_all
from unrolled.precompute.spec import OPTIONS
from tests.conftest import ROOT

GUIDE = (ROOT / "docs" / "authoring.md").read_text()


def section(name: str) -> str:
    match = re.search(rf"^### `\{{{name}\}}`\n(.*?)(?=^### |\Z)", GUIDE, re.S | re.M)
    assert match, f"docs/authoring.md has no section for {{{name}}}"
    return match.group(1)


def test_every_directive_and_option_is_documented():
    for name, directive in load_all().items():
        text = section(name)
        for option in directive.options:
            assert f"`{option}`" in text, f"{{{name}}} option {option!r} missing from docs/authoring.md"


def test_every_spec_key_is_documented():
    for key in OPTIONS:
        assert f"| `{key}` |" in GUIDE, f"run spec key {key!r} missing from docs/authoring.md"


def test_generated_tables_match_the_code():
    """The option tables of docs/authoring.md and docs/pyodide.md and docs/rules.md's rule table are what
    docgen writes."""
    for path, (now, wanted) in docgen.generated().items():
        assert now == wanted, f"{path} differs from the code: run `python -m unrolled.generator.docgen`"


def test_the_comparison_fails_on_a_stale_table(tmp_path):
    for name in docgen.tables():
        shutil.copy(ROOT / "docs" / name, tmp_path / name)
    guide = tmp_path / "authoring.md"
    text = guide.read_text()
    guide.write_text(text.replace("| `timeout` | number | `30` |", "| `timeout` | number | `60` |", 1))
    stale = [path.name for path, (now, wanted) in docgen.generated(tmp_path).items() if now != wanted]
    assert stale == ["authoring.md"]
    guide.write_text(text.replace("<!-- options:tour -->", "<!-- options:toor -->", 1))
    with pytest.raises(ValueError, match="toor"):
        docgen.generated(tmp_path)
    guide.write_text(re.sub(r"<!-- options:tour -->.*?<!-- /options -->", "", text, flags=re.S))
    with pytest.raises(ValueError, match="no region for options:tour"):
        docgen.generated(tmp_path)
