"""HTTP routes of charge capture and claims: encounters, claims, scrubbing, fees, auths, rules.

Front desk, billers, providers and admins enter superbills; only providers sign them off;
billers and admins create, scrub and override claims and keep fee schedules, prior
authorizations and the per-payer scrubber switches. The practice is always the caller's.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.event_handler.router import APIGatewayRouter
from pydantic import BaseModel, ConfigDict, Field

from clinicflow.claims import backtest_service, correction, serial, service, worklists
from clinicflow.claims.adapters import SliceFacts, timely_filing_days
from clinicflow.claims.model import (
    Accident,
    AccidentKind,
    Authorization,
    AuthorizationKind,
    Encounter,
    EncounterInput,
    EncounterStatus,
    ReferringProvider,
    ServiceLine,
    new_authorization_id,
)
from clinicflow.claims.scrubber import ScrubReport
from clinicflow.claims.store import DynamoClaimsStore
from clinicflow.claims.submission.aws import S3Objects
from clinicflow.claims.submission.sent_files import SentClaimFiles
from clinicflow.codesets.store import DynamoReferenceTables
from clinicflow.coverages.store import DynamoCoverageRepository
from clinicflow.patients.store import DynamoAuditLog, DynamoPatientRepository
from clinicflow.platform.http import authorized
from clinicflow.platform.identity import ALL_ROLES, Role

router = APIGatewayRouter()  # type: ignore[no-untyped-call]

BILLING = frozenset({Role.BILLER, Role.ADMIN})
PROVIDERS = frozenset({Role.PROVIDER})
REOPEN = frozenset({Role.BILLER, Role.PROVIDER, Role.ADMIN})
CLAIM_READERS = frozenset({Role.BILLER, Role.ADMIN, Role.PROVIDER})

_store = DynamoClaimsStore()
_audit = DynamoAuditLog()
_tables = DynamoReferenceTables()
_sent_files = SentClaimFiles(S3Objects())
_encounter_index = worklists.DynamoEncounterIndex()
_facts = SliceFacts(
    patient_repo=DynamoPatientRepository(), coverage_repo=DynamoCoverageRepository(), audit=_audit
)

Id = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
Code = Annotated[str, Field(min_length=1, max_length=10)]
Money = Annotated[Decimal, Field(ge=0, le=Decimal("9999999.99"), decimal_places=2)]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class LineBody(_Body):
    """One procedure line. `charge` empty: priced from the fee schedule (per unit)."""

    procedure: Code
    modifiers: Annotated[list[Annotated[str, Field(max_length=2)]], Field(max_length=8)] = []
    units: Annotated[Decimal, Field(ge=0, le=9999)] = Decimal("1")
    pointers: Annotated[list[Annotated[int, Field(ge=0, le=99)]], Field(max_length=8)] = [1]
    charge: Money | None = None
    service_date: date | None = None
    ndc: Annotated[str, Field(max_length=13)] = ""
    ndc_quantity: Annotated[Decimal, Field(gt=0, le=99999)] | None = None
    ndc_unit: Annotated[str, Field(max_length=2)] = ""


class ReferringBody(_Body):
    """The referring provider."""

    last_name: Annotated[str, Field(min_length=1, max_length=60)]
    first_name: Annotated[str, Field(min_length=1, max_length=35)]
    npi: Annotated[str, Field(max_length=10)]


class AccidentBody(_Body):
    """Accident details (CLM11)."""

    kind: AccidentKind
    date: date
    state: Annotated[str, Field(max_length=2)] = ""


class EncounterBody(_Body):
    """A superbill (POST /encounters, PUT /encounters/{id} with `version`)."""

    version: int | None = None
    patient_id: Id
    coverage_id: Id
    rendering_provider_id: Id
    location_id: Id
    service_date: date
    appointment_id: Annotated[str, Field(max_length=64)] = ""
    place_of_service: Annotated[str, Field(max_length=2)] = ""
    diagnoses: Annotated[list[Code], Field(min_length=1, max_length=25)]
    lines: Annotated[list[LineBody], Field(min_length=1, max_length=50)]
    prior_auth_number: Annotated[str, Field(max_length=50)] = ""
    referral_number: Annotated[str, Field(max_length=50)] = ""
    referring_provider: ReferringBody | None = None
    accident: AccidentBody | None = None
    clia_number: Annotated[str, Field(max_length=10)] = ""

    def to_input(self) -> EncounterInput:
        """The domain input."""
        return EncounterInput(
            patient_id=self.patient_id,
            coverage_id=self.coverage_id,
            rendering_provider_id=self.rendering_provider_id,
            location_id=self.location_id,
            service_date=self.service_date,
            diagnoses=tuple(self.diagnoses),
            lines=tuple(
                ServiceLine(
                    procedure=x.procedure,
                    units=x.units,
                    pointers=tuple(x.pointers),
                    modifiers=tuple(x.modifiers),
                    charge=x.charge,
                    service_date=x.service_date,
                    ndc=x.ndc,
                    ndc_quantity=x.ndc_quantity,
                    ndc_unit=x.ndc_unit,
                )
                for x in self.lines
            ),
            appointment_id=self.appointment_id,
            place_of_service=self.place_of_service,
            prior_auth_number=self.prior_auth_number,
            referral_number=self.referral_number,
            referring_provider=ReferringProvider(**self.referring_provider.model_dump())
            if self.referring_provider
            else None,
            accident=Accident(self.accident.kind, self.accident.date, self.accident.state)
            if self.accident
            else None,
            clia_number=self.clia_number,
        )


def _encounter_out(e: Encounter) -> dict[str, Any]:
    body: dict[str, Any] = serial.to_plain(e)
    body.update(body.pop("data"))
    return body


def _report_out(report: ScrubReport) -> dict[str, Any]:
    return {
        "blocked": report.blocked,
        "rules_run": report.rules_run,
        "checked_on": report.checked_on.isoformat(),
        "icd10_release": report.icd10_release,
        "findings": [
            {
                "rule_id": f.rule_id,
                "severity": f.severity.value,
                "field": f.field,
                "message": f.message,
                "blocks": f.blocks,
                "overridable": f.overridable,
                "override_reason": f.override_reason,
            }
            for f in report.findings
        ],
    }


@router.post("/encounters", summary="Enter a superbill", status_code=201)
def create_encounter(body: EncounterBody) -> dict[str, Any]:
    """A draft encounter (422 naming malformed fields)."""
    caller = authorized(router, ALL_ROLES)
    return _encounter_out(service.create_encounter(caller, body.to_input(), repo=_store))


_SUMMARY = (
    "encounter_id", "status", "version", "service_date", "patient_id", "appointment_id",
    "rendering_provider_id", "location_id", "claim_id", "signed_by", "updated_at",
)  # fmt: skip


@router.get("/encounters", summary="Superbills in one state (work lists)")
def list_encounters(
    status: Annotated[EncounterStatus, Query()] = EncounterStatus.SIGNED,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict[str, Any]:
    """Drafts and signed superbills to sign or bill, newest date of service first."""
    caller = authorized(router, ALL_ROLES)
    found = worklists.list_encounters(
        caller, status, limit=limit, index=_encounter_index, audit=_audit
    )
    summaries = [_encounter_out(e) for e in found]
    return {"status": status.value, "items": [{k: e.get(k) for k in _SUMMARY} for e in summaries]}


@router.get("/encounters/<encounter_id>", summary="One superbill")
def get_encounter(encounter_id: str) -> dict[str, Any]:
    """One encounter of the caller's practice."""
    caller = authorized(router, ALL_ROLES)
    return _encounter_out(service.get_encounter(caller, encounter_id, repo=_store, audit=_audit))


