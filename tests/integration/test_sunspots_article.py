"""The bundled sunspots article builds on its own with --strict: its runs train on the CSV beside it, every
inline value and claim holds, and its figures are drawn on the real years in sunspot numbers (the whole
file by the project's own widget {whole-series}, from content/widgets/)."""
from __future__ import annotations

import csv
import re
import shutil
import subprocess
import sys

from tests.conftest import ROOT
from tests.integration.test_hostile_inputs import ENV

ARTICLE = ROOT / "content" / "sunspots"


def test_sunspots_article_builds_strictly_on_real_years(tmp_path):
    shutil.copytree(ARTICLE, tmp_path / "content" / "sunspots")
    shutil.copytree(ROOT / "content" / "widgets", tmp_path / "content" / "widgets")
    result = subprocess.run([sys.executable, "-m", "unrolled.generator", "--project", str(tmp_path), "build", "--strict",
                             "--jobs", "2", "--quiet"], env=ENV, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr
    page = (tmp_path / "_site" / "sunspots" / "index.html").read_text()
    with open(ARTICLE / "sunspots.csv", newline="") as fh:
        years = [int(row["YEAR"]) for row in csv.DictReader(fh)]
    first_held_out = years[len(years) - round(0.2 * len(years))]
    frames = re.findall(r'<svg class="plot"([^>]*)>(.*?)</svg>', page, re.S)
    predictions = [(attrs, body) for attrs, body in frames if "axis-real" in body]
    assert len(predictions) == 2
    for attrs, body in predictions:
        assert f'data-x0="{first_held_out}"' in attrs
        assert ">YEAR</text>" in body and ">SUNACTIVITY (sunspot number)</text>" in body
        ticks = [int(t) for t in re.findall(r'class="tick-x"[^>]*>(\d+)</text>', body)]
        assert ticks and min(ticks) >= first_held_out and max(ticks) <= years[-1]
    whole = re.search(r'<svg class="plot whole-series-plot"([^>]*)>(.*?)</svg>', page, re.S)
    assert f'data-x0="{years[0]}"' in whole[1] and f'data-x1="{years[-1]}"' in whole[1]
    assert f"rows from YEAR {first_held_out} on are held out" in whole[2] and "series-prediction" in whole[2]
    assert "[@" not in page and "{val}" not in page
