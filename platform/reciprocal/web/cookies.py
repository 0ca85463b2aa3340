"""Which session cookie a request carries, read one way for every check that runs before the guard."""

from __future__ import annotations

from collections.abc import Iterable, Mapping


def session_cookie(cookies: Mapping[str, str], names: Iterable[str]) -> tuple[str, str] | None:
    """The first of `names` the request sends with a value, and that value; None for someone not signed in.

    NOTE: presence only, before the guard has looked the session up: a forged or stale cookie counts here,
    which is safe for the checks that use this (the body limit and the CSRF token), since the guard refuses
    it afterwards.
    """
    return next(((name, cookies[name]) for name in names if cookies.get(name)), None)
