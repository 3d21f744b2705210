"""A treatment changed: regenerate the late-effects items of its diagnosis's open plans.

A signal because patients must not import followup (followup -> patients only); the
receiver runs in the same transaction as the treatment's save, so the plan and the
record never disagree.
"""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from followup.services import plans as services
from patients.models import Treatment


@receiver(post_save, sender=Treatment, dispatch_uid="followup_treatment_saved")
@receiver(post_delete, sender=Treatment, dispatch_uid="followup_treatment_deleted")
def treatment_changed(sender, instance, raw=False, **kwargs):
    if raw:
        return
    services.careplans_regenerate_for_diagnosis(diagnosis_id=instance.diagnosis_id)
