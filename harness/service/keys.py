"""API keys and webhook secrets.

A key reads `odk_<id>.<secret>`: the id finds the stored key, the secret (256 random bits) is kept
only as its sha256, compared in constant time. A hash without a salt or stretching is enough for a
secret this long: nobody can guess it from the hash.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

PREFIX = "odk_"
_TOKEN = re.compile(r"^odk_([0-9a-f]{16})\.([A-Za-z0-9_-]{43})$")


@dataclass(frozen=True)
class NewKey:
    id: str
    #: The whole key, shown once to whoever made it.
    token: str
    secret_sha256: str


def new_key() -> NewKey:
    key_id, secret = secrets.token_hex(8), secrets.token_urlsafe(32)
    return NewKey(id=key_id, token=f"{PREFIX}{key_id}.{secret}", secret_sha256=digest(secret))


def parse(token: str) -> tuple[str, str] | None:
    """(key id, secret's sha256) of a well-formed key, else None."""
    found = _TOKEN.match(token)
    return (found.group(1), digest(found.group(2))) if found else None


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def same(stored_sha256: str, given_sha256: str) -> bool:
    return hmac.compare_digest(stored_sha256, given_sha256)


def new_webhook_secret() -> str:
    return secrets.token_urlsafe(32)


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The webhook signature header's value: HMAC-SHA256 over `<timestamp>.<body>`."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return f"sha256={mac.hexdigest()}"
