"""Which real services this test run has, and what to do when one is missing.

Locally a missing PostgreSQL or Redis skips the tests that need it, with a reason. With
CI=true a missing service is a failure: CI exists to prove the real thing works.
"""

import os
import shutil
import socket
from functools import cache
from urllib.parse import urlsplit

import pytest
from django.db import connection

CHROMIUM = "/usr/bin/chromium"


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


@cache
def redis_problem() -> str | None:
    url = os.environ.get("REDIS_URL")
    if not url:
        return "REDIS_URL is not set"
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname, parts.port or 6379), timeout=2) as sock:
            sock.sendall(b"PING\r\n")
            if not sock.recv(16).startswith(b"+PONG"):
                return f"Redis at {parts.hostname} did not answer PING"
    except OSError as exc:
        return f"Redis at {parts.hostname}:{parts.port or 6379} is unreachable ({exc})"
    return None


def postgres_problem() -> str | None:

    if connection.vendor != "postgresql":
        return "DATABASE_URL does not point at PostgreSQL"
    return None


def chromium_problem() -> str | None:
    if not shutil.which(CHROMIUM):
        return f"{CHROMIUM} is not installed (apt-get install chromium)"
    return None


def require(problem: str | None) -> None:
    """Skip (locally) or fail (in CI) when a needed service is missing."""
    if problem is None:
        return
    if in_ci():
        pytest.fail(f"CI needs this service: {problem}", pytrace=False)
    pytest.skip(problem)
