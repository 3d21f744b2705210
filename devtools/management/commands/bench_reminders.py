"""Time reminder planning and delivery: ``manage.py bench_reminders [--visits N] [--emails M]``.

Needs PostgreSQL (DATABASE_URL) and Redis (REDIS_URL): delivery runs through real Celery
worker processes, as in production. Three steps, each printed with its figures:

1. Setup (not timed): N synthetic scheduled visits in bulk, 10 per patient, patients
   spread over several IANA time zones, half with their own quiet hours.
2. Planning the visits' reminders, timed two ways:
   - ``reminders.visit_reminders_plan`` once per visit, as booking a visit does, on a sample;
   - ``reminders.bookings_reminders_plan`` for many bookings at once (zones and quiet
     hours read once per chunk, the same ``send_times`` and ``decide`` rules as
     ``visit_reminders_plan``, rows in with ``bulk_create(ignore_conflicts=True)``). The
     command checks that the bulk rows equal what ``visit_reminders_plan`` wrote for the
     sample.
3. Delivery: M of the planned reminders are made due now and handed to ``--workers``
   Celery worker processes (``--concurrency=1`` each) with ``dispatch.enqueue``; mail goes
   to an SMTP sink (aiosmtpd) in this process. Timed from enqueue until the sink has
   all M messages; then checked: every row sent, one message per row, none twice.
   Before it, the baseline: M no-op tasks (one per message) through the same broker and
   workers; the run prints both rates and dispatch's ratio to the no-op (target ≥ 0.5×).
   Peak memory is read from /proc/<pid>/status (VmHWM) of the workers and their pool
   processes.

Everything the benchmark created is deleted at the end (with plain SQL, which skips the
audit history that deleting 100,000 objects one by one would write).
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import zoneinfo
from datetime import time as dtime
from datetime import timedelta
from pathlib import Path

import redis
from aiosmtpd.controller import Controller
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from followup import tasks
from followup.delivery import dispatch
from followup.models import (
    CarePlan,
    CarePlanTemplate,
    CheckIn,
    DeliveryAttempt,
    FollowUpVisit,
    ItemKind,
    Reminder,
    ReminderPreference,
    ReminderStatus,
    VisitStatus,
)
from followup.services import reminders
from patients.choices import CancerType, ReminderChannel
from patients.models import CancerDiagnosis, Patient

MRN_PREFIX = "BENCHREM-"
VISITS_PER_PATIENT = 10
ZONES = (
    "UTC",
    "Europe/Berlin",
    "America/New_York",
    "America/Los_Angeles",
    "Asia/Tokyo",
    "Australia/Sydney",
    "America/Sao_Paulo",
)
KINDS = (ItemKind.VISIT, ItemKind.IMAGING, ItemKind.LAB, ItemKind.PROCEDURE)
ALL_DAY = (dtime(0, 0), dtime(23, 59, 59, 999999))
UTC = zoneinfo.ZoneInfo("UTC")
READY_SECONDS = 60
STALL_SECONDS = 60  # no new message for this long: give up


class Command(BaseCommand):
    help = "Time reminder planning and delivery through real workers (PostgreSQL and Redis)."

    def say(self, text: str) -> None:
        elapsed = time.perf_counter() - getattr(self, "t0", time.perf_counter())
        self.stdout.write(f"[{elapsed:6.1f} s] {text}")

    def add_arguments(self, parser):
        parser.add_argument("--visits", type=int, default=100_000, help="Scheduled visits.")
        parser.add_argument("--emails", type=int, default=10_000, help="Emails to deliver.")
        parser.add_argument(
            "--sample", type=int, default=2000, help="Visits planned one by one (per-visit)."
        )
        parser.add_argument("--workers", type=int, default=2, help="Worker processes.")
        parser.add_argument(
            "--timeout", type=int, default=600, help="Seconds to wait for delivery."
        )

    def handle(self, *args, visits, emails, sample, workers, timeout, **options):
        self.t0 = time.perf_counter()
        if connection.vendor != "postgresql":
            raise CommandError(
                "bench_reminders needs PostgreSQL: set DATABASE_URL=postgresql://... "
                "(the workers are other processes, and the figures only mean something there)."
            )
        if not settings.REDIS_URL:
            raise CommandError(
                "bench_reminders needs Redis: set REDIS_URL=redis://... (the workers' broker)."
            )
        if visits < 1 or emails < 0 or workers < 1:
            raise CommandError("--visits and --workers must be at least 1, --emails at least 0.")
        if Patient.objects.filter(medical_record_number__startswith=MRN_PREFIX).exists():
            self.say("Removing the data of an earlier, interrupted run…")
            self._cleanup()
        template = CarePlanTemplate.objects.filter(code="breast").first()
        if template is None:
            raise CommandError("The seeded care-plan templates are missing: run migrate first.")
        self.say(
            f"Database: {connection.settings_dict['NAME']}; broker: Redis; visits: {visits}; "
            f"emails: {emails}; workers: {workers}"
        )
        if settings.DEBUG:
            self.say("Note: DEBUG is on in this process (workers run with DEBUG=0).")
        # A plain `kill` still removes the benchmark data and stops the workers.
        signal.signal(signal.SIGTERM, _interrupt)
        try:
            started = time.perf_counter()
            visit_ids = self._setup(visits, template)
            self.say(
                f"setup: {len(visit_ids)} scheduled visits for "
                f"{Patient.objects.filter(medical_record_number__startswith=MRN_PREFIX).count()}"
                f" patients in {time.perf_counter() - started:.1f} s"
            )
            _analyze(Patient, ReminderPreference, CancerDiagnosis, CarePlan, FollowUpVisit)
            self._plan(visit_ids, min(sample, len(visit_ids)))
            _analyze(Reminder)
            if emails:
                self._deliver(emails, workers, timeout)
        finally:
            started = time.perf_counter()
            self._cleanup()
            self.say(
                f"cleanup: removed the benchmark data in {time.perf_counter() - started:.1f} s"
            )

    # --- 1. Setup -----------------------------------------------------------------------

    def _setup(self, count: int, template: CarePlanTemplate) -> list[int]:
        now = timezone.now()
        today = timezone.localdate()
        n_patients = -(-count // VISITS_PER_PATIENT)
        patients = Patient.objects.bulk_create(
            [
                Patient(
                    medical_record_number=f"{MRN_PREFIX}{n:07d}",
                    given_name="Bench",
                    family_name=f"Patient {n}",
                    email=f"bench{n}@example.org",
                    preferred_channel=ReminderChannel.EMAIL,
                    time_zone=ZONES[n % len(ZONES)],
                    reminder_consent_at=now,
                )
                for n in range(n_patients)
            ],
            batch_size=2000,
        )
        ReminderPreference.objects.bulk_create(
            [
                ReminderPreference(patient=p, quiet_start=dtime(9), quiet_end=dtime(19))
                for p in patients[::2]
            ],
            batch_size=2000,
        )
        diagnoses = CancerDiagnosis.objects.bulk_create(
            [
                CancerDiagnosis(
                    patient=p, cancer_type=CancerType.BREAST, diagnosed_on=today - timedelta(400)
                )
                for p in patients
            ],
            batch_size=2000,
        )
        plans = CarePlan.objects.bulk_create(
            [
                CarePlan(
                    patient_id=d.patient_id,
                    diagnosis=d,
                    template=template,
                    template_version=template.version,
                    start_date=today - timedelta(days=200),
                )
                for d in diagnoses
            ],
            batch_size=2000,
        )
        base = now.replace(second=0, microsecond=0)
        rows = []
        for n in range(count):
            plan = plans[n // VISITS_PER_PATIENT]
            # Spread over the coming two months and over the day (UTC).
            at = base + timedelta(days=2 + n % 58, minutes=(n * 37) % 1440)
            due = at.date()
            rows.append(
                FollowUpVisit(
                    plan_id=plan.pk,
                    patient_id=plan.patient_id,
                    sequence=n,
                    kind=KINDS[n % len(KINDS)],
                    label="Bench item",
                    due_date=due,
                    window_start=due - timedelta(days=14),
                    window_end=due + timedelta(days=14),
                    status=VisitStatus.SCHEDULED,
                    scheduled_at=at,
                    location="Clinic B",
                )
            )
        made = FollowUpVisit.objects.bulk_create(rows, batch_size=5000)
        return [visit.pk for visit in made]

    # --- 2. Planning ----------------------------------------------------------------------

    def _plan(self, visit_ids: list[int], sample: int) -> None:
        sample_ids = visit_ids[:sample]
        now = timezone.now()  # one moment for both paths, so their results compare exactly
        started = time.perf_counter()
        for visit in FollowUpVisit.objects.filter(pk__in=sample_ids).select_related("patient"):
            with transaction.atomic():
                reminders.visit_reminders_plan(visit, now=now)
        per_visit_seconds = time.perf_counter() - started
        expected = {
            row[0]: row[1:]
            for row in Reminder.objects.filter(visit_id__in=sample_ids).values_list(
                "dedupe_key", "send_at", "status", "skip_reason", "kind", "channel", "context"
            )
        }
        _delete_where("followup_reminder", "visit_id = ANY(%s)", [sample_ids])

        before = Reminder.objects.count()
        started = time.perf_counter()
        reminders.bookings_reminders_plan(visit_ids, now=now)
        bulk_seconds = time.perf_counter() - started
        created = Reminder.objects.count() - before

        actual = {
            row[0]: row[1:]
            for row in Reminder.objects.filter(visit_id__in=sample_ids).values_list(
                "dedupe_key", "send_at", "status", "skip_reason", "kind", "channel", "context"
            )
        }
        total = Reminder.objects.filter(visit_id__in=visit_ids).count()
        self.say(
            f"planning, per visit (visit_reminders_plan, {len(sample_ids)} visits): "
            f"{per_visit_seconds:.2f} s, {len(sample_ids) / per_visit_seconds:,.0f} visits/s"
        )
        self.say(
            f"planning, bulk ({len(visit_ids)} visits, {total} reminders, {created} new): "
            f"{bulk_seconds:.2f} s, {len(visit_ids) / bulk_seconds:,.0f} visits/s"
        )
        if actual != expected:
            for key in sorted(actual.keys() | expected):
                if actual.get(key) != expected.get(key):
                    self.stderr.write(
                        f"{key}: visit_reminders_plan {expected.get(key)}, bulk {actual.get(key)}"
                    )
            raise CommandError(
                "The bulk path planned the sample differently from visit_reminders_plan "
                f"({sum(actual.get(k) != expected.get(k) for k in actual.keys() | expected)} "
                "rows differ)."
            )
        self.say(f"check: bulk rows equal visit_reminders_plan's for the {sample} sample visits")

    # --- 3. Delivery ----------------------------------------------------------------------

    def _deliver(self, emails: int, workers: int, timeout: int) -> None:
        bench_patients = Patient.objects.filter(medical_record_number__startswith=MRN_PREFIX)
        pending = Reminder.objects.filter(
            patient__in=bench_patients, status=ReminderStatus.PENDING
        ).order_by("pk")
        ids = list(pending.values_list("pk", flat=True)[:emails])
        if len(ids) < emails:
            raise CommandError(f"Only {len(ids)} pending reminders to send; use more --visits.")
        # Quiet hours that never defer, so the figure is about sending; then the clock
        # move: these reminders fall due now.
        patient_ids = set(Reminder.objects.filter(pk__in=ids).values_list("patient_id", flat=True))
        ReminderPreference.objects.filter(patient_id__in=patient_ids).update(
            quiet_start=ALL_DAY[0], quiet_end=ALL_DAY[1]
        )
        have = set(
            ReminderPreference.objects.filter(patient_id__in=patient_ids).values_list(
                "patient_id", flat=True
            )
        )
        ReminderPreference.objects.bulk_create(
            [
                ReminderPreference(patient_id=pk, quiet_start=ALL_DAY[0], quiet_end=ALL_DAY[1])
                for pk in patient_ids
                if pk not in have
            ],
            batch_size=2000,
        )
        Reminder.objects.filter(pk__in=ids).update(send_at=timezone.now())

        sink = Sink()
        logs = Path(tempfile.mkdtemp(prefix="bench-reminders-"))
        processes: list[subprocess.Popen] = []
        try:
            sink.start()
            for n in range(workers):
                processes.append(start_worker(logs / f"worker{n}.log", sink.port, n))
            for n, process in enumerate(processes):
                wait_ready(process, logs / f"worker{n}.log")
            self.say(f"workers ready ({workers} × concurrency 1); logs in {logs}")

            noop_rate = self._noop_rate(len(ids), timeout)
            peak_rss_sum = 0
            started = time.perf_counter()
            batches = dispatch.enqueue(ids)
            deadline = started + timeout
            progress = (0, started)
            while sink.count() < len(ids):
                peak_rss_sum = max(
                    peak_rss_sum, sum(rss_kib(pid, "VmRSS") for pid in tree(processes))
                )
                now = time.perf_counter()
                if sink.count() > progress[0]:
                    progress = (sink.count(), now)
                if now > deadline or now - progress[1] > STALL_SECONDS:
                    raise CommandError(
                        f"Only {sink.count()} of {len(ids)} messages arrived "
                        f"({now - started:.0f} s); worker logs in {logs}."
                    )
                if any(p.poll() is not None for p in processes):
                    raise CommandError(f"A worker stopped; see {logs}.")
                time.sleep(0.1)
            seconds = time.perf_counter() - started
            hwm = {pid: rss_kib(pid, "VmHWM") for pid in tree(processes)}

            # Let anything that would be a duplicate arrive, then check exactly once.
            settle = time.monotonic() + 30
            while Reminder.objects.filter(pk__in=ids, status=ReminderStatus.SENDING).exists():
                if time.monotonic() > settle:
                    break
                time.sleep(0.2)
            time.sleep(2)
            statuses = dict(
                Reminder.objects.filter(pk__in=ids)
                .order_by()
                .values("status")
                .annotate(n=Count("pk"))
                .values_list("status", "n")
            )
            provider_ids = set(
                Reminder.objects.filter(pk__in=ids).values_list("provider_message_id", flat=True)
            )
            received = sink.message_ids()
            self.say(
                f"delivery: {len(ids)} emails in {batches} batches of "
                f"{settings.REMINDER_BATCH_SIZE}: {seconds:.2f} s from enqueue to the last "
                f"message, {len(ids) / seconds:,.0f} messages/s"
            )
            rate = len(ids) / seconds
            self.say(
                f"ratio: dispatch {rate:,.0f} messages/s vs no-op {noop_rate:,.0f} tasks/s "
                f"on the same broker and workers = {rate / noop_rate:.2f}× (target ≥ 0.5×)"
            )
            self.say(
                f"check: rows {statuses}; messages received {len(received)}; distinct "
                f"{len(set(received))}; every row's Message-ID received once: "
                f"{sorted(received) == sorted(provider_ids)}"
            )
            self.say(
                "peak worker memory (VmHWM per process): "
                + ", ".join(f"{pid}: {kib / 1024:.0f} MiB" for pid, kib in sorted(hwm.items()))
                + f"; largest {max(hwm.values()) / 1024:.0f} MiB; sum of VmRSS over all worker "
                f"processes at most {peak_rss_sum / 1024:.0f} MiB (pages shared after fork "
                "counted in each)"
            )
            if len(received) != len(ids) or statuses != {ReminderStatus.SENT: len(ids)}:
                raise CommandError("Delivery was not exactly once: see the check above.")
        finally:
            for process in processes:
                stop(process)
            sink.stop()

    def _noop_rate(self, count: int, timeout: int) -> float:
        """The baseline: ``count`` no-op tasks (one per message) through the same workers."""
        client = redis.Redis.from_url(settings.REDIS_URL)
        key = f"bench-noop:{os.getpid()}:{time.time_ns()}"
        client.set(key, 0, ex=timeout + 60)
        started = time.perf_counter()
        for _ in range(count):
            tasks.bench_noop.delay(key)
        deadline = started + timeout
        while int(client.get(key) or 0) < count:
            if time.perf_counter() > deadline:
                raise CommandError(f"Only {client.get(key)} of {count} no-op tasks ran.")
            time.sleep(0.05)
        seconds = time.perf_counter() - started
        client.delete(key)
        self.say(
            f"baseline: {count} no-op tasks (one per message, publish to done) in "
            f"{seconds:.2f} s, {count / seconds:,.0f} tasks/s"
        )
        return count / seconds

    # --- Cleanup --------------------------------------------------------------------------

    def _cleanup(self) -> None:
        patients = "SELECT id FROM patients_patient WHERE medical_record_number LIKE %s"
        like = [MRN_PREFIX + "%"]
        with transaction.atomic():
            _delete_where(
                DeliveryAttempt._meta.db_table,
                # Table names come from the models, values are parameters.
                f"reminder_id IN (SELECT id FROM {Reminder._meta.db_table} "  # noqa: S608
                f"WHERE patient_id IN ({patients}))",
                like,
            )
            for model in (Reminder, CheckIn, FollowUpVisit, CarePlan, ReminderPreference):
                _delete_where(model._meta.db_table, f"patient_id IN ({patients})", like)
            _delete_where(CancerDiagnosis._meta.db_table, f"patient_id IN ({patients})", like)
            _delete_where(Patient._meta.db_table, "medical_record_number LIKE %s", like)


def _analyze(*models) -> None:
    """Fresh statistics after bulk inserts, as autovacuum would gather them in time.

    Without them PostgreSQL plans for the near-empty tables it last saw (one query of
    the delivery step took over 30 s instead of milliseconds).
    """
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def _delete_where(table: str, where: str, params) -> int:
    with connection.cursor() as cursor:
        sql = f"DELETE FROM {connection.ops.quote_name(table)} WHERE {where}"  # noqa: S608
        cursor.execute(sql, params)
        return cursor.rowcount


# --- Processes and the SMTP sink -------------------------------------------------------------


class Sink:
    """An SMTP server in a thread of this process that keeps the Message-ID of each mail."""

    def __init__(self):

        self.ids: list[str] = []
        self.lock = threading.Lock()
        sink = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):  # noqa: N802
                message_id = ""
                for line in envelope.content.split(b"\r\n"):
                    if not line:
                        break
                    if line[:11].lower() == b"message-id:":
                        message_id = line[11:].strip().decode()
                with sink.lock:
                    sink.ids.append(message_id)
                return "250 OK"

        self.port = _free_port()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)

    def start(self):

        logging.getLogger("mail.log").setLevel(logging.WARNING)
        self.controller.start()

    def stop(self):
        self.controller.stop()

    def count(self) -> int:
        with self.lock:
            return len(self.ids)

    def message_ids(self) -> list[str]:
        with self.lock:
            return list(self.ids)


def _free_port() -> int:

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_worker(log: Path, smtp_port: int, n: int) -> subprocess.Popen:
    env = os.environ.copy()
    env.setdefault("DJANGO_SETTINGS_MODULE", "survivorship.settings")
    env.setdefault("DEBUG", "0")
    env.update({"EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(smtp_port)})
    command = [
        sys.executable, "-m", "celery", "-A", "survivorship", "worker",
        "--loglevel=INFO", "--pool=prefork", "--concurrency=1",
        "--without-mingle", "--without-gossip", "--without-heartbeat",
        f"--hostname=bench{n}-{os.getpid()}@%h",
    ]  # fmt: skip
    with log.open("ab") as out:
        return subprocess.Popen(  # noqa: S603
            command, env=env, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True, cwd=settings.BASE_DIR,
        )  # fmt: skip


def wait_ready(process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise CommandError(f"A worker exited early:\n{log.read_text(errors='replace')}")
        if " ready." in log.read_text(errors="replace"):
            return
        time.sleep(0.2)
    raise CommandError(f"A worker did not become ready:\n{log.read_text(errors='replace')}")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def tree(processes: list[subprocess.Popen]) -> list[int]:
    """The worker processes and all their descendants (the pool processes)."""
    found, todo = [], [p.pid for p in processes if p.poll() is None]
    while todo:
        pid = todo.pop()
        found.append(pid)
        try:
            todo.extend(
                int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
            )
        except OSError:
            pass
    return found


def rss_kib(pid: int, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0
