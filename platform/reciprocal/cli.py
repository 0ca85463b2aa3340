"""The `reciprocal` command: serve, migrate, demo, loading schemes from their folders, and operators."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
import signal
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
import structlog
from sqlalchemy.engine import URL, make_url

from reciprocal.db.bootstrap import bootstrap, refresh_statistics, role_urls
from reciprocal.db.embedded import EmbeddedServerError, start_embedded
from reciprocal.db.engine import Database
from reciprocal.db.migrate import migrate, schema_is_current
from reciprocal.exports.scheme_exit import import_scheme
from reciprocal.kernel.errors import Refused
from reciprocal.mail.services import mailer_from_settings
from reciprocal.observability import configure_logging
from reciprocal.operations import services as operations
from reciprocal.provisioning.folders import SchemeConfig, TenantConfigError, read_scheme_folder
from reciprocal.provisioning.load import load_scheme
from reciprocal.settings import Settings, SettingsError
from reciprocal.tenancy.services import list_schemes

log = structlog.get_logger("reciprocal.cli")


def _settings(ctx: click.Context) -> Settings:
    settings: Settings = ctx.obj
    return settings


async def database_urls(settings: Settings) -> tuple[URL, URL]:
    """(owner, application) addresses: from the settings, or an embedded server made ready for use."""
    if settings.database_url is not None:
        return make_url(settings.migration_url or settings.database_url), make_url(settings.database_url)
    unwind_on_sigterm()
    try:
        admin = start_embedded(settings.embedded_dir)
    except EmbeddedServerError as error:
        raise click.ClickException(str(error)) from None
    owner, app = role_urls(admin)
    await bootstrap(admin, owner, app)
    return owner, app


class Terminated(SystemExit):
    """SIGTERM, raised where the main thread is: the process unwinds as it does for Ctrl-C."""


def unwind_on_sigterm() -> None:
    """Make SIGTERM end this process by unwinding, so `finally` blocks and atexit run.

    NOTE: the embedded PostgreSQL is stopped by atexit, which a process killed by SIGTERM's default action
    never reaches: that is how `kill`, systemd or CI stopping `reciprocal demo` used to leave it running.
    A command cut short exits 143 (128 + SIGTERM); `serve` and `demo`, once stopped cleanly, exit 0 (`_serve`).
    """
    if threading.current_thread() is not threading.main_thread():
        return  # signal handlers belong to the main thread (the tests invoke commands from others)

    def terminated(signum: int, frame: object) -> None:
        # Once: a second SIGTERM must not cut short the stop (the database's included) the first began.
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        raise Terminated(128 + signum)

    signal.signal(signal.SIGTERM, terminated)


@click.group()
@click.pass_context
def main(ctx: click.Context) -> None:
    """Reciprocal: the hosted service for managed housing reciprocal schemes."""
    try:
        ctx.obj = Settings.from_env()
    except SettingsError as error:
        raise click.UsageError(str(error)) from None
    configure_logging(ctx.obj)


@main.command("bootstrap")
@click.pass_context
def bootstrap_command(ctx: click.Context) -> None:
    """Create the owner and application roles and the database (DATABASE_ADMIN_URL, a superuser)."""
    settings = _settings(ctx)
    if not (settings.database_admin_url and settings.database_owner_url and settings.database_url):
        raise click.UsageError("bootstrap needs DATABASE_ADMIN_URL, DATABASE_OWNER_URL and DATABASE_URL")
    asyncio.run(
        bootstrap(
            make_url(settings.database_admin_url),
            make_url(settings.database_owner_url),
            make_url(settings.database_url),
        )
    )
    click.echo("Roles and database are ready.")


@main.command("migrate")
@click.pass_context
def migrate_command(ctx: click.Context) -> None:
    """Bring the database schema up to date (as the owner role: DATABASE_OWNER_URL)."""

    async def run() -> None:
        owner, _ = await database_urls(_settings(ctx))
        await migrate(owner)

    asyncio.run(run())
    click.echo("Database schema is up to date.")


@main.group()
def tenant() -> None:
    """Schemes (tenants) as configuration folders under tenants/."""


@tenant.command("load")
@click.argument("folders", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.pass_context
def tenant_load(ctx: click.Context, folders: tuple[Path, ...]) -> None:
    """Create or update schemes from their folders. Nothing changes if any folder is invalid."""
    try:
        configs = [read_scheme_folder(folder) for folder in folders]
    except TenantConfigError as error:
        click.echo("The scheme configuration cannot be loaded; nothing was changed:", err=True)
        for problem in error.problems:
            click.echo(f"  {problem}", err=True)
        sys.exit(1)
    asyncio.run(_load(_settings(ctx), configs))


async def _open(settings: Settings) -> Database:
    """The application's database, refusing to work on a schema older than this code."""
    _, app_url = await database_urls(settings)
    db = Database(app_url, settings)
    if not await schema_is_current(db.engine):
        await db.dispose()
        raise click.ClickException("The database schema is not up to date: run `reciprocal migrate` first.")
    return db


