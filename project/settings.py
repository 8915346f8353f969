"""Settings for every environment; each difference between them is an environment variable."""

import base64
import hashlib
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
ENVIRONMENT = env("ENVIRONMENT", default="development" if DEBUG else "production")

SECRET_KEY = env("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "django-insecure-development-only-key-never-use-in-production"

# Tenant hosts are arbitrary (custom domains): TenantMiddleware answers 404 for unknown hosts.
ALLOWED_HOSTS = ["*"]
PLATFORM_HOSTS = [h.lower() for h in env.list("PLATFORM_HOSTS", default=["localhost", "127.0.0.1"])]
TENANT_BASE_DOMAIN = env("TENANT_BASE_DOMAIN", default="localhost").lower()
RESERVED_SUBDOMAINS = env.list(
    "RESERVED_SUBDOMAINS",
    default=[
        "www", "admin", "api", "app", "mail", "smtp", "static", "media", "assets", "cdn",
        "docs", "help", "support", "status", "billing", "dashboard", "platform", "root",
        "staff", "auth", "login", "signup", "register", "test", "dev", "staging", "internal",
    ],
)
# The portal's address in e-mailed links; `{host}` becomes the company's own host (tenancy/links.py).
FRONTEND_URL = env("FRONTEND_URL", default="http://{host}:8000/app").rstrip("/")

INSTALLED_APPS = [
    # unfold's basic config: the admin site is platform_admin's PlatformAdminSite (an unfold site).
    "unfold.apps.BasicAppConfig",
    "unfold.contrib.filters",
    "unfold.contrib.forms",
    "unfold.contrib.import_export",
    "unfold.contrib.simple_history",
    "platform_admin.sites.PlatformAdminSiteConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "dj_rest_auth",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "corsheaders",
    "axes",
    "simple_history",
    "import_export",
    "django_celery_beat",
    "django_otp",
    "platform_admin.otp_apps.TwoFactorDevicesConfig",  # django_otp.plugins.otp_totp, named for staff
    "ops",
    "tenancy",
    "billing",
    "work",
    "platform_admin",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "tenancy.security.SecurityHeadersMiddleware",
    "project.portal.PortalWhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "project.db_router.ReplicaPinMiddleware",
    "tenancy.middleware.TenantMiddleware",
    "platform_admin.middleware.AdminIPAllowlistMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",  # request.user.is_verified(): staff two-factor sign-in
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "tenancy.audit.AuditContextMiddleware",
    "axes.middleware.AxesMiddleware",
    "ops.idempotency.IdempotencyMiddleware",
    # Innermost, so that a retried request passes the outer middleware (activity log, ...) once.
    "tenancy.concurrency.ConflictRetryMiddleware",
]

ROOT_URLCONF = "project.urls"
WSGI_APPLICATION = "project.wsgi.application"
ASGI_APPLICATION = "project.asgi.application"

# Loadable with `manage.py loaddata plans staff_groups`; seed_demo and the tests use them.
FIXTURE_DIRS = [BASE_DIR / "fixtures"]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Database: a SQLite file by default; MySQL/MariaDB (utf8mb4, strict) through DATABASE_URL.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.mysql":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "charset": "utf8mb4",
            # A request waits at most DB_LOCK_WAIT_SECONDS for a row lock, then answers 409 conflict_retry.
            "init_command": "SET sql_mode='STRICT_TRANS_TABLES', innodb_strict_mode=1, "
                            f"innodb_lock_wait_timeout={env.int('DB_LOCK_WAIT_SECONDS', default=20)}",
            "isolation_level": "read committed",
            # A dead or hung server fails fast (503) instead of holding a worker thread for minutes.
            "connect_timeout": env.int("DB_CONNECT_TIMEOUT", default=3),
            "read_timeout": env.int("DB_READ_TIMEOUT", default=30),
            "write_timeout": env.int("DB_WRITE_TIMEOUT", default=30),
        }
    )
    DATABASES["default"]["TEST"] = {"CHARSET": "utf8mb4", "COLLATION": "utf8mb4_unicode_ci"}
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# An optional read replica: lists and reports read there, writes and transactions use the primary.
if env("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = {**DATABASES["default"], **env.db("DATABASE_REPLICA_URL")}
    if DATABASES["replica"]["ENGINE"] == "django.db.backends.mysql":
        DATABASES["replica"]["OPTIONS"] = {**DATABASES["default"].get("OPTIONS", {}),
                                           "connect_timeout": env.int("DB_REPLICA_CONNECT_TIMEOUT", default=1)}
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["project.db_router.PrimaryReplicaRouter"]
REPLICA_PIN_SECONDS = env.int("REPLICA_PIN_SECONDS", default=5)
# Reads leave the replica while it is down or more than this many seconds behind (checked every few seconds).
REPLICA_MAX_LAG_SECONDS = env.float("REPLICA_MAX_LAG_SECONDS", default=5.0)
REPLICA_CHECK_SECONDS = env.float("REPLICA_CHECK_SECONDS", default=2.0)

# Seconds a client is told to wait (Retry-After) when the database or broker is unavailable.
RETRY_AFTER_SECONDS = env.int("RETRY_AFTER_SECONDS", default=5)
# An API write that lost a deadlock or a lock wait and committed nothing is run again up to this many times.
LOCK_CONFLICT_ATTEMPTS = env.int("LOCK_CONFLICT_ATTEMPTS", default=3)

REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    # Redis is optional at run time: fast timeouts, and a failed call answers as a miss (project/cache.py).
    CACHES = {"default": {
        "BACKEND": "project.cache.ResilientRedisCache",
        "LOCATION": REDIS_URL,
        "OPTIONS": {
            "socket_connect_timeout": env.float("CACHE_TIMEOUT_SECONDS", default=0.25),
            "socket_timeout": env.float("CACHE_TIMEOUT_SECONDS", default=0.25),
            "RETRY_SECONDS": env.float("CACHE_RETRY_SECONDS", default=2.0),
        },
    }}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
TENANT_CACHE_TIMEOUT = env.int("TENANT_CACHE_TIMEOUT", default=300)
# How often a process asks Redis whether a domain or tenant changed (tenancy/resolution.py).
TENANT_VERSION_CHECK_SECONDS = env.float("TENANT_VERSION_CHECK_SECONDS", default=1.0)

AUTH_USER_MODEL = "tenancy.User"
# Two-factor sign-in (TOTP) for staff: optional for everybody; when on, required for the Finance group.
STAFF_2FA_REQUIRED = env.bool("STAFF_2FA_REQUIRED", default=False)

# Staff who sign in at /admin/login/ without a "next" land on the dashboard (not Django's /accounts/profile/).
LOGIN_URL = "admin:login"
LOGIN_REDIRECT_URL = "admin:index"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if env.bool("FAST_PASSWORD_HASHER", default=False):
    # Tests only: the default PBKDF2 rounds would dominate the suite's run time.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / "media")))
MEDIA_URL = "/media/"  # never served publicly: downloads go through checked views
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG and not env.bool("TESTING", default=False)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Field encryption at rest (tenancy/crypto.py): Fernet keys, newest first; a separate HMAC key for the
# blind indexes. Production must set both; DEBUG and the tests fall back to public development keys.
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=[])
FIELD_BLIND_INDEX_KEY = env("FIELD_BLIND_INDEX_KEY", default="")
if not FIELD_ENCRYPTION_KEYS or not FIELD_BLIND_INDEX_KEY:
    if not DEBUG and not env.bool("TESTING", default=False):
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS and FIELD_BLIND_INDEX_KEY must be set when DEBUG is off.")
    def _development_key(label: str) -> str:  # public and fixed: never protects real data
        return base64.urlsafe_b64encode(hashlib.sha256(f"development-only:{label}".encode()).digest()).decode()

    FIELD_ENCRYPTION_KEYS = FIELD_ENCRYPTION_KEYS or [_development_key("field-encryption")]
    FIELD_BLIND_INDEX_KEY = FIELD_BLIND_INDEX_KEY or _development_key("blind-index")

