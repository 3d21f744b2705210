"""Every page, every role, in Chromium: axe-core finds no serious or critical violation.

The demo data (devtools.demo.seed) fills every page the way a clinic would: plans with
overdue and missed items, reports in the queue, a caregiver, reminders. Each role signs in
once and walks its pages in one browser context. Which pages a role has is not a list to
forget to update: every URL pattern whose view admits the role must be either in PAGES
(visited) or in NOT_PAGES (with the reason it is not a page), or the walk fails.

The patient and the caregiver also walk their pages at 390×844 (a phone); nothing may
stick out of the viewport sideways.

The listing (page × violations) goes to artifacts/accessibility.txt; .ci/run prints it.
"""

import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.admin import site as admin_site
from django.contrib.auth.models import User
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from playwright.sync_api import Error as PlaywrightError

from devtools import demo
from followup.models import CarePlan, CheckIn, FollowUpVisit, KnownBaseline, SymptomReport
from followup.services.reports import report_submit
from patients.choices import DiseaseStatus
from patients.models import CaregiverGrant, DiseaseStatusEvent, Patient, Treatment
from tests.e2e.conftest import login
from tests.support.accessibility import axe_violations, blocking, horizontal_overflow

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(os.environ.get("ARTIFACTS_DIR", settings.BASE_DIR / "artifacts"))
PASSWORD = "a11y-demo-password"  # noqa: S105 - demo accounts made for this test only
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}

# URL names that are not pages a person reads: POST-only actions, files, machine APIs.
NOT_PAGES = {
    "logout": "POST only",
    "healthz": "JSON for monitors",
    "home": "redirects to the role's home",
    "password_reset_confirm": "anonymous (one-time link)",
    "password_reset_complete": "anonymous",
    "two_factor:verify": "only while a second factor is pending",
    "two_factor:backup_codes": "only straight after enrolment",
    "two_factor:disable": "POST only",
    "nurse:plan_letter": "PDF",
    "nurse:visit_row": "htmx fragment of the plan page (visited there)",
    "nurse:visit_action": "POST only",
    "nurse:baseline_end": "POST only",
    "nurse:report_ack": "POST only",
    "nurse:report_resolve": "POST only",
    "nurse:patient_invite": "POST only",
    "nurse:baseline_set": "POST only (its form is on the patient page)",
    "portal:plan_letter": "PDF",
    "portal:calendar": ".ics file",
    "dashboard:export": "CSV",
    "dashboard:audit_export": "CSV",
    "dashboard:contacted": "POST only",
    "dashboard:remind": "POST only",
    "dashboard:settle": "POST only",
    "dashboard:reassign": "POST only (its form is on the overdue list)",
    "fhir:nurse_bundle": "FHIR JSON",
    "fhir:import": "Django admin form",
}


# Admin screens that packages ship (lockout log, 2FA devices, OAuth applications): their
# templates and widgets are theirs. Not walked; see the README's accessibility section.
THIRD_PARTY_ADMIN = {"axes", "otp_static", "otp_totp", "oauth2_provider"}


def _maria() -> Patient:
    return Patient.objects.get(medical_record_number=demo.PATIENTS[0][3])


def _kwargs(name: str) -> dict:
    """Real objects from the demo data for a URL name's arguments (Maria's, mostly)."""
    maria = _maria()
    plan = CarePlan.objects.filter(diagnosis__patient=maria).order_by("pk").first()
    report = SymptomReport.objects.filter(patient=maria).order_by("-pk").first()
    by_name = {
        "patient": lambda: {"pk": maria.pk},
        "diagnosis": lambda: {"pk": maria.diagnoses.order_by("pk").first().pk},
        "treatment": lambda: {
            "pk": Treatment.objects.filter(diagnosis__patient=maria).order_by("pk").first().pk
        },
        "status": lambda: {
            "pk": DiseaseStatusEvent.objects.filter(diagnosis__patient=maria)
            .order_by("pk")
            .first()
            .pk
        },
        # Issue 19: the return of disease _demo adds for Maria and nobody has discussed yet.
        "undiscussed": lambda: {
            "pk": DiseaseStatusEvent.objects.filter(
                diagnosis__patient=maria, status=DiseaseStatus.PROGRESSION, discussed_at=None
            )
            .latest("pk")
            .pk
        },
        "plan": lambda: {"pk": plan.pk},
        "report": lambda: {"pk": report.pk},
    }
    table = {
        "nurse:patient": "patient",
        "nurse:patient_edit": "patient",
        "nurse:patient_primary_care": "patient",
        "nurse:patient_delete": "patient",
        "nurse:patient_invite": "patient",
        "nurse:caregivers": "patient",
        "nurse:diagnosis_create": "patient",
        "nurse:plan_create": "patient",
        "nurse:diagnosis_edit": "diagnosis",
        "nurse:diagnosis_delete": "diagnosis",
        "nurse:treatment_create": "diagnosis",
        "nurse:status_create": "diagnosis",
        "nurse:treatment_edit": "treatment",
        "nurse:treatment_delete": "treatment",
        "nurse:status_edit": "status",
        "nurse:status_delete": "status",
        "nurse:status_discussed": "undiscussed",
        "nurse:plan": "plan",
        "nurse:plan_edit": "plan",
        "nurse:plan_status": "plan",
        "nurse:plan_print": "plan",
        "nurse:visit_add": "plan",
        "nurse:plan_letter_send": "plan",
        "nurse:call_log": "patient",
        "nurse:report": "report",
        "portal:report_done": "report",
        "caregiver:patient": "patient",
        "caregiver:report": "patient",
    }
    if name in table:
        return by_name[table[name]]()
    if name in ("portal:checkin", "portal:checkin_nothing_new"):
        return {"pk": CheckIn.objects.filter(patient=maria).order_by("-pk").first().pk}
    grant = CaregiverGrant.objects.live().filter(patient=maria).order_by("pk").first()
    if name == "nurse:caregiver_revoke":
        return {"pk": maria.pk, "grant_pk": grant.pk}
    if name == "portal:caregiver_revoke":
        return {"pk": grant.pk}
    if name == "caregiver:report_done":
        mine = SymptomReport.objects.filter(patient=maria, reported_by__username=demo.CAREGIVER)
        return {"pk": maria.pk, "report_pk": mine.latest("pk").pk}
    return {}


