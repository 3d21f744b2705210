"""Settings for the test suite: the real settings, with their own var/ folder.

Tests get a separate SQLite file and filesystem broker folder, so a `make run` in the
same checkout never sees test tasks and vice versa. Worker processes started by the
tests use this module too.
"""

import os
from pathlib import Path

# Most tests sign staff in with force_login; the two-factor tests turn this back on.
os.environ.setdefault("STAFF_2FA_REQUIRED", "false")
os.environ.setdefault("VAR_DIR", str(Path(__file__).resolve().parent.parent / "var" / "test"))

from survivorship.settings import *  # noqa: E402, F403
from survivorship.settings import PASSWORD_HASHERS

# Hashing with Argon2 on every created user would dominate the suite's run time; the
# production order is checked by tests/survivorship/test_settings.py in a subprocess.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]
