"""Standard Webhooks signing (https://www.standardwebhooks.com): ``webhook-id``,
``webhook-timestamp`` and ``webhook-signature: v1,<base64 HMAC-SHA256 of id.timestamp.body>``."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import time


class SignatureError(Exception):
    pass


def secret_key(secret: str) -> bytes:
    if not secret.startswith("whsec_"):
        raise ValueError("a webhook secret starts with whsec_ followed by base64")
    try:
        return base64.b64decode(secret.removeprefix("whsec_"), validate=True)
    except ValueError:
        raise ValueError("the webhook secret after whsec_ is not valid base64") from None


class Signer:
    """Signs with one secret, over and over: the forwarder signs every event it sends and the
    dev receiver checks every one it gets, each on the path of a one-shop backlog's round trip.
    The secret is decoded and the key's HMAC state (its two padded blocks hashed) made once;
    each signature copies that state, where ``hmac.new`` started from the secret every time."""

    def __init__(self, secret: str) -> None:
        self._keyed = hmac.new(secret_key(secret), digestmod=hashlib.sha256)

    def sign(self, msg_id: str, timestamp: int, body: bytes) -> str:
        mac = self._keyed.copy()
        mac.update(f"{msg_id}.{timestamp}.".encode())
        mac.update(body)
        return "v1," + binascii.b2a_base64(mac.digest(), newline=False).decode()


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    return Signer(secret).sign(msg_id, timestamp, body)


def headers(secret: str, msg_id: str, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    ts = int(time.time()) if timestamp is None else timestamp
    return {"webhook-id": msg_id, "webhook-timestamp": str(ts), "webhook-signature": sign(secret, msg_id, ts, body)}


def verify(
    secret: str | Signer, msg_id: str, timestamp: str, signatures: str, body: bytes, *, tolerance: int = 300, now: float | None = None
) -> None:
    """Raise SignatureError unless one of the space-separated ``v1,`` signatures matches and the
    timestamp is within ``tolerance`` seconds (replay protection). ``secret``: the secret, or a
    ``Signer`` made from it once for many checks."""
    try:
        ts = int(timestamp)
    except ValueError:
        raise SignatureError("bad timestamp") from None
    current = time.time() if now is None else now
    if abs(current - ts) > tolerance:
        raise SignatureError("timestamp too old or too new")
    signer = secret if isinstance(secret, Signer) else Signer(secret)
    expected = signer.sign(msg_id, ts, body).split(",", 1)[1]
    for candidate in signatures.split():
        version, _, value = candidate.partition(",")
        if version == "v1" and hmac.compare_digest(value, expected):
            return
    raise SignatureError("no matching signature")
