"""DynamoDB adapter of claim submission (main table). Storage shape only.

Keys (every partition key starts with the practice id):
- profile        PK `<p>#CLEARINGHOUSE` SK `PROFILE`; GSI1 `CLEARINGHOUSE_PROFILES` /
                 `<p>` (the scheduled acknowledgment collection lists practices by it:
                 an index of practice ids only, read by system jobs, never by a caller)
- counter        PK `<p>#CLEARINGHOUSE` SK `COUNTER` (`value`: the last ISA13/GS06 used)
- 837P file      PK `<p>#CLAIMFILE` SK `<file_id>`; GSI1 `<p>#CLAIMFILE_GCN` / `<gs06:09d>`
                 (999 matching); GSI2 `<p>#CLAIMFILE_OPEN#<payer_id>` / `<file_id>` while
                 building or stored (sparse: the recovery sweep); `lease_until` (ISO time)
- file link      PK `<p>#CLAIM_FILES#<claim_id>` SK `<file_id>`; GSI1
                 `<p>#FILE_CLAIMS#<file_id>` / `<claim_id>` (a file's claims, from the bind)
- inbound file   PK `<p>#CLAIMINBOUND` SK `<inbound_id>` (999/277CA received, by name hash)
- block          PK `<p>#CLAIM_BLOCKED` SK `<claim_id>` (scrubber errors or enrollment)
- billing cycle  PK `<p>#BILLCYCLE#<cycle_id>` SK `CHUNK#<n:05d>` / `SUMMARY`
The claim gate is the claims slice's own item (`<p>#CLAIM`/`<claim_id>`): a transaction puts
the submitted claim on condition that it is still queued at the version read.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DeleteError, PutError, UpdateError
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from clinicflow.audit.model import AuditRecord
from clinicflow.audit.store import AuditItem
from clinicflow.claims import serial
from clinicflow.claims.model import Claim, ClaimStatus, Encounter
from clinicflow.claims.store import ClaimsItem, claim_item
from clinicflow.claims.submission.model import (
    OPEN_FILE_STATES,
    Block,
    ClaimFile,
    ClearinghouseProfile,
    FileStatus,
)
from clinicflow.platform.dynamo import MainModel, tenant_key
from clinicflow.platform.errors import ConflictError
from clinicflow.platform.transact import ConditionsFailedError, Transaction

PROFILES = "CLEARINGHOUSE_PROFILES"
MAX_CONTROL = 999_999_999


class _Gsi1(GlobalSecondaryIndex["SubmissionItem"]):
    class Meta:
        index_name = "GSI1"
        projection = AllProjection()

    gsi1pk = UnicodeAttribute(hash_key=True, attr_name="GSI1PK")
    gsi1sk = UnicodeAttribute(range_key=True, attr_name="GSI1SK")


class _Gsi2(GlobalSecondaryIndex["SubmissionItem"]):
    class Meta:
        index_name = "GSI2"
        projection = AllProjection()

    gsi2pk = UnicodeAttribute(hash_key=True, attr_name="GSI2PK")
    gsi2sk = UnicodeAttribute(range_key=True, attr_name="GSI2SK")


class SubmissionItem(MainModel):
    """Storage shape of every submission record."""

    entity = UnicodeAttribute(null=True)
    body = UnicodeAttribute(null=True)
    version = NumberAttribute(null=True)
    status = UnicodeAttribute(null=True)
    value = NumberAttribute(null=True)
    lease_until = UnicodeAttribute(null=True)
    gsi1pk = UnicodeAttribute(attr_name="GSI1PK", null=True)
    gsi1sk = UnicodeAttribute(attr_name="GSI1SK", null=True)
    gsi2pk = UnicodeAttribute(attr_name="GSI2PK", null=True)
    gsi2sk = UnicodeAttribute(attr_name="GSI2SK", null=True)
    by_gsi1 = _Gsi1()
    by_gsi2 = _Gsi2()


def _get(pk: str, sk: str) -> SubmissionItem | None:
    try:
        return SubmissionItem.get(pk, sk, consistent_read=True)
    except SubmissionItem.DoesNotExist:
        return None


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat()


class DynamoSubmissionStore:
    """Profiles, 837P files, the claim gate, inbound files, blocks and billing cycles."""

    # --- clearinghouse profile -------------------------------------------------------------
    def get_profile(self, practice_id: str) -> ClearinghouseProfile | None:
        """The practice's profile, or None."""
        item = _get(tenant_key(practice_id, "CLEARINGHOUSE"), "PROFILE")
        return serial.loads(ClearinghouseProfile, item.body) if item and item.body else None

    def save_profile(self, profile: ClearinghouseProfile, *, previous_version: int | None) -> None:
        """Put or replace the profile at the version read (409 when stale)."""
        item = SubmissionItem(
            pk=tenant_key(profile.practice_id, "CLEARINGHOUSE"),
            sk="PROFILE",
            entity="clearinghouse_profile",
            body=serial.dumps(profile),
            version=profile.version,
            gsi1pk=PROFILES,
            gsi1sk=profile.practice_id,
        )
        condition = (
            SubmissionItem.pk.does_not_exist()
            if previous_version is None
            else SubmissionItem.version == previous_version
        )
        tx = Transaction()
        tx.put("profile", item, condition)
        try:
            tx.commit()
        except ConditionsFailedError:
            raise ConflictError("the profile changed since it was read; reload it") from None

    def practices_with_profiles(self) -> list[str]:
        """Practice ids that have a clearinghouse profile (system jobs only)."""
        return [i.gsi1sk or "" for i in SubmissionItem.by_gsi1.query(PROFILES)]

    def next_control_number(self, practice_id: str) -> int:
        """A new interchange/group control number (1..999999999, then round again)."""
        item = SubmissionItem(pk=tenant_key(practice_id, "CLEARINGHOUSE"), sk="COUNTER")
        item.update(actions=[SubmissionItem.value.add(1)])
        return (int(item.value or 1) - 1) % MAX_CONTROL + 1

    # --- 837P files ------------------------------------------------------------------------
    def _file_item(self, f: ClaimFile, lease_until: str | None) -> SubmissionItem:
        open_ = f.status in OPEN_FILE_STATES
        return SubmissionItem(
            pk=tenant_key(f.practice_id, "CLAIMFILE"),
            sk=f.file_id,
            entity="claim_file",
            body=serial.dumps(f),
            status=f.status.value,
            lease_until=lease_until,
            gsi1pk=tenant_key(f.practice_id, "CLAIMFILE_GCN"),
            gsi1sk=f"{f.control_number:09d}",
            gsi2pk=tenant_key(f.practice_id, "CLAIMFILE_OPEN", f.payer_id) if open_ else None,
            gsi2sk=f.file_id if open_ else None,
        )

    def create_file(self, f: ClaimFile, *, lease: timedelta, now: datetime) -> None:
        """Put a new file record (building), leased to its creator."""
        tx = Transaction()
        tx.put("file", self._file_item(f, _iso(now + lease)), SubmissionItem.pk.does_not_exist())
        tx.commit()

    def save_file(
        self, f: ClaimFile, *, expect: FileStatus, lease_until: str | None = None
    ) -> bool:
        """Replace the file if it is still in status `expect`; False otherwise."""
        tx = Transaction()
        tx.put("file", self._file_item(f, lease_until), SubmissionItem.status == expect.value)
        try:
            tx.commit()
        except ConditionsFailedError:
            return False
        return True

    def take_lease(
        self, practice_id: str, file_id: str, status: FileStatus, *, now: datetime, lease: timedelta
    ) -> bool:
        """Lease an open file for building/sending; False when another worker holds it."""
        item = SubmissionItem(pk=tenant_key(practice_id, "CLAIMFILE"), sk=file_id)
        free = SubmissionItem.lease_until.does_not_exist() | (
            SubmissionItem.lease_until < _iso(now)
        )
        try:
            item.update(
                actions=[SubmissionItem.lease_until.set(_iso(now + lease))],
                condition=(SubmissionItem.status == status.value) & free,
            )
        except UpdateError as exc:
            if "ConditionalCheckFailed" in str(exc.cause_response_code or ""):
                return False
            raise
        return True

    def delete_empty_file(self, practice_id: str, file_id: str) -> None:
        """Drop a file record no claim was bound to (others held every candidate)."""
        item = SubmissionItem(pk=tenant_key(practice_id, "CLAIMFILE"), sk=file_id)
        try:
            item.delete(condition=SubmissionItem.status == FileStatus.BUILDING.value)
        except DeleteError:
            return

    def release_lease(self, practice_id: str, file_id: str) -> None:
        """Let the next worker take the file at once (after a failure we caught)."""
        item = SubmissionItem(pk=tenant_key(practice_id, "CLAIMFILE"), sk=file_id)
        item.update(actions=[SubmissionItem.lease_until.set("")])

    def get_file(self, practice_id: str, file_id: str) -> ClaimFile | None:
        """One file record."""
        item = _get(tenant_key(practice_id, "CLAIMFILE"), file_id)
        return serial.loads(ClaimFile, item.body) if item and item.body else None

    def file_by_control_number(self, practice_id: str, control: int) -> ClaimFile | None:
        """The file whose GS06 a 999 acknowledges."""
        for item in SubmissionItem.by_gsi1.query(
            tenant_key(practice_id, "CLAIMFILE_GCN"), SubmissionItem.gsi1sk == f"{control:09d}"
        ):
            return serial.loads(ClaimFile, item.body or "")
        return None

    def open_files(self, practice_id: str, payer_id: str) -> list[ClaimFile]:
        """Files of a payer still building or stored (not yet sent)."""
        key = tenant_key(practice_id, "CLAIMFILE_OPEN", payer_id)
        return [serial.loads(ClaimFile, i.body or "") for i in SubmissionItem.by_gsi2.query(key)]

    def claim_ids_of_file(self, practice_id: str, file_id: str) -> list[str]:
        """The claims bound to a file (from the link index)."""
        key = tenant_key(practice_id, "FILE_CLAIMS", file_id)
        return [i.gsi1sk or "" for i in SubmissionItem.by_gsi1.query(key)]

    def files_of_claim(self, practice_id: str, claim_id: str) -> list[ClaimFile]:
        """Every file a claim was sent in, oldest first."""
        links = SubmissionItem.query(tenant_key(practice_id, "CLAIM_FILES", claim_id))
        found = [self.get_file(practice_id, link.sk) for link in links]
        return [f for f in found if f is not None]

    def recent_files(self, practice_id: str, limit: int = 100) -> list[ClaimFile]:
        """The practice's latest files (newest first)."""
        items = SubmissionItem.query(
            tenant_key(practice_id, "CLAIMFILE"), scan_index_forward=False, limit=limit
        )
        return [serial.loads(ClaimFile, i.body or "") for i in items]

    # --- claims: reads and the gate --------------------------------------------------------
    def claims_in_state(
        self, practice_id: str, status: ClaimStatus, payer_id: str | None = None, limit: int = 0
    ) -> Iterator[tuple[Claim, int]]:
        """Claims in a lifecycle state (GSI2), optionally of one payer, with their versions."""
        key = tenant_key(practice_id, "CLAIM_STATE", status.value)
        condition = ClaimsItem.gsi2sk.startswith(f"{payer_id}#") if payer_id else None
        kwargs: dict[str, Any] = {"range_key_condition": condition}
        if limit:
            kwargs["limit"] = limit
        for item in ClaimsItem.by_state.query(key, **kwargs):
            yield serial.loads(Claim, item.body), int(item.version)

    def payers_in_state(self, practice_id: str, status: ClaimStatus) -> set[str]:
        """Payer ids having claims in a state (keys only)."""
        key = tenant_key(practice_id, "CLAIM_STATE", status.value)
        items = ClaimsItem.by_state.query(key, attributes_to_get=["GSI2SK", "PK", "SK", "GSI2PK"])
        return {str(i.gsi2sk).split("#", 1)[0] for i in items}

    def signed_encounters(self, practice_id: str) -> list[str]:
        """Ids of signed (not yet billed) encounters, oldest date of service first."""
        key = tenant_key(practice_id, "ENCOUNTER_STATE", "signed")
        items = ClaimsItem.by_state.query(key, attributes_to_get=["GSI2SK", "PK", "SK", "GSI2PK"])
        return [str(i.gsi2sk).split("#", 1)[1] for i in items]

    def encounter(self, practice_id: str, encounter_id: str) -> Encounter | None:
        """One encounter."""
        try:
            item = ClaimsItem.get(tenant_key(practice_id, "ENCOUNTER"), encounter_id)
        except ClaimsItem.DoesNotExist:
            return None
        return serial.loads(Encounter, item.body)

    def claim(self, practice_id: str, claim_id: str) -> tuple[Claim, str] | None:
        """A claim (consistent read) and the file of its current submission ('' if none)."""
        try:
            item = ClaimsItem.get(tenant_key(practice_id, "CLAIM"), claim_id, consistent_read=True)
        except ClaimsItem.DoesNotExist:
            return None
        return serial.loads(Claim, item.body), item.file_id or ""

    def bind(
        self, after: Claim, *, previous_version: int, file_id: str, audit: AuditRecord
    ) -> bool:
        """The gate: the claim becomes submitted in `file_id` only if it is still queued at the
        version read (one winner, however many workers race); False when it lost."""
        item = claim_item(after)
        item.file_id = file_id
        link = SubmissionItem(
            pk=tenant_key(after.practice_id, "CLAIM_FILES", after.claim_id),
            sk=file_id,
            entity="claim_file_link",
            gsi1pk=tenant_key(after.practice_id, "FILE_CLAIMS", file_id),
            gsi1sk=after.claim_id,
        )
        tx = Transaction()
        tx.put(
            "claim",
            item,
            (ClaimsItem.version == previous_version)
            & (ClaimsItem.status == ClaimStatus.QUEUED.value),
        )
        tx.put("link", link)
        tx.put("audit", AuditItem.from_record(audit), AuditItem.pk.does_not_exist())
        try:
            tx.commit()
        except ConditionsFailedError:
            return False
        return True

    def save_claim(
        self, after: Claim, *, previous_version: int, file_id: str, audit: AuditRecord
    ) -> bool:
        """Replace a claim at the version read, keeping its file binding; False when stale."""
        item = claim_item(after)
        item.file_id = file_id or None
        tx = Transaction()
        tx.put("claim", item, ClaimsItem.version == previous_version)
        tx.put("audit", AuditItem.from_record(audit), AuditItem.pk.does_not_exist())
        try:
            tx.commit()
        except ConditionsFailedError:
            return False
        return True

    # --- inbound files ---------------------------------------------------------------------
    def begin_inbound(
        self, practice_id: str, inbound_id: str, *, name: str, key: str, at: datetime
    ) -> str:
        """Record a received file (stored in S3 first); its status when already recorded."""
        item = SubmissionItem(
            pk=tenant_key(practice_id, "CLAIMINBOUND"),
            sk=inbound_id,
            entity="claim_inbound",
            status="received",
            body=json.dumps({"name": name[:200], "key": key, "received_at": _iso(at)}),
        )
        try:
            item.save(condition=SubmissionItem.pk.does_not_exist())
        except PutError:
            existing = _get(item.pk, item.sk)
            if existing is None:
                raise
            return existing.status or "received"
        return "new"

    def finish_inbound(
        self, practice_id: str, inbound_id: str, status: str, summary: dict[str, Any]
    ) -> None:
        """Mark a received file processed (or unreadable) with what it did."""
        item = SubmissionItem(pk=tenant_key(practice_id, "CLAIMINBOUND"), sk=inbound_id)
        existing = _get(item.pk, item.sk)
        body = json.loads(existing.body or "{}") if existing else {}
        body["summary"] = summary
        item.update(
            actions=[SubmissionItem.status.set(status), SubmissionItem.body.set(json.dumps(body))]
        )

    # --- blocks ----------------------------------------------------------------------------
    def put_block(self, block: Block) -> None:
        """Record why a claim cannot go out."""
        SubmissionItem(
            pk=tenant_key(block.practice_id, "CLAIM_BLOCKED"),
            sk=block.claim_id,
            entity="claim_block",
            body=serial.dumps(block),
        ).save()

    def clear_block(self, practice_id: str, claim_id: str) -> None:
        """Forget a block (the claim was queued)."""
        SubmissionItem(pk=tenant_key(practice_id, "CLAIM_BLOCKED"), sk=claim_id).delete()

    def clear_blocks(self, practice_id: str, claim_ids: list[str]) -> None:
        """Forget the blocks of many claims (BatchWriteItem, 25 deletes a call)."""
        with SubmissionItem.batch_write() as batch:
            for claim_id in claim_ids:
                batch.delete(
                    SubmissionItem(pk=tenant_key(practice_id, "CLAIM_BLOCKED"), sk=claim_id)
                )

    def blocks(self, practice_id: str) -> list[Block]:
        """Every blocked claim of the practice."""
        items = SubmissionItem.query(tenant_key(practice_id, "CLAIM_BLOCKED"))
        return [serial.loads(Block, i.body or "") for i in items]

    # --- billing cycles --------------------------------------------------------------------
    def put_chunk(self, practice_id: str, cycle_id: str, n: int, work: list[str]) -> None:
        """One chunk of a cycle's work: `E:<encounter_id>` or `C:<claim_id>` entries."""
        SubmissionItem(
            pk=tenant_key(practice_id, "BILLCYCLE", cycle_id),
            sk=f"CHUNK#{n:05d}",
            entity="billing_chunk",
            body=json.dumps({"work": work}),
        ).save()

    def chunk(self, practice_id: str, cycle_id: str, n: int) -> dict[str, Any]:
        """A chunk's work and result."""
        item = _get(tenant_key(practice_id, "BILLCYCLE", cycle_id), f"CHUNK#{n:05d}")
        data: dict[str, Any] = json.loads(item.body or "{}") if item else {}
        return data

    def put_chunk_result(
        self, practice_id: str, cycle_id: str, n: int, result: dict[str, Any]
    ) -> None:
        """Store what a chunk did."""
        data = self.chunk(practice_id, cycle_id, n)
        data["result"] = result
        SubmissionItem(
            pk=tenant_key(practice_id, "BILLCYCLE", cycle_id),
            sk=f"CHUNK#{n:05d}",
            entity="billing_chunk",
            status="done",
            body=json.dumps(data),
        ).save()

    def chunk_results(self, practice_id: str, cycle_id: str) -> list[dict[str, Any]]:
        """The results of every processed chunk."""
        pk = tenant_key(practice_id, "BILLCYCLE", cycle_id)
        items = SubmissionItem.query(pk, SubmissionItem.sk.startswith("CHUNK#"))
        out = []
        for item in items:
            data = json.loads(item.body or "{}")
            if "result" in data:
                out.append(data["result"])
        return out

    def put_summary(self, practice_id: str, cycle_id: str, summary: dict[str, Any]) -> None:
        """The cycle's summary."""
        SubmissionItem(
            pk=tenant_key(practice_id, "BILLCYCLE", cycle_id),
            sk="SUMMARY",
            entity="billing_summary",
            body=json.dumps(summary, default=str),
        ).save()
