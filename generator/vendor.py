"""The in-browser Python of a site: Pyodide's core, the site's own Python packages, `vendor-pyodide`.

* **Core.** Pyodide 0.29.5 from npm (`node_modules/pyodide`), or from `vendor/pyodide/` in the project
  when `unrolled vendor-pyodide` has put a distribution there. Only the files `loadPyodide` fetches are
  copied (bytes as they are, never regenerated) to `_site/pyodide/<hash>/`, and only when a page has a
  `{pyodide}` cell. `<hash>` comes from the lock file and loader, so a new Pyodide gets a new folder.
* **Distribution packages** (NumPy, ...) load from the package base URL: `[site] pyodide_packages` in
  `unrolled.toml` (default: the official CDN for this version), or the site itself once vendored.
* **The site's packages** `unrolled_lite` and `unrolled_page` (`site/py/`) go to the browser as one zip,
  byte-identical across builds (sorted entries, fixed dates and modes), unpacked on first use.
"""
from __future__ import annotations

import hashlib
import io
import json
import re
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path

from unrolled.precompute.errors import UnrolledError

from .bundled import NODE_MODULES, PYODIDE_CORE as CORE_FILES
from .config import PYODIDE_PACKAGES, SITE_SOURCES
from .swap import replace_folder

ROOT = Path(__file__).resolve().parent.parent
NPM_CORE = NODE_MODULES / "pyodide"
LOCK = "pyodide-lock.json"
VENDOR_DIR = "vendor/pyodide"  # inside the project
PY_PACKAGES = ("unrolled_lite", "unrolled_page")
ZIP_DATE = (1980, 1, 1, 0, 0, 0)

_bytes_cache: dict[tuple, bytes] = {}


def read_cached(path: Path) -> bytes:
    """File bytes, kept in memory while the file is unchanged (a dev server rebuilds often)."""
    stat = path.stat()
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    if key not in _bytes_cache:
        for old in [k for k in _bytes_cache if k[0] == key[0]]:
            del _bytes_cache[old]
        _bytes_cache[key] = path.read_bytes()
    return _bytes_cache[key]


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


# -- the site's own Python packages ------------------------------------------------------------------
def python_files(root: Path = SITE_SOURCES / "py") -> list[tuple[str, Path]]:
    """(archive name, path) of every file of the site's packages, sorted; no caches or dotfiles."""
    out = []
    for package in PY_PACKAGES:
        base = root / package
        if not base.is_dir():
            continue
        for path in base.rglob("*"):
            rel = path.relative_to(root)
            if (path.is_file() and "__pycache__" not in rel.parts and path.suffix not in {".pyc", ".pyo"}
                    and not any(part.startswith(".") for part in rel.parts)):
                out.append((rel.as_posix(), path))
    return sorted(out)


def python_zip(root: Path = SITE_SOURCES / "py") -> bytes:
    """A zip of the site's packages with the same bytes whenever the sources are the same."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, path in python_files(root):
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.external_attr = 0o100644 << 16
            info.create_system = 3
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, read_cached(path), compresslevel=9)
    return buffer.getvalue()


# -- the runtime a build ships -------------------------------------------------------------------------
@dataclass(frozen=True)
class Runtime:
    core_dir: Path  # where the core (and, when vendored, the packages) come from
    vendored: bool
    folder: str  # site-relative folder of the core, e.g. "pyodide/3f2a…/"
    packages_url: str  # absolute URL, or "" when packages are served from `folder`
    zip_path: str  # site-relative path of the packages zip
    zip_bytes: bytes
    available: frozenset  # normalised package names the lock knows

    def options(self, prefix: str) -> dict:
        """What a page's cells need, with URLs relative to the page."""
        return {"index": prefix + self.folder, "packages": self.packages_url or prefix + self.folder,
                "zip": prefix + self.zip_path}

    def files(self) -> dict[str, bytes]:
        names = sorted(p.name for p in self.core_dir.iterdir() if p.is_file()) if self.vendored else CORE_FILES
        files = {self.folder + name: read_cached(self.core_dir / name) for name in names}
        files[self.zip_path] = self.zip_bytes
        return files


def core_source(project) -> tuple[Path, bool]:
    vendored = Path(project.root) / VENDOR_DIR
    if (vendored / LOCK).is_file():
        return vendored, True
    if all((NPM_CORE / name).is_file() for name in CORE_FILES):
        return NPM_CORE, False
    raise UnrolledError(f"the Pyodide core is missing ({NPM_CORE} has no {', '.join(CORE_FILES)})",
                        rule="pyodide-missing", hint=f"in a checkout run `npm ci` in {ROOT} (package.json pins pyodide 0.29.5; "
                        "an installed unrolled carries the core, so reinstall it), "
                        "or `unrolled vendor-pyodide --dist PATH` to vendor a full Pyodide distribution")


_runtimes: dict[tuple, Runtime] = {}


def runtime(project) -> Runtime:
    """The runtime for `project` (memoised while its inputs are unchanged: the directive asks per cell)."""
    core_dir, vendored = core_source(project)
    key = (str(core_dir), getattr(project, "pyodide_packages", ""),
           tuple((name, path.stat().st_mtime_ns, path.stat().st_size) for name, path in python_files()),
           (core_dir / LOCK).stat().st_mtime_ns)
    if key not in _runtimes:
        _runtimes.clear()
        _runtimes[key] = _make_runtime(project, core_dir, vendored)
    return _runtimes[key]