async def _load(settings: Settings, configs: list[SchemeConfig]) -> None:
    db = await _open(settings)
    try:
        for config in configs:
            result = await load_scheme(db, config)
            verb = "Created" if result.created else "Updated"
            criteria = (
                f"criteria version {result.criteria_version}" if result.criteria_version else "criteria unchanged"
            )
            click.echo(
                f"{verb} {config.scheme.slug}: {len(config.areas)} areas, "
                f"{len(config.organisations)} organisations, {criteria}."
            )
            if result.unlisted_areas:
                click.echo(f"  Kept areas no longer listed: {', '.join(result.unlisted_areas)}")
    finally:
        await db.dispose()


@tenant.command("import")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_context
def tenant_import(ctx: click.Context, archive: Path) -> None:
    """Load a scheme's exit export (a zip of JSON Lines) into this service, which must not have that scheme."""

    async def run() -> None:
        db = await _open(_settings(ctx))
        try:
            scheme = await import_scheme(db, archive)
        except Refused as refused:
            raise click.ClickException(refused.message) from None
        finally:
            await db.dispose()
        click.echo(f"Imported {scheme.slug}: {scheme.name}.")

    asyncio.run(run())


@tenant.command("list")
@click.pass_context
def tenant_list(ctx: click.Context) -> None:
    """List the schemes on this service."""

    async def run() -> None:
        db = await _open(_settings(ctx))
        try:
            async with db.session() as session:
                schemes = await list_schemes(session)
        finally:
            await db.dispose()
        if not schemes:
            click.echo("No schemes yet: load one with `reciprocal tenant load tenants/<slug>`.")
        for scheme in schemes:
            suspended = "\tsuspended" if scheme.suspended_at else ""
            click.echo(f"{scheme.slug}\t{scheme.name}\t{scheme.region}{suspended}")

    asyncio.run(run())


@main.group()
def operator() -> None:
    """Operators: the people who run this service. They see schemes, health and counts, never case data."""


@operator.command("add")
@click.argument("email")
@click.option("--name", required=True, help="The operator's name, as their pages greet them.")
@click.pass_context
def operator_add(ctx: click.Context, email: str, name: str) -> None:
    """Add an operator; they sign in at /operator/ with a link emailed to EMAIL."""
    if "@" not in email.strip()[1:-1]:
        raise click.UsageError(f"{email!r} is not an email address.")

    async def run() -> None:
        db = await _open(_settings(ctx))
        try:
            async with db.session() as session, session.begin():
                added = await operations.add_operator(session, email, name)
        except operations.OperatorExists as exists:
            raise click.ClickException(f"{exists} is already an operator.") from None
        finally:
            await db.dispose()
        click.echo(f"Added operator {added.email}: they sign in at /operator/ with an emailed link.")

    asyncio.run(run())


