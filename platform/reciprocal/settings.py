"""Settings read once from the environment; every knob of the service is here."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

REPO_ROOT = Path(__file__).resolve().parents[2]
"""The checkout: templates, static files and tenant folders are read from here."""

LogFormat = Literal["json", "console"]


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


@dataclass(frozen=True, kw_only=True)
class Settings:
    database_url: str | None = None
    """Runtime connection (the non-owner application role). None: start the embedded PostgreSQL."""
    database_owner_url: str | None = None
    """Connection for migrations, as the role that owns the tables. Defaults to database_url."""
    database_admin_url: str | None = None
    """A superuser connection, used only by `reciprocal bootstrap` to create the roles and database."""
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
    secret_key: str | None = None
    """Signs CSRF tokens and derives the key that encrypts identity providers' client secrets.
    Required outside demo mode; demo keeps one under var/."""
    previous_secret_keys: tuple[str, ...] = ()
    """Keys being rotated out: still decrypt what they encrypted."""
    base_url: str | None = None
    """The service's public address, e.g. https://reciprocal.example; None: taken from each request."""
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
            "demo": demo,
            "log_format": log_format,
            "log_level": os.environ.get("RECIPROCAL_LOG_LEVEL", "INFO").upper(),
            "host": os.environ.get("HOST", "127.0.0.1"),
            "port": _int("PORT", 8000),
            "statement_timeout_ms": _int("RECIPROCAL_STATEMENT_TIMEOUT_MS", 2000),
            "connect_timeout_s": _int("RECIPROCAL_CONNECT_TIMEOUT_S", 3),
            "pool_size": _int("RECIPROCAL_POOL_SIZE", 10),
        }
        values.update(
            {
                "secret_key": os.environ.get("RECIPROCAL_SECRET_KEY") or None,
                "previous_secret_keys": tuple(
                    k for k in os.environ.get("RECIPROCAL_PREVIOUS_SECRET_KEYS", "").split(",") if k
                ),
                "base_url": os.environ.get("RECIPROCAL_BASE_URL") or None,
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
