"""The free-text check: what it finds, and that no text, however long or odd, makes it slow."""

from __future__ import annotations

import time

import pytest

from reciprocal.kernel.text import identifiers_in, is_email_address, text_problem

MEGABYTE = 1_000_000

# Each shape made a backtracking pattern retry from every position: time grew with the square of the length.
HOSTILE = {
    "one word": "a" * MEGABYTE,
    "at signs": "a@" * (MEGABYTE // 2),
    "dots after an at": "a@" + "a." * (MEGABYTE // 2),
    "dots and a space": "a@" + ".a" * (MEGABYTE // 2) + " ",
    "digits": "0" * MEGABYTE,
    "digits and spaces": "0 " * (MEGABYTE // 2),
    "postcode-like": "SW1A1" * (MEGABYTE // 5),
}


@pytest.mark.parametrize("text", HOSTILE.values(), ids=HOSTILE.keys())
def test_a_megabyte_of_hostile_text_is_checked_in_milliseconds(text: str) -> None:
    started = time.process_time()
    identifiers_in(text)
    is_email_address(text)
    elapsed = time.process_time() - started
    # A linear pass over 1 MB takes a few milliseconds; the old pattern took minutes on "one word".
    assert elapsed < 0.5, f"{elapsed:.2f}s of CPU for 1 MB"


@pytest.mark.parametrize(
    "text",
    [
        "email her at jo.bloggs@example.org tomorrow",
        "x@y.z",
        "(a@b.co)",
        "first@second@third.org",
    ],
)
def test_an_email_address_is_found(text: str) -> None:
    assert identifiers_in(text) == ["an email address"]


@pytest.mark.parametrize("text", ["@example.org", "name@", "name@example", "name@example.", "a @b.c", "a@ b.c"])
def test_an_at_sign_alone_is_not_an_email_address(text: str) -> None:
    assert "an email address" not in identifiers_in(text)


def test_the_length_is_checked_before_the_text_is_searched() -> None:
    long = "call 07700 900123 " * 200
    assert text_problem(long, limit=100, too_long="Too long", identifying="no") == "Too long"
    assert text_problem(long[:100], limit=100, too_long="Too long", identifying="must not identify") == (
        "Remove a phone number: must not identify"
    )
    assert text_problem("Two cats", limit=100, too_long="Too long", identifying="no") is None


@pytest.mark.parametrize("address", ["name@example.org", "a.b-c@council.gov.uk"])
def test_an_email_address_has_one_at_and_a_dotted_domain(address: str) -> None:
    assert is_email_address(address)


@pytest.mark.parametrize(
    "address", ["", "name", "name@", "@example.org", "a@b@example.org", "name@example", "na me@example.org", "a@.org"]
)
def test_anything_else_is_not_an_email_address(address: str) -> None:
    assert not is_email_address(address)


def test_an_address_over_320_characters_is_refused_unread() -> None:
    assert not is_email_address("a" * 310 + "@example.org")
