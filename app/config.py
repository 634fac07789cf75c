"""Settings from VIGIL_* environment variables."""

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET = "vigil-development-secret-do-not-use-in-production"  # noqa: S105
ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="VIGIL_", extra="ignore")

    env: Literal["development", "test", "production"] = "development"
    database_url: str = f"sqlite+aiosqlite:///{ROOT / 'var' / 'vigil.db'}"
    secret_key: SecretStr = SecretStr(DEV_SECRET)
    log_level: str = "INFO"
    frontend_dist: Path = ROOT / "frontend" / "dist"

    # Login sessions: HIPAA automatic logoff after inactivity, plus a hard cap per shift.
    idle_timeout_minutes: float = 15
    session_max_hours: float = 12
    # How long a process trusts a login it has just checked (0: check every request). Bounds
    # how late the other workers see a logout or a deactivation; the worker that made the
    # change forgets the login at once.
    login_cache_seconds: float = 2
    # Off only for plain-HTTP development: in production a cookie never travels unencrypted.
    cookie_secure: bool = False
    # /docs, /redoc and /openapi.json; off by default in production (a map for an attacker).
    api_docs: bool = True
    # Addresses (or CIDR ranges) of the reverse proxies whose X-Forwarded-For/-Proto are
    # believed; none = the peer's own address is the client's.
    trusted_proxies: list[str] = []
    max_body_bytes: int = 1 << 20
    # Origins allowed to use the cookie (CSRF and websocket checks); empty = same host only.
    allowed_origins: list[str] = []
    login_max_failures: int = 5
    login_window_minutes: float = 15
    # Failed sign-ins from one client address in the window, whatever the usernames.
    login_max_failures_per_address: int = 30
    # Admins must sign in with a one-time code (TOTP) once they have enrolled; with this on,
    # an admin without one is told to enrol and may do nothing else.
    mfa_required_for_admins: bool = False
    # The infusion cannot start until the session's screening form is recorded (a hard stop on
    # it still needs a physician's override with a reason). Off for a clinic that screens on paper.
    screening_required: bool = True
    # The keys that seal TOTP secrets in the database (app/auth/sealing.py), outside it.
    mfa_key_file: Path = ROOT / "var" / "mfa-keys.json"

    # The audit chain's HMAC keys, outside the database (created on first use, mode 0600),
    # and the append-only file its head is anchored in (keep both off the database's disk).
    audit_key_file: Path = ROOT / "var" / "audit-keys.json"
    # Unset: next to a SQLite database file, else var/audit-anchors.jsonl.
    audit_anchor_file: Path | None = None
    # Reads of a patient's record are audited once per user, session and this many minutes.
    access_audit_minutes: float = 15

    # Alert timers (DESIGN §3).
    escalation_seconds: float = 60
    # Whose acknowledgement of a high alert stops its escalation to the physician. "physician"
    # (the default): a nurse's acknowledgement silences the room but the physician is still
    # told; "anyone": any clinician's acknowledgement stops it.
    escalation_stopped_by: Literal["physician", "anyone"] = "physician"
    timer_interval_seconds: float = 5
    # First retry of an escalation webhook that failed; each later one waits twice as long
    # (app/alerts/notify.py).
    escalation_retry_seconds: float = 5
    # A monitor bound to the chair of a session in infusion that has sent nothing this long
    # raises the technical alert "monitor not reporting" (docs/devices.md).
    monitor_silent_seconds: float = 120
    # After a high or medium alert the next reading is due this soon (DESIGN §3).
    recheck_after_high_seconds: float = 120
    recheck_after_medium_seconds: float = 300
    # After a session ends its record takes late entries (a reading with the reason it is late),
    # addenda and corrections for this long; then it is closed.
    late_entry_hours: float = 24

    # Live stream (DESIGN §4).
    heartbeat_seconds: float = 15
    live_queue_size: int = 1000
    live_auth_timeout_seconds: float = 5

    # Bedside monitors, HL7 v2 PCD-01 over MLLP (docs/devices.md). The listener starts with
    # `vigil serve` when a port is set, or alone as `vigil mllp`; it accepts connections only
    # from these addresses or networks and refuses to start without them.
    mllp_port: int | None = None
    mllp_host: str = "0.0.0.0"  # noqa: S104  (monitors are on the clinic's network)
    mllp_allowed_sources: list[str] = []
    # The clock of monitors that send times without an offset (IANA name).
    mllp_timezone: str = "UTC"

    @model_validator(mode="after")
    def _refuse_default_secret(self) -> "Settings":
        if self.env == "production" and self.secret_key.get_secret_value() == DEV_SECRET:
            raise ValueError("VIGIL_SECRET_KEY must be set to a private value in production")
        if self.env == "production" and len(self.secret_key.get_secret_value()) < 32:
            raise ValueError("VIGIL_SECRET_KEY must be at least 32 characters in production")
        if self.env == "production":
            # Production defaults that an explicit setting may still change.
            if "cookie_secure" not in self.model_fields_set:
                self.cookie_secure = True
            if "api_docs" not in self.model_fields_set:
                self.api_docs = False
        return self

    @property
    def anchor_path(self) -> Path:
        if self.audit_anchor_file is not None:
            return self.audit_anchor_file
        if not self.is_postgres and "///" in self.database_url:
            return Path(self.database_url.split("///", 1)[1] + ".audit-anchors.jsonl")
        return ROOT / "var" / "audit-anchors.jsonl"

    @property
    def is_postgres(self) -> bool:
        return self.database_url.startswith("postgresql")


@lru_cache
def get_settings() -> Settings:
    return Settings()
