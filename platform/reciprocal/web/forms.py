"""A page's form post that changes something: all of it, or, refused, none of it and the page again."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping

from sqlalchemy.ext.asyncio import AsyncSession

from reciprocal.kernel.errors import Refused
from reciprocal.kernel.names import NameWarnings, name_warnings, names_in
from reciprocal.tenancy.services import scheme_vocabulary


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


async def names_to_confirm(
    db: AsyncSession, tenant_id: uuid.UUID, texts: Mapping[str, tuple[str, str]], confirmed: str
) -> NameWarnings:
    """What a form's free text holds that may be someone's name and was not looked at (kernel.names): warned
    of, and saved only when the form is sent again. `texts` maps each field's id to its label and text.

    The scheme's own names ("Chelsea", "Brent") are not names of people: they are read from the database
    only when some word would otherwise warn.
    """
    if not any(names_in(text) for _, text in texts.values()):
        return NameWarnings()
    return name_warnings(texts, confirmed, ignore=await scheme_vocabulary(db, tenant_id))
