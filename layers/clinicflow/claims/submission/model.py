"""Claim submission: clearinghouse profile, 837P files, acknowledgments, work queue. Pure.

- A practice's **clearinghouse profile** names who sends (submitter, ISA sender) and who
  receives (the clearinghouse), the usage indicator (T test / P production), and each payer's
  EDI claim and ERA enrollment. A claim to a payer without an active EDI enrollment is
  blocked with that reason before it is queued.
- A **claim file** is one 837P interchange of one practice for one payer: it is created
  (`building`) before any claim is bound to it, stored in S3 (`stored`) before it is sent,
  then `sent`; a 999 marks it `accepted` (A/E) or `rejected` (R).
- **Acknowledgments** (999, 277CA) are read into :class:`AckFile` by the codec; applying one
  moves claims from submitted to accepted or rejected, with the payer's reason in plain words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Literal, TypeVar

from clinicflow.platform.errors import Problems

ISA_QUALIFIERS = frozenset({"01", "14", "20", "27", "28", "29", "30", "33", "ZZ"})
_ISA_ID = re.compile(r"^[A-Za-z0-9 .-]{1,15}$")
_EDI_ID = re.compile(r"^[A-Za-z0-9-]{2,80}$")
_PAYER_ID = re.compile(r"^[A-Z0-9][A-Z0-9-]{1,19}$")
_PHONE = re.compile(r"^\d{10}$")
_HOST = re.compile(r"^[A-Za-z0-9.-]{1,253}$")
_DIR = re.compile(r"^/?[A-Za-z0-9_./-]{0,200}$")
T = TypeVar("T")
CLEARINGHOUSES = frozenset({"sandbox", "sftp"})
MAX_CLAIMS_PER_FILE = 1000


class EnrollmentStatus(StrEnum):
    """A practice's enrollment with a payer for one transaction (EDI 837P, or ERA 835)."""

    NOT_ENROLLED = "not_enrolled"
    PENDING = "pending"
    ENROLLED = "enrolled"


@dataclass(frozen=True)
class PayerEnrollment:
    """EDI claim and ERA enrollment with one payer, and the id the clearinghouse knows it by."""

    payer_id: str
    edi: EnrollmentStatus = EnrollmentStatus.NOT_ENROLLED
    era: EnrollmentStatus = EnrollmentStatus.NOT_ENROLLED
    clearinghouse_payer_id: str = ""

    @property
    def routing_id(self) -> str:
        """The payer id written in 2010BB (the clearinghouse's id, else the directory's)."""
        return self.clearinghouse_payer_id or self.payer_id


@dataclass(frozen=True)
class SftpSettings:
    """Where an SFTP clearinghouse takes 837Ps and leaves 999/277CA files.

    Credentials are never stored here: `secret_id` names a Secrets Manager secret holding
    `{"username": ..., "password": ...}`; `host_key` is the server's key (OpenSSH form).
    """

    host: str
    port: int = 22
    secret_id: str = ""
    host_key: str = ""
    upload_dir: str = "inbound"
    download_dir: str = "outbound"


@dataclass(frozen=True)
class ClearinghouseProfile:
    """How one practice exchanges claims with its clearinghouse."""

    practice_id: str
    clearinghouse_id: str
    submitter_id: str
    submitter_name: str
    contact_name: str
    contact_phone: str
    receiver_id: str
    receiver_name: str
    isa_sender_id: str
    isa_receiver_id: str
    isa_sender_qualifier: str = "ZZ"
    isa_receiver_qualifier: str = "ZZ"
    usage: Literal["T", "P"] = "T"
    enrollments: tuple[PayerEnrollment, ...] = ()
    sftp: SftpSettings | None = None
    version: int = 1
    updated_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    updated_by: str = ""

    def enrollment(self, payer_id: str) -> PayerEnrollment | None:
        """The payer's enrollment, or None."""
        return next((e for e in self.enrollments if e.payer_id == payer_id), None)

    def enrollment_problem(self, payer_id: str) -> str | None:
        """Why claims to the payer cannot be sent electronically now, or None."""
        found = self.enrollment(payer_id)
        if found is None or found.edi is EnrollmentStatus.NOT_ENROLLED:
            return f"the practice is not enrolled for EDI claims with payer {payer_id}"
        if found.edi is EnrollmentStatus.PENDING:
            return f"the EDI claim enrollment with payer {payer_id} is still pending"
        return None


