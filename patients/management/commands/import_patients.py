from pathlib import Path

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError

from patients.importing import COLUMNS, import_patients, size_problem


class Command(BaseCommand):
    help = (
        "Import patients (and one diagnosis each) from a CSV file, all or nothing. "
        "Columns: " + ", ".join(COLUMNS) + ". See docs/csv-import.md."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="path to the CSV file")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="check the file and say what would change, without writing anything",
        )
        parser.add_argument(
            "--by",
            metavar="USERNAME",
            help="record this user as the author of the changes in the record history",
        )

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        # Check the size before reading, so a huge file is refused without loading it.
        problem = size_problem(path.stat().st_size)
        if problem:
            raise CommandError(f"{path}: {problem}")
        by = None
        if options["by"]:
            by = User.objects.filter(username=options["by"]).first()
            if by is None:
                raise CommandError(f"--by {options['by']}: no such user")

        report = import_patients(path.read_bytes(), dry_run=options["dry_run"], by=by)

        for notice in report.notices:
            self.stdout.write(self.style.WARNING(f"{path}: {notice}"))
        if report.errors:
            for error in report.errors:
                self.stderr.write(f"{path}: {error}")
            raise CommandError(
                f"{len(report.errors)} problem(s) in {path}; nothing was imported. "
                "Fix these lines and run the import again."
            )
        counts = (
            f"{report.created} created, {report.updated} updated, "
            f"{report.unchanged} unchanged; {report.diagnoses_created} diagnoses added"
        )
        if report.dry_run:
            self.stdout.write(f"Dry run of {report.rows} rows, nothing written: would be {counts}.")
        else:
            self.stdout.write(self.style.SUCCESS(f"Imported {report.rows} rows: {counts}."))
