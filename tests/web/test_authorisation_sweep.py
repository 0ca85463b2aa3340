"""Every route, found by walking the app: each declares who may use it, and is refused to everyone else.

Nothing here lists the routes by hand, so a route added later is covered the day it is added: one without
a rule fails the first test, and one for roles is tried with every other role, with no one signed in, and
with ids that are nobody's or another scheme's.

Path parameters `{x_id:uuid}` are filled with an object of the second scheme (cambridgeshire) found by the
parameter's name: `x` is a model's name in snake case (`user_id` -> User, `organisation_id` -> Organisation,
`referral_id` -> Referral) or an alias in ALIASES (`provider_id` -> IdentityProvider). The second scheme's
test data has organisations; the sweep adds a person, an identity provider and a draft referral. A parameter
it still cannot fill must be listed in RANDOM_IDS_ONLY, and its routes get a random uuid in both tries.
"""

from __future__ import annotations

import datetime as dt
import decimal
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from litestar import Litestar
from litestar.handlers import HTTPRouteHandler
from litestar.routes import HTTPRoute
from sqlalchemy import String, select

import reciprocal.migrations.models as every_model
from reciprocal.db.base import Base, TenantOwned
from reciprocal.db.engine import Database
from reciprocal.identity.access import ALLOW, PUBLIC_RULE
from reciprocal.identity.models import IdentityProvider, Role
from reciprocal.identity.services import SESSION_COOKIE
from reciprocal.kernel import clock
from reciprocal.notifications.models import MessageState
from reciprocal.operations import services as operations
from reciprocal.portals.operator.controllers import OPERATOR_COOKIE, OPERATOR_RULE, admit_operator
from reciprocal.settings import Settings
from reciprocal.tenancy.models import Scheme
from reciprocal.web.guard import admit
from support import add_member, session_token
from support.web import Client, csrf_token, new_member_session, page_of

SCHEME = "pan-london"
OTHER_SCHEME = "cambridgeshire"
SCHEME_PREFIX = "/s/{scheme_slug:str}"

PUBLIC_OUTSIDE_SCHEMES = {"/", "/healthz", "/readyz"}
"""The only paths outside /s/{scheme}/ and /operator/ : the directory of schemes and the health checks."""
PUBLIC_OUTSIDE_PREFIXES = ("/static/",)
OPERATOR_PREFIX = "/operator"
"""The operators' pages: behind their own guard and cookie, open to no scheme's session."""

MEMBERSHIP_FOR = {
    Role.nominating_officer: "safe-steps-london",
    Role.named_lead: "camden-council",
    Role.coordinator: "coordinator",
    Role.risk_assessor: "islington-council",
    Role.scheme_admin: "coordinator",
    Role.funder: "coordinator",
}
"""Where each test person holds their one role in pan-london."""

ALIASES: dict[str, type[Base]] = {
    "provider": IdentityProvider,
    "member": every_model.User,
    "message": every_model.OutboxMessage,
}
"""Parameter names that are not their model's name."""

RANDOM_IDS_ONLY = {
    # Ledger entries exist only once a move completes, which the second scheme's test data never reaches:
    # GET and POST /s/{scheme}/ledger/entries/{ledger_entry_id}/correct
    "ledger_entry_id",
    # A cohort hand-over names two schemes (not tenant-owned): a third scheme's admin asking for one is shown
    # not found in tests/cohorts (test_cohort_pages, test_cohort_handover).
    "handover_id",
}
"""uuid parameters with no object of the second scheme to try: anything else unfilled fails the sweep."""

SAMPLE_VALUES: dict[type, str] = {
    str: "sample",
    int: "1",
    float: "1.5",
    decimal.Decimal: "1.5",
    Path: "sample",
    dt.date: "2026-01-01",
    dt.datetime: "2026-01-01T00:00:00",
    dt.time: "12:00:00",
    dt.timedelta: "60",
}
"""What fills a path parameter that is not a uuid: any well-formed value will do."""


