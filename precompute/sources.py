"""Reading author files: strict UTF-8 with the failing line named, and the rule that they stay in the project.

Every file an author points at (a run spec, a bibliography, a corpus) goes through `inside_project`, so
`../../etc/passwd` or a symlink out of the project is refused in one place, with the same rule id.
"""
from __future__ import annotations

from pathlib import Path

from .errors import UnrolledError

OUTSIDE_RULE = "path-outside-project"


def read_text(path: str | Path, *, label: str | Path | None = None) -> str:
    """The file as text: UTF-8 (a leading byte-order mark is dropped), newlines made `\\n` as `open` does."""
    data = Path(path).read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise UnrolledError(f"not valid UTF-8: byte 0x{data[exc.start]:02x} on line {line} cannot be decoded",
                            file=label or path, line=line, rule="encoding-utf8",
                            hint="save the file as UTF-8 (most editors offer it under 'Save with encoding')") from None
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def inside_project(path: str | Path, root: str | Path | None, *, what: str, file=None, line: int | None = None,
                   hint: str = "") -> Path:
    """`path` unchanged when it resolves (symlinks followed) inside `root`; otherwise an error at file:line.

    `root=None` means no project is known (a spec file named on the command line outside any project).
    """
    path = Path(path)
    if root is None:
        return path
    resolved, base = path.resolve(), Path(root).resolve()
    if not resolved.is_relative_to(base):
        raise UnrolledError(f"{what} {str(path)!r} resolves to {resolved}, outside the project {base}",
                            file=file, line=line, rule=OUTSIDE_RULE,
                            hint=hint or "keep the file inside the project folder (no `../` out of it, no symlink "
                                         "pointing elsewhere)")
    return path
