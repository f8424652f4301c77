"""`seed_scale --size small` on PostgreSQL (COPY, one transaction): the data set performance.md
names, a tenth of medium, every state present."""

import io

import pytest
from django.core.management import call_command

from audits.models import Audit
from certification.models import Application, Certificate
from checklists.models import ChecklistAnswer
from notifications.models import Notification

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


def test_seed_scale_small_makes_a_tenth_of_the_medium_data_set(settings):
    settings.DEBUG = True
    out = io.StringIO()
    call_command("seed_scale", "--size", "small", stdout=out)
    assert "seed_scale small" in out.getvalue()
    assert Application.objects.count() == 2000
    assert set(Application.objects.values_list("state", flat=True)) == set(Application.State.values)
    assert Certificate.objects.count() == 800
    assert Audit.objects.count() > 2500
    assert ChecklistAnswer.objects.count() > 100_000
    assert Notification.objects.count() == 10_000
