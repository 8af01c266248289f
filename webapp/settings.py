"""Django settings for Likeness, read from the environment (see README, "Configuration")."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, NotRequired, TypedDict

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from webapp.env import envbool, envint, envlist, envsecret

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = envbool("DEBUG", default=False)

SECRET_KEY = envsecret("SECRET_KEY") or ""
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set SECRET_KEY (or SECRET_KEY_FILE), or DEBUG=1 for local development."
        )
    # Only reachable with DEBUG on: a development server on a developer's machine.
    SECRET_KEY = "django-insecure-development-only-never-used-in-production"  # noqa: S105

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "webapp.identity.apps.SiteAdminConfig",  # django.contrib.admin, titled with the site's name
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sites",
    "django.contrib.flatpages",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_tasks",
    "django_tasks_db",
    "matching",
    "catalog",
    "search",
    "webapp.identity",
]
# The site's name, logo and introduction (webapp.identity) and its footer pages (flat pages) belong to this site.
SITE_ID = 1

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "webapp.middleware.refuse_nul",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "webapp.urls"
WSGI_APPLICATION = "webapp.wsgi.application"
ASGI_APPLICATION = "webapp.asgi.application"

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
                "webapp.identity.context.identity",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=envint("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process read while a worker writes; a busy timeout avoids "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# Static files: WhiteNoise serves them from STATIC_ROOT, so the site works with DEBUG off.
STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT") or BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]

# Media: the local file system by default, S3-compatible storage when a bucket is configured.
MEDIA_URL = os.environ.get("MEDIA_URL", "/media/")
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT") or BASE_DIR / "media")
AWS_STORAGE_BUCKET_NAME = os.environ.get("AWS_STORAGE_BUCKET_NAME")
if AWS_STORAGE_BUCKET_NAME:
    _media_storage: dict[str, Any] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "access_key": envsecret("AWS_ACCESS_KEY_ID"),
            "secret_key": envsecret("AWS_SECRET_ACCESS_KEY"),
            "endpoint_url": os.environ.get("AWS_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("AWS_S3_REGION_NAME") or None,
            "custom_domain": os.environ.get("AWS_S3_CUSTOM_DOMAIN") or None,
            "default_acl": None,
            "file_overwrite": False,
            "querystring_auth": envbool("AWS_QUERYSTRING_AUTH", default=True),
        },
    }
else:
    _media_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": MEDIA_ROOT, "base_url": MEDIA_URL},
    }
# Originals: the business. Kept apart from the media, in a place no URL maps to (a folder outside
# MEDIA_ROOT, or a private bucket whose URLs are signed and short-lived); served only through
# catalog.originals, to staff, partners allowed to download them and customers granted a licence.
ORIGINALS_ROOT = Path(os.environ.get("ORIGINALS_ROOT") or BASE_DIR / "var" / "originals")
# How long a signed link to an original works, and how it is handed over on the local file system:
# "django" (streamed by Django), "nginx" (X-Accel-Redirect to ORIGINALS_INTERNAL_URL) or "apache" (X-Sendfile).
ORIGINAL_URL_SECONDS = envint("LIKENESS_ORIGINAL_URL_SECONDS", 300)
ORIGINALS_SENDFILE = os.environ.get("ORIGINALS_SENDFILE", "django")
if ORIGINALS_SENDFILE not in ("django", "nginx", "apache"):
    raise ImproperlyConfigured(f"ORIGINALS_SENDFILE must be django, nginx or apache; got {ORIGINALS_SENDFILE!r}")
ORIGINALS_INTERNAL_URL = os.environ.get("ORIGINALS_INTERNAL_URL", "/protected-originals/")
if AWS_STORAGE_BUCKET_NAME:
    _originals_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            **_media_storage["OPTIONS"],
            "bucket_name": os.environ.get("AWS_ORIGINALS_BUCKET_NAME") or AWS_STORAGE_BUCKET_NAME,
            "location": os.environ.get("AWS_ORIGINALS_LOCATION", "originals"),
            "custom_domain": None,  # a CDN domain would serve them unsigned
            "default_acl": "private",
            "querystring_auth": True,  # every URL presigned, expiring after ORIGINAL_URL_SECONDS
            "querystring_expire": ORIGINAL_URL_SECONDS,
        },
    }
else:
    _originals_storage = {
        "BACKEND": "catalog.storage.PrivateFileSystemStorage",
        "OPTIONS": {"location": ORIGINALS_ROOT},
    }
STORAGES = {
    "default": _media_storage,
    "originals": _originals_storage,
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Uploads: files above this many bytes go to a temporary file instead of memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = envint("LIKENESS_MAX_UPLOAD_BYTES", 30 * 1024 * 1024)

# Security: sensible production defaults, relaxed only where DEBUG says this is a dev server.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if envbool("BEHIND_HTTPS_PROXY") else None
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", default=False)
SESSION_COOKIE_SECURE = envbool("SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", default=False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Background tasks (django-tasks): indexing runs at once in the embedded default (TASKS_BACKEND=immediate), or
# is queued in the database for a `db_worker` process (database). Staff jobs (imports, update_index, the
# duplicates rebuild started from the admin) are always queued for a worker by default (JOBS_BACKEND=database):
# they outlast any request. `make run` starts that worker beside the site; with TASKS_BACKEND=database the
# jobs share the default queue, so one `db_worker` runs both. JOBS_BACKEND=immediate runs them in the request.
_TASK_BACKENDS = {
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
    "database": "django_tasks_db.DatabaseBackend",
}
_task_backend = os.environ.get("TASKS_BACKEND", "immediate")
_jobs_backend = os.environ.get("JOBS_BACKEND", "database")
for _name, _value in (("TASKS_BACKEND", _task_backend), ("JOBS_BACKEND", _jobs_backend)):
    if _value not in _TASK_BACKENDS:
        raise ImproperlyConfigured(f"{_name} must be one of {sorted(_TASK_BACKENDS)}; got {_value!r}")
TASKS = {"default": {"BACKEND": _TASK_BACKENDS[_task_backend]}}
if _jobs_backend != _task_backend:
    TASKS["jobs"] = {"BACKEND": _TASK_BACKENDS[_jobs_backend]}
# The task backend alias staff jobs go to (catalog.jobs), and how a running job shows it is alive: a heartbeat
# every HEARTBEAT_SECONDS; a running job silent for STALE_SECONDS (or whose worker process on this host is
# gone) is queued again and resumes where it stopped.
JOBS: dict[str, Any] = {
    "BACKEND": "jobs" if "jobs" in TASKS else "default",
    "HEARTBEAT_SECONDS": envint("LIKENESS_JOB_HEARTBEAT_SECONDS", 5),
    "STALE_SECONDS": envint("LIKENESS_JOB_STALE_SECONDS", 60),
}

LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # Start-up noise: faiss says at INFO which CPU build it tried and loaded, in every process.
        "faiss.loader": {"level": "WARNING"},
        # With the immediate backend tasks run inside the request or command that queued them, and a start and an
        # end line per task only drowns what matters (a demo load made hundreds); a db_worker's log keeps them.
        "django_tasks": {"level": "INFO" if _task_backend == "database" else "WARNING"},
    },
}

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "webapp.auth.CheckedTokenAuthentication",
        "webapp.auth.CachedBasicAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # Anonymous visitors per IP; partners per user and scope (search, writes). 429 with Retry-After.
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("THROTTLE_ANON", "120/min"),
        "search": os.environ.get("THROTTLE_SEARCH", "600/min"),
        "writes": os.environ.get("THROTTLE_WRITES", "120/min"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Likeness API",
    "DESCRIPTION": "Reverse image search and catalog sync for image licensing catalogs.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",  # served from this site, never from a CDN
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {"LicenseTypeEnum": "catalog.models.LicenseType", "StatusEnum": "catalog.models.Status"},
}


def _elasticsearch(index_suffix: str = "") -> dict:
    """Where an Elasticsearch-backed component lives: the nodes, and its index (or alias) name."""
    return {
        "URLS": envlist("ELASTICSEARCH_URL", []),
        "INDEX": os.environ.get("ELASTICSEARCH_INDEX", "likeness") + index_suffix,
    }


def _chosen(variable: str, options: dict[str, dict], default: str) -> tuple[str, dict]:
    """The name the environment variable gives and its options; an unknown name is an error at start-up."""
    name = os.environ.get(variable, default)
    if name not in options:
        raise ImproperlyConfigured(f"{variable} must be one of {sorted(options)}; got {name!r}")
    return name, options[name]


# Reverse-image matching: MATCH_PROVIDER=local (hash index in this process), elasticsearch (window keys
# as chunk terms in an Elasticsearch index of their own: no index in any web process) or remote.
_match_name, _match_provider = _chosen("MATCH_PROVIDER", {
    "local": {"BACKEND": "matching.providers.local"},
    "elasticsearch": {"BACKEND": "matching.providers.chunked", **_elasticsearch("-keys")},
    "remote": {
        "BACKEND": "matching.providers.remote",
        "URL": os.environ.get("MATCHENGINE_URL", ""),
        "USER": os.environ.get("MATCHENGINE_USER", ""),
        "PASSWORD": envsecret("MATCHENGINE_PASSWORD") or "",
        "TIMEOUT": float(os.environ.get("MATCHENGINE_TIMEOUT", "15")),  # seconds to wait for an answer
        "RETRIES": envint("MATCHENGINE_RETRIES", 2),  # after connection errors and 5xx only
    },
}, "local")  # fmt: skip
if _match_name == "remote" and not _match_provider["URL"]:
    raise ImproperlyConfigured("MATCH_PROVIDER=remote needs MATCHENGINE_URL (e.g. https://host/account/rest/).")
LIKENESS_MATCH_PROVIDERS = {"default": _match_provider}

# Keywords, filters and facets: SEARCH_BACKEND=database (embedded) or elasticsearch.
_search_name, _search_backend = _chosen("SEARCH_BACKEND", {
    "database": {"BACKEND": "search.backends.database"},
    "elasticsearch": {"BACKEND": "search.backends.elasticsearch", **_elasticsearch()},
}, "database")  # fmt: skip
LIKENESS_SEARCH_BACKENDS = {"default": _search_backend}

# The look-alike index: LOOKALIKE_INDEX=memory (8-bit codes in each process, mapped from the host's
# snapshot) or elasticsearch (dense_vector and kNN search in an index of its own: nothing in any process).
_lookalike_name, _lookalike_index = _chosen("LOOKALIKE_INDEX", {
    "memory": {"BACKEND": "matching.index.lookalike_memory"},
    "elasticsearch": {"BACKEND": "matching.index.lookalike_elastic", **_elasticsearch("-looks")},
}, "memory")  # fmt: skip
# One check for every part that may live in Elasticsearch, at start-up: never a 503 at request time.
_on_elasticsearch = [f"{variable}=elasticsearch" for variable, name in (
    ("SEARCH_BACKEND", _search_name), ("MATCH_PROVIDER", _match_name), ("LOOKALIKE_INDEX", _lookalike_name),
) if name == "elasticsearch"]  # fmt: skip
if _on_elasticsearch and not envlist("ELASTICSEARCH_URL", []):
    raise ImproperlyConfigured(f"{', '.join(_on_elasticsearch)} needs ELASTICSEARCH_URL (e.g. http://localhost:9200).")

LIKENESS_LOOKALIKE_INDEXES = {"default": _lookalike_index}


class LikenessSettings(TypedDict):
    """The keys of LIKENESS and their types (what `settings.LIKENESS[...]` gives type checkers)."""

    MAX_UPLOAD_BYTES: int
    MAX_PIXELS: int
    MAX_ARCHIVE_ENTRIES: int
    MAX_ARCHIVE_BYTES: int
    MAX_QUERY_IMAGES: int
    MAX_REQUEST_PIXELS: int
    MAX_QUERY_PIXELS: int
    MAX_BATCH_IMAGES: int
    FETCH_SECONDS: int
    PREVIEW_SIZE: int
    WATERMARK: str
    ELASTICSEARCH_SECONDS: float
    ELASTICSEARCH_RETRY_SECONDS: float
    MODEL_DIR: str
    INDEX_DIR: str
    QUERY_IMAGE_SECONDS: int
    LICENCE_DOWNLOAD_DAYS: int
    LICENCE_DOWNLOADS: int
    LICENCE_REQUESTS_PER_HOUR: int
    ALLOW_PRIVATE_URLS: NotRequired[bool]  # only the test settings set it (image URLs on loopback addresses)


# Likeness itself.
LIKENESS: LikenessSettings = {
    # Untrusted images: refused above these limits, before any full decode.
    "MAX_UPLOAD_BYTES": DATA_UPLOAD_MAX_MEMORY_SIZE,
    "MAX_PIXELS": envint("LIKENESS_MAX_PIXELS", 100_000_000),
    # A zip import: at most this many files, and this many bytes once inflated (as its directory declares),
    # refused before anything is inflated; each file is read up to MAX_UPLOAD_BYTES, one at a time.
    "MAX_ARCHIVE_ENTRIES": envint("LIKENESS_MAX_ARCHIVE_ENTRIES", 100_000),
    "MAX_ARCHIVE_BYTES": envint("LIKENESS_MAX_ARCHIVE_BYTES", 20 * 1024**3),
    # One request may bring at most this many query images (files and URLs together), and at most
    # this many pixels in all of them: a few large images cannot tie up a worker.
    "MAX_QUERY_IMAGES": envint("LIKENESS_MAX_QUERY_IMAGES", 5),
    "MAX_REQUEST_PIXELS": envint("LIKENESS_MAX_REQUEST_PIXELS", 150_000_000),
    # A query image that must be decoded whole (all but baseline JPEG, which decodes at reduced
    # scale) may have this many pixels: its cost follows the pixels it declares, not its bytes.
    "MAX_QUERY_PIXELS": envint("LIKENESS_MAX_QUERY_PIXELS", 16_000_000),
    # A /rest/add/ batch (staff and partners with the API permission) may carry this many images.
    "MAX_BATCH_IMAGES": envint("LIKENESS_MAX_BATCH_IMAGES", 100),
    # Fetching an image URL: the whole download, redirects included, must end within this many seconds.
    "FETCH_SECONDS": envint("LIKENESS_FETCH_SECONDS", 8),
    # Each request to Elasticsearch may take this long; once a node has not answered, requests to it
    # fail at once (503) for ELASTICSEARCH_RETRY_SECONDS, then one is let through to try it again.
    "ELASTICSEARCH_SECONDS": envint("ELASTICSEARCH_TIMEOUT", 3),
    "ELASTICSEARCH_RETRY_SECONDS": envint("ELASTICSEARCH_RETRY_SECONDS", 15),
    # The public preview of a catalog picture: at most this many pixels on its long side, watermarked
    # with the collection's rights holder (or name), else with this text.
    "PREVIEW_SIZE": envint("LIKENESS_PREVIEW_SIZE", 1024),
    "WATERMARK": os.environ.get("LIKENESS_WATERMARK", "Likeness"),
    # Where the look-alike model's ONNX graph is kept once built from the packaged weights.
    "MODEL_DIR": os.environ.get("LIKENESS_MODEL_DIR") or str(BASE_DIR / "var" / "models"),
    # Index snapshots every process of this host maps instead of building its own index from the
    # database (matching.index.snapshot). One folder per database; "off" turns snapshots off.
    "INDEX_DIR": ""
    if os.environ.get("LIKENESS_INDEX_DIR") == "off"
    else os.environ.get("LIKENESS_INDEX_DIR") or str(BASE_DIR / "var" / "index"),
    # Query images dropped on the search page are kept this long, so a region re-search needs no re-upload.
    "QUERY_IMAGE_SECONDS": envint("LIKENESS_QUERY_IMAGE_SECONDS", 3600),
    # A granted licence's download link works this many days, this many times; the public licence form
    # takes this many requests an hour from one client address.
    "LICENCE_DOWNLOAD_DAYS": envint("LIKENESS_LICENCE_DOWNLOAD_DAYS", 7),
    "LICENCE_DOWNLOADS": envint("LIKENESS_LICENCE_DOWNLOADS", 5),
    "LICENCE_REQUESTS_PER_HOUR": envint("LIKENESS_LICENCE_REQUESTS_PER_HOUR", 10),
}

# E-mail (a granted licence's download link): printed to the console unless EMAIL_HOST names an SMTP server.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_PORT = envint("EMAIL_PORT", 587)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = envsecret("EMAIL_HOST_PASSWORD") or ""
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", default=True)
EMAIL_TIMEOUT = 10  # seconds: a mail server that does not answer fails the grant instead of hanging the admin
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "likeness@localhost")

# Caches: per-process memory by default; query images and the request counts of rate limits go to files on
# this host, so that every web worker process sees them (a limit counted per process is as many times looser).
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "rates": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": os.environ.get("RATE_LIMIT_DIR", str(BASE_DIR / "var" / "rates")),
        "OPTIONS": {"MAX_ENTRIES": 20000},
    },
    "query-images": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": os.environ.get("QUERY_IMAGE_DIR", str(BASE_DIR / "var" / "query-images")),
        "TIMEOUT": LIKENESS["QUERY_IMAGE_SECONDS"],
        "OPTIONS": {"MAX_ENTRIES": 2000},
    },
}
