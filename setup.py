"""Wheel build hook. The installed package mirrors the checkout under `unrolled/`: besides the Python
packages (mapped in pyproject.toml) it carries `site/` (the pages' JS, CSS and in-browser Python) and
the npm files of `generator/bundled.py` from `node_modules/`, so every path the code derives from its
own location (`generator/..`) holds in both. Editable installs read the checkout itself."""
import runpy
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.command.sdist import sdist

HERE = Path(__file__).resolve().parent
NPM_FILES = runpy.run_path(str(HERE / "generator" / "bundled.py"))["NPM_FILES"]


def site_files() -> list[Path]:
    """Every file of site/ except caches and dotfiles (the same filter as generator/vendor.py)."""
    return sorted(p for p in (HERE / "site").rglob("*") if p.is_file() and "__pycache__" not in p.parts
                  and p.suffix not in {".pyc", ".pyo"} and not any(s.startswith(".") for s in p.relative_to(HERE).parts))


def bundled_files() -> list[Path]:
    """What the package carries beside its Python packages, relative to the checkout; all must exist."""
    wanted = [p.relative_to(HERE) for p in site_files()]
    wanted += [Path("node_modules") / package / name for package, names in sorted(NPM_FILES.items()) for name in names]
    missing = [str(HERE / rel) for rel in wanted if not (HERE / rel).is_file()]
    if missing:
        raise SystemExit("unrolled: missing " + ", ".join(missing) + "\n  run `npm ci` in the checkout first "
                         "(package-lock.json pins KaTeX and Pyodide)")
    return wanted


class BuildPy(build_py):
    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return
        out = Path(self.build_lib) / "unrolled"
        for rel in bundled_files():
            (out / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(HERE / rel, out / rel)


class Sdist(sdist):
    """The sdist carries the same files, so a wheel built from it needs no npm either."""

    def make_distribution(self):
        self.filelist.files = sorted(set(self.filelist.files) | {rel.as_posix() for rel in bundled_files()})
        super().make_distribution()


setup(cmdclass={"build_py": BuildPy, "sdist": Sdist})