# Custom domains: seconds one TXT look-up may take, days a domain may wait for its record before FAILED.
DOMAIN_DNS_TIMEOUT = env.float("DOMAIN_DNS_TIMEOUT", default=5.0)
DOMAIN_VERIFICATION_DAYS = env.int("DOMAIN_VERIFICATION_DAYS", default=3)

# Backups (platform_admin/backup.py): where archives go, how many the daily job keeps, optional Fernet key.
BACKUP_DIR = Path(env("BACKUP_DIR", default=str(BASE_DIR / "backups")))
BACKUP_KEEP = env.int("BACKUP_KEEP", default=7)
BACKUP_ENCRYPTION_KEY = env("BACKUP_ENCRYPTION_KEY", default="")
# Hours a company's data export stays downloadable.
EXPORT_TTL_HOURS = env.int("EXPORT_TTL_HOURS", default=48)

AWS_STORAGE_BUCKET_NAME = env("AWS_STORAGE_BUCKET_NAME", default="")
if AWS_STORAGE_BUCKET_NAME:
    STORAGES["default"] = {"BACKEND": "storages.backends.s3.S3Storage"}
    AWS_S3_REGION_NAME = env("AWS_S3_REGION_NAME", default=None)
    AWS_S3_ENDPOINT_URL = env("AWS_S3_ENDPOINT_URL", default=None)
    AWS_DEFAULT_ACL = None
    AWS_QUERYSTRING_AUTH = True
    AWS_S3_FILE_OVERWRITE = False
