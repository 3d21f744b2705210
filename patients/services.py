"""Writes to patient records. Views, the importer and the demo data all come through here.

Validation of single records lives on the models (``clean``) so the admin, the forms and
the importer share it; these functions add what spans records: classification of a
return of disease, keeping the primary nurse on the care team, portal invitations.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext

from patients.choices import RETURN_OF_DISEASE, DiseaseStatus
from patients.classification import Classification, classify_return
from patients.models import (
    CancerDiagnosis,
    CaregiverGrant,
    DiseaseStatusEvent,
    Patient,
    Treatment,
)
from survivorship import audit
from survivorship.roles import GROUP_NAMES, Role, has_role

PATIENT_FIELDS = (
    "medical_record_number",
    "given_name",
    "family_name",
    "date_of_birth",
    "sex",
    "email",
    "mobile_phone",
    "preferred_channel",
    "time_zone",
    "preferred_language",
    "primary_nurse",
    "reminder_consent_at",
    "reminder_consent_channel",
    "reminder_consent_method",
    "active",
)


def _assign(instance, data: dict, fields) -> None:
    for field in fields:
        if field in data:
            setattr(instance, field, data[field])


@transaction.atomic
def patient_create(*, data: dict, care_team=()) -> Patient:
    patient = Patient()
    _assign(patient, data, PATIENT_FIELDS)
    patient.full_clean()
    patient.save()
    _set_care_team(patient, care_team)
    return patient


@transaction.atomic
def patient_update(*, patient: Patient, data: dict, care_team=None, by=None) -> Patient:
    """Save a patient's details.

    ``by`` is the member of staff editing: unless they are an administrator they cannot
    change the primary nurse or remove anyone from the care team (issue 14, finding 5);
    members they add are logged.
    """
    # Compare with what is stored: a ModelForm has already copied its data onto `patient`.
    *contact_before, primary_before = (
        Patient.objects.filter(pk=patient.pk)
        .values_list("email", "mobile_phone", "preferred_channel", "primary_nurse_id")
        .get()
    )
    contact_before = tuple(contact_before)
    team_before = set(patient.care_team.values_list("pk", flat=True))
    _assign(patient, data, PATIENT_FIELDS)
    if by is not None and not has_role(by, Role.ADMINISTRATOR):
        if patient.primary_nurse_id != primary_before:
            raise PermissionDenied("Only an administrator can change the primary nurse.")
        if care_team is not None:
            team_after = {m.pk if hasattr(m, "pk") else m for m in care_team}
            if team_before - team_after - {primary_before}:
                raise PermissionDenied("Only an administrator can remove a care-team member.")
            if team_after - team_before - {by.pk}:
                raise PermissionDenied("A nurse may add only herself to a care team.")
    if care_team is not None:
        for added in {m.pk if hasattr(m, "pk") else m for m in care_team} - team_before:
            audit.record(
                action="team-add", patient_id=patient.pk, object_type="user", object_id=str(added)
            )
    if (patient.email, patient.mobile_phone, patient.preferred_channel) != contact_before:
        patient.contact_problem = ""  # a nurse fixed the contact: try again
    patient.full_clean()
    patient.save()
    if care_team is not None:
        _set_care_team(patient, care_team)
    elif patient.primary_nurse_id:
        patient.care_team.add(patient.primary_nurse_id)
    return patient


PRIMARY_CARE_FIELDS = [
    "pcp_name", "pcp_practice", "pcp_phone", "pcp_email", "pcp_secure_address",
    "care_transferred_on",
]  # fmt: skip


@transaction.atomic
def patient_primary_care_update(*, patient: Patient, data: dict) -> Patient:
    """Record the primary-care doctor and the date primary care leads the follow-up."""
    _assign(patient, data, PRIMARY_CARE_FIELDS)
    patient.full_clean()
    patient.save(update_fields=[*PRIMARY_CARE_FIELDS, "updated_at"])
    return patient


def _set_care_team(patient: Patient, care_team) -> None:
    members = {member.pk if hasattr(member, "pk") else member for member in care_team}
    if patient.primary_nurse_id:
        # The primary nurse always sees the record: keep them on the team.
        members.add(patient.primary_nurse_id)
    patient.care_team.set(members)


@transaction.atomic
def patient_delete(*, patient: Patient) -> None:
    # django-simple-history keeps a "deleted" history row for the patient and each
    # diagnosis, treatment and event removed with it.
    patient.delete()


def _save(instance):
    instance.full_clean()
    instance.save()
    return instance


@transaction.atomic
def diagnosis_save(*, diagnosis: CancerDiagnosis, then=None) -> CancerDiagnosis:
    """Save a diagnosis; ``then(diagnosis)`` runs after, in the same transaction (what
    the apps above do next: a second primary and the patient's other plans)."""
    saved = _save(diagnosis)
    if then is not None:
        then(saved)
    return saved


def treatment_save(*, treatment: Treatment) -> Treatment:
    return _save(treatment)


def record_delete(*, record) -> None:
    record.delete()


def classify_for(*, diagnosis: CancerDiagnosis, event_date, exclude_pk=None) -> Classification:
    events = diagnosis.status_events.exclude(pk=exclude_pk).values_list("event_date", "status")
    return classify_return(events, event_date)


# What a nurse records when the disease has come back: the service decides whether the
# record supports calling it recurrence or progression.
RETURN = "return"


@transaction.atomic
def status_event_record(
    *,
    event: DiseaseStatusEvent,
    reported_status: str,
    override_status: str = "",
    override_note: str = "",
    by: User | None = None,
    then=None,
) -> DiseaseStatusEvent:
    """Save a status event; a return of disease is classified as recurrence or progression.

    ``reported_status`` is a DiseaseStatus value or ``RETURN``. Recording
    ``recurrence`` or ``progression`` directly is treated as a return of disease too,
    so the suggestion and its reason are always kept. ``override_status`` replaces the
    suggestion and requires ``override_note``. ``then(event)``, if given, runs after the
    save in the same transaction: its refusal (ValidationError) undoes the save.
    """
    if reported_status == RETURN or reported_status in RETURN_OF_DISEASE:
        if not event.event_date:
            raise ValueError("a return of disease needs its date to be classified")
        suggestion = classify_for(
            diagnosis=event.diagnosis, event_date=event.event_date, exclude_pk=event.pk
        )
        event.suggested_status = suggestion.status
        event.classification_reason = suggestion.reason
        chosen = override_status or (
            reported_status if reported_status in RETURN_OF_DISEASE else suggestion.status
        )
        if chosen != suggestion.status and not (override_note or "").strip():
            raise ValidationError(
                {
                    "override_note": (
                        f"The record suggests {suggestion.status.label.lower()} "
                        f"({suggestion.reason}). Add a note to record "
                        f"{DiseaseStatus(chosen).label.lower()} instead."
                    )
                }
            )
        event.status = chosen
        event.override_note = override_note if chosen != suggestion.status else ""
        if event.status != DiseaseStatus.RECURRENCE:
            event.recurrence_type = ""
    else:
        event.status = reported_status
        event.suggested_status = ""
        event.classification_reason = ""
        event.override_note = ""
    if by is not None and event.recorded_by_id is None:
        event.recorded_by = by
    saved = _save(event)
    if then is not None:
        then(saved)  # what the apps above do next (the care plan), in this transaction
    return saved


@transaction.atomic
def status_event_discussed_mark(*, event: DiseaseStatusEvent, by: User) -> DiseaseStatusEvent:
    """Say that a return of disease was talked through with the patient (issue 19).

    Until then the event is left out of the portal and of every message
    (``DiseaseStatusEvent.objects.visible_to_patient``): the patient hears it from a
    person. Only a nurse whose caseload holds the patient may say so; the save is logged
    in the access log like every write of the record.
    """
    patient_id = event.diagnosis.patient_id
    if (
        not has_role(by, Role.NURSE)
        or not Patient.objects.for_user(by).filter(pk=patient_id).exists()
    ):
        raise PermissionDenied(
            "Only a nurse on the care team can mark 'discussed with the patient'."
        )
    # Locked so that two nurses marking at once do not both succeed.
    event = (
        DiseaseStatusEvent.objects.select_for_update(of=("self",))
        .select_related("discussed_by", "diagnosis")
        .get(pk=event.pk)
    )
    if event.status not in RETURN_OF_DISEASE:
        raise ValidationError(
            "Only a recurrence or a progression waits to be discussed with the patient."
        )
    if event.discussed_at is not None:
        who = event.discussed_by
        name = (who.get_full_name() or who.get_username()) if who else "someone no longer here"
        day = timezone.localdate(event.discussed_at)
        raise ValidationError(f"This was already marked discussed on {day:%Y-%m-%d} by {name}.")
    event.discussed_at, event.discussed_by = timezone.now(), by
    event.save(update_fields=["discussed_at", "discussed_by"])
    return event


def portal_username_for(patient: Patient) -> str:
    """A username that says nothing about the patient (no record number, no name).

    Usernames travel in invitations and logs; a random one cannot identify anybody.
    """
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"  # nothing to misread on the phone
    while True:
        username = "patient-" + "".join(secrets.choice(alphabet) for _ in range(8))
        if not User.objects.filter(username=username).exists():
            return username


@dataclass(frozen=True)
class Invitation:
    user: User
    # Empty when the account already has a password: staff never see a usable
    # credential link for an active account (issue 14, finding 1).
    set_password_url: str
    emailed: bool
    reset_only: bool = False


@transaction.atomic
def patient_invite(*, patient: Patient, base_url: str) -> Invitation:
    """Create (or reuse) the patient's portal account and a one-time set-password link.

    The link is Django's password-reset token: it stops working once the password is
    set, and after PASSWORD_RESET_TIMEOUT. For an account that already has a password
    the link goes only to the patient's own email address; the nurse sees none, so no
    member of staff can set a patient's password and sign in as them.
    """
    user = patient.user
    if user is None:
        user = User(
            username=portal_username_for(patient),
            first_name=patient.given_name,
            last_name=patient.family_name,
            email=patient.email,
        )
        user.set_unusable_password()
        user.save()
        patient.user = user
        patient.save(update_fields=["user", "updated_at"])
    reset_only = user.has_usable_password()
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    path = reverse("password_reset_confirm", kwargs={"uidb64": uid, "token": token})
    url = base_url.rstrip("/") + path
    audit.record(
        action="reset-link" if reset_only else "invite",
        patient_id=patient.pk,
        obj=patient,
    )
    emailed = False
    if patient.email:
        if reset_only:
            body = (
                f"Hello {patient.given_name},\n\n"
                f"Your care team at {settings.CLINIC_NAME} sent you a link to choose a new "
                f"portal password. If you did not ask for it, you can ignore this email: "
                f"your password stays as it is.\n"
                f"Choose a new password here (the link works once): {url}\n\n"
                f"Your username is {user.username}.\n"
            )
        else:
            body = (
                f"Hello {patient.given_name},\n\n"
                f"Your care team at {settings.CLINIC_NAME} has set up your survivorship portal.\n"
                f"Choose your password here (the link works once): {url}\n\n"
                f"Your username is {user.username}.\n"
            )
        transaction.on_commit(
            lambda: send_mail(
                "Your survivorship portal", body, None, [patient.email], fail_silently=False
            )
        )
        emailed = True
    return Invitation(
        user=user,
        set_password_url="" if reset_only else url,
        emailed=emailed,
        reset_only=reset_only,
    )


@transaction.atomic
def patient_reassign(*, patient: Patient, nurse: User) -> Patient:
    """Make ``nurse`` the primary nurse; they join the care team, nobody is removed."""
    patient.primary_nurse = nurse
    patient.save(update_fields=["primary_nurse", "updated_at"])
    patient.care_team.add(nurse)
    return patient


# --- Caregivers ----------------------------------------------------------------------------

# What a grant may allow; reminders also need the patient's choice of recipients.
GRANT_PERMISSIONS = ("can_see_plan", "can_report", "can_see_reports", "can_get_reminders")


def _caregiver_account(*, name: str, email: str) -> User:
    """The caregiver's own account: an existing caregiver's (grants for several
    patients share it), or a new one with no password until they choose it."""
    existing = list(User.objects.filter(email__iexact=email).prefetch_related("groups"))
    for user in existing:
        if user.is_staff or has_role(user, Role.NURSE, Role.ADMINISTRATOR):
            raise ValidationError(
                {"email": "This address belongs to a member of staff: staff cannot be caregivers."}
            )
    if len(existing) > 1:
        raise ValidationError(
            {"email": "More than one account uses this address; ask the clinic to sort it out."}
        )
    if existing:
        user = existing[0]
        if not user.is_active:
            raise ValidationError({"email": "This account is switched off; ask the clinic."})
    else:
        given, _, family = name.strip().partition(" ")
        user = User(
            username=_unused_username("caregiver-"),
            first_name=given[:150],
            last_name=family[:150],
            email=email,
        )
        user.set_unusable_password()
        user.save()
    group, _ = Group.objects.get_or_create(name=GROUP_NAMES[Role.CAREGIVER])
    user.groups.add(group)
    return user


def _unused_username(prefix: str) -> str:
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    while True:
        username = prefix + "".join(secrets.choice(alphabet) for _ in range(8))
        if not User.objects.filter(username=username).exists():
            return username


def _set_password_url(user: User, base_url: str) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    path = reverse("password_reset_confirm", kwargs={"uidb64": uid, "token": token})
    return base_url.rstrip("/") + path


@transaction.atomic
def caregiver_grant_create(
    *,
    patient: Patient,
    name: str,
    email: str,
    by: User,
    base_url: str,
    relationship: str = "",
    permissions: dict | None = None,
    consent_on=None,
    consent_method: str = "",
    consent_note: str = "",
) -> CaregiverGrant:
    """Give a caregiver access to the patient's portal, and email them an invitation.

    ``by`` is the patient themself (portal) or a nurse on the care team, who must record
    the patient's consent: when and how. A staff address is refused. The invitation is a
    one-time set-password link for a new account; an existing caregiver is told by email
    that they can now help this patient too.
    """
    by_patient = patient.user_id is not None and patient.user_id == by.pk
    if not by_patient:
        if (
            not has_role(by, Role.NURSE)
            or not Patient.objects.for_user(by).filter(pk=patient.pk).exists()
        ):
            raise PermissionDenied("only the patient or a nurse on the care team can grant access")
        if consent_on is None or not consent_method:
            raise ValidationError(
                {"consent_on": "Record when and how the patient agreed to this caregiver."}
            )
    email = (email or "").strip()
    caregiver = _caregiver_account(name=name, email=email)
    if patient.user_id == caregiver.pk:
        raise ValidationError({"email": gettext("This is the patient's own address.")})
    if CaregiverGrant.objects.filter(
        patient=patient, caregiver=caregiver, revoked_at__isnull=True
    ).exists():
        already = gettext("%(name)s can already use the portal for this patient.")
        raise ValidationError({"email": already % {"name": name}})
    chosen = permissions or {}
    grant = CaregiverGrant(
        patient=patient,
        caregiver=caregiver,
        name=name.strip(),
        relationship=relationship.strip(),
        email=email,
        granted_via=CaregiverGrant.GrantedVia.PORTAL
        if by_patient
        else CaregiverGrant.GrantedVia.NURSE,
        granted_by=by,
        consent_on=consent_on if not by_patient else timezone.localdate(),
        consent_method=consent_method if not by_patient else "",
        consent_note=consent_note.strip(),
        **{name_: bool(chosen.get(name_, name_ == "can_see_plan")) for name_ in GRANT_PERMISSIONS},
    )
    grant.full_clean()
    grant.save()  # logged as a "create" of the grant (patients/wiring.py)
    if caregiver.has_usable_password():
        body = (
            f"Hello {grant.name},\n\n"
            f"{patient.given_name} has asked {settings.CLINIC_NAME} to let you help them "
            f"through the survivorship portal. Sign in as usual and choose "
            f'"People I help".\n'
        )
    else:
        body = (
            f"Hello {grant.name},\n\n"
            f"{patient.given_name} has asked {settings.CLINIC_NAME} to let you help them "
            f"through the survivorship portal, with an account of your own.\n"
            f"Choose your password here (the link works once): "
            f"{_set_password_url(caregiver, base_url)}\n\n"
            f"Your username is {caregiver.username}.\n"
        )
    transaction.on_commit(
        lambda: send_mail("Your survivorship portal", body, None, [email], fail_silently=False)
    )
    return grant


@transaction.atomic
def caregiver_grant_revoke(*, grant: CaregiverGrant, by: User) -> CaregiverGrant:
    """End a grant now. The caregiver's next request is refused; an invitation they
    have not used yet stops working when they hold no other live grant."""
    grant = CaregiverGrant.objects.select_for_update().get(pk=grant.pk)
    if grant.revoked_at is not None:
        raise ValidationError(gettext("This access was already ended."))
    grant.revoked_at, grant.revoked_by = timezone.now(), by
    grant.save(update_fields=["revoked_at", "revoked_by"])
    caregiver = grant.caregiver
    if not caregiver.has_usable_password() and not caregiver.caregiver_grants.live().exists():
        caregiver.set_unusable_password()  # a new hash: the set-password link no longer works
        caregiver.save(update_fields=["password"])
    return grant


def patient_language_set(*, user, language: str) -> Patient | None:
    """A patient chose the language they read (the portal's switch): keep it on their record.

    Reminders and the portal then use it on every device and in every later session.
    Returns the record, or None when ``user`` is not a patient.
    """
    patient = Patient.objects.filter(user=user).first() if user.is_authenticated else None
    if patient is not None and patient.preferred_language != language:
        patient.preferred_language = language
        patient.save(update_fields=["preferred_language"])
    return patient
