import re
from datetime import timedelta

from django.conf import settings
from django.template import Context, Template
from django.utils import timezone


def test_it_gives_every_page_a_skip_link_landmarks_and_the_version(client, nurse):
    client.force_login(nurse)
    page = client.get("/nurse/").content.decode()
    assert 'href="#main"' in page and "Skip to main content" in page
    assert '<main id="main"' in page and "<header>" in page and "<footer" in page
    assert '<nav class="navbar' in page and 'aria-label="Main"' in page
    assert "Survivorship version 0.1.0" in page


def test_it_loads_only_vendored_assets(client, db):
    page = client.get("/accounts/login/").content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+\.(?:js|css))"', page)
    assert sources, "expected stylesheets and scripts"
    for source in sources:
        assert source.startswith("/static/"), source
        relative = source.removeprefix("/static/")
        assert (settings.BASE_DIR / "static" / relative).is_file(), relative
    for vendored in ("bootstrap.min.css", "bootstrap.bundle.min.js", "htmx.min.js"):
        assert vendored in page
    assert (settings.BASE_DIR / "static/vendor/chartjs/chart.umd.min.js").is_file()


def test_it_has_no_inline_script(client, db):
    page = client.get("/accounts/login/").content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page)


def test_a_moment_in_the_last_minute_reads_just_now_not_zero_minutes_ago():
    template = Template("{{ moment|ago }}")
    now = timezone.now()
    assert template.render(Context({"moment": now})) == "just now"
    assert template.render(Context({"moment": now - timedelta(minutes=5)})) == "5\xa0minutes ago"
