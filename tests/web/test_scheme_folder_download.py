"""The scheme admin downloads the scheme's folder: the files `reciprocal tenant load` reads, of that scheme only."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select

from reciprocal.audit.models import AuditEvent
from reciprocal.db.engine import Database
from reciprocal.identity.models import Role
from reciprocal.provisioning.folders import read_scheme_folder
from reciprocal.settings import REPO_ROOT, Settings
from support import scheme_id
from support.web import Client, act_as_new_member


@pytest.mark.parametrize("slug", ["pan-london", "cambridgeshire"])
async def test_the_admin_downloads_the_folder_of_their_own_scheme_and_it_reads_back(
    client: Client, db: Database, settings: Settings, tmp_path: Path, slug: str
) -> None:
    await act_as_new_member(client, db, settings, slug, f"admin@{slug}.example", [("coordinator", Role.scheme_admin)])
    home = await client.get(f"/s/{slug}/admin/")
    assert f'href="/s/{slug}/admin/export/folder"' in home.text

    response = await client.get(f"/s/{slug}/admin/export/folder")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    assert f'filename="{slug}-folder.zip"' in response.headers["content-disposition"]
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert all(name.startswith(f"{slug}/") for name in archive.namelist())
        archive.extractall(tmp_path)
    config = read_scheme_folder(tmp_path / slug)
    original = read_scheme_folder(REPO_ROOT / "tenants" / slug)
    assert config.scheme == original.scheme
    assert config.criteria == original.criteria
    assert {o.code for o in config.organisations} == {o.code for o in original.organisations}

    async with db.tenant_session(await scheme_id(db, slug)) as session:
        details = list(
            await session.scalars(select(AuditEvent.details).where(AuditEvent.action == "export.downloaded"))
        )
    assert details == [{"table": "scheme-folder", "format": "zip"}]


async def test_an_officer_cannot_download_the_folder(client: Client, db: Database, settings: Settings) -> None:
    await act_as_new_member(
        client,
        db,
        settings,
        "pan-london",
        "officer@pan-london.example",
        [("safe-steps-london", Role.nominating_officer)],
    )
    response = await client.get("/s/pan-london/admin/export/folder", follow_redirects=False)
    assert response.status_code in (403, 404)
    assert "application/zip" not in response.headers.get("content-type", "")
