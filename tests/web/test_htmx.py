"""htmx requests are told apart one way: a fragment where a page updates in place, HX-Redirect to sign in."""

from __future__ import annotations

import pytest

from reciprocal.db.engine import Database
from reciprocal.settings import Settings
from support import visible_text
from support.web import Client, sign_in
from support.world import Desk

HTMX = {"hx-request": "true", "accept": "text/html"}


@pytest.mark.parametrize("slug", ["pan-london", "cambridgeshire"])
async def test_a_signed_out_htmx_request_is_sent_to_sign_in_as_a_whole_page(client: Client, slug: str) -> None:
    plain = await client.get(f"/s/{slug}/coordinator/", follow_redirects=False)
    assert (plain.status_code, plain.headers["location"]) == (303, f"/s/{slug}/sign-in")
    swapped = await client.get(f"/s/{slug}/coordinator/", headers=HTMX, follow_redirects=False)
    assert (swapped.status_code, swapped.headers["hx-redirect"]) == (401, f"/s/{slug}/sign-in")


async def test_a_signed_out_operator_htmx_request_is_sent_to_the_operators_sign_in(client: Client) -> None:
    swapped = await client.get("/operator/", headers=HTMX, follow_redirects=False)
    assert swapped.status_code == 401
    assert swapped.headers["hx-redirect"] == "/operator/sign-in"


async def test_the_offer_form_is_a_fragment_for_htmx_and_a_page_otherwise(
    client: Client, db: Database, settings: Settings, desk: Desk
) -> None:
    referral = await desk.circulating(desk.domestic_abuse())
    await sign_in(client, db, settings, desk.islington)
    path = f"/s/pan-london/named-lead/referrals/{referral.id}/offer"
    page = await client.get(path)
    fragment = await client.get(path, headers=HTMX)
    assert "<html" in page.text
    assert "<html" not in fragment.text
    assert "Available from" in visible_text(f"<body>{fragment.text}")
    assert fragment.headers["vary"].lower() == "hx-request"
