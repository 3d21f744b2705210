"""Run the web server, a Celery worker and Celery beat together for development.

`make run` ends here. Ctrl-C (or SIGTERM) stops all three: each child is asked to stop,
given a few seconds, then killed, so no orphan worker keeps consuming the queue.
"""

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand

from devtools import demo

STOP_GRACE_SECONDS = 10


class Command(BaseCommand):
    help = "Start the development web server, a Celery worker and beat; Ctrl-C stops all."

    def add_arguments(self, parser):
        parser.add_argument("--port", default=os.environ.get("PORT", "8000"))
        parser.add_argument("--host", default="127.0.0.1")

    def handle(self, *args, port, host, **options):
        python = sys.executable
        commands = {
            "web": [python, "manage.py", "runserver", f"{host}:{port}", "--noreload"],
            "worker": [
                python, "-m", "celery", "-A", "survivorship", "worker",
                "--loglevel=INFO", "--concurrency=2", "--without-mingle", "--without-gossip",
            ],
            "beat": [
                python, "-m", "celery", "-A", "survivorship", "beat", "--loglevel=INFO",
                f"--schedule={settings.CELERY_BEAT_SCHEDULE_FILENAME}",
            ],
        }  # fmt: skip
        children = {}
        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        for name, command in commands.items():
            # Own process group: the terminal's Ctrl-C reaches us only, and we decide
            # the order and grace period of the shutdown.
            children[name] = subprocess.Popen(command, start_new_session=True)  # noqa: S603
        url = f"http://{host}:{port}/"
        password = os.environ.get("DEMO_PASSWORD") or demo.DEFAULT_PASSWORD
        self.stdout.write(self.style.SUCCESS(f"\nSurvivorship is running at {url}"))
        self.stdout.write(f"Demo logins (password: {password}):")
        for username, *_ in (*demo.STAFF, *demo.PATIENTS):
            self.stdout.write(f"  {username}")
        self.stdout.write("Press Ctrl-C to stop the web server, worker and beat.\n")
        exit_code = 0
        while not stopping:
            for name, child in children.items():
                if child.poll() is not None:
                    self.stderr.write(f"{name} exited with status {child.returncode}; stopping.")
                    stopping, exit_code = True, 1
                    break
            time.sleep(0.5)
        self._shutdown(children)
        sys.exit(exit_code)

    def _shutdown(self, children):
        self.stdout.write("Stopping web server, worker and beat...")
        for child in children.values():
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for name, child in children.items():
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.stderr.write(f"{name} did not stop in time; killing it.")
                os.killpg(child.pid, signal.SIGKILL)
                child.wait()
        self.stdout.write("Stopped.")
