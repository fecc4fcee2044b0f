"""Characters as a reader can see them in a figure drawn in Python ({cell}'s text runs)."""
from __future__ import annotations

VISIBLE_CHARS = {" ": "␣", "\n": "⏎", "\t": "⇥"}


def char_label(ch: str) -> str:
    """A character as a reader can see it: space, newline and tab get visible symbols."""
    return VISIBLE_CHARS.get(ch, ch)
