"""The ledger's pages: who owes whom per partner and bedroom class, a partner's statement, corrections."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Annotated, Any

import msgspec
from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery, QueryParameter, URLEncodedBody
from litestar.response import Stream, Template
from sqlalchemy.ext.asyncio import AsyncSession

from reciprocal.criteria.services import current_criteria
from reciprocal.identity.access import allow
from reciprocal.identity.models import Role
from reciprocal.identity.services import Actor
from reciprocal.kernel.dates import UK_TIME
from reciprocal.kernel.errors import Refused
from reciprocal.kernel.names import NameWarnings
from reciprocal.kernel.text import NOTE_LIMIT, text_problem
from reciprocal.ledger.services import (
    Balance,
    balances,
    correct,
    housing_partner,
    partners_over_cap,
)
from reciprocal.portals.ledger import leaving
from reciprocal.portals.ledger.queries import balances_table, entries_table, statement
from reciprocal.statements.services import Month, figures, this_month
from reciprocal.tenancy.models import Scheme
from reciprocal.web.downloads import DOWNLOAD, download, wanted
from reciprocal.web.forms import attempt, names_to_confirm
from reciprocal.web.urls import see_other

LEDGER = allow(Role.coordinator, Role.named_lead)
COORDINATOR = allow(Role.coordinator)


@dataclass
class PartnerBalances:
    """One partner's rows of the balance sheet, one per bedroom class."""

    partner_id: uuid.UUID
    name: str
    rows: list[Balance] = field(default_factory=list)

    @property
    def net(self) -> int:
        return sum(row.net for row in self.rows)


def _by_partner(sheet: list[Balance]) -> list[PartnerBalances]:
    partners: dict[uuid.UUID, PartnerBalances] = {}
    for row in sheet:
        partners.setdefault(row.partner_id, PartnerBalances(row.partner_id, row.partner_name)).rows.append(row)
    return list(partners.values())


def _own_only(actor: Actor) -> uuid.UUID | None:
    """A named lead sees their own organisation's account only; the coordinator sees every partner's."""
    return actor.organisation_id if actor.role == Role.named_lead else None


@get("/ledger", opt=LEDGER)
async def ledger_page(
    db: NamedDependency[AsyncSession],
    scheme: NamedDependency[Scheme],
    actor: NamedDependency[Actor],
    fmt: Annotated[str | None, QueryParameter(name=DOWNLOAD)] = None,
) -> Template | Stream:
    """Every partner's balance per bedroom class (a named lead's own only); `?format=csv|xlsx` downloads it."""
    download_as = wanted(fmt)
    own = _own_only(actor)
    sheet = await balances(db, scheme.id, own)
    if download_as:
        return download(db, actor, scheme, balances_table(sheet), download_as)
    published = await current_criteria(db, scheme.id)
    cap = published.criteria.partner_debt_cap if published else None
    over = await partners_over_cap(db, scheme.id, cap) if cap is not None else set()
    return Template(
        "ledger/balances.html.j2",
        context={
            "scheme": scheme,
            "actor": actor,
            "own": own,
            "partners": _by_partner(sheet),
            "left": await leaving.left_partners(db, scheme.id),
            "total": sum(row.net for row in sheet),
            "debt_cap": cap,
            "over_cap": over,
        },
    )


@get("/ledger/partners/{organisation_id:uuid}", opt=LEDGER)
async def statement_page(
    organisation_id: FromPath[uuid.UUID],
    db: NamedDependency[AsyncSession],
    scheme: NamedDependency[Scheme],
    actor: NamedDependency[Actor],
    done: FromQuery[str | None] = None,
    month: FromQuery[str | None] = None,
    fmt: Annotated[str | None, QueryParameter(name=DOWNLOAD)] = None,
) -> Template | Stream:
    """A partner's statement for a month (this one unless `?month=2026-11`): the month's figures, the balance at
    its end and the entries recorded in it (the balance carries the months before). Another partner's is not
    found for a named lead, nor a month to come.
    With `?format=csv` or `xlsx`, its entries download."""
    download_as = wanted(fmt)
    own = _own_only(actor)
    if own is not None and own != organisation_id:
        raise NotFoundException
    partner = await housing_partner(db, scheme.id, organisation_id)
    now = this_month()
    chosen = now if month is None else Month.parse(month)
    if partner is None or chosen is None or chosen.key > now.key:
        raise NotFoundException
    lines = await statement(db, scheme.id, partner_id=organisation_id, since=chosen.start, before=chosen.end)
    if download_as:
        return download(db, actor, scheme, entries_table(partner.name, chosen, lines), download_as)
    return Template(
        "ledger/statement.html.j2",
        context={
            "scheme": scheme,
            "actor": actor,
            "partner": partner,
            "month": chosen,
            "current": chosen == now,
            "months": _months(scheme, now),
            "figures": await figures(db, scheme.id, organisation_id, chosen),
            "lines": lines,
            "can_correct": actor.role == Role.coordinator,
            "corrected": done == "corrected",
            "done": done,
        },
    )


