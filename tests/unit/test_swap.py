"""`unrolled.generator.swap`: a folder replaced whole, with and without the kernel's atomic exchange."""
import os
import subprocess
import sys

import pytest

from unrolled.generator.swap import MARKER, remove_leftovers, replace_folder
from unrolled.precompute.errors import UnrolledError


def tree(root):
    return {p.relative_to(root).as_posix(): p.read_text() for p in sorted(root.rglob("*")) if p.is_file()}


def writer(files):
    def fill(folder):
        for rel, text in files.items():
            (folder / rel).parent.mkdir(parents=True, exist_ok=True)
            (folder / rel).write_text(text)
    return fill


@pytest.mark.parametrize("exchange", [True, False])
def test_replace_swaps_in_the_new_tree_and_leaves_nothing_else(tmp_path, exchange):
    target = tmp_path / "_site"
    replace_folder(target, writer({"index.html": "one", "a/b.json": "1"}), exchange=exchange)
    replace_folder(target, writer({"index.html": "two"}), exchange=exchange)
    assert tree(target) == {"index.html": "two"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["_site"]


def test_a_failed_fill_keeps_the_old_tree(tmp_path):
    target = tmp_path / "_site"
    replace_folder(target, writer({"index.html": "one"}))

    def fail(folder):
        (folder / "half.html").write_text("half")
        raise UnrolledError("bad input", rule="output-unwritable")

    with pytest.raises(UnrolledError):
        replace_folder(target, fail)
    assert tree(target) == {"index.html": "one"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["_site"]


def test_a_swap_cut_between_its_two_renames_is_finished_by_the_next_build(tmp_path):
    pid = int(subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                             text=True).stdout)  # a process that has ended
    staging = tmp_path / f"_site.tmp-{pid}"
    for part, text in (("site", "new"), ("old", "old")):
        (staging / part).mkdir(parents=True)
        (staging / part / "index.html").write_text(text)
    (staging / MARKER).write_bytes(b"")
    remove_leftovers(tmp_path / "_site")
    assert tree(tmp_path / "_site") == {"index.html": "new"}
    assert sorted(os.listdir(tmp_path)) == ["_site"]


def test_a_file_in_the_way_is_an_error_and_stays(tmp_path):
    (tmp_path / "_site").write_text("mine")
    with pytest.raises(UnrolledError) as error:
        replace_folder(tmp_path / "_site", writer({"index.html": "one"}))
    assert error.value.rule == "output-not-folder"
    assert (tmp_path / "_site").read_text() == "mine" and os.listdir(tmp_path) == ["_site"]
