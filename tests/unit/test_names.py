"""The first-names warning: which words it names, which it passes, and that it stays linear."""

from __future__ import annotations

import time

import pytest

from reciprocal.kernel.names import first_names, name_warning, names_in, vocabulary


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("One dog called Max", ["Max"]),
        ("Sarah's ex-partner knows the area", ["Sarah"]),
        ("Staying with her sister Priya and Tomasz", ["Priya", "Tomasz"]),
        ("Mum of SARAH", ["Sarah"]),  # in capitals
        ("\uff33\uff41\uff52\uff41\uff48 needs a ground floor", ["Sarah"]),  # fullwidth letters
        ("Support from Grace and Hope", ["Grace", "Hope"]),  # ordinary words, capitalised mid-sentence
        ("Max, Max and Max", ["Max"]),  # each once
        ("Susan and Muhammad", ["Susan", "Muhammad"]),  # an adult's name of the 1960s, a child's of the 2020s
    ],
)
def test_a_first_name_is_found(text: str, names: list[str]) -> None:
    assert names_in(text) == names


@pytest.mark.parametrize(
    "text",
    [
        "Grace period agreed with the landlord. Hope to move before school starts",  # sentence starts
        "Will need a ground floor.\nMay need help with removals",  # ordinary words opening a line
        "Moved out in April; viewing in June or August",  # months are never names here
        "WILL NEED A LIFT",  # ordinary words in capitals
        "IDVA support in place, MARAC referral made",
        "one small dog",
        "",
    ],
)
def test_ordinary_text_names_nobody(text: str) -> None:
    assert names_in(text) == []


def test_the_schemes_own_place_and_partner_names_are_passed() -> None:
    ignore = vocabulary("Kensington and Chelsea", "Clarion Housing")
    assert names_in("Safe in Kensington and Chelsea", ignore=ignore) == []
    assert names_in("Safe in Kensington and Chelsea") == ["Chelsea"]


def test_the_list_holds_names_of_every_generation_and_marks_ordinary_words() -> None:
    names, ordinary = first_names()
    assert {"Margaret", "Susan", "Olivia", "Muhammad", "Oliver"} <= names
    assert {"Grace", "Hope", "Will"} <= ordinary <= names
    assert not {"Contents", "Notes", "April", "May"} & names  # table headings and months are left out


def test_the_warning_names_each_word() -> None:
    assert name_warning(["Max"]) == "\u201cMax\u201d may be a person's name"
    several = "\u201cMax\u201d, \u201cBella\u201d and \u201cJo\u201d may be people's names"
    assert name_warning(["Max", "Bella", "Jo"]) == several


@pytest.mark.parametrize("text", ["Sarah " * 200_000, "a" * 1_000_000, ". Grace" * 150_000, "Ｓ" * 1_000_000])
def test_a_megabyte_is_read_in_milliseconds(text: str) -> None:
    started = time.process_time()
    names_in(text)
    assert time.process_time() - started < 0.5
