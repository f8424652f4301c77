"""E-mail backends for tests: one that always fails, one that fails a given number of times."""

from smtplib import SMTPException

from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend


class FailingBackend(BaseEmailBackend):
    """Every send raises, as an SMTP server refusing the connection would."""

    attempts = 0

    def send_messages(self, email_messages):
        type(self).attempts += 1
        raise SMTPException("421 Service not available")


class FlakyBackend(LocmemBackend):
    """Fails the first `failures` sends, then delivers to django.core.mail.outbox."""

    failures = 1
    attempts = 0

    def send_messages(self, email_messages):
        type(self).attempts += 1
        if type(self).attempts <= type(self).failures:
            raise SMTPException("451 Try again later")
        return super().send_messages(email_messages)
