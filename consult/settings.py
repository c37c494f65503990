"""Settings, read once from the environment (and an optional `.env` file) into one typed object.

Nothing reads the environment at import time: `Settings.from_env()` is called by the CLI or by
the test fixtures, and the resulting object is passed down explicitly.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

ENV_PREFIX = "CONSULT_"


class SettingsError(ValueError):
    """A setting is present but cannot be understood."""


def read_env_file(path: Path) -> dict[str, str]:
    """Parse KEY=VALUE lines; blank lines and `#` comments are skipped, quotes are stripped."""
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        values[key.strip()] = value.strip().strip("'\"")
    return values


def _bool(name: str, value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off", ""}:
        return False
    raise SettingsError(f"{name} must be true or false, not {value!r}")


def _int(name: str, value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, not {value!r}") from None


@dataclass(frozen=True)
class Settings:
    data_dir: Path = Path("var")
    database_url: str = ""
    secret_key: str = ""
    base_url: str = "http://127.0.0.1:8000"
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_tls: bool = False
    mail_from: str = "Consult <consult@localhost>"
    # Run the outbox sender inside `consult serve` (the embedded default) rather than a worker.
    embedded_worker: bool = True
    # Off only for load and fault tests, which send many requests from one loopback address.
    rate_limits: bool = True
    # How long a mail sender holds the rows it claimed; a crashed sender's rows wait this long.
    mail_lease_seconds: int = 300
    # How long a public page made for one visitor who is not signed in may be shown to others
    # (consult/page_cache.py); 0 makes every page afresh.
    page_cache_seconds: int = 5
    languages: tuple[str, ...] = ("en", "fr")
    default_language: str = "en"
    login_link_minutes: int = 30
    extra: Mapping[str, str] = field(default_factory=dict, repr=False)

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, env_file: Path | None = Path(".env")
    ) -> Settings:
        values: dict[str, str] = read_env_file(env_file) if env_file else {}
        values.update(os.environ if environ is None else environ)

        def get(name: str, default: str = "") -> str:
            return values.get(ENV_PREFIX + name, default)

        data_dir = Path(get("DATA_DIR", "var"))
        settings = cls(
            data_dir=data_dir,
            database_url=get("DATABASE_URL"),
            secret_key=get("SECRET_KEY"),
            base_url=get("BASE_URL", cls.base_url).rstrip("/"),
            smtp_host=get("SMTP_HOST"),
            smtp_port=_int("CONSULT_SMTP_PORT", get("SMTP_PORT", "25")),
            smtp_username=get("SMTP_USERNAME"),
            smtp_password=get("SMTP_PASSWORD"),
            smtp_tls=_bool("CONSULT_SMTP_TLS", get("SMTP_TLS", "false")),
            mail_from=get("MAIL_FROM", cls.mail_from),
            embedded_worker=_bool("CONSULT_EMBEDDED_WORKER", get("EMBEDDED_WORKER", "true")),
            rate_limits=_bool("CONSULT_RATE_LIMITS", get("RATE_LIMITS", "true")),
            mail_lease_seconds=_int("CONSULT_MAIL_LEASE_SECONDS", get("MAIL_LEASE_SECONDS", "300")),
            page_cache_seconds=_int("CONSULT_PAGE_CACHE_SECONDS", get("PAGE_CACHE_SECONDS", "5")),
        )
        return settings.resolved()

    def resolved(self) -> Settings:
        """Fill in defaults that depend on the data directory."""
        database_url = self.database_url or f"sqlite:///{(self.data_dir / 'consult.db').resolve()}"
        return replace(self, database_url=database_url, secret_key=self.secret_key or "")

    def ensure_secret_key(self) -> Settings:
        """Without CONSULT_SECRET_KEY, keep a generated key in the data dir so sessions survive
        restarts of the embedded default."""
        if self.secret_key:
            return self
        self.data_dir.mkdir(parents=True, exist_ok=True)
        key_file = self.data_dir / "secret_key"
        if not key_file.exists():
            key_file.write_text(secrets.token_urlsafe(48), encoding="utf-8")
            key_file.chmod(0o600)
        return replace(self, secret_key=key_file.read_text(encoding="utf-8").strip())

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def https(self) -> bool:
        return self.base_url.startswith("https://")
