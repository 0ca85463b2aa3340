"""Domain errors every page answers the same way, registered once with the app (reciprocal.web.errors)."""

from __future__ import annotations


class NotFound(Exception):
    """Not there, or not yours: the same answer, a 404 page."""
