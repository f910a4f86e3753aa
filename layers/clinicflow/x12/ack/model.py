"""Typed 999 acknowledgment."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from clinicflow.x12.model import X12Model


class ContextReference(X12Model):
    """CTX: business unit (e.g. CLM01) or segment context of an error."""

    name: str | None = None
    value: str | None = None
    segment_id: str | None = None
    segment_position: int | None = None


class ElementError(X12Model):
    """IK4: an element that broke an implementation rule."""

    position: int = Field(description="IK401-1 element position in the segment")
    component: int | None = Field(None, description="IK401-2")
    repetition: int | None = Field(None, description="IK401-3")
    element_reference: str | None = Field(None, description="IK402 data element number")
    error_code: str = Field(description="IK403, e.g. 7 invalid code value")
    bad_value: str | None = Field(None, description="IK404 copy of the bad element")
    contexts: list[ContextReference] = Field(default_factory=list)


class SegmentError(X12Model):
    """IK3: a segment that broke a rule (with its IK4 element errors)."""

    segment_id: str
    position: int = Field(description="IK302 position in the transaction set (ST = 1)")
    loop_id: str | None = None
    error_code: str | None = Field(None, description="IK304, e.g. 8 segment has data errors")
    contexts: list[ContextReference] = Field(default_factory=list)
    elements: list[ElementError] = Field(default_factory=list)


class TransactionSetResponse(X12Model):
    """AK2 ... IK5: the verdict on one acknowledged transaction set."""

    set_id: str
    control_number: str
    implementation: str | None = None
    status: str = Field(description="IK501: A accepted, E accepted with errors, R rejected")
    error_codes: list[str] = Field(default_factory=list, description="IK502-IK506")
    segment_errors: list[SegmentError] = Field(default_factory=list)


class AcknowledgmentDocument(X12Model):
    """A parsed 999 transaction set."""

    transaction: Literal["999"] = "999"
    control_number: str
    implementation: str
    functional_id: str = Field(description="AK101 of the acknowledged group")
    group_control_number: str = Field(description="AK102")
    version: str | None = Field(None, description="AK103")
    responses: list[TransactionSetResponse] = Field(default_factory=list)
    group_status: str = Field(description="AK901: A, E, P partially accepted, R")
    sets_included: int
    sets_received: int
    sets_accepted: int
    group_error_codes: list[str] = Field(default_factory=list, description="AK905-AK909")
