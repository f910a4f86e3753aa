"""Adapters by clearinghouse id, as the payer directory's eligibility route names them."""

from __future__ import annotations

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
    """The adapters this build ships: the sandbox only (a CAQH CORE adapter is still to come)."""
    return AdapterDirectory({SANDBOX_ID: SandboxClearinghouse()})
