from celery import shared_task

from survivorship import services


@shared_task(ignore_result=True)
def heartbeat():
    services.heartbeat_record(name="beat")