def check_profile(profile: ClearinghouseProfile) -> ClearinghouseProfile:
    """The profile, or ValidationError naming every bad field (messages never echo values)."""
    problems = Problems()
    if profile.clearinghouse_id not in CLEARINGHOUSES:
        problems.add("clearinghouse_id", f"must be one of {', '.join(sorted(CLEARINGHOUSES))}")
    for name in ("submitter_id", "receiver_id"):
        if not _EDI_ID.match(getattr(profile, name)):
            problems.add(name, "must be 2-80 letters, digits or '-'")
    for name in ("submitter_name", "receiver_name", "contact_name"):
        if not 1 <= len(getattr(profile, name).strip()) <= 60:
            problems.add(name, "must be 1-60 characters")
    if not _PHONE.match(profile.contact_phone):
        problems.add("contact_phone", "must be 10 digits")
    for name in ("isa_sender_id", "isa_receiver_id"):
        if not _ISA_ID.match(getattr(profile, name)):
            problems.add(name, "must be 1-15 letters, digits, spaces, '.' or '-'")
    for name in ("isa_sender_qualifier", "isa_receiver_qualifier"):
        if getattr(profile, name) not in ISA_QUALIFIERS:
            problems.add(name, f"must be an ISA qualifier: {', '.join(sorted(ISA_QUALIFIERS))}")
    if profile.usage not in ("T", "P"):
        problems.add("usage", "must be T (test) or P (production)")
    seen: set[str] = set()
    for i, e in enumerate(profile.enrollments):
        if not _PAYER_ID.match(e.payer_id):
            problems.add(f"enrollments.{i}.payer_id", "must be 2-20 uppercase letters, digits, '-'")
        elif e.payer_id in seen:
            problems.add(f"enrollments.{i}.payer_id", "is listed twice")
        seen.add(e.payer_id)
        if e.clearinghouse_payer_id and not _EDI_ID.match(e.clearinghouse_payer_id):
            problems.add(f"enrollments.{i}.clearinghouse_payer_id", "must be 2-80 letters/digits")
    if profile.clearinghouse_id == "sftp":
        s = profile.sftp
        if s is None:
            problems.add("sftp", "is required for an SFTP clearinghouse")
        else:
            if not _HOST.match(s.host):
                problems.add("sftp.host", "must be a host name")
            if not 1 <= s.port <= 65535:
                problems.add("sftp.port", "must be 1-65535")
            if not s.secret_id:
                problems.add("sftp.secret_id", "name the secret holding the credentials")
            for name in ("upload_dir", "download_dir"):
                if not _DIR.match(getattr(s, name)) or ".." in getattr(s, name):
                    problems.add(f"sftp.{name}", "must be a relative or absolute folder path")
    problems.raise_if_any()
    return replace(
        profile,
        submitter_name=profile.submitter_name.strip(),
        receiver_name=profile.receiver_name.strip(),
        contact_name=profile.contact_name.strip(),
    )


class FileStatus(StrEnum):
    """Where an 837P file is: built, stored in S3, sent, acknowledged by a 999."""

    BUILDING = "building"
    STORED = "stored"
    SENT = "sent"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


OPEN_FILE_STATES = frozenset({FileStatus.BUILDING, FileStatus.STORED})


