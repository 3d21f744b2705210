"""Time schedule generation for many care plans: ``manage.py bench_schedule [--plans N]``.

Builds N synthetic patients with one diagnosis each (bulk inserts, timed apart as
"setup"), then times building their care plans and follow-up items, and prints plans,
items, seconds and plans per second. Everything runs in one transaction that is rolled
back at the end, so the database is left exactly as it was: run it against the
configured database (PostgreSQL when DATABASE_URL is set).

Two modes:

- ``bulk`` (default): the path for building many plans at once. Plans are inserted with
  ``bulk_create`` (and their history rows in bulk), schedules come from the pure
  ``scheduling.generate_schedule`` (computed once per template and start date), and items
  go in with ``bulk_create(batch_size=...)``, a chunk of plans at a time to bound memory.
- ``service``: ``followup.services.plans.careplan_create`` once per plan, as a nurse's form
  does; several queries per plan, so expect it to be slower.
"""

from __future__ import annotations

import time
from dataclasses import asdict
from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from followup.models import CarePlan, CarePlanTemplate, FollowUpVisit
from followup.rules import guidelines, scheduling
from followup.services import plans as services
from patients.choices import Intent, Modality, ReminderChannel
from patients.models import CancerDiagnosis, Patient, Treatment

MRN_PREFIX = "BENCH-"
# One cancer type per seeded template, plus one that falls back to the general template.
CANCER_TYPES = (
    "breast",
    "colorectal",
    "lung",
    "prostate",
    "melanoma",
    "head_neck",
    "cervical",
    "hodgkin_lymphoma",
    "kidney",
)
# Start dates spread over the last six years: early plans have history, late ones not.
SPREAD_DAYS = 6 * 365


