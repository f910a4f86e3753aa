"""Entry points for events that are not HTTP requests: a waitlist hold's timer firing."""

from __future__ import annotations

import logging
import re
from typing import Any

logger = logging.getLogger("clinicflow.scheduling")
_PRACTICE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_OFFER = re.compile(r"^offer-[0-9a-f]{16}$")


def handle_hold_fire(event: dict[str, Any]) -> dict[str, str]:
    """End one offer's hold: the schedule's input is `{"practice_id", "offer_id"}` (ids only).

    A malformed input is dropped with a warning (retrying it could never succeed).
    """
    practice_id, offer_id = event.get("practice_id"), event.get("offer_id")
    if not (
        isinstance(practice_id, str)
        and _PRACTICE.match(practice_id)
        and isinstance(offer_id, str)
        and _OFFER.match(offer_id)
    ):
        logger.warning("hold timer input ignored: practice_id and offer_id are required")
        return {"outcome": "invalid"}
    from clinicflow.scheduling.service.holds import expire_offer

    outcome = expire_offer(practice_id, offer_id)
    logger.info("hold timer fired", extra={"outcome": outcome})
    return {"outcome": outcome}
