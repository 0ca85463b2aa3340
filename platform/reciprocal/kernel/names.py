"""Words in free text that look like a person's first name: a warning, never a refusal.

A name cannot be told from a word by its shape ("one dog called Max" may name a dog), so the check warns and
the person decides. The names are the ONS's first names for England and Wales (first_names.txt, rebuilt by
tools/first_names.py). A name that is also an ordinary word ("Grace", "Hope", "Will") is passed at the start
of a sentence, where any word is capitalised. Text is read as the identifier check reads it (NFKC), and in one
pass, so the time is linear in its length.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from reciprocal.kernel.text import normalised

_LIST = Path(__file__).with_name("first_names.txt")
# A sentence's end, a capitalised word (or one in capitals), or any other word: read in order, so each
# capitalised word knows whether a sentence starts with it.
_TOKENS = re.compile(r"[.!?:;\n\u2022]|\b[A-Z](?:[a-z]+|[A-Z]{2,})\b|\w+")


@functools.cache
def first_names() -> tuple[frozenset[str], frozenset[str]]:
    """Every listed name, and those of them that are ordinary words too."""
    names, ordinary = set(), set()
    for line in _LIST.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            name, _, mark = line.partition(" ")
            names.add(name)
            if mark == "*":
                ordinary.add(name)
    return frozenset(names), frozenset(ordinary)


def names_in(text: str, *, ignore: Collection[str] = ()) -> list[str]:
    """The first names written in `text`, each once, in the order they come; `ignore` holds words of the
    scheme's own vocabulary (its areas' and partners' names: "Chelsea", "Brent") that are never a warning."""
    names, ordinary = first_names()
    found: dict[str, None] = {}
    starting = True
    for token in _TOKENS.finditer(normalised(text)):
        word = token.group()
        if len(word) == 1 and not word.isalnum():
            starting = True
            continue
        if word.isupper():  # "SARAH" as "Sarah", unless an ordinary word ("WILL", "HOPE") in capitals
            word = word.title() if word.title() not in ordinary else ""
        if word in names and word not in ignore and not (starting and word in ordinary):
            found[word] = None
        starting = False
    return list(found)


def name_warning(names: list[str]) -> str:
    """'“Max” may be a person's name', '“Max” and “Bella” may be people's names'."""
    quoted = [f"\u201c{name}\u201d" for name in names]
    if len(quoted) == 1:
        return f"{quoted[0]} may be a person's name"
    return f"{', '.join(quoted[:-1])} and {quoted[-1]} may be people's names"


def vocabulary(*phrases: str) -> frozenset[str]:
    """The capitalised words of the scheme's own names ("Kensington and Chelsea"), for `names_in`'s ignore."""
    return frozenset(word for phrase in phrases for word in re.findall(r"\b[A-Z][a-z]+\b", phrase))


@dataclass(frozen=True)
class NameWarnings:
    """What a form says about words in its free text that may be names, before it saves them.

    The person looks, and sends the form again to keep them: the form carries back every such word it was
    shown (`confirmed`), so only a word new since then warns again.
    """

    by_field: dict[str, str] = field(default_factory=dict)
    """Each field holding such a word not yet looked at (its id) -> the warning."""
    confirmed: str = ""
    """Every such word in the form, for it to send back as looked at ("Max,Bella")."""


def name_warnings(
    texts: Mapping[str, tuple[str, str]], confirmed: str, *, ignore: Collection[str] = ()
) -> NameWarnings:
    """The warnings for a form's free text: `texts` maps each field's id to its label ("" on a form of one
    text) and its text; `confirmed` is what the form sent back as looked at already."""
    looked_at = set(confirmed.split(","))
    warnings, every = {}, []
    for field_id, (label, text) in texts.items():
        found = names_in(text, ignore=ignore)
        every += found
        new = [word for word in found if word not in looked_at]
        if new:
            warnings[field_id] = f"{label}: {name_warning(new)}" if label else name_warning(new)
    return NameWarnings(warnings, ",".join(dict.fromkeys(every)))
