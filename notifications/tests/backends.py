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


class CountingBackend(LocmemBackend):
    """Delivers to django.core.mail.outbox and counts the connections opened; fails the sends
    numbered in `fail_on` (1-based, over the class's life) as a dropped SMTP connection."""

    opened = 0
    sends = 0
    fail_on: frozenset = frozenset()

    def open(self):
        type(self).opened += 1
        return True

    def send_messages(self, email_messages):
        type(self).sends += 1
        if type(self).sends in type(self).fail_on:
            from smtplib import SMTPServerDisconnected

            raise SMTPServerDisconnected("Connection unexpectedly closed")
        return super().send_messages(email_messages)
