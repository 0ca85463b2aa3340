"""The nominating officer deletes a draft: a page asking them to be sure, and the form that does it."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from reciprocal.identity.services import Actor
from reciprocal.kernel.errors import Refused
from reciprocal.kernel.fields import version_field
from reciprocal.portals.officer.controllers import officer_home, referral_page
from reciprocal.portals.officer.forms import VersionForm
from reciprocal.portals.officer.lists import draft_name
from reciprocal.portals.officer.referral import OFFICER
from reciprocal.referrals.drafts import delete_draft, deletion_refused
from reciprocal.referrals.models import Referral
from reciprocal.referrals.services import STALE, StaleReferral, get_referral, record_view
from reciprocal.tenancy.models import Scheme
from reciprocal.web.forms import attempt
from reciprocal.web.urls import page, see_other


def _delete_page(
    request: Request[Any, Any, Any],
    scheme: Scheme,
    referral: Referral,
    refusal: str | None,
    *,
    stale: bool = False,
    status_code: int = 200,
) -> Template:
    """Are you sure, with the form; or, when the referral cannot be deleted, why not."""
    base = page(request, referral_page, referral_id=referral.id)
    posted = request.method == "POST"
    return Template(
        "officer/delete.html.j2",
        context={
            "scheme": scheme,
            "referral": referral,
            "title": "You cannot delete this referral" if refusal else "Delete this draft",
            "name": draft_name(referral.created_at, referral.officer_case_reference),
            "base": base,
            "action": page(request, delete_draft_page, referral_id=referral.id),
            "version": referral.version,
            "refusal": refusal,
            # The error summary only for a form that was sent: on the page itself the words say it.
            "error_list": [{"text": refusal}] if refusal and posted else [],
            "stale": STALE if stale else "",
        },
        status_code=status_code,
    )


@get("/referrals/{referral_id:uuid}/delete", opt=OFFICER)
async def delete_draft_page(
    request: Request[Any, Any, Any],
    referral_id: FromPath[uuid.UUID],
    db: NamedDependency[AsyncSession],
    scheme: NamedDependency[Scheme],
    actor: NamedDependency[Actor],
) -> Template:
    """The draft named, what deleting it means, and the button; another agency's or scheme's is a 404."""
    referral = await get_referral(db, actor, referral_id, for_update=False)
    record_view(db, actor, referral.id)
    return _delete_page(request, scheme, referral, deletion_refused(actor, referral))


@post("/referrals/{referral_id:uuid}/delete", opt=OFFICER, status_code=200)
async def delete_draft_post(
    request: Request[Any, Any, Any],
    referral_id: FromPath[uuid.UUID],
    data: URLEncodedBody[VersionForm],
    db: NamedDependency[AsyncSession],
    scheme: NamedDependency[Scheme],
    actor: NamedDependency[Actor],
) -> Response[Any]:
    deleted = await attempt(db, lambda: delete_draft(db, actor, referral_id, version=version_field(data.version)))
    if isinstance(deleted, Refused):
        # Nothing was deleted: the page again, as the referral is now, saying why.
        referral = await get_referral(db, actor, referral_id, for_update=False)
        if isinstance(deleted, StaleReferral):
            return _delete_page(request, scheme, referral, None, stale=True, status_code=409)
        return _delete_page(request, scheme, referral, deleted.message, status_code=409)
    return see_other(request, officer_home, {"deleted": str(referral_id)})


HANDLERS = [delete_draft_page, delete_draft_post]