@dataclass(frozen=True)
class Endpoint:
    path: str
    """The route's path, e.g. /s/{scheme_slug:str}/admin/users/{user_id:uuid}."""
    path_format: str
    """The same with bare names, ready for str.format."""
    method: str
    handler: HTTPRouteHandler
    parameters: dict[str, type]

    @property
    def rule(self) -> Any:
        return self.handler.opt.get(ALLOW)

    @property
    def admitted(self) -> frozenset[Role]:
        """The roles the rule admits; none for an undeclared route (the guard refuses it to everyone)."""
        return self.rule if isinstance(self.rule, frozenset) else frozenset()

    def __str__(self) -> str:
        return f"{self.method} {self.path} ({self.handler.handler_name})"


def _is_automatic_options(handler: HTTPRouteHandler) -> bool:
    """Litestar adds an OPTIONS handler to every path; the guard refuses it under /s/ (no rule declared)."""
    return handler.fn.__qualname__.startswith("HTTPRoute.create_options_handler")


def endpoints(app: Litestar) -> Iterator[Endpoint]:
    for route in app.routes:
        assert isinstance(route, HTTPRoute), f"{route.path}: only HTTP routes are expected, not {type(route)}"
        for handler in route.route_handlers:
            if _is_automatic_options(handler):
                continue
            for method in sorted(handler.http_methods):
                yield Endpoint(
                    path=route.path,
                    path_format=route.path_format,
                    method=method,
                    handler=handler,
                    parameters={name: p.type for name, p in route.path_parameters.items()},
                )


def scheme_endpoints(app: Litestar) -> list[Endpoint]:
    return [e for e in endpoints(app) if e.path.startswith(SCHEME_PREFIX)]


def role_endpoints(app: Litestar) -> list[Endpoint]:
    return [e for e in scheme_endpoints(app) if e.rule != PUBLIC_RULE]


def operator_endpoints(app: Litestar) -> list[Endpoint]:
    return [e for e in endpoints(app) if e.path == OPERATOR_PREFIX or e.path.startswith(f"{OPERATOR_PREFIX}/")]


def url(endpoint: Endpoint, ids: dict[str, uuid.UUID] | None = None) -> str:
    values: dict[str, str] = {}
    for name, kind in endpoint.parameters.items():
        if name == "scheme_slug":
            values[name] = SCHEME
        elif kind is uuid.UUID:
            values[name] = str((ids or {}).get(name) or uuid.uuid4())
        else:
            values[name] = SAMPLE_VALUES[kind]
    return endpoint.path_format.format(**values)


# --- every route declares who may use it ------------------------------------------------------------------


def test_every_route_declares_who_may_use_it(app: Litestar) -> None:
    problems: list[str] = []
    operator_paths = {e.path for e in operator_endpoints(app)}
    for endpoint in endpoints(app):
        if endpoint.path in operator_paths:
            if admit_operator not in endpoint.handler.resolve_guards():
                problems.append(f"{endpoint}: not behind the operator router's guard")
            if endpoint.rule not in (PUBLIC_RULE, OPERATOR_RULE):
                problems.append(f"{endpoint}: opt['allow'] must be PUBLIC or OPERATOR, not {endpoint.rule!r}")
            continue
        if not endpoint.path.startswith(SCHEME_PREFIX):
            if endpoint.path not in PUBLIC_OUTSIDE_SCHEMES and not endpoint.path.startswith(PUBLIC_OUTSIDE_PREFIXES):
                problems.append(f"{endpoint}: outside any scheme and not one of the public paths")
            continue
        if admit not in endpoint.handler.resolve_guards():
            problems.append(f"{endpoint}: not behind the scheme router's guard")
        rule = endpoint.rule
        if rule == PUBLIC_RULE:
            continue
        if not (isinstance(rule, frozenset) and rule and all(isinstance(role, Role) for role in rule)):
            problems.append(f"{endpoint}: opt['allow'] must be PUBLIC or allow(Role...), not {rule!r}")
    assert problems == []


