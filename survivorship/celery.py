import os

from celery import Celery
from celery.signals import beat_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "survivorship.settings")

app = Celery("survivorship")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@beat_init.connect
def send_first_heartbeat(sender, **kwargs):
    # Beat's first interval run comes a minute after start; send one now so /healthz
    # turns green as soon as beat, broker and worker all answer.
    sender.app.send_task("survivorship.tasks.heartbeat")
