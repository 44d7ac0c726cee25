"""Client secrets and dashboard passwords: generation and hashing."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_password_hasher = PasswordHasher()


def new_client_secret() -> str:
    return secrets.token_urlsafe(32)


def hash_client_secret(secret: str) -> str:
    # Client secrets are 256 random bits, so a salted SHA-256 is as strong as any KDF
    # while keeping the token endpoint fast; human passwords use argon2 below.
    salt = secrets.token_hex(16)
    digest = hashlib.sha256(f"{salt}:{secret}".encode()).hexdigest()
    return f"sha256${salt}${digest}"


def verify_client_secret(secret: str, stored: str | None) -> bool:
    if not stored:
        return False
    try:
        scheme, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "sha256":
        return False
    candidate = hashlib.sha256(f"{salt}:{secret}".encode()).hexdigest()
    return hmac.compare_digest(candidate, digest)


def hash_password(password: str) -> str:
    return _password_hasher.hash(password)


def verify_password(password: str, stored: str) -> bool:
    try:
        return _password_hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False
