"""The scrubber backtest in headless Chromium: a biller runs it over the days two claims were
sent (one accepted, one rejected by the payer) and reads which rejection no rule would have
caught, with the payer's reason, and that the accepted claim would not have been held."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from clinicflow.local.stack import LocalStack
from tests.e2e.conftest import Portal
from tests.integration.test_claims_submission import claim_status as sent_status
from tests.integration.test_claims_submission import (
    collect_acks,
    make_ready_claim,
    wait_for,
    wait_until_sent,
)

pytestmark = pytest.mark.e2e


def test_backtest_shows_what_the_rules_missed(
    portal: Portal, login: Any, stack: LocalStack
) -> None:
    accepted = make_ready_claim(login, submit=True)["claim_id"]
    rejected = make_ready_claim(login, member_id="SBX-REJECT", submit=True)["claim_id"]
    wait_until_sent(login, accepted, rejected)
    # Sends are stamped by the functions' clock; the stack's clock (schedules) may run ahead.
    sent_on = datetime.now(UTC).date()
    latest = max(sent_on, portal.now().date())
    collect_acks(stack)  # 999
    collect_acks(stack)  # 277CA
    wait_for(lambda: sent_status(login, rejected) == "rejected")
    wait_for(lambda: sent_status(login, accepted) == "accepted")

    page = portal.page
    portal.sign_in("sunrise-biller")
    page.get_by_role("link", name="Claims").click()
    page.get_by_role("link", name="Scrubber backtest").click()
    page.get_by_role("heading", name="Scrubber backtest", level=1).wait_for()
    page.get_by_label("Sent from").fill((sent_on - timedelta(days=1)).isoformat())
    page.get_by_label("Sent until").fill((latest + timedelta(days=1)).isoformat())
    page.get_by_label("Payer id").fill("MRDN1")
    page.get_by_role("button", name="Run the backtest").click()
    summary = page.get_by_text(re.compile(r"answered send\(s\) from"))
    summary.wait_for()

    missed = page.get_by_role("table", name=re.compile("^Missed"))
    row = missed.get_by_role("row").filter(has=page.get_by_role("link", name=rejected))
    assert "contract/member number" in row.inner_text()  # the payer's reason, in words
    assert re.search(r"\bF\d{15}\b", row.inner_text())  # the 837P file it went out in
    assert "SBX-REJECT" not in page.content()  # codes translated, never the values
    held = page.get_by_role("table", name=re.compile("^Would have held"))
    if held.count():
        assert held.get_by_role("link", name=accepted).count() == 0
    portal.shot("claims-backtest")
    portal.audit("claims-backtest")

    row.get_by_role("link", name=rejected).click()
    page.get_by_role("heading", name=f"Claim {rejected}", level=1).wait_for()
