"""A referral checked against the Pan London and Cambridgeshire criteria: each problem named by its field."""

from __future__ import annotations

import uuid
from dataclasses import replace

import pytest

from reciprocal.kernel.text import identifiers_in
from reciprocal.provisioning.folders import read_scheme_folder
from reciprocal.referrals.rules import ReferralAnswers, check
from reciprocal.settings import REPO_ROOT

LONDON = read_scheme_folder(REPO_ROOT / "tenants" / "pan-london").criteria
COUNTY = read_scheme_folder(REPO_ROOT / "tenants" / "cambridgeshire").criteria
AREAS = [uuid.uuid4() for _ in range(8)]
HOME, RISK = AREAS[0], AREAS[1]

VALID = ReferralAnswers(
    consent=True,
    tenancy_type="secure",
    current_landlord_id=uuid.uuid4(),
    current_area_id=HOME,
    adults=1,
    children_ages=(4, 9),
    bedrooms_needed=3,
    risk_type="domestic_abuse",
    risk_area_ids=frozenset({HOME, RISK}),
    safe_area_ids=frozenset(AREAS[2:7]),
    safeguarding_measures="IDVA allocated; resettlement officer agreed",
)


def fields(answers: ReferralAnswers, criteria=LONDON) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return dict(check(answers, criteria, "borough"))


def test_a_complete_domestic_abuse_referral_passes() -> None:
    assert check(VALID, LONDON, "borough") == []


def test_fewer_safe_areas_than_the_minimum() -> None:
    problems = fields(replace(VALID, safe_area_ids=frozenset(AREAS[2:5])))
    assert problems == {"safe_area_ids": "Select at least 5 safe boroughs: 3 selected"}


def test_the_county_asks_for_fewer() -> None:
    assert check(replace(VALID, safe_area_ids=frozenset(AREAS[2:4])), COUNTY, "district") == []


def test_an_area_both_safe_and_at_risk() -> None:
    problems = fields(replace(VALID, risk_area_ids=frozenset({HOME, AREAS[2]})))
    assert problems == {"safe_area_ids": "A borough cannot be both safe and at risk: remove it from one list"}


def test_the_current_area_named_as_safe() -> None:
    problems = fields(replace(VALID, risk_area_ids=frozenset({RISK}), safe_area_ids=frozenset({HOME, *AREAS[2:6]})))
    assert problems == {"safe_area_ids": "The borough the applicant lives in now cannot be a safe borough"}


def test_serious_violence_needs_a_risk_assessor_but_no_safe_areas() -> None:
    serious = replace(VALID, risk_type="serious_violence", safe_area_ids=frozenset())
    assert fields(serious) == {"risk_assessor_id": "Name a risk assessor: serious violence needs one"}
    assert check(replace(serious, risk_assessor_id=uuid.uuid4()), LONDON) == []


def test_an_ineligible_tenancy_and_an_unaccepted_duty() -> None:
    assert "tenancy_type" in fields(replace(VALID, tenancy_type="private_rented"))
    assert check(replace(VALID, tenancy_type=None, duty_to_house=True), LONDON) == []
    county = dict(check(replace(VALID, tenancy_type=None, duty_to_house=True), COUNTY))
    assert county == {"tenancy_type": "This scheme does not accept referrals where a duty to house is owed"}


def test_floor_needs_without_evidenced_medical_need() -> None:
    problems = fields(replace(VALID, floor_level_need=True))
    assert problems == {"floor_level_need": "A floor level can be asked for only with evidenced medical need"}
    assert check(replace(VALID, floor_level_need=True, medical_evidence=True), LONDON) == []


def test_missing_answers_each_name_their_field() -> None:
    problems = fields(ReferralAnswers())
    assert set(problems) == {
        "consent",
        "tenancy_type",
        "current_landlord_id",
        "current_area_id",
        "bedrooms_needed",
        "risk_type",
    }


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("contact her on 07700 900123", "a phone number"),
        ("+44 20 7946 0018 after 5pm", "a phone number"),
        ("moving from E1 6AN", "a postcode"),
        ("email jo.smith@example.com", "an email address"),
    ],
)
def test_free_text_with_identifiers_is_refused(text: str, kind: str) -> None:
    problems = fields(replace(VALID, safeguarding_measures=text))
    assert problems == {
        "safeguarding_measures": f"Remove {kind}: the referral must not identify the applicant",
    }


def test_ordinary_free_text_is_accepted() -> None:
    assert identifiers_in("Two cats; needs 3 bedrooms by March 2026; ground floor preferred") == []
