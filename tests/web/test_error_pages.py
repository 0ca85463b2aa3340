"""Error pages under a scheme: never kept by a cache, and each keeps the signed-in person's header."""

from __future__ import annotations

import pytest

from reciprocal.db.engine import Database
from reciprocal.identity.models import Role
from reciprocal.settings import Settings
from support import visible_text
from support.web import Client, act_as_new_member

LEADS = {"pan-london": "camden-council", "cambridgeshire": "cambridge-city-council"}


@pytest.mark.parametrize("slug", ["pan-london", "cambridgeshire"])
async def test_a_missing_page_keeps_the_header_and_no_cache_keeps_it(
    client: Client, db: Database, settings: Settings, slug: str
) -> None:
    coordinator = [("coordinator", Role.coordinator)]
    await act_as_new_member(client, db, settings, slug, f"co@{slug}.example", coordinator, name="Sam Okafor")
    for path in (f"/s/{slug}/no-such-page", f"/s/{slug}/coordinator/no/such/page"):
        page = await client.get(path, headers={"accept": "text/html"})
        assert page.status_code == 404, path
        text = visible_text(page.text)
        assert "Page not found" in text
        assert "Signed in as Sam Okafor" in text, path
        assert page.headers["cache-control"] == "no-store"


@pytest.mark.parametrize("slug", ["pan-london", "cambridgeshire"])
async def test_every_error_page_under_a_scheme_is_no_store(
    client: Client, db: Database, settings: Settings, slug: str
) -> None:
    lead = [(LEADS[slug], Role.named_lead)]
    await act_as_new_member(client, db, settings, slug, f"lead@{slug}.example", lead, name="Lee Lead")
    refused = await client.get(f"/s/{slug}/coordinator/", headers={"accept": "text/html"})
    assert refused.status_code == 403
    assert "Signed in as Lee Lead" in visible_text(refused.text)
    assert refused.headers["cache-control"] == "no-store"

    wrong_method = await client.get(f"/s/{slug}/coordinator/batch/release", headers={"accept": "text/html"})
    not_allowed = await client.delete(f"/s/{slug}/criteria", headers={"accept": "text/html"})
    for response in (wrong_method, not_allowed):
        assert response.status_code in (404, 405)
        assert response.headers["cache-control"] == "no-store"
    assert not_allowed.status_code == 405
    assert "Signed in as Lee Lead" in visible_text(not_allowed.text)


async def test_an_unknown_scheme_is_404_and_no_store(client: Client) -> None:
    page = await client.get("/s/no-such-scheme/anything", headers={"accept": "text/html"})
    assert page.status_code == 404
    assert page.headers["cache-control"] == "no-store"
