"""One item for two plans (issue 19): where a second primary's schedule wants the same
test in the same window as another active plan's open item, that item serves both."""

from __future__ import annotations

from followup.models import OPEN_STATUSES, CarePlan, FollowUpVisit, MergedItem, PlanStatus
from followup.rules import scheduling

REASON_MAX = FollowUpVisit._meta.get_field("reason").max_length


def _merge_note(plan: CarePlan, other: CarePlan, reason: str) -> str:
    diagnosis = plan.diagnosis
    second = "second " if diagnosis.cancer_type == other.diagnosis.cancer_type else ""
    note = f"Also for the {second}{diagnosis.cancer_name}"
    return f"{note}: {reason}" if reason else f"{note}."


def shared_items_merge(plan, target, existing, rules, added) -> set[tuple[str, int]]:
    """Keys of the plan's schedule that another active plan's open item covers.

    Issue #19: a patient with two active plans (a second primary) gets one item where
    both schedules want the same test in the same window (the rules are in
    followup.rules.scheduling.match_shared_items). The item stays on the other plan,
    with this plan's reason appended; a MergedItem row records it here. Merges made
    earlier are kept (also once the shared item is done); links the rules no longer
    produce are dropped. Only an active plan merges, and only into active plans.
    """
    links = {(m.rule_key, m.sequence): m for m in plan.merged_items.select_related("visit")}
    for key, link in links.items():
        if key not in target:
            visit = link.visit
            if link.note and link.note in visit.reason:
                visit.reason = " ".join(visit.reason.replace(link.note, "").split())
                visit.save(update_fields=["reason", "updated_at"])
            link.delete()
    merged = {key for key in links if key in target}
    wanted = [item for key, item in target.items() if key not in existing and key not in merged]
    if plan.status != PlanStatus.ACTIVE or not wanted:
        return merged
    others = list(
        FollowUpVisit.objects.filter(
            patient_id=plan.patient_id,
            plan__status=PlanStatus.ACTIVE,
            status__in=OPEN_STATUSES,
        )
        .exclude(plan=plan)
        .select_related("plan__diagnosis")
        .select_for_update(of=("self",))
    )
    if not others:
        return merged
    intervals_by_plan = {}
    for visit in others:
        if visit.plan_id not in intervals_by_plan:
            intervals_by_plan[visit.plan_id] = {
                rule.key: rule.interval_min_months for rule in visit.plan.rule_specs()
            }
    candidates = [
        scheduling.OpenItem(
            ref=visit.pk,
            kind=visit.kind,
            label=visit.label,
            modality=visit.modality,
            lab_test=visit.lab_test,
            procedure=visit.procedure,
            due_date=visit.due_date,
            interval_months=intervals_by_plan[visit.plan_id].get(visit.rule_key),
        )
        for visit in others
    ]
    matches = scheduling.match_shared_items(
        wanted,
        {rule.key: rule.interval_min_months for rule in rules},
        candidates,
        taken=[link.visit_id for link in links.values()],
    )
    by_pk = {visit.pk: visit for visit in others}
    new_links = []
    for key, ref in matches.items():
        visit = by_pk[ref]
        exposure = (added or {}).get(key[0])
        note = _merge_note(plan, visit.plan, exposure.reason if exposure else "")
        if note not in visit.reason:
            visit.reason = f"{visit.reason} {note}".strip()[:REASON_MAX]
            visit.save(update_fields=["reason", "updated_at"])
        new_links.append(
            MergedItem(
                plan=plan,
                visit=visit,
                rule_key=key[0],
                sequence=key[1],
                due_date=target[key].due_date,
                note=note[:300],
            )
        )
    MergedItem.objects.bulk_create(new_links)
    return merged | set(matches)
