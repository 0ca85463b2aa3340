"""Demo only: the Pan London scheme's demo referrals, one in every state, with offers, moves and a ledger."""

from __future__ import annotations

from datetime import timedelta

from reciprocal.kernel import clock
from reciprocal.provisioning.demo_history import last_year
from reciprocal.provisioning.demo_seeder import Seeder
from reciprocal.referrals import services as referrals
from reciprocal.referrals.workflow import Action

# What the officer writes: support, never who or where. Monitoring answers are the form's own values.
IDVA = "IDVA support in place until the move and for three months after; refuge keyworker agreed the plan."
ISVA = "ISVA support continues after the move; the local sexual violence service has agreed to take over."
TENANCY_SUPPORT = "Tenancy sustainment officer to help with utilities, school places and registering with a GP."
YOUTH = "Youth Futures caseworker keeps weekly contact; the violence reduction unit is aware of the move request."


async def pan_london(s: Seeder) -> None:
    """Pan London: Safe Steps London refers; Camden, Islington, Hackney and Southwark approve and offer."""
    co = s.coordinator
    await last_year(s)

    # Before circulation: a draft, then the coordinator's and the landlord's checks.
    await s.drafted(
        s.answers(
            landlord="camden-council",
            lives_in="camden",
            risk_type="domestic_abuse",
            risk=("camden",),
            safe=("lewisham", "greenwich"),
            children=(4, 9),
            bedrooms=2,
        ),
        "SS-4519",
        {"gender": "woman", "lone_parent": "yes"},
    )
    await s.submitted(
        s.answers(
            landlord="islington-council",
            lives_in="islington",
            risk_type="sexual_violence",
            risk=("islington", "hackney"),
            safe=("brent", "ealing", "harrow", "barnet", "enfield"),
            bedrooms=1,
            safeguarding=ISVA,
            resettlement=TENANCY_SUPPORT,
        ),
        "SS-4507",
        {"gender": "woman", "ethnicity": "not_said", "disability": "no", "lone_parent": "no"},
    )
    returned = await s.submitted(
        s.answers(
            landlord="hackney-council",
            lives_in="hackney",
            risk_type="honour_based_violence",
            risk=("hackney", "newham", "tower-hamlets"),
            safe=("sutton", "merton", "kingston-upon-thames", "richmond-upon-thames", "wandsworth"),
            adults=2,
            bedrooms=2,
            safeguarding="Specialist honour-based violence caseworker supporting the applicant in refuge.",
        ),
        "SS-4496",
    )
    await s.act(
        co,
        returned,
        Action.return_for_information,
        "Please say what support will be in place after the move: the safeguarding measures cover the refuge "
        "stay only.",
    )
    ineligible = await s.submitted(
        s.answers(
            landlord="southwark-council",
            lives_in="southwark",
            risk_type="hate_crime",
            risk=("southwark",),
            safe=("bromley", "bexley", "greenwich", "lewisham", "croydon"),
            adults=2,
            bedrooms=1,
            safeguarding="Hate crime caseworker involved; police incident log shared with the landlord.",
        ),
        "SS-4379",
    )
    await s.act(
        co,
        ineligible,
        Action.mark_ineligible,
        "The incidents are confined to one block and the landlord has agreed a management transfer within the "
        "borough, which meets the household's need without the reciprocal.",
    )
    declined = await s.submitted(
        s.answers(
            landlord="camden-council",
            lives_in="camden",
            risk_type="stalking",
            risk=("camden", "islington"),
            safe=("wandsworth", "lambeth", "merton", "sutton", "croydon"),
            bedrooms=1,
            safeguarding="Stalking advocate supporting; a stalking protection order is being sought.",
        ),
        "SS-4365",
    )
    declined = await s.act(co, declined, Action.request_approval)
    await s.act(
        s.leads["camden"],
        declined,
        Action.decline,
        "Camden has already made an emergency management transfer to another borough, which the applicant has "
        "accepted.",
    )
    # Asked for four weeks ago and not yet approved: the worker's reminders have something to chase at start.
    with clock.as_of(clock.now() - timedelta(days=28)):
        awaiting = await s.submitted(
            s.answers(
                landlord="camden-council",
                lives_in="camden",
                risk_type="domestic_abuse",
                risk=("camden", "islington", "haringey"),
                safe=("lewisham", "greenwich", "bexley", "bromley", "croydon"),
                children=(2,),
                bedrooms=2,
                pets="One cat, which can be rehomed if needed",
                safeguarding=IDVA,
                resettlement=TENANCY_SUPPORT,
            ),
            "SS-4488",
            {"gender": "woman", "ethnicity": "black", "lone_parent": "yes"},
        )
        await s.act(co, awaiting, Action.request_approval)

    # Approved by their landlords and circulated in one batch.
    reaches_camden = await s.submitted(
        s.answers(
            landlord="islington-council",
            lives_in="islington",
            risk_type="domestic_abuse",
            risk=("islington", "hackney"),
            safe=("camden", "brent", "barnet", "harrow", "ealing"),
            children=(4, 9),
            bedrooms=2,
            safeguarding=IDVA,
            resettlement=TENANCY_SUPPORT,
        ),
        "SS-4471",
        {"gender": "woman", "ethnicity": "white", "disability": "no", "lone_parent": "yes"},
    )
    elsewhere = await s.submitted(
        s.answers(
            landlord="hackney-council",
            lives_in="hackney",
            risk_type="trafficking",
            risk=("hackney", "tower-hamlets", "newham"),
            safe=("lewisham", "greenwich", "bexley", "bromley", "croydon"),
            bedrooms=1,
            safeguarding="Modern slavery support service caseworker in place; referral to the national mechanism made.",
        ),
        "SS-4466",
    )
    violence = await s.submitted(
        s.answers(
            landlord="southwark-council",
            lives_in="southwark",
            risk_type="serious_violence",
            risk=("southwark", "lambeth", "lewisham", "croydon"),
            duty_to_house=True,
            assessed=True,
            bedrooms=1,
            safeguarding=YOUTH,
            resettlement="Leaving care personal adviser will support the move and furnishing the new home.",
        ),
        "SS-4459",
    )
    under_offer = await s.submitted(
        s.answers(
            landlord="hackney-council",
            lives_in="hackney",
            risk_type="serious_violence",
            risk=("hackney", "islington", "haringey", "waltham-forest"),
            assessed=True,
            bedrooms=1,
            safeguarding=YOUTH,
        ),
        "SS-4452",
    )
    at_viewing = await s.submitted(
        s.answers(
            landlord="southwark-council",
            lives_in="southwark",
            risk_type="domestic_abuse",
            risk=("southwark", "lambeth"),
            safe=("camden", "barnet", "enfield", "harrow", "brent"),
            children=(1,),
            bedrooms=2,
            access_needs="Uses a walking frame after surgery: ground floor or a lift needed.",
            floor_level_need=True,
            safeguarding=IDVA,
        ),
        "SS-4440",
        {"gender": "woman", "disability": "yes", "lone_parent": "yes"},
    )
    to_accept = await s.submitted(
        s.answers(
            landlord="southwark-council",
            lives_in="southwark",
            risk_type="hate_crime",
            risk=("southwark", "lewisham"),
            safe=("camden", "brent", "ealing", "barnet", "harrow"),
            adults=2,
            bedrooms=1,
            safeguarding="Hate crime caseworker will stay in touch for six months after the move.",
        ),
        "SS-4431",
    )
    to_refuse = await s.submitted(
        s.answers(
            landlord="islington-council",
            lives_in="islington",
            risk_type="domestic_abuse",
            risk=("islington",),
            safe=("camden", "brent", "barnet", "enfield", "harrow"),
            children=(6,),
            bedrooms=2,
            pets="One small dog",
            safeguarding=IDVA,
        ),
        "SS-4388",
    )
    move_from_camden = await s.submitted(
        s.answers(
            landlord="camden-council",
            lives_in="camden",
            risk_type="domestic_abuse",
            risk=("camden", "barnet", "brent"),
            safe=("islington", "hackney", "southwark", "lewisham", "greenwich"),
            children=(4, 9),
            bedrooms=2,
            safeguarding=IDVA,
            resettlement=TENANCY_SUPPORT,
        ),
        "SS-4410",
        {"gender": "woman", "ethnicity": "asian", "lone_parent": "yes"},
    )
    move_from_hackney = await s.submitted(
        s.answers(
            landlord="hackney-council",
            lives_in="hackney",
            risk_type="stalking",
            risk=("hackney", "islington"),
            safe=("southwark", "lambeth", "wandsworth", "lewisham", "greenwich"),
            bedrooms=1,
            safeguarding="Stalking advocate supporting; police aware and a marker placed on the new home.",
        ),
        "SS-4402",
    )
    move_from_southwark = await s.submitted(
        s.answers(
            landlord="southwark-council",
            lives_in="southwark",
            risk_type="serious_violence",
            risk=("southwark", "lambeth", "lewisham"),
            assessed=True,
            bedrooms=1,
            safeguarding=YOUTH,
            resettlement=TENANCY_SUPPORT,
        ),
        "SS-4395",
    )
    approvals = [
        (reaches_camden, "islington"),
        (elsewhere, "hackney"),
        (violence, "southwark"),
        (under_offer, "hackney"),
        (at_viewing, "southwark"),
        (to_accept, "southwark"),
        (to_refuse, "islington"),
        (move_from_camden, "camden"),
        (move_from_hackney, "hackney"),
        (move_from_southwark, "southwark"),
    ]
    for referral, lead in approvals:
        await s.approved(referral, lead)
    await referrals.circulate_batch(s.session, co)

    # Offers, viewings and moves.
    lift = "Third floor flat with a lift; no outside space."
    await s.offered(under_offer, "camden", "camden", floor=3, accessibility=lift, address="Demo flat 31, Example House")
    await s.viewing(
        await s.offered(
            at_viewing,
            "camden",
            "camden",
            floor=0,
            accessibility="Ground floor, step-free entrance, level-access shower.",
            address="Demo flat 2, Example Court",
        )
    )
    await s.accepted(
        await s.viewing(
            await s.offered(
                to_accept, "camden", "camden", floor=1, accessibility=lift, address="Demo flat 12, Example Row"
            )
        )
    )
    await s.refused(
        await s.viewing(
            await s.offered(
                to_refuse, "camden", "camden", floor=4, accessibility=lift, address="Demo flat 44, Example Tower"
            )
        ),
        "other",
    )
    await s.moved(
        await s.accepted(
            await s.viewing(
                await s.offered(
                    move_from_camden,
                    "islington",
                    "islington",
                    floor=1,
                    accessibility="First floor, shared garden.",
                    address="Demo flat 7, Example Mansions",
                )
            )
        )
    )
    await s.moved(
        await s.accepted(
            await s.viewing(
                await s.offered(
                    move_from_hackney,
                    "southwark",
                    "southwark",
                    floor=2,
                    accessibility="Second floor, secure door entry.",
                    address="Demo flat 20, Example Gardens",
                )
            )
        )
    )
    offered = await s.offered(
        move_from_southwark,
        "hackney",
        "hackney",
        floor=0,
        accessibility="Ground floor one bedroom flat, secure door entry.",
        address="Demo flat 1, Example Yard",
    )
    await s.moved(
        await s.accepted(
            await s.viewing(await s.assessed(offered, "No specific risk identified in the offered borough."))
        )
    )

    # Approved after the batch: ready for the next one.
    ready = await s.submitted(
        s.answers(
            landlord="hackney-council",
            lives_in="hackney",
            risk_type="stalking",
            risk=("hackney", "tower-hamlets", "newham"),
            safe=("wandsworth", "merton", "sutton", "kingston-upon-thames", "richmond-upon-thames"),
            bedrooms=1,
            safeguarding="Stalking advocate supporting; home security assessment booked for the new home.",
        ),
        "SS-4480",
        {"gender": "man", "disability": "not_said"},
    )
    await s.approved(ready, "hackney")
