"""In-memory fakes of the eligibility ports and helpers shared by the eligibility tests."""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from clinicflow.audit.model import AuditRecord
from clinicflow.clearinghouse.port import EligibilityClearinghouse
from clinicflow.clearinghouse.sandbox import SandboxClearinghouse
from clinicflow.eligibility.model import EligibilityCheck, PayerRoute, Person, Practice, Subject
from clinicflow.platform.errors import NotFoundError
from clinicflow.platform.identity import Caller, Role
from clinicflow.x12 import InterchangeHeader, parse_file
from clinicflow.x12.eligibility import Dependent as X12Dependent
from clinicflow.x12.eligibility import (
    EligibilityInquiry,
    EligibilityResponseDocument,
    Payer,
    Provider,
    Subscriber,
    build_270,
)

PYX12_MAPS = Path(__file__).resolve().parents[4] / "shared" / "data" / "x12" / "pyx12-maps"
SERVICE_DATE = date(2026, 3, 4)
PATIENT_ID = "5f0c3b9e2a7d4e1f8b6a9c0d1e2f3a4b"
COVERAGE_ID = "a1b2c3d4e5f60718293a4b5c6d7e8f90"
FRONT_DESK = Caller("frontdesk.demo", "prac-a", frozenset({Role.FRONT_DESK}), "203.0.113.10")
OTHER_PRACTICE = Caller("admin.b", "prac-b", frozenset({Role.ADMIN}), "203.0.113.11")


KID = X12Dependent(last_name="SYNTHETICO", first_name="KIT", birth_date=date(2015, 2, 3))


def inquiry(member_id: str, *, dependent: bool = False, types: Sequence[str] = ("98",)) -> Any:
    """A typed 270 inquiry for a synthetic subscriber (and dependent)."""
    return EligibilityInquiry(
        payer=Payer(id="SBMRDN1", name="MERIDIAN NATIONAL HEALTH"),
        provider=Provider(npi="1234567893", name="RIVERSIDE CLINIC"),
        subscriber=Subscriber(
            last_name="SYNTHETICO", first_name="TESTA", member_id=member_id,
            birth_date=date(1984, 7, 19), gender="F", group_number="GRP100",
        ),
        dependent=KID if dependent else None,
        service_types=list(types),
        date_of_service=SERVICE_DATE,
        trace_number="0123456789abcdef0123456789abcdef",
        trace_originator_id="1123456789",
    )  # fmt: skip


def request_270(member_id: str, *, dependent: bool = False, types: Sequence[str] = ("98",)) -> str:
    """A whole 270 interchange for the member id."""
    header = InterchangeHeader(
        sender_id="CLINICFLOW", receiver_id="SANDBOX", control_number=42, usage="T",
        created=datetime(2026, 3, 1, 9, 30, tzinfo=UTC),
    )  # fmt: skip
    return build_270(inquiry(member_id, dependent=dependent, types=types), header,
                     group_control_number=42)  # fmt: skip


def response_doc(raw: str) -> EligibilityResponseDocument:
    """The first 271 of an interchange."""
    doc = parse_file(raw).interchanges[0].groups[0].transactions[0]
    assert isinstance(doc, EligibilityResponseDocument)
    return doc


def sandbox_271(member_id: str, *, dependent: bool = False, types: Sequence[str] = ("98",)) -> str:
    """The sandbox's answer for the member id."""
    return SandboxClearinghouse().exchange_270(
        "SBMRDN1", request_270(member_id, dependent=dependent, types=types)
    )


def pyx12_errors(text: str) -> list[str]:
    """Errors pyx12 reports on an X12 text (needs the X279A1 map folder)."""
    import pyx12.params
    import pyx12.x12n_document

    param = pyx12.params.params()
    param.set("map_path", str(PYX12_MAPS))
    report = io.StringIO()
    pyx12.x12n_document.x12n_document(
        param, io.StringIO(text), io.StringIO(), None, None, report, map_path=str(PYX12_MAPS)
    )
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if "err_str" in node:
                found.append(str(node["err_str"]))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(json.loads(report.getvalue()))
    return found


def subject(member_id: str = "SBX-ACTIVE-001", *, dependent: bool = False,
            clearinghouse_id: str | None = "sandbox") -> Subject:  # fmt: skip
    """A synthetic subject: the patient, or a child of the subscriber."""
    holder = Person(last_name="Synthetico", first_name="Testa", birth_date=date(1984, 7, 19),
                    gender="F")  # fmt: skip
    child = Person(
        last_name="Synthetico", first_name="Kit", birth_date=date(2015, 2, 3), gender="U"
    )
    return Subject(
        patient_id=PATIENT_ID,
        coverage_id=COVERAGE_ID,
        patient=child if dependent else holder,
        member_id=member_id,
        group_number="GRP100",
        relationship="19" if dependent else "18",
        subscriber=holder if dependent else None,
        practice=Practice(name="Riverside Clinic", npi="1234567893", tax_id_digits="123456789"),
        payer=PayerRoute(payer_id="MRDN1", name="Meridian National Health",
                         clearinghouse_id=clearinghouse_id, clearinghouse_payer_id="SBMRDN1"),
    )  # fmt: skip


class FakeSubjects:
    """SubjectLookup over one subject of practice prac-a."""

    def __init__(self, subject: Subject) -> None:
        self.value = subject

    def subject(self, caller: Caller, patient_id: str, coverage_id: str) -> Subject:
        if (caller.practice_id, patient_id, coverage_id) != ("prac-a", PATIENT_ID, COVERAGE_ID):
            raise NotFoundError("coverage not found")
        return self.value


