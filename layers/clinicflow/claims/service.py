"""Claims use cases: encounters, sign-off, claim creation, scrubbing, fees, authorizations.

Ports are small Protocols; the API passes the DynamoDB store and the slice adapters, unit
tests pass fakes. Reads of PHI append audit records; writes commit theirs in the same
transaction (the store does it).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Protocol

from clinicflow.audit.model import Action, AuditRecord
from clinicflow.claims.model import (
    DEFAULT_SCHEDULE,
    EDITABLE,
    Authorization,
    BillingProvider,
    Claim,
    ClaimLine,
    ClaimStatus,
    Encounter,
    EncounterInput,
    Facility,
    FeeSchedule,
    LastScrub,
    PayerRef,
    Person,
    ProviderRef,
    ScrubNote,
    Subscriber,
    check_authorization,
    check_encounter,
    check_fee_schedule,
    new_claim_id,
    new_encounter_id,
    transition,
)
from clinicflow.claims.scrub_inputs import read_scrub_context
from clinicflow.claims.scrubber import RULES, RuleSettings, ScrubReport, scrub
from clinicflow.codesets.service import ReferenceTables
from clinicflow.platform.errors import ConflictError, FieldError, NotFoundError, ValidationError
from clinicflow.platform.identity import Caller

ENCOUNTER, CLAIM, AUTHORIZATION = "encounter", "claim", "authorization"
Clock = Callable[[], datetime]


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class ClaimFacts:
    """What other slices own and a claim copies: identities, coverage, payer, facility."""

    billing: BillingProvider
    rendering: ProviderRef
    facility: Facility
    default_place_of_service: str
    patient: Person
    subscriber: Subscriber
    payer: PayerRef
    timely_filing_days: int | None = None


class FactsSource(Protocol):
    """Reads the facts of an encounter through the owning slices' services."""

    def facts(self, caller: Caller, data: EncounterInput) -> ClaimFacts:
        """The facts; ValidationError naming the encounter field whose record is missing."""
        ...


class AuditLog(Protocol):
    """Append-only audit trail for reads."""

    def append(self, records: Sequence[AuditRecord]) -> None:
        """Append the records."""
        ...


class ClaimsRepository(Protocol):
    """Storage of the slice (see store.DynamoClaimsStore)."""

    def get_encounter(self, practice_id: str, encounter_id: str) -> Encounter | None: ...
    def save_encounter(
        self, encounter: Encounter, *, previous_version: int | None, audit: AuditRecord
    ) -> None: ...
    def get_claim(self, practice_id: str, claim_id: str) -> Claim | None: ...
    def claims_of_patient(
        self, practice_id: str, patient_id: str, first: date, last: date
    ) -> list[Claim]: ...
    def add_claim(
        self, claim: Claim, encounter: Encounter, *, encounter_version: int, audit: AuditRecord
    ) -> None: ...
    def save_claim(self, claim: Claim, *, previous_version: int, audit: AuditRecord) -> None: ...
    def save_claim_with_authorization(
        self,
        claim: Claim,
        *,
        previous_version: int,
        auth: Authorization,
        auth_version: int,
        audit: AuditRecord,
    ) -> None: ...
    def get_fee_schedule(self, practice_id: str, schedule_id: str) -> FeeSchedule | None: ...
    def save_fee_schedule(self, schedule: FeeSchedule, *, previous_version: int | None) -> None: ...
    def authorizations_of(self, practice_id: str, patient_id: str) -> list[Authorization]: ...
    def save_authorization(
        self, auth: Authorization, *, previous_version: int | None, audit: AuditRecord
    ) -> None: ...
    def rule_settings(self, practice_id: str) -> list[RuleSettings]: ...
    def save_rule_settings(
        self, settings: RuleSettings, *, previous_version: int | None
    ) -> None: ...


def _check_version(expected: int | None, current: int, what: str) -> None:
    if expected is not None and expected != current:
        raise ConflictError(
            f"the {what} changed since it was read; reload it and retry",
            details={"current_version": current},
        )


