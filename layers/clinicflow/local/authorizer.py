"""What API Gateway's Cognito user-pool authorizer does: verify the ID token, pass its claims."""

from __future__ import annotations

import json
import time
import urllib.request
from dataclasses import dataclass, field
from typing import Any

import jwt


class TokenRejectedError(Exception):
    """The Authorization header holds no valid ID token of the pool."""


@dataclass
class CognitoAuthorizer:
    """Verifies RS256 ID tokens against the pool's JWKS, issuer, audience and expiry."""

    jwks_url: str
    issuer: str
    audiences: tuple[str, ...]
    _keys: dict[str, Any] = field(default_factory=dict, init=False, repr=False)

    def _key(self, kid: str) -> Any:
        if kid not in self._keys:
            with urllib.request.urlopen(self.jwks_url, timeout=5) as response:  # noqa: S310 (loopback)
                jwks = json.load(response)
            self._keys = {k["kid"]: jwt.PyJWK(k).key for k in jwks.get("keys", [])}
        if kid not in self._keys:
            raise TokenRejectedError("unknown signing key")
        return self._keys[kid]

    def claims(self, authorization: str | None) -> dict[str, str]:
        """The token's claims as API Gateway passes them to the function (all strings)."""
        token = (authorization or "").strip()
        if token.lower().startswith("bearer "):
            token = token[7:].strip()
        if not token:
            raise TokenRejectedError("missing token")
        try:
            header = jwt.get_unverified_header(token)
            claims: dict[str, Any] = jwt.decode(
                token,
                key=self._key(str(header.get("kid", ""))),
                algorithms=["RS256"],
                audience=list(self.audiences),
                issuer=self.issuer,
                options={"require": ["exp", "iat", "iss", "aud", "token_use"]},
            )
        except jwt.PyJWTError as exc:
            raise TokenRejectedError(type(exc).__name__) from exc
        if claims.get("token_use") != "id":
            raise TokenRejectedError("not an ID token")
        if float(claims["exp"]) < time.time():
            raise TokenRejectedError("expired")
        return {key: _as_string(value) for key, value in claims.items()}


def _as_string(value: Any) -> str:
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return str(value)
