"""Queries per page and per API list do not grow with the data (performance.md, target 4).

Two data sets made by seed_scale's generator sit side by side: a small one and one four times
larger (every state and kind in each). Every list page, dashboard, home, detail page and API
list is opened by the same role in each and must cost the same number of queries.
"""

import io

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audits.models import Audit, AuditTeamMember
from certification.models import Application, Certificate
from checklists.models import ChecklistTemplate
from core.management.commands.seed_scale import Generator
from core.models import LogEntry, User

pytestmark = pytest.mark.django_db

SMALL, LARGE = 0.002, 0.008

API_LISTS = [
    "applications",
    "audits",
    "certificates",
    "findings",
    "decisions",
    "appeals",
    "complaints",
    "registrations",
    "notifications",
    "organizations",
    "assessor-qualifications",
]


def _seed(factor: float, prefix: str) -> dict:
    if not ChecklistTemplate.objects.exists():
        call_command("import_checklists", stdout=io.StringIO())
    generator = Generator(factor=factor, seed=19, log=lambda *a: None, prefix=prefix)
    generator.run()
    body = generator.bodies[0]
    users = User.objects.in_bulk([body["staff"][0], body["deciders"][0], generator.regulator])
    enterprise_user = next(e["user"] for e in generator.enterprise_rows if e["user"])
    application = (
        Application.objects.filter(body_id=body["id"], state="certified").order_by("pk").first()
    )
    # The application with the longest history among the body's certified ones.
    busiest = max(
        Application.objects.filter(body_id=body["id"], state="certified").values_list(
            "pk", flat=True
        ),
        key=lambda pk: LogEntry.objects.filter(object_id=str(pk)).count(),
        default=application.pk,
    )
    # Detail pages: objects in the same state in both data sets (a state's guards and
    # actions have their own queries).
    certificate = (
        Certificate.objects.filter(body_id=body["id"], state="active").order_by("pk").first()
    )
    audit = (
        Audit.objects.filter(
            state="in_progress", application__body_id__in=[b["id"] for b in generator.bodies]
        )
        .order_by("kind", "pk")
        .first()
    )
    lead = AuditTeamMember.objects.get(audit=audit, role="lead").user
    closed = (
        Audit.objects.filter(state="closed", application__body_id=body["id"]).order_by("pk").first()
    )
    return {
        "staff": users[body["staff"][0]],
        "decider": users[body["deciders"][0]],
        "regulator": users[generator.regulator],
        "enterprise": User.objects.get(pk=enterprise_user),
        "lead": lead,
        "application": busiest,
        "certificate": certificate,
        "audit": audit,
        "closed_audit": closed,
    }


def _pages(s: dict) -> list[tuple[str, str, str]]:
    """(name, who, path) of every page and API list measured."""
    pages = [
        ("staff home", "staff", "/"),
        ("application list", "staff", "/applications/"),
        ("application list filtered", "staff", "/applications/?state=in_evaluation"),
        ("application list searched", "staff", "/applications/?q=N%C3%B4ng"),
        ("application detail", "staff", f"/applications/{s['application']}/"),
        ("audit list (staff)", "staff", "/audits/"),
        ("audit detail", "staff", f"/audits/{s['closed_audit'].pk}/"),
        ("certificate list", "staff", "/certificates/"),
        ("certificate detail", "staff", f"/certificates/{s['certificate'].pk}/"),
        ("complaint list", "staff", "/complaints/"),
        ("appeal list", "staff", "/appeals/"),
        ("registration list", "staff", "/registrations/"),
        ("notification list", "staff", "/notifications/"),
        ("assessor home", "lead", "/"),
        ("assessor audit list", "lead", "/audits/"),
        ("audit checklist", "lead", f"/audits/{s['audit'].pk}/checklist/"),
        ("decider home", "decider", "/"),
        ("enterprise home", "enterprise", "/"),
        ("enterprise applications", "enterprise", "/applications/"),
        ("enterprise certificates", "enterprise", "/certificates/"),
        ("regulator home", "regulator", "/"),
        ("regulator dashboard", "regulator", "/oversight/"),
        ("regulator register", "regulator", "/oversight/register/"),
        ("regulator applications", "regulator", "/applications/"),
        ("regulator registrations", "regulator", "/registrations/"),
        ("reports summary (regulator)", "regulator", "/api/v1/reports/summary/"),
        ("reports summary (staff)", "staff", "/api/v1/reports/summary/"),
        ("verify page", "anonymous", f"/verify/{s['certificate'].number}/"),
        ("verify search", "anonymous", "/verify/?q=N%C3%B4ng"),
    ]
    pages += [(f"API {name}", "staff", f"/api/v1/{name}/") for name in API_LISTS]
    pages += [(f"API {name} (regulator)", "regulator", f"/api/v1/{name}/") for name in API_LISTS]
    return pages


def _count(client, subjects: dict) -> dict[str, int]:
    counts = {}
    for name, who, path in _pages(subjects):
        client.logout()
        if who != "anonymous":
            client.force_login(subjects[who])
        # The second request is counted: per-process caches (content types) are warm.
        client.get(path)
        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
        assert response.status_code == 200, (name, path, response.status_code)
        counts[name] = len(queries)
    return counts


def test_queries_per_page_and_api_list_do_not_grow_with_the_data(client, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    small = _count(client, _seed(SMALL, "1"))
    large_subjects = _seed(LARGE, "2")
    assert Application.objects.count() >= 4 * 40
    large = _count(client, large_subjects)
    grown = {name: (small[name], large[name]) for name in small if small[name] != large[name]}
    assert not grown, f"query counts that grew with the data (small, large): {grown}"
