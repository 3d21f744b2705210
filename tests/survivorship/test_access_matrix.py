"""Every URL pattern, every role: no view may admit a role it was not meant for.

EXPECTED is the single table of who may open what. A new URL pattern fails
`test_it_knows_every_url_pattern` until it is added here, so no view can ship without
an access decision, and the declared roles on the view must match the table.
"""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

PUBLIC = "public"
AUTHENTICATED = "authenticated"
TOKEN = "token"  # machines: an OAuth2 bearer token, never a session (tests/fhir/test_api.py)
NURSE, ADMIN, PATIENT, CAREGIVER = "nurse", "administrator", "patient", "caregiver"

EXPECTED = {
    "home": AUTHENTICATED,
    "healthz": PUBLIC,
    "login": PUBLIC,
    "logout": PUBLIC,
    "set_language": PUBLIC,
    "password_reset_confirm": PUBLIC,
    "password_reset_complete": PUBLIC,
    "password_change": AUTHENTICATED,
    "password_change_done": AUTHENTICATED,
    "two_factor:verify": AUTHENTICATED,
    "two_factor:setup": AUTHENTICATED,
    "two_factor:manage": AUTHENTICATED,
    "two_factor:backup_codes": AUTHENTICATED,
    "two_factor:disable": AUTHENTICATED,
    "two_factor:confirm_password": AUTHENTICATED,
    "nurse:home": {NURSE},
    "nurse:patient_create": {NURSE},
    "nurse:patient": {NURSE},
    "nurse:patient_edit": {NURSE},
    "nurse:patient_primary_care": {NURSE},
    "nurse:patient_delete": {NURSE},
    "nurse:patient_invite": {NURSE},
    "nurse:caregivers": {NURSE},
    "nurse:caregiver_revoke": {NURSE},
    "nurse:diagnosis_create": {NURSE},
    "nurse:diagnosis_edit": {NURSE},
    "nurse:diagnosis_delete": {NURSE},
    "nurse:treatment_create": {NURSE},
    "nurse:treatment_edit": {NURSE},
    "nurse:treatment_delete": {NURSE},
    "nurse:status_create": {NURSE},
    "nurse:status_edit": {NURSE},
    "nurse:status_delete": {NURSE},
    "nurse:status_discussed": {NURSE},
    "nurse:plan_create": {NURSE},
    "nurse:plan": {NURSE},
    "nurse:plan_edit": {NURSE},
    "nurse:plan_status": {NURSE},
    "nurse:plan_print": {NURSE},
    "nurse:plan_letter": {NURSE},
    "nurse:plan_letter_send": {NURSE},
    "nurse:visit_add": {NURSE},
    "nurse:visit_row": {NURSE},
    "nurse:visit_action": {NURSE},
    "nurse:baseline_set": {NURSE},
    "nurse:baseline_end": {NURSE},
    "nurse:reports": {NURSE},
    "nurse:call_list": {NURSE},
    "nurse:call_log": {NURSE},
    "nurse:alert_preferences": {NURSE},
    "nurse:report": {NURSE},
    "nurse:report_ack": {NURSE},
    "nurse:report_resolve": {NURSE},
    "portal:home": {PATIENT},
    "portal:plan": {PATIENT},
    "portal:plan_letter": {PATIENT},
    "portal:calendar": {PATIENT},
    "portal:calendar_settings": {PATIENT},
    "portal:preferences": {PATIENT},
    "portal:report": {PATIENT},
    "portal:checkin": {PATIENT},
    "portal:checkin_nothing_new": {PATIENT},
    "portal:report_done": {PATIENT},
    "portal:living_with_recurrence": {PATIENT},
    "calendar:feed": PUBLIC,
    "dashboard:home": {NURSE, ADMIN},
    "dashboard:overdue": {NURSE, ADMIN},
    "dashboard:export": {NURSE, ADMIN},
    "dashboard:quality": {NURSE, ADMIN},
    "dashboard:contacted": {NURSE, ADMIN},
    "dashboard:remind": {NURSE, ADMIN},
    "dashboard:reassign": {ADMIN},
    "dashboard:needs_person": {NURSE, ADMIN},
    "dashboard:settle": {NURSE, ADMIN},
    "dashboard:audit": {ADMIN},
    "dashboard:audit_export": {ADMIN},
    "portal:access": {PATIENT},
    "portal:caregivers": {PATIENT},
    "portal:caregiver_revoke": {PATIENT},
    "caregiver:home": {CAREGIVER},
    "caregiver:patient": {CAREGIVER},
    "caregiver:report": {CAREGIVER},
    "caregiver:report_done": {CAREGIVER},
    "fhir:metadata": PUBLIC,
    "fhir:token": PUBLIC,
    "fhir:patient_search": TOKEN,
    "fhir:patient": TOKEN,
    "fhir:everything": TOKEN,
    "fhir:import": {ADMIN},
    "fhir:nurse_bundle": {NURSE},
}

