"""What the wheel is made of: every Python package of the checkout is listed in pyproject.toml under
its `unrolled.` name, and the development venv's editable install resolves those names to this
checkout (the full install-and-build check is tests/integration/test_wheel.py)."""
import os
import subprocess
import sys
import tomllib

from tests.conftest import ROOT
from unrolled.generator.bundled import NODE_MODULES, NPM_FILES

SETUPTOOLS = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]


def test_every_package_folder_is_in_the_wheel():
    found = set()
    for top in ("generator", "precompute"):
        for init in (ROOT / top).rglob("__init__.py"):
            found.add("unrolled." + ".".join(init.parent.relative_to(ROOT).parts))
    assert found | {"unrolled_lite"} == set(SETUPTOOLS["packages"])
    assert SETUPTOOLS["package-dir"] == {"unrolled.generator": "generator", "unrolled.precompute": "precompute",
                                         "unrolled_lite": "site/py/unrolled_lite"}


def test_the_npm_files_the_wheel_carries_are_installed():
    assert NODE_MODULES == ROOT / "node_modules"
    missing = [f"{p}/{n}" for p, names in NPM_FILES.items() for n in names if not (NODE_MODULES / p / n).is_file()]
    assert missing == []


def test_the_editable_install_resolves_to_this_checkout(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    code = "import unrolled.generator as g, unrolled.precompute as p, unrolled_lite as l; print(g.__file__, p.__file__, l.__file__)"
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [str(ROOT / "generator" / "__init__.py"), str(ROOT / "precompute" / "__init__.py"),
                                   str(ROOT / "site" / "py" / "unrolled_lite" / "__init__.py")]
    old = subprocess.run([sys.executable, "-c", "import generator"], cwd=tmp_path, env=env, capture_output=True)
    assert old.returncode == 1  # the old top-level names are gone