# --- encounters ------------------------------------------------------------------------------
def create_encounter(
    caller: Caller,
    data: EncounterInput,
    *,
    repo: ClaimsRepository,
    now: Clock = _now,
    new_id: Callable[[], str] = new_encounter_id,
) -> Encounter:
    """A new draft superbill (422 naming malformed fields)."""
    at = now()
    encounter = Encounter(
        caller.practice_id,
        new_id(),
        check_encounter(data),
        created_at=at,
        updated_at=at,
        updated_by=caller.username,
    )
    audit = AuditRecord.of(
        caller, Action.CREATE, ENCOUNTER, encounter.encounter_id, patient_id=data.patient_id
    )
    repo.save_encounter(encounter, previous_version=None, audit=audit)
    return encounter


def _encounter(caller: Caller, encounter_id: str, repo: ClaimsRepository) -> Encounter:
    found = repo.get_encounter(caller.practice_id, encounter_id)
    if found is None:
        raise NotFoundError("encounter not found")
    return found


def get_encounter(
    caller: Caller, encounter_id: str, *, repo: ClaimsRepository, audit: AuditLog
) -> Encounter:
    """One encounter of the caller's practice."""
    encounter = _encounter(caller, encounter_id, repo)
    audit.append(
        [
            AuditRecord.of(
                caller, Action.READ, ENCOUNTER, encounter_id, patient_id=encounter.patient_id
            )
        ]
    )
    return encounter


def _save_encounter(
    caller: Caller, before: Encounter, after: Encounter, repo: ClaimsRepository
) -> Encounter:
    audit = AuditRecord.of(
        caller, Action.UPDATE, ENCOUNTER, after.encounter_id, patient_id=after.patient_id
    )
    repo.save_encounter(after, previous_version=before.version, audit=audit)
    return after


def update_encounter(
    caller: Caller,
    encounter_id: str,
    data: EncounterInput,
    *,
    expected_version: int | None,
    repo: ClaimsRepository,
    now: Clock = _now,
) -> Encounter:
    """Replace a draft's content (409 when signed, billed or stale)."""
    current = _encounter(caller, encounter_id, repo)
    _check_version(expected_version, current.version, "encounter")
    if data.patient_id != current.patient_id:
        raise ValidationError(FieldError("patient_id", "cannot change; start a new encounter"))
    return _save_encounter(caller, current, current.changed(data, caller.username, now()), repo)


def sign_encounter(
    caller: Caller, encounter_id: str, *, repo: ClaimsRepository, now: Clock = _now
) -> Encounter:
    """The provider signs the superbill off (the API allows providers only)."""
    current = _encounter(caller, encounter_id, repo)
    return _save_encounter(caller, current, current.signed(caller.username, now()), repo)


def reopen_encounter(
    caller: Caller, encounter_id: str, *, repo: ClaimsRepository, now: Clock = _now
) -> Encounter:
    """Back to draft for a correction, before it is billed."""
    current = _encounter(caller, encounter_id, repo)
    return _save_encounter(caller, current, current.reopened(caller.username, now()), repo)


# --- claims ----------------------------------------------------------------------------------
def build_claim(
    encounter: Encounter,
    facts: ClaimFacts,
    fees: FeeSchedule | None,
    *,
    claim_id: str,
    now: datetime,
) -> Claim:
    """The claim of a signed encounter: facts copied, lines priced. Pure."""
    data = encounter.data
    problems: list[FieldError] = []
    lines: list[ClaimLine] = []
    for i, line in enumerate(data.lines):
        charge = line.charge
        if charge is None:
            charge = fees.price(line.procedure, line.modifiers) if fees else None
            if charge is None:
                problems.append(
                    FieldError(f"lines.{i}.charge", "is not in the fee schedule: enter it")
                )
                continue
        lines.append(
            ClaimLine(
                procedure=line.procedure,
                modifiers=line.modifiers,
                units=line.units,
                pointers=line.pointers,
                charge=charge * line.units if line.charge is None else charge,
                service_date=line.service_date or data.service_date,
                ndc=line.ndc,
                ndc_quantity=line.ndc_quantity,
                ndc_unit=line.ndc_unit,
            )
        )
    if problems:
        raise ValidationError(problems)
    total = sum((line.charge for line in lines), Decimal("0"))
    return Claim(
        practice_id=encounter.practice_id,
        claim_id=claim_id,
        encounter_id=encounter.encounter_id,
        patient_id=data.patient_id,
        coverage_id=data.coverage_id,
        billing=facts.billing,
        rendering=facts.rendering,
        facility=facts.facility,
        patient=facts.patient,
        subscriber=facts.subscriber,
        payer=facts.payer,
        place_of_service=data.place_of_service or facts.default_place_of_service,
        service_date=data.service_date,
        diagnoses=data.diagnoses,
        lines=tuple(lines),
        total_charge=total,
        appointment_id=data.appointment_id,
        referring=data.referring_provider,
        prior_auth_number=data.prior_auth_number,
        referral_number=data.referral_number,
        accident=data.accident,
        clia_number=data.clia_number,
        history=(),
        created_at=now,
        updated_at=now,
    )


