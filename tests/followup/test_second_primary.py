"""A second primary cancer has its own plan; shared tests become one item (issue #19)."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from followup.models import CarePlanTemplate, FollowUpVisit, MergedItem, PlanStatus
from followup.rules import scheduling
from followup.rules.scheduling import OpenItem, PlannedItem, same_test
from followup.services import plans as services
from patients.models import CancerDiagnosis, Treatment

TODAY = timezone.localdate()
START_A = TODAY - timedelta(days=730)
START_B = scheduling.add_months(START_A, 3)


def _item(kind, label, due=date(2026, 1, 1), key="k", **code):
    fields = {"modality": "", "lab_test": "", "procedure": "", **code}
    return PlannedItem(key, kind, label, 1, due, due, due, instructions="", **fields)


def test_same_test_compares_the_kind_and_a_normalised_code():
    mammogram = _item("imaging", "Mammogram", modality="mammogram")
    assert same_test(mammogram, _item("imaging", "Breast screening", modality="mammogram"))
    assert same_test(_item("visit", "Check-up"), _item("visit", "Clinic visit"))
    assert same_test(_item("lab", "CEA", lab_test="cea"), _item("lab", "x", lab_test=" CEA "))
    assert not same_test(mammogram, _item("procedure", "Colonoscopy", procedure="colonoscopy"))
    assert not same_test(
        _item("imaging", "CT", modality="ct_chest"),
        _item("imaging", "LDCT", modality="low_dose_ct_chest"),
    )
    assert not same_test(_item("lab", "CEA", lab_test="cea"), _item("lab", "PSA", lab_test="psa"))


def test_the_window_is_half_the_shorter_interval_and_the_nearest_item_wins():
    assert scheduling.merge_tolerance_days(12, 3) == 42
    assert scheduling.merge_tolerance_days(None, 12) == 168
    wanted = [_item("visit", "Visit", due=date(2026, 3, 1), key="v")]

    def other(ref, due):
        return OpenItem(ref, "visit", "Visit", "", "", "", due, interval_months=3)

    near, far = other(1, date(2026, 3, 20)), other(2, date(2026, 2, 1))
    assert scheduling.match_shared_items(wanted, {"v": 3}, [far, near]) == {("v", 1): 1}
    assert scheduling.match_shared_items(wanted, {"v": 3}, [other(3, date(2026, 4, 15))]) == {}
    assert scheduling.match_shared_items(wanted, {"v": 3}, [near], taken=[1]) == {}


@pytest.fixture
def plan_a(diagnosis, nurse):
    Treatment.objects.filter(diagnosis=diagnosis).update(ended_on=START_A)
    breast = CarePlanTemplate.objects.get(code="breast")
    return services.careplan_create(
        diagnosis=diagnosis, template=breast, start_date=START_A, owner=nurse
    )


def _second(helen, cancer_type, laterality=""):
    return CancerDiagnosis.objects.create(
        patient=helen,
        cancer_type=cancer_type,
        laterality=laterality,
        diagnosed_on=scheduling.add_months(START_A, 1),
        second_primary=True,
    )


def _plan_b(helen, nurse, cancer_type, laterality=""):
    return services.careplan_create(
        diagnosis=_second(helen, cancer_type, laterality),
        template=CarePlanTemplate.objects.get(code=cancer_type),
        start_date=START_B,
        owner=nurse,
    )


def _rows(plan):
    return list(plan.visits.order_by("pk").values_list("pk", "kind", "label", "due_date", "status"))


def test_a_second_breast_cancer_gets_one_mammogram_per_window_with_both_reasons(
    helen, nurse, plan_a, client
):
    before = _rows(plan_a)
    plan_b = _plan_b(helen, nurse, "breast", "right")

    assert not plan_b.visits.filter(modality="mammogram").exists()
    merged = plan_b.merged_items.filter(rule_key="breast_mammogram")
    assert merged.count() == 5  # every yearly mammogram of years 1-5 of the new plan
    for link in merged:
        assert link.visit.plan_id == plan_a.pk
        assert abs((link.visit.due_date - link.due_date).days) <= 168
        assert link.visit.reason == "Also for the second breast cancer."
        # One mammogram for the patient in that window, not two.
        around = FollowUpVisit.objects.filter(
            patient=helen,
            modality="mammogram",
            due_date__range=(link.due_date - timedelta(days=168), link.due_date + timedelta(168)),
        )
        assert around.count() == 1
    # The visits fall on the same dates (3 months apart, starts 3 months apart): merged.
    assert plan_b.merged_items.filter(rule_key__startswith="breast_visit").exists()

    # The first plan keeps its items, dates and statuses: only reasons were added.
    assert _rows(plan_a) == before

    # Regenerating either plan makes no copies and keeps the note.
    services.careplan_generate(plan=plan_a)
    services.careplan_generate(plan=plan_b)
    assert _rows(plan_a) == before
    assert not plan_b.visits.filter(modality="mammogram").exists()
    assert plan_b.merged_items.filter(rule_key="breast_mammogram").count() == 5
    assert all(
        m.visit.reason == "Also for the second breast cancer."
        for m in MergedItem.objects.filter(plan=plan_b).select_related("visit")
    )

    client.force_login(nurse)
    page = client.get(f"/nurse/plans/{plan_b.pk}/").content.decode()
    assert 'data-testid="merged-items"' in page and "care plan for breast cancer" in page
    first = client.get(f"/nurse/plans/{plan_a.pk}/").content.decode()
    assert "Also for the second breast cancer." in first


def test_a_different_cancer_shares_the_visits_but_not_its_own_tests(helen, nurse, plan_a):
    mammograms = list(plan_a.visits.filter(modality="mammogram").values_list("reason", flat=True))
    plan_b = _plan_b(helen, nurse, "colorectal")

    kinds = set(plan_b.merged_items.values_list("visit__kind", flat=True))
    assert kinds == {"visit"}
    assert plan_b.visits.filter(procedure="colonoscopy").exists()
    assert plan_b.visits.filter(lab_test="cea").exists()
    assert list(plan_a.visits.filter(modality="mammogram").values_list("reason", flat=True)) == (
        mammograms
    )
    shared = plan_b.merged_items.select_related("visit").first()
    assert shared.visit.reason == "Also for the colorectal cancer."


@pytest.mark.parametrize("status", [PlanStatus.PAUSED, PlanStatus.COMPLETED])
def test_a_paused_or_completed_other_plan_is_not_merged_into(helen, nurse, plan_a, status):
    plan_a.status = status
    plan_a.save()
    before = list(plan_a.visits.values_list("pk", "reason"))
    plan_b = _plan_b(helen, nurse, "breast", "right")
    assert not plan_b.merged_items.exists()
    assert plan_b.visits.filter(modality="mammogram").count() == 5
    assert list(plan_a.visits.values_list("pk", "reason")) == before


def test_done_and_cancelled_items_are_not_merged_into(helen, nurse, plan_a):
    plan_a.visits.filter(modality="mammogram").update(status="cancelled")
    plan_b = _plan_b(helen, nurse, "breast", "right")
    assert not plan_b.merged_items.filter(rule_key="breast_mammogram").exists()
    assert plan_b.visits.filter(modality="mammogram").count() == 5
