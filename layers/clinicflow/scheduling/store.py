"""DynamoDB adapter of the scheduling store (see docs/data-model.md, "Scheduling").

Items (main table; every key starts with the practice id `<p>`):

- config        PK `<p>#SCHED`              SK `TYPE#|ROOM#|TPL#|CLOSURE#<id>`
- appointment   PK `<p>#APPT#<id>`          SK `APPT`
                GSI1 `<p>#CAL#<provider>` / `<startZ>#A#<id>`    (provider calendar)
                GSI2 `<p>#LCAL#<location>` / `<startZ>#<id>`     (location calendar, rooms)
- exception     PK `<p>#AVX#<id>`           SK `PIECE#<nn>` (pieces of at most 24 h)
                GSI1 `<p>#CAL#<provider>` / `<pieceStartZ>#X#<id>#<nn>`
- lock          PK `<p>#LOCK#<P|R>#<resource>#<YYYYMMDDTHHMM>`  SK `LOCK` (5-minute block)
- patient visit PK `<p>#PAPPT#<patient>`      SK `<startZ>#<id>` (the patient's appointments)
- series        PK `<p>#SERIES#<id>`        SK `SERIES`
- waitlist      PK `<p>#WAIT#<id>`          SK `ENTRY`   GSI1 `<p>#WAITLIST` while waiting
- offer         PK `<p>#OFFER#<id>`         SK `OFFER`   GSI1 `<p>#OFFERS#OPEN` while open,
                GSI2 `<p>#OFFERS` / `<expiresZ>#<id>`

A provider's calendar Query reads `[start - 24 h, end)` of GSI1: no footprint (at most
490 minutes) and no exception piece (at most 24 h) starting earlier can overlap the range.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from pynamodb.attributes import MapAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import PutError
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from clinicflow.audit.model import AuditRecord
from clinicflow.audit.store import AuditItem, write_records
from clinicflow.patients.store import PATIENT_SK, PatientItem, patient_pk, require_active_patient
from clinicflow.platform.cursor import decode_cursor, encode_cursor
from clinicflow.platform.dynamo import MainModel, tenant_key
from clinicflow.platform.errors import ConflictError, FieldError, NotFoundError, ValidationError
from clinicflow.platform.transact import ConditionsFailedError, Transaction
from clinicflow.scheduling.model import (
    TRANSACTION_LIMIT,
    Appointment,
    AppointmentExistsError,
    AppointmentType,
    AvailabilityException,
    AvailabilityTemplate,
    Closure,
    Offer,
    OfferStatus,
    ReplacedAppointmentChangedError,
    Room,
    SchedulingConfig,
    Series,
    SlotGoneError,
    SlotTakenError,
    StaleAppointmentError,
    WaitlistEntry,
    WaitlistPolicy,
)
from clinicflow.scheduling.model.waitlist import EntryStatus
from clinicflow.scheduling.service.ports import ConfigRecord, ProviderCalendar

LOOKBACK = timedelta(hours=24)
LOCK_RETENTION = timedelta(days=30)
_KINDS: dict[type[Any], str] = {
    AppointmentType: "TYPE",
    Room: "ROOM",
    AvailabilityTemplate: "TPL",
    Closure: "CLOSURE",
    WaitlistPolicy: "POLICY",
}
_ID_FIELDS = {
    "TYPE": "type_id",
    "ROOM": "room_id",
    "TPL": "template_id",
    "CLOSURE": "closure_id",
    "POLICY": "policy_id",
}


def zulu(moment: datetime) -> str:
    """A UTC instant as a sortable key part: `2026-03-08T15:00:00Z`."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class ByGsi1(GlobalSecondaryIndex["DocItem"]):
    """GSI1: provider calendars, the waiting list, open offers."""

    class Meta:
        index_name = "GSI1"
        projection = AllProjection()

    gsi1pk = UnicodeAttribute(hash_key=True, attr_name="GSI1PK")
    gsi1sk = UnicodeAttribute(range_key=True, attr_name="GSI1SK")


