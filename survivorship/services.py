from django.utils import timezone

from survivorship.models import Heartbeat


def heartbeat_record(*, name: str) -> Heartbeat:
    beat, _ = Heartbeat.objects.update_or_create(
        name=name, defaults={"last_run_at": timezone.now()}
    )
    return beat
