"""Training data: exploRNN's four functions and one-hot text, sampled with NumPy only.

Precompute (torch) and the in-browser trainer (Pyodide) both import this module, so the same seed gives
the same batches in both worlds. Every task is next-element prediction at every step: a sequence of
`window + 1` samples gives inputs `s[:-1]` and targets `s[1:]`.
"""
from __future__ import annotations

import math
import os
import re
from pathlib import Path

import numpy as np

STEP = 0.2  # Δx between samples, as in exploRNN
ROLLOUT = 32  # autoregressive predictions shown after the validation window (exploRNN: 2π / 0.2 ≈ 32)


def _sawtooth(x):
    return -1.0 + 2.0 * (np.mod(x, math.pi) / math.pi)


def _square(x):
    return np.where(np.sin(math.pi / 2.0 * x) >= 0.0, 1.0, -1.0)


def _composite(x):
    return (np.sin(1.5 * x) + np.sin(4.5 * x)) * 2.0 / 3.0


#: name -> (function of x, period in x units)
FUNCTIONS = {
    "sine": (np.sin, 2.0 * math.pi),
    "sawtooth": (_sawtooth, math.pi),
    "square": (_square, 4.0),
    "composite": (_composite, 4.0 * math.pi / 3.0),
}


def function_values(name: str, x: np.ndarray) -> np.ndarray:
    """The noiseless function `name` at positions `x` (float64)."""
    fn, _ = FUNCTIONS[name]
    return np.asarray(fn(np.asarray(x, dtype=np.float64)), dtype=np.float64)


def function_sequences(name: str, rng: np.random.Generator, count: int, length: int) -> np.ndarray:
    """`count` noiseless sequences of `length` samples, (count, length).

    Start offsets are spread evenly over one period from a random phase (as exploRNN does), then
    shuffled, so every epoch sees the whole shape of the function.
    """
    _, period = FUNCTIONS[name]
    phase = rng.uniform(0.0, period)
    starts = phase + period * np.arange(count) / count
    starts = starts[rng.permutation(count)]
    x = starts[:, None] + STEP * np.arange(length)[None, :]
    return function_values(name, x)


def add_noise(values: np.ndarray, rng: np.random.Generator, noise: float) -> np.ndarray:
    """Uniform noise in [-noise, noise]; exploRNN perturbs inputs only, never targets."""
    if noise <= 0.0:
        return values.copy()
    return values + rng.uniform(-noise, noise, size=values.shape)


def function_epoch(name: str, rng: np.random.Generator, count: int, window: int, noise: float = 0.0):
    """One epoch of training pairs: inputs (count, window, 1) with noise, targets (count, window, 1)."""
    seqs = function_sequences(name, rng, count, window + 1)
    inputs = add_noise(seqs[:, :-1], rng, noise)
    return inputs[..., None], seqs[:, 1:, None]


# --- text ------------------------------------------------------------------------------------------

TEXT_DATASETS = ("abab", "lorem", "c-code", "numpy-headers")
CORPORA = Path(__file__).resolve().parent / "corpora"
C_SUFFIXES = (".c", ".h")
MAX_CORPUS_CHARS = 1_000_000  # a directory like /usr/include holds 100+ MB; a toy network needs far less
# A large corpus holds out every 10th block of 8192 characters: validation text the model never trains
# on, spread over many files rather than one file's tail.
HOLDOUT_BLOCK = 8192
HOLDOUT_EVERY = 10
PARTS = ("train", "validation")


def abab_text() -> str:
    """Runs of 1, 2, 3, 4, 3, 2 "ab" pairs: guessing the next space means counting, a job for memory."""
    line = " ".join("ab" * n for n in (1, 2, 3, 4, 3, 2)) + "\n"
    return line * 16