# The tenant portal's build (Vite writes it; Django serves it at /app/).
PORTAL_DIST_DIR = Path(env("PORTAL_DIST_DIR", default=str(BASE_DIR / "frontend" / "dist")))
MAX_UPLOAD_MB = env.int("MAX_UPLOAD_MB", default=10)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# E-mail: console by default, SMTP through EMAIL_URL (smtp+tls://user:pass@host:587).
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="SaaS Platform <no-reply@saasplatform.com>")

# Security
CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=[])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
ADMIN_ALLOWED_IPS = env.list("ADMIN_ALLOWED_IPS", default=[])
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^health/"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# Login lockout (django-axes): a locked e-mail/IP pair waits AXES_COOLOFF_MINUTES.
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "tenancy.auth.axes_lockout_response"
AXES_USERNAME_CALLABLE = "tenancy.auth.axes_username"
AXES_USERNAME_FORM_FIELD = "username"
AXES_IPWARE_PROXY_COUNT = env.int("PROXY_COUNT", default=0)

# REST API
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["tenancy.authentication.TenantJWTAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "tenancy.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 25,
    "DEFAULT_FILTER_BACKENDS": [
        "tenancy.api.filters.FilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "tenancy.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "tenancy.api.errors.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [],
    "DEFAULT_THROTTLE_RATES": {
        "login": env("THROTTLE_LOGIN", default="10/min"),
        "register": env("THROTTLE_REGISTER", default="5/hour"),
        "password_reset": env("THROTTLE_PASSWORD_RESET", default="5/hour"),
        "invitation_accept": env("THROTTLE_INVITATION_ACCEPT", default="20/hour"),
        "subdomain_check": env("THROTTLE_SUBDOMAIN_CHECK", default="60/min"),
    },
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    # Throttles trust X-Forwarded-For only from the proxies we run (else anyone could forge it).
    "NUM_PROXIES": env.int("PROXY_COUNT", default=0),
}
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("JWT_ACCESS_MINUTES", default=15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("JWT_REFRESH_DAYS", default=7)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
    "SIGNING_KEY": env("JWT_SIGNING_KEY", default=SECRET_KEY),
    "TOKEN_OBTAIN_SERIALIZER": "tenancy.api.auth_serializers.TenantTokenObtainPairSerializer",
}
REST_AUTH = {
    "USE_JWT": True,
    # The portal's refresh token: an httpOnly cookie on the company's own host (no Domain attribute), sent
    # only to /api/auth/, never cross-site; other clients keep the token in the body (tenancy/api/refresh_cookie.py).
    "JWT_AUTH_REFRESH_COOKIE": "portal_refresh",
    "JWT_AUTH_REFRESH_COOKIE_PATH": "/api/auth/",
    "JWT_AUTH_HTTPONLY": True,
    "JWT_AUTH_SECURE": not DEBUG,
    "JWT_AUTH_SAMESITE": "Strict",
    "JWT_AUTH_COOKIE_DOMAIN": None,
    "JWT_AUTH_RETURN_EXPIRATION": True,
    "SESSION_LOGIN": False,
    "TOKEN_MODEL": None,
    "LOGIN_SERIALIZER": "tenancy.api.auth_serializers.LoginSerializer",
    "JWT_TOKEN_CLAIMS_SERIALIZER": "tenancy.api.auth_serializers.TenantTokenObtainPairSerializer",
    "USER_DETAILS_SERIALIZER": "tenancy.api.serializers.ProfileSerializer",
    "PASSWORD_RESET_SERIALIZER": "tenancy.api.auth_serializers.PasswordResetSerializer",
    "PASSWORD_RESET_CONFIRM_SERIALIZER": "tenancy.api.auth_serializers.PasswordResetConfirmSerializer",
    "OLD_PASSWORD_FIELD_ENABLED": True,
    "LOGOUT_ON_PASSWORD_CHANGE": False,
}
# The schema and Swagger UI: public by default; API_DOCS_PUBLIC=false keeps them to platform staff (a staff
# session in the control panel, or a staff token).
API_DOCS_PUBLIC = env.bool("API_DOCS_PUBLIC", default=True)
SPECTACULAR_SETTINGS = {
    "SERVE_PERMISSIONS": ["tenancy.security.ApiDocsPermission"],
    "SERVE_AUTHENTICATION": ["rest_framework.authentication.SessionAuthentication",
                             "tenancy.authentication.TenantJWTAuthentication"],
    "TITLE": "SaaS Platform tenant API",
    "DESCRIPTION": "Software B: the REST API used by tenant companies' frontends.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI's assets come from the installed sidecar package, not from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": "/api/",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "ops.idempotency.schema_add_idempotency_key",
    ],
    "ENUM_NAME_OVERRIDES": {
        "RoleEnum": "tenancy.models.Role",
        "TenantRoleEnum": "tenancy.models.TENANT_ROLE_CHOICES",
        "TenantStatusEnum": "tenancy.models.TenantStatus",
        "TeamRoleEnum": "work.models.TeamRole",
        "TaskStatusEnum": "work.models.TaskStatus",
        "TaskPriorityEnum": "work.models.TaskPriority",
        "SubscriptionStatusEnum": "billing.models.SubscriptionStatus",
        "InvoiceStatusEnum": "billing.models.InvoiceStatus",
        "PaymentStatusEnum": "billing.models.PaymentStatus",
        "VerificationStatusEnum": "billing.models.VerificationStatus",
    },
}

