"""Settings, all read from the environment.

DATABASE_URL  database (default: an SQLite file in the data folder)
SECRET_KEY    signing key (default: generated once and kept in the data folder)
REDIS_URL     optional cache and hot-item gates
O2O_DATA_DIR  where the embedded database, keys and media live (default ./data)
O2O_TIME_ZONE default time zone (Asia/Shanghai)
O2O_DEBUG     "1" turns DEBUG on; off by default
O2O_PUBLIC_URL where browsers and the gateway reach this server (default: where
              `o2o serve` listens, else http://127.0.0.1:8000); payment and carrier
              callback URLs derive from it unless set themselves

docs/operations.md lists every setting.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("O2O_DATA_DIR", Path.cwd() / "data")).resolve()


def _env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _secret_key() -> str:
    if key := os.environ.get("SECRET_KEY"):
        return key
    # Embedded default: generate once, keep it beside the database so sessions
    # and tokens survive restarts. Never committed: the data folder is ignored.
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    path = DATA_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


DEBUG = _env_bool("O2O_DEBUG")
# `o2o serve` exports O2O_PUBLIC_URL=http://HOST:PORT of its listener (unless already set)
# to the web server and the worker, so callback and gateway URLs follow --port.
PUBLIC_URL = (os.environ.get("O2O_PUBLIC_URL") or "http://127.0.0.1:8000").rstrip("/")
SECRET_KEY = _secret_key()
ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "*").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "ninja",  # serves Swagger UI for /api/docs from our own static files
    "django_tasks",
    "django_tasks_db",
    "o2o.core",
    "o2o.accounts",
    "o2o.merchants",
    "o2o.catalog",
    "o2o.inventory",
    "o2o.marketing",
    "o2o.freight",
    "o2o.orders",
    "o2o.vouchers",
    "o2o.payments",
    "o2o.sandbox",
    "o2o.ledger",
    "o2o.shipping",
    "o2o.search",
    "o2o.reviews",
    "o2o.webhooks",
    "o2o.counter",
    "o2o.identity",
    "o2o.wxauth",
    "o2o.demo",
    "o2o.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "o2o.core.middleware.ApiErrorEnvelope",  # after Locale: its messages use the language
    "django.middleware.common.CommonMiddleware",
    "o2o.core.middleware.RejectNulCharacters",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "o2o.urls"
WSGI_APPLICATION = "o2o.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

# --- Database -------------------------------------------------------------
DEFAULT_SQLITE = f"sqlite:///{DATA_DIR / 'o2o.sqlite3'}"
DATABASE_URL = os.environ.get("DATABASE_URL") or DEFAULT_SQLITE
if DATABASE_URL.startswith("sqlite"):
    DATA_DIR.mkdir(parents=True, exist_ok=True)
_db = dj_database_url.parse(DATABASE_URL, conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")))
if _db["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside the one writer; IMMEDIATE takes the write lock
    # at BEGIN so concurrent writers queue on the busy timeout instead of failing
    # with "database is locked" half-way through a transaction.
    _db["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
    }
    _db["CONN_MAX_AGE"] = 0
    _db["TEST"] = {"NAME": os.environ.get("O2O_TEST_SQLITE_NAME") or None}
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
IS_POSTGRES = _db["ENGINE"].startswith("django.db.backends.postgresql")

# --- Cache (Redis when present) -------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Background tasks -----------------------------------------------------
# Database-backed queue by default: the embedded set-up needs no broker. With
# O2O_TASK_QUEUE=redis (and REDIS_URL) tasks go through Redis with RQ instead.
# Either way the worker is `o2o worker` (queue loop plus periodic scheduler).
TASK_QUEUE = os.environ.get("O2O_TASK_QUEUE", "database")
if TASK_QUEUE == "redis":
    if not REDIS_URL:
        raise RuntimeError("O2O_TASK_QUEUE=redis needs REDIS_URL")
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
    RQ_QUEUES = {"default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 300}}
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
elif TASK_QUEUE == "database":
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
else:
    raise RuntimeError(f"O2O_TASK_QUEUE must be 'database' or 'redis', not {TASK_QUEUE!r}")

# --- Auth -----------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
LOCALE_PATHS = [BASE_DIR / "locale"]
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = _env_bool("O2O_SECURE_COOKIES")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# --- i18n / time ----------------------------------------------------------
LANGUAGE_CODE = os.environ.get("O2O_LANGUAGE", "zh-hans")
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
TIME_ZONE = os.environ.get("O2O_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

# --- Static / media -------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns on a missing root
MEDIA_URL = "/media/"
MEDIA_ROOT = DATA_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True  # serve app static files without collectstatic

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("O2O_LOG_LEVEL", "WARNING")},
    "loggers": {"o2o": {"level": os.environ.get("O2O_LOG_LEVEL", "INFO")}},
}

# --- Domain settings ------------------------------------------------------
O2O = {
    "CURRENCY": "CNY",
    "PAYMENT_WINDOW_MINUTES": int(os.environ.get("O2O_PAYMENT_WINDOW_MINUTES", "15")),
    "REDEMPTION_REVERSAL_MINUTES": int(os.environ.get("O2O_REDEMPTION_REVERSAL_MINUTES", "30")),
    "SLOT_TOLERANCE_MINUTES": int(os.environ.get("O2O_SLOT_TOLERANCE_MINUTES", "60")),
    "OUTBOX_RELAY_SECONDS": int(os.environ.get("O2O_OUTBOX_RELAY_SECONDS", "5")),
}

# --- Payments (WeChat Pay API v3) -----------------------------------------
# With O2O_PAY_SANDBOX=1 (the default) the platform pays through the built-in sandbox
# gateway mounted at PUBLIC_URL/sandbox/wechatpay, with demo keys generated on first use
# into the data folder; that sandbox is called in-process (see
# payments/providers/inprocess.py). For the real gateway set O2O_PAY_SANDBOX=0 and the
# WECHATPAY_* variables; the gateway URL then defaults to api.mch.weixin.qq.com.
_PAY_SANDBOX = _env_bool("O2O_PAY_SANDBOX", True)
PAYMENTS = {
    "SANDBOX": _PAY_SANDBOX,
    "DEMO_KEY_DIR": os.environ.get("O2O_PAY_DEMO_KEY_DIR", str(DATA_DIR / "wechatpay-demo")),
    "NOTIFY_TOLERANCE_SECONDS": int(os.environ.get("O2O_PAY_NOTIFY_TOLERANCE_SECONDS", "300")),
    "WECHATPAY": {
        "MCHID": os.environ.get("WECHATPAY_MCHID", ""),
        "APPID": os.environ.get("WECHATPAY_APPID", ""),
        "CERT_SERIAL_NO": os.environ.get("WECHATPAY_CERT_SERIAL_NO", ""),
        "PRIVATE_KEY_PATH": os.environ.get("WECHATPAY_PRIVATE_KEY_PATH", ""),
        "APIV3_KEY": os.environ.get("WECHATPAY_APIV3_KEY", ""),
        "PUBLIC_KEY_PATH": os.environ.get("WECHATPAY_PUBLIC_KEY_PATH", ""),
        "PUBLIC_KEY_ID": os.environ.get("WECHATPAY_PUBLIC_KEY_ID", ""),
        "CERT_DIR": os.environ.get("WECHATPAY_CERT_DIR", ""),
        "NOTIFY_URL": os.environ.get("WECHATPAY_NOTIFY_URL") or f"{PUBLIC_URL}/payments/wechatpay/notify",
        "GATEWAY_URL": os.environ.get("WECHATPAY_GATEWAY_URL")
        or (f"{PUBLIC_URL}/sandbox/wechatpay" if _PAY_SANDBOX else "https://api.mch.weixin.qq.com"),
        # Read timeout of one gateway call; a call that takes longer answers 503
        # gateway_unavailable instead of holding a request thread.
        "TIMEOUT_SECONDS": int(os.environ.get("WECHATPAY_TIMEOUT_SECONDS", "5")),
    },
}

# --- Sign in with WeChat (OAuth2 web authorization) -------------------------
# With O2O_WECHAT_SANDBOX=1 (the default) sign-in goes through the sandbox OAuth server
# mounted at PUBLIC_URL/sandbox/wechat/ (called in-process), and apps left unconfigured
# get sandbox AppIDs and secrets (o2o.wxauth.config). For WeChat itself set
# O2O_WECHAT_SANDBOX=0 and each app's WECHAT_<KIND>_APPID / WECHAT_<KIND>_SECRET.
_WECHAT_SANDBOX = _env_bool("O2O_WECHAT_SANDBOX", True)
WECHAT = {
    "SANDBOX": _WECHAT_SANDBOX,
    "OAUTH_URL": os.environ.get("WECHAT_OAUTH_URL")
    or (f"{PUBLIC_URL}/sandbox/wechat/connect/" if _WECHAT_SANDBOX else "https://open.weixin.qq.com/connect/"),
    "API_URL": os.environ.get("WECHAT_API_URL")
    or (f"{PUBLIC_URL}/sandbox/wechat/" if _WECHAT_SANDBOX else "https://api.weixin.qq.com/"),
    "TIMEOUT_SECONDS": int(os.environ.get("WECHAT_TIMEOUT_SECONDS", "5")),
    "APPS": {kind: {"APPID": os.environ.get(f"WECHAT_{kind.upper()}_APPID", ""),
                    "SECRET": os.environ.get(f"WECHAT_{kind.upper()}_SECRET", "")}
             for kind in ("mp", "mini", "open")},
}