class TextCorpus:
    """A text, its vocabulary (the sorted set of its characters) and the text encoded as int64 ids.

    With `holdout`, every HOLDOUT_EVERY-th block of HOLDOUT_BLOCK characters is validation text:
    `epoch(..., part="train")` windows never touch it and `part="validation"` windows lie inside it.
    Without, both parts are the whole text (the small bundled corpora).
    """

    def __init__(self, text: str, holdout: bool = False):
        if len(text) < 2:
            raise ValueError("a corpus needs at least two characters")
        self.text = text
        self.vocab = tuple(sorted(set(text)))
        self._codes = np.array([ord(c) for c in self.vocab], dtype=np.int64)
        self.ids = self.encode(text)
        self.held_out = None
        if holdout:
            blocks = np.arange(len(self.ids)) // HOLDOUT_BLOCK
            self.held_out = blocks % HOLDOUT_EVERY == HOLDOUT_EVERY - 1
            if not self.held_out.any():
                raise ValueError(f"a held-out corpus needs more than {HOLDOUT_BLOCK * (HOLDOUT_EVERY - 1)} characters")

    def encode(self, text: str) -> np.ndarray:
        """Character ids (int64) of `text`; every character must be in the vocabulary."""
        codes = np.frombuffer(text.encode("utf-32-le"), dtype="<u4").astype(np.int64)
        ids = np.minimum(np.searchsorted(self._codes, codes), len(self._codes) - 1)
        unknown = self._codes[ids] != codes
        if unknown.any():
            raise ValueError(f"characters not in the vocabulary: {sorted(set(np.array(list(text))[unknown]))}")
        return ids

    def decode(self, ids) -> str:
        return "".join(self.vocab[i] for i in np.asarray(ids).ravel())

    def one_hot(self, ids) -> np.ndarray:
        """(..., V) float64 one-hot rows for an int array of ids."""
        return np.eye(len(self.vocab))[np.asarray(ids)]

    def starts(self, window: int, part: str) -> np.ndarray:
        """Every start whose `window + 1` characters lie wholly inside `part` (held-out corpora only)."""
        inside = self.held_out if part == "validation" else ~self.held_out
        counts = np.concatenate(([0], np.cumsum(inside)))
        found = np.flatnonzero(counts[window + 1:] - counts[:-window - 1] == window + 1)
        if not len(found):
            raise ValueError(f"no {part} window of {window + 1} characters: held-out blocks are {HOLDOUT_BLOCK} long")
        return found

    def epoch(self, rng: np.random.Generator, count: int, window: int, part: str = "train"):
        """`count` windows from random starts: inputs (count, window, V) one-hot, targets (count, window) int64."""
        if part not in PARTS:
            raise ValueError(f"unknown part {part!r}; expected one of {PARTS}")
        if window + 1 > len(self.ids):
            raise ValueError(f"window {window} needs {window + 1} characters; the corpus has {len(self.ids)}")
        if self.held_out is None:
            starts = rng.integers(0, len(self.ids) - window, size=count)
        else:
            allowed = self.starts(window, part)
            starts = allowed[rng.integers(0, len(allowed), size=count)]
        seqs = self.ids[starts[:, None] + np.arange(window + 1)[None, :]]
        return self.one_hot(seqs[:, :-1]), seqs[:, 1:]


NOT_PLAIN = re.compile(r"[^\n\t -~]")
CHUNK_CHARS = 1 << 16  # corpora are read in pieces of this many characters, up to the cap


def _plain(text: str) -> str:
    """Printable ASCII, newlines and tabs only, so a header's stray bytes don't swell the vocabulary."""
    return NOT_PLAIN.sub("", text)


def c_files(directory: Path):
    """C sources under `directory`, in a fixed order: a folder's own files (sorted), then its subfolders."""
    for root, folders, files in os.walk(directory):
        folders.sort()
        for name in sorted(files):
            if name.endswith(C_SUFFIXES):
                yield Path(root) / name


