import os

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from devtools import demo


class Command(BaseCommand):
    help = "Create or refresh the demo accounts and data (idempotent). Refuses in production."

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError("seed_demo refuses to run with DJANGO_ENV=production.")
        password = os.environ.get("DEMO_PASSWORD") or demo.DEFAULT_PASSWORD
        with transaction.atomic():
            accounts = demo.seed(password=password)
        self.stdout.write(self.style.SUCCESS("Demo data is ready. Sign in with:"))
        for username, role in accounts:
            self.stdout.write(f"  {username:<15} {role:<14} password: {password}")
