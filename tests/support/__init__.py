"""Shared test helpers: factories, service probes, reminder sinks and a real Celery worker."""
