"""999 acknowledgment parser."""

from __future__ import annotations

from x12_support import fixture_bytes

from clinicflow.x12 import parse_file
from clinicflow.x12.ack.model import AcknowledgmentDocument


def test_partial_acceptance() -> None:
    (doc,) = parse_file(fixture_bytes("999_partial.x12")).interchanges[0].groups[0].transactions
    assert isinstance(doc, AcknowledgmentDocument)
    assert (doc.functional_id, doc.group_control_number, doc.version) == ("HS", "7", "005010X279A1")
    rejected, accepted = doc.responses
    assert (rejected.status, rejected.error_codes) == ("R", ["5"])
    (seg_err,) = rejected.segment_errors
    assert (seg_err.segment_id, seg_err.position, seg_err.loop_id) == ("NM1", 8, "2100C")
    assert seg_err.contexts[0].name == "SITUATIONAL TRIGGER"
    assert seg_err.contexts[0].segment_id == "DMG"
    (el_err,) = seg_err.elements
    assert (el_err.position, el_err.element_reference, el_err.error_code) == (9, "67", "1")
    assert accepted.status == "A" and accepted.segment_errors == []
    assert (doc.group_status, doc.sets_included, doc.sets_received, doc.sets_accepted) == (
        "P",
        2,
        2,
        1,
    )