@router.put("/encounters/<encounter_id>", summary="Correct a draft superbill")
def update_encounter(encounter_id: str, body: EncounterBody) -> dict[str, Any]:
    """Replace a draft's content (409 once signed, or when `version` is stale)."""
    caller = authorized(router, ALL_ROLES)
    encounter = service.update_encounter(
        caller, encounter_id, body.to_input(), expected_version=body.version, repo=_store
    )
    return _encounter_out(encounter)


@router.post("/encounters/<encounter_id>/sign", summary="Sign a superbill off (providers)")
def sign_encounter(encounter_id: str) -> dict[str, Any]:
    """The provider signs the superbill off."""
    caller = authorized(router, PROVIDERS)
    return _encounter_out(service.sign_encounter(caller, encounter_id, repo=_store))


@router.post("/encounters/<encounter_id>/reopen", summary="Reopen a signed superbill")
def reopen_encounter(encounter_id: str) -> dict[str, Any]:
    """Back to draft for a correction, before billing."""
    caller = authorized(router, REOPEN)
    return _encounter_out(service.reopen_encounter(caller, encounter_id, repo=_store))


@router.post("/encounters/<encounter_id>/claim", summary="Create the claim", status_code=201)
def create_claim(encounter_id: str) -> dict[str, Any]:
    """A draft claim from a signed encounter."""
    caller = authorized(router, BILLING)
    return serial.plain_record(
        service.create_claim(caller, encounter_id, repo=_store, facts=_facts)
    )


