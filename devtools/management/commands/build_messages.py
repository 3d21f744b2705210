from django.core.management.base import BaseCommand

from devtools import i18n


class Command(BaseCommand):
    help = (
        "Extract every msgid, merge the Spanish of locale/fragments/*.po into "
        "locale/es/LC_MESSAGES/django.po and compile django.mo (make messages)."
    )

    def handle(self, *args, **options):
        po = i18n.build()
        self.stdout.write(f"Wrote {po} and its .mo.")
