"""The move to the competence matrix keeps every existing qualification."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("audits", "0007_merge_20261201_0652"), ("certification", "0011_merge_20261201_0646")]
AFTER = [("audits", "0010_remove_assessorqualification_is_lead_qualified")]


@pytest.mark.django_db(transaction=True)
def test_existing_qualifications_become_competence_records():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    user = old.get_model("core", "User").objects.create(username="cg", full_name="Chuyên gia")
    scheme = old.get_model("certification", "Scheme").objects.create(
        code="s", name="S", standard="TCVN 12850:2019"
    )
    Qualification = old.get_model("audits", "AssessorQualification")
    Qualification.objects.create(
        user=user, scheme=scheme, valid_from=datetime.date(2024, 3, 1), is_lead_qualified=True
    )
    Qualification.objects.create(
        user=user, scheme=scheme, valid_from=datetime.date(2025, 5, 1), note="Đánh giá viên"
    )

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    rows = new.get_model("audits", "AssessorQualification").objects.order_by("valid_from")
    assert [(r.function, r.witnessed_on, r.technical_area) for r in rows] == [
        ("lead", datetime.date(2024, 3, 1), ""),
        ("auditor", datetime.date(2025, 5, 1), ""),
    ]
    assert rows[1].note.startswith("Đánh giá viên")

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