def read_c_sources(directory, max_chars: int = MAX_CORPUS_CHARS) -> str:
    """The .c/.h files under `directory` joined, up to `max_chars`.

    Files are streamed in pieces and reading stops at the cap, so a corpus of hundreds of megabytes
    costs no more time or memory than its first `max_chars` characters.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise ValueError(f"corpus directory {directory} does not exist")
    parts, size = [], 0
    for path in c_files(directory):
        with open(path, encoding="utf-8", errors="replace") as fh:
            while size < max_chars and (chunk := fh.read(CHUNK_CHARS)):
                parts.append(_plain(chunk)[:max_chars - size])
                size += len(parts[-1])
        if size >= max_chars:
            break
    if size < 2:
        raise ValueError(f"no C sources (.c, .h) under {directory}")
    return "".join(parts)


def numpy_header_files() -> list[tuple[str, Path]]:
    """The C headers the installed NumPy ships (`numpy.get_include()`), as (relative path, path) in
    sorted order: a real C corpus of a few hundred KB, present wherever precompute runs."""
    import numpy

    root = Path(numpy.get_include())
    files = sorted((p.relative_to(root).as_posix(), p) for p in root.rglob("*.h") if p.is_file())
    if not files:
        raise ValueError(f"no NumPy C headers under {root} (numpy.get_include()): this NumPy build ships none; "
                         "install NumPy from a wheel that includes its headers, or use dataset 'c-code'")
    return files


def read_numpy_headers(max_chars: int = MAX_CORPUS_CHARS) -> str:
    """The NumPy headers joined in `numpy_header_files` order, printable ASCII only, up to `max_chars`."""
    text = "".join(_plain(path.read_text(encoding="utf-8", errors="replace")) for _, path in numpy_header_files())
    return text[:max_chars]


def load_text(name: str, corpus_dir=None, max_chars: int = MAX_CORPUS_CHARS) -> TextCorpus:
    """The corpus `name`; for "c-code", `corpus_dir` swaps the bundled sample for a directory of C sources.

    "numpy-headers" is the installed NumPy's C headers, with held-out validation blocks.
    """
    if name not in TEXT_DATASETS:
        raise ValueError(f"unknown text dataset {name!r}; expected one of {TEXT_DATASETS}")
    if corpus_dir is not None and name != "c-code":
        raise ValueError("corpus_dir only applies to the c-code dataset")
    if name == "abab":
        return TextCorpus(abab_text())
    if name == "lorem":
        return TextCorpus((CORPORA / "lorem.txt").read_text(encoding="utf-8"))
    if name == "numpy-headers":
        return TextCorpus(read_numpy_headers(max_chars), holdout=True)
    if corpus_dir is None:
        return TextCorpus((CORPORA / "sample.c").read_text(encoding="utf-8"))
    return TextCorpus(read_c_sources(corpus_dir, max_chars))


# --- recall: a long-range dependency whose answer is known -----------------------------------------

RECALL_QUERY, RECALL_BLANK = "?", "_"


def recall_vocab(symbols: int) -> tuple[str, ...]:
    """Keys a, b, … (one per symbol), distractors A, B, …, the query "?" and the blank target "_"."""
    if not 2 <= symbols <= 26:
        raise ValueError(f"recall needs 2..26 symbols, got {symbols}")
    keys = tuple(chr(ord("a") + i) for i in range(symbols))
    distractors = tuple(chr(ord("A") + i) for i in range(symbols))
    return keys + distractors + (RECALL_QUERY, RECALL_BLANK)


def recall_epoch(rng: np.random.Generator, count: int, window: int, delay: int, symbols: int):
    """Delayed recall: step 0 shows a key, steps 1..delay-1 random distractors, then queries "?".

    The target is blank "_" while the distractors run and the key from step delay on, so the loss at
    step t ≥ delay depends on one input exactly t steps back, and on nothing in between. Ids index
    `recall_vocab(symbols)`: inputs (count, window, V) one-hot, targets (count, window) int64.
    """
    if not 1 <= delay < window:
        raise ValueError(f"recall needs 1 <= delay < window, got delay {delay}, window {window}")
    vocab = len(recall_vocab(symbols))
    keys = rng.integers(0, symbols, size=count)
    ids = np.full((count, window), vocab - 2, dtype=np.int64)
    ids[:, 0] = keys
    ids[:, 1:delay] = symbols + rng.integers(0, symbols, size=(count, delay - 1))
    targets = np.full((count, window), vocab - 1, dtype=np.int64)
    targets[:, delay:] = keys[:, None]
    return np.eye(vocab)[ids], targets


# --- the author's own data: a CSV time series, or text files ---------------------------------------

OTHER = "\ufffd"  # the one symbol that stands for every character a vocabulary cap leaves out
NORMALIZE = ("zscore", "minmax", "none")


class DataError(ValueError):
    """What is wrong with an author's data file; `rule` names the mistake, `line` the file line (if any)."""

    def __init__(self, message: str, rule: str, line: int | None = None, hint: str = "", column: str | None = None):
        super().__init__(message)
        self.rule, self.line, self.hint, self.column = rule, line, hint, column


def held_out_from(length: int, holdout: float) -> int:
    """Index of the first held-out element: the last `holdout` share of a series or text (at least one)."""
    return length - max(1, math.ceil(holdout * length))


def cap_vocab(text: str, size: int) -> str:
    """`text` with all but its `size - 1` most frequent characters replaced by OTHER (ties: the lower code
    point is kept), so a vocabulary of `size` symbols covers it; unchanged when it already fits."""
    counts: dict[str, int] = {}
    for ch in text:
        counts[ch] = counts.get(ch, 0) + 1
    if len(counts) <= size:
        return text
    kept = set(sorted(counts, key=lambda ch: (-counts[ch], ord(ch)))[:size - 1])
    return "".join(ch if ch in kept else OTHER for ch in text)


def user_text(text: str, vocab: int | None, holdout: float) -> TextCorpus:
    """An author's text as a corpus whose last `holdout` share is held out (validation only)."""
    if vocab is not None:
        text = cap_vocab(text, vocab)
    corpus = TextCorpus(text)
    corpus.held_out = np.arange(len(corpus.ids)) >= held_out_from(len(corpus.ids), holdout)
    return corpus