@router.get("/claims/backtest", summary="Backtest the scrubber's current rules on past claims")
def backtest(
    from_date: Annotated[date, Query()],
    to_date: Annotated[date, Query()],
    payer_id: Annotated[str | None, Query(pattern=r"^[A-Z0-9][A-Z0-9-]{1,19}$")] = None,
) -> dict[str, Any]:
    """Claims sent from `from_date` to `to_date` (at most 366 days) that payers answered, each
    send as it was sent, scrubbed with today's rule settings as of the day it was sent:
    rejected/denied sends the rules catch or miss, accepted ones they would block, and a score
    per rule. Writes no claim; ids, rule ids, payer reasons and counts only."""
    caller = authorized(router, BILLING)
    window = backtest_service.check_window(from_date, to_date, payer_id)
    report = backtest_service.backtest_claims(
        caller,
        window,
        index=_store,
        repo=_store,
        files=_sent_files,
        tables=_tables,
        timely_filing_days=lambda payer: timely_filing_days(caller.practice_id, payer),
        audit=_audit,
    )
    return {
        "from_date": window.first.isoformat(),
        "to_date": window.last.isoformat(),
        "payer_id": window.payer_id,
        **report.as_dict(),
    }


@router.get("/claims/<claim_id>", summary="One claim with its timeline")
def get_claim(claim_id: str) -> dict[str, Any]:
    """One claim of the caller's practice."""
    caller = authorized(router, CLAIM_READERS)
    return serial.plain_record(service.get_claim(caller, claim_id, repo=_store, audit=_audit))


@router.post("/claims/<claim_id>/scrub", summary="Scrub a claim")
def scrub_claim(claim_id: str) -> dict[str, Any]:
    """Findings; a clean draft becomes ready."""
    caller = authorized(router, BILLING)
    outcome = service.scrub_claim(
        caller,
        claim_id,
        repo=_store,
        tables=_tables,
        timely_filing_days=lambda payer: timely_filing_days(caller.practice_id, payer),
    )
    return {
        "claim_id": outcome.claim.claim_id,
        "status": outcome.claim.status.value,
        "version": outcome.claim.version,
        **_report_out(outcome.report),
    }


class OverrideBody(_Body):
    """A biller's override of an overridable finding, with the reason."""

    rule_id: Annotated[str, Field(max_length=60)]
    reason: Annotated[str, Field(min_length=1, max_length=300)]


@router.post("/claims/<claim_id>/overrides", summary="Override a finding with a reason")
def override_finding(claim_id: str, body: OverrideBody) -> dict[str, Any]:
    """E.g. a possible duplicate that is a second visit the same day."""
    caller = authorized(router, BILLING)
    claim = service.override_finding(caller, claim_id, body.rule_id, body.reason, repo=_store)
    return serial.plain_record(claim)


@router.put("/claims/<claim_id>", summary="Correct a claim before it goes out or after a rejection")
def correct_claim(claim_id: str, body: EncounterBody) -> dict[str, Any]:
    """The superbill's content, corrected on a draft, ready or rejected claim (back to draft;
    scrub it again). 409 when queued, with the payer, or when `version` is stale."""
    caller = authorized(router, BILLING)
    claim = correction.correct_claim(
        caller, claim_id, body.to_input(), expected_version=body.version, repo=_store, facts=_facts
    )
    return serial.plain_record(claim)