MONTHS_SHOWN = 36
"""How far back the month chooser goes (a month before the scheme began has nothing to show)."""


def _months(scheme: Scheme, now: Month) -> list[Month]:
    """The months a statement can be chosen for, newest first: from the scheme's start, three years at most."""
    first = Month.of(scheme.created_at.astimezone(UK_TIME).date())
    months = [now]
    while len(months) < MONTHS_SHOWN and months[-1].key > first.key:
        months.append(months[-1].previous)
    return months


class CorrectionForm(msgspec.Struct):
    reason: str = ""
    """Why the entry was wrong: partners read it on their statements."""
    names_confirmed: str = ""
    """Words the coordinator was warned may be names and kept: see web.forms.names_to_confirm."""


@get("/ledger/entries/{ledger_entry_id:uuid}/correct", opt=COORDINATOR)
async def correction_page(
    ledger_entry_id: FromPath[uuid.UUID], db: NamedDependency[AsyncSession], scheme: NamedDependency[Scheme]
) -> Template:
    return await _correction_page(db, scheme, ledger_entry_id)


@post("/ledger/entries/{ledger_entry_id:uuid}/correct", opt=COORDINATOR, status_code=200)
async def correct_entry(
    request: Request[Any, Any, Any],
    ledger_entry_id: FromPath[uuid.UUID],
    data: URLEncodedBody[CorrectionForm],
    db: NamedDependency[AsyncSession],
    scheme: NamedDependency[Scheme],
    actor: NamedDependency[Actor],
) -> Response[Any]:
    """Reverse one entry with the coordinator's reason: the original stays, a reversing entry is added."""
    reason = data.reason.strip()
    error = (
        "Enter why the entry is wrong"
        if not reason
        else text_problem(
            reason,
            limit=NOTE_LIMIT,
            too_long=f"Keep the reason to {NOTE_LIMIT} characters or fewer",
            identifying="partners read this reason on their statements",
        )
    )
    if error:
        return await _correction_page(db, scheme, ledger_entry_id, reason=reason[:NOTE_LIMIT], error=error)
    names = await names_to_confirm(db, scheme.id, {"reason": ("", reason)}, data.names_confirmed)
    if names.by_field:  # corrected once the coordinator sends the form again, having looked
        return await _correction_page(db, scheme, ledger_entry_id, reason=reason, names=names)
    reversing = await attempt(db, lambda: correct(db, actor, ledger_entry_id, reason=reason))
    if isinstance(reversing, Refused):
        return await _correction_page(db, scheme, ledger_entry_id, reason=data.reason, problem=reversing.message)
    corrected = next(row for row in reversing if row.reverses_id == ledger_entry_id)
    return see_other(request, statement_page, {"done": "corrected"}, organisation_id=corrected.partner_id)


async def _correction_page(
    db: AsyncSession,
    scheme: Scheme,
    entry_id: uuid.UUID,
    *,
    reason: str = "",
    error: str | None = None,
    problem: str | None = None,
    names: NameWarnings | None = None,
) -> Template:
    lines = await statement(db, scheme.id, entry_id=entry_id)
    if not lines:
        raise NotFoundException
    return Template(
        "ledger/correct.html.j2",
        context={
            "scheme": scheme,
            "line": lines[0],
            "reason": reason,
            "error": error,
            "problem": problem,
            "names": names,
        },
        status_code=400 if error or problem else 200,
    )


HANDLERS = [ledger_page, statement_page, correction_page, correct_entry, *leaving.HANDLERS]
