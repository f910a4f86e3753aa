"""Adapters by clearinghouse id, as the payer directory's eligibility route names them."""

from __future__ import annotations

import os
from collections.abc import Mapping

from clinicflow.clearinghouse.port import EligibilityClearinghouse
from clinicflow.clearinghouse.sandbox import SANDBOX_ID, SandboxClearinghouse


class AdapterDirectory:
    """ClearinghouseDirectory over a fixed mapping of clearinghouse id -> adapter."""

    def __init__(self, adapters: Mapping[str, EligibilityClearinghouse]) -> None:
        self._adapters = dict(adapters)

    def get(self, clearinghouse_id: str) -> EligibilityClearinghouse | None:
        """The adapter configured for the id, or None."""
        return self._adapters.get(clearinghouse_id)


def default_directory() -> AdapterDirectory:
    """The sandbox, plus a CAQH CORE clearinghouse as `core` when CORE_CLEARINGHOUSE_URL is set.

    Payers reached directly at a CORE endpoint (their route's endpoint URL) use
    `clinicflow.clearinghouse.endpoints.default_endpoints()`.
    """
    adapters: dict[str, EligibilityClearinghouse] = {SANDBOX_ID: SandboxClearinghouse()}
    core_url = os.environ.get("CORE_CLEARINGHOUSE_URL")
    if core_url:
        from clinicflow.clearinghouse.endpoints import default_endpoints

        adapter = default_endpoints().endpoint(core_url)
        if adapter is not None:
            adapters["core"] = adapter
    return AdapterDirectory(adapters)