class FeeScheduleBody(_Body):
    """Charges by code (`99213`, or `71046-26` for a modifier-specific fee)."""

    version: int | None = None
    payer_id: Annotated[str, Field(max_length=20)] = ""
    fees: Annotated[dict[Annotated[str, Field(max_length=8)], Money], Field(max_length=2000)]


@router.put("/fee-schedules/<schedule_id>", summary="Put a fee schedule")
def put_fee_schedule(schedule_id: str, body: FeeScheduleBody) -> dict[str, Any]:
    """The practice's charges (`default`) or a payer's allowables."""
    caller = authorized(router, BILLING)
    schedule = service.put_fee_schedule(
        caller,
        schedule_id,
        dict(body.fees),
        payer_id=body.payer_id,
        expected_version=body.version,
        repo=_store,
    )
    out: dict[str, Any] = serial.to_plain(schedule)
    return out


@router.get("/fee-schedules/<schedule_id>", summary="One fee schedule")
def get_fee_schedule(schedule_id: str) -> dict[str, Any]:
    """Every staff role reads fees."""
    caller = authorized(router, ALL_ROLES)
    out: dict[str, Any] = serial.to_plain(
        service.get_fee_schedule(caller, schedule_id, repo=_store)
    )
    return out


class AuthorizationBody(_Body):
    """A prior authorization or referral."""

    patient_id: Id
    payer_id: Annotated[str, Field(min_length=2, max_length=20)]
    kind: AuthorizationKind = AuthorizationKind.PRIOR_AUTH
    number: Annotated[str, Field(min_length=1, max_length=50)]
    start_date: date
    end_date: date
    visits_allowed: Annotated[int, Field(ge=1, le=999)]
    visits_used: Annotated[int, Field(ge=0, le=999)] = 0
    procedures: Annotated[list[Code], Field(max_length=50)] = []
    provider_id: Annotated[str, Field(max_length=64)] = ""


@router.post("/prior-auths", summary="Record a prior authorization or referral", status_code=201)
def add_authorization(body: AuthorizationBody) -> dict[str, Any]:
    """Billers, admins and the front desk record authorizations."""
    caller = authorized(router, {Role.BILLER, Role.ADMIN, Role.FRONT_DESK})
    auth = Authorization(
        practice_id=caller.practice_id,
        authorization_id=new_authorization_id(),
        patient_id=body.patient_id,
        payer_id=body.payer_id,
        kind=body.kind,
        number=body.number,
        start_date=body.start_date,
        end_date=body.end_date,
        visits_allowed=body.visits_allowed,
        visits_used=body.visits_used,
        procedures=tuple(body.procedures),
        provider_id=body.provider_id,
    )
    out: dict[str, Any] = serial.to_plain(service.add_authorization(caller, auth, repo=_store))
    return out


@router.get("/prior-auths", summary="A patient's prior authorizations and referrals")
def list_authorizations(patient_id: Annotated[str, Query(max_length=64)]) -> dict[str, Any]:
    """Shown when booking and checked when scrubbing."""
    caller = authorized(router, ALL_ROLES)
    found = service.list_authorizations(caller, patient_id, repo=_store, audit=_audit)
    return {"authorizations": [serial.to_plain(a) for a in found]}


class RuleSettingsBody(_Body):
    """Scrubber switches for a payer (`*`: every payer): rule id -> on/off, parameters."""

    enabled: dict[Annotated[str, Field(max_length=60)], bool] = {}
    params: dict[Annotated[str, Field(max_length=60)], dict[str, Any]] = {}


@router.put("/scrubber/rules/<payer_id>", summary="Switch scrubber rules for a payer")
def put_rule_settings(payer_id: str, body: RuleSettingsBody) -> dict[str, Any]:
    """Admins and billers switch rules and set parameters per payer."""
    caller = authorized(router, BILLING)
    settings = service.put_rule_settings(caller, payer_id, body.enabled, body.params, repo=_store)
    out: dict[str, Any] = serial.to_plain(settings)
    return out
