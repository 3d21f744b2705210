"""Run a triage case file: each case's level, the rules that fired and the reason.

Writes nothing to the database. Exit status 1 when any case's ``expect`` is not met,
2 when the file cannot be read (one line naming the case and field).
"""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from followup.rules.triage_cases import CaseError, catalogue_rows, run_cases


class Command(BaseCommand):
    help = "Triage the cases in FILE.json and compare with their 'expect' (docs/triage-cases/)."
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", help="a case file (JSON)")
        parser.add_argument("--json", action="store_true", help="print a JSON list")
        parser.add_argument("--signs", action="store_true", help="print the sign catalogue")

    def handle(self, *args, **options):
        if options["signs"]:
            rows = catalogue_rows()
            if options["json"]:
                self.stdout.write(json.dumps(rows, indent=2, ensure_ascii=False))
            else:
                for row in rows:
                    level = row["level"] or "-"
                    self.stdout.write(f"{row['code']:<34} {level:<7} {row['label']}")
            return
        if not options["file"]:
            raise CommandError("give a case file, or --signs")
        path = Path(options["file"])
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise CommandError(f"{path}: no such file") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"{path}: cannot be read ({exc})") from None
        except json.JSONDecodeError as exc:
            raise CommandError(
                f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
            ) from None
        try:
            results = run_cases(data)
        except CaseError as exc:
            raise CommandError(f"{path}: {exc}") from None

        if options["json"]:
            self.stdout.write(json.dumps([r.as_dict() for r in results], indent=2))
        else:
            for r in results:
                mark = "ok  " if r.met else "FAIL"
                expected = f" (expected {r.expect})" if r.expect else ""
                self.stdout.write(f"{mark} {r.id}: {r.level}{expected}")
                self.stdout.write(f"     rules: {', '.join(r.rules)}")
                self.stdout.write(f"     reason: {r.reason}")
        failed = [r for r in results if not r.met]
        if failed:
            self.stderr.write(f"{len(failed)} of {len(results)} cases did not match:")
            for r in failed:
                self.stderr.write(f"  {r.id}: expected {r.expect}, got {r.level}")
            raise SystemExit(1)
        if not options["json"]:
            self.stdout.write(f"All {len(results)} cases match.")
