"""A default payer directory for new and demo practices.

Every name and id here is made up: they look like national commercial, federal and state
payers so a demo behaves realistically, but none is a real payer or a real payer id.
Routes point at the clearinghouse sandbox; mailing addresses use PO boxes, as payers'
claim addresses often do.
"""

from __future__ import annotations

from clinicflow.practice.model import AddressInput
from clinicflow.practice.payers.model import PayerInput, RouteInput

SANDBOX = "sandbox"


def _route(payer_id: str) -> RouteInput:
    return RouteInput(clearinghouse_id=SANDBOX, clearinghouse_payer_id=f"SB{payer_id}")


def _payer(
    payer_id: str,
    name: str,
    sbr09: str,
    *,
    days: int,
    city: str,
    state: str,
    zip_code: str,
    box: str,
    realtime: bool = True,
    phone: str = "",
) -> tuple[str, PayerInput]:
    return payer_id, PayerInput(
        name=name,
        claim_filing_indicator=sbr09,
        claims=_route(payer_id),
        eligibility=_route(payer_id) if realtime else None,
        realtime_eligibility=realtime,
        timely_filing_days=days,
        address=AddressInput(line1=f"PO Box {box}", city=city, state=state, postal_code=zip_code),
        phone=phone,
    )


def default_payers() -> list[tuple[str, PayerInput]]:
    """(payer id, payer) pairs of the default directory: synthetic, never real payers."""
    return [
        _payer(
            "MRDN1",
            "Meridian National Health",
            "CI",
            days=180,
            city="Hartford",
            state="CT",
            zip_code="06101",
            box="14080",
            phone="8605550101",
        ),
        _payer(
            "SMTM2",
            "Summit Mutual Insurance",
            "CI",
            days=90,
            city="Louisville",
            state="KY",
            zip_code="40201",
            box="30211",
            phone="5025550102",
        ),
        _payer(
            "HRBV3",
            "Harborview Health Plans PPO",
            "12",
            days=180,
            city="Minneapolis",
            state="MN",
            zip_code="55440",
            box="1459",
            phone="6125550103",
        ),
        _payer(
            "PNCL4",
            "Pinnacle Care HMO",
            "HM",
            days=90,
            city="Nashville",
            state="TN",
            zip_code="37202",
            box="2200",
            phone="6155550104",
        ),
        _payer(
            "CSCD5",
            "Cascade Point of Service Plan",
            "13",
            days=120,
            city="Portland",
            state="OR",
            zip_code="97208",
            box="4421",
            phone="5035550105",
        ),
        _payer(
            "NRTH6",
            "Northstar Indemnity Assurance",
            "15",
            days=365,
            city="Omaha",
            state="NE",
            zip_code="68103",
            box="3150",
            phone="4025550106",
        ),
        _payer(
            "EVGR7",
            "Evergreen Federal Employee Health",
            "FI",
            days=365,
            city="Richmond",
            state="VA",
            zip_code="23218",
            box="8700",
            phone="8045550107",
        ),
        _payer(
            "SLVR8",
            "Silverline Medicare Advantage",
            "16",
            days=365,
            city="Tampa",
            state="FL",
            zip_code="33601",
            box="31002",
            phone="8135550108",
        ),
        _payer(
            "TRST9",
            "TriStar Military Health Program",
            "CH",
            days=365,
            city="San Antonio",
            state="TX",
            zip_code="78265",
            box="7031",
            phone="2105550109",
        ),
        _payer(
            "VCCR0",
            "Veterans Community Care Network",
            "VA",
            days=180,
            city="Denver",
            state="CO",
            zip_code="80217",
            box="6010",
            phone="3035550110",
        ),
        _payer(
            "PRWC1",
            "Prairie Workers' Compensation Trust",
            "WC",
            days=365,
            city="Topeka",
            state="KS",
            zip_code="66601",
            box="990",
            realtime=False,
            phone="7855550111",
        ),
        _payer(
            "LBRA2",
            "Liberty Road Auto Medical",
            "AM",
            days=365,
            city="Columbus",
            state="OH",
            zip_code="43216",
            box="1822",
            realtime=False,
            phone="6145550112",
        ),
        _payer(
            "MCRA0",
            "Medicare Part A (Demo Jurisdiction)",
            "MA",
            days=365,
            city="Fargo",
            state="ND",
            zip_code="58108",
            box="6703",
            phone="7015550113",
        ),
        _payer(
            "MCRB0",
            "Medicare Part B (Demo Jurisdiction)",
            "MB",
            days=365,
            city="Fargo",
            state="ND",
            zip_code="58108",
            box="6704",
            phone="7015550114",
        ),
        _payer(
            "MCDS0",
            "State Medicaid Program (Demo)",
            "MC",
            days=365,
            city="Sacramento",
            state="CA",
            zip_code="94230",
            box="15700",
            phone="9165550115",
        ),
    ]