def _make_runtime(project, core_dir: Path, vendored: bool) -> Runtime:
    lock_bytes = read_cached(core_dir / LOCK)
    digest = hashlib.sha256(lock_bytes + read_cached(core_dir / "pyodide.mjs")).hexdigest()[:12]
    packages = json.loads(lock_bytes).get("packages", {})
    url = "" if vendored else (getattr(project, "pyodide_packages", "") or PYODIDE_PACKAGES)
    if url and not url.endswith("/"):
        url += "/"
    data = python_zip()
    zip_path = f"assets/py/unrolled.{hashlib.sha256(data).hexdigest()[:12]}.zip"
    available = frozenset(normalize(k) for k in packages) | frozenset(normalize(v.get("name", k))
                                                                       for k, v in packages.items())
    return Runtime(core_dir, vendored, f"pyodide/{digest}/", url, zip_path, data, available)


# -- unrolled vendor-pyodide ---------------------------------------------------------------------------
def packages_in_content(project) -> set[str]:
    """Package names the project's {pyodide} cells ask for (drafts too), as their directives record them
    from the options alone: vendoring comes before a build, which checks every cell's packages."""
    from .build import discover
    from .markdown_ext import page_needs

    if not Path(project.content_dir).is_dir():
        return set()
    names: set[str] = set()
    for page in discover(project):
        if page.body:
            names |= page_needs(page.body, str(page.source.relative_to(project.root)), page.offset).packages
    return names


def resolve(packages: dict, wanted: set[str], lock_path: Path) -> list[str]:
    """Lock keys of `wanted` and everything they depend on, sorted."""
    by_name = {normalize(k): k for k in packages} | {normalize(v.get("name", k)): k for k, v in packages.items()}
    todo = sorted(wanted)
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        key = by_name.get(normalize(name))
        if key is None:
            raise UnrolledError(f"package {name!r} is not in the distribution's lock file", file=lock_path,
                                rule="vendor-package", hint="check the name (e.g. numpy), or use a full Pyodide "
                                "distribution (pyodide-*.tar.bz2 from the Pyodide release page)")
        if key in seen:
            continue
        seen.add(key)
        todo.extend(packages[key].get("depends", []))
    return sorted(seen)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def vendor_pyodide(project, dist: str | Path, extra: tuple = ()) -> dict:
    """Copy the Pyodide core, NumPy, the cells' `packages` and their dependencies from a full Pyodide
    distribution into `<project>/vendor/pyodide/`, with a lock file listing only those packages."""
    dist = Path(dist).expanduser().resolve()
    lock_path = dist / LOCK
    if not lock_path.is_file():
        raise UnrolledError(f"{dist} is not a Pyodide distribution: it has no {LOCK}", file=dist,
                            rule="vendor-dist", hint="pass the folder unpacked from pyodide-<version>.tar.bz2 "
                            "(it holds pyodide.mjs, pyodide-lock.json and the package wheels)")
    try:
        lock = json.loads(lock_path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise UnrolledError(f"{LOCK} is not valid JSON: {exc}", file=lock_path, rule="vendor-dist",
                            hint="the distribution looks damaged; unpack it again") from None
    info, packages = lock.get("info", {}), lock.get("packages", {})
    if (NPM_CORE / LOCK).is_file():
        npm_info = json.loads((NPM_CORE / LOCK).read_text(encoding="utf-8")).get("info", {})
        for key in ("abi_version", "python"):
            if key in npm_info and info.get(key) != npm_info[key]:
                raise UnrolledError(f"the distribution is built for {key} {info.get(key)!r}, the site's Pyodide "
                                    f"(npm) for {npm_info[key]!r}", file=lock_path, rule="vendor-abi",
                                    hint="use the full distribution of the same Pyodide version (0.29.5)")
    missing = [name for name in CORE_FILES if not (dist / name).is_file()]
    if missing:
        raise UnrolledError(f"the distribution lacks {', '.join(missing)}", file=dist, rule="vendor-dist",
                            hint="pass the full distribution folder, not only its packages")
    wanted = {"numpy"} | packages_in_content(project) | set(extra)
    keys = resolve(packages, wanted, lock_path)
    files = {}
    for key in keys:
        entry = packages[key]
        name = entry["file_name"]
        if "://" in name or name.startswith("/") or ".." in Path(name).parts:
            raise UnrolledError(f"package {key!r} points outside the distribution ({name})", file=lock_path,
                                rule="vendor-package", hint="use a distribution whose lock names local files")
        path = dist / name
        if not path.is_file():
            raise UnrolledError(f"package {key!r}: {name} is missing from the distribution", file=lock_path,
                                rule="vendor-package", hint="unpack the full distribution again")
        if entry.get("sha256") and sha256_file(path) != entry["sha256"]:
            raise UnrolledError(f"package {key!r}: {name} does not match its sha256 in the lock file",
                                file=path, rule="vendor-sha256", hint="the file is damaged; unpack the "
                                "distribution again")
        files[name] = path
    for name in CORE_FILES[:-1]:
        files[name] = dist / name
    out = Path(project.root) / VENDOR_DIR
    filtered = {"info": info, "packages": {key: packages[key] for key in keys}}

    def fill(tree: Path) -> None:
        for name, path in sorted(files.items()):
            shutil.copyfile(path, tree / name)
        (tree / LOCK).write_text(json.dumps(filtered, indent=1, sort_keys=True) + "\n", encoding="utf-8")

    replace_folder(out, fill)
    size = sum((out / name).stat().st_size for name in [*files, LOCK])
    return {"folder": out, "packages": keys, "files": sorted([*files, LOCK]), "bytes": size}
