"""Django admin for care-plan templates: whole-set rule checks, versioning, and plans that
keep the rules they were built from."""

from datetime import date

import pytest
from django.contrib.auth.models import Permission
from django.forms import CheckboxInput

from followup.models import CalendarFeed, CarePlan, CarePlanTemplate, FollowUpVisit
from followup.services import plans as services
from patients.models import CancerDiagnosis
from tests.support.factories import make_patient
from tests.support.queries import warm_count

TEMPLATES_URL = "/admin/followup/careplantemplate/"


@pytest.fixture
def admin_client(client, administrator):
    """The administrator persona with every permission on follow-up records."""
    administrator.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="followup")
    )
    client.force_login(administrator)
    return client


@pytest.fixture
def breast():
    return CarePlanTemplate.objects.get(code="breast")


@pytest.fixture
def plan(diagnosis, breast, nurse):
    return services.careplan_create(
        diagnosis=diagnosis,
        template=breast,
        start_date=date(2022, 2, 1),
        owner=nurse,
        today=date(2024, 6, 1),
    )


def change_url(template):
    return f"{TEMPLATES_URL}{template.pk}/change/"


def _fields(form) -> dict:
    data = {}
    for field in form:
        value = field.value()
        if isinstance(field.field.widget, CheckboxInput):
            if value:
                data[field.html_name] = "on"
        else:
            data[field.html_name] = "" if value is None else value
        if field.field.show_hidden_initial:
            # Rendered as a hidden "initial-" input: has_changed() compares against it.
            data[field.html_initial_name] = data.get(field.html_name, "")
    return data


def form_data(client, url) -> tuple[dict, list[dict]]:
    """What the change form would post unchanged: (template fields, one dict per rule row).

    Rule rows are keyed by field name without the formset prefix, so tests can edit them
    and pass them back to `post_rules`.
    """
    response = client.get(url)
    assert response.status_code == 200
    main = _fields(response.context["adminform"].form)
    (inline,) = response.context["inline_admin_formsets"]
    formset = inline.formset
    assert formset.prefix == "rules"
    rows = []
    for form in formset.forms:
        rows.append(
            {name.removeprefix(f"{form.prefix}-"): value for name, value in _fields(form).items()}
        )
    return main, rows


def post_rules(client, url, main: dict, rows: list[dict], *, initial: int):
    data = dict(main)
    data.update(
        {
            "rules-TOTAL_FORMS": str(len(rows)),
            "rules-INITIAL_FORMS": str(initial),
            "rules-MIN_NUM_FORMS": "0",
            "rules-MAX_NUM_FORMS": "1000",
        }
    )
    for index, row in enumerate(rows):
        for name, value in row.items():
            data[f"rules-{index}-{name}"] = value
    return client.post(url, data)


def new_row(**fields) -> dict:
    row = {
        "order": "9",
        "key": "extra_visit",
        "kind": "visit",
        "label": "Extra check-up",
        "modality": "",
        "lab_test": "",
        "procedure": "",
        "interval_min_months": "6",
        "interval_max_months": "6",
        "from_month": "0",
        "until_month": "24",
        "window_days": "14",
        "instructions": "",
    }
    row.update({name: str(value) for name, value in fields.items()})
    return row


def rules_of(template):
    return list(template.rules.order_by("pk").values())


def test_it_lists_the_templates_with_their_version_and_number_of_plans(
    admin_client, plan, django_assert_max_num_queries
):
    with django_assert_max_num_queries(12):  # incl. the two-factor device check
        response = admin_client.get(TEMPLATES_URL)
    assert response.status_code == 200
    content = response.content.decode()
    assert "Breast cancer" in content
    assert "General follow-up (other cancers)" in content
    breast_row = next(row for row in response.context["cl"].result_list if row.code == "breast")
    assert breast_row._plan_count == 1


def test_it_shows_the_rules_inline_on_the_change_form(admin_client, breast):
    response = admin_client.get(change_url(breast))
    assert response.status_code == 200
    assert b"breast_mammogram" in response.content
    assert b'name="rules-TOTAL_FORMS"' in response.content


