"""Settings read once from the environment; every knob of the service is here."""

from __future__ import annotations

import ipaddress
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

REPO_ROOT = Path(__file__).resolve().parents[2]
"""The checkout: templates, static files and tenant folders are read from here."""

LogFormat = Literal["json", "console"]
PoolMode = Literal["session", "transaction"]


class SettingsError(ValueError):
    """An environment variable holds a value the service cannot use."""


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, got {raw!r}") from None


def _bool(name: str, *, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.lower() in {"0", "false", "no", "off"}:
        return False
    raise SettingsError(f"{name} must be true or false, got {raw!r}")


def _pool_mode() -> PoolMode:
    raw = os.environ.get("DATABASE_POOL_MODE") or "session"
    if raw not in ("session", "transaction"):
        raise SettingsError(
            "DATABASE_POOL_MODE must be session (directly to PostgreSQL) or transaction (through PgBouncer in "
            f"transaction mode), got {raw!r}"
        )
    return raw  # type: ignore[return-value]


def _check_base_url(url: str) -> None:
    parts = urlsplit(url)
    try:
        parts.port  # noqa: B018 - raises on a port that is not a number in range
    except ValueError:
        usable = False
    else:
        usable = (
            parts.scheme in {"http", "https"}
            and bool(parts.hostname)
            and parts.username is None
            and parts.path in {"", "/"}
            and not parts.query
            and not parts.fragment
        )
    if not usable:
        # NOTE: the value is repeated only when it cannot carry a password (user:password@host).
        got = "" if "@" in url else f", got {url!r}"
        raise SettingsError(
            "RECIPROCAL_BASE_URL must be the service's public address alone, like https://reciprocal.example "
            f"(http or https, no path, query or user){got}"
        )


_HOST_NAME = re.compile(r"(\*\.)?[a-z0-9.\-]+(:[0-9]{1,5})?|\[[0-9a-f:.]+\](:[0-9]{1,5})?")
"""A Host header's value: a name or address, a port where it is not the scheme's default; `*.` for subdomains."""


def _check_host(name: str) -> None:
    if not _HOST_NAME.fullmatch(name):
        raise SettingsError(
            "RECIPROCAL_ALLOWED_HOSTS must list host names as the Host header carries them, like "
            f"reciprocal.example or reciprocal.example:8443 or *.reciprocal.example, got {name!r}"
        )


def _check_network(value: str) -> None:
    try:
        ipaddress.ip_network(value, strict=False)
    except ValueError:
        raise SettingsError(
            "RECIPROCAL_TRUSTED_PROXIES must list IP addresses or networks of the proxies in front, like "
            f"10.0.0.5 or 10.0.0.0/24, got {value!r}"
        ) from None


def _authority(host: str, port: int | None, scheme: str) -> str:
    """`host[:port]` as a browser sends it in the Host header: no port when it is the scheme's default."""
    host = f"[{host}]" if ":" in host else host
    return host if port is None or port == {"http": 80, "https": 443}[scheme] else f"{host}:{port}"


WILDCARD_ADDRESSES = frozenset({"", "0.0.0.0", "::"})  # noqa: S104 - names for "every interface", compared only
"""HOST values that mean every interface: no browser is sent there, so demo links use loopback instead."""


@dataclass(frozen=True, kw_only=True)
class Settings:
    database_url: str | None = None
    """Runtime connection (the non-owner application role). None: start the embedded PostgreSQL."""
    database_owner_url: str | None = None
    """Connection for migrations, as the role that owns the tables. Defaults to database_url."""
    database_admin_url: str | None = None
    """A superuser connection, used only by `reciprocal bootstrap` to create the roles and database."""
    database_pool_mode: PoolMode = "session"
    """How DATABASE_URL reaches PostgreSQL: "session", directly or through a pooler that gives each client a
    server connection of its own; "transaction", through a transaction-mode pooler such as PgBouncer, where
    consecutive transactions may run on different server connections. Then nothing is kept on a connection
    across transactions: no prepared statement, and the timeouts are set in each transaction."""
    database_direct_url: str | None = None
    """An address that reaches PostgreSQL without a transaction-mode pooler, for the worker's job queue, which
    LISTENs for new jobs on a connection it keeps. Defaults to database_url."""
    demo: bool = False
    """Demo mode: console logs, no HSTS, plain-HTTP cookies."""
    log_format: LogFormat = "json"
    log_level: str = "INFO"
    host: str = "127.0.0.1"
    port: int = 8000
    statement_timeout_ms: int = 2000
    """Longest a page query may run: one slow query must not exhaust the pool for everyone."""
    connect_timeout_s: int = 3
    """How long to wait for the database before answering 503."""
    pool_size: int = 10
    scheme_cache_s: int = 5
    """How long a process keeps what it read of a scheme (its row and its providers' addresses) before reading
    it again: a change to a scheme is seen by every process within this long."""
    secret_key: str | None = None
    """Signs CSRF tokens and derives the key that encrypts identity providers' client secrets.
    Required outside demo mode; demo keeps one under var/."""
    previous_secret_keys: tuple[str, ...] = ()
    """Keys being rotated out: still decrypt what they encrypted."""
    base_url: str | None = None
    """The service's public address, e.g. https://reciprocal.example: emailed links and provider callbacks
    point there and nowhere else, never at a request's Host header. Required outside demo mode; demo mode
    without it uses http://HOST:PORT."""
    allowed_hosts: tuple[str, ...] = ()
    """Further host names requests may be for, beside the base URL's (and, in demo mode, loopback): a request
    for any other is refused with 400, except /healthz and /readyz, which load balancers probe by address."""
    trusted_proxies: tuple[str, ...] = ()
    """Addresses (or networks) of the load balancers in front: only from these is X-Forwarded-For believed,
    and with none (the default) a request's address is the one it came from, so no client can pick the
    address that sign-in throttling counts failures against."""
    session_idle_minutes: int = 30
    session_absolute_hours: int = 10
    smtp_host: str | None = None
    """Mail server for one-time sign-in links; None: links are written to the log (demo only)."""
    smtp_port: int = 587
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = True
    mail_from: str = "Reciprocal <no-reply@reciprocal.invalid>"
    demo_oidc_port: int = 8001
    """Where `reciprocal demo` runs its local OpenID Connect provider."""
    embedded_dir: Path = field(default_factory=lambda: REPO_ROOT / "var" / "postgres")
    """Data folder of the embedded PostgreSQL (used only when database_url is None)."""
    templates_dir: Path = REPO_ROOT / "web" / "templates"
    static_dir: Path = REPO_ROOT / "web" / "static"
    tenants_dir: Path = REPO_ROOT / "tenants"

    def __post_init__(self) -> None:
        if self.base_url is not None:
            _check_base_url(self.base_url)
        for name in self.allowed_hosts:
            _check_host(name)
        for proxy in self.trusted_proxies:
            _check_network(proxy)

    @property
    def migration_url(self) -> str | None:
        return self.database_owner_url or self.database_url

    @property
    def secure_cookies(self) -> bool:
        """Cookies only over HTTPS, except in demo mode on plain-HTTP loopback."""
        return not self.demo

    def require_secret_key(self) -> str:
        """The secret key; in demo mode one is made once and kept under var/."""
        if self.secret_key:
            return self.secret_key
        if not self.demo:
            raise SettingsError("RECIPROCAL_SECRET_KEY must be set (at least 32 random characters)")
        path = REPO_ROOT / "var" / "demo-secret-key"
        if not path.exists():
            import secrets

            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(48))
            path.chmod(0o600)
        return path.read_text().strip()

    def require_base_url(self) -> str:
        """The public address, without a trailing slash: the only origin of links that leave the service."""
        if self.base_url:
            return self.base_url.rstrip("/")
        if not self.demo:
            raise SettingsError(
                "RECIPROCAL_BASE_URL must be set to the service's public address, like https://reciprocal.example: "
                "sign-in links and identity providers' callbacks point there"
            )
        host = "127.0.0.1" if self.host in WILDCARD_ADDRESSES else self.host
        return f"http://{_authority(host, self.port, 'http')}"

    def request_hosts(self) -> tuple[str, ...]:
        """Every Host header a request may carry: the base URL's, RECIPROCAL_ALLOWED_HOSTS and, in demo, loopback."""
        base = urlsplit(self.require_base_url())
        names = [_authority(base.hostname or "", base.port, base.scheme), *self.allowed_hosts]
        if self.demo:
            # `make demo` is opened by address or by name, on PORT, with no configuration.
            local = ["127.0.0.1", "localhost", *([] if self.host in WILDCARD_ADDRESSES else [self.host.lower()])]
            names += [_authority(name, self.port, "http") for name in local]
        return tuple(dict.fromkeys(names))

    @classmethod
    def from_env(cls, *, demo: bool | None = None, **overrides: object) -> Settings:
        """Settings from the environment; `demo` forces demo mode (console logs unless told otherwise)."""
        if demo is None:
            demo = _bool("RECIPROCAL_DEMO", default=False)
        log_format = os.environ.get("RECIPROCAL_LOG_FORMAT") or ("console" if demo else "json")
        if log_format not in ("json", "console"):
            raise SettingsError(f"RECIPROCAL_LOG_FORMAT must be json or console, got {log_format!r}")
        values: dict[str, object] = {
            "database_url": os.environ.get("DATABASE_URL") or None,
            "database_owner_url": os.environ.get("DATABASE_OWNER_URL") or None,
            "database_admin_url": os.environ.get("DATABASE_ADMIN_URL") or None,
            "database_pool_mode": _pool_mode(),
            "database_direct_url": os.environ.get("DATABASE_DIRECT_URL") or None,
            "demo": demo,
            "log_format": log_format,
            "log_level": os.environ.get("RECIPROCAL_LOG_LEVEL", "INFO").upper(),
            "host": os.environ.get("HOST", "127.0.0.1"),
            "port": _int("PORT", 8000),
            "statement_timeout_ms": _int("RECIPROCAL_STATEMENT_TIMEOUT_MS", 2000),
            "connect_timeout_s": _int("RECIPROCAL_CONNECT_TIMEOUT_S", 3),
            "pool_size": _int("RECIPROCAL_POOL_SIZE", 10),
            "scheme_cache_s": _int("RECIPROCAL_SCHEME_CACHE_S", 5),
        }
        values.update(
            {
                "secret_key": os.environ.get("RECIPROCAL_SECRET_KEY") or None,
                "previous_secret_keys": tuple(
                    k for k in os.environ.get("RECIPROCAL_PREVIOUS_SECRET_KEYS", "").split(",") if k
                ),
                "base_url": os.environ.get("RECIPROCAL_BASE_URL", "").strip() or None,
                "allowed_hosts": tuple(
                    name.strip().lower()
                    for name in os.environ.get("RECIPROCAL_ALLOWED_HOSTS", "").split(",")
                    if name.strip()
                ),
                "trusted_proxies": tuple(
                    proxy.strip()
                    for proxy in os.environ.get("RECIPROCAL_TRUSTED_PROXIES", "").split(",")
                    if proxy.strip()
                ),
                "session_idle_minutes": _int("RECIPROCAL_SESSION_IDLE_MINUTES", 30),
                "session_absolute_hours": _int("RECIPROCAL_SESSION_ABSOLUTE_HOURS", 10),
                "smtp_host": os.environ.get("SMTP_HOST") or None,
                "smtp_port": _int("SMTP_PORT", 587),
                "smtp_username": os.environ.get("SMTP_USERNAME") or None,
                "smtp_password": os.environ.get("SMTP_PASSWORD") or None,
                "smtp_starttls": _bool("SMTP_STARTTLS", default=True),
                "mail_from": os.environ.get("MAIL_FROM", "Reciprocal <no-reply@reciprocal.invalid>"),
                "demo_oidc_port": _int("RECIPROCAL_DEMO_OIDC_PORT", 8001),
            }
        )
        if embedded := os.environ.get("RECIPROCAL_EMBEDDED_DIR"):
            values["embedded_dir"] = Path(embedded)
        values.update(overrides)
        return cls(**values)  # type: ignore[arg-type]
