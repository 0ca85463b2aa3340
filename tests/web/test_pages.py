"""The public pages, as a browser-free HTTP client sees them, across two schemes."""

from __future__ import annotations

from support import visible_text
from support.web import Client


async def test_front_page_lists_both_schemes(client: Client) -> None:
    response = await client.get("/")
    assert response.status_code == 200
    assert "text/html" in response.headers["content-type"]
    assert "Pan London Housing Reciprocal" in response.text
    assert 'href="/s/pan-london/"' in response.text
    assert "Cambridgeshire and Peterborough Reciprocal" in response.text
    assert 'href="/s/cambridgeshire/"' in response.text


async def test_scheme_home_shows_its_own_scheme_only(client: Client) -> None:
    london = await client.get("/s/pan-london/")
    assert london.status_code == 200
    assert "Pan London Housing Reciprocal" in london.text
    assert 'href="/s/pan-london/sign-in"' in london.text
    assert "33 boroughs" in visible_text(london.text)  # 32 boroughs and the City of London
    assert "Cambridgeshire" not in london.text

    county = await client.get("/s/cambridgeshire/")
    assert county.status_code == 200
    assert "Cambridgeshire and Peterborough Reciprocal" in county.text
    assert "Pan London" not in county.text


async def test_criteria_page_renders_each_schemes_own_rules(client: Client) -> None:
    london = await client.get("/s/pan-london/criteria")
    assert london.status_code == 200
    text = visible_text(london.text)
    assert "Version 1" in text
    assert "Name at least 5 safe boroughs" in text
    for label in ("Domestic abuse", "Stalking", "Hate crime", "Serious violence"):
        assert label in text
    assert "Risk assessor required" in text
    assert "withdraws the referral" in text
    assert "more than 3 properties" in text

    county = await client.get("/s/cambridgeshire/criteria")
    assert county.status_code == 200
    county_text = visible_text(county.text)
    assert "Name at least 2 safe districts" in county_text
    assert "safe borough" not in county_text
    assert "risk borough" not in county_text
    assert "may refuse an offer and stay on the scheme" in county_text


async def test_unknown_scheme_is_a_plain_404_page(client: Client) -> None:
    for path in ("/s/atlantis/", "/s/atlantis/criteria", "/no-such-page", "/s/pan-london/no-such-page"):
        response = await client.get(path, headers={"accept": "text/html"})
        assert response.status_code == 404, path
        assert "Page not found" in response.text
        assert "Traceback" not in response.text
        assert "<h1" in response.text


async def test_scheme_slug_that_is_not_a_slug_is_404_not_500(client: Client) -> None:
    response = await client.get("/s/%27%3B%20drop%20table%20schemes%3B--/")
    assert response.status_code == 404


async def test_health_and_readiness(client: Client) -> None:
    health = await client.get("/healthz")
    assert health.status_code == 200
    assert health.json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["migrations"] == "current"


async def test_static_assets_are_served_from_our_own_origin(client: Client) -> None:
    for path in (
        "/static/vendor/govuk-frontend/govuk-frontend.min.css",
        "/static/vendor/htmx/htmx.min.js",
        "/static/app.js",
    ):
        response = await client.get(path)
        assert response.status_code == 200, path
    page = (await client.get("/")).text
    assert "https://" not in page.split("<body", 1)[0]  # nothing in <head> comes from another origin