def parse_csv(text: str, columns: list[str], x_column: str | None = None):
    """The named columns of a CSV text (header row first) as float64 (rows, len(columns)), and the x
    column (rows,) or None. Blank lines are skipped; every other row needs a finite number in each
    column read. Errors are DataError with the file line of the offending row."""
    import csv
    import io

    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    while header is not None and not any(cell.strip() for cell in header):
        header = next(reader, None)
    if header is None:
        raise DataError("the file is empty", "data-file-empty", hint="the first row names the columns, e.g. year,co2")
    names = [cell.strip() for cell in header]
    wanted = list(columns) + ([x_column] if x_column is not None else [])
    for name in wanted:
        if name not in names:
            raise DataError(f"no column {name!r}; the header (line {reader.line_num}) names "
                            + ", ".join(repr(n) for n in names), "csv-unknown-column", reader.line_num,
                            "use one of the header's column names (they are case-sensitive)", name)
    index = [names.index(name) for name in wanted]
    rows = []
    for row in reader:
        if not any(cell.strip() for cell in row):
            continue
        values = []
        for name, i in zip(wanted, index):
            cell = row[i].strip() if i < len(row) else ""
            try:
                value = float(cell)
            except ValueError:
                value = None
            if value is None or not math.isfinite(value):
                raise DataError(f"row {reader.line_num}, column {name!r}: {cell!r} is not a finite number",
                                "csv-not-numeric", reader.line_num,
                                "every cell of a column read must be a number (decimal point '.', no thousands "
                                "separator); remove or fill the row", name)
            values.append(value)
        rows.append(values)
    if not rows:
        raise DataError("the file has a header but no data rows", "data-file-empty", reader.line_num,
                        "add one row per time step below the header")
    table = np.array(rows, dtype=np.float64)
    return table[:, :len(columns)], (table[:, len(columns)] if x_column is not None else None)


def normalisation(values: np.ndarray, method: str) -> tuple[np.ndarray, np.ndarray]:
    """Per column (shift, scale) with normalised = (real − shift) / scale, from the training rows only.

    zscore: mean and standard deviation; minmax: the midpoint and half the range (values in [−1, 1]);
    none: 0 and 1. A constant column keeps scale 1.
    """
    if method == "zscore":
        shift, scale = values.mean(0), values.std(0)
    elif method == "minmax":
        lo, hi = values.min(0), values.max(0)
        shift, scale = (hi + lo) / 2.0, (hi - lo) / 2.0
    elif method == "none":
        shift, scale = np.zeros(values.shape[1]), np.ones(values.shape[1])
    else:
        raise ValueError(f"unknown normalisation {method!r}; expected one of {NORMALIZE}")
    return shift, np.where(scale > 0.0, scale, 1.0)


class Series:
    """A multi-column time series with one target column; the last `holdout` share of rows is held out.

    Training windows lie wholly in the rows before `split`, validation windows wholly from `split` on,
    so no validation target was ever a training input. Values are normalised with parameters of the
    training rows (`shift`, `scale` per column; real = value · scale + shift).
    """

    def __init__(self, real: np.ndarray, target: int, x: np.ndarray | None, holdout: float, normalize: str):
        if len(real) < 2:
            raise DataError(f"the series has {len(real)} row; at least two are needed", "csv-too-short")
        self.real, self.target = real, target
        self.split = held_out_from(len(real), holdout)
        self.shift, self.scale = normalisation(real[:self.split], normalize)
        self.values = (real - self.shift) / self.scale
        if x is None:
            self.x_start, self.x_step = 0.0, 1.0
        else:
            steps = np.diff(x)
            if len(x) > 1 and (steps[0] <= 0 or not np.allclose(steps, steps[0], rtol=1e-9, atol=0.0)):
                bad = int(np.flatnonzero(~np.isclose(steps, steps[0], rtol=1e-9, atol=0.0) | (steps <= 0))[0]) + 1
                raise DataError(f"the x column must rise in equal steps; data row {bad + 1} breaks the step "
                                f"{steps[0]:g}", "csv-x-uneven",
                                hint="sort the rows, fill the gaps, or leave out `x_column`")
            self.x_start, self.x_step = float(x[0]), float(steps[0]) if len(x) > 1 else 1.0

    def ranges(self, part: str) -> tuple[int, int]:
        return (0, self.split) if part == "train" else (self.split, len(self.values))

    def rows(self, part: str) -> int:
        lo, hi = self.ranges(part)
        return hi - lo

    def epoch(self, rng: np.random.Generator, count: int, window: int, part: str = "train"):
        """`count` windows from random starts inside `part`: inputs (count, window, C), targets (count, window, 1)."""
        lo, hi = self.ranges(part)
        if hi - lo < window + 1:
            raise ValueError(f"window {window} needs {window + 1} rows; the {part} part has {hi - lo}")
        starts = lo + rng.integers(0, hi - lo - window, size=count)
        seqs = self.values[starts[:, None] + np.arange(window + 1)[None, :]]
        return seqs[:, :-1], seqs[:, 1:, self.target, None]