def test_it_refuses_overlapping_rules_with_the_validate_rules_message_and_saves_nothing(
    admin_client, breast
):
    before = rules_of(breast)
    main, rows = form_data(admin_client, change_url(breast))
    main["name"] = "Renamed in the same save"
    response = post_rules(
        admin_client, change_url(breast), main, [*rows, new_row()], initial=len(rows)
    )
    assert response.status_code == 200
    assert (
        "Rules &#x27;breast_visit_y1_3&#x27; and &#x27;extra_visit&#x27; overlap between "
        "month 0 and 24 for the same test."
    ) in response.content.decode()
    breast.refresh_from_db()
    assert breast.version == 1
    assert breast.name == "Breast cancer"
    assert rules_of(breast) == before


def test_it_refuses_a_template_without_rules(admin_client, breast):
    before = rules_of(breast)
    main, rows = form_data(admin_client, change_url(breast))
    for row in rows:
        row["DELETE"] = "on"
    response = post_rules(admin_client, change_url(breast), main, rows, initial=len(rows))
    assert response.status_code == 200
    assert "A template needs at least one rule." in response.content.decode()
    breast.refresh_from_db()
    assert breast.version == 1
    assert rules_of(breast) == before


def test_it_reports_a_rule_that_cannot_be_built(admin_client, breast):
    main, rows = form_data(admin_client, change_url(breast))
    bad = new_row(key="odd_scan", kind="imaging", modality="mri", from_month=24, until_month=12)
    response = post_rules(admin_client, change_url(breast), main, [*rows, bad], initial=len(rows))
    assert response.status_code == 200
    assert "must come after the starting month" in response.content.decode()
    breast.refresh_from_db()
    assert breast.version == 1
    assert breast.rules.count() == len(rows)


def test_it_bumps_the_version_by_exactly_one_per_saved_change(admin_client, breast):
    main, rows = form_data(admin_client, change_url(breast))
    mammogram = next(row for row in rows if row["key"] == "breast_mammogram")
    mammogram["label"] = "Yearly mammogram"
    response = post_rules(admin_client, change_url(breast), main, rows, initial=len(rows))
    assert response.status_code == 302, response.context and response.context["errors"]
    breast.refresh_from_db()
    assert breast.version == 2
    assert breast.rules.get(key="breast_mammogram").label == "Yearly mammogram"

    # Template fields alone are a change too; so is deleting a rule.
    main, rows = form_data(admin_client, change_url(breast))
    main["notes"] = "Reviewed by the clinic lead."
    rows[-1]["DELETE"] = "on"
    assert post_rules(admin_client, change_url(breast), main, rows, initial=len(rows)).status_code
    breast.refresh_from_db()
    assert breast.version == 3
    assert breast.rules.count() == len(rows) - 1
    assert breast.history.first().version == 3


def test_it_does_not_make_a_new_version_when_nothing_was_edited(admin_client, breast):
    main, rows = form_data(admin_client, change_url(breast))
    response = post_rules(admin_client, change_url(breast), main, rows, initial=len(rows))
    assert response.status_code == 302
    breast.refresh_from_db()
    assert breast.version == 1


def test_it_saves_a_seeded_template_whose_scans_are_named_by_the_guideline(admin_client):
    colorectal = CarePlanTemplate.objects.get(code="colorectal")
    main, rows = form_data(admin_client, change_url(colorectal))
    ct = next(row for row in rows if row["key"] == "crc_ct_y1_3")
    assert ct["modality"] == "ct_chest_abdomen"
    ct["window_days"] = "21"
    response = post_rules(admin_client, change_url(colorectal), main, rows, initial=len(rows))
    assert response.status_code == 302, response.context and response.context["errors"]
    colorectal.refresh_from_db()
    assert colorectal.version == 2
    rule = colorectal.rules.get(key="crc_ct_y1_3")
    assert (rule.modality, rule.window_days) == ("ct_chest_abdomen", 21)


