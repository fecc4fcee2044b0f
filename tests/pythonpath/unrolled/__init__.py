"""The checkout seen as the installed `unrolled` package (`unrolled.generator` is ROOT/generator, as
in the wheel), for test processes that must run this checkout whatever is installed: subprocesses put
this folder on PYTHONPATH, and conftest.py on sys.path (the NumPy 2.2.5 venv has no install at all)."""
from pathlib import Path

__path__ = [str(Path(__file__).resolve().parents[3])]
