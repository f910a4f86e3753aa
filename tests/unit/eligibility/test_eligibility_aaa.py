"""AAA reject reasons and follow-up actions become actionable messages."""

from __future__ import annotations

import pytest

from clinicflow.eligibility.model import (
    EligibilityStatus,
    Resubmission,
    payer_unavailable,
    problem_from_aaa,
    raw_key,
)


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("72", "member ID on the insurance card"),
        ("64", "member ID on the insurance card"),
        ("75", "spelling of the name and the date of birth"),
        ("73", "spelling of the name and the date of birth"),
        ("65", "spelling of the name and the date of birth"),
        ("67", "spelling of the name and the date of birth"),
        ("58", "date of birth"),
        ("71", "date of birth"),
        ("42", "retry later"),
        ("80", "retry later"),
        ("43", "NPI"),
        ("57", "date of service"),
        ("78", "group number"),
    ],
)
def test_reason_becomes_an_action(code: str, words: str) -> None:
    assert words in problem_from_aaa("subscriber", code, None, None).action


@pytest.mark.parametrize(
    ("follow_up", "resubmission", "can_retry", "words"),
    [
        ("C", Resubmission.AFTER_CORRECTION, True, "Then check again"),
        ("N", Resubmission.NOT_ALLOWED, False, "Do not resubmit"),
        ("R", Resubmission.ALLOWED, True, "You may check again"),
        ("P", Resubmission.ALLOWED, True, "You may check again"),
        ("Y", Resubmission.WAIT, False, "the payer will follow up"),
        ("S", Resubmission.WAIT, False, "third party"),
        ("W", Resubmission.WAIT, False, "30 days"),
        ("X", Resubmission.WAIT, False, "10 days"),
    ],
)
def test_follow_up_action_is_honoured(
    follow_up: str, resubmission: Resubmission, can_retry: bool, words: str
) -> None:
    p = problem_from_aaa("subscriber", "72", "Invalid/Missing Subscriber/Insured ID", follow_up)
    assert p.resubmission is resubmission
    assert p.can_retry is can_retry
    assert words in p.action
    assert p.action.startswith("Check the member ID")


def test_unknown_reason_uses_the_payer_description() -> None:
    p = problem_from_aaa("benefit", "AG", "Invalid/Missing Procedure Code(s)", None)
    assert p.action == "The payer rejected the inquiry (Invalid/Missing Procedure Code(s))."
    assert p.resubmission is None and p.can_retry


def test_no_answer_result() -> None:
    r = payer_unavailable("the payer did not answer in time", timed_out=True)
    assert r.status is EligibilityStatus.PAYER_UNAVAILABLE
    assert r.problems[0].reason_code == "80" and r.problems[0].can_retry


def test_raw_keys_carry_ids_only() -> None:
    assert raw_key("prac-a", "ab" * 16, "270") == f"prac-a/eligibility/{'ab' * 16}/270.x12"
    with pytest.raises(ValueError, match="kind"):
        raw_key("prac-a", "ab" * 16, "835")
