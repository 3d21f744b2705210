"""A real Celery worker in a child process, for tests whose behaviour depends on one.

The worker runs this project's code against the test database (committed data only, so
tests using it need ``transactional_db``) and the configured broker: Redis when
REDIS_URL is set (always in CI), the filesystem transport otherwise.
"""

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from survivorship.celery import app as celery_app

READY_TIMEOUT_SECONDS = 60
STOP_TIMEOUT_SECONDS = 20


def database_url_for_children() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(db['NAME']).resolve()}"
    user = quote(db.get("USER") or "")
    password = quote(db.get("PASSWORD") or "")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgresql://{auth}{host}:{port}/{db['NAME']}"


class WorkerProcess:
    def __init__(self, log_path: Path, extra_args: tuple[str, ...] = ()):
        self.log_path = log_path
        self.extra_args = extra_args
        self.process: subprocess.Popen | None = None

    def env(self) -> dict[str, str]:
        env = os.environ.copy()
        env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        env["DJANGO_SETTINGS_MODULE"] = "survivorship.settings_test"
        env["DATABASE_URL"] = database_url_for_children()
        env["VAR_DIR"] = str(settings.VAR_DIR)
        return env

    def start(self) -> "WorkerProcess":
        command = [
            sys.executable, "-m", "celery", "-A", "survivorship", "worker",
            "--loglevel=INFO", "--pool=prefork", "--concurrency=1",
            "--without-mingle", "--without-gossip", "--without-heartbeat",
            f"--hostname=test-{uuid.uuid4().hex[:8]}@%h", *self.extra_args,
        ]  # fmt: skip
        self.log = self.log_path.open("ab")
        self.process = subprocess.Popen(  # noqa: S603
            command, env=self.env(), stdout=self.log, stderr=subprocess.STDOUT,
            start_new_session=True, cwd=settings.BASE_DIR,
        )  # fmt: skip
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"Celery worker exited early:\n{self.output()}")
            if " ready." in self.output():
                return self
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"Celery worker did not become ready:\n{self.output()}")

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self, sig: int = signal.SIGTERM) -> int:
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else 0
        os.killpg(self.process.pid, sig)
        try:
            self.process.wait(timeout=STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self.log.close()
        return self.process.returncode


def wait_for(predicate, timeout: float = 30, interval: float = 0.2):
    """Poll ``predicate`` until it returns something truthy; fail the test after ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(interval)
    pytest.fail(f"condition not met within {timeout} s")


@pytest.fixture
def celery_worker_process(transactional_db, tmp_path):
    """Start a real worker on an empty queue; stop it cleanly after the test."""
    celery_app.control.purge()
    worker = WorkerProcess(tmp_path / "worker.log").start()
    yield worker
    code = worker.stop()
    assert code in (0, -signal.SIGTERM), f"worker exit status {code}:\n{worker.output()}"
