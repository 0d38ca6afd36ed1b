"""Encryption of a referred client's details at rest (Fernet, from the ``cryptography`` package).

The key comes from ``OUTREACH_REFERRAL_KEY`` (one or more Fernet keys,
comma-separated: the first encrypts, all decrypt, so a key can be rotated) or
from ``referral.key`` in the instance folder, created on first use with mode
0600. It is never in the repository. Every client field is its own token, so
nothing in the database file reads as clear text.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from ..errors import ReferralError

__all__ = ["KEY_ENV", "KEY_FILE", "ClientCipher", "load_cipher"]

KEY_ENV = "OUTREACH_REFERRAL_KEY"
KEY_FILE = "referral.key"


@dataclass(frozen=True)
class ClientCipher:
    """Encrypts and decrypts one client field at a time."""

    fernet: MultiFernet

    @classmethod
    def from_keys(cls, keys: list[bytes]) -> ClientCipher:
        try:
            return cls(MultiFernet([Fernet(k.strip()) for k in keys if k.strip()]))
        except (ValueError, TypeError):
            msg = f"the referral key is not a Fernet key ({KEY_ENV} or {KEY_FILE}); expected 32 url-safe base64 bytes"
            raise ReferralError(msg) from None

    def seal(self, text: str | None) -> str | None:
        """A token for the text (``None`` and empty stay ``None``)."""
        if not text:
            return None
        return self.fernet.encrypt(text.encode("utf-8")).decode("ascii")

    def open(self, token: str | None) -> str | None:
        """The text of a token (``None`` stays ``None``).

        Raises
        ------
        ReferralError
            If the token was made with another key (the message names no content).
        """
        if token is None:
            return None
        try:
            return self.fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except (InvalidToken, ValueError):
            msg = "a referral's details cannot be decrypted with the configured key"
            raise ReferralError(msg) from None


def load_cipher(instance_dir: Path, configured: str | None = None) -> ClientCipher:
    """The cipher of the configured key(s) (``OUTREACH_REFERRAL_KEY``), else of (a new) key in the instance folder."""
    if configured:
        return ClientCipher.from_keys([k.encode("ascii") for k in configured.split(",")])
    path = instance_dir / KEY_FILE
    if not path.exists():
        instance_dir.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        except FileExistsError:  # another process made it first
            pass
        else:
            with os.fdopen(fd, "wb") as handle:
                handle.write(Fernet.generate_key())
    return ClientCipher.from_keys(path.read_bytes().splitlines())