class Command(BaseCommand):
    help = "Time care-plan schedule generation for N synthetic plans (rolled back afterwards)."

    def add_arguments(self, parser):
        parser.add_argument("--plans", type=int, default=10_000, help="How many plans.")
        parser.add_argument(
            "--mode",
            choices=("bulk", "service"),
            default="bulk",
            help="bulk: bulk inserts (default); service: careplan_create per plan.",
        )
        parser.add_argument(
            "--batch-size", type=int, default=2000, help="Rows per INSERT for follow-up items."
        )
        parser.add_argument(
            "--chunk", type=int, default=1000, help="Plans built per round (bulk mode)."
        )

    def handle(self, *args, plans, mode, batch_size, chunk, **options):
        if plans < 1:
            raise CommandError("--plans must be at least 1.")
        if Patient.objects.filter(medical_record_number__startswith=MRN_PREFIX).exists():
            raise CommandError(f"Patients with record numbers {MRN_PREFIX}* already exist.")
        today = timezone.localdate()
        self.stdout.write(
            f"Database: {connection.vendor} ({connection.settings_dict['NAME']}); "
            f"mode: {mode}; plans: {plans}"
        )
        if settings.DEBUG:
            self.stdout.write(
                "Note: DEBUG is on, so every query is also logged; DEBUG=0 times it as served."
            )
        with transaction.atomic():
            started = time.perf_counter()
            diagnoses = self._setup(plans, today)
            setup_seconds = time.perf_counter() - started

            started = time.perf_counter()
            if mode == "bulk":
                self._build_bulk(diagnoses, today, batch_size=batch_size, chunk=chunk)
            else:
                self._build_with_service(diagnoses, today)
            seconds = time.perf_counter() - started

            made_plans = CarePlan.objects.filter(diagnosis__in=diagnoses).count()
            items = FollowUpVisit.objects.filter(plan__diagnosis__in=diagnoses).count()
            # Leave the database as it was: nothing of the benchmark is committed.
            transaction.set_rollback(True)

        self.stdout.write(f"setup (patients, diagnoses): {setup_seconds:.2f} s")
        self.stdout.write(
            f"plans: {made_plans}  items: {items}  seconds: {seconds:.2f}  "
            f"plans/s: {made_plans / seconds:.0f}  items/s: {items / seconds:.0f}"
        )
        self.stdout.write("Rolled back: the database is unchanged.")

    # --- Synthetic caseload (not timed with the plans) ----------------------------------

    def _setup(self, count: int, today) -> list[CancerDiagnosis]:
        patients = Patient.objects.bulk_create(
            [
                Patient(
                    medical_record_number=f"{MRN_PREFIX}{n:06d}",
                    given_name="Bench",
                    family_name=f"Patient {n}",
                    preferred_channel=ReminderChannel.PORTAL,
                    time_zone="UTC",
                )
                for n in range(count)
            ],
            batch_size=2000,
        )
        diagnoses = []
        ends = []
        for n, patient in enumerate(patients):
            # Deterministic spread: consecutive plans start a week apart, wrapping around.
            end = today - timedelta(days=(n * 7) % SPREAD_DAYS)
            ends.append(end)
            cancer_type = CANCER_TYPES[n % len(CANCER_TYPES)]
            diagnoses.append(
                CancerDiagnosis(
                    patient=patient,
                    cancer_type=cancer_type,
                    diagnosed_on=end - timedelta(days=180),
                    stage_group="IIIA" if n % 2 else "IIA",
                )
            )
        diagnoses = CancerDiagnosis.objects.bulk_create(diagnoses, batch_size=2000)
        Treatment.objects.bulk_create(
            [
                Treatment(
                    diagnosis=diagnosis,
                    modality=Modality.SURGERY,
                    intent=Intent.CURATIVE,
                    started_on=end,
                    ended_on=end,
                )
                for diagnosis, end in zip(diagnoses, ends, strict=True)
            ],
            batch_size=2000,
        )
        return diagnoses

    @staticmethod
    def _template_code(diagnosis: CancerDiagnosis) -> str:
        if diagnosis.cancer_type == "melanoma":
            high = diagnosis.stage_group.startswith("III")
            return (guidelines.MELANOMA_HIGH if high else guidelines.MELANOMA_LOW).code
        return guidelines.templates_for_cancer_type(diagnosis.cancer_type)[0].code

    @staticmethod
    def _start(diagnosis: CancerDiagnosis):
        return diagnosis.diagnosed_on + timedelta(days=180)  # the treatment end, as set up

    # --- Timed: plans and their items ---------------------------------------------------

    def _build_with_service(self, diagnoses, today) -> None:
        templates = {t.code: t for t in CarePlanTemplate.objects.prefetch_related("rules")}
        for diagnosis in diagnoses:
            services.careplan_create(
                diagnosis=diagnosis,
                template=templates[self._template_code(diagnosis)],
                start_date=self._start(diagnosis),
                today=today,
            )

    def _build_bulk(self, diagnoses, today, *, batch_size: int, chunk: int) -> None:
        templates = {t.code: t for t in CarePlanTemplate.objects.prefetch_related("rules")}
        specs = {code: t.rule_specs() for code, t in templates.items()}
        snapshots = {code: [asdict(spec) for spec in rules] for code, rules in specs.items()}
        # Plans sharing a template and start date share a schedule: compute it once.
        schedules: dict[tuple[str, object], list[scheduling.PlannedItem]] = {}
        for first in range(0, len(diagnoses), chunk):
            plans = []
            for diagnosis in diagnoses[first : first + chunk]:
                code = self._template_code(diagnosis)
                start = self._start(diagnosis)
                template = templates[code]
                plans.append(
                    CarePlan(
                        patient_id=diagnosis.patient_id,
                        diagnosis=diagnosis,
                        template=template,
                        template_version=template.version,
                        rules_snapshot=snapshots[code],
                        warning_signs_snapshot=list(template.warning_signs),
                        start_date=start,
                        generated_through=scheduling.horizon_end(start, today),
                    )
                )
            CarePlan.objects.bulk_create(plans, batch_size=batch_size)
            CarePlan.history.bulk_history_create(plans, batch_size=batch_size)
            visits = []
            for plan in plans:
                key = (plan.template.code, plan.start_date)
                items = schedules.get(key)
                if items is None:
                    items = schedules[key] = scheduling.generate_schedule(
                        specs[key[0]], plan.start_date, plan.generated_through
                    )
                visits.extend(
                    FollowUpVisit(
                        plan_id=plan.pk,
                        patient_id=plan.patient_id,
                        rule_key=item.rule_key,
                        sequence=item.sequence,
                        kind=item.kind,
                        label=item.label,
                        modality=item.modality,
                        lab_test=item.lab_test,
                        procedure=item.procedure,
                        instructions=item.instructions,
                        due_date=item.due_date,
                        window_start=item.window_start,
                        window_end=item.window_end,
                    )
                    for item in items
                )
            FollowUpVisit.objects.bulk_create(visits, batch_size=batch_size)
