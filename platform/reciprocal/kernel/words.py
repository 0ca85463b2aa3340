"""Small pieces of English every page uses."""

from __future__ import annotations


def plural(word: str, count: int) -> str:
    """'1 borough', '2 boroughs': the word as it reads after `count`."""
    return word if count == 1 else f"{word}s"
