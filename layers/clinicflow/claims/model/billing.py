"""Fee schedules, contracted allowables, prior authorizations and referrals. Pure."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum

from clinicflow.codesets.procedures import is_modifier, is_procedure_code
from clinicflow.platform.errors import ConflictError, Problems

DEFAULT_SCHEDULE = "default"
_SCHEDULE_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
_NUMBER = re.compile(r"^[A-Za-z0-9-]{1,50}$")
MAX_FEES = 2000
EXHAUSTED = "the authorization has no visits left: request more"


def fee_key(procedure: str, modifier: str = "") -> str:
    """The fee of a code, or of a code with a pricing modifier (26, TC): `99213`, `71046-26`."""
    return f"{procedure}-{modifier}" if modifier else procedure


@dataclass(frozen=True)
class FeeSchedule:
    """The practice's charges by code (what it bills), or a payer's contracted allowables.

    `payer_id` empty: the practice's charge schedule; set: that payer's allowables (used to
    spot underpayments once remittances are posted).
    """

    practice_id: str
    schedule_id: str
    fees: dict[str, Decimal]
    payer_id: str = ""
    effective_from: date | None = None
    version: int = 1
    updated_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    updated_by: str = ""

    def price(self, procedure: str, modifiers: tuple[str, ...] = ()) -> Decimal | None:
        """The amount for a code: a modifier-specific fee first (26/TC), else the code's."""
        for m in modifiers:
            amount = self.fees.get(fee_key(procedure, m))
            if amount is not None:
                return amount
        return self.fees.get(procedure)


def check_fee_schedule(schedule: FeeSchedule) -> FeeSchedule:
    """The schedule, or ValidationError naming each bad entry."""
    problems = Problems()
    if not _SCHEDULE_ID.match(schedule.schedule_id):
        problems.add("schedule_id", "must be 1-40 lowercase letters, digits or '-'")
    if len(schedule.fees) > MAX_FEES:
        problems.add("fees", f"give at most {MAX_FEES} codes")
    fees: dict[str, Decimal] = {}
    for key, amount in schedule.fees.items():
        code, _, modifier = key.strip().upper().partition("-")
        if not is_procedure_code(code) or (modifier and not is_modifier(modifier)):
            problems.add(f"fees.{key[:12]}", "must be a CPT/HCPCS code, optionally -modifier")
            continue
        if not amount.is_finite() or amount < 0 or amount.as_tuple().exponent < -2:  # type: ignore[operator]
            problems.add(f"fees.{key[:12]}", "must be an amount >= 0 with at most 2 decimals")
            continue
        fees[fee_key(code, modifier)] = amount
    problems.raise_if_any()
    return replace(schedule, fees=fees)


class AuthorizationKind(StrEnum):
    """A payer's prior authorization (REF*G1) or a referral (REF*9F)."""

    PRIOR_AUTH = "prior_auth"
    REFERRAL = "referral"


def new_authorization_id() -> str:
    """A new authorization record id."""
    return "auth-" + secrets.token_hex(8)


@dataclass(frozen=True)
class Authorization:
    """A prior authorization or referral: the codes it covers, visits, and dates."""

    practice_id: str
    authorization_id: str
    patient_id: str
    payer_id: str
    kind: AuthorizationKind
    number: str
    start_date: date
    end_date: date
    visits_allowed: int
    procedures: tuple[str, ...] = ()  # empty: any procedure
    visits_used: int = 0
    provider_id: str = ""
    version: int = 1
    updated_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    updated_by: str = ""

    @property
    def visits_left(self) -> int:
        """Visits still available."""
        return max(0, self.visits_allowed - self.visits_used)

    def covers(self, procedure: str, day: date) -> bool:
        """True when the authorization applies to a code on a date (visits aside)."""
        in_window = self.start_date <= day <= self.end_date
        return in_window and (not self.procedures or procedure in self.procedures)

    def used_once(self, actor: str, now: datetime) -> Authorization:
        """One more visit used; ConflictError when none is left."""
        if self.visits_left <= 0:
            raise ConflictError(EXHAUSTED)
        return replace(
            self,
            visits_used=self.visits_used + 1,
            version=self.version + 1,
            updated_at=now,
            updated_by=actor,
        )

    def given_back(self, actor: str, now: datetime) -> Authorization:
        """One visit returned (its claim was voided)."""
        return replace(
            self,
            visits_used=max(0, self.visits_used - 1),
            version=self.version + 1,
            updated_at=now,
            updated_by=actor,
        )


def check_authorization(auth: Authorization) -> Authorization:
    """The authorization, or ValidationError naming each bad field."""
    problems = Problems()
    if not _NUMBER.match(auth.number):
        problems.add("number", "must be 1-50 letters, digits or '-'")
    if auth.end_date < auth.start_date:
        problems.add("end_date", "must not be before start_date")
    if not 1 <= auth.visits_allowed <= 999:
        problems.add("visits_allowed", "must be 1 to 999")
    if not 0 <= auth.visits_used <= auth.visits_allowed:
        problems.add("visits_used", "must be 0 to visits_allowed")
    procedures = tuple(dict.fromkeys(p.strip().upper() for p in auth.procedures))
    for i, code in enumerate(procedures):
        if not is_procedure_code(code):
            problems.add(f"procedures.{i}", "must be a CPT or HCPCS code")
    problems.raise_if_any()
    return replace(auth, procedures=procedures, number=auth.number.strip())
