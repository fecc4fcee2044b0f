"""The authoring guide lists every directive option and every run spec key the code accepts."""
import re

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
