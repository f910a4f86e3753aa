"""The sandbox's "corrected details" scenario: a 271 whose member id, first name and birth date
differ from the 270, read back through the slice's own codec into corrections."""

from __future__ import annotations

from datetime import date

from eligibility_fakes import SERVICE_DATE, subject

from clinicflow.clearinghouse.sandbox import SandboxClearinghouse
from clinicflow.clearinghouse.sandbox_records import (
    payer_birth_date,
    payer_first_name,
    payer_member_id,
)
from clinicflow.eligibility.codec import build_request, read_exchange
from clinicflow.eligibility.corrections import corrections_for
from clinicflow.eligibility.model import EligibilityStatus, Person, Subject

CHECK_ID = "0123456789abcdef0123456789abcdef"


def _ask(who: Subject) -> tuple[EligibilityStatus, dict[str, tuple[str | None, str]]]:
    """Send the subject's 270 to the sandbox; the status and corrections {field: (sent, got)}."""
    raw_270 = build_request(who, ["98"], SERVICE_DATE, CHECK_ID, receiver_id="SANDBOX", test=True)
    raw_271 = SandboxClearinghouse().exchange_270("SBMRDN1", raw_270)
    result, returned = read_exchange(raw_271, ["98"])
    fixes = {c.field: (c.sent, c.returned) for c in corrections_for(who, returned)}
    return result.status, fixes


def test_payer_records_rules() -> None:
    assert payer_member_id("SBX-CORRECTED-1009") == "SBX-ACTIVE-1009"
    assert payer_member_id("sbx-corrected-7") == "SBX-ACTIVE-7"
    assert payer_member_id("SBX-ACTIVE-1") == "SBX-ACTIVE-1"
    assert payer_first_name("Kate") == "KATHERINE"
    assert payer_first_name("Ava") == "Ava"
    assert payer_birth_date(date(1984, 3, 9)) == date(1984, 9, 3)
    assert payer_birth_date(date(1984, 7, 19)) == date(1984, 7, 19)  # day 19: no such month
    assert payer_birth_date(date(1990, 5, 5)) == date(1990, 5, 5)  # swapping changes nothing


def test_self_subscriber_gets_member_id_name_and_birth_date_corrections() -> None:
    base = subject("SBX-CORRECTED-1009")
    kate = Person(last_name="Sandbox", first_name="Kate", birth_date=date(1984, 3, 9), gender="F")
    status, fixes = _ask(base.model_copy(update={"patient": kate}))
    assert status is EligibilityStatus.ACTIVE  # the benefits are the active PPO's
    assert fixes == {
        "member_id": ("SBX-CORRECTED-1009", "SBX-ACTIVE-1009"),
        "patient.first_name": ("Kate", "KATHERINE"),
        "patient.birth_date": ("1984-03-09", "1984-09-03"),
    }


def test_after_applying_the_member_id_the_next_check_is_clean() -> None:
    fixed = Person(
        last_name="Sandbox", first_name="Katherine", birth_date=date(1984, 9, 3), gender="F"
    )
    status, fixes = _ask(subject("SBX-ACTIVE-1009").model_copy(update={"patient": fixed}))
    assert status is EligibilityStatus.ACTIVE and fixes == {}


def test_dependent_corrections_name_the_patient_not_the_subscriber() -> None:
    status, fixes = _ask(subject("SBX-CORRECTED-2", dependent=True))
    assert status is EligibilityStatus.ACTIVE
    # The child (born 2015-02-03) is the patient; the subscriber's name and DOB stand.
    assert fixes == {
        "member_id": ("SBX-CORRECTED-2", "SBX-ACTIVE-2"),
        "patient.birth_date": ("2015-02-03", "2015-03-02"),
    }
