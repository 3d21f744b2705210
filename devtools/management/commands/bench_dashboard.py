"""Measure the dashboard at clinic-network scale: ``manage.py bench_dashboard``.

Needs PostgreSQL (DATABASE_URL), and a database of its own: the command fills it with
synthetic records and refuses to run where real patients live. ``make bench`` runs it.

1. Dataset (built once, then reused while its marker and row counts match; ``--rebuild``
   forces a new one). ``--patients`` (100,000) survivors spread over ``--nurses`` (200)
   nurses, one diagnosis each over a realistic mix of cancer types, one active care plan
   each from the seeded guideline template for that type, and the plan's follow-up items
   from ``scheduling.generate_schedule`` (computed once per template and start date).
   Plans start over the last ``--years`` (4) years and keep items up to
   ``--ahead-months`` (6) months ahead rather than the full five-year core horizon, so
   that 100,000 patients give about 1,000,000 items, as the issue asks. Statuses follow
   a clinic's mix: most past items completed, some cancelled, open items whose window
   has ended (planned, scheduled or missed: overdue) weighted towards the recent past,
   items in their window partly done, future items planned or booked. The overdue share
   is ``--overdue-share`` (7%) of all items, topped up to at least ``--min-overdue``
   (the number of patients: 100,000 at full size) so the export moves 100,000 rows.
   Reminders (sent, failed, skipped, pending), contact notes, symptom reports and twelve
   weeks of nightly overdue snapshots complete the pages.
   Rows go in with COPY in one transaction, then VACUUM ANALYZE (as autovacuum would
   have done by the time anyone looks). No django-simple-history rows are written for
   the bench dataset: the pages measured never read them.
2. Measurements with Django's test ``Client``: server time through the whole middleware
   stack (sessions, authentication, a session verified by a second factor, CSRF, axes,
   the access log), DEBUG off, no network. ``--requests`` (30) timed requests per page
   after ``--warmups`` (3), the pages taken in turn so that a busy moment of the machine
   weighs on all alike: ``/dashboard/`` and the overdue list page 1 as an administrator,
   the list's page ``--page`` (500; its cursor is found once by following the keyset
   cursors page by page), the nurse caseload page ``/nurse/`` (default scope) as a nurse
   with about ``patients / nurses`` patients; then ``/dashboard/`` again with every
   cache a no-op (what a visitor pays on a cache miss, should the summary be cached).
   Queries per request are counted with ``CaptureQueriesContext``. The CSV export of
   the whole overdue list (``--min-overdue`` rows) is timed in a
   separate process (so its peak memory is its own): wall time consuming the streamed
   response, peak resident memory (VmHWM, reset before each run), and the tracemalloc
   peak in a second run.
3. A table (page, p50, p95, queries, target met), the EXPLAIN (ANALYZE, BUFFERS) of the
   main queries, and the machine.
"""

from __future__ import annotations

import argparse
import array
import csv
import heapq
import io
import json
import math
import os
import platform
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
import zoneinfo
from contextlib import contextmanager
from dataclasses import asdict
from datetime import datetime, timedelta
from datetime import time as dtime
from urllib.parse import urlencode

import django
from django.conf import settings
from django.contrib.auth.models import Group, Permission, User
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.template import engines
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticDevice

from followup.models import CarePlanTemplate, FollowUpVisit, OverdueSnapshot
from followup.rules import guidelines, scheduling
from followup.selectors import dashboard
from patients.models import Patient
from survivorship.models import AccessLog
from survivorship.roles import GROUP_NAMES, Role

MRN_PREFIX = "BENCHDASH-"
NURSE_PREFIX = "bench-nurse-"
ADMIN_USERNAME = "bench-admin"
PORTAL_USERNAME = "bench-patient"
TRIVIAL_URL = "/accounts/password/done/"  # a page that does nothing but sign-in and roles
MARKER_TABLE = "bench_dashboard_dataset"
# Bump when the shape of the generated data changes: an older dataset is then rebuilt.
DATASET_VERSION = 2
NULL = r"\N"
TARGET_P95_MS = 150.0
TARGET_PAGE_RATIO = 1.5
TARGET_EXPORT_SECONDS = 30.0
TARGET_EXPORT_MB = 200.0
TARGET_RATIO_TO_TRIVIAL = 0.3  # issue 16: at 100,000 patients
TARGET_GROWTH = 1.3  # issue 16: p95 at 100k within 1.3x the p95 at 10k
TARGET_EXPORT_DB_RATIO = 2.0
TARGET_OVERDUE_HTML_BYTES = 100_000
GROWTH_BASE_PATIENTS = 10_000
NO_CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}

# (cancer type, weight): roughly the mix of a survivorship clinic's caseload.
CANCER_MIX = (
    ("breast", 28),
    ("prostate", 16),
    ("colorectal", 10),
    ("lung", 8),
    ("melanoma", 8),
    ("head_neck", 4),
    ("endometrial", 4),
    ("bladder", 4),
    ("cervical", 3),
    ("hodgkin_lymphoma", 3),
    ("non_hodgkin_lymphoma", 3),
    ("kidney", 3),
    ("thyroid", 3),
    ("ovarian", 2),
    ("other", 1),
)
FEMALE_TYPES = {"breast", "cervical", "endometrial", "ovarian"}
LATERAL_TYPES = {"breast", "lung", "kidney", "ovarian"}
STAGES = ("I", "IA", "IIA", "IIB", "IIIA", "IIIB", "IIIC")
GIVEN_NAMES = (
    "Ada", "Amir", "Ana", "Ben", "Bea", "Carla", "Chen", "Dana", "David", "Elif", "Emma",
    "Femi", "Grace", "Hana", "Hugo", "Ines", "Ivan", "Jade", "Jon", "Kai", "Kemal", "Lea",
    "Leo", "Lin", "Maya", "Mateo", "Nadia", "Noah", "Olga", "Omar", "Paula", "Priya",
    "Quinn", "Rafael", "Rosa", "Sami", "Sara", "Tariq", "Tess", "Uma", "Victor", "Wen",
    "Yara", "Yusuf", "Zoe", "Ruth", "Malik", "Irene", "Pedro", "Helen",
)  # fmt: skip
FAMILY_NAMES = (
    "Able", "Baker", "Castro", "Diaz", "Evans", "Fischer", "Garcia", "Haddad", "Ito",
    "Jensen", "Khan", "Larsen", "Marsh", "Nguyen", "Okafor", "Patel", "Quinn", "Rossi",
    "Silva", "Tanaka", "Usman", "Varga", "Weber", "Xu", "Yilmaz", "Zhang", "Adams",
    "Brown", "Cohen", "Dubois", "Eriksen", "Ferreira", "Gomez", "Hughes", "Ivanova",
    "Jones", "Kowalski", "Lopez", "Moreau", "Novak", "Olsen", "Perez", "Reyes", "Smith",
    "Taylor", "Ueda", "Vargas", "Wilson", "Young", "Ziegler", "Ahmed", "Bianchi", "Costa",
    "Dimitrov", "Esposito", "Fontaine", "Gruber", "Horvat", "Ibrahim", "Kim",
)  # fmt: skip
ZONES = ("America/New_York", "America/Chicago", "America/Los_Angeles", "Europe/London", "UTC")
CONTACT_NOTES = (
    "Left a voicemail",
    "Spoke to the patient: will book this week",
    "Letter sent",
    "No answer; will try again",
)
FAILURES = (
    "550 mailbox unavailable",
    "SMS provider: number unreachable",
    "Mail server timed out after 3 attempts",
)
REMINDER_STATES = ("sent", "failed", "skipped", "pending")
REMINDER_KIND = {
    "visit": "appointment",
    "imaging": "scan",
    "lab": "lab",
    "procedure": "appointment",
}


