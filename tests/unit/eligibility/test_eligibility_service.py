"""Eligibility service with in-memory fakes of every port (no mocks)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from eligibility_fakes import (
    COVERAGE_ID,
    FRONT_DESK,
    OTHER_PRACTICE,
    PATIENT_ID,
    PYX12_MAPS,
    SERVICE_DATE,
    FakeAudit,
    FakeChecks,
    FakeDirectory,
    FakeDocuments,
    FakeSubjects,
    Journal,
    RecordingClearinghouse,
    pyx12_errors,
    subject,
)

from clinicflow.audit.model import Action
from clinicflow.clearinghouse.port import ClearinghouseUnavailableError
from clinicflow.eligibility import service
from clinicflow.eligibility.model import (
    EligibilityCheck,
    EligibilityNotAvailableError,
    EligibilityStatus,
)
from clinicflow.platform.errors import NotFoundError, ValidationError
from clinicflow.platform.identity import Caller
from clinicflow.x12 import parse_file
from clinicflow.x12.eligibility import EligibilityInquiryDocument

CHECK_ID = "0f" * 16
NOW = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


class Env:
    """Every port, faked, sharing one journal."""

    def __init__(self, member_id: str = "SBX-ACTIVE-001", **subject_args: Any) -> None:
        self.journal = Journal()
        self.subjects = FakeSubjects(subject(member_id, **subject_args))
        self.clearinghouse = RecordingClearinghouse(self.journal)
        self.documents = FakeDocuments(self.journal)
        self.checks = FakeChecks(self.journal)
        self.audit = FakeAudit()

    def run(
        self, types: tuple[str, ...] = ("98",), caller: Caller = FRONT_DESK
    ) -> EligibilityCheck:
        return service.run_check(
            caller,
            service.CheckRequest(PATIENT_ID, COVERAGE_ID, SERVICE_DATE, list(types)),
            subjects=self.subjects,
            clearinghouses=FakeDirectory(self.clearinghouse),
            documents=self.documents,
            checks=self.checks,
            now=lambda: NOW,
            new_id=lambda: CHECK_ID,
        )

    def sent_270(self) -> EligibilityInquiryDocument:
        text = self.documents.get(f"prac-a/eligibility/{CHECK_ID}/270.x12").decode()
        doc = parse_file(text).interchanges[0].groups[0].transactions[0]
        assert isinstance(doc, EligibilityInquiryDocument)
        return doc


def test_active_check_is_stored_in_order_and_audited() -> None:
    env = Env()
    check = env.run()
    assert env.journal.events == ["put 270.x12", "send 270", "put 271.x12", "save check"]
    assert set(env.documents.objects) == {
        f"prac-a/eligibility/{CHECK_ID}/270.x12",
        f"prac-a/eligibility/{CHECK_ID}/271.x12",
    }
    assert all(ct == "application/edi-x12" for _, ct in env.documents.objects.values())
    assert check.result.status is EligibilityStatus.ACTIVE
    assert check.result.copay == Decimal("25")
    assert check.has_response
    assert (check.patient_id, check.coverage_id, check.payer_id) == (
        PATIENT_ID,
        COVERAGE_ID,
        "MRDN1",
    )
    assert check.requested_by == "frontdesk.demo" and check.requested_at == NOW
    assert env.checks.items[("prac-a", CHECK_ID)] == check
    (record,) = env.checks.audit
    assert (record.action, record.resource_id, record.patient_id) == (
        Action.CREATE,
        CHECK_ID,
        PATIENT_ID,
    )
    assert env.clearinghouse.sent[0][0] == "SBMRDN1"  # the clearinghouse's payer id


def test_270_carries_the_practice_payer_subscriber_and_service_types() -> None:
    env = Env()
    env.run(("98", "uc", "98"))
    (inq,) = env.sent_270().inquiries
    assert (inq.payer.id, inq.payer.name) == ("SBMRDN1", "Meridian National Health")
    assert (inq.provider.npi, inq.provider.name) == ("1234567893", "Riverside Clinic")
    assert (inq.subscriber.member_id, inq.subscriber.last_name) == ("SBX-ACTIVE-001", "Synthetico")
    assert inq.subscriber.group_number == "GRP100"
    assert inq.dependent is None
    assert inq.service_types == ["98", "UC"]  # upper-cased, de-duplicated
    assert inq.date_of_service == SERVICE_DATE
    assert (inq.trace_number, inq.trace_originator_id) == (CHECK_ID, "1123456789")


def test_dependent_is_sent_at_2000d_and_answered() -> None:
    env = Env(dependent=True)
    check = env.run()
    (inq,) = env.sent_270().inquiries
    assert inq.patient_level == "dependent"
    assert inq.dependent is not None and inq.dependent.first_name == "Kit"
    assert inq.dependent.gender is None  # "U" is not sent in a 270
    assert check.result.status is EligibilityStatus.ACTIVE


@pytest.mark.skipif(not PYX12_MAPS.is_dir(), reason="pyx12 X279A1 maps not present")
@pytest.mark.parametrize("dependent", [False, True])
def test_generated_270_passes_pyx12(dependent: bool) -> None:
    env = Env(dependent=dependent)
    env.run(("30",))
    text = env.documents.get(f"prac-a/eligibility/{CHECK_ID}/270.x12").decode()
    assert pyx12_errors(text) == []


def test_timeout_still_saves_the_check_with_the_270_only() -> None:
    env = Env("SBX-TIMEOUT-1")
    check = env.run()
    assert env.journal.events == ["put 270.x12", "send 270", "save check"]
    assert check.result.status is EligibilityStatus.PAYER_UNAVAILABLE
    assert not check.has_response
    assert check.result.problems[0].can_retry
    assert "retry later" in check.result.problems[0].action


def test_unavailable_clearinghouse_is_payer_unavailable() -> None:
    class Down:
        def exchange_270(self, payer_id: str, request: str | bytes) -> str:
            raise ClearinghouseUnavailableError(f"payer {payer_id} is down")

    env = Env()
    env.clearinghouse.inner = Down()
    check = env.run()
    assert check.result.status is EligibilityStatus.PAYER_UNAVAILABLE
    assert check.result.problems[0].reason_code == "42"


@pytest.mark.parametrize(
    ("member_id", "status", "code"),
    [
        ("SBX-BADID", EligibilityStatus.REJECTED, "72"),
        ("SBX-NOTFOUND", EligibilityStatus.REJECTED, "75"),
        ("SBX-INACTIVE", EligibilityStatus.INACTIVE, None),
        ("SBX-SECONDARY", EligibilityStatus.ACTIVE, None),
        ("SBX-HIGHDED", EligibilityStatus.ACTIVE, None),
    ],
)
def test_every_sandbox_path_through_the_service(
    member_id: str, status: EligibilityStatus, code: str | None
) -> None:
    check = Env(member_id).run()
    assert check.result.status is status
    assert [p.reason_code for p in check.result.problems] == ([code] if code else [])


def test_no_phi_in_keys_or_stored_json_keys() -> None:
    env = Env()
    env.run()
    for key in env.documents.objects:
        assert "Synthetico" not in key and "SBX" not in key and "1984" not in key


@pytest.mark.parametrize(
    ("types", "field"),
    [
        ([], "service_type_codes"),
        (["9999"], "service_type_codes.0"),
        (["30"] * 1 + [str(i) for i in range(10, 21)], "service_type_codes"),
    ],
)
def test_bad_service_types_are_refused_before_anything_is_sent(
    types: list[str], field: str
) -> None:
    env = Env()
    with pytest.raises(ValidationError) as err:
        env.run(tuple(types))
    assert field in [f.field for f in err.value.errors]
    assert env.journal.events == []


def test_payer_without_route_or_adapter_is_not_available() -> None:
    with pytest.raises(EligibilityNotAvailableError):
        Env(clearinghouse_id=None).run()
    with pytest.raises(EligibilityNotAvailableError):
        Env(clearinghouse_id="acme-core").run()


def test_other_practice_cannot_check_or_read() -> None:
    env = Env()
    with pytest.raises(NotFoundError):
        env.run(caller=OTHER_PRACTICE)
    env.run()
    with pytest.raises(NotFoundError):
        service.get_check(OTHER_PRACTICE, CHECK_ID, checks=env.checks, audit=env.audit)


def test_get_check_audits_the_read() -> None:
    env = Env()
    saved = env.run()
    assert service.get_check(FRONT_DESK, CHECK_ID, checks=env.checks, audit=env.audit) == saved
    assert [(r.action, r.resource_id) for r in env.audit.records] == [(Action.READ, CHECK_ID)]
    with pytest.raises(NotFoundError):
        service.get_check(FRONT_DESK, "not-an-id", checks=env.checks, audit=env.audit)


def test_raw_files() -> None:
    env = Env()
    env.run()
    raw = service.raw_file(
        FRONT_DESK, CHECK_ID, "271", checks=env.checks, documents=env.documents, audit=env.audit,
        inline=True,
    )  # fmt: skip
    assert raw.url.endswith(f"/eligibility/{CHECK_ID}/271.x12?expires=300")
    assert raw.text is not None and raw.text.startswith("ISA*")
    assert env.audit.records[-1].action is Action.EXPORT
    url_only = service.raw_file(
        FRONT_DESK, CHECK_ID, "270", checks=env.checks, documents=env.documents, audit=env.audit
    )
    assert url_only.text is None
    with pytest.raises(ValidationError):
        service.raw_file(
            FRONT_DESK, CHECK_ID, "835", checks=env.checks, documents=env.documents, audit=env.audit
        )


def test_no_271_after_a_timeout() -> None:
    env = Env("SBX-TIMEOUT")
    env.run()
    with pytest.raises(NotFoundError):
        service.raw_file(
            FRONT_DESK, CHECK_ID, "271", checks=env.checks, documents=env.documents, audit=env.audit
        )
