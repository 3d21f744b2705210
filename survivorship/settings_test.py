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


def _isolate_parallel_worker() -> None:
    """Under pytest-xdist each worker ("gw0", "gw1", …) gets a var/ folder and a Redis
    database of its own, as it gets its own test database: the suite clears the cache
    between tests, which must not reach the other worker. Processes the tests start
    inherit the result (and leave it as it is)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not worker or os.environ.get("SURVIVORSHIP_TEST_WORKER") == worker:
        return
    os.environ["SURVIVORSHIP_TEST_WORKER"] = worker
    os.environ["VAR_DIR"] = f"{os.environ['VAR_DIR']}-{worker}"
    redis_url = os.environ.get("REDIS_URL", "")
    if redis_url:
        base, _, db = redis_url.rstrip("/").rpartition("/")
        if not db.isdigit():  # no database in the URL: the default, 0
            base, db = redis_url.rstrip("/"), "0"
        number = (int(db) + 1 + int(worker.removeprefix("gw"))) % 16
        os.environ["REDIS_URL"] = f"{base}/{number}"


_isolate_parallel_worker()

from survivorship.settings import *  # noqa: E402, F403
from survivorship.settings import PASSWORD_HASHERS  # noqa: E402

# Hashing with Argon2 on every created user would dominate the suite's run time; the
# production order is checked by tests/survivorship/test_settings.py in a subprocess.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]
