"""Keys derived from the service's secret, token hashing, and encryption of stored client secrets."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from functools import cached_property

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


def _derive(secret: str, purpose: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose.encode()).derive(secret.encode())


def new_token() -> str:
    """A random token for a cookie or a link: 256 bits, URL-safe."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> bytes:
    """What is stored in place of a token: a leaked table row signs nobody in."""
    return hashlib.sha256(token.encode()).digest()


class Keys:
    """Every key the service uses, each derived from the one configured secret for its own purpose."""

    def __init__(self, secret: str, previous: tuple[str, ...] = ()) -> None:
        if len(secret) < 32:
            raise ValueError("the secret key must be at least 32 characters")
        self._secrets = (secret, *previous)

    @cached_property
    def csrf(self) -> str:
        return _derive(self._secrets[0], "reciprocal csrf").hex()

    @cached_property
    def _fernet(self) -> MultiFernet:
        return MultiFernet(
            [Fernet(base64.urlsafe_b64encode(_derive(s, "reciprocal client secrets"))) for s in self._secrets]
        )

    def encrypt(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode()).decode()

    def decrypt(self, ciphertext: str) -> str:
        try:
            return self._fernet.decrypt(ciphertext.encode()).decode()
        except InvalidToken:
            raise ValueError("cannot decrypt: encrypted with a key this service no longer has") from None

    def fingerprint(self, value: str) -> bytes:
        """A keyed hash for throttling by email or network address without storing either."""
        return hmac.new(_derive(self._secrets[0], "reciprocal fingerprints"), value.encode(), "sha256").digest()
