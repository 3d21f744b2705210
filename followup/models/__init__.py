"""The follow-up tables, one module per sub-domain; everything is re-exported here.

``followup.models.X`` keeps working for every model, so no table, migration or import
elsewhere changes: plans (templates, rules, care plans, calendar feeds), visits,
reminders (the outbox, delivery attempts, preferences), check-ins, reports (symptom
reports, signs, known baselines), snapshots and channels (delivery channel health).
"""

from followup.models.channels import ChannelHealth
from followup.models.checkins import CheckIn, CheckInStatus
from followup.models.letters import SharedCareLetter
from followup.models.plans import (
    OPEN_PLAN_STATUSES,
    CalendarFeed,
    CarePlan,
    CarePlanTemplate,
    CheckInFrequency,
    ImagingModality,
    ItemKind,
    PlanStatus,
    ScheduleRule,
    _new_calendar_token,
)
from followup.models.reminders import (
    PATIENT_KINDS,
    Channel,
    DeliveryAttempt,
    NurseAlertPreference,
    Reminder,
    ReminderKind,
    ReminderPreference,
    ReminderRecipients,
    ReminderStatus,
    Settlement,
)
from followup.models.reports import (
    TRIAGE_ORDER,
    CallAttempt,
    CallOutcome,
    KnownBaseline,
    ReportedSign,
    ReportStatus,
    Resolution,
    Severity,
    SymptomReport,
    Trend,
    TriageLevel,
)
from followup.models.snapshots import OverdueSnapshot
from followup.models.visits import (
    OPEN_STATUSES,
    FollowUpVisit,
    MergedItem,
    Outcome,
    VisitStatus,
)

__all__ = [
    "OPEN_STATUSES",
    "PATIENT_KINDS",
    "TRIAGE_ORDER",
    "CalendarFeed",
    "CallAttempt",
    "CallOutcome",
    "CarePlan",
    "CarePlanTemplate",
    "ChannelHealth",
    "Channel",
    "CheckIn",
    "CheckInFrequency",
    "CheckInStatus",
    "DeliveryAttempt",
    "FollowUpVisit",
    "ImagingModality",
    "ItemKind",
    "KnownBaseline",
    "MergedItem",
    "NurseAlertPreference",
    "OverdueSnapshot",
    "Outcome",
    "OPEN_PLAN_STATUSES",
    "PlanStatus",
    "Reminder",
    "ReminderKind",
    "ReminderPreference",
    "ReminderRecipients",
    "ReminderStatus",
    "ReportStatus",
    "ReportedSign",
    "Resolution",
    "ScheduleRule",
    "SharedCareLetter",
    "Settlement",
    "Severity",
    "SymptomReport",
    "Trend",
    "TriageLevel",
    "VisitStatus",
    "_new_calendar_token",
]
