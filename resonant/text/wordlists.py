"""Word lists shipped as package data (`resonant/text/*.txt`), one entry per line.

Lists live in text files so that they can be read, diffed and extended without touching
code; `#` starts a comment line.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files


@cache
def word_list(name: str) -> tuple[str, ...]:
    """The entries of `resonant/text/<name>.txt`, comments and blank lines left out."""
    text = (files("resonant.text") / f"{name}.txt").read_text("utf-8")
    return tuple(
        line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )
