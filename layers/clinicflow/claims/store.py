"""DynamoDB adapter of the claims slice (main table). Storage shape only.

Keys (every one starts with the practice id from the caller's token):
- encounter:      PK `<p>#ENCOUNTER`, SK `<encounter_id>`
- claim:          PK `<p>#CLAIM`, SK `<claim_id>` (the CLM01: a put on condition that it
                  does not exist makes it unique in the practice);
                  GSI1 `<p>#PATIENT_CLAIMS#<patient_id>` / `<service_date>#<claim_id>`
                  (duplicate checks read one window of dates);
                  GSI2 `<p>#CLAIM_STATE#<status>` / `<payer_id>#<updated_at>#<claim_id>`
                  (batcher and work queues); `file_id`: the 837P file of the submission
- encounter:      GSI2 `<p>#ENCOUNTER_STATE#<status>` / `<service_date>#<encounter_id>`
                  (the billing cycle collects signed encounters)
- fee schedule:   PK `<p>#FEES`, SK `<schedule_id>`
- authorization:  PK `<p>#AUTH#<patient_id>`, SK `<authorization_id>`
- rule settings:  PK `<p>#SCRUB_RULES`, SK `<payer_id>` (`*` for every payer)
Each record is one item with its domain object as JSON (`body`) and a `version`; every write
of PHI goes with its audit record in one transaction, conditioned on the version read.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import TypeVar

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from clinicflow.audit.model import AuditRecord
from clinicflow.audit.store import AuditItem
from clinicflow.claims import serial
from clinicflow.claims.model import Authorization, Claim, ClaimStatus, Encounter, FeeSchedule
from clinicflow.claims.scrubber import RuleSettings
from clinicflow.platform.dynamo import MainModel, tenant_key
from clinicflow.platform.errors import ConflictError
from clinicflow.platform.transact import ConditionsFailedError, Transaction

T = TypeVar("T")


class PatientClaimsIndex(GlobalSecondaryIndex["ClaimsItem"]):
    """GSI1 over claim items: a patient's claims."""

    class Meta:
        index_name = "GSI1"
        projection = AllProjection()

    gsi1pk = UnicodeAttribute(hash_key=True, attr_name="GSI1PK")
    gsi1sk = UnicodeAttribute(range_key=True, attr_name="GSI1SK")


class StateIndex(GlobalSecondaryIndex["ClaimsItem"]):
    """GSI2 over claim and encounter items: records by lifecycle state."""

    class Meta:
        index_name = "GSI2"
        projection = AllProjection()

    gsi2pk = UnicodeAttribute(hash_key=True, attr_name="GSI2PK")
    gsi2sk = UnicodeAttribute(range_key=True, attr_name="GSI2SK")


class ClaimsItem(MainModel):
    """Storage shape of every claims-slice record."""

    entity = UnicodeAttribute()
    body = UnicodeAttribute()
    version = NumberAttribute()
    status = UnicodeAttribute(null=True)
    gsi1pk = UnicodeAttribute(attr_name="GSI1PK", null=True)
    gsi1sk = UnicodeAttribute(attr_name="GSI1SK", null=True)
    gsi2pk = UnicodeAttribute(attr_name="GSI2PK", null=True)
    gsi2sk = UnicodeAttribute(attr_name="GSI2SK", null=True)
    file_id = UnicodeAttribute(null=True)
    by_patient = PatientClaimsIndex()
    by_state = StateIndex()


def _get(pk: str, sk: str, cls: type[T]) -> T | None:
    try:
        item = ClaimsItem.get(pk, sk, consistent_read=True)
    except ClaimsItem.DoesNotExist:
        return None
    return serial.loads(cls, item.body)


def _commit(tx: Transaction, audit: AuditRecord | None, what: str) -> None:
    if audit is not None:
        tx.put("audit", AuditItem.from_record(audit), AuditItem.pk.does_not_exist())
    try:
        tx.commit()
    except ConditionsFailedError:
        raise ConflictError(f"the {what} changed since it was read; reload it and retry") from None


def _put(
    tx: Transaction, item: ClaimsItem, previous_version: int | None, label: str = "item"
) -> None:
    condition = (
        ClaimsItem.pk.does_not_exist()
        if previous_version is None
        else ClaimsItem.version == previous_version
    )
    tx.put(label, item, condition)


def encounter_item(e: Encounter) -> ClaimsItem:
    """The item storing an encounter."""
    return ClaimsItem(
        pk=tenant_key(e.practice_id, "ENCOUNTER"),
        sk=e.encounter_id,
        entity="encounter",
        body=serial.dumps(e),
        version=e.version,
        status=e.status.value,
        gsi2pk=tenant_key(e.practice_id, "ENCOUNTER_STATE", e.status.value),
        gsi2sk=f"{e.data.service_date.isoformat()}#{e.encounter_id}",
    )


def claim_item(c: Claim) -> ClaimsItem:
    """The item storing a claim."""
    return ClaimsItem(
        pk=tenant_key(c.practice_id, "CLAIM"),
        sk=c.claim_id,
        entity="claim",
        body=serial.dumps(c),
        version=c.version,
        status=c.status.value,
        gsi1pk=tenant_key(c.practice_id, "PATIENT_CLAIMS", c.patient_id),
        gsi1sk=f"{c.service_date.isoformat()}#{c.claim_id}",
        gsi2pk=tenant_key(c.practice_id, "CLAIM_STATE", c.status.value),
        gsi2sk=f"{c.payer.payer_id}#{c.updated_at.isoformat()}#{c.claim_id}",
    )


def authorization_item(auth: Authorization) -> ClaimsItem:
    """The item storing a prior authorization or referral."""
    return ClaimsItem(
        pk=tenant_key(auth.practice_id, "AUTH", auth.patient_id),
        sk=auth.authorization_id,
        entity="authorization",
        body=serial.dumps(auth),
        version=auth.version,
    )


_UNBOUND = frozenset({ClaimStatus.DRAFT, ClaimStatus.READY, ClaimStatus.QUEUED})


def _bound_item(c: Claim) -> ClaimsItem:
    """The claim's item, keeping the 837P file it was sent in (set by submission's gate)."""
    item = claim_item(c)
    if c.status not in _UNBOUND:
        try:
            stored = ClaimsItem.get(item.pk, item.sk, consistent_read=True)
        except ClaimsItem.DoesNotExist:
            return item
        item.file_id = stored.file_id  # the put is conditioned on the version read
    return item


class AuthorizationChangedError(ConflictError):
    """The authorization changed since it was read (another claim used or returned a visit)."""

    def __init__(self) -> None:
        super().__init__("the authorization changed since it was read; retry")


