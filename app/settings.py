"""Runtime configuration from TRADEGATE_* environment variables."""

from __future__ import annotations

import re
from datetime import timedelta
from functools import lru_cache
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_DASHBOARD_SECRET = "development-only-session-secret-change-me"  # noqa: S105


class WitnessEndpoint(BaseModel):
    """A C2SP tlog-witness this hub asks to cosign its checkpoints."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    url: str = Field(
        pattern=r"^https?://\S+$", description="Submission prefix; add-checkpoint is appended."
    )
    vkey: str = Field(description="The witness's cosignature/v1 verifier key (type 0x04).")

    @field_validator("vkey")
    @classmethod
    def _parses(cls, value: str) -> str:
        from app.domain.cosignature import CosignatureVerifier

        return CosignatureVerifier.from_vkey(value).vkey


class Settings(BaseSettings):
    """Everything an operator can set; defaults give the embedded single-process mode."""

    model_config = SettingsConfigDict(env_prefix="TRADEGATE_", env_file=None, extra="ignore")

    env: Literal["development", "test", "production"] = "development"
    data_dir: Path = Path("var")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default is a SQLite file in data_dir."
    )
    broker_url: str | None = Field(
        default=None, description="Redis URL for Celery; unset runs tasks in-process."
    )
    keys_file: Path | None = Field(
        default=None, description="Private JWKS with the hub's signing keys."
    )
    purposes_file: Path | None = Field(
        default=None, description="Purpose catalogue (JSON); default is app/data/purposes.json."
    )
    residency_dir: Path | None = Field(
        default=None,
        description="Residency rule files (<CC>.json); default is schemas/residency.",
    )
    session_secret: str = DEV_DASHBOARD_SECRET
    issuer: str = "http://localhost:8000"
    audience: str = "tradegate"
    token_ttl_seconds: int = Field(default=600, ge=30, le=900)
    max_body_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    max_json_depth: int = Field(default=64, ge=2, le=512)
    body_timeout_seconds: float = Field(
        default=30.0, gt=0, description="A request body must arrive whole within this time."
    )
    rate_limit_client: float = Field(
        default=100.0, ge=0, description="Requests a second per API client (0: unlimited)."
    )
    rate_limit_participant: float = Field(
        default=200.0, ge=0, description="Requests a second per participant, all its clients."
    )
    rate_limit_token_per_address: float = Field(
        default=10.0, ge=0, description="Token requests a second per remote address."
    )
    rate_limit_burst_seconds: float = Field(
        default=2.0, gt=0, description="A burst may spend this many seconds of budget at once."
    )
    rate_limit_hold_seconds: float = Field(
        default=1.0,
        ge=0,
        le=30,
        description="A caller asking again while refused waits this long for its 429 (0: no wait).",
    )
    rate_limit_hold_per_key: int = Field(
        default=64, ge=0, description="Refusals held at once per budget; beyond, answered at once."
    )
    rate_limit_redis_url: str | None = Field(
        default=None,
        description="Redis shared by the replicas for rate limits; default: a Redis broker.",
    )
    log_level: str = "INFO"
    log_json: bool = True
    celery_queue: str = "tradegate"
    celery_visibility_timeout: int = Field(default=300, ge=5)
    outbox_batch_size: int = Field(default=100, ge=1)
    outbox_redeliver_seconds: float = Field(
        default=600.0,
        gt=0,
        description="A message published this long ago whose handlers have not all run is "
        "presumed lost by the broker and published again (keep it above the visibility timeout).",
    )
    inline_tasks: bool = Field(
        default=False, description="Embedded mode: run tasks in the committing thread."
    )
    task_modules: list[str] = Field(
        default_factory=list, description="Extra modules that register task handlers."
    )
    embedded_scheduler: bool = Field(
        default=True, description="Run periodic jobs in a thread when no broker is set."
    )
    delivery_retry_base_seconds: float = Field(
        default=30.0, gt=0, description="Backoff ceiling after the first failed delivery."
    )
    delivery_retry_cap_seconds: float = Field(
        default=6 * 3600.0, gt=0, description="Largest backoff ceiling between two attempts."
    )
    delivery_max_attempts: int = Field(
        default=16, ge=1, description="Attempts before a delivery is dead-lettered."
    )
    deletion_receipt_grace_hours: float = Field(
        default=72.0,
        ge=0,
        description="How long past its due date a deletion receipt may be missing before the "
        "consumer is refused new consents.",
    )
    receipt_nonce_ttl_seconds: int = Field(
        default=600, ge=30, le=3600, description="Lifetime of a nonce issued for a receipt."
    )
    ledger_origin: str | None = Field(
        default=None, description="Checkpoint origin line and log key name; default from issuer."
    )
    ledger_batch_size: int = Field(default=10_000, ge=1, description="Leaves per sequencer run.")
    ledger_anchor_urls: list[str] = Field(
        default_factory=lambda: ["none://"],
        description="Anchor sinks, e.g. rfc3161+https://tsa.example/ or evm+http://node/?...",
    )
    ledger_anchor_interval_seconds: float = Field(default=60.0, gt=0)
    ledger_anchor_max_leaves: int = Field(default=10_000, ge=1)
    ledger_anchor_max_lag_seconds: float = Field(
        default=900.0, gt=0, description="Past this without an anchor, writes are refused."
    )
    ledger_anchor_retry_max_seconds: float = Field(default=300.0, gt=0)
    ledger_tsa_roots: Path | None = Field(
        default=None, description="PEM file of TSA root certificates trusted for receipts."
    )
    ledger_evm_private_key: str | None = Field(
        default=None, description="Hex key that signs EVM anchor transactions."
    )
    ledger_witnesses: list[WitnessEndpoint] = Field(
        default_factory=list,
        description="Witnesses that cosign this hub's checkpoints, as JSON: "
        '[{"url": "https://hub-b.example", "vkey": "hub-b.example/witness+..."}].',
    )
    ledger_witness_retry_base_seconds: float = Field(default=5.0, gt=0)
    ledger_witness_timeout_seconds: float = Field(default=10.0, gt=0)
    ledger_witness_retry_max_seconds: float = Field(default=300.0, gt=0)
    witness_name: str | None = Field(
        default=None,
        description="Cosigner name of this hub's witness key; default from issuer.",
    )
    witness_max_body_bytes: int = Field(
        default=64 * 1024, ge=1024, description="Largest add-checkpoint request accepted."
    )
    financing_grace_days: int = Field(
        default=30,
        ge=0,
        le=3650,
        description="An open registration expires this long after maturity.",
    )
    financing_probe_limit: int = Field(
        default=20,
        ge=0,
        description="Distinct unreadable documents a lender may check per day before 429.",
    )
    federation_financing_timeout_seconds: float = Field(
        default=2.0,
        gt=0,
        le=30,
        description="A peer hub that has not answered a cross-border duplicate check within "
        "this time is reported UNAVAILABLE; the local answer never waits longer.",
    )
    federation_financing_bucket_bytes: int = Field(
        default=2,
        ge=1,
        le=4,
        description="Length of the OPRF-output prefix a peer asks this hub's buckets by: "
        "each bucket holds about 1/256^n of the open registrations' outputs.",
    )
    federation_financing_peer_rate: float = Field(
        default=20.0,
        ge=0,
        description="Cross-border financing requests a second per peer hub (0: unlimited).",
    )
    connector_state_keys: list[SecretStr] = Field(
        default_factory=list,
        description="Fernet keys for connector state (tokens) at rest: the first encrypts, "
        "all decrypt, so a new key goes first while rotating. Derived from the session "
        "secret outside production when empty.",
    )

    hub_name: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$",
        description="The hub's name among its peers; default: the issuer's host[:port].",
    )
    jurisdiction: str | None = Field(
        default=None,
        pattern=r"^[A-Z]{2}$",
        description="ISO 3166-1 alpha-2 code of the jurisdiction whose rules the hub runs under.",
    )
    federation_allow_http_loopback: bool = Field(
        default=False,
        description="Accept peers at plain http://127.0.0.1 or [::1] (tests and one-machine "
        "walkthroughs); every other peer URL must be https.",
    )
    federation_rate_limit_peer: float = Field(
        default=20.0, ge=0, description="Requests a second one peer hub may make (0: unlimited)."
    )
    federation_max_body_bytes: int = Field(
        default=64 * 1024, ge=1024, description="Largest request or answer body between hubs."
    )
    federation_peers_cache_seconds: float = Field(
        default=5.0,
        ge=0,
        description="How long a process may reuse its list of active peers when no shared "
        "Redis tells it of a change made elsewhere (a change made in the process, or "
        "announced through Redis, is seen at once).",
    )
    federation_timeout_seconds: float = Field(
        default=10.0, gt=0, description="How long a call to a peer hub may take."
    )

    pint_platform_code: str | None = Field(
        default=None,
        pattern=r"^\S{1,4}$",
        description="DCSA platform code this hub receives eBLs as; unset disables PINT.",
    )
    pint_base_path: str = Field(
        default="/pint",
        pattern=r"^(/[A-Za-z0-9._~-]+)*$",
        description="Where the PINT endpoints are served (e.g. /pint/v3/envelopes).",
    )
    pint_max_envelope_bytes: int = Field(default=2 * 1024 * 1024, ge=1024)
    pint_max_documents: int = Field(
        default=20, ge=0, description="Supporting documents one envelope may declare."
    )
    pint_max_document_bytes: int = Field(
        default=5 * 1024 * 1024, ge=1, description="Largest supporting document accepted."
    )
    pint_transfer_ttl_seconds: float = Field(
        default=3600.0, gt=0, description="An envelope transfer left unfinished expires after this."
    )

    @model_validator(mode="after")
    def _refuse_default_secrets(self) -> Settings:
        if self.env == "production":
            if self.session_secret == DEV_DASHBOARD_SECRET:
                raise ValueError("TRADEGATE_SESSION_SECRET must be set in production")
            if self.keys_file is None:
                raise ValueError("TRADEGATE_KEYS_FILE must be set in production")
            if self.database_url is None:
                raise ValueError("TRADEGATE_DATABASE_URL must be set in production")
            if not self.connector_state_keys:
                raise ValueError("TRADEGATE_CONNECTOR_STATE_KEYS must be set in production")
        return self

    @property
    def effective_database_url(self) -> str:
        """The configured URL, or a SQLite file inside data_dir for the embedded mode."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'tradegate.db').resolve()}"

    @property
    def deletion_receipt_grace(self) -> timedelta:
        return timedelta(hours=self.deletion_receipt_grace_hours)

    @property
    def effective_keys_file(self) -> Path:
        return self.keys_file or self.data_dir / "keys.json"

    @property
    def effective_ledger_origin(self) -> str:
        """The log's name: configured, or the issuer's host and path followed by /log."""
        if self.ledger_origin:
            return self.ledger_origin
        return self.issuer.split("://", 1)[-1].rstrip("/") + "/log"

    @property
    def effective_witness_name(self) -> str:
        """The witness's cosigner name: configured, or the issuer's host and path + /witness."""
        if self.witness_name:
            return self.witness_name
        return self.issuer.split("://", 1)[-1].rstrip("/") + "/witness"

    @property
    def effective_hub_name(self) -> str:
        """The hub's name: configured, or the issuer's host (and port, when it names one)."""
        if self.hub_name:
            return self.hub_name
        host = re.sub(r"[^a-z0-9._:-]", "-", urlsplit(self.issuer).netloc.lower()).strip("-")
        return host or "tradegate"

    @property
    def effective_rate_limit_url(self) -> str | None:
        """Where replicas share rate-limit state: configured, else a Redis broker, else none."""
        if self.rate_limit_redis_url:
            return self.rate_limit_redis_url
        if self.broker_url and self.broker_url.startswith(("redis://", "rediss://")):
            return self.broker_url
        return None

    @property
    def financing_grace(self) -> timedelta:
        """How long after its maturity date an open financing registration still counts."""
        return timedelta(days=self.financing_grace_days)

    @property
    def embedded(self) -> bool:
        """True when tasks run in-process instead of on Celery workers."""
        return not self.broker_url


@lru_cache
def get_settings() -> Settings:
    return Settings()