class ByGsi2(GlobalSecondaryIndex["DocItem"]):
    """GSI2: location calendars (room use), offers by expiry."""

    class Meta:
        index_name = "GSI2"
        projection = AllProjection()

    gsi2pk = UnicodeAttribute(hash_key=True, attr_name="GSI2PK")
    gsi2sk = UnicodeAttribute(range_key=True, attr_name="GSI2SK")


class DocItem(MainModel):
    """Every scheduling record: keys, an entity tag, a version and the record as a map."""

    gsi1pk = UnicodeAttribute(attr_name="GSI1PK", null=True)
    gsi1sk = UnicodeAttribute(attr_name="GSI1SK", null=True)
    gsi2pk = UnicodeAttribute(attr_name="GSI2PK", null=True)
    gsi2sk = UnicodeAttribute(attr_name="GSI2SK", null=True)
    entity = UnicodeAttribute()
    version = NumberAttribute(default=1)
    status = UnicodeAttribute(null=True)
    doc = MapAttribute[str, Any]()
    whole = MapAttribute[str, Any](null=True)
    by_gsi1 = ByGsi1()
    by_gsi2 = ByGsi2()


class LockItem(MainModel):
    """One 5-minute block of one provider or room, held by one appointment."""

    appointment_id = UnicodeAttribute()
    expires_at = NumberAttribute()


class PatientVisitItem(MainModel):
    """One appointment in its patient's visit list, keyed by start (written with it)."""

    appointment_id = UnicodeAttribute()


def _dump(record: Any) -> dict[str, Any]:
    data: dict[str, Any] = record.model_dump(mode="json")
    return data


def appointment_item(practice_id: str, a: Appointment) -> DocItem:
    """The item storing an appointment (indexed on both calendars)."""
    start = zulu(a.start)
    return DocItem(
        pk=tenant_key(practice_id, "APPT", a.appointment_id),
        sk="APPT",
        gsi1pk=tenant_key(practice_id, "CAL", a.provider_id),
        gsi1sk=f"{start}#A#{a.appointment_id}",
        gsi2pk=tenant_key(practice_id, "LCAL", a.location_id),
        gsi2sk=f"{start}#{a.appointment_id}",
        entity="appointment",
        version=a.version,
        status=a.status.value,
        doc=_dump(a),
    )


def lock_item(practice_id: str, key: tuple[str, str, str], a: Appointment) -> LockItem:
    """The lock item of one (kind, resource, block) of an appointment."""
    kind, resource, block = key
    expires = int((a.footprint[1] + LOCK_RETENTION).timestamp())
    return LockItem(
        pk=tenant_key(practice_id, "LOCK", kind, resource, block),
        sk="LOCK",
        appointment_id=a.appointment_id,
        expires_at=expires,
    )


def visit_item(practice_id: str, a: Appointment) -> PatientVisitItem:
    """The entry of an appointment in its patient's visit list."""
    return PatientVisitItem(
        pk=tenant_key(practice_id, "PAPPT", a.patient_id),
        sk=f"{zulu(a.start)}#{a.appointment_id}",
        appointment_id=a.appointment_id,
    )


def _held_by(a: Appointment) -> Any:
    """Condition of a lock release: the lock is still `a`'s (or already gone)."""
    return (LockItem.appointment_id == a.appointment_id) | LockItem.pk.does_not_exist()


def _lock_label(key: tuple[str, str, str]) -> str:
    return f"lock:{key[0]}:{key[1]}:{key[2]}"


def _audit(tx: Transaction, record: AuditRecord) -> None:
    tx.put("audit", AuditItem.from_record(record), AuditItem.pk.does_not_exist())


