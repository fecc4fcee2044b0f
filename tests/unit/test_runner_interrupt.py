"""The cell runner's Stop for sleeping code, in CPython: a KeyboardInterrupt that landed where Python
could only print it ("Exception ignored in ...") is kept and raised by the next slice of `time.sleep`.
The interrupt buffer itself is exercised in real Pyodide by tests/browser/test_pyodide_stop.py."""
import gc
import sys
import time

import pytest

from unrolled_page import _runner


class StopLandsInFinaliser:
    def __del__(self):
        raise KeyboardInterrupt  # as a Stop that arrives while a weakref callback or finaliser runs


def test_an_interrupt_lost_in_a_finaliser_is_raised_by_the_next_sleep_slice(monkeypatch, capsys):
    monkeypatch.setattr(sys, "unraisablehook", _runner.keep_lost_interrupt)
    sleep = _runner.interruptible(time.sleep)
    StopLandsInFinaliser()
    gc.collect()
    assert "Exception ignored" not in capsys.readouterr().err
    with pytest.raises(KeyboardInterrupt):
        sleep(600)  # raised at the first check, long before the time is up
    sleep(0.05)  # raised once only


def test_other_unraisable_errors_are_still_printed(monkeypatch, capsys):
    monkeypatch.setattr(sys, "unraisablehook", _runner.keep_lost_interrupt)

    class Broken:
        def __del__(self):
            raise ValueError("a real bug")

    Broken()
    gc.collect()
    assert "ValueError: a real bug" in capsys.readouterr().err


def test_sleep_keeps_its_length_and_refuses_negative_time():
    sleep = _runner.interruptible(time.sleep)
    start = time.monotonic()
    sleep(0.1)
    assert time.monotonic() - start >= 0.1
    with pytest.raises(ValueError):
        sleep(-1)
