"""Real services for reminder delivery tests: an SMTP sink, Redis, workers, beat, patients.

The sink is aiosmtpd on 127.0.0.1 and a free port; workers and beat are real Celery
processes (see tests/celery_worker.py) told where the sink is through their environment.
"""

from __future__ import annotations

import asyncio
import base64
import email
import email.policy
import json
import logging
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path

import redis
from aiosmtpd.controller import Controller
from django.conf import settings
from django.utils import timezone
from kombu import pools

from followup.models import CarePlanTemplate, FollowUpVisit, ReminderPreference
from followup.services import plans as services
from patients.choices import CancerType
from patients.models import CancerDiagnosis, Patient
from tests.support.celery_worker import READY_TIMEOUT_SECONDS, WorkerProcess
from tests.support.factories import make_patient

# Quiet hours that never get in the way, whatever the time of day the test runs at.
ALL_DAY = (dtime(0, 0), dtime(23, 59, 59, 999999))
REDIS_SERVER = "redis-server"
# aiosmtpd logs every SMTP command at INFO: too much for a test report.
logging.getLogger("mail.log").setLevel(logging.WARNING)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- SMTP ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Received:
    to: tuple[str, ...]
    subject: str
    message_id: str
    body: str


class SinkHandler:
    """Accepts every message (after ``delay`` seconds) except to addresses in ``refuse``."""

    def __init__(self, delay: float = 0.0, refuse: tuple[str, ...] = ()):
        self.delay = delay
        self.refuse = set(refuse)
        self.messages: list[Received] = []
        self.in_flight = 0  # messages whose data arrived and are not yet answered
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address in self.refuse:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        with self.lock:
            self.in_flight += 1
        if self.delay:
            await asyncio.sleep(self.delay)
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        body = parsed.get_body(preferencelist=("plain",))
        with self.lock:
            self.messages.append(
                Received(
                    to=tuple(envelope.rcpt_tos),
                    subject=str(parsed["Subject"] or ""),
                    message_id=str(parsed["Message-ID"] or ""),
                    body=body.get_content() if body is not None else "",
                )
            )
            self.in_flight -= 1
        return "250 Message accepted for delivery"


class SmtpSink:
    def __init__(self, delay: float = 0.0, refuse: tuple[str, ...] = ()):
        self.handler = SinkHandler(delay=delay, refuse=refuse)
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> SmtpSink:
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()

    @property
    def messages(self) -> list[Received]:
        with self.handler.lock:
            return list(self.handler.messages)

    def count(self) -> int:
        return len(self.messages)

    def per_recipient(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for message in self.messages:
            for address in message.to:
                counts[address] = counts.get(address, 0) + 1
        return counts

    def env(self) -> dict[str, str]:
        """What a worker needs to send through this sink."""
        return {"EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(self.port)}


# --- Processes ---------------------------------------------------------------------------


class ReminderWorker(WorkerProcess):
    """The test worker with extra environment (the SMTP sink, a broker, a batch size)."""

    def __init__(self, log_path: Path, extra_env: dict[str, str] | None = None, **kwargs):
        super().__init__(log_path, **kwargs)
        self.extra_env = extra_env or {}

    def env(self) -> dict[str, str]:
        return {**super().env(), **self.extra_env}

    def pids(self) -> list[int]:
        """The main worker process and its pool children."""
        if self.process is None:
            return []
        return [self.process.pid, *children_of(self.process.pid)]


class BeatProcess(ReminderWorker):
    """``celery beat`` with its own schedule file, in a new session (stopped as a group)."""

    def __init__(self, log_path: Path, schedule_path: Path, extra_env=None):
        super().__init__(log_path, extra_env=extra_env)
        self.schedule_path = schedule_path

    def start(self) -> BeatProcess:
        command = [
            sys.executable, "-m", "celery", "-A", "survivorship", "beat",
            "--loglevel=INFO", f"--schedule={self.schedule_path}",
        ]  # fmt: skip
        self.log = self.log_path.open("ab")
        self.process = subprocess.Popen(  # noqa: S603
            command, env=self.env(), stdout=self.log, stderr=subprocess.STDOUT,
            start_new_session=True, cwd=settings.BASE_DIR,
        )  # fmt: skip
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"Celery beat exited early:\n{self.output()}")
            if "beat: Starting..." in self.output():
                return self
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"Celery beat did not start:\n{self.output()}")


def children_of(pid: int) -> list[int]:
    """All descendants of ``pid`` (Linux /proc)."""
    found, todo = [], [pid]
    while todo:
        parent = todo.pop()
        path = Path(f"/proc/{parent}/task/{parent}/children")
        try:
            kids = [int(k) for k in path.read_text().split()]
        except OSError:
            kids = []
        found.extend(kids)
        todo.extend(kids)
    return found