# Celery: Redis broker when configured, otherwise tasks run eagerly in-process.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default="") or None
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
# A task whose worker process dies (kill -9, OOM) goes back to the queue instead of being acked.
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
# Exactly one beat schedules, however many are started: the others wait for its database lease.
CELERY_BEAT_SCHEDULER = "ops.beat:SingleBeatScheduler"
CELERY_BEAT_LOCK_SECONDS = env.int("CELERY_BEAT_LOCK_SECONDS", default=30)
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # Unacknowledged messages of a worker that vanished are redelivered after this many seconds;
    # the outbox republishes what is still undelivered after OUTBOX_REDELIVER_SECONDS anyway.
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=300),
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
}
# Queues: user-facing mail never waits behind the billing fan-out.
CELERY_TASK_DEFAULT_QUEUE = "celery"
QUEUE_MAIL = "mail"
QUEUE_BILLING = "billing"
# The transactional outbox (ops/outbox.py).
OUTBOX_MAX_BACKOFF_SECONDS = env.int("OUTBOX_MAX_BACKOFF_SECONDS", default=30)
OUTBOX_REDELIVER_SECONDS = env.int("OUTBOX_REDELIVER_SECONDS", default=15)
OUTBOX_LEASE_SECONDS = env.int("OUTBOX_LEASE_SECONDS", default=30)
OUTBOX_RELAY_SECONDS = env.int("OUTBOX_RELAY_SECONDS", default=5)
OUTBOX_RETENTION_DAYS = env.int("OUTBOX_RETENTION_DAYS", default=7)
CELERY_BEAT_MAX_LOOP_INTERVAL = 5
# Jobs defined here are copied into django-celery-beat's tables when beat starts.
CELERY_BEAT_SCHEDULE = {
    "ops: outbox relay": {"task": "ops.tasks.outbox_relay", "schedule": float(OUTBOX_RELAY_SECONDS)},
    "ops: daily housekeeping": {
        "task": "ops.tasks.housekeeping",
        "schedule": crontab(minute="30", hour="4"),
    },
    # An export's archive is deleted within the hour after its link expires (EXPORT_TTL_HOURS).
    "tenancy: purge expired exports": {
        "task": "tenancy.tasks.purge_expired_exports",
        "schedule": crontab(minute="15"),
    },
}
# Retention (days; 0 keeps forever), applied by the daily housekeeping job.
ACTIVITY_RETENTION_DAYS = env.int("ACTIVITY_RETENTION_DAYS", default=730)
NOTIFICATION_RETENTION_DAYS = env.int("NOTIFICATION_RETENTION_DAYS", default=180)
HISTORY_RETENTION_DAYS = env.int("HISTORY_RETENTION_DAYS", default=730)
IDEMPOTENCY_KEY_HOURS = env.int("IDEMPOTENCY_KEY_HOURS", default=24)