class Journal:
    """What happened, in order, across the fakes."""

    def __init__(self) -> None:
        self.events: list[str] = []


class FakeDocuments:
    """DocumentStore in a dict."""

    def __init__(self, journal: Journal) -> None:
        self.objects: dict[str, tuple[bytes, str]] = {}
        self.journal = journal

    def put(self, key: str, body: bytes, content_type: str) -> None:
        self.journal.events.append(f"put {key.rsplit('/', 1)[-1]}")
        self.objects[key] = (body, content_type)

    def get(self, key: str) -> bytes:
        if key not in self.objects:
            raise NotFoundError("the raw file is not stored")
        return self.objects[key][0]

    def download_url(self, key: str, expires_in: int) -> str:
        return f"https://documents.example/{key}?expires={expires_in}"


class RecordingClearinghouse:
    """Wraps an adapter and notes each exchange (after checking the 270 was stored first)."""

    def __init__(self, journal: Journal, inner: EligibilityClearinghouse | None = None) -> None:
        self.inner = inner or SandboxClearinghouse()
        self.journal = journal
        self.sent: list[tuple[str, str]] = []

    def exchange_270(self, payer_id: str, request: str | bytes) -> str:
        self.journal.events.append("send 270")
        text = request.decode() if isinstance(request, bytes) else request
        self.sent.append((payer_id, text))
        return self.inner.exchange_270(payer_id, request)


class FakeDirectory:
    """ClearinghouseDirectory with one adapter under `sandbox`."""

    def __init__(self, adapter: EligibilityClearinghouse) -> None:
        self.adapter = adapter

    def get(self, clearinghouse_id: str) -> EligibilityClearinghouse | None:
        return self.adapter if clearinghouse_id == "sandbox" else None


class FakeChecks:
    """CheckRepository in a dict; the audit record is kept with the check (same 'transaction')."""

    def __init__(self, journal: Journal) -> None:
        self.items: dict[tuple[str, str], EligibilityCheck] = {}
        self.audit: list[AuditRecord] = []
        self.journal = journal

    def save(self, practice_id: str, check: EligibilityCheck, audit: AuditRecord) -> None:
        self.journal.events.append("save check")
        assert (practice_id, check.id) not in self.items
        self.items[(practice_id, check.id)] = check
        self.audit.append(audit)

    def get(self, practice_id: str, check_id: str) -> EligibilityCheck | None:
        return self.items.get((practice_id, check_id))


class FakeAudit:
    """AuditLog in a list."""

    def __init__(self) -> None:
        self.records: list[AuditRecord] = []

    def append(self, records: Sequence[AuditRecord]) -> None:
        self.records.extend(records)


class FakeHistory(FakeChecks):
    """CheckHistory in a dict: newest first per coverage, revision-checked replace."""

    def for_coverage(
        self,
        practice_id: str,
        coverage_id: str,
        *,
        since: datetime | None = None,
        limit: int = 25,
        cursor: str | None = None,
    ) -> tuple[list[EligibilityCheck], str | None]:
        found = sorted(
            (
                c
                for (p, _), c in self.items.items()
                if p == practice_id
                and c.coverage_id == coverage_id
                and (since is None or c.requested_at >= since)
            ),
            key=lambda c: c.requested_at,
            reverse=True,
        )
        start = int(cursor or 0)
        page = found[start : start + limit]
        more = start + limit < len(found)
        return page, str(start + limit) if more else None

    def replace(
        self,
        practice_id: str,
        before: EligibilityCheck,
        after: EligibilityCheck,
        audit: AuditRecord,
    ) -> None:
        from clinicflow.platform.errors import ConflictError

        if self.items[(practice_id, before.id)].revision != before.revision:
            raise ConflictError("stale")
        self.items[(practice_id, before.id)] = after
        self.audit.append(audit)


def corrected_271(raw: str, **changes: str) -> str:
    """The 271 with the subscriber's NM1/DMG values changed (a payer correcting them).

    Changes: last, first, member_id, dob (CCYYMMDD), and dep_last/dep_first/dep_dob.
    """
    segments = raw.split("~")
    out = []
    for seg in segments:
        parts = seg.split("*")
        if parts[0].strip() == "NM1" and parts[1] in {"IL", "03"}:
            dep = parts[1] == "03"
            if changes.get("dep_last" if dep else "last"):
                parts[3] = changes["dep_last" if dep else "last"]
            if changes.get("dep_first" if dep else "first"):
                parts[4] = changes["dep_first" if dep else "first"]
            if not dep and changes.get("member_id") and len(parts) > 9:
                parts[9] = changes["member_id"]
        if parts[0].strip() == "DMG" and len(parts) > 2:
            out_dep = any(s.split("*")[:2] == ["NM1", "03"] for s in out)
            key = "dep_dob" if out_dep else "dob"
            if changes.get(key):
                parts[2] = changes[key]
        out.append("*".join(parts))
    return "~".join(out)


class CorrectingClearinghouse:
    """The sandbox, with the payer correcting some member values in its 271."""

    def __init__(self, **changes: str) -> None:
        self.changes = changes

    def exchange_270(self, payer_id: str, request: str | bytes) -> str:
        return corrected_271(SandboxClearinghouse().exchange_270(payer_id, request), **self.changes)
