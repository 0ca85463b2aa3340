"""A real OpenID Connect provider on loopback (oidc-provider-mock), with switches that make it misbehave.

The provider's own code issues and signs every token. The switches sit in a thin WSGI layer in front of
it and change only what a misconfigured or hostile provider (or someone on the wire) would: the name it
issues tokens under, the client it believes it is talking to, the keys it publishes, or a token's
claims after signing.
"""

from __future__ import annotations

import base64
import json
import threading
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode

import flask
import httpx
import joserfc.jwk
import oidc_provider_mock
from sqlalchemy import select
from werkzeug.serving import WSGIRequestHandler, make_server

from reciprocal.db.engine import Database
from reciprocal.identity.models import IdentityProvider
from reciprocal.identity.secrets import Keys
from reciprocal.partners.models import Organisation
from reciprocal.settings import Settings
from support import scheme_id

Environ = dict[str, Any]
StartResponse = Callable[..., Any]
WSGIApp = Callable[[Environ, StartResponse], Iterable[bytes]]


class _Quiet(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


@dataclass(frozen=True)
class RegisteredClient:
    client_id: str
    client_secret: str


class Provider:
    """oidc-provider-mock served from a thread; `issuer` is its address. Clients must register."""

    def __init__(self, *, token_lifetime: timedelta = timedelta(hours=1)) -> None:
        self.app: flask.Flask = oidc_provider_mock.app(
            require_client_registration=True, require_nonce=True, access_token_max_age=token_lifetime
        )
        self.token_issued_as: str | None = None
        """Host the provider believes token requests reach it at: its ID tokens then name another issuer."""
        self.discovery_served_as: str | None = None
        """Host the provider believes discovery requests reach it at: its document then names another issuer."""
        self.acting_for: tuple[RegisteredClient, RegisteredClient] | None = None
        """(ours, theirs): requests from our client reach the provider as another registered client's."""
        self.keys_of: WSGIApp | None = None
        """Another provider whose key set this one publishes instead of its own."""
        self.alter_id_token: Callable[[dict[str, Any]], None] | None = None
        """Changes an ID token's claims after the provider signed it (the signature is kept)."""
        self.authorize_requests: list[dict[str, str]] = []
        self.token_requests: list[dict[str, str]] = []
        self.id_tokens: list[str] = []
        """Every ID token the provider handed out, as sent."""
        self._server = make_server("127.0.0.1", 0, self._wsgi, threaded=True, request_handler=_Quiet)
        self.issuer = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05})

    def __enter__(self) -> Provider:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(2)

    def register_client(self, redirect_uri: str) -> RegisteredClient:
        """Dynamic client registration (RFC 7591), as an organisation's IT team would do for us."""
        response = httpx.post(
            f"{self.issuer}/oauth2/clients",
            json={"redirect_uris": [redirect_uri], "token_endpoint_auth_method": "client_secret_basic"},
        )
        assert response.status_code == 201, response.text
        body = response.json()
        return RegisteredClient(body["client_id"], body["client_secret"])

    def set_user(self, sub: str, **claims: object) -> None:
        """The claims the provider asserts about `sub` (email, email_verified, name...)."""
        response = httpx.put(f"{self.issuer}/users/{sub}", json=claims)
        assert response.status_code == 204, response.text

    def rotate_key(self) -> None:
        """Sign from now on with a new key (with a new key id); the old one is no longer published."""
        with self.app.test_request_context():
            self.app.preprocess_request()
            storage = flask.g.oidc_provider_mock_storage
        storage.jwk = joserfc.jwk.RSAKey.generate_key(private=True)

    def _wsgi(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == "/jwks" and self.keys_of is not None:
            return self.keys_of(environ, start_response)
        if path == "/.well-known/openid-configuration" and self.discovery_served_as:
            # The mock sits behind werkzeug's ProxyFix: a forwarded host is the host it names itself by.
            environ["HTTP_X_FORWARDED_HOST"] = self.discovery_served_as
        if path == "/oauth2/authorize":
            query = dict(parse_qsl(environ.get("QUERY_STRING", "")))
            self.authorize_requests.append(query)
            if self.acting_for is not None and query.get("client_id") == self.acting_for[0].client_id:
                query["client_id"] = self.acting_for[1].client_id
                environ["QUERY_STRING"] = urlencode(query)
        if path == "/oauth2/token":
            return self._token(environ, start_response)
        return self.app(environ, start_response)

    def _token(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length)
        self.token_requests.append(dict(parse_qsl(body.decode())))
        environ["wsgi.input"] = _Body(body)
        if self.token_issued_as:
            environ["HTTP_X_FORWARDED_HOST"] = self.token_issued_as
        if self.acting_for is not None:
            ours, theirs = self.acting_for
            if environ.get("HTTP_AUTHORIZATION") == _basic(ours):
                environ["HTTP_AUTHORIZATION"] = _basic(theirs)
        captured: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: object = None) -> Callable[[bytes], None]:
            captured["status"], captured["headers"] = status, headers
            return lambda _data: None

        result = self.app(environ, capture)
        try:
            content = b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        token = json.loads(content)
        if "id_token" in token:
            if self.alter_id_token is not None:
                header, payload, signature = token["id_token"].split(".")
                claims = json.loads(_unb64(payload))
                self.alter_id_token(claims)
                token["id_token"] = ".".join([header, _b64(json.dumps(claims).encode()), signature])
            self.id_tokens.append(token["id_token"])
        content = json.dumps(token).encode()
        headers = [(k, v) for k, v in captured["headers"] if k.lower() != "content-length"]
        start_response(captured["status"], [*headers, ("Content-Length", str(len(content)))])
        return [content]


