"""Prior-authorization visits are used when a claim is queued and given back when it is voided,
in the same DynamoDB transaction as the claim's change (DynamoDB Local); and the claim to the
next payer is created from the primary's recorded decision."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from submission_support import PRACTICE, make_ports, profile, ready_claim, store_claims

from clinicflow.audit.model import Action, AuditRecord
from clinicflow.claims import secondary, voiding
from clinicflow.claims.model import (
    EXHAUSTED,
    Adjudication,
    Adjustment,
    Authorization,
    AuthorizationKind,
    Claim,
    ClaimStatus,
    Transition,
)
from clinicflow.claims.service import ClaimFacts
from clinicflow.claims.store import DynamoClaimsStore, encounter_item
from clinicflow.claims.submission import service
from clinicflow.claims.submission.model import WorkState
from clinicflow.platform.errors import ConflictError, ValidationError

pytestmark = pytest.mark.usefixtures("tables")
BILLER = service.system_caller(PRACTICE, "biller-1")


def _auth(visits: int) -> Authorization:
    claim = ready_claim(0)
    auth = Authorization(
        practice_id=PRACTICE,
        authorization_id="auth-1",
        patient_id=claim.patient_id,
        payer_id="MRDN1",
        kind=AuthorizationKind.PRIOR_AUTH,
        number="PA-555",
        start_date=date(2026, 1, 1),
        end_date=date(2026, 12, 31),
        visits_allowed=visits,
    )
    audit = AuditRecord.of(BILLER, Action.CREATE, "authorization", auth.authorization_id)
    DynamoClaimsStore().save_authorization(auth, previous_version=None, audit=audit)
    return auth


def _citing(n: int) -> Claim:
    return replace(ready_claim(n), prior_auth_number="PA-555")


def _visits_used() -> int:
    (auth,) = DynamoClaimsStore().authorizations_of(PRACTICE, ready_claim(0).patient_id)
    return auth.visits_used


def _setup(*claims: Claim) -> object:
    ports, *_ = make_ports()
    ports.store.save_profile(profile(), previous_version=None)
    store_claims(claims)
    return ports


def test_submitting_uses_a_visit_and_the_last_one_only_once() -> None:
    _auth(visits=1)
    first, second = _citing(1), _citing(2)
    ports = _setup(first, second)
    queued = service.submit_claim(BILLER, first.claim_id, expected_version=None, ports=ports)
    assert queued.status is ClaimStatus.QUEUED and queued.authorization_id == "auth-1"
    assert _visits_used() == 1
    # a retried POST does not use another visit
    service.submit_claim(BILLER, first.claim_id, expected_version=None, ports=ports)
    assert _visits_used() == 1
    with pytest.raises(ConflictError) as refused:
        service.submit_claim(BILLER, second.claim_id, expected_version=None, ports=ports)
    assert EXHAUSTED in refused.value.message
    stored = ports.claims.get_claim(PRACTICE, second.claim_id)  # type: ignore[attr-defined]
    assert stored.status is ClaimStatus.READY  # nothing half-written
    (blocked,) = service.work_queue(
        BILLER, WorkState.BLOCKED, payer_id=None, min_age_days=None, limit=10, ports=ports
    )
    assert blocked.claim_id == second.claim_id and blocked.reasons == (EXHAUSTED,)


def test_the_billing_cycle_queue_uses_visits_and_blocks_the_rest() -> None:
    _auth(visits=2)
    claims = [_citing(n) for n in range(1, 5)]
    ports = _setup(*claims)
    outcome = service.queue_claims(BILLER, claims, ports=ports)
    assert len(outcome.queued) == 2 and len(outcome.blocked) == 2
    assert set(outcome.blocked_rules.values()) == {"prior_auth.required"}
    assert _visits_used() == 2


def test_voiding_gives_the_visit_back() -> None:
    _auth(visits=1)
    claim = _citing(1)
    ports = _setup(claim)
    queued = service.submit_claim(BILLER, claim.claim_id, expected_version=None, ports=ports)
    paid = replace(
        queued,
        status=ClaimStatus.PAID,
        payer_claim_number="MRDN-1",
        history=(
            *queued.history,
            Transition(ClaimStatus.QUEUED, ClaimStatus.PAID, queued.updated_at, "x"),
        ),
        version=queued.version + 1,
    )
    store_claims([paid])
    assert _visits_used() == 1
    voided = voiding.void_claim(
        BILLER,
        claim.claim_id,
        payer_claim_number="MRDN-1",
        reason="billed in error",
        expected_version=paid.version,
        repo=DynamoClaimsStore(),
    )
    assert voided.status is ClaimStatus.VOIDED and voided.frequency.value == "8"
    assert _visits_used() == 0
    # sending the void (voided -> queued) does not use the visit again
    service.submit_claim(BILLER, claim.claim_id, expected_version=None, ports=ports)
    assert _visits_used() == 0


class _Facts:
    """FactsSource of the patient's secondary coverage (the port, faked)."""

    def __init__(self, base: Claim, responsibility: str) -> None:
        self.base, self.responsibility = base, responsibility

    def facts(self, caller: object, data: object) -> ClaimFacts:
        b = self.base
        return ClaimFacts(
            billing=b.billing,
            rendering=b.rendering,  # type: ignore[arg-type]
            facility=b.facility,  # type: ignore[arg-type]
            default_place_of_service="11",
            patient=b.patient,
            subscriber=replace(
                b.subscriber, member_id="SMT-77", payer_responsibility=self.responsibility
            ),
            payer=replace(b.payer, payer_id="SMTM2", name="Summit Mutual"),
        )


