"""A sandbox clearinghouse profile for the demo practices (`--seed demo`), enrolled with every
payer of the practice's directory. Synthetic ids only."""

from __future__ import annotations

from clinicflow.claims.submission.model import (
    ClearinghouseProfile,
    EnrollmentStatus,
    PayerEnrollment,
)
from clinicflow.claims.submission.store import DynamoSubmissionStore


def seed_demo_profile(practice_id: str, legal_name: str, payer_ids: list[str]) -> None:
    """Give a demo practice a sandbox profile (kept when one exists)."""
    store = DynamoSubmissionStore()
    if store.get_profile(practice_id) is not None:
        return
    submitter = f"{practice_id.upper()[:12]}01"
    store.save_profile(
        ClearinghouseProfile(
            practice_id=practice_id,
            clearinghouse_id="sandbox",
            submitter_id=submitter,
            submitter_name=legal_name[:60],
            contact_name="Billing Office",
            contact_phone="3035550100",
            receiver_id="SANDBOXCH",
            receiver_name="ClinicFlow Sandbox Clearinghouse",
            isa_sender_id=submitter[:15],
            isa_receiver_id="SANDBOXCH",
            usage="T",
            enrollments=tuple(
                PayerEnrollment(p, EnrollmentStatus.ENROLLED, EnrollmentStatus.ENROLLED)
                for p in sorted(payer_ids)
            ),
            updated_by="clinicflow-seed",
        ),
        previous_version=None,
    )
