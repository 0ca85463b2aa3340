"""A page's form post that changes something: all of it, or, refused, none of it and the page again."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession

from reciprocal.kernel.errors import Refused


async def attempt[T](db: AsyncSession, command: Callable[[], Awaitable[T]]) -> T | Refused:
    """Run a form's command in a savepoint: what it returns, or the Refused it raised, rolled back.

    The page draws itself again with the refusal's words, in the request's transaction, which still holds
    whatever came before the command (the audit of the page's reading) and nothing the command did.
    Any other error propagates: NotFound is the 404 page, the rest a 500, and the transaction rolls back.
    """
    try:
        async with db.begin_nested():
            return await command()
    except Refused as refused:
        return refused