def _booking_failure(exc: ConditionsFailedError) -> Exception:
    failed = exc.failed
    if "appointment" in failed:
        return AppointmentExistsError()
    if "patient" in failed:
        return ValidationError(FieldError("patient_id", "no active patient with this id"))
    if "offer" in failed:
        return SlotGoneError()
    if "replaced" in failed:
        return ReplacedAppointmentChangedError()
    if any(f.startswith("lock:P:") for f in failed):
        return SlotTakenError("provider")
    if any(f.startswith("lock:R:") for f in failed):
        return SlotTakenError("room")
    if exc.conflict:
        return ConflictError("the calendar is busy right now; please try again")
    return StaleAppointmentError(0)


def _exception_pieces(x: AvailabilityException) -> list[tuple[datetime, datetime]]:
    pieces = []
    cursor = x.start
    while cursor < x.end:
        end = min(cursor + LOOKBACK, x.end)
        pieces.append((cursor, end))
        cursor = end
    return pieces


class DynamoSchedulingStore:
    """SchedulingStore on the main table."""

    # --- configuration -------------------------------------------------------------
    def config(self, practice_id: str) -> SchedulingConfig:
        """Types, rooms, templates and closures: one Query of `<p>#SCHED`."""
        groups: dict[str, list[Any]] = {k: [] for k in _ID_FIELDS}
        parsers: dict[str, type[Any]] = {v: k for k, v in _KINDS.items()}
        for item in DocItem.query(tenant_key(practice_id, "SCHED"), consistent_read=True):
            kind = item.sk.split("#", 1)[0]
            if kind in groups:
                groups[kind].append(parsers[kind].model_validate(item.doc.as_dict()))
        return SchedulingConfig(
            types=tuple(groups["TYPE"]),
            rooms=tuple(groups["ROOM"]),
            templates=tuple(groups["TPL"]),
            closures=tuple(groups["CLOSURE"]),
            waitlist=groups["POLICY"][0] if groups["POLICY"] else WaitlistPolicy(version=0),
        )

    def _config_item(self, practice_id: str, record: ConfigRecord) -> DocItem:
        kind = _KINDS[type(record)]
        ident = str(getattr(record, _ID_FIELDS[kind]))
        return DocItem(
            pk=tenant_key(practice_id, "SCHED"),
            sk=f"{kind}#{ident}",
            entity=kind.lower(),
            version=getattr(record, "version", 1),
            doc=_dump(record),
        )

    def save_config(
        self, practice_id: str, record: ConfigRecord, *, previous_version: int, audit: AuditRecord
    ) -> None:
        """Put a config record on its version condition, with the audit record."""
        tx = Transaction()
        condition = (
            DocItem.pk.does_not_exist()
            if previous_version == 0
            else DocItem.version == previous_version
        )
        tx.put("record", self._config_item(practice_id, record), condition)
        _audit(tx, audit)
        try:
            tx.commit()
        except ConditionsFailedError:
            if previous_version == 0:
                raise ConflictError("a record with this id already exists") from None
            raise ConflictError("the record changed since it was read; reload it") from None

    def delete_config(self, practice_id: str, record: ConfigRecord, *, audit: AuditRecord) -> None:
        """Delete a config record (templates, closures), with the audit record."""
        tx = Transaction()
        tx.delete("record", self._config_item(practice_id, record), DocItem.pk.exists())
        _audit(tx, audit)
        try:
            tx.commit()
        except ConditionsFailedError:
            raise NotFoundError("record not found") from None

    # --- calendars -----------------------------------------------------------------
    def calendar(
        self, practice_id: str, provider_id: str, start: datetime, end: datetime
    ) -> ProviderCalendar:
        """One Query of the provider's GSI1 partition over [start - 24 h, end)."""
        appointments: list[Appointment] = []
        exceptions: list[AvailabilityException] = []
        rows = DocItem.by_gsi1.query(
            tenant_key(practice_id, "CAL", provider_id),
            DocItem.gsi1sk.between(zulu(start - LOOKBACK), zulu(end)),
        )
        for row in rows:
            if row.entity == "appointment":
                appointments.append(Appointment.model_validate(row.doc.as_dict()))
            elif row.entity == "exception_piece":
                exceptions.append(AvailabilityException.model_validate(row.doc.as_dict()))
        return ProviderCalendar(appointments, exceptions)

    def location_appointments(
        self, practice_id: str, location_id: str, start: datetime, end: datetime
    ) -> list[Appointment]:
        """One Query of the location's GSI2 partition over [start - 24 h, end)."""
        rows = DocItem.by_gsi2.query(
            tenant_key(practice_id, "LCAL", location_id),
            DocItem.gsi2sk.between(zulu(start - LOOKBACK), zulu(end)),
        )
        return [Appointment.model_validate(r.doc.as_dict()) for r in rows]

    # --- exceptions ----------------------------------------------------------------
    def _pieces(self, practice_id: str, x: AvailabilityException) -> list[DocItem]:
        items = []
        for n, (start, end) in enumerate(_exception_pieces(x)):
            piece = x.model_copy(update={"start": start, "end": end})
            items.append(
                DocItem(
                    pk=tenant_key(practice_id, "AVX", x.exception_id),
                    sk=f"PIECE#{n:03d}",
                    gsi1pk=tenant_key(practice_id, "CAL", x.provider_id),
                    gsi1sk=f"{zulu(start)}#X#{x.exception_id}#{n:03d}",
                    entity="exception_piece",
                    doc=_dump(piece),
                    whole=_dump(x),
                )
            )
        return items

    def add_exception(
        self, practice_id: str, exception: AvailabilityException, *, audit: AuditRecord
    ) -> None:
        """All pieces and the audit record in one transaction."""
        tx = Transaction()
        for item in self._pieces(practice_id, exception):
            tx.put("piece", item, DocItem.pk.does_not_exist())
        _audit(tx, audit)
        try:
            tx.commit()
        except ConditionsFailedError:
            raise ConflictError("an exception with this id already exists") from None

    def exceptions(
        self, practice_id: str, provider_id: str, start: datetime, end: datetime
    ) -> list[AvailabilityException]:
        """One Query of the provider's GSI1 partition (exception pieces only), whole ones back."""
        rows = DocItem.by_gsi1.query(
            tenant_key(practice_id, "CAL", provider_id),
            DocItem.gsi1sk.between(zulu(start - LOOKBACK), zulu(end)),
            filter_condition=DocItem.entity == "exception_piece",
        )
        found: dict[str, AvailabilityException] = {}
        for row in rows:
            whole = AvailabilityException.model_validate(row.whole.as_dict() if row.whole else {})
            if whole.start < end and start < whole.end:
                found.setdefault(whole.exception_id, whole)
        return sorted(found.values(), key=lambda x: (x.start, x.exception_id))

    def get_exception(self, practice_id: str, exception_id: str) -> AvailabilityException | None:
        """The whole exception, from its first piece."""
        try:
            item = DocItem.get(
                tenant_key(practice_id, "AVX", exception_id), "PIECE#000", consistent_read=True
            )
        except DocItem.DoesNotExist:
            return None
        return AvailabilityException.model_validate(item.whole.as_dict() if item.whole else {})

    def delete_exception(
        self, practice_id: str, exception: AvailabilityException, *, audit: AuditRecord
    ) -> None:
        """Delete every piece with the audit record."""
        tx = Transaction()
        for item in self._pieces(practice_id, exception):
            tx.delete("piece", item)
        _audit(tx, audit)
        tx.commit()

    # --- appointments --------------------------------------------------------------
    def get(self, practice_id: str, appointment_id: str) -> Appointment | None:
        """One appointment (consistent)."""
        try:
            item = DocItem.get(
                tenant_key(practice_id, "APPT", appointment_id), "APPT", consistent_read=True
            )
        except DocItem.DoesNotExist:
            return None
        return Appointment.model_validate(item.doc.as_dict())

    def get_many(self, practice_id: str, ids: Sequence[str]) -> dict[str, Appointment]:
        """Appointments by id (BatchGetItem, consistent)."""
        keys = [(tenant_key(practice_id, "APPT", i), "APPT") for i in dict.fromkeys(ids)]
        found: dict[str, Appointment] = {}
        for start in range(0, len(keys), 100):
            for item in DocItem.batch_get(keys[start : start + 100], consistent_read=True):
                a = Appointment.model_validate(item.doc.as_dict())
                found[a.appointment_id] = a
        return found

    def book(
        self,
        practice_id: str,
        appointment: Appointment,
        *,
        audit: AuditRecord,
        offer: tuple[Offer, Offer] | None = None,
        replacing: tuple[Appointment, Appointment, AuditRecord] | None = None,
    ) -> None:
        """One TransactWriteItems: appointment, every lock, patient check, audit (+ offer,
        + the cancellation of the appointment it replaces and the release of its locks).

        Released locks that do not fit in the transaction are deleted right after it (the
        replaced appointment is already cancelled then; its leftover locks only keep time).
        """
        tx = Transaction()
        tx.put(
            "appointment", appointment_item(practice_id, appointment), DocItem.pk.does_not_exist()
        )
        for key in appointment.lock_keys():
            tx.put(
                _lock_label(key),
                lock_item(practice_id, key, appointment),
                LockItem.pk.does_not_exist(),
            )
        require_active_patient(tx, practice_id, appointment.patient_id, "patient")
        tx.put("visit", visit_item(practice_id, appointment))
        if offer is not None:
            before, after = offer
            tx.put("offer", _offer_item(practice_id, after), DocItem.version == before.version)
        _audit(tx, audit)
        later: list[tuple[str, str, str]] = []
        if replacing is not None:
            old, cancelled, old_audit = replacing
            tx.put(
                "replaced", appointment_item(practice_id, cancelled), DocItem.version == old.version
            )
            _audit(tx, old_audit)
            taken = set(appointment.lock_keys())
            for key in (k for k in old.lock_keys() if k not in taken):
                if len(tx) < TRANSACTION_LIMIT:
                    tx.delete("release", lock_item(practice_id, key, old), _held_by(old))
                else:
                    later.append(key)
        try:
            tx.commit()
        except ConditionsFailedError as exc:
            raise _booking_failure(exc) from None
        if replacing is not None:
            self._release(practice_id, replacing[0], later)

    def _release(
        self, practice_id: str, old: Appointment, keys: list[tuple[str, str, str]]
    ) -> None:
        """Delete locks `old` no longer holds, 100 per transaction (each only if still its)."""
        for start in range(0, len(keys), TRANSACTION_LIMIT):
            cleanup = Transaction()
            for key in keys[start : start + TRANSACTION_LIMIT]:
                cleanup.delete("release", lock_item(practice_id, key, old), _held_by(old))
            cleanup.commit()

    def replace(
        self, practice_id: str, before: Appointment, after: Appointment, *, audit: AuditRecord
    ) -> None:
        """Move the appointment and its locks in one transaction.

        Blocks kept by both versions are left alone; released ones are deleted (only if
        still this appointment's), new ones put on `attribute_not_exists`. When that
        exceeds 100 actions (long visits moved far), the new locks and the appointment
        commit first and the old locks are released after: never a moment without locks.
        """
        old, new = set(before.lock_keys()), set(after.lock_keys())
        release, acquire = sorted(old - new), sorted(new - old)
        tx = Transaction()
        tx.put(
            "appointment",
            appointment_item(practice_id, after),
            DocItem.version == before.version,
        )
        for key in acquire:
            tx.put(
                _lock_label(key), lock_item(practice_id, key, after), LockItem.pk.does_not_exist()
            )
        _audit(tx, audit)
        # The visit-list entry follows the start (and is put anew, healing older data).
        tx.put("visit", visit_item(practice_id, after))
        if zulu(before.start) != zulu(after.start):
            tx.delete("visit", visit_item(practice_id, before))
        later: list[tuple[str, str, str]] = []
        for key in release:
            if len(tx) < TRANSACTION_LIMIT:
                tx.delete("release", lock_item(practice_id, key, before), _held_by(before))
            else:
                later.append(key)
        try:
            tx.commit()
        except ConditionsFailedError as exc:
            if "appointment" in exc.failed:
                current = self.get(practice_id, before.appointment_id)
                if current is None:
                    raise NotFoundError("appointment not found") from None
                raise StaleAppointmentError(current.version) from None
            raise _booking_failure(exc) from None
        self._release(practice_id, before, later)

    def has_patient(self, practice_id: str, patient_id: str) -> bool:
        """True when the practice has this patient (one GetItem of its key)."""
        try:
            PatientItem.get(
                patient_pk(practice_id, patient_id), PATIENT_SK, attributes_to_get=["PK"]
            )
        except PatientItem.DoesNotExist:
            return False
        return True

    def patient_appointments(
        self,
        practice_id: str,
        patient_id: str,
        *,
        after: datetime | None,
        before: datetime | None,
        newest_first: bool,
        limit: int,
        cursor: str | None,
    ) -> tuple[list[Appointment], str | None]:
        """One page of a patient's appointments starting in [after, before), by start.

        One Query of the patient's visit list, then one BatchGetItem of the appointments
        (consistent, so statuses are current). Returns the page and the next cursor.
        """
        pk = tenant_key(practice_id, "PAPPT", patient_id)
        low, high = zulu(after) if after else "0", zulu(before) if before else "9"
        rows = PatientVisitItem.query(
            pk,
            PatientVisitItem.sk.between(low, high),
            scan_index_forward=not newest_first,
            limit=limit,
            last_evaluated_key=decode_cursor(cursor, partition=("PK", pk)),
            consistent_read=True,
        )
        entries = [(r.sk, r.appointment_id) for r in rows]
        found = self.get_many(practice_id, [i for _, i in entries])
        page = [
            found[i]
            for sk, i in entries
            if i in found and sk.startswith(zulu(found[i].start) + "#")  # a moved one's old entry
        ]
        more = len(entries) == limit and rows.last_evaluated_key
        return page, encode_cursor(rows.last_evaluated_key) if more else None

    # --- series --------------------------------------------------------------------
    def add_series(self, practice_id: str, series: Series, *, audit: AuditRecord) -> None:
        """The series record and its audit record."""
        tx = Transaction()
        tx.put(
            "series",
            DocItem(
                pk=tenant_key(practice_id, "SERIES", series.series_id),
                sk="SERIES",
                entity="series",
                doc=_dump(series),
            ),
            DocItem.pk.does_not_exist(),
        )
        _audit(tx, audit)
        try:
            tx.commit()
        except ConditionsFailedError:
            raise ConflictError("this series already exists") from None

    def get_series(self, practice_id: str, series_id: str) -> Series | None:
        """One series."""
        try:
            item = DocItem.get(
                tenant_key(practice_id, "SERIES", series_id), "SERIES", consistent_read=True
            )
        except DocItem.DoesNotExist:
            return None
        return Series.model_validate(item.doc.as_dict())

    # --- waitlist ------------------------------------------------------------------
    def save_entry(
        self,
        practice_id: str,
        entry: WaitlistEntry,
        *,
        previous_version: int,
        audit: AuditRecord | None,
    ) -> None:
        """Put an entry on its version condition (indexed on GSI1 while waiting)."""
        waiting = entry.status is EntryStatus.WAITING
        item = DocItem(
            pk=tenant_key(practice_id, "WAIT", entry.entry_id),
            sk="ENTRY",
            gsi1pk=tenant_key(practice_id, "WAITLIST") if waiting else None,
            # Microseconds: two patients joining within one second keep their order.
            gsi1sk=(
                f"{entry.created_at.astimezone(UTC):%Y-%m-%dT%H:%M:%S.%fZ}#{entry.entry_id}"
                if waiting
                else None
            ),
            entity="waitlist_entry",
            version=entry.version,
            status=entry.status.value,
            doc=_dump(entry),
        )
        tx = Transaction()
        condition = (
            DocItem.pk.does_not_exist()
            if previous_version == 0
            else DocItem.version == previous_version
        )
        tx.put("entry", item, condition)
        if previous_version == 0:
            require_active_patient(tx, practice_id, entry.patient_id, "patient")
        if audit is not None:
            _audit(tx, audit)
        try:
            tx.commit()
        except ConditionsFailedError as exc:
            if "patient" in exc.failed:
                raise ValidationError(
                    FieldError("patient_id", "no active patient with this id")
                ) from None
            raise ConflictError("the waitlist entry changed; reload it and retry") from None

    def get_entry(self, practice_id: str, entry_id: str) -> WaitlistEntry | None:
        """One entry."""
        try:
            item = DocItem.get(
                tenant_key(practice_id, "WAIT", entry_id), "ENTRY", consistent_read=True
            )
        except DocItem.DoesNotExist:
            return None
        return WaitlistEntry.model_validate(item.doc.as_dict())

    def waiting(self, practice_id: str) -> list[WaitlistEntry]:
        """Waiting entries, oldest first (GSI1, sparse)."""
        rows = DocItem.by_gsi1.query(tenant_key(practice_id, "WAITLIST"))
        return [WaitlistEntry.model_validate(r.doc.as_dict()) for r in rows]

    def save_offer(self, practice_id: str, offer: Offer, *, previous_version: int) -> None:
        """Put an offer on its version condition."""
        condition = (
            DocItem.pk.does_not_exist()
            if previous_version == 0
            else DocItem.version == previous_version
        )
        try:
            _offer_item(practice_id, offer).save(condition=condition)
        except PutError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                raise ConflictError("the offer changed; reload it") from None
            raise

    def get_offer(self, practice_id: str, offer_id: str) -> Offer | None:
        """One offer."""
        try:
            item = DocItem.get(
                tenant_key(practice_id, "OFFER", offer_id), "OFFER", consistent_read=True
            )
        except DocItem.DoesNotExist:
            return None
        return Offer.model_validate(item.doc.as_dict())

    def open_offers(self, practice_id: str) -> list[Offer]:
        """Open offers (GSI1, sparse)."""
        rows = DocItem.by_gsi1.query(tenant_key(practice_id, "OFFERS", "OPEN"))
        return [Offer.model_validate(r.doc.as_dict()) for r in rows]

    def recent_offers(self, practice_id: str, limit: int) -> list[Offer]:
        """Offers, latest expiry first (GSI2)."""
        rows = DocItem.by_gsi2.query(
            tenant_key(practice_id, "OFFERS"), scan_index_forward=False, limit=limit
        )
        return [Offer.model_validate(r.doc.as_dict()) for r in rows]


def _offer_item(practice_id: str, offer: Offer) -> DocItem:
    is_open = offer.status is OfferStatus.OPEN
    expires = zulu(offer.expires_at)
    return DocItem(
        pk=tenant_key(practice_id, "OFFER", offer.offer_id),
        sk="OFFER",
        gsi1pk=tenant_key(practice_id, "OFFERS", "OPEN") if is_open else None,
        gsi1sk=f"{expires}#{offer.offer_id}" if is_open else None,
        gsi2pk=tenant_key(practice_id, "OFFERS"),
        gsi2sk=f"{expires}#{offer.offer_id}",
        entity="offer",
        version=offer.version,
        status=offer.status.value,
        doc=_dump(offer),
    )


class DynamoAuditLog:
    """AuditLog on the audit table."""

    def append(self, records: Iterable[AuditRecord]) -> None:
        """Append read records (conditional puts, 100 per transaction)."""
        records = list(records)
        if records:
            write_records(records)
