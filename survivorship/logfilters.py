"""Logging filters named in settings.LOGGING."""

import logging


class OneLine(logging.Filter):
    """Keep the message, drop the traceback of a 4xx: a refused request is expected, not a bug.

    5xx (logged at ERROR) keep their traceback.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.ERROR or getattr(record, "status_code", 400) >= 500:
            return True
        record.exc_info = None
        record.exc_text = None
        record.stack_info = None
        return True
