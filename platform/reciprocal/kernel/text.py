"""Text as people type it: a length limit checked first, then a linear-time search for identifying details.

NOTE: every pattern here must run in time linear in the text's length, whatever the text: one request's
field is checked on the event loop, and a pattern that backtracks over a long run of letters stalls every
other request (20 KB of "a" once took 2.5 s). `tests/unit/test_text.py` times each on a megabyte.
"""

from __future__ import annotations

import functools
import operator
import re
import unicodedata

NOTE_LIMIT = 2000
"""The longest note or reason a person may write: a page of text, never a file pasted in."""

ADDRESS_LIMIT = 320
"""The longest email address (RFC 3696's limit): longer input is refused before it is looked at."""

# NOTE: deliberately broad: a false alarm costs the officer a rewording; a missed identifier may cost
# the applicant their safety. Text is normalised first (below), so fullwidth and other Unicode forms of
# letters, digits and "@" are the ASCII ones, and written-out "at" and "dot" are marks of their own.
#
# An email is "x@y.z" with no spaces but one either side of the "@": the lookbehind anchors each attempt at
# an "@", and the lazy run stops at the next "@" or space, so no character is scanned twice. One written
# "jo at example dot org" (or "[at]", "(dot)") is held to a stricter shape: a domain of letters ending in a
# name of two or more letters, so "at 10.30" and "at home. Then" stay words.
_AT, _DOT = "\ue000", "\ue001"  # private-use characters: marks for a written-out "at" and "dot"
_WRITTEN_AT = re.compile(r" ?[\[({<] ?at ?[\])}>] ?| at ", re.IGNORECASE)
_WRITTEN_DOT = re.compile(r" ?[\[({<] ?dot ?[\])}>] ?| dot ", re.IGNORECASE)
_EMAIL = re.compile(r"(?<=[^\s@]) ?@ ?[^\s@]+?\.[^\s@]")
_WRITTEN_EMAIL = re.compile(rf"(?<=\w){_AT}[^\W\d_][\w-]*(?:[.{_DOT}][\w-]+)*[.{_DOT}][^\W\d_]{{2}}")
# A UK number: 0 or +44 (with or without "(0)") and 9 or 10 more digits, up to two separators between any two.
_PHONE = re.compile(r"(?:(?:\+|\b00) ?44 ?(?:\(0\) ?)?|\b0|\(0)(?:\d[\s.()-]{0,2}){9,10}(?!\d)")
_POSTCODE = re.compile(r"\b[A-Z]{1,2}[ -]?\d[A-Z\d]?[ -]?\d[ -]?[A-Z][ -]?[A-Z]\b", re.IGNORECASE)
_NI_NUMBER = re.compile(r"\b[A-Z]{2} ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b", re.IGNORECASE)
_TEN_DIGITS = re.compile(r"(?<!\d)\d{3}[ -]?\d{3}[ -]?\d{4}(?!\d)")
_BIRTH = re.compile(r"\b(?:d\.? ?o\.? ?b\b|date of birth|birth ?date|born (?:on |in )?\d)", re.IGNORECASE)


@functools.cache
def _ascii_digits() -> dict[int, str]:
    """Every decimal digit of another script (Arabic-Indic, Devanagari, ...) to the ASCII digit it stands for:
    670 of them, found once (a tenth of a second), on the first text that is not ASCII."""
    return {c: str(unicodedata.decimal(chr(c))) for c in range(0x80, 0x110000) if chr(c).isdecimal()}


def normalised(text: str) -> str:
    """The text as the check reads it: NFKC (a fullwidth at sign is "@", "²" is "2"), every decimal digit ASCII,
    and written-out "at" and "dot" as marks of their own."""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
        text = text.translate(_ascii_digits())
    lower = text.lower()  # each pattern below is searched only where its word is there at all
    if "at" in lower:
        text = _WRITTEN_AT.sub(_AT, text)
    if "dot" in lower:
        text = _WRITTEN_DOT.sub(_DOT, text)
    return text


_NHS_WEIGHTS = (10, 9, 8, 7, 6, 5, 4, 3, 2)
_SEPARATORS = str.maketrans("", "", " -")


def _nhs_number(written: str) -> bool:
    """Whether ten digits pass the NHS number's modulus 11 check (so most other ten-digit runs do not)."""
    digits = written.translate(_SEPARATORS).encode()
    check = 11 - sum(map(operator.mul, digits[:9], _NHS_WEIGHTS), -48 * 54) % 11  # 48 is "0"; the weights sum to 54
    return (0 if check == 11 else check) == digits[9] - 48


NHS_CANDIDATES = 200
"""Ten-digit runs checked one by one: more than a note could hold (2,000 characters make 181). Text with
more is no note, and is refused as if one were an NHS number rather than checked for ever."""


def _holds_nhs_number(text: str) -> bool:
    for count, found in enumerate(_TEN_DIGITS.finditer(text)):
        if count == NHS_CANDIDATES or _nhs_number(found.group()):
            return True
    return False


def identifiers_in(text: str) -> list[str]:
    """Kinds of identifying detail found in `text`, as a message names them ('an email address', ...)."""
    text = normalised(text)
    found = []
    if ("@" in text and _EMAIL.search(text)) or (_AT in text and _WRITTEN_EMAIL.search(text)):
        found.append("an email address")
    if _PHONE.search(text):
        found.append("a phone number")
    if _POSTCODE.search(text):
        found.append("a postcode")
    if _NI_NUMBER.search(text):
        found.append("a National Insurance number")
    if _holds_nhs_number(text):
        found.append("an NHS number")
    if "b" in text.lower() and _BIRTH.search(text):  # every way of writing one has a "b"
        found.append("a date of birth")
    return found


def text_problem(text: str, *, limit: int, too_long: str, identifying: str) -> str | None:
    """What is wrong with free text, or None: its length first, so nothing longer than `limit` is searched.

    `too_long` is the message for text over the limit; `identifying` ends the message for text that holds
    an identifying detail ("Remove a phone number: <identifying>").
    """
    if len(text) > limit:
        return too_long
    found = identifiers_in(text)
    if found:
        return f"Remove {' and '.join(found)}: {identifying}"
    return None


def is_email_address(value: str) -> bool:
    """Whether `value` has the shape of one email address ("x@y.z", no spaces); checked in linear time."""
    if len(value) > ADDRESS_LIMIT or value.count("@") != 1 or any(c.isspace() for c in value):
        return False
    local, _, domain = value.partition("@")
    return bool(local) and "." in domain[1:-1]
