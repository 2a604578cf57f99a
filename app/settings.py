"""Runtime configuration, read from LENSWALK_* environment variables."""

import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PACKAGE = Path(__file__).resolve().parent
# A checkout (or an editable install) keeps the migrations and content files beside app/ and its data in
# ./data there; an installed wheel carries them inside the package (pyproject's force-include) and keeps
# its data in the folder it is started from.
_CHECKOUT = (PACKAGE.parent / "migrations").is_dir()
CONTENT = PACKAGE.parent if _CHECKOUT else PACKAGE / "_content"
DATA = PACKAGE.parent / "data" if _CHECKOUT else Path.cwd() / "data"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LENSWALK_", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = f"sqlite:///{DATA / 'lenswalk.db'}"
    broker_url: str = "memory://"
    # Redis pub/sub channels are shared by every database number on a server: deployments (or test
    # runs) sharing one Redis need a channel each, or their rooms' messages would mix.
    broker_channel: str = "lenswalk:room-messages"
    # `lenswalk serve` migrates and loads content first. Replicas set this false and leave that to a
    # single one-shot `lenswalk migrate && lenswalk load-content`, so they never race each other.
    prepare: bool = True
    secret_key: str = ""
    base_url: str | None = None
    host: str = "127.0.0.1"
    port: int = 8000
    admin_email: str | None = None
    admin_password: str | None = None
    vignettes_dir: Path = CONTENT / "vignettes"
    journey_maps_dir: Path = PACKAGE / "journeys" / "maps"
    data_dir: Path = DATA
    min_group_size: int = 5
    session_max_age_seconds: int = 12 * 60 * 60
    cookie_secure: bool = False
    retention_interval_seconds: float = 3600
    # A slow phone is disconnected once this many messages wait for it; it resyncs on reconnect.
    connection_queue_size: int = 256
    # Rate limits in the `limits` notation ("N per PERIOD", several joined by ";"): app/security/limits.py.
    # Only wrong codes count: a whole room joins correctly from one venue address.
    rate_wrong_join_codes_per_client: str = "60 per 5 minutes;300 per hour"
    rate_wrong_join_codes_overall: str = "600 per 10 minutes"
    rate_signin_per_account: str = "10 per 15 minutes"
    rate_signin_per_client: str = "30 per 15 minutes"
    rate_writes_per_participant: str = "30 per minute"
    # The reverse proxies whose X-Forwarded-For names the client (uvicorn's forwarded_allow_ips: a
    # comma-separated list of addresses or networks). Empty: the header is ignored from everyone, and
    # the rate limits key on the connection's own address.
    forwarded_allow_ips: str = ""
    # Whole events are deleted this many days after closing (each event can set its own date).
    retention_days: int = 365

    @model_validator(mode="after")
    def _secret_key(self) -> "Settings":
        if self.secret_key:
            if len(self.secret_key) < 32:
                raise ValueError("LENSWALK_SECRET_KEY must be at least 32 characters")
            return self
        if self.environment == "production":
            raise ValueError("LENSWALK_SECRET_KEY must be set in production")
        self.secret_key = _local_secret(self.data_dir)
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def _local_secret(data_dir: Path) -> str:
    """Keep one random key per laptop so facilitator sign-ins survive a restart of `make run`."""
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


@lru_cache
def get_settings() -> Settings:
    return Settings()