def test_the_sweep_sees_the_routes_it_should(app: Litestar) -> None:
    """The walk itself works: known pages of each kind are found (else every other test here passes vacuously)."""
    found = {(e.method, e.path) for e in scheme_endpoints(app)}
    assert ("GET", f"{SCHEME_PREFIX}/sign-in") in found
    assert ("POST", f"{SCHEME_PREFIX}/acting-as") in found
    assert ("GET", f"{SCHEME_PREFIX}/named-lead") in found
    assert ("GET", OPERATOR_PREFIX) in {(e.method, e.path) for e in operator_endpoints(app)}
    assert any(e.path.startswith("/static/") for e in endpoints(app))


# --- roles not admitted are refused; strangers are sent to sign in ----------------------------------------


async def _people(db: Database, settings: Settings) -> dict[Role, str]:
    """One person per role, each holding only that role in pan-london: role -> session token."""
    tokens = {}
    for role, organisation in MEMBERSHIP_FOR.items():
        email = f"{role.value}@sweep.example"
        _, tokens[role] = await new_member_session(db, settings, SCHEME, email, [(organisation, role)], name="Sweep")
    return tokens


async def _csrf(client: Client, path: str = f"/s/{SCHEME}/") -> str:
    """The token a page by `path` gives the client as its cookies stand: bound to the session it sends, if any."""
    return await csrf_token(client, page_of(path))


def _act_as(client: Client, token: str | None) -> None:
    client.cookies.delete(SESSION_COOKIE)
    if token is not None:
        client.cookies.set(SESSION_COOKIE, token, path=f"/s/{SCHEME}/")


async def _request(client: Client, endpoint: Endpoint, path: str) -> Any:
    headers = {} if endpoint.method in {"GET", "HEAD"} else {"x-csrftoken": await _csrf(client, path)}
    return await client.request(endpoint.method, path, headers=headers, follow_redirects=False)


async def test_csrf_is_right_so_a_refusal_is_the_guards(client: Client) -> None:
    """A POST with the header the sweep sends gets past CSRF: its 403s below come from the role guard."""
    csrf = await _csrf(client)
    response = await client.post(f"/s/{SCHEME}/sign-in", data={"email": ""}, headers={"x-csrftoken": csrf})
    assert response.status_code == 400


async def test_each_role_not_admitted_is_refused(
    client: Client, app: Litestar, db: Database, settings: Settings
) -> None:
    tokens = await _people(db, settings)
    problems: list[str] = []
    tried = 0
    for endpoint in role_endpoints(app):
        for role in Role:
            if role in endpoint.admitted:
                continue
            _act_as(client, tokens[role])
            response = await _request(client, endpoint, url(endpoint))
            tried += 1
            if response.status_code != 403 or "You cannot use this page" not in response.text:
                problems.append(f"{endpoint} as {role}: {response.status_code}")
    assert problems == []
    assert tried > 0


async def test_strangers_are_sent_to_sign_in(client: Client, app: Litestar) -> None:
    _act_as(client, None)
    problems: list[str] = []
    for endpoint in role_endpoints(app):
        response = await _request(client, endpoint, url(endpoint))
        to_sign_in = response.status_code == 303 and response.headers["location"] == f"/s/{SCHEME}/sign-in"
        if not (to_sign_in or (endpoint.method != "GET" and response.status_code == 401)):
            problems.append(f"{endpoint}: {response.status_code} {response.headers.get('location')}")
    assert problems == []


# --- scheme sessions open no operator page; an operator's session opens no scheme page ------------------


async def _operator_token(db: Database, settings: Settings) -> str:
    async with db.session() as session, session.begin():
        operator = await operations.add_operator(session, "ops@sweep.example", "Sweep Operator")
        return await operations.start_session(session, operator, settings)


