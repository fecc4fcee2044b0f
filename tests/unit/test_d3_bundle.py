"""The d3 bundle `npm ci` makes: served as unrolled/lib/d3.js, refused when missing or made from another
version of site/bundles/d3.js (the build says how to make it again)."""
import shutil

import pytest

from unrolled.generator.assets import Assets, add_d3
from unrolled.generator.bundled import D3_BUNDLE
from unrolled.generator.config import SITE_SOURCES
from unrolled.precompute.errors import UnrolledError


def test_the_bundle_is_served_as_a_site_module():
    assets = Assets()
    add_d3(assets)
    assert assets.urls["js/lib/d3.js"].startswith("assets/js/lib/d3.")
    assert assets.import_map("./")["imports"]["unrolled/lib/d3.js"] == "./" + assets.urls["js/lib/d3.js"]


def test_a_missing_bundle_is_a_clear_error(tmp_path):
    with pytest.raises(UnrolledError) as error:
        add_d3(Assets(), bundle=tmp_path / "d3.js")
    assert error.value.rule == "node-missing" and "scripts/setup" in error.value.hint


def test_a_bundle_from_another_entry_is_refused(tmp_path):
    site = tmp_path / "site"
    (site / "bundles").mkdir(parents=True)
    shutil.copy(SITE_SOURCES / "bundles" / "d3.js", site / "bundles" / "d3.js")
    add_d3(Assets(), root=site)  # the same entry: accepted
    with (site / "bundles" / "d3.js").open("a") as entry:
        entry.write("export { scaleTime } from 'd3-scale';\n")
    with pytest.raises(UnrolledError) as error:
        add_d3(Assets(), root=site, bundle=D3_BUNDLE)
    assert error.value.rule == "node-missing" and "npm run prepare" in error.value.hint