def _admits(view, role: str) -> bool:
    declared = getattr(view, "allowed_roles", None)
    if declared == "authenticated":
        return True
    if isinstance(declared, str) or declared is None:
        return False
    return role in {str(r) for r in declared}


def _walk(patterns, namespace=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            if entry.app_name == "admin":
                continue
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, ns)
        elif isinstance(entry, URLPattern):
            yield f"{namespace}{entry.name}", entry.callback


def pages_for(role: str) -> list[tuple[str, str]]:
    """(label, path) of every page the role can open, from the URL map itself."""
    pages = []
    for name, view in _walk(get_resolver().url_patterns):
        if not _admits(view, role) or name in NOT_PAGES:
            continue
        pages.append((name, reverse(name, kwargs=_kwargs(name))))
    pages += EXTRA_PAGES.get(role, [])
    if role == "administrator":
        pages += _admin_pages()
    return pages


def _admin_pages() -> list[tuple[str, str]]:
    """Every model in the Django admin: its list and its add form (and one change form)."""
    pages = []
    for model, model_admin in sorted(
        admin_site._registry.items(), key=lambda item: item[0]._meta.label
    ):
        if model._meta.app_label in THIRD_PARTY_ADMIN:
            continue
        name = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        pages.append((f"{name}_changelist", reverse(f"{name}_changelist")))
        if model_admin.has_add_permission(_AdminRequest()):
            pages.append((f"{name}_add", reverse(f"{name}_add")))
    # One change form of each kind the app edits most: inlines, split date-times, selects.
    template = CarePlan.objects.filter(diagnosis__patient=_maria()).first().template
    for name, pk in (
        ("admin:patients_patient_change", _maria().pk),
        ("admin:patients_cancerdiagnosis_change", _maria().diagnoses.first().pk),
        ("admin:followup_careplantemplate_change", template.pk),
        ("admin:auth_user_change", User.objects.get(username=demo.NURSE).pk),
    ):
        pages.append((name, reverse(name, args=[pk])))
    return pages


class _AdminRequest:
    """Enough of a request for has_add_permission: the demo administrator (a superuser)."""

    @property
    def user(self):
        return User.objects.get(username="demo-admin")


# States of a page that the URL alone does not reach.
EXTRA_PAGES = {
    "nurse": [
        ("nurse:home (search)", "/nurse/?q=Lopez"),
        ("dashboard:overdue (over 90 days)", "/dashboard/overdue/?bucket=90%2B"),
    ],
    "administrator": [
        ("admin:index", "/admin/"),
    ],
}


def _demo() -> None:
    demo.seed(password=PASSWORD)
    # The demo's own checks: the pages below need these to exist.
    maria = _maria()
    assert CheckIn.objects.filter(patient=maria).exists()
    assert SymptomReport.objects.filter(patient=maria).exists()
    assert KnownBaseline.objects.exists()
    assert CaregiverGrant.objects.live().filter(patient=maria).exists()
    assert FollowUpVisit.objects.filter(plan__diagnosis__patient=maria).exists()
    # Issue 19: a recurrence discussed with Maria (the portal's page on living with a
    # recurrence, and its card on her home page) and a newer return not yet discussed (the
    # nurse's "mark discussed" page).
    diagnosis = maria.diagnoses.order_by("pk").first()
    today = timezone.localdate()
    DiseaseStatusEvent.objects.create(
        diagnosis=diagnosis,
        event_date=today - timedelta(days=60),
        status=DiseaseStatus.RECURRENCE,
        recurrence_type="local",
        discussed_at=timezone.now(),
        discussed_by=User.objects.get(username=demo.NURSE),
    )
    DiseaseStatusEvent.objects.create(
        diagnosis=diagnosis, event_date=today - timedelta(days=7), status=DiseaseStatus.PROGRESSION
    )
    # The caregiver sees the reports they filed (the demo grant does not show the others).
    report_submit(
        patient=maria,
        submission_key="a11y-caregiver-report",
        signs=[],
        other_text="She has been more tired than usual this week.",
        reported_by=User.objects.get(username=demo.CAREGIVER),
        reported_by_name="Daniel Lopez",
    )


