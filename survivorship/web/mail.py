from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.console import EmailBackend as ConsoleBackend
from django.core.mail.backends.filebased import EmailBackend as FileBackend


class ConsoleAndFileBackend(BaseEmailBackend):
    """Development email: print each message and keep a copy under var/mail/.

    The console copy is what a developer watching `make run` sees; the file copy is what
    tests and people read afterwards, since the worker's console scrolls away.
    """

    def __init__(self, fail_silently=False, **kwargs):
        super().__init__(fail_silently=fail_silently)
        self.console = ConsoleBackend(fail_silently=fail_silently, **kwargs)
        self.file = FileBackend(fail_silently=fail_silently, **kwargs)

    def send_messages(self, email_messages):
        sent = self.file.send_messages(email_messages)
        self.console.send_messages(email_messages)
        return sent
