"""Profile rules, the 837P codec and the sandbox clearinghouse's 999/277CA (pure, no AWS)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from submission_support import profile, pyx12_errors, ready_claim

from clinicflow.claims.model import Frequency, Person, Subscriber
from clinicflow.claims.submission.codec import (
    UnreadableAckError,
    build_file,
    read_837p_claim_ids,
    read_acks,
)
from clinicflow.claims.submission.model import (
    EnrollmentStatus,
    PayerEnrollment,
    SftpSettings,
    check_profile,
    chunks,
    file_id_for,
    file_key,
)
from clinicflow.clearinghouse.claims_port import MemoryObjects
from clinicflow.clearinghouse.claims_sandbox import SandboxClaimsClearinghouse, respond
from clinicflow.platform.errors import ValidationError

AT = datetime(2026, 5, 5, 1, 2, 3)


def _file(*claims, control: int = 7) -> bytes:  # type: ignore[no-untyped-def]
    return build_file(
        list(claims),
        profile(),
        file_id=file_id_for(control, AT),
        control_number=control,
        created=AT,
    )


def test_profile_rules_and_enrollment() -> None:
    assert check_profile(profile()).submitter_name == "Sunrise Family Medicine"
    with pytest.raises(ValidationError) as err:
        check_profile(
            profile(
                isa_sender_id="X" * 16,
                isa_receiver_qualifier="99",
                contact_phone="555",
                enrollments=(
                    PayerEnrollment("mrdn1"),
                    PayerEnrollment("MRDN1"),
                    PayerEnrollment("MRDN1"),
                ),
                clearinghouse_id="sftp",
            )
        )
    fields = {e.field for e in err.value.errors}
    assert {"isa_sender_id", "isa_receiver_qualifier", "contact_phone", "sftp"} <= fields
    assert "enrollments.0.payer_id" in fields and "enrollments.2.payer_id" in fields
    assert "XXXXXXXXXXXXXXXX" not in str(err.value)  # rules, never values
    ok = check_profile(
        profile(clearinghouse_id="sftp", sftp=SftpSettings("sftp.example.test", secret_id="s"))
    )
    assert ok.sftp is not None
    p = profile()
    assert p.enrollment_problem("MRDN1") is None
    assert "pending" in (p.enrollment_problem("HRBV3") or "")
    assert "not enrolled" in (p.enrollment_problem("NOPE1") or "")
    off = profile(enrollments=(PayerEnrollment("MRDN1", EnrollmentStatus.NOT_ENROLLED),))
    assert "not enrolled" in (off.enrollment_problem("MRDN1") or "")


def test_file_ids_keys_and_chunks() -> None:
    assert file_id_for(42, AT) == "F260505000000042"
    assert file_key("sunrise", "F1") == "sunrise/claims/files/F1/837P.x12"
    assert chunks(list(range(5)), 2) == [[0, 1], [2, 3], [4]]


def test_837p_is_valid_deterministic_and_reads_back() -> None:
    own = ready_claim(1)
    dependent = replace(
        ready_claim(2),
        subscriber=replace(
            ready_claim(2).subscriber,
            relationship="19",
            person=Person("Parent", "Pat", own.patient.birth_date, "M", own.patient.address),
        ),
    )
    replacement = replace(
        ready_claim(3), frequency=Frequency.REPLACEMENT, payer_claim_number="PCN99"
    )
    data = _file(replacement, dependent, own)
    assert data == _file(own, dependent, replacement)  # same claims -> same bytes
    assert pyx12_errors(data.decode()) == []
    assert sorted(read_837p_claim_ids(data)) == sorted(
        c.claim_id for c in (own, dependent, replacement)
    )
    text = data.decode()
    assert "REF*F8*PCN99" in text and "PAT*19" in text and "*46*SUNRISE01" in text
    assert "ISA*00*          *00*          *ZZ*SUNRISE01      *ZZ*SANDBOXCH" in text
    assert "GS*HC*SUNRISE01*SANDBOXCH*20260505*0102*7*X*005010X222A1" in text


def test_sandbox_answers_999_then_277ca_with_rejections() -> None:
    good = ready_claim(1)
    bad = ready_claim(2, member_id="SBX-REJECT")
    ack, claim_ack = respond(_file(good, bad), datetime(2026, 5, 6, tzinfo=UTC))
    assert claim_ack is not None
    assert pyx12_errors(claim_ack) == []
    (nine,) = read_acks(ack.encode())
    assert nine.kind == "999" and nine.group_control_number == 7 and not nine.sets[0].rejected
    (two,) = read_acks(claim_ack.encode())
    assert two.kind == "277CA" and two.file_id == file_id_for(7, AT)
    outcome = {a.claim_id: a for a in two.claims}
    assert outcome[good.claim_id].outcome == "accepted"
    assert outcome[good.claim_id].payer_claim_number == f"PCN{good.claim_id}"
    rejected = outcome[bad.claim_id]
    assert rejected.outcome == "rejected" and rejected.codes == ("A7:164:IL",)
    assert "Rejected for invalid information" in rejected.reason
    assert "contract/member number" in rejected.reason and "SBX" not in rejected.reason


def test_sandbox_999_rejects_the_set() -> None:
    bad = ready_claim(1, member_id="SBX-X12-REJECT")
    ack, claim_ack = respond(_file(bad, ready_claim(2)), datetime(2026, 5, 6, tzinfo=UTC))
    assert claim_ack is None  # the payer never saw the set
    (nine,) = read_acks(ack.encode())
    verdict = nine.sets[0]
    assert verdict.rejected and nine.group_status == "R"
    assert "segment NM1" in verdict.reason and "loop 2010BA" in verdict.reason
    assert "invalid code value" in verdict.reason and "SBX" not in verdict.reason


def test_sandbox_mailbox_is_asynchronous_and_idempotent() -> None:
    objects = MemoryObjects()
    sandbox = SandboxClaimsClearinghouse(objects, "sunrise")
    data = _file(ready_claim(1))
    sandbox.submit("F1.837", data)
    sandbox.submit("F1.837", data)  # a re-send of the same file name is ignored
    assert sandbox.received() == ["F1.837"]
    first = sandbox.collect()
    assert [f.name for f in first] == ["F1.837.999"]
    second = sandbox.collect()
    assert sorted(f.name for f in second) == ["F1.837.277", "F1.837.999"]  # 999 not yet acked
    for f in second:
        sandbox.acknowledge(f.name)
    assert sandbox.collect() == []
    assert all(k.startswith("sunrise/clearinghouse-sandbox/") for k in objects.objects)


def test_unreadable_acknowledgments() -> None:
    with pytest.raises(UnreadableAckError):
        read_acks(b"this is not x12")
    with pytest.raises(UnreadableAckError):
        read_acks(_file(ready_claim(1)))  # an 837P is not an acknowledgment


def test_subscriber_person_is_used_for_own_claims() -> None:
    claim = ready_claim(1)
    claim = replace(claim, subscriber=Subscriber("M1", "18", "CI", claim.patient, group_number=""))
    assert "NM1*IL*1*Testpatient*Robin****MI*M1" in _file(claim).decode()
