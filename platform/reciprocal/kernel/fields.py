"""Form fields as browsers send them, read once here: every field arrives as text, and may be anything.

NOTE: `str.isdigit()` and `int()` accept more than ASCII digits ("²" is a digit to one and not the other,
"٣" and "1_0" are numbers to `int()`), and a 20-digit number overflows the database's integers: read
numbers with these, never with `int()` on what was typed.
"""

from __future__ import annotations

from datetime import date

WHOLE_NUMBER_DIGITS = 9
"""The longest whole number a form may send: well inside the database's 32-bit integers."""

NO_VERSION = -1
"""What a missing or mangled version reads as: no row ever has it, so the form is stale."""


def whole_number(value: str) -> int | None:
    """`value` as a whole number (ASCII digits, spaces around them allowed), or None for anything else."""
    text = value.strip()
    if not (text.isascii() and text.isdigit()) or len(text) > WHOLE_NUMBER_DIGITS:
        return None
    return int(text)


def version_field(value: str) -> int:
    """The version a page was rendered from, which its form sends back in a hidden field.

    A missing or mangled one (non-digits, "²", 20 digits, a NUL byte) is NO_VERSION: the form is treated
    as stale, and the page shown again as it is now, never a 500.
    """
    version = whole_number(value)
    return NO_VERSION if version is None else version


def date_from_parts(day: str, month: str, year: str) -> date | None:
    """A GOV.UK date input's three boxes as a date, or None when one is empty, not a number or not a real date."""
    d, m, y = whole_number(day), whole_number(month), whole_number(year)
    if d is None or m is None or y is None:
        return None
    try:
        return date(y, m, d)
    except ValueError:
        return None
