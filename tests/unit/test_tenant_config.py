"""Scheme folders: the shipped ones are valid; a broken one is refused naming file, key and problem."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from reciprocal.provisioning.folders import TenantConfigError, read_scheme_folder
from reciprocal.settings import REPO_ROOT


def copy_scheme(tmp_path: Path, slug: str = "cambridgeshire") -> Path:
    target = tmp_path / slug
    shutil.copytree(REPO_ROOT / "tenants" / slug, target)
    return target


def problems_of(folder: Path) -> list[str]:
    with pytest.raises(TenantConfigError) as caught:
        read_scheme_folder(folder)
    return [str(p) for p in caught.value.problems]


def test_the_pan_london_preset_reproduces_the_toolkit_table() -> None:
    config = read_scheme_folder(REPO_ROOT / "tenants" / "pan-london")
    assert len(config.areas) == 33
    assert sum(o.kind.is_housing_partner for o in config.organisations) >= 6
    rules = {r.key: r for r in config.criteria.risk_types}
    assert list(rules) == [
        "domestic_abuse",
        "sexual_violence",
        "trafficking",
        "honour_based_violence",
        "stalking",
        "hate_crime",
        "serious_violence",
    ]
    for key, rule in rules.items():
        serious = key == "serious_violence"
        assert rule.name_risk_areas
        assert rule.aftercare_required
        assert rule.min_safe_areas == (0 if serious else 5)
        assert rule.risk_assessor_required is serious
        assert rule.offers_cap == (None if serious else 1)


def test_every_shipped_scheme_is_valid() -> None:
    folders = [p for p in (REPO_ROOT / "tenants").iterdir() if p.is_dir()]
    assert len(folders) >= 2
    for folder in folders:
        assert read_scheme_folder(folder).scheme.slug == folder.name


def test_a_wrong_type_names_the_file_and_key(tmp_path: Path) -> None:
    folder = copy_scheme(tmp_path)
    criteria = folder / "criteria.toml"
    criteria.write_text(criteria.read_text().replace("partner_debt_cap = 2", 'partner_debt_cap = "two"'))
    assert problems_of(folder) == [f"{criteria}: partner_debt_cap: Expected `int`, got `str`"]


def test_a_partner_covering_an_unknown_area_is_refused(tmp_path: Path) -> None:
    folder = copy_scheme(tmp_path)
    orgs = folder / "organisations.toml"
    orgs.write_text(orgs.read_text().replace('areas = ["fenland"]', 'areas = ["fenland", "atlantis"]'))
    assert problems_of(folder) == [f"{orgs}: organisation[2].areas[1]: 'atlantis' is not an area in areas.toml"]


def test_several_problems_are_all_reported(tmp_path: Path) -> None:
    folder = copy_scheme(tmp_path)
    (folder / "areas.toml").write_text('[[area]]\ncode = "Not A Slug"\nname = "x"\n')
    # At the top: the file ends in its [retention] table, which would take a key added at the end.
    (folder / "scheme.toml").write_text("unexpected = 1\n" + (folder / "scheme.toml").read_text())
    found = problems_of(folder)
    assert any("scheme.toml: Object contains unknown field `unexpected`" in p for p in found)
    assert any("areas.toml: area[0].code:" in p for p in found)


def test_too_many_safe_areas_for_the_scheme(tmp_path: Path) -> None:
    folder = copy_scheme(tmp_path)
    criteria = folder / "criteria.toml"
    criteria.write_text(criteria.read_text().replace("min_safe_areas = 2", "min_safe_areas = 9"))
    assert problems_of(folder) == [
        f"{criteria}: risk_types[0].min_safe_areas: asks for 9 safe areas but the scheme has 6"
    ]


def test_folder_name_must_match_slug(tmp_path: Path) -> None:
    folder = copy_scheme(tmp_path)
    renamed = folder.rename(tmp_path / "elsewhere")
    assert problems_of(renamed) == [f"{renamed / 'scheme.toml'}: slug: must match the folder name 'elsewhere'"]


def test_invalid_toml_and_missing_files(tmp_path: Path) -> None:
    folder = copy_scheme(tmp_path)
    (folder / "criteria.toml").write_text("this is = = not toml")
    (folder / "areas.toml").unlink()
    found = problems_of(folder)
    assert f"{folder / 'areas.toml'}: file is missing" in found
    assert any(p.startswith(f"{folder / 'criteria.toml'}: not valid TOML") for p in found)


def test_a_schemes_own_emails_are_checked_as_the_admins_page_checks_them(tmp_path: Path) -> None:
    folder = copy_scheme(tmp_path)
    (folder / "messages.toml").write_text(
        '[[message]]\nkind = "approved"\nsubject = "Approved {{ reference }}"\nbody = "Hello\\n{{ applicant }}\\n"\n'
        '[[message]]\nkind = "no_such_email"\nsubject = "x"\nbody = "y"\n'
    )
    assert [p.split(": ", 1)[1] for p in problems_of(folder)] == [
        "message[0].body: The message, line 2: applicant is not one of the variables",
        "message[1].kind: 'no_such_email' is not a kind of email",
    ]


def test_a_funder_organisation_loads(tmp_path: Path) -> None:
    folder = copy_scheme(tmp_path)
    orgs = folder / "organisations.toml"
    orgs.write_text(
        orgs.read_text() + '\n[[organisation]]\ncode = "steering"\nname = "Steering Group"\nkind = "funder"\n'
    )
    config = read_scheme_folder(folder)
    assert [o.kind for o in config.organisations if o.code == "steering"] == ["funder"]


def test_retention_days_are_read_and_checked(tmp_path: Path) -> None:
    folder = copy_scheme(tmp_path)
    scheme = folder / "scheme.toml"
    scheme.write_text(scheme.read_text().replace("sessions = 30", "sessions = 0"))
    assert any("scheme.toml: retention.sessions: Expected `int` >= 1" in p for p in problems_of(folder))
