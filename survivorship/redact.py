"""Take secrets out of paths before they are logged (issue 14, finding 7).

Calendar-feed tokens, password-reset and invitation links are credentials: anyone who
reads the access log or its CSV export could otherwise use them.
"""

from __future__ import annotations

import re

_SECRET_PATHS = (
    (re.compile(r"^(/calendar/feed/)[^/]+(\.ics)$"), r"\1[redacted]\2"),
    (re.compile(r"^(/accounts/reset/)[^/]+/[^/]+(/?)$"), r"\1[redacted]/[redacted]\2"),
)
_DONE = re.compile(r"^/accounts/reset/done/?$")


def redact_path(path: str) -> str:
    if _DONE.match(path):
        return path
    for pattern, replacement in _SECRET_PATHS:
        if pattern.match(path):
            return pattern.sub(replacement, path)
    return path
