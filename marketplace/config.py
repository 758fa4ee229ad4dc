"""Configuration from environment variables, with safe defaults for a laptop."""

import os
import secrets
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _instance_secret(instance_path: Path) -> str:
    """A secret key generated once and kept in instance/, so sessions survive restarts."""
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def _database_url(url: str) -> str:
    # Heroku-style URLs say postgres://; SQLAlchemy wants a driver name.
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def load_config(instance_path: Path, overrides: dict | None = None) -> dict:
    env = os.environ
    overrides = overrides or {}
    cfg = {
        "SQLALCHEMY_DATABASE_URI": _database_url(
            env.get("DATABASE_URL") or f"sqlite:///{instance_path / 'haat.sqlite3'}"
        ),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "MEDIA_ROOT": env.get("MEDIA_ROOT") or str(instance_path / "media"),
        "SEARCH_INDEX_DIR": env.get("SEARCH_INDEX_DIR") or str(instance_path / "search-index"),
        "SEARCH_BACKEND": env.get("SEARCH_BACKEND", "whoosh"),
        "REDIS_URL": env.get("REDIS_URL"),
        "RATELIMIT_STORAGE_URI": env.get("REDIS_URL") or "memory://",
        "CACHE_TYPE": "RedisCache" if env.get("REDIS_URL") else "SimpleCache",
        "CACHE_REDIS_URL": env.get("REDIS_URL"),
        "CACHE_KEY_PREFIX": env.get("CACHE_KEY_PREFIX", "haat:"),
        "CACHE_DEFAULT_TIMEOUT": 300,
        "CELERY_BROKER_URL": env.get("CELERY_BROKER_URL"),  # unset: tasks run in-process (see marketplace/tasks)
        "CELERY_RESULT_BACKEND": env.get("CELERY_RESULT_BACKEND"),
        "CELERY_BEAT_SCHEDULE_FILE": env.get("CELERY_BEAT_SCHEDULE_FILE"),  # default instance/celerybeat-schedule
        "CELERY_QUEUE": env.get("CELERY_QUEUE"),  # default "haat"; separate deployments sharing a broker differ
        "MEDIA_STORAGE": env.get("MEDIA_STORAGE"),  # unset: MEDIA_ROOT on local disk; s3://bucket[/prefix]
        "S3_ENDPOINT_URL": env.get("S3_ENDPOINT_URL"),
        "S3_REGION": env.get("S3_REGION") or env.get("AWS_DEFAULT_REGION") or "ap-south-1",
        "S3_ACCESS_KEY_ID": env.get("S3_ACCESS_KEY_ID") or env.get("AWS_ACCESS_KEY_ID"),
        "S3_SECRET_ACCESS_KEY": env.get("S3_SECRET_ACCESS_KEY") or env.get("AWS_SECRET_ACCESS_KEY"),
        "MEDIA_URL_PREFIX": env.get("MEDIA_URL_PREFIX"),  # a CDN or the bucket's public URL; unset: the app serves
        "MEDIA_KEEP_ORIGINALS": {"1": True, "0": False}.get(env.get("MEDIA_KEEP_ORIGINALS", "")),  # unset: on S3
        "PASSWORD_HASH_METHOD": "scrypt",
        "LOGIN_RATE_LIMIT": env.get("LOGIN_RATE_LIMIT", "10 per minute"),
        # Failed password logins before a name / an address must use a known device or a one-time code.
        "LOGIN_FAILURES_PER_NAME": env.get("LOGIN_FAILURES_PER_NAME", "5 per 15 minutes"),
        "LOGIN_FAILURES_PER_IP": env.get("LOGIN_FAILURES_PER_IP", "30 per 15 minutes; 200 per day"),
        "DEVICE_COOKIE_DAYS": int(env.get("DEVICE_COOKIE_DAYS", "90")),
        "LOGIN_CODE_MINUTES": int(env.get("LOGIN_CODE_MINUTES", "10")),
        "LOGIN_CODES_PER_NAME": int(env.get("LOGIN_CODES_PER_NAME", "3")),  # per 15 minutes
        "LOGIN_CODE_RATE_LIMIT": env.get("LOGIN_CODE_RATE_LIMIT", "10 per 10 minutes; 50 per day"),
        "STRIPE_SECRET_KEY": env.get("STRIPE_SECRET_KEY"),
        "STRIPE_PUBLISHABLE_KEY": env.get("STRIPE_PUBLISHABLE_KEY"),
        "SMTP_URL": env.get("SMTP_URL"),
        # SMS and WhatsApp delivery (notifications/delivery.py); unset: messages are only logged.
        **{name: env.get(name) for name in (
            "SMS_API_URL", "SMS_API_KEY", "SMS_SENDER", "SMS_DLT_ENTITY_ID", "SMS_DLT_TEMPLATES",
            "WHATSAPP_API_URL", "WHATSAPP_TOKEN", "WHATSAPP_PHONE_NUMBER_ID", "WHATSAPP_TEMPLATES",
            "WHATSAPP_DEFAULT_TEMPLATE")},
        "NOTIFY_MAX_ATTEMPTS": int(env.get("NOTIFY_MAX_ATTEMPTS", "6")),
        "NOTIFY_RETRY_BASE_SECONDS": int(env.get("NOTIFY_RETRY_BASE_SECONDS", "30")),
        "NOTIFY_RETRY_MAX_SECONDS": int(env.get("NOTIFY_RETRY_MAX_SECONDS", "3600")),
        "BABEL_DEFAULT_LOCALE": "hi",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Kolkata",
        "BABEL_TRANSLATION_DIRECTORIES": str(PROJECT_ROOT / "marketplace" / "translations"),
        "LANGUAGES": ("hi", "en"),
        "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
        "MAX_UPLOAD_BYTES": 15 * 1024 * 1024,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": env.get("SESSION_COOKIE_SECURE") == "1",
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "CSP_IMG_SRC": env.get("CSP_IMG_SRC", ""),
        "TRUSTED_PROXIES": int(env.get("TRUSTED_PROXIES", "0")),  # reverse proxies in front (X-Forwarded-For)
        "WTF_CSRF_TIME_LIMIT": None,
        "PREFERRED_URL_SCHEME": env.get("PREFERRED_URL_SCHEME", "http"),
    }
    cfg.update(overrides)
    if not cfg.get("SECRET_KEY"):
        cfg["SECRET_KEY"] = env.get("SECRET_KEY") or _instance_secret(instance_path)
    return cfg
