import pytest

from tests.e2e.conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_it_lets_a_nurse_find_a_patient_and_record_a_recurrence(
    live_server, page, screenshot, nurse, helen
):
    login(page, live_server, nurse.username)
    page.wait_for_url(f"{live_server.url}/nurse/")
    page.get_by_label("Search by name or record number").fill("Marsh")
    page.get_by_role("button", name="Filter").click()
    screenshot("patients-1-caseload")

    page.get_by_role("link", name="Marsh, Helen").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Helen Marsh"
    page.get_by_role("link", name="Record status").click()

    page.get_by_label("Date").fill("2025-10-01")
    page.get_by_label("Status", exact=False).and_(page.locator("select")).select_option("return")
    page.get_by_label("Where it came back").select_option("distant")
    page.get_by_label("Site").fill("bone")
    page.get_by_label("Restage").fill("rIV")
    screenshot("patients-2-status-form")
    page.get_by_role("button", name="Save").click()

    page.wait_for_url(f"{live_server.url}/nurse/patients/{helen.pk}/")
    first = page.locator(".timeline li").first
    assert "Distant recurrence of breast cancer" in first.inner_text()
    assert "37 months: recurrence" in first.locator(".classification").inner_text()
    assert "Recurrence" in page.get_by_test_id("current-status").inner_text()
    screenshot("patients-3-timeline")
