import pytest

from tests.e2e.conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(
    ("persona", "path", "heading"),
    [
        ("nurse", "/nurse/", "My caseload"),
        ("administrator", "/dashboard/", "Overdue follow-ups"),
        ("patient", "/portal/", "Hello, Paula"),
    ],
)
def test_it_signs_in_each_role_to_its_home_page(
    live_server, page, screenshot, personas, persona, path, heading
):
    login(page, live_server, personas[persona].username)
    page.wait_for_url(f"{live_server.url}{path}")
    assert page.get_by_role("heading", level=1).inner_text() == heading
    assert page.get_by_role("button", name="Sign out").is_visible()
    screenshot(f"smoke-{persona}-home")


def test_it_lets_a_keyboard_user_skip_to_the_main_content(live_server, page, screenshot, personas):
    login(page, live_server, personas["nurse"].username)
    page.wait_for_url(f"{live_server.url}/nurse/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    assert skip.evaluate("el => el === document.activeElement")
    assert skip.is_visible()  # visually hidden until focused
    screenshot("smoke-skip-link")
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"
