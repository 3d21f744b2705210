"""Counting a page's queries the way a clinic's server runs it: warm.

The first signed-in request reads the user's permissions into the shared cache (Redis)
and later ones find them there (survivorship/web/auth.py); without a shared cache
(the embedded locmem default) every request reads them in one query. Query-count tests
measure the steady state: one request to warm the caches, then the one that is counted.
"""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from survivorship.web.auth import permissions_are_shared


def permission_queries() -> int:
    """Queries a warm request spends on the user's permissions: 0 with Redis, 1 without."""
    return 0 if permissions_are_shared() else 1


def warm_count(client, url: str) -> int:
    """The queries of ``url`` once the caches are warm (its second request)."""
    assert client.get(url).status_code == 200, url
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries.captured_queries)