def test_it_starts_a_new_template_at_version_one(admin_client):
    main = {
        "name": "Kidney cancer",
        "code": "kidney",
        "cancer_types": '["kidney"]',
        "active": "on",
        "source": "Local protocol",
        "notes": "",
        "warning_signs": "[]",
    }
    response = post_rules(
        admin_client,
        f"{TEMPLATES_URL}add/",
        main,
        [new_row(key="kidney_visit", until_month="")],
        initial=0,
    )
    assert response.status_code == 302, response.context and response.context["errors"]
    kidney = CarePlanTemplate.objects.get(code="kidney")
    assert kidney.version == 1
    assert [rule.key for rule in kidney.rules.all()] == ["kidney_visit"]


def test_a_plan_built_before_an_edit_keeps_its_version_rules_and_items(admin_client, breast, plan):
    snapshot = list(plan.rules_snapshot)
    visits = list(plan.visits.order_by("pk").values())
    assert plan.template_version == 1

    main, rows = form_data(admin_client, change_url(breast))
    mammogram = next(row for row in rows if row["key"] == "breast_mammogram")
    mammogram.update(label="Mammogram and ultrasound", from_month="6")
    response = post_rules(admin_client, change_url(breast), main, rows, initial=len(rows))
    assert response.status_code == 302
    breast.refresh_from_db()
    assert breast.version == 2

    plan.refresh_from_db()
    assert plan.template_version == 1
    assert plan.rules_snapshot == snapshot
    assert list(plan.visits.order_by("pk").values()) == visits
    # Regenerating reads the plan's own copy of the rules, not the edited template.
    assert services.careplan_generate(plan=plan, today=date(2024, 6, 1)) == {
        "created": 0,
        "updated": 0,
        "deleted": 0,
    }
    assert list(plan.visits.order_by("pk").values()) == visits


def test_the_plan_and_item_lists_load_and_search_by_patient(admin_client, plan):
    response = admin_client.get("/admin/followup/careplan/", {"q": "Marsh"})
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [plan]

    response = admin_client.get("/admin/followup/followupvisit/", {"q": "MRN-1001"})
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == min(plan.visits.count(), 100)
    response = admin_client.get("/admin/followup/followupvisit/", {"q": "Nobody"})
    assert list(response.context["cl"].result_list) == []

    visit = plan.visits.first()
    assert admin_client.get(f"/admin/followup/followupvisit/{visit.pk}/change/").status_code == 200
    assert admin_client.get(f"/admin/followup/careplan/{plan.pk}/change/").status_code == 200


def _queries(client, url) -> int:
    return warm_count(client, url)


@pytest.mark.parametrize(
    "url",
    [
        "/admin/followup/careplan/",
        "/admin/followup/followupvisit/",
        "/admin/followup/calendarfeed/",
        TEMPLATES_URL,
    ],
)
def test_the_lists_take_as_many_queries_for_two_patients_as_for_one(
    admin_client, plan, breast, nurse, url
):
    services.calendar_feed_for(patient=plan.patient)
    one = _queries(admin_client, url)
    other = make_patient(nurse, mrn="MRN-1002", given="Iris", family="Okoye")
    diagnosis = CancerDiagnosis.objects.create(
        patient=other, cancer_type="breast", diagnosed_on=date(2021, 3, 1)
    )
    services.careplan_create(
        diagnosis=diagnosis, template=breast, start_date=date(2021, 9, 1), owner=nurse
    )
    services.calendar_feed_for(patient=other)
    assert _queries(admin_client, url) == one


def test_it_never_shows_a_calendar_feed_token(admin_client, helen):
    feed = services.calendar_feed_for(patient=helen)
    for url in (
        "/admin/followup/calendarfeed/",
        f"/admin/followup/calendarfeed/{feed.pk}/change/",
    ):
        response = admin_client.get(url)
        assert response.status_code == 200
        assert feed.token not in response.content.decode()


def test_it_keeps_plans_and_items_out_of_reach_of_add_forms(admin_client):
    assert admin_client.get("/admin/followup/careplan/add/").status_code == 403
    assert admin_client.get("/admin/followup/followupvisit/add/").status_code == 403
    assert CarePlan.objects.count() == FollowUpVisit.objects.count() == 0
    assert CalendarFeed.objects.count() == 0
