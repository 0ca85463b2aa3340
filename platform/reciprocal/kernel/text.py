"""Text as people type it: a length limit checked first, then a linear-time search for identifying details.

NOTE: every pattern here must run in time linear in the text's length, whatever the text: one request's
field is checked on the event loop, and a pattern that backtracks over a long run of letters stalls every
other request (20 KB of "a" once took 2.5 s). `tests/unit/test_text.py` times each on a megabyte.
"""

from __future__ import annotations

import re

NOTE_LIMIT = 2000
"""The longest note or reason a person may write: a page of text, never a file pasted in."""

ADDRESS_LIMIT = 320
"""The longest email address (RFC 3696's limit): longer input is refused before it is looked at."""

# NOTE: deliberately broad: a false alarm costs the officer a rewording; a missed identifier may cost
# the applicant their safety. An email is "x@y.z" with no spaces: the lookbehind anchors each attempt at an
# "@", and the lazy run stops at the next "@" or space, so no character is scanned twice.
_EMAIL = re.compile(r"(?<=[^\s@])@[^\s@]+?\.[^\s@]")
_PHONE = re.compile(r"(?:(?:\+|00)\s?44\s?|\b0)(?:\d[\s-]?){9,10}\b")
_POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b", re.IGNORECASE)


def identifiers_in(text: str) -> list[str]:
    """Kinds of identifying detail found in `text`: 'an email address', 'a phone number', 'a postcode'."""
    found = []
    if _EMAIL.search(text):
        found.append("an email address")
    if _PHONE.search(text):
        found.append("a phone number")
    if _POSTCODE.search(text):
        found.append("a postcode")
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
