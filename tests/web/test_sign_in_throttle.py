"""Failed sign-ins are throttled per network address, per scheme."""

from __future__ import annotations

from reciprocal.portals.sign_in.controllers import FAILURES_ALLOWED
from support import visible_text
from support.web import Client, post_from


async def test_repeated_failures_pause_sign_in_from_that_network_in_that_scheme(client: Client) -> None:
    for _ in range(FAILURES_ALLOWED):
        refused = await post_from(
            client, "/s/pan-london/sign-in", "/s/pan-london/sign-in/link", {"token": "guessed-token"}
        )
        assert refused.status_code == 403
        assert "This sign-in link cannot be used" in visible_text(refused.text)

    paused = await post_from(client, "/s/pan-london/sign-in", "/s/pan-london/sign-in/link", {"token": "another-guess"})
    assert paused.status_code == 429
    assert "Too many failed sign-ins" in visible_text(paused.text)
    asking = await post_from(
        client, "/s/pan-london/sign-in", "/s/pan-london/sign-in", {"email": "someone@safesteps.example"}
    )
    assert asking.status_code == 429

    # The other scheme keeps its own count.
    elsewhere = await post_from(
        client, "/s/cambridgeshire/sign-in", "/s/cambridgeshire/sign-in", {"email": "someone@county.example"}
    )
    assert elsewhere.status_code == 200
    assert "Check your email" in visible_text(elsewhere.text)
