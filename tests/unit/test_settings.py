"""The public address and the hosts requests may be for, as read from the environment."""

from __future__ import annotations

import pytest

from reciprocal.app import create_app
from reciprocal.settings import Settings, SettingsError

ADDRESS_SETTINGS = ("RECIPROCAL_BASE_URL", "RECIPROCAL_ALLOWED_HOSTS", "RECIPROCAL_DEMO", "HOST", "PORT")


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ADDRESS_SETTINGS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("RECIPROCAL_SECRET_KEY", "test-secret-key-that-is-long-enough-for-hkdf")
    monkeypatch.setenv("SMTP_HOST", "127.0.0.1")


def test_outside_demo_mode_the_service_will_not_start_without_its_public_address() -> None:
    settings = Settings.from_env()
    with pytest.raises(SettingsError, match=r"^RECIPROCAL_BASE_URL must be set"):
        settings.require_base_url()
    # Nothing is served: the app is never built, so no link can be made from a request's Host.
    with pytest.raises(SettingsError, match="RECIPROCAL_BASE_URL"):
        create_app(settings, database_url="postgresql+asyncpg://nobody@127.0.0.1:9/nothing")


@pytest.mark.parametrize(
    "value",
    [
        "reciprocal.example",
        "//reciprocal.example",
        "ftp://reciprocal.example",
        "https://",
        "https://reciprocal.example/reciprocal",
        "https://reciprocal.example/?next=/",
        "https://reciprocal.example/#top",
        "https://reciprocal.example:99999",
    ],
)
def test_a_base_url_that_is_not_an_address_alone_is_refused(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("RECIPROCAL_BASE_URL", value)
    with pytest.raises(SettingsError, match=r"^RECIPROCAL_BASE_URL must be the service's public address alone") as e:
        Settings.from_env()
    assert repr(value) in str(e.value)


def test_a_base_url_with_a_password_is_refused_without_repeating_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RECIPROCAL_BASE_URL", "https://admin:hunter2@reciprocal.example")
    with pytest.raises(SettingsError, match="RECIPROCAL_BASE_URL") as e:
        Settings.from_env()
    assert "hunter2" not in str(e.value)


@pytest.mark.parametrize(
    ("value", "base", "hosts"),
    [
        ("https://reciprocal.example", "https://reciprocal.example", ("reciprocal.example",)),
        (" https://Reciprocal.Example/ ", "https://Reciprocal.Example", ("reciprocal.example",)),
        ("https://reciprocal.example:443", "https://reciprocal.example:443", ("reciprocal.example",)),
        ("https://reciprocal.example:8443", "https://reciprocal.example:8443", ("reciprocal.example:8443",)),
        ("http://10.0.0.7:8000", "http://10.0.0.7:8000", ("10.0.0.7:8000",)),
        ("https://[2001:db8::7]", "https://[2001:db8::7]", ("[2001:db8::7]",)),
    ],
)
def test_links_use_the_base_url_and_requests_may_be_for_its_host(
    monkeypatch: pytest.MonkeyPatch, value: str, base: str, hosts: tuple[str, ...]
) -> None:
    monkeypatch.setenv("RECIPROCAL_BASE_URL", value)
    settings = Settings.from_env()
    assert settings.require_base_url() == base
    # As browsers send the Host header: lower case, and no port where it is the scheme's default.
    assert settings.request_hosts() == hosts


def test_further_hosts_are_added_to_the_base_urls(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RECIPROCAL_BASE_URL", "https://reciprocal.example")
    monkeypatch.setenv("RECIPROCAL_ALLOWED_HOSTS", " Reciprocal.Internal:8000 ,, *.reciprocal.example,")
    assert Settings.from_env().request_hosts() == (
        "reciprocal.example",
        "reciprocal.internal:8000",
        "*.reciprocal.example",
    )


@pytest.mark.parametrize("value", ["*", "https://reciprocal.example", "reciprocal.example/", "re*.example", "a b"])
def test_an_allowed_host_that_is_not_a_host_name_is_refused(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("RECIPROCAL_BASE_URL", "https://reciprocal.example")
    monkeypatch.setenv("RECIPROCAL_ALLOWED_HOSTS", value)
    with pytest.raises(SettingsError, match=r"^RECIPROCAL_ALLOWED_HOSTS must list host names"):
        Settings.from_env()


def test_the_demo_needs_no_address_and_answers_on_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORT", "8011")
    settings = Settings.from_env(demo=True)
    assert settings.require_base_url() == "http://127.0.0.1:8011"
    assert settings.request_hosts() == ("127.0.0.1:8011", "localhost:8011")


def test_the_demo_on_every_interface_links_to_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOST", "0.0.0.0")
    settings = Settings.from_env(demo=True)
    assert settings.require_base_url() == "http://127.0.0.1:8000"
    assert "0.0.0.0:8000" not in settings.request_hosts()


def test_the_demo_answers_on_its_own_host_and_a_configured_base_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOST", "demo.lan")
    settings = Settings.from_env(demo=True)
    assert settings.require_base_url() == "http://demo.lan:8000"
    assert settings.request_hosts() == ("demo.lan:8000", "127.0.0.1:8000", "localhost:8000")

    monkeypatch.setenv("RECIPROCAL_BASE_URL", "https://demo.reciprocal.example")
    settings = Settings.from_env(demo=True)
    assert settings.require_base_url() == "https://demo.reciprocal.example"
    assert settings.request_hosts() == ("demo.reciprocal.example", "127.0.0.1:8000", "localhost:8000", "demo.lan:8000")


def test_a_pool_mode_other_than_session_or_transaction_is_refused_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_POOL_MODE", "statement")
    with pytest.raises(SettingsError, match=r"DATABASE_POOL_MODE must be session .* or transaction .*'statement'"):
        Settings.from_env()
    monkeypatch.setenv("DATABASE_POOL_MODE", "transaction")
    monkeypatch.setenv("DATABASE_DIRECT_URL", "postgresql://reciprocal_app@db.internal/reciprocal")
    settings = Settings.from_env()
    assert settings.database_pool_mode == "transaction"
    assert settings.database_direct_url == "postgresql://reciprocal_app@db.internal/reciprocal"
