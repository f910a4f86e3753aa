"""The local stack (DynamoDB Local + moto server + API), started once per session.

The `stack`, `login` and `anonymous` fixtures live in tests/conftest.py, shared with the
browser tests (tests/e2e); the API client classes are re-exported here for existing imports.
"""

from __future__ import annotations

from tests.conftest import ApiClient, HttpResponse

__all__ = ["ApiClient", "HttpResponse"]
