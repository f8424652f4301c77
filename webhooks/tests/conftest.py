import pytest

from certification.tests.conftest import (  # noqa: F401 (fixtures)
    certificate,
    decision_pending,
    draft,
    evaluated,
    in_evaluation,
    registration,
    scheme,
    submitted,
    under_review,
)
from webhooks.tests.receiver import start_receiver


@pytest.fixture
def receiver(settings):
    """A local receiver (http:// on the loopback address, allowed for the test)."""
    settings.WEBHOOK_ALLOW_HTTP = True
    found, server = start_receiver()
    yield found
    server.shutdown()
    server.server_close()
