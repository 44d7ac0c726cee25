import pytest
from pydantic import ValidationError

from app.settings import Settings


def test_development_defaults_to_embedded_sqlite(tmp_path) -> None:  # type: ignore[no-untyped-def]
    s = Settings(data_dir=tmp_path)
    assert s.embedded
    assert s.effective_database_url.startswith("sqlite:///")


def test_production_refuses_default_secrets(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError, match="SESSION_SECRET"):
        Settings(env="production", keys_file=tmp_path / "k.json", database_url="postgresql://x")


def test_production_requires_explicit_keys_and_database(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError, match="KEYS_FILE"):
        Settings(env="production", session_secret="s" * 40, database_url="postgresql://x")


def test_environment_variables_use_the_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRADEGATE_MAX_BODY_BYTES", "2048")
    monkeypatch.setenv("TRADEGATE_BROKER_URL", "redis://r:6379/0")
    s = Settings()
    assert s.max_body_bytes == 2048 and not s.embedded


def test_production_requires_a_connector_state_key(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError, match="CONNECTOR_STATE_KEYS"):
        Settings(
            env="production",
            session_secret="s" * 40,
            keys_file=tmp_path / "k.json",
            database_url="postgresql://x",
        )