class RedisServer:
    """A private redis-server on a free port: stoppable and restartable on the same port."""

    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        command = [
            REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1",
            "--save", "", "--appendonly", "no", "--daemonize", "no",
        ]  # fmt: skip
        self.process = subprocess.Popen(  # noqa: S603
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.ping():
                return self
            if self.process.poll() is not None:
                raise RuntimeError(f"redis-server exited with {self.process.returncode}")
            time.sleep(0.05)
        self.stop()
        raise RuntimeError("redis-server did not answer PING")

    def ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


def reset_celery_pools(app) -> None:
    """Forget the app's pooled broker connections: the next publish uses the current URL.

    kombu keeps pools in global groups keyed by the broker address; the app only caches a
    reference. Dropping the reference (not closing the shared pool) is enough.
    """
    app._pool = None
    app.amqp._producer_pool = None


def close_broker_pools(app) -> None:
    """Close and forget the global pools of the app's current broker (a private Redis)."""

    connection = app.connection_for_write()
    for group in (pools.producers, pools.connections):
        try:
            pool = group[connection]
        except KeyError:
            continue
        pool.force_close_all()
        del group[connection]
    reset_celery_pools(app)


def forget_unacked(app, batches: list[list[int]]) -> int:
    """Drop the unacknowledged copies of these reminder batches a killed worker left in Redis.

    kombu keeps a delivered message that was never acknowledged in the "unacked" hash and
    puts it back on the queue after the visibility timeout (an hour here): some later
    test's worker would then run it against whatever rows have those ids by then. Only
    messages of ``send_reminder_batch`` with exactly one of ``batches`` are touched.
    """
    url = app.conf.broker_write_url or app.conf.broker_url
    if not str(url).startswith("redis"):
        return 0  # the filesystem transport removed the message when it was delivered

    wanted = {tuple(batch) for batch in batches}
    removed = 0
    client = redis.Redis.from_url(url)
    try:
        for tag, raw in client.hgetall("unacked").items():
            message = json.loads(raw)[0]
            if message["headers"].get("task") != "followup.tasks.send_reminder_batch":
                continue
            body = message["body"]
            if message["properties"].get("body_encoding") == "base64":
                body = base64.b64decode(body)
            args = json.loads(body)[0]
            if args and tuple(args[0]) in wanted:
                client.hdel("unacked", tag)
                client.zrem("unacked_index", tag)
                removed += 1
    finally:
        client.close()
    return removed


# --- Data ----------------------------------------------------------------------------------


def allow_reminders(patient: Patient, **fields) -> Patient:
    """Consent on file, wide quiet hours, and any contact details given."""
    fields.setdefault("reminder_consent_at", timezone.now())
    for name, value in fields.items():
        setattr(patient, name, value)
    patient.save()
    ReminderPreference.objects.update_or_create(
        patient=patient, defaults={"quiet_start": ALL_DAY[0], "quiet_end": ALL_DAY[1]}
    )
    return patient


def first_open_visit(diagnosis: CancerDiagnosis, *, start_date: date | None = None):
    """A breast care plan for ``diagnosis`` (built by the service); its first item."""
    start = start_date or timezone.localdate() - timedelta(days=400)
    plan = services.careplan_create(
        diagnosis=diagnosis, template=CarePlanTemplate.objects.get(code="breast"), start_date=start
    )
    return FollowUpVisit.objects.filter(plan=plan).order_by("due_date", "pk").first()


def make_reminder_patient(nurse, n: int, **fields) -> tuple[Patient, CancerDiagnosis]:
    """Patient number ``n`` with a breast diagnosis, their own email, reminders allowed."""
    fields.setdefault("email", f"patient{n}@example.org")
    fields.setdefault("time_zone", "Europe/Berlin")
    patient = make_patient(nurse, mrn=f"MRN-R{n:04d}", given=f"Pat{n}", family="Reminder")
    allow_reminders(patient, **fields)
    diagnosis = CancerDiagnosis.objects.create(
        patient=patient, cancer_type=CancerType.BREAST, diagnosed_on=date(2022, 1, 10)
    )
    return patient, diagnosis


def schedule_visit(diagnosis: CancerDiagnosis, at: datetime) -> FollowUpVisit:
    """Book the first item of a new plan through the service (which plans its reminders)."""
    visit = first_open_visit(diagnosis)
    return services.visit_schedule(visit=visit, at=at, location="Clinic B, room 2")
