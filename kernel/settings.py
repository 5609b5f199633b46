"""The one place that reads ``ONESET_*`` environment variables.

Every default selects the embedded backend, so ``oneset serve`` works with nothing installed.
The README's configuration table mirrors ``Settings``; keep the two in step.
"""

from __future__ import annotations

import os
import re
import secrets
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

DatabaseKind = Literal["sqlite", "postgres"]


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    secret_key: str
    broker_url: str
    minio_endpoint: str | None = None
    minio_access_key: str = "minioadmin"
    minio_secret_key: str = "minioadmin"  # noqa: S105 - MinIO's documented default, overridden in production
    minio_bucket: str = "oneset"
    minio_secure: bool = False
    minio_region: str = "us-east-1"
    minio_timeout_seconds: float = 5.0
    meili_url: str | None = None
    meili_key: str | None = None
    meili_timeout_seconds: float = 5.0
    index_prefix: str = "oneset_"
    public_url: str = "http://127.0.0.1:8000"
    ocds_prefix: str = "ocds-oneset"  # ocid = prefix + "-" + purchase id (OCDS open data)
    ocds_publisher: str = "OneSet 中介服务网上交易平台"
    max_upload_bytes: int = 2 * 1024**3
    max_json_bytes: int = 1024**2
    public_cache_seconds: int = 2  # board, directory, home figures from memory (0: off)
    token_ttl_minutes: int = 12 * 60
    login_max_failures: int = 5  # per (user name, address) in the window, before delays
    login_window_seconds: int = 15 * 60
    login_delay_seconds: float = 2.0  # the first delay; doubles with each further failure
    login_max_delay_seconds: float = 600.0
    login_address_max_failures: int = 50  # per address, across user names, in the window
    forwarded_hops: int = 0  # proxies in front whose X-Forwarded-For is trusted (0: none)
    task_time_limit_seconds: int = 600
    broker_visibility_timeout_seconds: int = 660  # a dead worker's task is delivered again
    file_analysis_timeout_seconds: int = 120
    pdf_active_content: str = "warn"  # warn | refuse: PDFs with JavaScript or embedded files
    outbox_interval_seconds: float = 5.0
    audit_secret: str = ""  # keys the audit chain; default: the secret key
    audit_checkpoint_seconds: float = 60.0
    # Added to each Celery worker's CPU niceness at its start (its pool and drawing children
    # inherit it): on a machine shared with web processes, interactive requests win the CPU.
    worker_niceness: int = 10
    heartbeat_interval_seconds: float = 10.0
    heartbeat_stale_seconds: float = 60.0  # /health: "worker" fails when older; 0 = no check
    sweep_interval_seconds: float = 60.0  # how often beat sweeps in-flight rows
    sweep_margin_seconds: float = 60.0  # past the task limit before a run counts as lost
    sweep_max_attempts: int = 3  # processing runs started before the sweep gives up
    max_working_days: int = 3650  # the largest working-day count an input may carry
    tmp_max_idle_seconds: float = 3600.0  # an untouched temp file older than this is a leftover
    blob_gc_grace_seconds: float = 86400.0  # an unreferenced blob is kept this long after a put
    blob_gc_interval_seconds: float = 86400.0  # how often beat collects unreferenced blobs
    policy_file: Path | None = None
    survey_rules_file: Path | None = None
    survey_convention_file: Path | None = None
    log_level: str = "INFO"
    # Red flags before the award (market.rules.red_flags.Thresholds): what flags a purchase.
    red_flag_near_quote_ratio: float = 0.0001
    red_flag_ceiling_min_quotes: int = 1
    red_flag_cover_min_tenders: int = 3
    red_flag_cover_max_win_ratio: float = 0.0
    red_flag_rotation_max_group: int = 5
    red_flag_rotation_min_tenders: int = 3
    red_flag_concentration_min_wins: int = 3
    red_flag_concentration_alpha: float = 0.001
    # The signing CA (kernel/pki.py, docs/signatures.md): a city's own issuing CA, else the one
    # created in the data dir; private keys at rest are encrypted with the passphrase.
    pki_passphrase: str = ""  # default: derived from the secret key
    pki_root_cert: Path | None = None
    pki_issuing_cert: Path | None = None
    pki_issuing_key: Path | None = None  # PKCS#8 PEM encrypted with the passphrase
    seal_font: Path | None = None  # an OpenType/TrueType CJK font (.ttf/.otf/.ttc); default: found
    # Scenarios 14, 15 and 17 (docs/signatures.md): a sheet is shared (submitted) only e-sealed by
    # the designer unit, certified only fully signed, archived only with the as-built seals. An
    # operator may turn it off for a transition period with unsigned sets.
    require_drawing_seals: bool = True

    @property
    def tmp_stale_seconds(self) -> float:
        """A temp file or scratch folder nothing wrote to for this long belongs to no live
        upload or job: a live upload writes its temp file continuously, and no job keeps a
        scratch folder longer than the task time limit (hence never less than that + 60 s)."""
        return max(self.tmp_max_idle_seconds, self.task_time_limit_seconds + 60.0)

    @property
    def database_kind(self) -> DatabaseKind:
        scheme = urlsplit(self.database_url).scheme
        return "postgres" if scheme.startswith("postgres") else "sqlite"

    @property
    def sqlite_path(self) -> Path:
        return Path(_sqlite_path(self.database_url))

    @property
    def blob_backend(self) -> Literal["local", "minio"]:
        return "minio" if self.minio_endpoint else "local"

    @property
    def search_backend(self) -> Literal["embedded", "meilisearch"]:
        return "meilisearch" if self.meili_url else "embedded"

    @property
    def broker_kind(self) -> str:
        """``embedded`` (the SQLite broker in the data dir, ``oneset.broker``) or the scheme."""
        scheme = urlsplit(self.broker_url).scheme
        return "embedded" if scheme.startswith(f"{EMBEDDED_BROKER}+") else scheme