@operator.command("list")
@click.pass_context
def operator_list(ctx: click.Context) -> None:
    """List the operators of this service."""

    async def run() -> None:
        db = await _open(_settings(ctx))
        try:
            async with db.session() as session:
                operators = await operations.list_operators(session)
        finally:
            await db.dispose()
        if not operators:
            click.echo("No operators yet: add one with `reciprocal operator add EMAIL --name NAME`.")
        for person in operators:
            signed_in = person.last_signed_in_at.date().isoformat() if person.last_signed_in_at else "never"
            status = "disabled" if person.disabled else "active"
            click.echo(f"{person.email}\t{person.display_name}\t{status}\tlast signed in {signed_in}")

    asyncio.run(run())


@operator.command("disable")
@click.argument("email")
@click.pass_context
def operator_disable(ctx: click.Context, email: str) -> None:
    """Stop an operator signing in, and end their sessions now."""

    async def run() -> None:
        db = await _open(_settings(ctx))
        try:
            async with db.session() as session, session.begin():
                found = await operations.disable_operator(session, email)
        finally:
            await db.dispose()
        if not found:
            raise click.ClickException(f"{email} is not an operator.")
        click.echo(f"Disabled operator {email}: their sessions have ended.")

    asyncio.run(run())


@main.command()
@click.option("--host", help="Address to listen on (HOST, default 127.0.0.1).")
@click.option("--port", type=int, help="Port to listen on (PORT, default 8000).")
@click.pass_context
def serve(ctx: click.Context, host: str | None, port: int | None) -> None:
    """Serve the web application. Without DATABASE_URL, on the embedded PostgreSQL, migrated."""
    settings = _listening(_settings(ctx), host, port)
    _serve(settings, migrate_first=settings.database_url is None)


@main.command()
@click.option("--host", help="Address to listen on (HOST, default 127.0.0.1).")
@click.option("--port", type=int, help="Port to listen on (PORT, default 8000).")
@click.pass_context
def demo(ctx: click.Context, host: str | None, port: int | None) -> None:
    """Migrate, load every scheme under tenants/ and its demo people, and serve in demo mode.

    Also runs a local OpenID Connect provider (RECIPROCAL_DEMO_OIDC_PORT) for the demo council's staff.
    """
    from reciprocal.identity.secrets import Keys
    from reciprocal.provisioning import demo as demo_setup

    settings = _listening(Settings.from_env(demo=True), host, port)
    configure_logging(settings)
    # NOTE: demo only. The local provider speaks plain HTTP on loopback, which authlib (the provider's and
    # ours) refuses unless this is set; it is never set for `serve`.
    os.environ["AUTHLIB_INSECURE_TRANSPORT"] = "1"
    folders = sorted(p for p in settings.tenants_dir.iterdir() if (p / "scheme.toml").exists())
    try:
        configs = [read_scheme_folder(folder) for folder in folders]
        people = [demo_setup.read_demo_file(folder, config) for folder, config in zip(folders, configs, strict=True)]
    except TenantConfigError as error:
        raise click.ClickException(str(error)) from None
    schemes = [scheme for scheme in people if scheme is not None]
    issuer = demo_setup.provider_issuer(settings.demo_oidc_port)

    async def prepare() -> None:
        owner, _ = await database_urls(settings)
        await migrate(owner)
        await _load(settings, configs)
        db = await _open(settings)
        try:
            keys = Keys(settings.require_secret_key(), settings.previous_secret_keys)
            for scheme in schemes:
                await demo_setup.load_demo(db, scheme, keys, issuer=issuer)
        finally:
            await db.dispose()
        await refresh_statistics(owner)

    asyncio.run(prepare())
    with demo_setup.local_provider(settings.demo_oidc_port, schemes):
        click.echo(demo_setup.describe(schemes, app_url=settings.require_base_url(), issuer=issuer), err=True)
        _serve(settings, migrate_first=False, with_worker=True)


