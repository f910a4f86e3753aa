"""Coverage use cases: add, read, change, deactivate, reorder, card images.

The order of a patient's active coverages (primary, secondary, tertiary) is one versioned
list; every change to it is a transaction conditioned on that version and on the version
of every coverage it orders, so concurrent reorders, edits and deactivations can't interleave.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from clinicflow.audit.model import Action, AuditRecord
from clinicflow.coverages.model import (
    EDITABLE_FIELDS,
    MAX_ORDERED,
    CardContentType,
    CardImage,
    CardSide,
    Coverage,
    CoverageData,
    CoverageOrder,
    CoverageStatus,
    OrderChangedError,
    Payer,
    card_key,
    check_coverage,
    order_problems,
)
from clinicflow.patients.model import StaleVersionError, is_record_id, parse, utc_now
from clinicflow.platform.errors import FieldError, NotFoundError, ValidationError
from clinicflow.platform.identity import Caller

RESOURCE = "coverage"
URL_TTL_SECONDS = 300


class CoverageRepository(Protocol):
    """Where coverages live. Writes commit their audit record in the same transaction."""

    def patient_exists(self, practice_id: str, patient_id: str) -> bool:
        """True when the practice has the patient."""
        ...

    def coverages_of(
        self, practice_id: str, patient_id: str
    ) -> tuple[list[Coverage], CoverageOrder]:
        """The patient's coverages (with their order filled in) and the current order."""
        ...

    def save(
        self,
        practice_id: str,
        coverage: Coverage,
        *,
        previous_version: int | None,
        order_before: CoverageOrder,
        order_after: CoverageOrder,
        ordered: Sequence[Coverage],
        audit: AuditRecord,
    ) -> None:
        """Put a coverage (new when previous_version is None) and the order, atomically.

        Conditions: the coverage version, the order version, and that every coverage in
        `ordered` (the others the order lists) is still active at the version read.
        Raises NotFoundError (patient gone), ValidationError (payer gone), StaleVersionError
        or OrderChangedError.
        """
        ...

    def reorder(
        self,
        practice_id: str,
        patient_id: str,
        *,
        order_before: CoverageOrder,
        order_after: CoverageOrder,
        ordered: Sequence[Coverage],
        audit: AuditRecord,
    ) -> None:
        """Replace the order if unchanged since read (else OrderChangedError)."""
        ...

    def record_card(
        self, practice_id: str, coverage: Coverage, image: CardImage, audit: AuditRecord
    ) -> None:
        """Note that a card image was requested for upload."""
        ...


class PayerLookup(Protocol):
    """The practice's payer directory (item PK `<practice>#PAYER`, SK `<payer_id>`)."""

    def get(self, practice_id: str, payer_id: str) -> Payer | None:
        """The payer, or None when the directory has no such payer."""
        ...


class CardImageStore(Protocol):
    """Presigned URLs for card images."""

    def upload_url(self, key: str, content_type: str, expires_in: int) -> str:
        """A URL the browser can PUT the image to."""
        ...

    def download_url(self, key: str, expires_in: int) -> str:
        """A URL the browser can GET the image from."""
        ...


class AuditLog(Protocol):
    """Append-only audit trail for reads."""

    def append(self, records: Sequence[AuditRecord]) -> None:
        """Append the records."""
        ...


@dataclass(frozen=True)
class CoverageList:
    """A patient's coverages, primary first, and the order version to send with a reorder."""

    coverages: list[Coverage]
    order_version: int


@dataclass(frozen=True)
class CardUrl:
    """A presigned URL for one card side."""

    side: CardSide
    content_type: CardContentType
    url: str
    expires_in: int


def _record(caller: Caller, action: Action, patient_id: str, resource_id: str) -> AuditRecord:
    return AuditRecord.of(caller, action, RESOURCE, resource_id, patient_id=patient_id)


def _sorted(coverages: list[Coverage]) -> list[Coverage]:
    return sorted(coverages, key=lambda c: (c.order or MAX_ORDERED + 1, c.created_at))


def _load_all(
    caller: Caller, patient_id: str, repo: CoverageRepository
) -> tuple[dict[str, Coverage], CoverageOrder]:
    if not is_record_id(patient_id) or not repo.patient_exists(caller.practice_id, patient_id):
        raise NotFoundError("patient not found")
    coverages, order = repo.coverages_of(caller.practice_id, patient_id)
    return {c.id: c for c in coverages}, order


