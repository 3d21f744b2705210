"""Demo accounts and data for `make run` and screenshots. Never used in production."""

from django.contrib.auth.models import Group, User

from patients.models import Patient
from survivorship.roles import GROUP_NAMES, Role

DEFAULT_PASSWORD = "survivorship-demo"  # noqa: S105 - documented demo password

STAFF = (
    ("demo-nurse", "Nora", "Navigator", Role.NURSE),
    ("demo-nurse2", "Sam", "Okafor", Role.NURSE),
    ("demo-admin", "Ada", "Admin", Role.ADMINISTRATOR),
)
PATIENTS = (
    ("demo-patient", "Maria", "Lopez", "DEMO-0001"),
    ("demo-patient2", "James", "Carter", "DEMO-0002"),
)


def _user(username: str, first: str, last: str, password: str) -> User:
    user, _ = User.objects.get_or_create(username=username)
    user.first_name, user.last_name = first, last
    user.email = f"{username}@example.org"
    user.is_active = True
    user.set_password(password)
    return user


def seed(*, password: str) -> list[tuple[str, str]]:
    groups = {role: Group.objects.get_or_create(name=name)[0] for role, name in GROUP_NAMES.items()}
    accounts = []
    for username, first, last, role in STAFF:
        user = _user(username, first, last, password)
        user.is_staff = user.is_superuser = role == Role.ADMINISTRATOR
        user.save()
        user.groups.add(groups[role])
        accounts.append((username, role.value))
    for username, first, last, mrn in PATIENTS:
        user = _user(username, first, last, password)
        user.save()
        patient, _ = Patient.objects.get_or_create(
            medical_record_number=mrn, defaults={"given_name": first, "family_name": last}
        )
        patient.user = user
        patient.save()
        accounts.append((username, Role.PATIENT.value))
    return accounts