def create_claim(
    caller: Caller,
    encounter_id: str,
    *,
    repo: ClaimsRepository,
    facts: FactsSource,
    now: Clock = _now,
    new_id: Callable[[datetime], str] = lambda at: new_claim_id(now=at),
) -> Claim:
    """A draft claim from a signed encounter (409 unless signed; 422 when unpriced)."""
    encounter = _encounter(caller, encounter_id, repo)
    at = now()
    billed = encounter.billed("pending", caller.username, at)  # refuses unsigned/billed
    schedule = repo.get_fee_schedule(caller.practice_id, DEFAULT_SCHEDULE)
    claim = build_claim(
        encounter, facts.facts(caller, encounter.data), schedule, claim_id=new_id(at), now=at
    )
    claim = replace(claim, history=())
    audit = AuditRecord.of(
        caller, Action.CREATE, CLAIM, claim.claim_id, patient_id=claim.patient_id
    )
    repo.add_claim(
        claim,
        replace(billed, claim_id=claim.claim_id),
        encounter_version=encounter.version,
        audit=audit,
    )
    return claim


def _claim(caller: Caller, claim_id: str, repo: ClaimsRepository) -> Claim:
    found = repo.get_claim(caller.practice_id, claim_id)
    if found is None:
        raise NotFoundError("claim not found")
    return found


def get_claim(caller: Caller, claim_id: str, *, repo: ClaimsRepository, audit: AuditLog) -> Claim:
    """One claim of the caller's practice."""
    claim = _claim(caller, claim_id, repo)
    audit.append(
        [AuditRecord.of(caller, Action.READ, CLAIM, claim_id, patient_id=claim.patient_id)]
    )
    return claim


@dataclass(frozen=True)
class ScrubOutcome:
    """The report and the claim after it (draft <-> ready follows the findings)."""

    claim: Claim
    report: ScrubReport


def scrub_claim(
    caller: Caller,
    claim_id: str,
    *,
    repo: ClaimsRepository,
    tables: ReferenceTables | None,
    timely_filing_days: Callable[[str], int | None] = lambda _: None,
    now: Clock = _now,
    today: Callable[[], date] | None = None,
) -> ScrubOutcome:
    """Run the rules; a clean draft becomes ready, a ready claim with blockers goes back."""
    claim = _claim(caller, claim_id, repo)
    at = now()
    ctx = read_scrub_context(
        claim,
        repo=repo,
        tables=tables,
        timely_filing_days=timely_filing_days(claim.payer.payer_id),
        today=today() if today else at.date(),
    )
    report = scrub(ctx, repo.rule_settings(caller.practice_id))
    if claim.status not in EDITABLE:
        return ScrubOutcome(claim, report)  # a look at a claim on its way: nothing recorded
    after = replace(claim, version=claim.version + 1, updated_at=at)
    if claim.status in {ClaimStatus.DRAFT, ClaimStatus.CORRECTED} and not report.blocked:
        after = transition(
            claim, ClaimStatus.READY, at=at, by=caller.username, reason="scrubbed clean"
        )
    elif claim.status is ClaimStatus.READY and report.blocked:
        after = transition(
            claim, ClaimStatus.DRAFT, at=at, by=caller.username, reason="scrubber findings"
        )
    after = replace(after, last_scrub=last_scrub_of(report, at))
    audit = AuditRecord.of(caller, Action.UPDATE, CLAIM, claim_id, patient_id=claim.patient_id)
    repo.save_claim(after, previous_version=claim.version, audit=audit)
    return ScrubOutcome(after, report)


