# Helen's breast cancer plan and her portal account, for every follow-up test module.
from tests.followup.test_symptom_reports import helen_user, plan  # noqa: F401
