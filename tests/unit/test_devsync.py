"""`unrolled.generator.devsync`: the served folder brought to a file map file by file."""
from unrolled.generator.devsync import ServedFolder, read_tree


def test_a_sync_writes_only_changed_files_pages_last_and_drops_what_is_gone(tmp_path):
    out = tmp_path / "_site"
    folder = ServedFolder(out)
    folder.replace({"index.html": b"front", "old/index.html": b"old", "data/a.json": b"1", "style.css": b"x",
                    "widgets/w.js": b"1"})
    untouched = (out / "style.css").stat().st_ino
    wanted = {"index.html": b"front 2", "new/index.html": b"new", "data/a.json": b"2", "style.css": b"x",
              "widgets/w.js": b"2"}
    written, removed = folder.sync(wanted)
    assert written == ["data/a.json", "widgets/w.js", "index.html", "new/index.html"]  # what pages use lands first
    assert removed == ["old/index.html"]
    assert read_tree(out) == wanted
    assert not (out / "old").exists() and (out / "style.css").stat().st_ino == untouched
    assert folder.sync({}) == ([], ["data/a.json", "index.html", "new/index.html", "style.css", "widgets/w.js"])
    assert out.is_dir() and not (out / "data").exists()  # emptied folders go, the site folder stays
