"""Tokens for BPJS: HS256 JWTs (PyJWT) that expire, and constant-time credential checks.

Khanza signs its tokens with a key hard-coded in its source, so anyone who read
that file could mint tokens for every Khanza hospital. Here the key is the
hospital's own ``SIMRS_BRIDGE_WSRS_TOKEN_KEY`` and every token carries ``exp``;
the username and password are compared with ``hmac.compare_digest`` so their
content cannot be guessed from response times. Nothing here logs a token.
"""

from __future__ import annotations

import hmac
from datetime import datetime, timedelta

import jwt

from core.errors import BridgeError

__all__ = ["ALGORITHM", "TokenError", "Tokens", "same"]

ALGORITHM = "HS256"
MIN_KEY = 32


class TokenError(BridgeError):
    """A token that is missing, forged, for another user, or expired: ``message`` says which."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def same(given: str, expected: str) -> bool:
    """Constant-time equality of two secrets (an empty expected value never matches)."""
    return bool(expected) and hmac.compare_digest(given.encode("utf-8"),
                                                  expected.encode("utf-8"))


class Tokens:
    def __init__(self, key: str, username: str, ttl: int) -> None:
        if len(key) < MIN_KEY:
            raise ValueError(f"the token key must have at least {MIN_KEY} characters")
        self._key = key
        self._username = username
        self._ttl = timedelta(seconds=ttl)

    def issue(self, now: datetime) -> str:
        claims = {"sub": self._username, "iat": now, "exp": now + self._ttl,
                  "iss": "simrs-bridge-wsrs"}
        return jwt.encode(claims, self._key, algorithm=ALGORITHM)

    def check(self, token: str, username: str, now: datetime) -> None:
        """Raise ``TokenError`` unless ``token`` is ours, for ``username``, and unexpired."""
        if not same(username, self._username):
            raise TokenError("Username salah")
        try:
            claims = jwt.decode(
                token, self._key, algorithms=[ALGORITHM], issuer="simrs-bridge-wsrs",
                options={"require": ["exp", "iat", "sub"], "verify_exp": False},
            )
        except jwt.PyJWTError:
            raise TokenError("Token salah") from None
        if not isinstance(claims.get("exp"), int | float) or claims["exp"] <= now.timestamp():
            raise TokenError("Token Expired")
        if not same(str(claims["sub"]), self._username):
            raise TokenError("Token salah")
