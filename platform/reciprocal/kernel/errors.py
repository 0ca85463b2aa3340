"""Domain errors every page answers the same way: NotFound with the 404 page (web.errors), Refused with the form."""

from __future__ import annotations

from collections.abc import Sequence


class NotFound(Exception):
    """Not there, or not yours: the same answer, a 404 page."""


class Refused(Exception):
    """A change the domain will not make, said in words for the page: never a 500, and nothing left behind.

    `message` is for the whole form; `problems` are (field, message) pairs, for the fields they name.
    """

    def __init__(self, message: str = "", *, problems: Sequence[tuple[str, str]] = ()) -> None:
        super().__init__(message or "; ".join(f"{name}: {words}" for name, words in problems))
        self.message = message
        self.problems = list(problems)
