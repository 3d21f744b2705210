"""What the logs say about refused requests."""

import logging
import sys

from survivorship.logfilters import OneLine


def test_a_403_logs_one_line_and_no_traceback(client, patient_user, caplog):
    client.force_login(patient_user)
    with caplog.at_level(logging.INFO):
        response = client.get("/nurse/")
    assert response.status_code == 403
    forbidden = [r for r in caplog.records if "Forbidden" in r.getMessage()]
    assert len(forbidden) == 1
    assert forbidden[0].exc_info is None and forbidden[0].exc_text is None
    assert not [r for r in caplog.records if r.exc_info]


def test_a_server_error_keeps_its_traceback():
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        exc_info = sys.exc_info()
    record = logging.LogRecord("django.request", logging.ERROR, __file__, 1, "x", (), exc_info)
    record.status_code = 500
    assert OneLine().filter(record) and record.exc_info is exc_info
