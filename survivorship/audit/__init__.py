"""The access log: every read and write of a patient's data, and every refusal.

``record`` / ``record_many`` / ``record_shown`` / ``record_rows`` write entries,
``get_in_scope`` fetches one object from a user's scope and logs the read (or the
refusal), ``register`` makes an app's model logged on every save and delete. The pages
that show the log are in ``audit.views``.
"""

from survivorship.audit.log import (
    AuditContextMiddleware,
    get_in_scope,
    record,
    record_many,
    record_rows,
    record_shown,
)
from survivorship.audit.signals import audited_models, register

__all__ = [
    "AuditContextMiddleware",
    "audited_models",
    "get_in_scope",
    "record",
    "record_many",
    "record_rows",
    "record_shown",
    "register",
]
