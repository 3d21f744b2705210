"""Time the CSV import on the configured database, then roll everything back.

Not a test: the figure depends on the machine. The issue's target is 1,000 rows in
under 10 seconds on SQLite.
"""

import csv
import io
import random
import secrets
import time
from datetime import date, timedelta

from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from patients.choices import LATERAL_CANCER_TYPES, CancerType, Laterality, Sex
from patients.importing import COLUMNS, import_patients
from survivorship.roles import GROUP_NAMES, Role

GIVEN = (
    "Ada", "Amara", "Ben", "Carmen", "Chen", "Dara", "Elif", "Farah", "Gustavo", "Hana",
    "Ines", "Jonas", "Kofi", "Lena", "Mateo", "Noor", "Olga", "Priya", "Quentin", "Rosa",
    "Sami", "Tomasz", "Uma", "Viktor", "Wen", "Yusuf", "Zoe", "José", "Åsa", "Siobhán",
)  # fmt: skip
FAMILY = (
    "Abara", "Bianchi", "Costa", "Dubois", "Eriksen", "Fischer", "García", "Haddad",
    "Ivanova", "Jensen", "Kowalski", "Larsen", "Moreau", "Nakamura", "O'Neill", "Petrov",
    "Quispe", "Rossi", "Schmidt", "Tanaka", "Umarov", "Varga", "Wright", "Xu", "Yilmaz",
)  # fmt: skip
ZONES = ("UTC", "Europe/London", "America/New_York", "America/Chicago", "Asia/Tokyo")
STAGES = ("", "0", "I", "IA", "IIA", "IIB", "IIIA", "IIIC", "IV")


def generate(rows: int, *, prefix: str, nurse: str, seed: int = 1) -> bytes:
    """``rows`` fictional patients, most with a diagnosis and a primary nurse."""
    rng = random.Random(seed)  # noqa: S311 - fictional test data, not a secret
    today = timezone.localdate()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for number in range(rows):
        given, family = rng.choice(GIVEN), rng.choice(FAMILY)
        born = date(rng.randint(1935, 2000), rng.randint(1, 12), rng.randint(1, 28))
        email = f"patient.{number}@example.org" if rng.random() < 0.7 else ""
        phone = f"+1415555{number:04d}" if not email or rng.random() < 0.5 else ""
        cancer = rng.choice(CancerType.values) if rng.random() < 0.8 else ""
        diagnosed = born + timedelta(days=rng.randint(18 * 365, (today - born).days - 30))
        lateral = cancer in LATERAL_CANCER_TYPES
        writer.writerow(
            [
                f"{prefix}{number:05d}",
                given,
                family,
                born.isoformat(),
                rng.choice(Sex.values),
                email,
                phone,
                "",  # derived from the contact details
                rng.choice(ZONES),
                rng.choice(("en", "en", "es", "fr")),
                nurse if rng.random() < 0.6 else "",
                cancer,
                diagnosed.isoformat() if cancer else "",
                rng.choice(STAGES) if cancer else "",
                "adenocarcinoma" if cancer and rng.random() < 0.5 else "",
                rng.choice((Laterality.LEFT, Laterality.RIGHT)) if lateral else "",
            ]
        )
    return out.getvalue().encode()


class Rollback(Exception):
    pass


class Command(BaseCommand):
    help = "Time importing N generated patients (default 1000); everything is rolled back."

    def add_arguments(self, parser):
        parser.add_argument("--rows", type=int, default=1000)

    def handle(self, *args, **options):
        rows = options["rows"]
        if rows < 1:
            raise CommandError("--rows must be at least 1")
        token = secrets.token_hex(3).upper()
        nurse_name = f"bench-nurse-{token.lower()}"
        data = generate(rows, prefix=f"BENCH-{token}-", nurse=nurse_name)
        self.stdout.write(f"{rows} rows, {len(data) / 1024:.0f} KB, database: {connection.vendor}")
        try:
            with transaction.atomic():
                nurse = User.objects.create_user(username=nurse_name)
                group, _ = Group.objects.get_or_create(name=GROUP_NAMES[Role.NURSE])
                nurse.groups.add(group)
                first = self.timed("import", data)
                again = self.timed("re-import (all unchanged)", data)
                if first.created != rows or again.unchanged != rows:
                    raise CommandError(f"unexpected counts: {first} / {again}")
                raise Rollback
        except Rollback:
            self.stdout.write("Rolled back: the database is as it was.")

    def timed(self, label, data):
        started = time.perf_counter()
        report = import_patients(data)
        seconds = time.perf_counter() - started
        if report.errors:
            raise CommandError(
                "generated file has errors: " + "; ".join(map(str, report.errors[:5]))
            )
        self.stdout.write(
            f"{label}: {report.rows} rows in {seconds:.2f} s "
            f"({report.rows / seconds:.0f} rows/s; {report.created} created, "
            f"{report.unchanged} unchanged)"
        )
        return report