def _load_one(
    caller: Caller, patient_id: str, coverage_id: str, repo: CoverageRepository
) -> tuple[Coverage, dict[str, Coverage], CoverageOrder]:
    coverages, order = _load_all(caller, patient_id, repo)
    coverage = coverages.get(coverage_id)
    if coverage is None:
        raise NotFoundError("coverage not found")
    return coverage, coverages, order


def _payer(caller: Caller, payer_id: str, payers: PayerLookup) -> Payer:
    payer = payers.get(caller.practice_id, payer_id)
    if payer is None:
        raise ValidationError(FieldError("payer_id", "is not in the practice's payer directory"))
    if not payer.active:
        raise ValidationError(FieldError("payer_id", "is an inactive payer"))
    return payer


def _others(ids: Sequence[str], coverages: dict[str, Coverage], skip: str) -> list[Coverage]:
    return [coverages[i] for i in ids if i != skip and i in coverages]


def create_coverage(
    caller: Caller,
    patient_id: str,
    data: CoverageData,
    *,
    repo: CoverageRepository,
    payers: PayerLookup,
    order: int | None = None,
    now: datetime | None = None,
) -> Coverage:
    """Add a coverage at `order` (later ones move down) or after the ordered ones."""
    coverages, current = _load_all(caller, patient_id, repo)
    payer = _payer(caller, data.payer_id, payers)
    ids = list(current.ids)
    if order is not None and not 1 <= order <= len(ids) + 1:
        raise ValidationError(FieldError("order", f"must be 1 to {len(ids) + 1}"))
    if order is not None and len(ids) >= MAX_ORDERED:
        raise ValidationError(
            FieldError("order", f"a patient has at most {MAX_ORDERED} ordered coverages")
        )
    at = now or utc_now()
    coverage_id = uuid.uuid4().hex
    if order is not None:
        ids.insert(order - 1, coverage_id)
    elif len(ids) < MAX_ORDERED:
        ids.append(coverage_id)
    position = ids.index(coverage_id) + 1 if coverage_id in ids else None
    check_coverage(data, position)
    coverage = Coverage(
        **data.model_dump(),
        id=coverage_id,
        patient_id=patient_id,
        payer_name=payer.name,
        created_at=at,
        updated_at=at,
        order=position,
    )
    problems = order_problems(ids, {**coverages, coverage_id: coverage})
    if problems:
        raise ValidationError([FieldError("order", p.message) for p in problems])
    after = CoverageOrder(ids=tuple(ids), version=current.version + 1)
    repo.save(
        caller.practice_id,
        coverage,
        previous_version=None,
        order_before=current,
        order_after=after if after.ids != current.ids else current,
        ordered=_others(ids, coverages, coverage_id),
        audit=_record(caller, Action.CREATE, patient_id, coverage_id),
    )
    return coverage


def list_coverages(
    caller: Caller, patient_id: str, *, repo: CoverageRepository, audit: AuditLog
) -> CoverageList:
    """All coverages of a patient, primary first; one audit record per coverage."""
    coverages, order = _load_all(caller, patient_id, repo)
    result = _sorted(list(coverages.values()))
    if result:
        audit.append([_record(caller, Action.READ, patient_id, c.id) for c in result])
    return CoverageList(result, order.version)


def get_coverage(
    caller: Caller, patient_id: str, coverage_id: str, *, repo: CoverageRepository, audit: AuditLog
) -> Coverage:
    """One coverage of a patient of the caller's practice."""
    coverage, _, _ = _load_one(caller, patient_id, coverage_id, repo)
    audit.append([_record(caller, Action.READ, patient_id, coverage_id)])
    return coverage