EMBEDDED_BROKER = "embedded"  # kombu transport alias registered by oneset.broker


def _sqlite_path(url: str) -> str:
    # sqlite:///relative/path or sqlite:////absolute/path
    return url.split("://", 1)[1].removeprefix("/")


def _path(value: str | None) -> Path | None:
    return Path(value) if value else None


def _bool(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


PDF_POLICIES = ("warn", "refuse")
# A switch that is on unless turned off in so many words (a typo stops the start, it does not
# silently turn a safeguard off).
SWITCH = ("true", "false")


def _choice(value: str | None, name: str, allowed: tuple[str, ...]) -> str:
    """One of ``allowed`` (the first when unset); anything else stops the process at start."""
    chosen = (value or allowed[0]).strip().lower()
    if chosen not in allowed:
        raise ValueError(f"ONESET_{name} must be one of {', '.join(allowed)}, not {value!r}")
    return chosen


def _ocds_prefix(value: str) -> str:
    """An ocid prefix: ASCII letters, digits and hyphens, not ending in a hyphen."""
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9-]{0,62}[A-Za-z0-9]", value):
        raise ValueError(f"ONESET_OCDS_PREFIX must be letters, digits and hyphens, not {value!r}")
    return value


def _share(value: str | None, name: str, default: str) -> float:
    """A red-flag ratio or probability: a number from 0 to 1; anything else stops the start."""
    try:
        number = float(value or default)
    except ValueError:
        number = -1.0
    if not 0.0 <= number <= 1.0:
        raise ValueError(f"ONESET_{name} must be a number from 0 to 1, not {value!r}")
    return number


def _count(value: str | None, name: str, default: str) -> int:
    """A red-flag count: a whole number of at least 1; anything else stops the start."""
    text = (value or default).strip()
    if not text.isdigit() or int(text) < 1:
        raise ValueError(f"ONESET_{name} must be a whole number of at least 1, not {value!r}")
    return int(text)


def _niceness(value: str | None) -> int:
    """An increment of CPU niceness, 0 (as started) to 19 (Linux's lowest priority)."""
    text = (value or "10").strip()
    if not text.isdigit() or int(text) > 19:
        raise ValueError(f"ONESET_WORKER_NICENESS must be a whole number 0-19, not {value!r}")
    return int(text)


