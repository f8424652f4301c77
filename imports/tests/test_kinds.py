"""Enterprises, assessors' qualifications, high-risk product groups and plan activities: per
kind a valid file, a file with one bad row, the same file twice, and another body's or
province's file."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied

from audits.models import AssessorQualification
from certification.models import Organisation, Role
from certification.tests.factories import EnterpriseFactory, UserFactory, grant
from core.clock import today
from core.models import LogEntry
from imports import samples
from imports.models import ImportBatch
from imports.services import import_confirm, import_preview
from imports.tests.conftest import csv_file, xlsx_file
from oversight.models import HighRiskProductGroup, PlanActivity

pytestmark = pytest.mark.django_db


def run(kind, rows, by, capture, *, body=None, jurisdiction=None, fmt=csv_file):
    batch = import_preview(
        kind=kind, upload=fmt(kind, rows), by=by, body=body, jurisdiction=jurisdiction
    )
    if batch.refused:
        return batch
    with capture(execute=True):
        import_confirm(batch=batch, by=by)
    batch.refresh_from_db()
    return batch


# --- enterprises ----------------------------------------------------------------------------


def enterprise_row(n, **changes):
    return {
        "tax_code": samples.tax_code(n, prefix="57"),
        "name": f"Công ty TNHH Nông sản {n}",
        "address": f"{n} Trần Hưng Đạo",
        "province": "Gia Lai",
        "sector": "Trồng trọt",
        **changes,
    }


def test_a_regulator_imports_the_enterprises_of_the_province_and_a_second_time_nothing_changes(
    regulator, province, django_capture_on_commit_callbacks
):
    rows = [enterprise_row(1), enterprise_row(2)]
    batch = run(
        "enterprises",
        rows,
        regulator,
        django_capture_on_commit_callbacks,
        jurisdiction=province,
        fmt=xlsx_file,
    )
    assert batch.state == ImportBatch.State.DONE and batch.created == 2
    made = Organisation.objects.get(tax_code=rows[0]["tax_code"])
    assert (made.province, made.sector, made.kind) == (province, "crop", "enterprise")
    assert LogEntry.objects.for_object(made).get().transition == "imported"
    again = run(
        "enterprises", rows, regulator, django_capture_on_commit_callbacks, jurisdiction=province
    )
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    changed = run(
        "enterprises",
        [enterprise_row(1, phone="0269 111 222")],
        regulator,
        django_capture_on_commit_callbacks,
        jurisdiction=province,
    )
    assert changed.updated == 1
    made.refresh_from_db()
    assert made.phone == "0269 111 222"


def test_an_enterprise_file_with_one_bad_tax_code_stores_nothing(regulator, province):
    rows = [enterprise_row(1), enterprise_row(2, tax_code="0100233489")]
    batch = import_preview(
        kind="enterprises",
        upload=csv_file("enterprises", rows),
        by=regulator,
        jurisdiction=province,
    )
    refused = [r for r in batch.report if r["action"] == "refused"]
    assert [(r["row"], r["errors"][0]["column"]) for r in refused] == [(4, "tax_code")]
    assert not Organisation.objects.filter(tax_code=rows[0]["tax_code"]).exists()


def test_a_regulator_cannot_import_enterprises_of_another_province(
    regulator, province, other_province
):
    batch = import_preview(
        kind="enterprises",
        upload=csv_file("enterprises", [enterprise_row(1, province=other_province.code)]),
        by=regulator,
        jurisdiction=province,
    )
    assert batch.report[0]["errors"][0]["column"] == "province"
    with pytest.raises(PermissionDenied):
        import_preview(
            kind="enterprises",
            upload=csv_file("enterprises", [enterprise_row(1)]),
            by=regulator,
            jurisdiction=other_province,
        )


def test_body_staff_may_not_change_an_enterprise_that_is_not_their_client(
    cb_staff, body, enterprise, django_capture_on_commit_callbacks
):
    row = {
        "tax_code": enterprise.tax_code,
        "name": "Tên khác",
        "address": enterprise.address,
        "province": "gia-lai",
    }
    batch = import_preview(
        kind="enterprises", upload=csv_file("enterprises", [row]), by=cb_staff, body=body
    )
    assert batch.report[0]["action"] == "refused"
    new = run(
        "enterprises", [enterprise_row(5)], cb_staff, django_capture_on_commit_callbacks, body=body
    )
    assert new.created == 1


# --- assessors' qualifications ---------------------------------------------------------------


def qualification_row(username="lead", **changes):
    return {
        "assessor": username,
        "scheme": "tcvn-12850-2019",
        "valid_from": "01/01/2025",
        "valid_until": "31/12/2027",
        "lead": "có",
        **changes,
    }


@pytest.mark.competence_as_recorded  # counts the records the import makes, nothing else
def test_qualifications_of_the_bodys_assessors_are_imported_once(
    cb_staff, body, lead_assessor, scheme, django_capture_on_commit_callbacks
):
    batch = run(
        "qualifications",
        [qualification_row()],
        cb_staff,
        django_capture_on_commit_callbacks,
        body=body,
    )
    assert batch.created == 1
    qualification = AssessorQualification.objects.get()
    assert qualification.user == lead_assessor and qualification.is_lead_qualified
    assert qualification.valid_until == datetime.date(2027, 12, 31)
    again = run(
        "qualifications",
        [qualification_row()],
        cb_staff,
        django_capture_on_commit_callbacks,
        body=body,
    )
    assert (again.created, again.unchanged) == (0, 1)
    assert AssessorQualification.objects.count() == 1


@pytest.mark.competence_as_recorded
def test_a_qualification_row_with_a_bad_date_or_a_person_of_another_body_is_refused(
    cb_staff, body, other_body, lead_assessor, admin_user, scheme
):
    stranger = grant(UserFactory(username="kt-assessor"), Role.ASSESSOR, other_body, by=admin_user)
    rows = [
        qualification_row(),
        qualification_row(valid_from="2025-13-01"),
        qualification_row(stranger.username),
    ]
    batch = import_preview(
        kind="qualifications", upload=csv_file("qualifications", rows), by=cb_staff, body=body
    )
    assert [(r["action"], [e["column"] for e in r["errors"]]) for r in batch.report] == [
        ("created", []),
        ("refused", ["valid_from"]),
        ("refused", ["assessor"]),
    ]
    assert not AssessorQualification.objects.exists()


# --- high-risk product groups and plan activities --------------------------------------------


def test_a_regulator_imports_high_risk_groups_and_plan_activities_once(
    regulator, province, enterprise, django_capture_on_commit_callbacks
):
    groups = [
        {"name": "Sầu riêng", "description": "Xuất khẩu", "enterprises": enterprise.tax_code},
        {"name": "Cà phê"},
    ]
    batch = run(
        "high_risk_groups",
        groups,
        regulator,
        django_capture_on_commit_callbacks,
        jurisdiction=province,
    )
    assert batch.created == 2
    durian = HighRiskProductGroup.objects.get(name="Sầu riêng")
    assert list(durian.enterprises.all()) == [enterprise]
    day = (today() - datetime.timedelta(days=3)).strftime("%d/%m/%Y")
    activities = [
        {
            "indicator": "officials_trained",
            "date": day,
            "description": "Tập huấn truy xuất nguồn gốc",
            "quantity": "40",
        }
    ]
    done = run(
        "plan_activities",
        activities,
        regulator,
        django_capture_on_commit_callbacks,
        jurisdiction=province,
    )
    assert done.created == 1 and PlanActivity.objects.get().quantity == 40
    for record, source in ((durian, batch), (PlanActivity.objects.get(), done)):
        entry = LogEntry.objects.for_object(record).get(transition="imported")
        assert entry.actor == regulator
        assert (entry.data["file"], entry.data["sha256"]) == (source.file_name, source.sha256)
    again = run(
        "high_risk_groups",
        groups,
        regulator,
        django_capture_on_commit_callbacks,
        jurisdiction=province,
    )
    again_activities = run(
        "plan_activities",
        activities,
        regulator,
        django_capture_on_commit_callbacks,
        jurisdiction=province,
    )
    assert (again.unchanged, again_activities.unchanged) == (2, 1)
    assert HighRiskProductGroup.objects.count() == 2 and PlanActivity.objects.count() == 1


def test_oversight_rows_outside_the_province_or_computed_indicators_are_refused(
    regulator, province, other_province
):
    outsider_enterprise = EnterpriseFactory(province=other_province)
    groups = [{"name": "Tiêu", "enterprises": outsider_enterprise.tax_code}]
    batch = import_preview(
        kind="high_risk_groups",
        upload=csv_file("high_risk_groups", groups),
        by=regulator,
        jurisdiction=province,
    )
    assert batch.report[0]["errors"][0]["column"] == "enterprises"
    activities = [
        {"indicator": "enterprises_certified", "date": "01/06/2026", "description": "x"},
        {"indicator": "officials_trained", "date": "01/06/2099", "description": "y"},
    ]
    batch = import_preview(
        kind="plan_activities",
        upload=csv_file("plan_activities", activities),
        by=regulator,
        jurisdiction=province,
    )
    assert [r["errors"][0]["column"] for r in batch.report] == ["indicator", "date"]
    assert not HighRiskProductGroup.objects.exists() and not PlanActivity.objects.exists()


def test_body_staff_cannot_import_regulators_records(cb_staff, body, province):
    with pytest.raises(PermissionDenied):
        import_preview(
            kind="high_risk_groups",
            upload=csv_file("high_risk_groups", [{"name": "A"}]),
            by=cb_staff,
            body=body,
        )
    with pytest.raises(PermissionDenied):
        import_preview(
            kind="plan_activities",
            upload=csv_file("plan_activities", []),
            by=cb_staff,
            jurisdiction=province,
        )