def update_coverage(
    caller: Caller,
    patient_id: str,
    coverage_id: str,
    changes: Mapping[str, Any],
    *,
    expected_version: int,
    repo: CoverageRepository,
    payers: PayerLookup,
    now: datetime | None = None,
) -> Coverage:
    """Change fields of an active coverage (PATCH semantics); its order is kept."""
    unknown = sorted(set(changes) - EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(
            [FieldError(n, "is not a coverage field that can be changed") for n in unknown]
        )
    before, _, order = _load_one(caller, patient_id, coverage_id, repo)
    if before.version != expected_version:
        raise StaleVersionError(before.version)
    if before.status is not CoverageStatus.ACTIVE:
        raise ValidationError(FieldError("status", "an inactive coverage cannot be changed"))
    merged = before.model_dump(mode="json")
    merged.update({k: _plain(v) for k, v in changes.items()})
    data: CoverageData = parse(CoverageData, {k: merged[k] for k in EDITABLE_FIELDS})
    payer_name = before.payer_name
    if data.payer_id != before.payer_id:
        payer_name = _payer(caller, data.payer_id, payers).name
    check_coverage(data, before.order)
    after = before.model_copy(
        update={
            **{k: getattr(data, k) for k in EDITABLE_FIELDS},
            "payer_name": payer_name,
            "version": before.version + 1,
            "updated_at": now or utc_now(),
        }
    )
    repo.save(
        caller.practice_id,
        after,
        previous_version=before.version,
        order_before=order,
        order_after=order,
        ordered=[],
        audit=_record(caller, Action.UPDATE, patient_id, coverage_id),
    )
    return after


def _plain(value: Any) -> Any:
    dump = getattr(value, "model_dump", None)
    return dump(mode="json") if dump is not None else value


def deactivate_coverage(
    caller: Caller,
    patient_id: str,
    coverage_id: str,
    *,
    repo: CoverageRepository,
    now: datetime | None = None,
) -> Coverage:
    """Mark a coverage inactive and take it out of the order (later ones move up)."""
    before, _, order = _load_one(caller, patient_id, coverage_id, repo)
    if before.status is CoverageStatus.INACTIVE:
        return before
    after = before.model_copy(
        update={
            "status": CoverageStatus.INACTIVE,
            "order": None,
            "version": before.version + 1,
            "updated_at": now or utc_now(),
        }
    )
    remaining = order.without(coverage_id)
    changed = remaining.ids != order.ids
    repo.save(
        caller.practice_id,
        after,
        previous_version=before.version,
        order_before=order,
        order_after=CoverageOrder(ids=remaining.ids, version=order.version + 1)
        if changed
        else order,
        ordered=[],  # moving up never breaks a rule
        audit=_record(caller, Action.DELETE, patient_id, coverage_id),
    )
    return after


def reorder_coverages(
    caller: Caller,
    patient_id: str,
    coverage_ids: list[str],
    *,
    expected_version: int,
    repo: CoverageRepository,
) -> CoverageList:
    """Set primary/secondary/tertiary at once; coverages not listed become unordered."""
    coverages, order = _load_all(caller, patient_id, repo)
    if order.version != expected_version:
        raise OrderChangedError(order.version)
    problems = order_problems(coverage_ids, coverages)
    if problems:
        raise ValidationError(problems)
    after = CoverageOrder(ids=tuple(coverage_ids), version=order.version + 1)
    repo.reorder(
        caller.practice_id,
        patient_id,
        order_before=order,
        order_after=after,
        ordered=[coverages[i] for i in coverage_ids],
        audit=AuditRecord.of(
            caller, Action.UPDATE, "coverage_order", patient_id, patient_id=patient_id
        ),
    )
    result = [c.model_copy(update={"order": after.position(c.id)}) for c in coverages.values()]
    return CoverageList(_sorted(result), after.version)


def request_card_upload(
    caller: Caller,
    patient_id: str,
    coverage_id: str,
    side: CardSide,
    content_type: CardContentType,
    *,
    repo: CoverageRepository,
    cards: CardImageStore,
    now: datetime | None = None,
) -> CardUrl:
    """A presigned PUT URL for one side of the card; the request is recorded and audited."""
    coverage, _, _ = _load_one(caller, patient_id, coverage_id, repo)
    image = CardImage(side=side, content_type=content_type, requested_at=now or utc_now())
    audit = AuditRecord.of(
        caller, Action.CREATE, "coverage_card", f"{coverage_id}:{side.value}", patient_id=patient_id
    )
    repo.record_card(caller.practice_id, coverage, image, audit)
    key = card_key(caller.practice_id, patient_id, coverage_id, side)
    url = cards.upload_url(key, content_type.value, URL_TTL_SECONDS)
    return CardUrl(side, content_type, url, URL_TTL_SECONDS)


def card_image_urls(
    caller: Caller,
    patient_id: str,
    coverage_id: str,
    *,
    repo: CoverageRepository,
    cards: CardImageStore,
    audit: AuditLog,
) -> list[CardUrl]:
    """Presigned GET URLs of the coverage's card images; one audit record per image."""
    coverage, _, _ = _load_one(caller, patient_id, coverage_id, repo)
    urls = [
        CardUrl(
            side,
            image.content_type,
            cards.download_url(
                card_key(caller.practice_id, patient_id, coverage_id, side), URL_TTL_SECONDS
            ),
            URL_TTL_SECONDS,
        )
        for side, image in sorted(coverage.cards.items())
    ]
    if urls:
        audit.append(
            [
                AuditRecord.of(
                    caller,
                    Action.READ,
                    "coverage_card",
                    f"{coverage_id}:{u.side.value}",
                    patient_id=patient_id,
                )
                for u in urls
            ]
        )
    return urls
