"""Failed sign-ins are throttled per network address, per scheme."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient

from reciprocal.portals.sign_in.controllers import FAILURES_ALLOWED
from support import visible_text

Client = AsyncTestClient[Litestar]


async def post(client: Client, slug: str, path: str, data: dict[str, str]):  # type: ignore[no-untyped-def]
    await client.get(f"/s/{slug}/sign-in")
    return await client.post(
        f"/s/{slug}{path}",
        data=data,
        headers={"x-csrftoken": client.cookies.get("csrftoken", path="/") or ""},
        follow_redirects=False,
    )


async def test_repeated_failures_pause_sign_in_from_that_network_in_that_scheme(client: Client) -> None:
    for _ in range(FAILURES_ALLOWED):
        refused = await post(client, "pan-london", "/sign-in/link", {"token": "guessed-token"})
        assert refused.status_code == 403
        assert "This sign-in link cannot be used" in visible_text(refused.text)

    paused = await post(client, "pan-london", "/sign-in/link", {"token": "another-guess"})
    assert paused.status_code == 429
    assert "Too many failed sign-ins" in visible_text(paused.text)
    asking = await post(client, "pan-london", "/sign-in", {"email": "someone@safesteps.example"})
    assert asking.status_code == 429

    # The other scheme keeps its own count.
    elsewhere = await post(client, "cambridgeshire", "/sign-in", {"email": "someone@county.example"})
    assert elsewhere.status_code == 200
    assert "Check your email" in visible_text(elsewhere.text)
