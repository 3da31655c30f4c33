"""Settings for the test suite: the real databases, faster hashing, no secure cookies."""

import tempfile
from pathlib import Path

from config.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
# Live-server threads must not keep connections open, or PostgreSQL refuses to drop the test DB.
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
# Assertions read English msgids; tests/test_i18n.py checks that Chinese is the real default.
LANGUAGE_CODE = "en"
# Uploaded photos go to a throwaway folder, never into the checkout.
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="resigrid-test-media-"))
# Tasks run at once in the test process (the database worker is an operations concern).
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
# Process caches (grid index, routing snapshot) re-check the database on every use: test
# transactions roll back, so a cache kept for a second could outlive its test's rows.
CACHE_CHECK_SECONDS = 0