def _send_everywhere(client: Client, token: str) -> None:
    """`token` under both session cookies' names, on every path: as if the cookies' paths were no barrier."""
    for name in (SESSION_COOKIE, OPERATOR_COOKIE):
        client.cookies.delete(name)
        client.cookies.set(name, token, path="/")


async def test_scheme_sessions_open_no_operator_page(
    client: Client, app: Litestar, db: Database, settings: Settings
) -> None:
    tokens = await _people(db, settings)
    problems: list[str] = []
    guarded = [e for e in operator_endpoints(app) if e.rule == OPERATOR_RULE]
    for endpoint in guarded:
        for role, token in tokens.items():
            _send_everywhere(client, token)
            response = await _request(client, endpoint, url(endpoint))
            if response.status_code != 303 or response.headers["location"] != f"{OPERATOR_PREFIX}/sign-in":
                problems.append(f"{endpoint} as {role}: {response.status_code}")
    assert problems == []
    assert guarded


async def test_an_operator_session_opens_no_scheme_page(
    client: Client, app: Litestar, db: Database, settings: Settings
) -> None:
    token = await _operator_token(db, settings)
    _send_everywhere(client, token)
    problems: list[str] = []
    for endpoint in role_endpoints(app):
        response = await _request(client, endpoint, url(endpoint))
        to_sign_in = response.status_code == 303 and response.headers["location"] == f"/s/{SCHEME}/sign-in"
        if not (to_sign_in or (endpoint.method != "GET" and response.status_code == 401)):
            problems.append(f"{endpoint}: {response.status_code} {response.headers.get('location')}")
    assert problems == []
    # The same session does open the operators' pages: the refusals above are not a broken session.
    assert (await client.get(f"{OPERATOR_PREFIX}/", follow_redirects=False)).status_code == 200


# --- ids that are nobody's, or another scheme's, are not found -------------------------------------------


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _models_by_name() -> dict[str, type[Base]]:
    models: dict[str, type[Base]] = {}
    for mapper in Base.registry.mappers:
        model = mapper.class_
        if issubclass(model, TenantOwned) and "id" in mapper.columns:
            models[_snake(model.__name__)] = model
    return {**models, **ALIASES}


def model_for(parameter: str) -> type[Base] | None:
    """The model a `{x_id:uuid}` parameter names, or None."""
    if not parameter.endswith("_id"):
        return None
    return _models_by_name().get(parameter.removesuffix("_id"))


@dataclass(frozen=True)
class Foreign:
    id: uuid.UUID
    words: tuple[str, ...]
    """The object's own text (names, emails, codes): none of it may reach a page of the other scheme."""


def _text_columns(model: type[Base]) -> list[Any]:
    return [column for column in model.__table__.columns if isinstance(column.type, String)]


