"""Resigrid settings: one file, driven by environment variables (see docs/operations.md)."""

import os
from pathlib import Path

import dj_database_url
import django_stubs_ext
from django.utils.translation import gettext_lazy as _

# Makes generic admin and queryset classes subscriptable at run time (ModelAdmin[Area]).
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    return os.environ.get(name, "1" if default else "0").strip().lower() in {
        "1",
        "true",
        "yes",
        "on",
    }


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, str(default)))


DEBUG = env_bool("RESIGRID_DEBUG", True)
# The development key is refused when DEBUG is off (see resigrid.core.checks).
DEV_SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production-7f3a9c"  # noqa: S105
SECRET_KEY = os.environ.get("RESIGRID_SECRET_KEY", DEV_SECRET_KEY)
ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("RESIGRID_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("RESIGRID_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "ninja",  # its OpenAPI docs page then serves Swagger UI from our static files, not a CDN
    "django_htmx",
    "template_partials",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "resigrid.core",
    "resigrid.accounts",
    "resigrid.areas",
    "resigrid.people",
    "resigrid.orgs",
    "resigrid.resources",
    "resigrid.registers",
    "resigrid.notify",
    "resigrid.cases",
    "resigrid.alerts",
    "resigrid.monitoring",
    "resigrid.response.risks",
    "resigrid.response.plans",
    "resigrid.response.institutions",
    "resigrid.response.incidents",
    "resigrid.response.callups",
    "resigrid.response.allocations",
    "resigrid.response.sweeps",
    "resigrid.response.bulletins",
    "resigrid.response.recovery",
    "resigrid.response.command",
    "resigrid.sim",
    "resigrid.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "resigrid.accounts.middleware.AccountSecurityMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, so that it sees the outcome of every authentication attempt.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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
                "resigrid.web.context_processors.navigation",
                "resigrid.notify.context_processors.unread",
                "resigrid.alerts.context_processors.unacknowledged",
            ],
        },
    },
]

# SQLite by default (one community, no server); PostgreSQL through DATABASE_URL for a city.
SQLITE_PATH = Path(os.environ.get("RESIGRID_SQLITE_PATH", str(BASE_DIR / "db.sqlite3")))
if os.environ.get("DATABASE_URL"):
    DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=60)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(SQLITE_PATH),
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                    "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=20000;"
                ),
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "accounts:login"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
# 等保 level 3 style for staff: at least 8 characters from 3 of 4 classes, not like the
# username, not common, not all digits. Residents get the length rule only.
STAFF_PASSWORD_MIN_LENGTH = env_int("RESIGRID_STAFF_PASSWORD_MIN_LENGTH", 8)
STAFF_PASSWORD_MIN_CLASSES = env_int("RESIGRID_STAFF_PASSWORD_MIN_CLASSES", 3)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": env_int("RESIGRID_PASSWORD_MIN_LENGTH", 8)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "resigrid.accounts.passwords.StaffComplexityValidator"},
]