PERSONAS = ("anonymous", PATIENT, NURSE, ADMIN, CAREGIVER)


def walk(patterns, prefix="", namespace=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            if entry.app_name == "admin":
                continue  # Django admin: checked by test_it_admits_only_staff_to_admin
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from walk(entry.url_patterns, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            yield f"{namespace}{entry.name}", prefix + str(entry.pattern), entry.callback


def url_patterns():
    return list(walk(get_resolver().url_patterns))


def concrete_path(route: str) -> str:
    """Fill converters with values that match but point at nothing."""
    # Regex routes: a named group of alternatives takes the first one, others a number.
    route = re.sub(
        r"\(\?P<\w+>([^)]*)\)",
        lambda m: m.group(1).split("|")[0] if "|" in m.group(1) else "999999",
        route,
    )
    path = re.sub(r"<int:[^>]+>", "999999", route)
    path = re.sub(r"<uuid:[^>]+>", "00000000-0000-0000-0000-000000000000", path)
    path = re.sub(r"<(?:str|slug):[^>]+>", "no-such-thing", path)
    path = re.sub(r"<[^>]+>", "999999", path)
    return "/" + re.sub(r"\$$", "", path.replace("^", ""))  # keep "$everything"


def test_it_knows_every_url_pattern():
    names = {name for name, _, _ in url_patterns()}
    assert names == set(EXPECTED), (
        f"unlisted: {sorted(names - set(EXPECTED))}; stale: {sorted(set(EXPECTED) - names)}"
    )


@pytest.mark.parametrize(
    ("name", "route", "view"),
    url_patterns(),
    ids=lambda v: v if isinstance(v, str) else f"{v.__module__}.{v.__qualname__}",
)
def test_it_declares_the_expected_roles_on_every_view(name, route, view):
    declared = getattr(view, "allowed_roles", None)
    assert declared is not None, f"{name} has no role_required/public/authenticated"
    expected = EXPECTED[name]
    if expected == TOKEN:
        assert declared == PUBLIC and getattr(view, "fhir_api", False)
    elif isinstance(expected, str):
        assert declared == expected
    else:
        assert {str(role) for role in declared} == expected


@pytest.mark.parametrize("persona", PERSONAS)
def test_it_refuses_every_role_a_view_does_not_admit(client, personas, persona):
    user = personas[persona]
    if user is not None:
        client.force_login(user)
    checked = 0
    for name, route, _ in url_patterns():
        expected = EXPECTED[name]
        path = concrete_path(route)
        response = client.get(path)
        allowed = (
            expected == PUBLIC
            or (expected == AUTHENTICATED and user is not None)
            or (isinstance(expected, set) and persona in expected)
        )
        if expected == TOKEN:  # a session, whoever's, is not a token
            assert response.status_code == 401, f"{persona} got {response.status_code} at {path}"
        elif allowed:
            assert response.status_code not in (401, 403), f"{persona} refused at {path}"
            if response.status_code == 302:
                assert "/accounts/login/" not in response["Location"], path
        elif user is None:
            assert response.status_code == 302, f"anonymous got {response.status_code} at {path}"
            assert response["Location"].startswith("/accounts/login/"), path
        else:
            assert response.status_code in (403, 404), (
                f"{persona} got {response.status_code} at {path}"
            )
        checked += 1
    assert checked == len(EXPECTED)


@pytest.mark.parametrize("persona", PERSONAS)
def test_it_admits_only_staff_to_admin(client, personas, persona):
    user = personas[persona]
    if user is not None:
        client.force_login(user)
    response = client.get("/admin/")
    if persona == ADMIN:
        assert response.status_code == 200
    else:
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")
