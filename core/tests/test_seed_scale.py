"""seed_scale's generator: every state and kind present, consistent rows, deterministic."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from audits.models import Audit, Finding, TraceTest
from certification.models import Appeal, Application, BodyRegistration, Certificate, Complaint
from checklists.models import ChecklistAnswer
from core.management.commands.seed_scale import Generator
from core.models import LogEntry
from documents.models import Document
from notifications.models import Notification

pytestmark = pytest.mark.django_db


def _generate(factor=0.004, seed=19, prefix=""):
    call_command("import_checklists", stdout=io.StringIO())
    generator = Generator(factor=factor, seed=seed, log=lambda *a: None, prefix=prefix)
    generator.run()
    return generator


def test_every_state_and_kind_is_present():
    _generate()
    assert set(Application.objects.values_list("state", flat=True)) == set(Application.State.values)
    assert set(Application.objects.values_list("kind", flat=True)) == set(Application.Kind.values)
    assert set(Certificate.objects.values_list("state", flat=True)) == set(Certificate.State.values)
    assert set(Audit.objects.values_list("state", flat=True)) == set(Audit.State.values)
    assert set(Audit.objects.values_list("kind", flat=True)) >= {
        "stage1",
        "stage2",
        "surveillance",
        "special",
    }
    assert set(Finding.objects.values_list("state", flat=True)) == set(Finding.State.values)
    assert set(Finding.objects.values_list("severity", flat=True)) == set(Finding.Severity.values)
    assert set(BodyRegistration.objects.values_list("state", flat=True)) == set(
        BodyRegistration.State.values
    )
    assert set(Appeal.objects.values_list("state", flat=True)) == set(Appeal.State.values)
    assert set(Complaint.objects.values_list("state", flat=True)) == set(Complaint.State.values)
    assert TraceTest.objects.exists() and Document.objects.exists()
    assert Notification.objects.exists() and LogEntry.objects.exists()


def test_rows_follow_the_rules():
    _generate()
    # Every minor or major answer has its finding; closed audits are fully answered.
    assert not ChecklistAnswer.objects.filter(
        result__in=["minor", "major"], finding__isnull=True
    ).exists()
    for certificate in Certificate.objects.filter(state="superseded"):
        assert certificate.superseded_by_id is not None
    granted = Application.objects.filter(state="certified")
    assert Certificate.objects.filter(application__in=granted).count() == granted.count()
    assert all(a.decision is not None for a in Application.objects.filter(state="refused"))


def _snapshot(prefix: str) -> tuple:
    applications = Application.objects.filter(number__regex=rf"^HS-[0-9]{{4}}-{prefix}")
    return (
        list(applications.order_by("pk").values_list("state", "kind", "enterprise__name")),
        list(
            ChecklistAnswer.objects.filter(audit__application__in=applications)
            .order_by("pk")
            .values_list("result", flat=True)
        ),
    )


def test_the_same_seed_gives_the_same_data():
    _generate(seed=7, prefix="1")
    _generate(seed=7, prefix="2")
    first, second = _snapshot("1"), _snapshot("2")
    assert first[0] and first[1]
    assert first == second


def test_the_command_refuses_to_run_with_debug_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_scale", "--size", "small", stdout=io.StringIO())