# Billing defaults (staff may override some of them in the admin's system settings).
RENEWAL_LEAD_DAYS = env.int("RENEWAL_LEAD_DAYS", default=7)
GRACE_DAYS = env.int("GRACE_DAYS", default=7)
INVOICE_DUE_DAYS = env.int("INVOICE_DUE_DAYS", default=14)
INVOICE_ISSUER = {
    "name": env("INVOICE_ISSUER_NAME", default="SaaS Platform Ltd."),
    "address": env("INVOICE_ISSUER_ADDRESS", default="1 Platform Street\n10115 Berlin\nGermany"),
    "tax_id": env("INVOICE_ISSUER_TAX_ID", default="DE000000000"),
    "email": env("INVOICE_ISSUER_EMAIL", default="billing@saasplatform.com"),
    # How to pay, printed on unpaid invoices (staff may set them in the control panel's system settings).
    "payment_bank_name": env("INVOICE_PAYMENT_BANK_NAME", default="Demo Bank AG"),
    "payment_account": env("INVOICE_PAYMENT_ACCOUNT", default="DE89 3704 0044 0532 0130 00"),
    "payment_bic": env("INVOICE_PAYMENT_BIC", default="COBADEFFXXX"),
    "payment_text": env("INVOICE_PAYMENT_TEXT", default=""),
    "zero_tax_note": env("INVOICE_ZERO_TAX_NOTE", default=(
        "No tax charged: the supply is exempt or the reverse charge applies (the customer accounts for the tax).")),
    "footer": env("INVOICE_FOOTER", default=""),
    "logo": "",
}
DEFAULT_TAX_RATE = Decimal(env("DEFAULT_TAX_RATE", default="0.00"))
DEFAULT_CURRENCY = env("DEFAULT_CURRENCY", default="USD")

# Sentry when configured; errors are logged either way.
SENTRY_DSN = env("SENTRY_DSN", default="")
if SENTRY_DSN:
    import sentry_sdk

    sentry_sdk.init(dsn=SENTRY_DSN, environment=ENVIRONMENT, send_default_pii=False,
                    traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        "celery.app.trace": {"level": "WARNING"},
        "kombu.connection": {"level": "ERROR"},
    },
}

from project.unfold import UNFOLD  # noqa: E402,F401  (the admin's theme lives beside the settings)
