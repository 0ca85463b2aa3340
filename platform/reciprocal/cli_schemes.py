"""`reciprocal tenant create | export | suspend | resume`: an operator's work on a scheme as a whole.

Registered on the `tenant` group by reciprocal.cli; the database is opened as cli opens it (imported when a
command runs, since cli imports this module)."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import click

from reciprocal.db.engine import Database
from reciprocal.kernel.errors import Refused
from reciprocal.onboarding.running import UnknownScheme, set_suspended
from reciprocal.provisioning.export import write_folder
from reciprocal.provisioning.presets import PRESETS, NewScheme, create_scheme
from reciprocal.settings import Settings
from reciprocal.tenancy.services import find_scheme


def _settings(ctx: click.Context) -> Settings:
    settings: Settings = ctx.obj
    return settings


async def _open(settings: Settings) -> Database:
    from reciprocal.cli import _open as open_database

    return await open_database(settings)


@click.command("create")
@click.argument("slug")
@click.option("--preset", required=True, type=click.Choice(sorted(PRESETS)), help="What the scheme starts from.")
@click.option("--name", required=True, help="The scheme's name, as its pages show it.")
@click.option("--region", required=True, help="The region it covers.")
@click.option("--reference-prefix", required=True, help="Starts each referral's reference: 1 to 8 capital letters.")
@click.pass_context
def tenant_create(ctx: click.Context, slug: str, preset: str, name: str, region: str, reference_prefix: str) -> None:
    """Create a scheme from a preset (pan-london, county, blank); nothing is made if anything is wrong."""
    settings = _settings(ctx)
    new = NewScheme(preset, slug.strip(), name.strip(), region.strip(), reference_prefix.strip())

    async def run() -> None:
        db = await _open(settings)
        try:
            await create_scheme(db, settings.tenants_dir, new, by="command line")
        finally:
            await db.dispose()

    try:
        asyncio.run(run())
    except Refused as refused:
        click.echo("The scheme cannot be created; nothing was changed:", err=True)
        for field, problem in refused.problems:
            click.echo(f"  {field}: {problem}", err=True)
        sys.exit(1)
    click.echo(f"Created {new.slug} from the {PRESETS[preset][0]} preset: /s/{new.slug}/")


@click.command("export")
@click.argument("slug")
@click.option("--to", "parent", required=True, type=click.Path(path_type=Path), help="Folder to write <slug>/ into.")
@click.pass_context
def tenant_export(ctx: click.Context, slug: str, parent: Path) -> None:
    """Write a scheme back out as its folder (scheme, areas, organisations, criteria, messages): it loads back."""

    async def run() -> Path:
        db = await _open(_settings(ctx))
        try:
            async with db.session() as session:
                scheme = await find_scheme(session, slug)
            if scheme is None:
                raise click.ClickException(f"There is no scheme {slug!r}: `reciprocal tenant list` shows them.")
            async with db.tenant_session(scheme.id) as session, session.begin():
                return await write_folder(session, scheme.id, parent)
        finally:
            await db.dispose()

    folder = asyncio.run(run())
    click.echo(f"Exported {slug} to {folder}.")


@click.command("suspend")
@click.argument("slug")
@click.pass_context
def tenant_suspend(ctx: click.Context, slug: str) -> None:
    """Suspend a scheme: its people are signed out and cannot sign in; its data stays; its pages say paused."""
    _suspend(ctx, slug, suspended=True)


@click.command("resume")
@click.argument("slug")
@click.pass_context
def tenant_resume(ctx: click.Context, slug: str) -> None:
    """Resume a suspended scheme: its people can sign in again."""
    _suspend(ctx, slug, suspended=False)


def _suspend(ctx: click.Context, slug: str, *, suspended: bool) -> None:
    async def run() -> bool:
        db = await _open(_settings(ctx))
        try:
            return (await set_suspended(db, slug, suspended=suspended, by="command line"))[1]
        except UnknownScheme:
            raise click.ClickException(f"There is no scheme {slug!r}: `reciprocal tenant list` shows them.") from None
        finally:
            await db.dispose()

    changed = asyncio.run(run())
    verb = "Suspended" if suspended else "Resumed"
    state = "suspended" if suspended else "running"
    click.echo(f"{verb} {slug}." if changed else f"{slug} was already {state}: nothing changed.")


COMMANDS = [tenant_create, tenant_export, tenant_suspend, tenant_resume]
