"""HTTP routes of claim submission: submit, work queues, 837P files, the clearinghouse profile.

Billers and admins submit claims and work the queues; providers may read a claim's files.
Only admins change the clearinghouse profile. The practice is always the caller's.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.event_handler.router import APIGatewayRouter
from pydantic import BaseModel, ConfigDict, Field

from clinicflow.claims import serial
from clinicflow.claims.submission import service
from clinicflow.claims.submission.model import (
    ClaimFile,
    ClearinghouseProfile,
    EnrollmentStatus,
    PayerEnrollment,
    SftpSettings,
    WorkState,
)
from clinicflow.claims.submission.wiring import deployed_ports
from clinicflow.platform.http import authorized
from clinicflow.platform.identity import Role

router = APIGatewayRouter()  # type: ignore[no-untyped-call]

BILLING = frozenset({Role.BILLER, Role.ADMIN})
READERS = frozenset({Role.BILLER, Role.ADMIN, Role.PROVIDER})
ADMINS = frozenset({Role.ADMIN})


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class SubmitBody(_Body):
    """The version of the claim the biller saw (stale -> 409)."""

    version: int | None = None


def _claim_out(claim: Any) -> dict[str, Any]:
    return {"claim_id": claim.claim_id, "status": claim.status.value, "version": claim.version}


@router.post("/claims/<claim_id>/submit", summary="Submit a ready claim", status_code=202)
def submit_claim(claim_id: str, body: SubmitBody) -> dict[str, Any]:
    """Queues the claim for the next 837P file of its payer (409 when blocked or stale)."""
    caller = authorized(router, BILLING)
    claim = service.submit_claim(
        caller, claim_id, expected_version=body.version, ports=deployed_ports()
    )
    return _claim_out(claim)


@router.get("/claims/work-queue", summary="Claims to work: rejected, blocked, waiting")
def work_queue(
    state: Annotated[WorkState, Query()] = WorkState.REJECTED,
    payer_id: Annotated[str | None, Query(max_length=20, pattern=r"^[A-Z0-9-]+$")] = None,
    age: Annotated[int | None, Query(ge=0, le=3650)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> dict[str, Any]:
    """Oldest first. `age`: only claims in the state for at least that many days."""
    caller = authorized(router, BILLING)
    items = service.work_queue(
        caller, state, payer_id=payer_id, min_age_days=age, limit=limit, ports=deployed_ports()
    )
    return {"state": state.value, "items": [serial.to_plain(i) for i in items]}


def _file_out(f: ClaimFile) -> dict[str, Any]:
    out: dict[str, Any] = serial.to_plain(f)
    out["claim_count"] = len(f.claim_ids)
    out.pop("claim_ids", None)
    out.pop("key", None)
    return out


@router.get("/claims/<claim_id>/files", summary="The 837P files a claim was sent in")
def claim_files(claim_id: str) -> dict[str, Any]:
    """Each file with its status and 999 verdict; download one with /claim-files/{file_id}."""
    caller = authorized(router, READERS)
    files = service.claim_files(caller, claim_id, ports=deployed_ports())
    return {"claim_id": claim_id, "files": [_file_out(f) for f in files]}


@router.get("/claim-files/<file_id>", summary="Download an 837P file (presigned URL)")
def claim_file(file_id: str) -> dict[str, Any]:
    """A presigned URL valid 5 minutes; the download is audited."""
    caller = authorized(router, READERS)
    file, url = service.file_download(caller, file_id, ports=deployed_ports())
    return {**_file_out(file), "download_url": url, "expires_in": 300}


class EnrollmentBody(_Body):
    """A payer's EDI (837P) and ERA (835) enrollment."""

    payer_id: Annotated[str, Field(min_length=2, max_length=20)]
    edi: EnrollmentStatus = EnrollmentStatus.NOT_ENROLLED
    era: EnrollmentStatus = EnrollmentStatus.NOT_ENROLLED
    clearinghouse_payer_id: Annotated[str, Field(max_length=80)] = ""


class SftpBody(_Body):
    """An SFTP clearinghouse (credentials live in Secrets Manager, named by `secret_id`)."""

    host: Annotated[str, Field(min_length=1, max_length=253)]
    port: Annotated[int, Field(ge=1, le=65535)] = 22
    secret_id: Annotated[str, Field(min_length=1, max_length=512)]
    host_key: Annotated[str, Field(min_length=1, max_length=2000)]
    upload_dir: Annotated[str, Field(max_length=200)] = "inbound"
    download_dir: Annotated[str, Field(max_length=200)] = "outbound"


class ProfileBody(_Body):
    """The practice's clearinghouse profile (PUT with the `version` read)."""

    version: int | None = None
    clearinghouse_id: Literal["sandbox", "sftp"] = "sandbox"
    submitter_id: Annotated[str, Field(min_length=2, max_length=80)]
    submitter_name: Annotated[str, Field(min_length=1, max_length=60)]
    contact_name: Annotated[str, Field(min_length=1, max_length=60)]
    contact_phone: Annotated[str, Field(min_length=10, max_length=10)]
    receiver_id: Annotated[str, Field(min_length=2, max_length=80)]
    receiver_name: Annotated[str, Field(min_length=1, max_length=60)]
    isa_sender_qualifier: Annotated[str, Field(min_length=2, max_length=2)] = "ZZ"
    isa_sender_id: Annotated[str, Field(min_length=1, max_length=15)]
    isa_receiver_qualifier: Annotated[str, Field(min_length=2, max_length=2)] = "ZZ"
    isa_receiver_id: Annotated[str, Field(min_length=1, max_length=15)]
    usage: Literal["T", "P"] = "T"
    enrollments: Annotated[list[EnrollmentBody], Field(max_length=500)] = []
    sftp: SftpBody | None = None


@router.get("/clearinghouse/profile", summary="The practice's clearinghouse profile")
def get_profile() -> dict[str, Any]:
    """Submitter/receiver ids, ISA qualifiers, usage and payer enrollments."""
    caller = authorized(router, BILLING)
    out: dict[str, Any] = serial.to_plain(service.get_profile(caller, deployed_ports()))
    return out


@router.put("/clearinghouse/profile", summary="Set the practice's clearinghouse profile")
def put_profile(body: ProfileBody) -> dict[str, Any]:
    """Admins only; 422 naming each bad field, 409 when `version` is stale."""
    caller = authorized(router, ADMINS)
    profile = ClearinghouseProfile(
        practice_id=caller.practice_id,
        clearinghouse_id=body.clearinghouse_id,
        submitter_id=body.submitter_id,
        submitter_name=body.submitter_name,
        contact_name=body.contact_name,
        contact_phone=body.contact_phone,
        receiver_id=body.receiver_id,
        receiver_name=body.receiver_name,
        isa_sender_qualifier=body.isa_sender_qualifier,
        isa_sender_id=body.isa_sender_id,
        isa_receiver_qualifier=body.isa_receiver_qualifier,
        isa_receiver_id=body.isa_receiver_id,
        usage=body.usage,
        enrollments=tuple(PayerEnrollment(**e.model_dump()) for e in body.enrollments),
        sftp=SftpSettings(**body.sftp.model_dump()) if body.sftp else None,
    )
    saved = service.put_profile(
        caller, profile, expected_version=body.version, ports=deployed_ports()
    )
    out: dict[str, Any] = serial.to_plain(saved)
    return out