@dataclass(frozen=True)
class ClaimFile:
    """One 837P interchange (one ST) of a practice, for one payer."""

    practice_id: str
    file_id: str
    payer_id: str
    control_number: int
    created_at: datetime
    status: FileStatus = FileStatus.BUILDING
    claim_ids: tuple[str, ...] = ()
    total_charge: Decimal = Decimal("0")
    key: str = ""
    usage: str = "T"
    sent_at: datetime | None = None
    ack_999: str = ""
    ack_reason: str = ""
    claims_accepted: int = 0
    claims_rejected: int = 0


def file_id_for(control_number: int, at: datetime) -> str:
    """The file id (BHT03 of the 837P, echoed by the 277CA): date and control number only."""
    return f"F{at:%y%m%d}{control_number:09d}"


_SENT_IN_FILE = re.compile(r"^sent in file (F\d+)$")


def sent_in_file(file_id: str) -> str:
    """The reason of a claim's `submitted` step: the 837P file it went out in."""
    return f"sent in file {file_id}"


def file_of_send(reason: str) -> str:
    """The file id a `submitted` step's reason names ("" when it names none)."""
    found = _SENT_IN_FILE.match(reason)
    return found.group(1) if found else ""


def file_key(practice_id: str, file_id: str) -> str:
    """The S3 key of an 837P file (ids only)."""
    return f"{practice_id}/claims/files/{file_id}/837P.x12"


def inbound_key(practice_id: str, inbound_id: str) -> str:
    """The S3 key of a received 999/277CA file (ids only)."""
    return f"{practice_id}/claims/inbound/{inbound_id}.x12"


Outcome = Literal["accepted", "rejected", "received", "other"]


@dataclass(frozen=True)
class ClaimAck:
    """One claim's acknowledgment in a 277CA (or a 999 verdict applied to it)."""

    claim_id: str
    outcome: Outcome
    reason: str
    codes: tuple[str, ...] = ()
    payer_claim_number: str = ""


@dataclass(frozen=True)
class SetVerdict:
    """A 999's verdict on one transaction set (IK5), with its reason in plain words."""

    control_number: str
    status: str  # A accepted, E accepted with errors, R rejected (others count as R)
    reason: str

    @property
    def rejected(self) -> bool:
        """True unless the set was accepted (with or without errors)."""
        return self.status not in {"A", "E"}


@dataclass(frozen=True)
class AckFile:
    """What one acknowledgment transaction says, matched by our control numbers or ids.

    A 999 names the acknowledged group (`group_control_number`, our 837P's GS06 = its ISA13)
    and a verdict per set; a 277CA names our file (`file_id`, its 2000B TRN02 = our BHT03)
    and a status per claim (TRN02 of 2200D = CLM01 = our claim id).
    """

    kind: Literal["999", "277CA"]
    group_control_number: int | None = None
    file_id: str = ""
    group_status: str = ""
    sets: tuple[SetVerdict, ...] = ()
    claims: tuple[ClaimAck, ...] = ()


class WorkState(StrEnum):
    """The claims work queues billers work from."""

    REJECTED = "rejected"
    BLOCKED = "blocked"
    WAITING = "waiting"


@dataclass(frozen=True)
class Block:
    """Why a claim cannot go out: scrubber errors or the payer enrollment."""

    practice_id: str
    claim_id: str
    payer_id: str
    reasons: tuple[str, ...]
    rule_ids: tuple[str, ...]
    at: datetime


@dataclass(frozen=True)
class WorkItem:
    """One line of a work queue."""

    claim_id: str
    state: WorkState
    status: str
    payer_id: str
    since: datetime
    age_days: int
    reasons: tuple[str, ...]
    total_charge: Decimal | None = None


def age_days(since: datetime, now: datetime) -> int:
    """Whole days between `since` and `now` (never negative)."""
    return max(0, (now - since).days)


def chunks(items: list[T], size: int) -> list[list[T]]:
    """`items` in consecutive lists of at most `size`."""
    return [items[i : i + size] for i in range(0, len(items), size)]