# Sessions: idle timeout (sliding) and absolute lifetime, both in seconds.
SESSION_IDLE_TIMEOUT = env_int("RESIGRID_SESSION_IDLE_TIMEOUT", 30 * 60)
SESSION_ABSOLUTE_TIMEOUT = env_int("RESIGRID_SESSION_ABSOLUTE_TIMEOUT", 12 * 3600)
SESSION_COOKIE_AGE = SESSION_IDLE_TIMEOUT
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("RESIGRID_SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# Lockout (django-axes): after N failures for the same username from the same address.
AXES_FAILURE_LIMIT = env_int("RESIGRID_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("RESIGRID_LOGIN_COOLOFF_MINUTES", 30) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# A fixed cool-off: failing again during a lockout does not extend it.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False
AXES_ENABLE_ACCESS_FAILURE_LOG = False

# Personal access tokens for integrations: lifetime in days (0 = no expiry).
ACCESS_TOKEN_DEFAULT_DAYS = env_int("RESIGRID_ACCESS_TOKEN_DAYS", 365)

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
NODE_MODULES = BASE_DIR / "node_modules"
# Only the built files of each npm package are exposed, under static/vendor/<name>/.
STATICFILES_DIRS = [
    ("vendor/bootstrap", NODE_MODULES / "bootstrap" / "dist"),
    ("vendor/bootstrap-icons", NODE_MODULES / "bootstrap-icons" / "font"),
    ("vendor/htmx", NODE_MODULES / "htmx.org" / "dist"),
    ("vendor/leaflet", NODE_MODULES / "leaflet" / "dist"),
    ("vendor/echarts", NODE_MODULES / "echarts" / "dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
MEDIA_ROOT = Path(os.environ.get("RESIGRID_MEDIA_ROOT", str(BASE_DIR / "media")))
MEDIA_URL = "/media/"

# Personal data at rest: AES-256-GCM key and HMAC key, urlsafe base64 of 32 random bytes each
# (`python -c "import os,base64;print(base64.urlsafe_b64encode(os.urandom(32)).decode())"`).
# Unset, both are derived from SECRET_KEY: fine for the demo, refused by `check --deploy`.
PII_ENCRYPTION_KEY = os.environ.get("RESIGRID_PII_KEY", "")
PII_HASH_KEY = os.environ.get("RESIGRID_PII_HASH_KEY", "")
# Moved-out residents keep their personal fields this long, then `purge_moved_out` clears them.
PERSON_RETENTION_DAYS = env_int("RESIGRID_PERSON_RETENTION_DAYS", 3 * 365)

# Map: base tiles are off by default (offline intranets); "tianditu" needs a key.
MAP_TILES = os.environ.get("RESIGRID_MAP_TILES", "none")  # none | osm | tianditu
TIANDITU_KEY = os.environ.get("RESIGRID_TIANDITU_KEY", "")

# Geometry rules for areas.
GRID_OVERLAP_TOLERANCE_M2 = float(os.environ.get("RESIGRID_GRID_OVERLAP_TOLERANCE_M2", "50"))
CHILD_OUTSIDE_TOLERANCE_M2 = float(os.environ.get("RESIGRID_CHILD_OUTSIDE_TOLERANCE_M2", "50"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("RESIGRID_LOG_LEVEL", "INFO")},
    # httpx logs full URLs at INFO: robot keys and DingTalk signatures must not reach the logs.
    "loggers": {"axes": {"level": "WARNING"}, "httpx": {"level": "WARNING"}},
}

NINJA_PAGINATION_PER_PAGE = 100
# Bulk locate (100,000 points) and district GeoJSON imports exceed the 2.5 MB default.
DATA_UPLOAD_MAX_MEMORY_SIZE = 16 * 1024 * 1024

# Email (SMTP): notifications to staff and anonymous reporters go through the notify outbox.
EMAIL_HOST = os.environ.get("RESIGRID_EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = env_int("RESIGRID_EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("RESIGRID_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("RESIGRID_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = env_bool("RESIGRID_EMAIL_TLS", False)
EMAIL_TIMEOUT = env_int("RESIGRID_EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = os.environ.get("RESIGRID_EMAIL_FROM", "resigrid@localhost")
# Absolute base of links in messages (emails are read outside the site).
SITE_URL = os.environ.get("RESIGRID_SITE_URL", "http://127.0.0.1:8000")

# Notify outbox workers: lease per claimed delivery, retries with exponential backoff.
NOTIFY_LEASE_SECONDS = env_int("RESIGRID_NOTIFY_LEASE_SECONDS", 60)
NOTIFY_MAX_ATTEMPTS = env_int("RESIGRID_NOTIFY_MAX_ATTEMPTS", 8)
NOTIFY_BACKOFF_SECONDS = env_int("RESIGRID_NOTIFY_BACKOFF_SECONDS", 30)
NOTIFY_BACKOFF_MAX_SECONDS = env_int("RESIGRID_NOTIFY_BACKOFF_MAX_SECONDS", 3600)
NOTIFY_DEFAULT_CHANNELS = os.environ.get("RESIGRID_NOTIFY_DEFAULT_CHANNELS", "email,sms").split(",")
# Group robots (WeCom, DingTalk): posts only to these hosts, at most N per window per robot.
NOTIFY_WEBHOOK_TIMEOUT = env_int("RESIGRID_NOTIFY_WEBHOOK_TIMEOUT", 10)
NOTIFY_ROBOT_HOSTS = os.environ.get(
    "RESIGRID_NOTIFY_ROBOT_HOSTS", "qyapi.weixin.qq.com,oapi.dingtalk.com"
).split(",")
NOTIFY_ROBOT_RATE_LIMIT = env_int("RESIGRID_NOTIFY_ROBOT_RATE_LIMIT", 20)
NOTIFY_ROBOT_RATE_WINDOW_SECONDS = env_int("RESIGRID_NOTIFY_ROBOT_RATE_WINDOW_SECONDS", 60)
# SMS gateway (HTTP). Unset URL: SMS rows give up at once and hand over to the next channel.
NOTIFY_SMS_URL = os.environ.get("RESIGRID_SMS_URL", "")
NOTIFY_SMS_STATUS_URL = os.environ.get("RESIGRID_SMS_STATUS_URL", "")
NOTIFY_SMS_KEY = os.environ.get("RESIGRID_SMS_KEY", "")
NOTIFY_SMS_TIMEOUT = env_int("RESIGRID_SMS_TIMEOUT", 10)
NOTIFY_SMS_MAX_CHARS = env_int("RESIGRID_SMS_MAX_CHARS", 500)
NOTIFY_SMS_RECEIPT_SECRET = os.environ.get("RESIGRID_SMS_RECEIPT_SECRET", "")
NOTIFY_SMS_RECEIPT_SKEW_SECONDS = env_int("RESIGRID_SMS_RECEIPT_SKEW_SECONDS", 300)

# Cases: default minutes per stage when no category up the tree sets them (accept, dispatch,
# handle, verify), per priority.
CASE_DEFAULT_DEADLINES = {
    "urgent": (30, 60, 24 * 60, 12 * 60),
    "high": (2 * 60, 4 * 60, 3 * 24 * 60, 24 * 60),
    "normal": (4 * 60, 8 * 60, 7 * 24 * 60, 2 * 24 * 60),
}
CASE_DUPLICATE_RADIUS_M = float(os.environ.get("RESIGRID_CASE_DUPLICATE_RADIUS_M", "100"))
CASE_WHISTLE_ANSWER_MINUTES = env_int("RESIGRID_CASE_WHISTLE_ANSWER_MINUTES", 30)
CASE_PHOTO_MAX_BYTES = env_int("RESIGRID_CASE_PHOTO_MAX_BYTES", 8 * 1024 * 1024)
CASE_PHOTO_MAX_COUNT = env_int("RESIGRID_CASE_PHOTO_MAX_COUNT", 6)
# 满意率: weight of "basically satisfied" (基本满意) against "satisfied".
CASE_BASICALLY_SATISFIED_WEIGHT = float(
    os.environ.get("RESIGRID_CASE_BASICALLY_SATISFIED_WEIGHT", "0.9")
)
# 解决率: weight of "partly resolved" (部分解决) against "resolved".
CASE_PARTLY_RESOLVED_WEIGHT = float(os.environ.get("RESIGRID_CASE_PARTLY_RESOLVED_WEIGHT", "0.5"))
# 三率 weights (响应率, 解决率, 满意率) and the response time limit (Beijing: 2 hours).
CASE_THREE_RATES_WEIGHTS = (0.1, 0.5, 0.4)
CASE_RESPONSE_MINUTES = env_int("RESIGRID_CASE_RESPONSE_MINUTES", 120)

# Background tasks (Django's Tasks API through the django-tasks backport): stored in the database
# and run by `manage.py db_worker`. The outbox rows stay the source of truth; a task is only the
# trigger, so a lost task loses nothing (the sweeper and notify_worker --loop also find the rows).
TASKS = {"default": {"BACKEND": "django_tasks_db.backend.DatabaseBackend"}}

# Open311 GeoReport v2 (/open311/v2/): an empty jurisdiction accepts any jurisdiction_id.
OPEN311_JURISDICTION_ID = os.environ.get("RESIGRID_OPEN311_JURISDICTION_ID", "")
OPEN311_POSTS_PER_MINUTE = env_int("RESIGRID_OPEN311_POSTS_PER_MINUTE", 60)
OPEN311_CONTACT = os.environ.get("RESIGRID_OPEN311_CONTACT", "")

# Alerts: which levels need an approval before publication, and how long a signed
# acknowledgement link stays valid.
ALERT_APPROVAL_REQUIRED = {
    "district": env_bool("RESIGRID_ALERT_APPROVAL_DISTRICT", True),
    "street": env_bool("RESIGRID_ALERT_APPROVAL_STREET", True),
    "community": env_bool("RESIGRID_ALERT_APPROVAL_COMMUNITY", True),
    "grid": env_bool("RESIGRID_ALERT_APPROVAL_GRID", False),
}
ALERT_ACK_TOKEN_HOURS = env_int("RESIGRID_ALERT_ACK_TOKEN_HOURS", 72)

# Sensor readings over MQTT (`manage.py mqtt_readings`); `+` in the topic is the sensor code.
MQTT_HOST = os.environ.get("RESIGRID_MQTT_HOST", "127.0.0.1")
MQTT_PORT = env_int("RESIGRID_MQTT_PORT", 1883)
MQTT_USERNAME = os.environ.get("RESIGRID_MQTT_USERNAME", "")
MQTT_PASSWORD = os.environ.get("RESIGRID_MQTT_PASSWORD", "")
MQTT_TOPIC = os.environ.get("RESIGRID_MQTT_TOPIC", "resigrid/sensors/+/readings")
MQTT_CLIENT_ID = os.environ.get("RESIGRID_MQTT_CLIENT_ID", "resigrid-readings")

# CAP 1.2 interchange (resigrid.alerts.cap): feeds polled by `manage.py poll_cap_feeds` (or the
# poll_cap_feeds task), as "URL AREA_CODE USERNAME" entries separated by ";" — each an Atom feed
# of CAP entries or one CAP document, imported as drafts of that area by that account (which
# needs the right to issue alerts there). A malformed entry stops start-up.
ALERT_CAP_FEEDS = [
    dict(zip(("url", "area", "user"), entry.split(), strict=True))
    for entry in os.environ.get("RESIGRID_ALERT_CAP_FEEDS", "").split(";")
    if entry.strip()
]
ALERT_CAP_FEED_TIMEOUT = env_int("RESIGRID_ALERT_CAP_FEED_TIMEOUT", 10)
ALERT_CAP_FEED_MAX_ENTRIES = env_int("RESIGRID_ALERT_CAP_FEED_MAX_ENTRIES", 100)
ALERT_CAP_MAX_BYTES = env_int("RESIGRID_ALERT_CAP_MAX_BYTES", 1024 * 1024)
