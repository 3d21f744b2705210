from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from patients.fhir.importer import import_bundle


class Command(BaseCommand):
    help = "Import a FHIR R4 Bundle (Patient with mCODE records) from an EHR: all or nothing."

    def add_arguments(self, parser):
        parser.add_argument("file", help="A Bundle in FHIR JSON")

    def handle(self, *args, file, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No such file: {file}")
        result = import_bundle(raw=path.read_bytes())
        for where, why in result.notes:
            self.stdout.write(f"skipped  {where}: {why}")
        for where, why in result.review:
            self.stdout.write(f"review   {where}: {why}")
        for where, why in result.errors:
            self.stderr.write(f"refused  {where}: {why}")
        if not result.ok:
            raise CommandError(result.summary)
        self.stdout.write(self.style.SUCCESS(result.summary))