class _Body:
    """A re-readable request body for the wrapped application."""

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._at = 0

    def read(self, size: int = -1) -> bytes:
        end = len(self._data) if size is None or size < 0 else self._at + size
        chunk = self._data[self._at : end]
        self._at += len(chunk)
        return chunk

    def readline(self, size: int = -1) -> bytes:
        return self.read(size)


def _basic(client: RegisteredClient) -> str:
    return "Basic " + base64.b64encode(f"{client.client_id}:{client.client_secret}".encode()).decode()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(data: str) -> bytes:
    return base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))


def jwt_claims(token: str) -> dict[str, Any]:
    """A JWT's claims, unverified: for assertions only."""
    claims: dict[str, Any] = json.loads(_unb64(token.split(".")[1]))
    return claims


def callback_url(slug: str, provider_id: uuid.UUID) -> str:
    """Where the provider sends the browser back to: what the app computes from the test client's base URL."""
    return f"https://127.0.0.1/s/{slug}/sign-in/oidc/{provider_id}/callback"


async def add_provider(
    db: Database,
    settings: Settings,
    slug: str,
    org_code: str,
    provider: Provider,
    *,
    email_domains: list[str],
    provider_id: uuid.UUID | None = None,
    client: RegisteredClient | None = None,
) -> tuple[IdentityProvider, RegisteredClient]:
    """Register our callback with `provider` and record it as `org_code`'s provider in scheme `slug`."""
    provider_id = provider_id or uuid.uuid4()
    client = client or provider.register_client(callback_url(slug, provider_id))
    tenant_id = await scheme_id(db, slug)
    async with db.tenant_session(tenant_id) as session, session.begin():
        org_id = await session.scalar(
            select(Organisation.id).where(Organisation.tenant_id == tenant_id, Organisation.code == org_code)
        )
        assert org_id is not None, org_code
        row = IdentityProvider(
            tenant_id=tenant_id,
            id=provider_id,
            organisation_id=org_id,
            issuer=provider.issuer,
            client_id=client.client_id,
            client_secret_encrypted=Keys(settings.require_secret_key()).encrypt(client.client_secret),
            email_domains=email_domains,
        )
        session.add(row)
    return row, client