class Command(BaseCommand):
    help = (
        "Build (or reuse) a clinic-network-sized PostgreSQL dataset and time the dashboard, "
        "the overdue list (page 1 and page 500), the nurse caseload and the CSV export."
    )

    def add_arguments(self, parser):
        parser.add_argument("--patients", type=int, default=100_000)
        parser.add_argument("--nurses", type=int, default=200)
        parser.add_argument("--years", type=int, default=4, help="Plans start over this span.")
        parser.add_argument(
            "--ahead-months", type=int, default=6, help="Items kept this far ahead of today."
        )
        parser.add_argument(
            "--overdue-share", type=float, default=0.07, help="Overdue share of all items."
        )
        parser.add_argument(
            "--min-overdue",
            type=int,
            default=None,
            help="At least this many overdue items (default: one per patient).",
        )
        parser.add_argument("--seed", type=int, default=20251121)
        parser.add_argument("--rebuild", action="store_true", help="Build a new dataset.")
        parser.add_argument("--requests", type=int, default=30, help="Timed requests per page.")
        parser.add_argument("--warmups", type=int, default=3)
        parser.add_argument("--page", type=int, default=500, help="The deep list page to time.")
        parser.add_argument("--export-runs", type=int, default=3)
        parser.add_argument("--no-explain", action="store_true")
        # Internal: the export is measured in a child process, which runs this command.
        parser.add_argument("--probe-export", default="", help=argparse.SUPPRESS)
        parser.add_argument("--probe-user", type=int, default=0, help=argparse.SUPPRESS)
        parser.add_argument("--probe-db", default="", help=argparse.SUPPRESS)
        parser.add_argument("--probe-tracemalloc", action="store_true", help=argparse.SUPPRESS)

    def handle(self, *args, **opts):
        if opts["probe_export"]:
            return self._probe_export(opts)
        if connection.vendor != "postgresql":
            raise CommandError(
                "bench_dashboard needs PostgreSQL: set DATABASE_URL=postgresql://user@host:5432/"
                "dbname (a database of its own: it is filled with synthetic patients), "
                "run migrate, then run this again.",
                returncode=2,
            )
        if getattr(settings, "PRODUCTION", False):
            raise CommandError("bench_dashboard refuses to run with production settings.")
        if opts["patients"] < opts["nurses"] or opts["nurses"] < 1:
            raise CommandError("--patients must be at least --nurses, and --nurses at least 1.")
        if opts["min_overdue"] is None:
            opts["min_overdue"] = opts["patients"]
        self.today = _clinic_today()
        self.now = timezone.now()
        self._print_machine()
        dataset = self._dataset(opts)
        results = self._measure(opts, dataset)
        self._print_table(results, dataset)
        if not opts["no_explain"]:
            self._print_explains(results)

    # --- The dataset ------------------------------------------------------------------

    def _params(self, opts) -> dict:
        keys = ("patients", "nurses", "years", "ahead_months", "overdue_share", "min_overdue")
        return {"version": DATASET_VERSION, "seed": opts["seed"], **{k: opts[k] for k in keys}}

    def _dataset(self, opts) -> dict:
        strangers = Patient.objects.exclude(medical_record_number__startswith=MRN_PREFIX)
        if strangers.exists():
            raise CommandError(
                f"This database holds patients that are not the benchmark's "
                f"({strangers.count()}). Point DATABASE_URL at a database of its own."
            )
        params = self._params(opts)
        marker = self._read_marker()
        if marker and not opts["rebuild"]:
            problem = self._marker_problem(marker, params)
            if problem is None:
                self.stdout.write(
                    f"Reusing the bench dataset built on {marker['built_on']} "
                    f"in {marker['counts']['build_seconds']:.0f} s (--rebuild to build anew)."
                )
                self._print_dataset(marker["counts"])
                return self._dataset_handles(marker["counts"])
            self.stdout.write(f"Rebuilding the bench dataset: {problem}.")
        counts = self._build(opts, params)
        self._print_dataset(counts)
        return self._dataset_handles(counts)

    def _read_marker(self) -> dict | None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT to_regclass(%s)", [MARKER_TABLE])
            if cursor.fetchone()[0] is None:
                return None
            cursor.execute(f"SELECT params, counts, built_on FROM {MARKER_TABLE} WHERE id = 1")  # noqa: S608
            row = cursor.fetchone()
        if row is None:
            return None
        params, counts, built_on = row
        # Django has psycopg2 hand jsonb over as text.
        params, counts = (json.loads(v) if isinstance(v, str) else v for v in (params, counts))
        return {"params": params, "counts": counts, "built_on": built_on}

    def _marker_problem(self, marker: dict, params: dict) -> str | None:
        if marker["params"] != params:
            return "it was built with other parameters"
        counts = marker["counts"]
        bench = Patient.objects.filter(medical_record_number__startswith=MRN_PREFIX)
        if bench.count() != counts["patients"]:
            return "its patients are not all there"
        items = FollowUpVisit.objects.filter(patient__medical_record_number__startswith=MRN_PREFIX)
        if items.count() != counts["items"]:
            return "its follow-up items are not all there"
        if not User.objects.filter(username=ADMIN_USERNAME).exists():
            return "its administrator is missing"
        if (self.today - marker["built_on"]).days > 30:
            return f"it was built on {marker['built_on']}, over 30 days ago"
        return None

    def _dataset_handles(self, counts: dict) -> dict:
        admin = User.objects.get(username=ADMIN_USERNAME)
        nurse = User.objects.get(username=f"{NURSE_PREFIX}001")
        patient = (
            Patient.objects.filter(
                primary_nurse=nurse, medical_record_number__startswith=MRN_PREFIX
            )
            .order_by("pk")
            .first()
        )
        # The portal is timed as one of the nurse's patients, given a login here (the
        # dataset itself has none; idempotent).
        portal, created = User.objects.get_or_create(username=PORTAL_USERNAME)
        if created:
            portal.set_unusable_password()
            portal.save(update_fields=["password"])
        if patient.user_id != portal.pk:
            Patient.objects.filter(user=portal).update(user=None)
            Patient.objects.filter(pk=patient.pk).update(user=portal)
        return {
            "admin": admin, "nurse": nurse, "portal": portal, "patient": patient,
            "counts": counts,
        }  # fmt: skip

    def _build(self, opts, params) -> dict:
        rng = random.Random(opts["seed"])  # noqa: S311 - synthetic data, not security
        started = time.perf_counter()

        def step(name, began):
            self.stdout.write(f"  {name}: {time.perf_counter() - began:.1f} s")

        self.stdout.write(f"Building the bench dataset ({opts['patients']} patients)...")
        with transaction.atomic():
            began = time.perf_counter()
            self._wipe()
            step("cleared the previous bench rows", began)
            nurses, admin = self._users(opts["nurses"])
            with connection.cursor() as cursor:
                began = time.perf_counter()
                patients = self._patients(cursor, rng, opts, nurses)
                step("patients, care teams, diagnoses, treatments, status events", began)
                began = time.perf_counter()
                plans = self._plans(cursor, opts, patients)
                step("care plans", began)
                began = time.perf_counter()
                counts = self._items(cursor, rng, opts, patients, plans)
                step("follow-up items and reminders", began)
                began = time.perf_counter()
                counts["reports"] = self._reports(cursor, rng, patients)
                step("symptom reports", began)
                for table in (
                    "patients_patient", "patients_patient_care_team", "patients_cancerdiagnosis",
                    "patients_treatment", "patients_diseasestatusevent", "followup_careplan",
                    "followup_followupvisit", "followup_reminder", "followup_symptomreport",
                    "followup_reportedsign",
                ):  # fmt: skip
                    top = f"SELECT COALESCE(MAX(id), 1) FROM {table}"  # noqa: S608
                    cursor.execute(
                        f"SELECT setval(pg_get_serial_sequence(%s, 'id'), ({top}))", [table]
                    )
        began = time.perf_counter()
        if not connection.in_atomic_block:
            with connection.cursor() as cursor:
                cursor.execute(
                    "VACUUM (ANALYZE) patients_patient, patients_patient_care_team, "
                    "patients_cancerdiagnosis, patients_treatment, patients_diseasestatusevent, "
                    "followup_careplan, followup_followupvisit, followup_reminder, "
                    "followup_symptomreport, followup_reportedsign, auth_user"
                )
            step("VACUUM ANALYZE", began)
        else:  # inside a test's transaction: ANALYZE at least, for the plans' estimates
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
            step("ANALYZE", began)
        began = time.perf_counter()
        self._snapshots(rng)
        step("twelve weeks of overdue snapshots", began)
        counts.update(
            patients=len(patients["ids"]),
            nurses=len(nurses),
            build_seconds=round(time.perf_counter() - started, 1),
        )
        self._write_marker(params, counts)
        self.stdout.write(f"Built in {counts['build_seconds']:.0f} s.")
        return counts

    def _wipe(self) -> None:
        """Remove an earlier bench dataset. Only bench patients exist here (checked)."""
        with connection.cursor() as cursor:
            cursor.execute(
                "TRUNCATE patients_patient, followup_careplan, followup_followupvisit, "
                "followup_reminder, followup_symptomreport RESTART IDENTITY CASCADE"
            )
            cursor.execute(f"DROP TABLE IF EXISTS {MARKER_TABLE}")
        # The bench nurses stay (reused): the access log keeps references to them.

    def _users(self, count: int) -> tuple[list[int], User]:
        nurse_group, _ = Group.objects.get_or_create(name=GROUP_NAMES[Role.NURSE])
        admin_group, _ = Group.objects.get_or_create(name=GROUP_NAMES[Role.ADMINISTRATOR])
        rng = random.Random(count)  # noqa: S311
        names = [f"{NURSE_PREFIX}{n:03d}" for n in range(1, count + 1)]
        existing = {user.username: user for user in User.objects.filter(username__in=names)}
        missing = []
        for n, username in enumerate(names, start=1):
            given, family = rng.choice(GIVEN_NAMES), rng.choice(FAMILY_NAMES)
            if username in existing:
                continue
            user = User(
                username=username,
                first_name=given,
                last_name=f"{family}-{n}",
                email=f"nurse{n}@bench.invalid",
            )
            user.set_unusable_password()  # the benchmark signs in with force_login
            missing.append(user)
        User.objects.bulk_create(missing)
        nurses = list(User.objects.filter(username__in=names).order_by("username"))
        nurse_group.user_set.add(*nurses)
        admin, created = User.objects.get_or_create(
            username=ADMIN_USERNAME,
            defaults={"first_name": "Bench", "last_name": "Administrator", "is_staff": True},
        )
        if created:
            admin.set_unusable_password()
            admin.save(update_fields=["password"])
        admin.groups.add(admin_group)
        # Administrators see every patient; said here too, in case the group lost it.
        admin.user_permissions.add(
            Permission.objects.get(content_type__app_label="patients", codename="view_all_patients")
        )
        return [user.pk for user in nurses], admin

    def _patients(self, cursor, rng, opts, nurses) -> dict:
        count = opts["patients"]
        now = self.now.isoformat()
        types = [ct for ct, _ in CANCER_MIX]
        weights = [w for _, w in CANCER_MIX]
        spread = opts["years"] * 365
        out = {"ids": [], "nurse": [], "cancer": [], "stage": [], "start": [], "channel": []}
        patients, team, diagnoses, treatments, events = [], [], [], [], []
        team_id = event_id = 0
        for n in range(1, count + 1):
            cancer = rng.choices(types, weights)[0]
            # Consecutive patients rotate through the nurses: about count/nurses each.
            nurse = nurses[(n - 1) % len(nurses)]
            start = self.today - timedelta(days=rng.randrange(spread))
            stage = rng.choice(STAGES)
            if cancer in FEMALE_TYPES:
                sex = "female" if cancer != "breast" or rng.random() > 0.01 else "male"
            elif cancer == "prostate":
                sex = "male"
            else:
                sex = rng.choice(("female", "male"))
            channel = rng.choices(("email", "sms", "portal"), (65, 25, 10))[0]
            born = self.today - timedelta(days=rng.randrange(30 * 365, 88 * 365))
            patients.append(
                (
                    n, f"{MRN_PREFIX}{n:07d}", rng.choice(GIVEN_NAMES), rng.choice(FAMILY_NAMES),
                    born.isoformat(), sex, f"patient{n}@bench.invalid",
                    f"+1555{n:07d}", channel, rng.choice(ZONES),
                    "en" if rng.random() < 0.85 else rng.choice(("es", "fr", "zh", "vi")),
                    now, "t", now, now, nurse, NULL,
                    "Email bounced: check the address" if rng.random() < 0.01 else "",
                )
            )  # fmt: skip
            team_id += 1
            team.append((team_id, n, nurse))
            if rng.random() < 0.25:  # a second nurse shares the care
                other = rng.choice(nurses)
                if other != nurse:
                    team_id += 1
                    team.append((team_id, n, other))
            diagnosed = start - timedelta(days=rng.randrange(120, 300))
            lateral = rng.choice(("left", "right")) if cancer in LATERAL_TYPES else ""
            diagnoses.append(
                (n, cancer, "", lateral, diagnosed.isoformat(), stage, "", "", "", "f", now, n)
            )
            surgery = diagnosed + timedelta(days=30)
            treatments.append(
                (n, "surgery", "curative", surgery.isoformat(), surgery.isoformat(), "", "", now, n)
            )
            clear = min(start + timedelta(days=90), self.today)
            event_id += 1
            events.append((event_id, clear.isoformat(), "ned", "", "", "", "", "", "", "", now, n))
            back = start + timedelta(days=rng.randrange(400, 1400))
            if rng.random() < 0.03 and back < self.today:
                event_id += 1
                events.append(
                    (
                        event_id, back.isoformat(), "recurrence",
                        rng.choice(("local", "regional", "distant")), "", "", "", "", "",
                        "", now, n,
                    )
                )  # fmt: skip
            out["ids"].append(n)
            out["nurse"].append(nurse)
            out["cancer"].append(cancer)
            out["stage"].append(stage)
            out["start"].append(start)
            out["channel"].append(channel)
        _copy(
            cursor, "patients_patient",
            "id medical_record_number given_name family_name date_of_birth sex email "
            "mobile_phone preferred_channel time_zone preferred_language reminder_consent_at "
            "active created_at updated_at primary_nurse_id user_id contact_problem",
            patients,
        )  # fmt: skip
        _copy(cursor, "patients_patient_care_team", "id patient_id user_id", team)
        _copy(
            cursor, "patients_cancerdiagnosis",
            "id cancer_type histology laterality diagnosed_on stage_group stage_t stage_n "
            "stage_m second_primary created_at patient_id",
            diagnoses,
        )  # fmt: skip
        _copy(
            cursor, "patients_treatment",
            "id modality intent started_on ended_on notes lasting_side_effects created_at "
            "diagnosis_id",
            treatments,
        )  # fmt: skip
        _copy(
            cursor, "patients_diseasestatusevent",
            "id event_date status recurrence_type site restage suggested_status "
            "classification_reason override_note note created_at diagnosis_id",
            events,
        )  # fmt: skip
        return out

    def _plans(self, cursor, opts, patients) -> dict:
        templates = {t.code: t for t in CarePlanTemplate.objects.prefetch_related("rules")}
        missing = {"general", "breast"} - set(templates)
        if missing:
            raise CommandError(
                "The seeded care-plan templates are missing: run `manage.py migrate` on a "
                "fresh database."
            )
        specs = {code: t.rule_specs() for code, t in templates.items()}
        snapshots = {code: json.dumps([asdict(s) for s in rules]) for code, rules in specs.items()}
        signs = {code: json.dumps(list(t.warning_signs)) for code, t in templates.items()}
        ahead = scheduling.add_months(self.today, opts["ahead_months"])
        now = self.now.isoformat()
        rows, codes, through = [], [], []
        for n, cancer, stage, start, nurse in zip(
            patients["ids"], patients["cancer"], patients["stage"], patients["start"],
            patients["nurse"], strict=True,
        ):  # fmt: skip
            if cancer == "melanoma":
                spec = (
                    guidelines.MELANOMA_HIGH if stage.startswith("III") else guidelines.MELANOMA_LOW
                )
            else:
                spec = guidelines.templates_for_cancer_type(cancer)[0]
            code = spec.code if spec.code in templates else "general"
            until = min(scheduling.horizon_end(start, self.today), ahead)
            template = templates[code]
            rows.append(
                (
                    n, template.version, snapshots[code], signs[code], start.isoformat(),
                    "active", "default", until.isoformat(), now, now, n, nurse, n, template.pk,
                    "", "",
                )
            )  # fmt: skip
            codes.append(code)
            through.append(until)
        _copy(
            cursor, "followup_careplan",
            "id template_version rules_snapshot warning_signs_snapshot start_date status "
            "checkin_frequency generated_through created_at updated_at diagnosis_id owner_id "
            "patient_id template_id pause_reason end_reason",
            rows,
        )  # fmt: skip
        return {"code": codes, "through": through, "specs": specs}

    def _schedules(self, patients, plans):
        """Each plan's items, computed once per (template, start, horizon)."""
        cache: dict[tuple, list] = {}
        for code, start, until in zip(
            plans["code"], patients["start"], plans["through"], strict=True
        ):
            key = (code, start, until)
            items = cache.get(key)
            if items is None:
                items = cache[key] = [
                    (
                        item.rule_key, item.sequence, item.kind, item.label, item.modality,
                        item.lab_test, item.procedure, item.instructions, item.due_date,
                        item.window_start, item.window_end, item.due_date.isoformat(),
                        item.window_start.isoformat(), item.window_end.isoformat(),
                    )
                    for item in scheduling.generate_schedule(plans["specs"][code], start, until)
                ]  # fmt: skip
            yield items

    def _items(self, cursor, rng, opts, patients, plans) -> dict:
        today = self.today
        # Pass 1: one random key per past item, weighted towards the recent past (a lapse
        # of last month is more often still open than one of two years ago); the largest
        # keys become the overdue items (weighted sampling without replacement), so the
        # overdue count is exact.
        keys = array.array("d")
        total = 0
        for items in self._schedules(patients, plans):
            total += len(items)
            for item in items:
                end = item[10]
                if end < today:
                    late = (today - end).days
                    weight = (
                        4.0 if late <= 30 else 2.0 if late <= 90 else 1.0 if late <= 365 else 0.6
                    )
                    keys.append(rng.random() ** (1.0 / weight))
        wanted = min(max(round(opts["overdue_share"] * total), opts["min_overdue"]), len(keys))
        threshold = heapq.nlargest(wanted, keys)[-1] if wanted else 2.0
        # Pass 2: the items with their statuses (and their reminders), in the same order.
        with tempfile.TemporaryFile("w+", encoding="utf-8", newline="") as spool:
            maker = _Items(rng, today, self.now, spool)
            past = 0
            batch = []
            for index, items in enumerate(self._schedules(patients, plans)):
                patient = patients["ids"][index]
                nurse = patients["nurse"][index]
                channel = patients["channel"][index]
                for item in items:
                    if item[10] < today:
                        is_open = keys[past] >= threshold
                        past += 1
                        fields = maker.past(item, is_open, patient, nurse, channel)
                    elif item[9] <= today:
                        fields = maker.in_window(item)
                    else:
                        fields = maker.ahead(item, patient, channel)
                    batch.append(maker.row(item, fields, patient))
                if len(batch) >= 50_000:
                    _copy(cursor, "followup_followupvisit", VISIT_COLUMNS, batch)
                    batch = []
            _copy(cursor, "followup_followupvisit", VISIT_COLUMNS, batch)
            spool.seek(0)
            cursor.copy_expert(
                f"COPY followup_reminder ({', '.join(REMINDER_COLUMNS.split())}) FROM STDIN "
                f"WITH (FORMAT csv, NULL '{NULL}')",
                spool,
            )
        return {
            "items": maker.visit_id,
            "overdue": maker.overdue,
            "by_status": maker.by_status,
            "reminders": maker.reminders,
        }

    def _reports(self, cursor, rng, patients) -> int:
        """Symptom reports: a few open per nurse (the caseload's triage preview), more closed."""
        count = max(len(patients["ids"]) // 5, 1)
        reports, signs = [], []
        for n in range(1, count + 1):
            index = rng.randrange(len(patients["ids"]))
            patient = patients["ids"][index]
            is_open = rng.random() < 0.1
            level = rng.choices(("urgent", "review", "routine"), (5, 25, 70))[0]
            submitted = self.now - timedelta(hours=rng.randrange(1, 24 * 300))
            resolved = (submitted + timedelta(hours=20)).isoformat() if not is_open else NULL
            nurse = patients["nurse"][index]
            reports.append(
                (
                    n, f"bench-report-{n}", submitted.isoformat(), "f", "",
                    rng.randrange(0, 11), NULL, level, "bench", "Synthetic report", "[]",
                    "open" if is_open else "resolved",
                    resolved, resolved, "" if is_open else "called", "", NULL,
                    NULL if is_open else nurse, NULL, patient, patient,
                    NULL if is_open else nurse, "f", "",
                )
            )  # fmt: skip
            signs.append(
                (
                    n, "pain", "Pain that has no clear cause and does not go away",
                    rng.choice(("mild", "moderate", "severe")), rng.randrange(1, 30),
                    rng.choice(("new", "same", "worse")), n,
                )
            )  # fmt: skip
        _copy(
            cursor, "followup_symptomreport",
            "id submission_key submitted_at nothing_new other_text worry distress triage_level "
            "triage_rule triage_reason triage_fired status acknowledged_at resolved_at "
            "resolution resolution_note escalated_at acknowledged_by_id checkin_id patient_id "
            "plan_id resolved_by_id self_harm reported_by_name",
            reports,
        )  # fmt: skip
        _copy(cursor, "followup_reportedsign", "id code label severity days trend report_id", signs)
        return count

    def _snapshots(self, rng) -> None:
        """Tonight's snapshot from the data, and 83 earlier nights drifting towards it."""
        latest = dashboard.snapshot_take(self.today)
        for back in range(1, 84):
            scale = 1 + 0.002 * back + rng.uniform(-0.01, 0.01)
            OverdueSnapshot.objects.update_or_create(
                taken_on=self.today - timedelta(days=back),
                defaults={
                    "total": round(latest.total * scale),
                    "days_1_30": round(latest.days_1_30 * scale),
                    "days_31_90": round(latest.days_31_90 * scale),
                    "days_over_90": round(latest.days_over_90 * scale),
                    "by_kind": {k: round(v * scale) for k, v in latest.by_kind.items()},
                },
            )

    def _write_marker(self, params: dict, counts: dict) -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                f"CREATE TABLE IF NOT EXISTS {MARKER_TABLE} (id integer PRIMARY KEY, "
                "params jsonb NOT NULL, counts jsonb NOT NULL, built_on date NOT NULL)"
            )
            cursor.execute(
                f"INSERT INTO {MARKER_TABLE} (id, params, counts, built_on) "  # noqa: S608
                "VALUES (1, %s, %s, %s) ON CONFLICT (id) DO UPDATE SET params = EXCLUDED.params, "
                "counts = EXCLUDED.counts, built_on = EXCLUDED.built_on",
                [json.dumps(params), json.dumps(counts), self.today],
            )

    def _print_dataset(self, counts: dict) -> None:
        items = counts["items"]
        order = ("completed", "cancelled", "planned", "scheduled", "missed")
        by_status = ", ".join(f"{k} {counts['by_status'][k]:,}" for k in order)
        self.stdout.write(
            f"Dataset: {counts['patients']:,} patients, {counts['nurses']} nurses, "
            f"{counts['patients']:,} active care plans, {items:,} follow-up items ({by_status}); "
            f"overdue (open, window ended): {counts['overdue']:,} "
            f"({100 * counts['overdue'] / max(items, 1):.1f}% of items); reminders: "
            + ", ".join(f"{k} {counts['reminders'][k]:,}" for k in REMINDER_STATES)
            + f"; symptom reports {counts['reports']:,}. No simple-history rows (not read here)."
        )

    # --- Measuring ------------------------------------------------------------------------

    def _measure(self, opts, dataset) -> dict:
        with _served_as_in_production():
            return self._measure_pages(opts, dataset)

    def _measure_pages(self, opts, dataset) -> dict:
        admin, nurse = dataset["admin"], dataset["nurse"]
        admin_client, nurse_client = _signed_in(admin), _signed_in(nurse)
        portal_client = Client()
        portal_client.force_login(dataset["portal"])
        n, warmups = opts["requests"], opts["warmups"]
        deep_url, deep_page = self._deep_page_url(admin, opts["page"])
        caseload = Patient.objects.filter(primary_nurse=nurse).count()
        patient_url = f"/nurse/patients/{dataset['patient'].pk}/"
        # The trivial page first: every other page's ratio is to it, in the same run.
        pages = [
            ("trivial page behind login", "trivial", admin_client, TRIVIAL_URL),
            ("/dashboard/", "dashboard", admin_client, "/dashboard/"),
            ("overdue list, page 1", "page1", admin_client, "/dashboard/overdue/"),
            (f"overdue list, page {deep_page}", "deep", admin_client, deep_url),
            (f"nurse caseload /nurse/ ({caseload} patients)", "caseload", nurse_client, "/nurse/"),
            ("patient page", "patient", nurse_client, patient_url),
            ("triage queue /nurse/reports/", "triage", nurse_client, "/nurse/reports/"),
            ("portal home /portal/", "portal", portal_client, "/portal/"),
            ("/dashboard/quality/", "quality", admin_client, "/dashboard/quality/"),
        ]
        results = {"rows": [], "captured": {}, "deep_page": deep_page, "sizes": {}}
        self.stdout.write(
            f"Timing {len(pages)} pages, {warmups} warm-ups then {n} requests each, taken in "
            "turn (so that a busy moment of the machine weighs on every page alike)..."
        )
        for _label, _key, client, url in pages:
            _time(client, url, warmups)
        samples = {key: [] for _label, key, _client, _url in pages}
        for _ in range(n):
            for _label, key, client, url in pages:
                samples[key] += _time(client, url, 1)
        for label, key, client, url in pages:
            with CaptureQueriesContext(connection) as captured:
                response = _get(client, url)
            # Read now: every request (the next ones too) empties the connection's log.
            queries = list(captured.captured_queries)
            if key == "deep" and f"Page {deep_page}" not in response.content.decode():
                raise CommandError(f"The deep page URL did not show page {deep_page}.")
            results["captured"][key] = queries
            results["sizes"][key] = len(response.content)
            results["rows"].append(
                {"key": key, "label": label, "samples": samples[key], "queries": len(queries)}
            )
        # What the first visitor after a cache expiry waits for, should the summary ever
        # be cached: the same page with every cache a no-op.
        self.stdout.write(f"Timing /dashboard/ with caches off: {n} requests...")
        with override_settings(CACHES=NO_CACHES):
            results["cold"] = _time(admin_client, "/dashboard/", n)
            with CaptureQueriesContext(connection) as captured:
                _get(admin_client, "/dashboard/")
            results["captured"]["dashboard_cold"] = list(captured.captured_queries)
            results["quality_cold"] = _time(admin_client, "/dashboard/quality/", max(n // 3, 1))
        results["export"] = self._measure_export(opts, admin)
        return results

    def _deep_page_url(self, admin, page: int) -> tuple[str, int]:
        """Follow the keyset cursors once, as someone clicking "Next page" would."""
        filters = dashboard.Filters()
        visits = dashboard.overdue_list(admin, filters, self.today)
        cursor, number = None, 1
        while number < page:
            result = dashboard.keyset_page(visits, filters, cursor)
            if not result.next_cursor:
                break
            cursor, number = result.next_cursor, number + 1
        if number < page:
            self.stdout.write(f"The overdue list has {number} pages: timing page {number}.")
        if cursor is None:
            return "/dashboard/overdue/", 1
        return "/dashboard/overdue/?" + urlencode({"cursor": cursor}), number

    def _measure_export(self, opts, admin) -> dict:
        self.stdout.write(
            f"Timing the CSV export of the whole overdue list in a child process "
            f"({opts['export_runs']} runs, then one under tracemalloc)..."
        )
        base = [
            sys.executable, str(settings.BASE_DIR / "manage.py"), "bench_dashboard",
            "--probe-export", "/dashboard/overdue.csv", "--probe-user", str(admin.pk),
            "--probe-db", connection.settings_dict["NAME"],
            "--export-runs", str(opts["export_runs"]),
        ]  # fmt: skip
        plain = _run_probe(base)
        traced = _run_probe([*base, "--export-runs", "1", "--probe-tracemalloc"])
        return {
            **plain,
            "tracemalloc_peak_mb": traced["runs"][0]["tracemalloc_peak_mb"],
            "db_seconds": _copy_seconds(plain["runs"][0]["sql"]),
        }

    def _probe_export(self, opts) -> None:
        """In the child process: time the export and read this process's peak memory."""
        if opts["probe_db"]:
            connection.settings_dict["NAME"] = opts["probe_db"]
        with _served_as_in_production():
            self._probe_export_runs(opts)

    def _probe_export_runs(self, opts) -> None:
        client = _signed_in(User.objects.get(pk=opts["probe_user"]))
        url = opts["probe_export"]
        # Warm up (imports, first queries) without reading the whole export.
        response = _get(client, url, consume=False)
        chunks = iter(response.streaming_content)
        for _ in range(100):
            if next(chunks, None) is None:
                break
        response.close()
        del chunks, response
        runs = []
        for _ in range(opts["export_runs"]):
            before = _rss_mb()
            reset = _reset_peak_rss()
            if opts["probe_tracemalloc"]:
                tracemalloc.start()
            last_log = AccessLog.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = client.get(url)
                rows = size = 0
                for chunk in response.streaming_content:
                    rows += chunk.count(b"\n")
                    size += len(chunk)
                seconds = time.perf_counter() - started
            traced = 0.0
            if opts["probe_tracemalloc"]:
                traced = tracemalloc.get_traced_memory()[1] / 2**20
                tracemalloc.stop()
            runs.append(
                {
                    "seconds": seconds,
                    "rows": rows
                    - 1,  # a line per row (no line breaks in the data), the header first
                    "bytes": size,
                    "rss_before_mb": before,
                    "peak_rss_mb": _peak_rss_mb(),
                    "peak_reset": reset,
                    "tracemalloc_peak_mb": traced,
                    "queries": len(captured),
                    "sql": [q["sql"] for q in captured.captured_queries],
                    "log_ms": _access_log_ms(captured.captured_queries),
                    "log_entries": AccessLog.objects.filter(pk__gt=last_log).count(),
                }
            )
            del response
        self.stdout.write(json.dumps({"runs": runs}))

    # --- Reporting ------------------------------------------------------------------------

    def _print_machine(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT version()")
            version = cursor.fetchone()[0]
            cursor.execute("SHOW shared_buffers")
            shared = cursor.fetchone()[0]
            cursor.execute("SHOW work_mem")
            work_mem = cursor.fetchone()[0]
        info = _machine()
        self.stdout.write(
            f"Machine: {info['cpu']}, {info['cpus']} CPUs, {info['ram_gb']:.1f} GB RAM, "
            f"{platform.system()} {platform.release()}; Python {platform.python_version()}, "
            f"Django {django.get_version()}"
        )
        self.stdout.write(
            f"Database: {version.split(' on ')[0]} (shared_buffers {shared}, work_mem "
            f"{work_mem}), {connection.settings_dict['NAME']} on "
            f"{connection.settings_dict.get('HOST') or 'local socket'}; today is {self.today}"
        )

    def _print_table(self, results: dict, dataset: dict) -> None:
        """The table, and var/bench/latest.json (and one file per dataset size) with the
        same figures in the shape issue 16 gives. Every target is said met or not met
        as measured here; what is not measured here is said so, never claimed."""
        stats = {}
        for row in results["rows"]:
            stats[row["key"]] = {
                "label": row["label"],
                "p50_ms": _percentile(row["samples"], 50),
                "p95_ms": _percentile(row["samples"], 95),
                "queries": row["queries"],
            }
        for key, label, samples, queries in (
            ("dashboard_cold", "/dashboard/ with caches off", results["cold"],
             len(results["captured"]["dashboard_cold"])),
            ("quality_cold", "/dashboard/quality/ with caches off", results["quality_cold"], None),
        ):  # fmt: skip
            stats[key] = {
                "label": label, "p50_ms": _percentile(samples, 50),
                "p95_ms": _percentile(samples, 95), "queries": queries,
            }  # fmt: skip
        trivial = stats["trivial"]["p50_ms"]
        base = _read_json(self._bench_dir() / f"patients-{GROWTH_BASE_PATIENTS}.json")
        patients = dataset["counts"]["patients"]
        for key, page in stats.items():
            page["ratio_to_trivial"] = (
                round(trivial / page["p50_ms"], 3) if page["p50_ms"] else None
            )
            before = (
                (base or {}).get("pages", {}).get(key) if patients != GROWTH_BASE_PATIENTS else None
            )
            page["p95_10k_ms"] = before["p95_ms"] if before else None
            page["growth_10k_to_100k"] = (
                round(page["p95_ms"] / before["p95_ms"], 2) if before and before["p95_ms"] else None
            )
        rows = []
        for key, page in stats.items():
            ratio, growth = page["ratio_to_trivial"], page["growth_10k_to_100k"]
            verdicts = [f"p95 < {TARGET_P95_MS:.0f} ms: " + _met(page["p95_ms"] < TARGET_P95_MS)]
            if key != "trivial":
                verdicts.append(f">= {TARGET_RATIO_TO_TRIVIAL}x trivial: " + _met(
                    ratio is not None and ratio >= TARGET_RATIO_TO_TRIVIAL))  # fmt: skip
                verdicts.append(
                    f"growth <= {TARGET_GROWTH}x: "
                    + (_met(growth <= TARGET_GROWTH) if growth is not None else "not measured")
                )
            if key == "page1":
                size = results["sizes"]["page1"]
                verdicts.append(f"HTML {size / 1000:.0f} KB < 100 KB: "
                                + _met(size < TARGET_OVERDUE_HTML_BYTES))  # fmt: skip
            rows.append(
                (page["label"], f"{page['p50_ms']:.1f}", f"{page['p95_ms']:.1f}",
                 "" if page["queries"] is None else str(page["queries"]),
                 "" if key == "trivial" else f"{ratio:.2f}", "; ".join(verdicts))
            )  # fmt: skip
        first, deep = stats["page1"], stats["deep"]
        ratio95 = deep["p95_ms"] / first["p95_ms"]
        rows.append(
            (f"page {results['deep_page']} / page 1", f"{deep['p50_ms'] / first['p50_ms']:.2f}x",
             f"{ratio95:.2f}x", "", "",
             f"p95 within {TARGET_PAGE_RATIO}x: " + _met(ratio95 <= TARGET_PAGE_RATIO))
        )  # fmt: skip
        export = results["export"]
        runs = export["runs"]
        seconds = [run["seconds"] for run in runs]
        peak = max(run["peak_rss_mb"] for run in runs)
        db_ratio = _percentile(seconds, 50) / export["db_seconds"] if export["db_seconds"] else None
        rows.append(
            (f"CSV export, {runs[0]['rows']:,} rows ({runs[0]['bytes'] / 2**20:.1f} MB)",
             f"{_percentile(seconds, 50) * 1000:.0f}", f"{_percentile(seconds, 95) * 1000:.0f}",
             str(runs[0]["queries"]), "",
             f"< {TARGET_EXPORT_SECONDS:.0f} s, < {TARGET_EXPORT_MB:.0f} MB: "
             + _met(max(seconds) < TARGET_EXPORT_SECONDS and peak < TARGET_EXPORT_MB)
             + f"; <= {TARGET_EXPORT_DB_RATIO}x the database's own time "
             + f"({export['db_seconds'] * 1000:.0f} ms, {db_ratio:.1f}x): "
             + _met(db_ratio is not None and db_ratio <= TARGET_EXPORT_DB_RATIO))
        )  # fmt: skip
        header = ("page", "p50 ms", "p95 ms", "queries", "x trivial", "target met")
        widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
        line = "-+-".join("-" * w for w in widths)
        self.stdout.write("")
        self.stdout.write(
            f"Server time over {len(results['rows'][0]['samples'])} requests per page "
            f"(Django test Client, full middleware, DEBUG off), {patients:,} patients; "
            "x trivial is the trivial page's p50 over the page's p50 (requests per second "
            f"relative to it). The issue's targets are at 100,000 patients."
        )
        self.stdout.write(" | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
        self.stdout.write(line)
        for row in rows:
            cells = [str(c).ljust(w) if i in (0, 5) else str(c).rjust(w)
                     for i, (c, w) in enumerate(zip(row, widths, strict=True))]  # fmt: skip
            self.stdout.write(" | ".join(cells))
        growth = max(run["peak_rss_mb"] - run["rss_before_mb"] for run in runs)
        self.stdout.write(
            f"Export memory: peak resident size of the serving process {peak:.0f} MB "
            f"(grew {growth:.0f} MB during the export"
            + ("" if all(run["peak_reset"] for run in runs) else "; peak not resettable here")
            + f"), tracemalloc peak {export['tracemalloc_peak_mb']:.1f} MB."
        )
        # Issue 14, finding 6: every patient listed or exported gets an access-log entry.
        log_ms = [run["log_ms"] for run in runs]
        pages = ", ".join(
            f"{row['label'].split(' (')[0]} "
            f"{_access_log_ms(results['captured'][row['key']]):.1f} ms"
            for row in results["rows"]
            if row["key"] in ("page1", "deep", "caseload")
        )
        self.stdout.write(
            f"Access log per patient: the export wrote {runs[0]['log_entries']:,} entries "
            f"(one per patient, one INSERT ... SELECT) in {_percentile(log_ms, 50):.0f} ms "
            f"(p50, {_percentile(log_ms, 50) / _percentile(seconds, 50):.1%} of the export); "
            f"list pages' one bulk insert: {pages}."
        )
        self.stdout.write(
            "Reminder planning is not measured by this command (see bench_reminders): "
            "its target is reported as not measured."
        )
        self._write_json(stats, export, peak, dataset, results)
        self.stdout.write("")

    def _bench_dir(self):
        return settings.VAR_DIR / "bench"

    def _write_json(self, stats, export, peak, dataset, results) -> None:
        info = _machine()
        report = {
            "machine": {**info, "python": platform.python_version(),
                        "django": django.get_version(), "system": platform.platform()},
            "load_average": [round(v, 2) for v in os.getloadavg()],
            "dataset": {k: dataset["counts"].get(k) for k in ("patients", "items", "overdue")},
            "measured_on": timezone.now().isoformat(),
            "pages": {
                key: {k: page[k] for k in ("p50_ms", "p95_ms", "queries", "ratio_to_trivial",
                                           "p95_10k_ms", "growth_10k_to_100k")}
                for key, page in stats.items()
            },  # fmt: skip
            "overdue_list_html_bytes": results["sizes"]["page1"],
            "export": {
                "seconds": _percentile([run["seconds"] for run in export["runs"]], 50),
                "db_seconds": export["db_seconds"],
                "peak_mb": peak,
            },
            "planning": {"visits_per_s": None, "copy_ratio": None,
                         "note": "not measured by bench_dashboard (see bench_reminders)"},
        }  # fmt: skip
        folder = self._bench_dir()
        folder.mkdir(parents=True, exist_ok=True)
        text = json.dumps(report, indent=2, default=str)
        (folder / "latest.json").write_text(text, encoding="utf-8")
        (folder / f"patients-{dataset['counts']['patients']}.json").write_text(
            text, encoding="utf-8"
        )
        self.stdout.write(f"Wrote {folder / 'latest.json'}.")

    def _print_explains(self, results: dict) -> None:
        captured = results["captured"]
        export_sql = _undeclare(
            _pick(
                [{"sql": sql} for sql in results["export"]["runs"][0]["sql"]],
                "followup_followupvisit",
                "ORDER BY",
            )
        )
        picks = [
            ("Dashboard: overdue totals (summary aggregate)",
             _pick(captured["dashboard"], "followup_followupvisit", "COUNT(")
             or _pick(captured["dashboard_cold"], "followup_followupvisit", "COUNT(")),
            ("Overdue list, page 1",
             _pick(captured["page1"], "followup_followupvisit", "LIMIT 51")),
            (f"Overdue list, page {results['deep_page']} (keyset cursor)",
             _pick(captured["deep"], "followup_followupvisit", "LIMIT 51")),
            ("Nurse caseload page", _pick(captured["caseload"], "patients_patient", "LIMIT 25")),
            ("CSV export of the whole list", export_sql),
        ]  # fmt: skip
        # The slowest query of a page, when it is not one of those already.
        for key, title in (("dashboard_cold", "/dashboard/"), ("caseload", "/nurse/")):
            slowest = max(captured[key], key=lambda q: float(q["time"]), default=None)
            chosen = {sql for _title, sql in picks}
            if slowest and float(slowest["time"]) >= 0.005 and slowest["sql"] not in chosen:
                picks.append((f"The slowest query of {title}", slowest["sql"]))
        for key, title in (("dashboard", "/dashboard/"), ("page1", "list page 1"),
                           ("deep", f"list page {results['deep_page']}"),
                           ("caseload", "/nurse/")):  # fmt: skip
            slowest = sorted(captured[key], key=lambda q: -float(q["time"]))[:4]
            self.stdout.write(
                f"Slowest queries of {title}: "
                + "; ".join(f"{float(q['time']) * 1000:.1f} ms {_gist(q['sql'])}" for q in slowest)
            )
        for title, sql in picks:
            self.stdout.write("")
            self.stdout.write(f"=== EXPLAIN (ANALYZE, BUFFERS): {title}")
            if not sql:
                self.stdout.write("(query not found)")
                continue
            self.stdout.write(_elide_select_list(sql))
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                for (line,) in cursor.fetchall():
                    self.stdout.write("  " + line)


VISIT_COLUMNS = (
    "id rule_key sequence kind label modality lab_test procedure instructions due_date "
    "window_start window_end status scheduled_at location completed_on outcome note "
    "created_at updated_at patient_id plan_id contact_note contacted_at contacted_by_id"
)
REMINDER_COLUMNS = (
    "id kind channel dedupe_key send_at status skip_reason attempts last_error "
    "provider_message_id context claimed_at sent_at stuck_reported_at created_at "
    "checkin_id patient_id recipient_user_id visit_id"
)


class _Items:
    """Statuses of follow-up items, as a clinic's records would show them, and their
    reminders (written to ``spool`` as CSV rows for COPY). Items are tuples from
    ``Command._schedules``: (rule_key, sequence, kind, label, modality, lab_test,
    procedure, instructions, due, window_start, window_end, and the three dates as text).
    """

    def __init__(self, rng, today, now, spool):
        self.rng, self.today, self.now = rng, today, now
        self.now_text = now.isoformat()
        self.spool = csv.writer(spool, lineterminator="\n")
        self.visit_id = self.reminder_id = self.overdue = 0
        self.by_status = dict.fromkeys(("completed", "cancelled", "planned", "scheduled"), 0)
        self.by_status["missed"] = 0
        self.reminders = dict.fromkeys(REMINDER_STATES, 0)

    def row(self, item, fields, patient) -> tuple:
        """The COPY row of an item: its schedule, then what happened to it."""
        status, scheduled_at, completed, outcome, note, contact = fields
        self.by_status[status] += 1
        contacted_at, contacted_by, contact_note = contact or (NULL, NULL, "")
        return (
            self.visit_id, *item[:8], *item[11:14], status, scheduled_at, "", completed,
            outcome, note, self.now_text, self.now_text, patient, patient, contact_note,
            contacted_at, contacted_by,
        )  # fmt: skip

    def past(self, item, is_open, patient, nurse, channel) -> tuple:
        """An item whose window has ended: done (mostly), cancelled, or still open."""
        rng = self.rng
        self.visit_id += 1
        kind, due, start, end = item[2], item[8], item[9], item[10]
        if channel != "portal" and rng.random() < 0.3:  # the "coming up" reminder
            self._remind(REMINDER_KIND[kind], channel, _at(due - timedelta(days=7), 9), "sent",
                         patient)  # fmt: skip
        if not is_open:
            if rng.random() < 0.05:
                return ("cancelled", NULL, NULL, "", "Cancelled by the care team", None)
            if rng.random() < 0.08:  # done, but late
                day = end + timedelta(days=rng.randrange(1, 45))
            else:
                day = start + timedelta(days=rng.randrange((end - start).days + 1))
            completed = min(day, self.today - timedelta(days=1)).isoformat()
            outcome = "ned" if rng.random() < 0.95 else "more_tests"
            return ("completed", NULL, completed, outcome, "", None)
        self.overdue += 1
        roll = rng.random()
        status = "missed" if roll < 0.2 else "scheduled" if roll < 0.3 else "planned"
        scheduled_at = _at(due, 10).isoformat() if status == "scheduled" else NULL
        note = "Did not attend" if status == "missed" else ""
        contact = None
        if rng.random() < 0.08:
            called = _at(min(end + timedelta(days=7), self.today), 11)
            contact = (called.isoformat(), nurse, rng.choice(CONTACT_NOTES))
        if channel != "portal" and rng.random() < 0.65:
            roll = rng.random()
            state = "sent" if roll < 0.8 else "failed" if roll < 0.93 else "skipped"
            latest = self.now - timedelta(hours=1)
            self._remind("overdue", channel, min(_at(end + timedelta(days=3), 9), latest), state,
                         patient)  # fmt: skip
            again = end + timedelta(days=33)
            if rng.random() < 0.2 and again < self.today:
                self._remind("overdue", channel, _at(again, 9), "sent", patient)
        return (status, scheduled_at, NULL, "", note, contact)

    def in_window(self, item) -> tuple:
        """An item in its due window today: some done already, some booked."""
        rng = self.rng
        self.visit_id += 1
        due, start = item[8], item[9]
        roll = rng.random()
        if roll < 0.35 and due <= self.today:
            done = start + timedelta(days=rng.randrange((self.today - start).days + 1))
            return ("completed", NULL, done.isoformat(), "ned", "", None)
        if roll < 0.6:
            return ("scheduled", _at(max(due, self.today), 10).isoformat(), NULL, "", "", None)
        return ("planned", NULL, NULL, "", "", None)

    def ahead(self, item, patient, channel) -> tuple:
        """A future item: planned, a few cancelled, the next two months' partly booked."""
        rng = self.rng
        self.visit_id += 1
        kind, due = item[2], item[8]
        if rng.random() < 0.005:
            return ("cancelled", NULL, NULL, "", "Not needed: seen elsewhere", None)
        if due <= self.today + timedelta(days=60) and rng.random() < 0.3:
            if channel != "portal":
                send_at = max(_at(due - timedelta(days=7), 9), self.now + timedelta(hours=1))
                self._remind(REMINDER_KIND[kind], channel, send_at, "pending", patient)
            return ("scheduled", _at(due, 10).isoformat(), NULL, "", "", None)
        return ("planned", NULL, NULL, "", "", None)

    def _remind(self, kind, channel, send_at, status, patient) -> None:
        self.reminder_id += 1
        self.reminders[status] += 1
        n = self.reminder_id
        sent = (send_at + timedelta(minutes=1)).isoformat() if status == "sent" else NULL
        self.spool.writerow(
            (
                n, kind, channel, f"bench:{self.visit_id}:{kind}:{n}", send_at.isoformat(),
                status,
                "Outside the patient's reminder preferences" if status == "skipped" else "",
                {"sent": 1, "failed": 3}.get(status, 0),
                self.rng.choice(FAILURES) if status == "failed" else "",
                f"bench-{n}" if status == "sent" else "", "{}", sent, sent, NULL,
                self.now_text, NULL, patient, NULL, self.visit_id,
            )
        )  # fmt: skip


def _clinic_today():
    with timezone.override(zoneinfo.ZoneInfo(settings.CLINIC_TIME_ZONE)):
        return timezone.localdate()


def _at(day, hour: int) -> datetime:
    return datetime.combine(day, dtime(hour), tzinfo=zoneinfo.ZoneInfo("UTC"))


def _copy(cursor, table: str, columns: str, rows) -> None:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    buffer.seek(0)
    cursor.copy_expert(
        f"COPY {table} ({', '.join(columns.split())}) FROM STDIN WITH (FORMAT csv, NULL '{NULL}')",
        buffer,
    )


@contextmanager
def _served_as_in_production():
    """Serve requests as a production process would: DEBUG off, templates not in debug
    (the test Client's host, "testserver", allowed). Restored afterwards."""

    templates = [engine.engine for engine in engines.all() if hasattr(engine, "engine")]
    saved = settings.DEBUG, settings.ALLOWED_HOSTS, [engine.debug for engine in templates]
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    for engine in templates:
        engine.debug = False
    try:
        yield
    finally:
        settings.DEBUG, settings.ALLOWED_HOSTS = saved[0], saved[1]
        for engine, debug in zip(templates, saved[2], strict=True):
            engine.debug = debug


def _signed_in(user) -> Client:
    """A client signed in as ``user`` with a session verified by a second factor, as
    every staff session in production is (the OTP middleware loads the device)."""

    device, _ = StaticDevice.objects.get_or_create(
        user=user, name="bench", defaults={"confirmed": True}
    )
    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def _get(client, url, consume=True):
    response = client.get(url)
    if response.status_code != 200:
        raise CommandError(f"GET {url} answered {response.status_code}.")
    if response.streaming and consume:
        for _ in response.streaming_content:
            pass
    return response


def _time(client, url, n: int) -> list[float]:
    samples = []
    for _ in range(n):
        started = time.perf_counter()
        _get(client, url)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def _access_log_ms(queries) -> float:
    """Time spent writing access-log entries in these captured queries, in ms."""
    return 1000 * sum(
        float(q["time"])
        for q in queries
        if q["sql"].startswith('INSERT INTO "survivorship_accesslog"')
    )


def _percentile(samples, pct: float) -> float:
    ordered = sorted(samples)
    return ordered[max(math.ceil(pct / 100 * len(ordered)) - 1, 0)]


def _met(ok: bool) -> str:
    return "met" if ok else "not met"


def _read_json(path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _copy_seconds(statements) -> float:
    """What PostgreSQL needs to produce the export's rows itself: each SELECT of the
    export (the list, the last-reminder lookups) run as COPY ... TO STDOUT, discarded."""

    class Sink:
        def write(self, data):
            return len(data)

    total = 0.0
    with connection.cursor() as cursor:
        for sql in statements:
            sql = _undeclare(sql)
            if not sql.lstrip().upper().startswith("SELECT") or "followup_" not in sql:
                continue
            started = time.perf_counter()
            cursor.cursor.copy_expert(f"COPY ({sql}) TO STDOUT WITH CSV", Sink())
            total += time.perf_counter() - started
    return total


def _status_field(name: str) -> int | None:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(name + ":"):
                    return int(line.split()[1])  # kB
    except OSError:
        return None
    return None


def _rss_mb() -> float:
    value = _status_field("VmRSS")
    return value / 1024 if value is not None else 0.0


def _peak_rss_mb() -> float:
    value = _status_field("VmHWM")
    if value is None:  # not Linux: the lifetime peak
        value = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return value / 1024


def _reset_peak_rss() -> bool:
    """Reset VmHWM to the current size (Linux), so the peak read next is the export's."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as clear:
            clear.write("5")
        return True
    except OSError:
        return False


def _run_probe(command: list[str]) -> dict:
    env = {**os.environ, "DEBUG": "0"}
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)  # noqa: S603
    if done.returncode != 0:
        raise CommandError(f"The export probe failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _machine() -> dict:
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        cpu = platform.processor() or cpu
    ram = _meminfo_kb("MemTotal")
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {"cpu": cpu, "cpus": cpus, "ram_gb": (ram or 0) / 2**20}


def _meminfo_kb(name: str) -> int | None:
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith(name + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def _pick(queries, table: str, needle: str) -> str:
    for query in queries:
        if f'FROM "{table}"' in query["sql"] and needle in query["sql"]:
            return query["sql"]
    return ""


def _elide_select_list(sql: str) -> str:
    """The query without its long column list (the FROM of the main table onwards)."""
    main = re.search(r' FROM "(\w+)" (?:INNER|LEFT|WHERE|GROUP|ORDER|LIMIT)', sql)
    return f"SELECT … {sql[main.start() + 1 :]}" if main else sql


def _undeclare(sql: str) -> str:
    """A server-side cursor's SQL, as the SELECT it runs."""
    return re.sub(r"^DECLARE .*? CURSOR .*?FOR ", "", sql, count=1, flags=re.S)


def _gist(sql: str) -> str:
    """ "SELECT followup_followupvisit": the verb and the main table of a query."""
    main = re.search(r' FROM "(\w+)"(?: INNER| LEFT| WHERE| GROUP| ORDER| LIMIT|$)', sql)
    verb = sql.split(None, 1)[0] if sql else ""
    return f"{verb} {main.group(1) if main else ''}".strip()
