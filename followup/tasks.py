from celery import shared_task

from followup import services


@shared_task(ignore_result=True)
def extend_care_plans():
    """Keep a rolling year of yearly items on plans past year 5 (idempotent)."""
    services.careplan_extend_all()