class DynamoClaimsStore:
    """The claims slice's repositories on the main table."""

    # encounters
    def get_encounter(self, practice_id: str, encounter_id: str) -> Encounter | None:
        """One encounter."""
        return _get(tenant_key(practice_id, "ENCOUNTER"), encounter_id, Encounter)

    def save_encounter(
        self, encounter: Encounter, *, previous_version: int | None, audit: AuditRecord
    ) -> None:
        """Put a new encounter (previous_version None) or replace the version read."""
        tx = Transaction()
        _put(tx, encounter_item(encounter), previous_version)
        _commit(tx, audit, "encounter")

    # claims
    def get_claim(self, practice_id: str, claim_id: str) -> Claim | None:
        """One claim."""
        return _get(tenant_key(practice_id, "CLAIM"), claim_id, Claim)

    def claims_of_patient(
        self, practice_id: str, patient_id: str, first: date, last: date
    ) -> list[Claim]:
        """A patient's claims whose date of service is from `first` to `last` (GSI1)."""
        key = tenant_key(practice_id, "PATIENT_CLAIMS", patient_id)
        window = ClaimsItem.gsi1sk.between(first.isoformat(), f"{last.isoformat()}#~")
        return [serial.loads(Claim, i.body) for i in ClaimsItem.by_patient.query(key, window)]

    def claims_updated_since(
        self, practice_id: str, status: ClaimStatus, since: date, payer_id: str | None
    ) -> Iterator[Claim]:
        """Claims in a state last changed on or after `since` (GSI2 `<p>#CLAIM_STATE#<status>`,
        sort key `<payer_id>#<updated_at>#<claim_id>`): with a payer, one key range from
        `since`; without, the state's whole partition, skipping older items unparsed."""
        key = tenant_key(practice_id, "CLAIM_STATE", status.value)
        condition = (
            ClaimsItem.gsi2sk.between(f"{payer_id}#{since.isoformat()}", f"{payer_id}#~")
            if payer_id
            else None
        )
        for item in ClaimsItem.by_state.query(key, condition):
            changed = str(item.gsi2sk or "").split("#")
            if len(changed) == 3 and changed[1][:10] < since.isoformat():
                continue
            claim = serial.loads(Claim, item.body)
            if claim.updated_at.date() >= since:
                yield claim

    def claim_id_exists(self, practice_id: str, claim_id: str) -> bool:
        """True when the practice already has a claim with this CLM01."""
        return self.get_claim(practice_id, claim_id) is not None

    def add_claim(
        self, claim: Claim, encounter: Encounter, *, encounter_version: int, audit: AuditRecord
    ) -> None:
        """Put the claim (its CLM01 must be new) and mark the encounter billed, atomically."""
        tx = Transaction()
        _put(tx, claim_item(claim), None, "claim")
        _put(tx, encounter_item(encounter), encounter_version, "encounter")
        tx.put("audit", AuditItem.from_record(audit), AuditItem.pk.does_not_exist())
        try:
            tx.commit()
        except ConditionsFailedError as exc:
            if "claim" in exc.failed:
                raise ConflictError("claim_id: is already used in the practice") from None
            raise ConflictError("the encounter changed since it was read; retry") from None

    def save_claim(self, claim: Claim, *, previous_version: int, audit: AuditRecord) -> None:
        """Replace the claim if still at the version read (keeping its 837P file binding)."""
        tx = Transaction()
        _put(tx, _bound_item(claim), previous_version)
        _commit(tx, audit, "claim")

    def add_next_claim(
        self, claim: Claim, prior: Claim, *, prior_version: int, audit: AuditRecord
    ) -> None:
        """Put the next payer's claim (new CLM01) and link it from the earlier claim at the
        version read, atomically (one next claim per claim)."""
        tx = Transaction()
        _put(tx, claim_item(claim), None, "claim")
        _put(tx, _bound_item(prior), prior_version, "prior")
        _commit(tx, audit, "claim")

    def save_claim_with_authorization(
        self,
        claim: Claim,
        *,
        previous_version: int,
        auth: Authorization,
        auth_version: int,
        audit: AuditRecord,
    ) -> None:
        """Change the claim and the authorization whose visit it uses (or gives back) in one
        transaction, each conditioned on its version read; AuthorizationChangedError when only
        the authorization moved (another claim used a visit: re-read and retry)."""
        tx = Transaction()
        _put(tx, _bound_item(claim), previous_version, "claim")
        _put(tx, authorization_item(auth), auth_version, "authorization")
        tx.put("audit", AuditItem.from_record(audit), AuditItem.pk.does_not_exist())
        try:
            tx.commit()
        except ConditionsFailedError as exc:
            if "claim" not in exc.failed and "authorization" in exc.failed:
                raise AuthorizationChangedError from None
            raise ConflictError("the claim changed since it was read; reload and retry") from None

    # fee schedules (no PHI: no audit)
    def get_fee_schedule(self, practice_id: str, schedule_id: str) -> FeeSchedule | None:
        """One fee schedule."""
        return _get(tenant_key(practice_id, "FEES"), schedule_id, FeeSchedule)

    def save_fee_schedule(self, schedule: FeeSchedule, *, previous_version: int | None) -> None:
        """Put or replace a schedule."""
        tx = Transaction()
        item = ClaimsItem(
            pk=tenant_key(schedule.practice_id, "FEES"),
            sk=schedule.schedule_id,
            entity="fee_schedule",
            body=serial.dumps(schedule),
            version=schedule.version,
        )
        _put(tx, item, previous_version)
        _commit(tx, None, "fee schedule")

    # authorizations
    def authorizations_of(self, practice_id: str, patient_id: str) -> list[Authorization]:
        """A patient's authorizations and referrals."""
        pk = tenant_key(practice_id, "AUTH", patient_id)
        return [serial.loads(Authorization, i.body) for i in ClaimsItem.query(pk)]

    def save_authorization(
        self, auth: Authorization, *, previous_version: int | None, audit: AuditRecord
    ) -> None:
        """Put or replace an authorization."""
        tx = Transaction()
        _put(tx, authorization_item(auth), previous_version)
        _commit(tx, audit, "authorization")

    # scrubber rule settings (no PHI)
    def rule_settings(self, practice_id: str) -> list[RuleSettings]:
        """Every payer's rule settings of the practice."""
        pk = tenant_key(practice_id, "SCRUB_RULES")
        return [serial.loads(RuleSettings, i.body) for i in ClaimsItem.query(pk)]

    def save_rule_settings(self, settings: RuleSettings, *, previous_version: int | None) -> None:
        """Put or replace one payer's settings."""
        tx = Transaction()
        item = ClaimsItem(
            pk=tenant_key(settings.practice_id, "SCRUB_RULES"),
            sk=settings.payer_id,
            entity="scrub_rules",
            body=serial.dumps(settings),
            version=settings.version,
        )
        _put(tx, item, previous_version)
        _commit(tx, None, "rule settings")