@main.command()
@click.option("--drain", is_flag=True, help="Stop once nothing is due, instead of waiting for more (one-off runs).")
@click.pass_context
def worker(ctx: click.Context, drain: bool) -> None:
    """Run the work requests queue and the scheduled work: emails, reminders, batches, statements.

    Run as many as the load needs, beside `reciprocal serve`: each job is taken by one of them.
    """
    settings = _settings(ctx)
    try:
        settings.require_base_url()
        mailer_from_settings(settings)
    except SettingsError as error:
        raise click.UsageError(str(error)) from None

    async def work() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        _, app_url = await database_urls(settings)
        await _work(settings, app_url, stop=stop, drain=drain)

    click.echo("Reciprocal's worker is running.", err=True)
    asyncio.run(work())
    click.echo("Reciprocal's worker has stopped.", err=True)


async def _work(settings: Settings, app_url: URL, *, stop: asyncio.Event, drain: bool = False) -> None:
    from reciprocal.worker import run

    db = Database(app_url, settings)
    try:
        if not await schema_is_current(db.engine):
            raise click.ClickException("The database schema is not up to date: run `reciprocal migrate` first.")
        # NOTE: the queue LISTENs on a connection it keeps, which a transaction-mode pooler cannot carry.
        queue_url = make_url(settings.database_direct_url) if settings.database_direct_url else app_url
        await run(db, queue_url, mailer_from_settings(settings), settings, drain=drain, stop=stop)
    finally:
        await db.dispose()


@contextlib.contextmanager
def _worker_beside(settings: Settings, app_url: URL) -> Iterator[None]:
    """A worker on a thread of its own while the block runs (the demo: one command starts everything)."""
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()
    thread = threading.Thread(
        target=lambda: loop.run_until_complete(_work(settings, app_url, stop=stop)), name="worker", daemon=True
    )
    thread.start()
    try:
        yield
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(timeout=10)


def _listening(settings: Settings, host: str | None, port: int | None) -> Settings:
    """`settings` with --host and --port applied: demo mode's links point where it listens."""
    return dataclasses.replace(settings, host=host or settings.host, port=port or settings.port)


def _serve(settings: Settings, *, migrate_first: bool, with_worker: bool = False) -> None:
    import uvicorn

    from reciprocal.app import create_app

    try:
        # Before the database is touched: a service that cannot build its links says so first.
        settings.require_base_url()
    except SettingsError as error:
        raise click.UsageError(str(error)) from None

    async def prepare() -> URL:
        owner, app_url = await database_urls(settings)
        if migrate_first:
            await migrate(owner)
        return app_url

    unwind_on_sigterm()
    app_url = asyncio.run(prepare())
    app = create_app(settings, database_url=app_url)
    click.echo(f"Reciprocal is serving at http://{settings.host}:{settings.port}/", err=True)
    # uvicorn catches SIGTERM and SIGINT, shuts down gracefully, then raises the signal again for the process
    # to act on: a stop asked for and done is a clean exit (0), and atexit then stops the embedded server.
    beside = _worker_beside(settings, app_url) if with_worker else contextlib.nullcontext()
    with contextlib.suppress(Terminated, KeyboardInterrupt), beside:
        uvicorn.run(app, **server_options(settings))
    click.echo("Reciprocal has stopped.", err=True)


def server_options(settings: Settings) -> dict[str, Any]:
    """How uvicorn serves the app: X-Forwarded-For is believed from RECIPROCAL_TRUSTED_PROXIES alone."""
    return {
        "host": settings.host,
        "port": settings.port,
        "log_config": None,
        "access_log": False,
        "proxy_headers": bool(settings.trusted_proxies),
        # NOTE: uvicorn's own default trusts 127.0.0.1 (and its FORWARDED_ALLOW_IPS): never that here.
        "forwarded_allow_ips": list(settings.trusted_proxies),
        "server_header": False,
    }


# The operator's commands on a scheme as a whole (create, export, suspend, resume) live beside this module.
from reciprocal import cli_schemes  # noqa: E402

for _command in cli_schemes.COMMANDS:
    tenant.add_command(_command)
