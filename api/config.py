"""Settings, read once from the environment (see README: "Settings")."""

from __future__ import annotations

from functools import lru_cache
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=None, extra="ignore", case_sensitive=False)

    database_url: str | None = Field(
        default=None,
        description="postgresql+asyncpg://… of the server to use; unset starts an embedded PostgreSQL.",
    )
    database_replica_url: str | None = Field(
        default=None, description="Read replica for statistics and exports; unset uses the primary."
    )
    data_dir: Path = Path(".data")
    port: int = Field(default=8000, ge=1, le=65535)
    host: str = "127.0.0.1"
    workers: int = Field(default=1, ge=1, le=64)

    db_pool_size: int = Field(default=20, ge=1, le=500)
    db_max_overflow: int = Field(default=10, ge=0, le=500)
    db_statement_timeout_ms: int = Field(default=15_000, ge=100)
    db_connect_timeout_s: float = Field(default=3.0, gt=0)

    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    import_max_bytes: int = Field(
        default=32 * 1024 * 1024, ge=1024, description="Body limit of POST /v1/imports (a spreadsheet upload).")
    import_max_rows: int = Field(default=100_000, ge=1, le=1_000_000)
    emergency_access_hours: float = Field(
        default=4, gt=0, le=72, description="How long break-the-glass access to a client lasts.")
    retention_years_after_close: int = Field(
        default=5, ge=1, le=100, description="Years after a client's last episode closed before the record is erased.")
    page_size_default: int = Field(default=50, ge=1, le=500)
    page_size_max: int = Field(default=200, ge=1, le=1000)

    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)

    jwt_issuer: str = "https://setagaya-iko.example/auth"
    jwt_audience: str = "setagaya-iko-api"
    jwt_algorithm: str = Field(default="ES256", pattern="^(ES256|RS256)$")
    jwt_private_key: SecretStr | None = Field(
        default=None, description="PEM private key; unset generates a development key into DATA_DIR."
    )
    jwt_previous_public_keys: SecretStr | None = Field(
        default=None, description="PEM public keys still accepted during a key rotation, concatenated."
    )
    access_token_ttl_s: int = Field(default=900, ge=60, le=3600)
    refresh_token_ttl_s: int = Field(default=14 * 24 * 3600, ge=3600)

    login_max_failures: int = Field(
        default=5, ge=1, description="Failed logins to one account from one address per window.")
    login_max_failures_per_account: int = Field(
        default=20, ge=1, description="Failed logins to one account (or machine client) from anywhere per window.")
    login_max_failures_per_address: int = Field(
        default=100, ge=1, description="Failed logins from one address, every account, per window (an office's NAT).")
    password_grant_enabled: bool | None = Field(
        default=None,
        description="The OAuth password grant (RFC 9700 forbids it). Unset: on only with LOAD_DEMO_DATA.")
    mfa_required_roles: Annotated[list[str] | None, NoDecode] = Field(
        default=None,
        description="Roles that must pass TOTP at the login page, comma-separated ('' for none). "
        "Unset: every staff role, except with LOAD_DEMO_DATA (the demo world), where none.")
    authorization_code_ttl_s: int = Field(default=60, ge=10, le=600)
    login_page_ttl_s: int = Field(default=600, ge=60, le=3600,
                                  description="How long a login form or a second-factor step stays usable.")
    login_window_s: int = Field(default=900, ge=60)
    trusted_proxies: Annotated[list[IPv4Network | IPv6Network], NoDecode] = Field(
        default_factory=list,
        description="CIDRs of the reverse proxies whose X-Forwarded-For is believed; empty: nobody's.")
    rate_limit_per_minute: int = Field(default=600, ge=1)
    rate_limit_anonymous_per_minute: int = Field(default=120, ge=1)
    rate_limit_per_address_per_minute: int = Field(
        default=3000, ge=1, description="All requests from one address, signed in or not (an office behind one NAT).")
    rate_limit_sync_interval_s: float = Field(
        default=1.0, ge=0, description="How often a worker adds its counts to the shared counters; 0 = every request.")
    redis_url: str | None = Field(default=None, description="Keep rate counters in Redis instead of PostgreSQL.")

    daily_visit_capacity: int = Field(default=5, ge=1, le=20)
    # --- issue 18: ending support ---
    episode_ending_window_days: int = Field(
        default=30, ge=1, le=366, description="An episode whose planned end is this near is 'ending soon'.")
    episode_long_running_days: int = Field(
        default=730, ge=30, le=20 * 366, description="An episode running this long is 'long running' (2 years).")
    episode_alert_interval_s: float = Field(
        default=3600.0, gt=0, description="How often the background pass sends episode.ending_soon/long_running.")
    stats_suppression_threshold: int = Field(default=5, ge=1, le=10,
                                             description="Perturbed counts from 1 up to this are hidden")
    stats_noise_bound: int = Field(default=2, ge=0, le=5, description="Most any published count moves from the truth")
    stats_snapshot_seconds: int = Field(
        default=86400, ge=0, le=7 * 86400,
        description="A statistics release stands at least this long (0: may be replaced at every request)")

    webhook_max_attempts: int = Field(default=8, ge=1, le=50)
    webhook_dispatch_interval_s: float = Field(default=2.0, gt=0)
    webhook_timeout_s: float = Field(default=5.0, gt=0, le=60, description="Per delivery attempt.")
    webhook_backoff_base_s: float = Field(default=60.0, gt=0, description="Wait after the first failure; doubles.")
    webhook_backoff_cap_s: float = Field(default=6 * 3600.0, gt=0, description="Longest wait between attempts.")
    webhook_batch_size: int = Field(default=20, ge=1, le=500, description="Deliveries claimed per round.")
    webhook_secret_grace_s: int = Field(default=24 * 3600, ge=0, description="Old secret still signs after a rotation.")
    webhook_allowed_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Hosts a webhook may be delivered to although they are not public internet addresses "
                    "(comma-separated names or addresses; local development and tests only).")
    webhook_secret_keys: SecretStr | None = Field(
        default=None,
        description="Keys that encrypt webhook signing secrets at rest: `id:base64(32 bytes)`, comma-separated, "
                    "the first encrypts, all decrypt; unset generates a development key into DATA_DIR.")
    webhook_delivered_retention_s: int = Field(
        default=7 * 24 * 3600, ge=0, description="Delivered webhook rows (and their log) are purged after this.")
    idempotency_ttl_s: int = Field(default=24 * 3600, ge=60, description="How long an Idempotency-Key is remembered.")
    purge_interval_s: float = Field(default=600.0, gt=0, description="How often the background purge runs.")
    run_background_workers: bool = True

    metrics_enabled: bool = Field(default=False, description="Serve /metrics (Prometheus text format).")
    metrics_token: SecretStr | None = Field(
        default=None, description="When set, /metrics asks for `Authorization: Bearer <token>`.")
    audit_log_origin: str = Field(default="setagaya-iko.example/audit-log", max_length=200, pattern=r"^\S+$",
                                  description="The log's name in its signed checkpoints.")
    audit_sealer_in_service: bool = Field(
        default=True, description="Run the audit sealer as a background task of every worker (one seals at a time); "
                                  "off: run `python -m api sealer` as a process of its own")
    audit_seal_interval_s: float = Field(default=0.5, gt=0, le=60, description="Pause between sealing rounds.")
    audit_seal_batch: int = Field(default=50_000, ge=1, description="Most events sealed in one round.")
    audit_unsealed_max_age_s: float = Field(default=60.0, gt=0,
                                            description="verify-audit fails on events unsealed for longer.")

    load_demo_data: bool = Field(default=False, description="Seed demo data when the database is empty.")
    log_level: str = "INFO"

    @field_validator("cors_origins", "webhook_allowed_hosts", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [o.strip() for o in value.split(",") if o.strip()]
        return value

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _split_proxies(cls, value: object) -> object:
        if isinstance(value, str):
            return [ip_network(p.strip(), strict=False) for p in value.split(",") if p.strip()]
        return value

    @field_validator("mfa_required_roles", mode="before")
    @classmethod
    def _split_roles(cls, value: object) -> object:
        if isinstance(value, str):
            return [r.strip() for r in value.split(",") if r.strip()]
        return value

    @property
    def password_grant_on(self) -> bool:
        return self.load_demo_data if self.password_grant_enabled is None else self.password_grant_enabled

    def mfa_required_for(self, role: str) -> bool:
        from api.domain.access_rules import needs_second_factor  # the decision is the policy's

        return needs_second_factor(role, self.mfa_required_roles, self.load_demo_data)

    @model_validator(mode="after")
    def _no_wildcard_mixups(self) -> Settings:
        if "*" in self.cors_origins and len(self.cors_origins) > 1:
            raise ValueError("CORS_ORIGINS is either '*' alone or a list of origins")
        if self.mfa_required_roles:
            from api.domain.roles import ROLES  # the settings module stays importable without the domain

            unknown = sorted(set(self.mfa_required_roles) - set(ROLES))
            if unknown:
                raise ValueError(f"MFA_REQUIRED_ROLES names unknown roles: {unknown}")
        return self


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