def _secret(data_dir: Path) -> str:
    """A per-installation signing key kept beside the embedded data (created on first use)."""
    path = data_dir / "secret.key"
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key


def load_settings(env: dict[str, str] | None = None) -> Settings:
    """Build settings from ``env`` (default: the process environment)."""
    e = dict(os.environ if env is None else env)

    def get(name: str, default: str | None = None) -> str | None:
        value = e.get(f"ONESET_{name}")
        return value if value not in (None, "") else default

    data_dir = Path(get("DATA_DIR", "var") or "var").resolve()
    database_url = get("DATABASE_URL") or f"sqlite:///{data_dir / 'oneset.sqlite3'}"
    secret_key = get("SECRET_KEY") or _secret(data_dir)
    broker_url = get("BROKER_URL") or f"{EMBEDDED_BROKER}+sqlite:///{data_dir / 'broker.sqlite3'}"
    policy = get("POLICY_FILE")
    supplied_ca = [get(f"PKI_{n}") for n in ("ROOT_CERT", "ISSUING_CERT", "ISSUING_KEY")]
    if any(supplied_ca) and not all(supplied_ca):
        raise ValueError(
            "ONESET_PKI_ROOT_CERT, ONESET_PKI_ISSUING_CERT and ONESET_PKI_ISSUING_KEY go together"
        )
    task_limit = int(get("TASK_TIME_LIMIT_SECONDS", "600") or 600)
    return Settings(
        data_dir=data_dir,
        database_url=database_url,
        secret_key=secret_key,
        broker_url=broker_url,
        minio_endpoint=get("MINIO_ENDPOINT"),
        minio_access_key=get("MINIO_ACCESS_KEY", "minioadmin") or "",
        minio_secret_key=get("MINIO_SECRET_KEY", "minioadmin") or "",
        minio_bucket=get("MINIO_BUCKET", "oneset") or "oneset",
        minio_secure=_bool(get("MINIO_SECURE", "false") or "false"),
        minio_region=get("MINIO_REGION", "us-east-1") or "us-east-1",
        minio_timeout_seconds=float(get("MINIO_TIMEOUT_SECONDS", "5") or 5),
        meili_url=get("MEILI_URL"),
        meili_key=get("MEILI_KEY"),
        meili_timeout_seconds=float(get("MEILI_TIMEOUT_SECONDS", "5") or 5),
        index_prefix=get("INDEX_PREFIX", "oneset_") or "oneset_",
        public_url=get("PUBLIC_URL", "http://127.0.0.1:8000") or "",
        ocds_prefix=_ocds_prefix(get("OCDS_PREFIX", "ocds-oneset") or "ocds-oneset"),
        ocds_publisher=get("OCDS_PUBLISHER", "OneSet 中介服务网上交易平台") or "",
        max_upload_bytes=int(get("MAX_UPLOAD_BYTES", str(2 * 1024**3)) or 0),
        max_json_bytes=int(get("MAX_JSON_BYTES", str(1024**2)) or 0),
        public_cache_seconds=int(get("PUBLIC_CACHE_SECONDS", "2") or 0),
        token_ttl_minutes=int(get("TOKEN_TTL_MINUTES", "720") or 720),
        login_max_failures=int(get("LOGIN_MAX_FAILURES", "5") or 5),
        login_window_seconds=int(get("LOGIN_WINDOW_SECONDS", "900") or 900),
        login_delay_seconds=float(get("LOGIN_DELAY_SECONDS", "2") or 2),
        login_max_delay_seconds=float(get("LOGIN_MAX_DELAY_SECONDS", "600") or 600),
        login_address_max_failures=int(get("LOGIN_ADDRESS_MAX_FAILURES", "50") or 50),
        forwarded_hops=int(get("FORWARDED_HOPS", "0") or 0),
        task_time_limit_seconds=task_limit,
        broker_visibility_timeout_seconds=int(
            get("BROKER_VISIBILITY_TIMEOUT_SECONDS", str(task_limit + 60)) or task_limit + 60
        ),
        file_analysis_timeout_seconds=int(get("FILE_ANALYSIS_TIMEOUT_SECONDS", "120") or 120),
        pdf_active_content=_choice(
            get("PDF_ACTIVE_CONTENT", "warn"), "PDF_ACTIVE_CONTENT", PDF_POLICIES
        ),
        outbox_interval_seconds=float(get("OUTBOX_INTERVAL_SECONDS", "5") or 5),
        audit_secret=get("AUDIT_KEY") or secret_key,
        audit_checkpoint_seconds=float(get("AUDIT_CHECKPOINT_SECONDS", "60") or 60),
        worker_niceness=_niceness(get("WORKER_NICENESS")),
        heartbeat_interval_seconds=float(get("HEARTBEAT_INTERVAL_SECONDS", "10") or 10),
        heartbeat_stale_seconds=float(get("HEARTBEAT_STALE_SECONDS", "60") or 0),
        sweep_interval_seconds=float(get("SWEEP_INTERVAL_SECONDS", "60") or 60),
        sweep_margin_seconds=float(get("SWEEP_MARGIN_SECONDS", "60") or 0),
        sweep_max_attempts=int(get("SWEEP_MAX_ATTEMPTS", "3") or 3),
        max_working_days=int(get("MAX_WORKING_DAYS", "3650") or 3650),
        tmp_max_idle_seconds=float(get("TMP_MAX_IDLE_SECONDS", "3600") or 0),
        blob_gc_grace_seconds=float(get("BLOB_GC_GRACE_SECONDS", "86400") or 0),
        blob_gc_interval_seconds=float(get("BLOB_GC_INTERVAL_SECONDS", "86400") or 86400),
        policy_file=Path(policy) if policy else None,
        survey_rules_file=_path(get("SURVEY_RULES_FILE")),
        survey_convention_file=_path(get("SURVEY_CONVENTION_FILE")),
        log_level=get("LOG_LEVEL", "INFO") or "INFO",
        red_flag_near_quote_ratio=_share(
            get("RED_FLAG_NEAR_QUOTE_RATIO"), "RED_FLAG_NEAR_QUOTE_RATIO", "0.0001"
        ),
        red_flag_ceiling_min_quotes=_count(
            get("RED_FLAG_CEILING_MIN_QUOTES"), "RED_FLAG_CEILING_MIN_QUOTES", "1"
        ),
        red_flag_cover_min_tenders=_count(
            get("RED_FLAG_COVER_MIN_TENDERS"), "RED_FLAG_COVER_MIN_TENDERS", "3"
        ),
        red_flag_cover_max_win_ratio=_share(
            get("RED_FLAG_COVER_MAX_WIN_RATIO"), "RED_FLAG_COVER_MAX_WIN_RATIO", "0"
        ),
        red_flag_rotation_max_group=_count(
            get("RED_FLAG_ROTATION_MAX_GROUP"), "RED_FLAG_ROTATION_MAX_GROUP", "5"
        ),
        red_flag_rotation_min_tenders=_count(
            get("RED_FLAG_ROTATION_MIN_TENDERS"), "RED_FLAG_ROTATION_MIN_TENDERS", "3"
        ),
        red_flag_concentration_min_wins=_count(
            get("RED_FLAG_CONCENTRATION_MIN_WINS"), "RED_FLAG_CONCENTRATION_MIN_WINS", "3"
        ),
        red_flag_concentration_alpha=_share(
            get("RED_FLAG_CONCENTRATION_ALPHA"), "RED_FLAG_CONCENTRATION_ALPHA", "0.001"
        ),
        pki_passphrase=get("PKI_PASSPHRASE", "") or "",
        pki_root_cert=_path(get("PKI_ROOT_CERT")),
        pki_issuing_cert=_path(get("PKI_ISSUING_CERT")),
        pki_issuing_key=_path(get("PKI_ISSUING_KEY")),
        seal_font=_path(get("SEAL_FONT")),
        require_drawing_seals=_choice(get("REQUIRE_DRAWING_SEALS"), "REQUIRE_DRAWING_SEALS", SWITCH)
        == "true",
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()


def require_services() -> bool:
    """Test harness switch: a missing PostgreSQL/Redis/MinIO fails the run instead of skipping."""
    return _bool(os.environ.get("ONESET_REQUIRE_SERVICES", "0"))
