"""Small helpers for reading what a person would read."""

from __future__ import annotations

import re
from html import unescape

_TAGS = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")


def visible_text(html: str) -> str:
    """The page's words with tags removed and whitespace collapsed, as a reader sees them."""
    body = html.split("<body", 1)[-1].split(">", 1)[-1]
    body = re.sub(r"<script\b.*?</script>", " ", body, flags=re.DOTALL)
    return _SPACE.sub(" ", unescape(_TAGS.sub(" ", body))).strip()