def test_secondary_claim_from_the_primary_decision() -> None:
    from clinicflow.claims.model import Encounter, EncounterInput, EncounterStatus, ServiceLine

    primary = replace(ready_claim(1), status=ClaimStatus.ACCEPTED, version=5)
    store_claims([primary])
    data = EncounterInput(
        primary.patient_id, "cov-1", "prov-1", "loc-1", primary.service_date, ("E11.9",),
        (ServiceLine("99213", Decimal(1), (1,)),),
    )  # fmt: skip
    encounter_item(
        Encounter(PRACTICE, primary.encounter_id, data, status=EncounterStatus.BILLED)
    ).save()
    store = DynamoClaimsStore()
    charge = primary.total_charge
    decision = Adjudication(
        charge - Decimal("40"), date(2026, 5, 15), (Adjustment("PR", "2", Decimal("40")),)
    )
    with pytest.raises(ValidationError, match="adjudication"):
        secondary.create_next_claim(
            BILLER, primary.claim_id, "cov-2", adjudication=None, repo=store,
            facts=_Facts(primary, "S"),
        )  # fmt: skip
    settled = secondary.record_adjudication(
        BILLER, primary.claim_id, decision, expected_version=5, repo=store
    )
    assert settled.status is ClaimStatus.PAID and settled.adjudication == decision
    with pytest.raises(ValidationError, match="coverage_id"):
        secondary.create_next_claim(
            BILLER, primary.claim_id, "cov-3", adjudication=None, repo=store,
            facts=_Facts(primary, "T"),
        )  # fmt: skip
    claim = secondary.create_next_claim(
        BILLER, primary.claim_id, "cov-2", adjudication=None, repo=store,
        facts=_Facts(primary, "S"),
    )  # fmt: skip
    stored = store.get_claim(PRACTICE, claim.claim_id)
    assert stored == claim and stored.payer.payer_id == "SMTM2"
    assert stored.other_payers[0].adjudication == decision
    linked = store.get_claim(PRACTICE, primary.claim_id)
    assert linked is not None and linked.next_claim_id == claim.claim_id
    with pytest.raises(ConflictError, match="already billed"):
        secondary.create_next_claim(
            BILLER, primary.claim_id, "cov-2", adjudication=None, repo=store,
            facts=_Facts(primary, "S"),
        )  # fmt: skip
