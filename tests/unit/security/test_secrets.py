from app.security.secrets import (
    hash_client_secret,
    hash_password,
    verify_client_secret,
    verify_password,
)


def test_client_secret_hash_verifies_only_the_secret() -> None:
    stored = hash_client_secret("s3cret-value")
    assert "s3cret-value" not in stored
    assert verify_client_secret("s3cret-value", stored)
    assert not verify_client_secret("s3cret-valuf", stored)
    assert not verify_client_secret("s3cret-value", "garbage")
    assert not verify_client_secret("s3cret-value", None)


def test_passwords_use_argon2() -> None:
    stored = hash_password("correct horse battery")
    assert stored.startswith("$argon2")
    assert verify_password("correct horse battery", stored)
    assert not verify_password("wrong", stored)
    assert not verify_password("x", "not-a-hash")
