"""Issue #11 (app side): the alert-burden meter on the quality page."""

from datetime import timedelta

import pytest
from django.utils import timezone

from followup.models import SymptomReport
from followup.rules.triage import RULES_BY_CODE
from followup.selectors import dashboard


def _reports(patient, levels, days_ago=0):
    when = timezone.now() - timedelta(days=days_ago)
    made = SymptomReport.objects.bulk_create(
        SymptomReport(
            patient=patient,
            submission_key=f"burden-{days_ago}-{i}-{patient.pk}",
            triage_level=level,
            triage_rule={"urgent": "severe_sign", "review": "moderate_sign"}.get(level, "routine"),
            triage_reason="x",
            triage_fired=(
                [{"rule": "severe_sign", "level": "urgent", "reason": "x"}]
                if level == "urgent"
                else [{"rule": "moderate_sign", "level": "review", "reason": "x"}]
                if level == "review"
                else []
            ),
        )  # fmt: skip
        for i, level in enumerate(levels)
    )
    SymptomReport.objects.filter(pk__in=[r.pk for r in made]).update(submitted_at=when)


def test_the_quality_page_shows_shares_top_rules_and_protects_figures(client, administrator, helen):
    _reports(helen, ["urgent", "review", "routine", "routine"])
    _reports(helen, ["review", "routine"], days_ago=14)
    _reports(helen, ["urgent"], days_ago=200)  # outside the 12 weeks
    client.force_login(administrator)
    response = client.get("/dashboard/quality/")
    burden = response.context["burden"]
    assert burden["total"] == 6 and len(burden["weeks"]) == 2
    this_week = burden["weeks"][0]
    assert (this_week["urgent_share"], this_week["review_share"], this_week["routine_share"]) == (
        25.0,
        25.0,
        50.0,
    )
    assert burden["alerted_share"] == 50.0 and burden["urgent_of_alerted_share"] == pytest.approx(
        33.3
    )
    words = {code: rule.description for code, rule in RULES_BY_CODE.items()}
    assert burden["top_rules"] == [(words["moderate_sign"], 2), (words["severe_sign"], 1)]
    page = response.content.decode()
    assert "34% of weekly surveys alerted" in page and "about 10%" in page
    assert "moderate_sign" not in page  # rules in words, not ids


def test_the_meter_says_so_when_there_are_no_reports(client, administrator):
    client.force_login(administrator)
    page = client.get("/dashboard/quality/").content.decode()
    assert "no alert burden to show yet" in page


def test_a_nurse_sees_only_her_caseloads_burden(client, nurse2, helen):
    _reports(helen, ["urgent"])
    client.force_login(nurse2)
    assert client.get("/dashboard/quality/").context["burden"]["total"] == 0


@pytest.mark.parametrize("count", [3, 90])
def test_the_meter_takes_one_query_whatever_the_number_of_reports(
    administrator, helen, count, django_assert_num_queries
):
    _reports(helen, ["urgent", "review", "routine"] * (count // 3))
    administrator = type(administrator).objects.get(pk=administrator.pk)
    administrator.has_perm("patients.view_all_patients")  # warm the permission cache
    with django_assert_num_queries(1):
        assert dashboard.alert_burden(administrator)["total"] == count
