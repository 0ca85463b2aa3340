"""Failed sign-ins are throttled per network address, per scheme; link requests per address too, and how each
is answered: the same page for every address, except in the demo, whose links are printed in its terminal."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from reciprocal.db.engine import Database
from reciprocal.identity.links import MAX_PER_ADDRESS, THROTTLE_WINDOW
from reciprocal.identity.models import Role
from reciprocal.kernel import clock
from reciprocal.kernel.dates import govuk_time
from reciprocal.portals.sign_in.controllers import FAILURES_ALLOWED
from reciprocal.settings import Settings
from smtp_server import Inbox
from support import DatabaseUnderTest, add_member, make_settings, visible_text
from support.mail import app_client, ask_for_link, same_page
from support.web import Client, post_from

OFFICER = "officer@refuge.example"
UNKNOWN = "nobody@refuge.example"
SIGN_IN = "/s/pan-london/sign-in"
IN_THE_TERMINAL = "In this demo, links are printed in the terminal where make demo runs, not emailed."


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


@pytest.mark.parametrize("demo", [False, True], ids=["service", "demo with a mail server"])
async def test_an_address_asked_for_too_often_gets_the_page_every_address_gets(
    database: DatabaseUnderTest, db: Database, inbox: Inbox, *, demo: bool
) -> None:
    # Known or not, sent a link or refused one as too many: nothing on the page tells them apart.
    await add_member(db, "pan-london", OFFICER, [("safe-steps-london", Role.nominating_officer)])
    async with app_client(database, make_settings(demo=demo, smtp_port=inbox.port)) as client:
        known = [await ask_for_link(client, SIGN_IN, OFFICER) for _ in range(MAX_PER_ADDRESS + 1)]
        unknown = [await ask_for_link(client, SIGN_IN, UNKNOWN) for _ in range(MAX_PER_ADDRESS + 1)]
    first = known[0]
    assert first.status_code == 200
    assert "Check your email" in visible_text(first.text)
    for answer in known:
        assert same_page(answer, OFFICER, first, OFFICER)
    for answer in unknown:
        assert same_page(answer, UNKNOWN, first, OFFICER)
    assert [m["To"] for m in await inbox.received()] == [OFFICER] * MAX_PER_ADDRESS


def _link_again_at(earliest: datetime, latest: datetime) -> set[str]:
    """The times the page may name: a window after a request made between `earliest` and `latest`, rounded up."""

    def rounded_up(at: datetime) -> datetime:
        minute = at.replace(second=0, microsecond=0)
        return minute if minute == at else minute + timedelta(minutes=1)

    return {govuk_time(rounded_up(at + THROTTLE_WINDOW)) for at in (earliest, latest)}


async def test_in_the_demo_an_address_asked_for_too_often_is_told_its_link_is_in_the_terminal(
    database: DatabaseUnderTest, db: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    settings: Settings = make_settings(demo=True, smtp_host=None)
    await add_member(db, "pan-london", OFFICER, [("safe-steps-london", Role.nominating_officer)])
    began = clock.now()
    async with app_client(database, settings) as client:
        sent = [await ask_for_link(client, SIGN_IN, OFFICER) for _ in range(MAX_PER_ADDRESS)]
        printed = capsys.readouterr().out
        one_too_many = await ask_for_link(client, SIGN_IN, OFFICER)
        unknown = [await ask_for_link(client, SIGN_IN, UNKNOWN) for _ in range(MAX_PER_ADDRESS + 1)]
    ended = clock.now()
    assert printed.count(f"--- email to {OFFICER}: Sign in to Pan London Housing Reciprocal") == MAX_PER_ADDRESS
    assert capsys.readouterr().out == ""  # nothing new was printed, for either address
    for answer in sent + unknown[:MAX_PER_ADDRESS]:
        assert "Check your email" in visible_text(answer.text)

    for answer, email in ((one_too_many, OFFICER), (unknown[-1], UNKNOWN)):
        assert answer.status_code == 200
        text = visible_text(answer.text)
        assert "No new sign-in link" in text
        assert (
            f"Sign-in links for {email} have been asked for more than {MAX_PER_ADDRESS} times in the last 15 minutes"
        ) in text
        assert "nothing new was printed" in text
        assert IN_THE_TERMINAL in text
        assert "Use the last link printed there for this address" in text
        # Every request counts, refused ones too: a link is made again once the second of these four has left
        # the window, which the page names.
        again = text.split("ask for another link from ", 1)[1].split(" (UK time)", 1)[0]
        assert again in _link_again_at(began, ended), again
    assert "Check your email" not in visible_text(one_too_many.text)
