"""Listing the audit trail (admins): newest first, per practice or per patient/resource."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from clinicflow.audit.model import AuditRecord
from clinicflow.platform.cursor import decode_cursor, encode_cursor
from clinicflow.platform.errors import Problems
from clinicflow.platform.identity import Caller

Key = dict[str, dict[str, str]]
Reader = Callable[..., tuple[list[AuditRecord], Key | None]]
"""`audit.store.list_records`-shaped: (practice_id, *, subject_id, since, limit, cursor)."""

_SUBJECT = re.compile(r"^[A-Za-z0-9._:-]{1,100}$")
MAX_PAGE = 200


@dataclass(frozen=True)
class AuditQuery:
    """What an admin asked for; ids are opaque record ids, never PHI."""

    patient_id: str = ""
    resource_id: str = ""
    since: str = ""
    limit: int = 50
    cursor: str = ""


@dataclass(frozen=True)
class AuditPage:
    """One page of records, newest first, and the cursor of the next page."""

    records: list[AuditRecord]
    cursor: str | None


def parse_since(value: str, problems: Problems) -> datetime | None:
    """An ISO 8601 instant as UTC (no offset means UTC); a `since` problem otherwise."""
    if not value:
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        problems.add("since", "must be an ISO 8601 date or date-time")
        return None
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).astimezone(UTC)


def _default_reader() -> Reader:
    from clinicflow.audit.store import list_records

    return list_records


def list_audit(caller: Caller, query: AuditQuery, *, reader: Reader | None = None) -> AuditPage:
    """Records of the caller's practice, optionally of one patient or resource."""
    problems = Problems()
    for name in ("patient_id", "resource_id"):
        value = getattr(query, name)
        if value and not _SUBJECT.match(value):
            problems.add(name, "must be an id of 1-100 letters, digits, '.', '_', ':' or '-'")
    if query.patient_id and query.resource_id:
        problems.add("resource_id", "give patient_id or resource_id, not both")
    since = parse_since(query.since, problems)
    if not 1 <= query.limit <= MAX_PAGE:
        problems.add("limit", f"must be 1 to {MAX_PAGE}")
    problems.raise_if_any()
    from clinicflow.platform.dynamo import tenant_key  # pynamodb: loaded on first request

    subject = query.patient_id or query.resource_id
    # The cursor must belong to the partition queried: the practice's, or one subject's in it.
    partition = (
        ("GSI1PK", tenant_key(caller.practice_id, "AUDIT", subject))
        if subject
        else ("PK", tenant_key(caller.practice_id, "AUDIT"))
    )
    start = decode_cursor(query.cursor or None, partition=partition)
    read = reader or _default_reader()
    kwargs: dict[str, Any] = {"subject_id": subject, "since": since, "limit": query.limit}
    records, last = read(caller.practice_id, cursor=start, **kwargs)
    return AuditPage(records, encode_cursor(last))
