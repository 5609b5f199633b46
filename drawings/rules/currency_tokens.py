"""The token printed in a revision's QR code: whoever holds the sheet may ask whether it is still
current, without an account; nobody else can ask about a revision they have never seen.

``HMAC-SHA256(secret key, "oneset.drawings.currency:<revision id>")``, its first 16 bytes in
unpadded base64url (22 characters, keeps the QR small). It never expires: a sheet printed years
ago still answers. Rotating the secret key invalidates every printed code.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

_PURPOSE = "oneset.drawings.currency"
_BYTES = 16
TOKEN_LENGTH = 22


def currency_token(revision_id: int, secret: str) -> str:
    message = f"{_PURPOSE}:{revision_id}".encode()
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()[:_BYTES]
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def token_matches(revision_id: int, token: str, secret: str) -> bool:
    """Constant-time check of a presented token (any other length or alphabet: False)."""
    if len(token) != TOKEN_LENGTH or not token.isascii():
        return False
    return hmac.compare_digest(currency_token(revision_id, secret), token)
