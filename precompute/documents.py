"""Versioned JSON documents: schema validation on write and read, canonical bytes, provenance.

Documents are serialised canonically (sorted keys, no whitespace variation), so the same content always
gives the same bytes, which keeps the cache and the built site reproducible.
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import re
from functools import lru_cache
from importlib import metadata
from pathlib import Path

import jsonschema
from referencing import Registry, Resource

from . import arrays
from .errors import UnrolledError

SCHEMA_DIR = Path(__file__).with_name("schemas")
SCHEMA_MAJOR = 2  # 2: every document carries its digest
KINDS = ("run", "predictions", "weights", "itemized-gradients", "cell-trace", "horizon")
OPTIONAL_KINDS = ("horizon",)  # written only when the spec asks for it (its settings are in the cache key)
PACKAGE_DIR = Path(__file__).parent
# Code whose change alters the numbers: the precompute package and the shared datasets, tasks and corpora.
LITE_DIR = PACKAGE_DIR.parent / "site" / "py" / "unrolled_lite"
VERSIONED_SOURCES = (PACKAGE_DIR, LITE_DIR / "datasets.py", LITE_DIR / "tasks.py", LITE_DIR / "corpora")
UNVERSIONED = (PACKAGE_DIR / "rules.py",)  # the rule ids' table: declaring an id retrains nothing


def schema_id(kind: str) -> str:
    return f"unrolled.{kind}/{SCHEMA_MAJOR}"


@lru_cache(maxsize=None)
def _registry() -> Registry:
    resources = []
    for path in sorted(SCHEMA_DIR.glob("*.schema.json")):
        contents = json.loads(path.read_text(encoding="utf-8"))
        resources.append((contents["$id"], Resource.from_contents(contents)))
    return Registry().with_resources(resources)


@lru_cache(maxsize=None)
def _validator(kind: str):
    schema = _registry().get_or_retrieve(f"unrolled:{kind}").value.contents
    return jsonschema.Draft202012Validator(schema, registry=_registry())


def validate(doc: dict, *, source: str | Path | None = None) -> None:
    """Raise UnrolledError naming the first schema violation (path inside the document)."""
    schema = doc.get("schema", "")
    kind = schema.split(".", 1)[-1].split("/", 1)[0] if schema.startswith("unrolled.") else None
    if kind not in KINDS:
        raise UnrolledError(f"unknown document schema {schema!r}", file=source, rule="doc-schema",
                            hint=f"expected one of {[schema_id(k) for k in KINDS]}; re-run `unrolled precompute`")
    error = jsonschema.exceptions.best_match(_validator(kind).iter_errors(doc))
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "(document)"
        raise UnrolledError(f"{schema} document invalid at {where}: {error.message}", file=source,
                            rule="doc-invalid", hint="re-run `unrolled precompute --force` for this run")


def dumps(doc: dict) -> bytes:
    """Canonical JSON bytes (sorted keys, compact separators, trailing newline)."""
    return (json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
            + "\n").encode("utf-8")


def digest(doc: dict) -> str:
    """sha256 of the document's canonical bytes without its `digest` field."""
    return "sha256:" + hashlib.sha256(dumps({k: v for k, v in doc.items() if k != "digest"})).hexdigest()


def seal(doc: dict) -> dict:
    """The document with its digest, as it is written to the cache."""
    return {**doc, "digest": digest(doc)}


def _reject_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


def read(path: str | Path) -> dict:
    """The parsed document, only if its bytes are the ones its digest was made from.

    JSON's non-standard NaN and Infinity are refused (browsers cannot parse them).
    """
    path = Path(path)
    try:
        doc = json.loads(path.read_bytes().decode("utf-8"), parse_constant=_reject_constant)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise UnrolledError(f"cannot read document: {exc}", file=path, rule="doc-unreadable",
                            hint="re-run `unrolled precompute --force`") from None
    if not isinstance(doc, dict) or doc.get("digest") != digest(doc):
        raise UnrolledError("document does not match its digest: it was changed after it was written",
                            file=path, rule="doc-digest", hint="re-run `unrolled precompute --force`")
    return doc


DIGEST_FIELD = re.compile(rb'"digest":"(sha256:[0-9a-f]{64})",')


def check(path: str | Path) -> None:
    """Raise as `read` does unless the document is intact.

    A file as the cache writes it is checked on its bytes alone: without its digest field they are the
    canonical bytes the digest was made from. Anything else is parsed and checked as `read` does.
    """
    try:
        data = Path(path).read_bytes()
    except OSError:
        data = b""
    found = DIGEST_FIELD.search(data)
    if found and found[1].decode() == "sha256:" + hashlib.sha256(data[:found.start()] + data[found.end():]).hexdigest():
        return
    read(path)


def load(path: str | Path, *, decode: bool = True) -> dict:
    """Read, verify and validate a document; with `decode`, encoded arrays become numpy arrays."""
    doc = read(path)
    validate(doc, source=path)
    try:
        decoded = arrays.decode_tree(doc)
    except ValueError as exc:
        raise UnrolledError(f"{doc['schema']} document invalid: {exc}", file=path, rule="doc-array",
                            hint="re-run `unrolled precompute --force` for this run") from None
    return decoded if decode else doc


@lru_cache(maxsize=1)
def code_version() -> str:
    """Hash of the source that produces the numbers; any edit to it invalidates the cache."""
    digest = hashlib.sha256()
    for root in VERSIONED_SOURCES:
        paths = [root] if root.is_file() else sorted(root.rglob("*"))
        for path in paths:
            if (path.is_file() and path.suffix in {".py", ".json", ".c", ".txt"} and "__pycache__" not in path.parts
                    and path not in UNVERSIONED):
                digest.update(path.relative_to(PACKAGE_DIR.parent).as_posix().encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def versions() -> dict:
    return {name: metadata.version(name) for name in ("torch", "numpy", "unrolled")}


def torch_version() -> str:
    """The torch release that trains (or trained) this install's runs, a part of every cache key: the
    installed torch's public version (`2.13.0`, its build label such as `+cpu` dropped), or, without
    torch (a build whose runs are all cached needs none), the version this package pins."""
    try:
        return metadata.version("torch").split("+")[0]
    except metadata.PackageNotFoundError:
        pins = [re.split(r"[;,\s]", r.split("==", 1)[1].strip())[0] for r in metadata.requires("unrolled") or []
                if re.match(r"torch\s*==", r)]
        if not pins:
            raise
        return pins[0]


def created_at() -> str | None:
    """Creation time from SOURCE_DATE_EPOCH (reproducible builds); None when it is not set."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if not epoch:
        return None
    return _dt.datetime.fromtimestamp(int(epoch), _dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def provenance(spec_values: dict, key: str, created: str | None = None) -> dict:
    """`created` is passed in when a run trains elsewhere, so the client's SOURCE_DATE_EPOCH holds."""
    return {"spec": spec_values, "seed": spec_values["seed"], "code_version": code_version(), "key": key,
            "versions": versions(), "created": created or created_at()}


def document(doc_kind: str, run: str, prov: dict, **body) -> dict:
    return {"schema": schema_id(doc_kind), "run": run, "provenance": prov, **body}
