"""The clearinghouse port: send an X12 request for a payer, get the payer's X12 answer.

Adapters (the local sandbox; a real-time CAQH CORE adapter later) implement
:class:`EligibilityClearinghouse` and raise only the typed errors below. Error messages
name the payer id and the failure, never the content of the X12 (it carries PHI).
"""

from __future__ import annotations

from typing import Protocol

from clinicflow.platform.errors import ClinicFlowError


class ClearinghouseError(ClinicFlowError):
    """The clearinghouse or payer could not answer the request."""

    status_code = 502
    code = "clearinghouse_error"


class ClearinghouseTimeoutError(ClearinghouseError):
    """No answer within the time allowed (the payer may still process the request)."""

    status_code = 504
    code = "clearinghouse_timeout"


class ClearinghouseUnavailableError(ClearinghouseError):
    """The clearinghouse or payer is down or refused the connection; retry later."""

    status_code = 503
    code = "clearinghouse_unavailable"


class EligibilityClearinghouse(Protocol):
    """One clearinghouse (or direct payer connection) that answers 270s with 271s."""

    def exchange_270(self, payer_id: str, request: str | bytes) -> str:
        """Send one 270 interchange for `payer_id` and return the 271 interchange text.

        Raises ClearinghouseTimeoutError or ClearinghouseUnavailableError (or another
        ClearinghouseError) when no 271 comes back.
        """
        ...


class ClearinghouseDirectory(Protocol):
    """Chooses the adapter configured for a clearinghouse id (e.g. ``sandbox``)."""

    def get(self, clearinghouse_id: str) -> EligibilityClearinghouse | None:
        """The adapter, or None when no adapter is configured for that id."""
        ...