def last_scrub_of(report: ScrubReport, at: datetime) -> LastScrub:
    """The report as recorded on the claim."""
    return LastScrub(
        at,
        report.blocked,
        tuple(
            ScrubNote(
                f.rule_id,
                f.severity.value,
                f.field,
                f.message,
                f.blocks,
                f.overridable,
                f.override_reason,
            )
            for f in report.findings
        ),
        report.rules_run,
        report.icd10_release,
    )


def override_finding(
    caller: Caller,
    claim_id: str,
    rule_id: str,
    reason: str,
    *,
    repo: ClaimsRepository,
    now: Clock = _now,
) -> Claim:
    """Record a biller's override of an overridable finding (e.g. a possible duplicate)."""
    known = RULES.get(rule_id)
    if known is None or not known.overridable:
        raise ValidationError(FieldError("rule_id", "is not a rule a biller can override"))
    claim = _claim(caller, claim_id, repo)
    after = claim.with_override(rule_id, reason, caller.username, now())
    audit = AuditRecord.of(caller, Action.UPDATE, CLAIM, claim_id, patient_id=claim.patient_id)
    repo.save_claim(after, previous_version=claim.version, audit=audit)
    return after


# --- fee schedules, authorizations, rule settings ------------------------------------------
def put_fee_schedule(
    caller: Caller,
    schedule_id: str,
    fees: dict[str, Decimal],
    *,
    payer_id: str = "",
    expected_version: int | None = None,
    repo: ClaimsRepository,
    now: Clock = _now,
) -> FeeSchedule:
    """Create or replace a fee schedule (or a payer's allowables)."""
    current = repo.get_fee_schedule(caller.practice_id, schedule_id)
    if current is not None:
        _check_version(expected_version, current.version, "fee schedule")
    schedule = check_fee_schedule(
        FeeSchedule(
            caller.practice_id,
            schedule_id,
            fees,
            payer_id=payer_id,
            version=current.version + 1 if current else 1,
            updated_at=now(),
            updated_by=caller.username,
        )
    )
    repo.save_fee_schedule(schedule, previous_version=current.version if current else None)
    return schedule


def get_fee_schedule(caller: Caller, schedule_id: str, *, repo: ClaimsRepository) -> FeeSchedule:
    """One fee schedule."""
    found = repo.get_fee_schedule(caller.practice_id, schedule_id)
    if found is None:
        raise NotFoundError("fee schedule not found")
    return found


def add_authorization(
    caller: Caller, auth: Authorization, *, repo: ClaimsRepository
) -> Authorization:
    """Record a prior authorization or referral for a patient."""
    checked = check_authorization(
        replace(auth, practice_id=caller.practice_id, updated_by=caller.username)
    )
    audit = AuditRecord.of(
        caller,
        Action.CREATE,
        AUTHORIZATION,
        checked.authorization_id,
        patient_id=checked.patient_id,
    )
    repo.save_authorization(checked, previous_version=None, audit=audit)
    return checked


def list_authorizations(
    caller: Caller, patient_id: str, *, repo: ClaimsRepository, audit: AuditLog
) -> list[Authorization]:
    """A patient's authorizations and referrals."""
    found = repo.authorizations_of(caller.practice_id, patient_id)
    if found:
        audit.append(
            [
                AuditRecord.of(
                    caller, Action.READ, AUTHORIZATION, a.authorization_id, patient_id=patient_id
                )
                for a in found
            ]
        )
    return found


def put_rule_settings(
    caller: Caller,
    payer_id: str,
    enabled: dict[str, bool],
    params: dict[str, dict[str, object]],
    *,
    repo: ClaimsRepository,
) -> RuleSettings:
    """Switch rules on/off and set parameters for a payer (`*`: every payer)."""
    unknown = [r for r in (*enabled, *params) if r not in RULES]
    if unknown:
        raise ValidationError(
            [FieldError(f"rules.{r[:40]}", "is not a scrubber rule") for r in unknown]
        )
    current = next(
        (s for s in repo.rule_settings(caller.practice_id) if s.payer_id == payer_id), None
    )
    settings = RuleSettings(
        caller.practice_id,
        payer_id,
        enabled=dict(enabled),
        params={k: dict(v) for k, v in params.items()},
        version=current.version + 1 if current else 1,
    )
    repo.save_rule_settings(settings, previous_version=current.version if current else None)
    return settings