def _walk_pages(browser, live_server, username, role, viewport, check_overflow=False):
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))
    # Failed requests by URL (the console's "Failed to load resource" does not say which);
    # /favicon.ico is Chromium's own guess on admin pages, which link no icon.
    page.on(
        "response",
        lambda r: (
            errors.append(f"{page.url}: HTTP {r.status} for {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico")
            else None
        ),
    )
    login(page, live_server, username, PASSWORD)
    page.wait_for_load_state()
    assert "/accounts/login/" not in page.url, f"{username} could not sign in"

    rows, failures = [], []
    for label, path in pages_for(role):
        try:
            response = page.goto(f"{live_server.url}{path}")
            status = response.status if response else 0
        except PlaywrightError as error:
            status = str(error).splitlines()[0]
        if status != 200:
            failures.append(f"{role} {label} {path}: HTTP {status}")
            rows.append(f"{role:<13} {label:<40} HTTP {status}")
            continue
        if "/accounts/login/" in page.url:
            failures.append(f"{role} {label} {path}: sent to sign-in")
            continue
        found = axe_violations(page)
        serious = blocking(found)
        other = len(found) - len(serious)
        rows.append(
            f"{role:<13} {viewport['width']:>4}px {label:<42} serious/critical: {len(serious)}"
            f"  moderate/minor: {other}"
        )
        failures += [f"{role} {label} {path}: {v}" for v in serious]
        if check_overflow:
            sticking_out = horizontal_overflow(page)
            rows[-1] += f"  overflow: {len(sticking_out)}"
            failures += [f"{role} {label} {path} at 390px: {e}" for e in sticking_out[:5]]
    context.close()
    _listing(rows)
    failures += [f"{role} JavaScript error: {e}" for e in errors]
    return rows, failures


_LISTING = {"started": False}


def _listing(rows):
    """One file per test session: the first walk starts it, the others add to it."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    mode = "a" if _LISTING["started"] else "w"
    _LISTING["started"] = True
    with open(ARTIFACTS / "accessibility.txt", mode, encoding="utf-8") as out:
        out.write("\n".join(rows) + "\n")
    print("\n[a11y] " + "\n[a11y] ".join(rows))


WALKS = [
    ("demo-nurse", "nurse", DESKTOP, False),
    ("demo-admin", "administrator", DESKTOP, False),
    ("demo-patient", "patient", DESKTOP, False),
    ("demo-patient", "patient", PHONE, True),
    ("demo-caregiver", "caregiver", PHONE, True),
]


@pytest.mark.parametrize(
    ("username", "role", "viewport", "overflow"),
    WALKS,
    ids=[f"{w[1]}-{w[2]['width']}px" for w in WALKS],
)
def test_every_page_passes_axe_for_every_role(
    live_server, browser, username, role, viewport, overflow
):
    _demo()
    rows, failures = _walk_pages(browser, live_server, username, role, viewport, overflow)
    assert len(rows) >= {"nurse": 30, "administrator": 8, "patient": 10, "caregiver": 4}[role]
    assert not failures, "\n".join(failures)


def test_it_names_only_real_urls_as_not_pages():
    """NOT_PAGES goes stale with the URL map; a new view needing arguments has none in
    _kwargs, so reverse() in pages_for fails the walk until it is given real objects."""
    assert set(NOT_PAGES) <= {name for name, _ in _walk(get_resolver().url_patterns)}


def test_the_walk_would_see_a_violation(live_server, browser, db):
    """axe as wired here does report a serious violation (a page with a nameless button)."""
    User.objects.create_user("probe", password=PASSWORD)
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.evaluate(
        "() => { const b = document.createElement('button'); document.querySelector('main')"
        ".appendChild(b); const s = document.createElement('p'); s.style.color = '#bbb';"
        " s.textContent = 'faint text'; document.querySelector('main').appendChild(s); }"
    )
    rules = {v.rule for v in blocking(axe_violations(page))}
    assert {"button-name", "color-contrast"} <= rules
    page.set_viewport_size(PHONE)
    page.evaluate(
        "() => { const d = document.createElement('div'); d.style.width = '600px';"
        " d.textContent = 'wide'; document.querySelector('main').appendChild(d); }"
    )
    assert horizontal_overflow(page)
    context.close()
