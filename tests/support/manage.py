"""Run manage.py in a fresh process, as an operator would."""

import os
import secrets
import subprocess
import sys

from django.conf import settings

REAL_SECRET = secrets.token_urlsafe(60)


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {
        key: value
        for key, value in os.environ.items()
        if key
        not in {
            "DJANGO_ENV",
            "SECRET_KEY",
            "ALLOWED_HOSTS",
            "DEBUG",
            "DJANGO_SETTINGS_MODULE",
            "DJANGO_ALLOW_ASYNC_UNSAFE",  # set by the browser tests for their own thread
            "STAFF_2FA_REQUIRED",  # relaxed by settings_test for the rest of the suite
            "EMAIL_HOST",
            "EMAIL_BACKEND_ALLOW_CONSOLE",
            "SITE_URL",
            "PORT",
        }
    }
    environment.update(env)
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args, *(["-v", "0"] if args[0] == "shell" else [])],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