async def _other_scheme_objects(client: Client, db: Database, settings: Settings) -> dict[type[Base], Foreign]:
    """One object of each kind in cambridgeshire, after adding a person, an identity provider and a referral."""
    member = await add_member(
        db,
        OTHER_SCHEME,
        "officer@county-refuge.example",
        [("county-refuge-support", Role.nominating_officer)],
        name="Cambridgeshire Officer",
    )
    # The officer starts a referral as anyone would, through the page: no test knowledge of its tables.
    client.cookies.delete(SESSION_COOKIE)
    client.cookies.set(SESSION_COOKIE, await session_token(db, OTHER_SCHEME, member, settings), path="/s/")
    started = await client.post(
        f"/s/{OTHER_SCHEME}/referrals/new",
        headers={"x-csrftoken": await _csrf(client, f"/s/{OTHER_SCHEME}/")},
        follow_redirects=False,
    )
    assert started.status_code == 303, started.status_code
    async with db.session() as session:
        other = await session.scalar(select(Scheme.id).where(Scheme.slug == OTHER_SCHEME))
        ours = await session.scalar(select(Scheme.id).where(Scheme.slug == SCHEME))
    assert other is not None
    assert ours is not None
    objects: dict[type[Base], Foreign] = {}
    async with db.tenant_session(other) as session, session.begin():
        organisation_id = await session.scalar(select(every_model.Organisation.id).limit(1))
        session.add(
            IdentityProvider(
                tenant_id=other,
                organisation_id=organisation_id,
                issuer="https://login.county-refuge.example",
                client_id="county-refuge-client",
                client_secret_encrypted="not-a-real-secret",
                email_domains=["county-refuge.example"],
            )
        )
        # What the worker would have told the officer: a line in What's new, and an email that failed.
        session.add(
            every_model.Notice(
                tenant_id=other,
                user_id=member.id,
                kind="returned",
                role=Role.nominating_officer,
                event_id=uuid.uuid4(),
                occurred_at=clock.now(),
                path="/officer/",
            )
        )
        session.add(
            every_model.OutboxMessage(
                tenant_id=other,
                key="sweep",
                user_id=member.id,
                kind="returned",
                params={"items": [{"reference": "CS-SWEEP", "path": "/officer/"}]},
                state=MessageState.failed,
            )
        )
        await session.flush()
        for model in set(_models_by_name().values()):
            row = await session.scalar(select(model).where(model.tenant_id == other).limit(1))  # type: ignore[attr-defined]
            if row is not None:
                words = (getattr(row, column.key) for column in _text_columns(model))
                objects[model] = Foreign(
                    id=row.id,  # type: ignore[attr-defined]
                    words=tuple(w for w in words if isinstance(w, str) and len(w) >= 6),
                )
    # Text pan-london has too (a code such as "coordinator") proves nothing when it shows: leave it out.
    async with db.tenant_session(ours) as session, session.begin():
        for model, found in objects.items():
            shared: set[str] = set()
            for column in _text_columns(model):
                attribute = getattr(model, column.key)
                shared.update(await session.scalars(select(attribute).where(attribute.in_(found.words))))
            objects[model] = Foreign(id=found.id, words=tuple(w for w in found.words if w not in shared))
    assert objects[every_model.User].id == member.id
    return objects


def test_parameters_name_their_objects() -> None:
    assert model_for("user_id") is every_model.User
    assert model_for("organisation_id") is every_model.Organisation
    assert model_for("provider_id") is IdentityProvider
    assert model_for("referral_id") is every_model.Referral
    assert model_for("token") is None


async def test_ids_of_nothing_or_of_another_scheme_are_not_found(
    client: Client, app: Litestar, db: Database, settings: Settings
) -> None:
    with_ids = [e for e in role_endpoints(app) if e.admitted and uuid.UUID in e.parameters.values()]
    tokens = await _people(db, settings)
    foreign = await _other_scheme_objects(client, db, settings)
    problems: list[str] = []
    for endpoint in with_ids:
        # Acting in an admitted role: the guard lets the request through, so the 404 is the page's own.
        _act_as(client, tokens[min(endpoint.admitted, key=list(Role).index)])
        ids: dict[str, uuid.UUID] = {}
        words: list[str] = []
        for name, kind in endpoint.parameters.items():
            if kind is not uuid.UUID or name in RANDOM_IDS_ONLY:
                continue
            model = model_for(name)
            if model is None or model not in foreign:
                problems.append(f"{endpoint}: no object of the other scheme for {name}; see RANDOM_IDS_ONLY")
                continue
            ids[name] = foreign[model].id
            words.extend(foreign[model].words)
        for label, path in (("random id", url(endpoint)), ("other scheme's id", url(endpoint, ids))):
            response = await _request(client, endpoint, path)
            # A POST may fail on its empty form before it looks anything up: that shows nothing either.
            expected = {404} if endpoint.method in {"GET", "HEAD"} else {400, 404}
            if response.status_code not in expected:
                problems.append(f"{endpoint} with {label}: {response.status_code}")
            leaked = [word for word in words if word in response.text]
            if leaked:
                problems.append(f"{endpoint} with {label}: shows {leaked}")
    assert problems == []
