"""Reading events, tracing, the trace test pre-filled and the lead's decisions: each guard
and each permission boundary."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from audits.models import Finding, TraceTest
from core.exceptions import DomainError
from core.models import LogEntry
from documents.models import Document
from documents.validation import DocumentTooLarge
from tracing import services
from tracing.models import EpcisDataset, ProposedFinding, TraceRules
from tracing.tests.conftest import epcis_file
from tracing.tests.epcis_builders import coffee_chain

pytestmark = pytest.mark.django_db


def stored_files(media) -> list:
    """EPCIS documents in the storage (the application's own PDFs are not counted)."""
    return [p for p in media.rglob("*.jsonld") if p.is_file()] if media.exists() else []


def test_an_assessor_of_the_team_uploads_a_document_kept_as_evidence(audit, member, settings):
    dataset = services.epcis_dataset_upload(audit=audit, by=member, file=epcis_file())
    assert dataset.event_count == 8
    assert dataset.counts["TransformationEvent"] == 2
    assert dataset.document.doc_type == "epcis_events"
    assert dataset.document.owner == audit
    assert dataset.document.uploaded_by == member
    with dataset.document.file.open("rb") as handle:
        assert b"TransformationEvent" in handle.read()
    assert LogEntry.objects.filter(transition="epcis_read", object_id=str(audit.pk)).exists()


def test_the_audited_enterprise_uploads_before_the_audit_starts(planned, enterprise_user):
    dataset = services.epcis_dataset_upload(audit=planned, by=enterprise_user, file=epcis_file())
    assert dataset.source == EpcisDataset.Source.UPLOAD


@pytest.mark.parametrize(
    "who",
    ["other_enterprise_user", "cb_staff", "other_assessor", "observer", "regulator", "outsider"],
)
def test_anyone_else_may_not_upload_and_nothing_is_stored(request, audit, who, tmp_path):
    with pytest.raises(PermissionDenied):
        services.epcis_dataset_upload(
            audit=audit, by=request.getfixturevalue(who), file=epcis_file()
        )
    assert (
        not EpcisDataset.objects.exists()
        and not Document.objects.filter(doc_type="epcis_events").exists()
    )


def test_an_invalid_document_is_refused_naming_the_event_and_nothing_is_stored(
    audit, member, settings
):
    from pathlib import Path

    events = coffee_chain()
    del events[3]["eventTime"]
    with pytest.raises(services.EpcisRejected) as caught:
        services.epcis_dataset_upload(audit=audit, by=member, file=epcis_file(events))
    assert [p.as_dict() for p in caught.value.problems] == [
        {"event": 3, "field": "eventTime", "message": "required field is missing"}
    ]
    assert (
        not EpcisDataset.objects.exists()
        and not Document.objects.filter(doc_type="epcis_events").exists()
    )
    assert stored_files(Path(settings.MEDIA_ROOT)) == []


def test_a_document_larger_than_the_limit_is_refused_before_reading(audit, member, settings):
    settings.EPCIS_MAX_BYTES = 100
    with pytest.raises(DocumentTooLarge):
        services.epcis_dataset_upload(audit=audit, by=member, file=epcis_file())
    assert not Document.objects.filter(doc_type="epcis_events").exists()


def test_a_failure_after_storing_leaves_neither_row_nor_file(audit, member, settings, monkeypatch):
    from pathlib import Path

    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(services.EpcisDataset.objects, "create", broken)
    with pytest.raises(RuntimeError):
        services.epcis_dataset_upload(audit=audit, by=member, file=epcis_file())
    assert not Document.objects.filter(doc_type="epcis_events").exists()
    assert stored_files(Path(settings.MEDIA_ROOT)) == []


def test_events_are_not_read_once_the_audit_report_is_submitted(audit, member, lead_assessor):
    from audits.models import Audit

    Audit.objects.filter(pk=audit.pk).update(state=Audit.State.CLOSED)
    audit.refresh_from_db()
    with pytest.raises(DomainError) as caught:
        services.epcis_dataset_upload(audit=audit, by=member, file=epcis_file())
    assert caught.value.code == "invalid_state"


def test_tracing_a_lot_computes_the_result_and_logs_it(dataset, member):
    analysis = services.trace_analyse(dataset=dataset, by=member, gtin="8934588012235", lot="RG-1")
    assert analysis.result == "pass"
    assert analysis.data["forward"]["customers"] == ["GLN 8935001000013", "GLN 8935002000012"]
    assert analysis.tolerance_percent == Decimal("2")
    assert not analysis.proposals.exists()
    assert LogEntry.objects.filter(transition="trace_analyse").count() == 1


def test_the_schemes_tolerance_and_required_kdes_apply(dataset, member, scheme):
    scheme.trace_test_tolerance_percent = Decimal("0.5")
    scheme.save(update_fields=["trace_test_tolerance_percent"])
    TraceRules.objects.create(scheme=scheme, required_kdes={"shipping": ["who_source"]})
    dataset = EpcisDataset.objects.get(pk=dataset.pk)  # the audit and scheme as stored now
    analysis = services.trace_analyse(dataset=dataset, by=member, gtin="8934588012235", lot="RG-1")
    assert analysis.tolerance_percent == Decimal("0.5")
    codes = sorted(p.code for p in analysis.proposals.all())
    assert codes == ["kde_missing"]
    assert "ai (bên gửi)" in analysis.proposals.get().description  # in the default language


def test_trace_rules_refuse_an_unknown_kde(scheme):
    rules = TraceRules(scheme=scheme, required_kdes={"shipping": ["colour"]})
    with pytest.raises(ValidationError):
        rules.full_clean()


def test_a_gtin_with_a_wrong_check_digit_is_refused(dataset, member):
    with pytest.raises(ValidationError) as caught:
        services.trace_analyse(dataset=dataset, by=member, gtin="8934588012236", lot="RG-1")
    assert "gtin" in caught.value.message_dict


@pytest.mark.parametrize("who", ["enterprise_user", "observer", "cb_staff", "outsider"])
def test_only_an_assessor_of_the_team_traces_a_lot(request, dataset, who):
    with pytest.raises(PermissionDenied):
        services.trace_analyse(
            dataset=dataset, by=request.getfixturevalue(who), gtin="8934588012235", lot="RG-1"
        )


def failing_dataset(audit, member):
    events = coffee_chain()
    events[4]["childQuantityList"][0]["quantity"] = 250  # 510 of 560 shipped: 8.93 %
    del events[1]  # no receiving of CH-2
    return services.epcis_dataset_upload(audit=audit, by=member, file=epcis_file(events))


def test_gaps_become_proposed_findings_with_severity_and_clause(audit, member):
    analysis = services.trace_analyse(
        dataset=failing_dataset(audit, member), by=member, gtin="8934588012235", lot="RG-1"
    )
    assert analysis.result == "fail"
    rows = sorted(analysis.proposals.values_list("code", "severity", "clause_reference"))
    assert rows == [("mass_balance", "major", "C-11"), ("receiving_missing", "major", "C-05")]
    assert all(p.state == "proposed" for p in analysis.proposals.all())


def test_the_lead_confirms_a_proposal_and_a_finding_is_raised(audit, member, lead_assessor):
    analysis = services.trace_analyse(
        dataset=failing_dataset(audit, member), by=member, gtin="8934588012235", lot="RG-1"
    )
    proposal = analysis.proposals.get(code="mass_balance")
    proposal = services.proposed_finding_confirm(proposal=proposal, by=lead_assessor)
    assert proposal.state == "confirmed"
    finding = proposal.finding
    assert finding.severity == Finding.Severity.MAJOR and finding.audit == audit
    assert finding.clause_reference == "C-11"
    assert "8.93" in finding.description
    assert LogEntry.objects.filter(transition="confirm", object_id=str(proposal.pk)).exists()
    with pytest.raises(DomainError):
        services.proposed_finding_confirm(proposal=proposal, by=lead_assessor)


def test_the_lead_dismisses_a_proposal_saying_why(audit, member, lead_assessor):
    analysis = services.trace_analyse(
        dataset=failing_dataset(audit, member), by=member, gtin="8934588012235", lot="RG-1"
    )
    proposal = analysis.proposals.first()
    with pytest.raises(ValidationError):
        services.proposed_finding_dismiss(proposal=proposal, by=lead_assessor, comment=" ")
    proposal = services.proposed_finding_dismiss(
        proposal=proposal, by=lead_assessor, comment="Phiếu nhập giấy đã xem tại chỗ."
    )
    assert proposal.state == "dismissed" and proposal.finding is None
    assert not Finding.objects.exists()


@pytest.mark.parametrize("who", ["member", "enterprise_user", "cb_staff", "outsider"])
def test_only_the_lead_decides_a_proposal(request, audit, member, who):
    analysis = services.trace_analyse(
        dataset=failing_dataset(audit, member), by=member, gtin="8934588012235", lot="RG-1"
    )
    proposal = analysis.proposals.first()
    with pytest.raises(PermissionDenied):
        services.proposed_finding_confirm(proposal=proposal, by=request.getfixturevalue(who))
    proposal.refresh_from_db()
    assert proposal.state == ProposedFinding.State.PROPOSED
    assert not Finding.objects.exists()


def test_the_trace_test_is_prefilled_from_a_passing_analysis(analysis, member):
    trace = services.trace_test_prefill(analysis=analysis, by=member)
    assert trace.result == TraceTest.Result.PASS and trace.finding is None
    assert (trace.gtin, trace.lot, trace.direction) == ("8934588012235", "RG-1", "both")
    assert (trace.quantity_in, trace.quantity_out) == (Decimal("560"), Decimal("560"))
    assert trace.ended_at > trace.started_at
    assert "GLN 8935001000013" in trace.note
    directions = {d.direction: d for d in trace.directions.all()}
    assert set(directions) == {"backward", "forward"}
    assert directions["backward"].inputs[0]["quantity"] == "560"
    assert [o["party"] for o in directions["forward"].outputs] == [
        "GLN 8935001000013",
        "GLN 8935002000012",
    ]
    assert directions["forward"].answered_at == trace.ended_at
    analysis.refresh_from_db()
    assert analysis.trace_test == trace
    with pytest.raises(DomainError):
        services.trace_test_prefill(analysis=analysis, by=member)


def test_a_failing_analysis_records_a_failed_trace_test_with_its_major_finding(audit, member):
    analysis = services.trace_analyse(
        dataset=failing_dataset(audit, member), by=member, gtin="8934588012235", lot="RG-1"
    )
    trace = services.trace_test_prefill(analysis=analysis, by=member)
    assert trace.result == TraceTest.Result.FAIL
    assert trace.finding.severity == Finding.Severity.MAJOR
    assert "CH-2" in trace.note
    # One step back was not found completely: only the forward direction is recorded.
    assert list(trace.directions.values_list("direction", flat=True)) == ["forward"]
    assert trace.failure_reasons


def test_the_report_document_is_generated_once_with_tables_and_the_graph(analysis):
    import io

    import docx

    first = services.trace_report_generate(analysis=analysis).report
    again = services.trace_report_generate(analysis=analysis).report
    assert first == again and first.doc_type == "trace_report" and first.generated
    with first.file.open("rb") as handle:
        report = docx.Document(io.BytesIO(handle.read()))
    text = "\n".join(c.text for t in report.tables for r in t.rows for c in r.cells)
    assert "GLN 8935001000013" in text and "RG-1" in text and "ĐẠT / PASSED" in text
    assert len(report.inline_shapes) == 1  # the lot graph


def test_an_enterprise_user_registers_the_query_interface_over_https(enterprise, enterprise_user):
    endpoint = services.epcis_endpoint_register(
        enterprise=enterprise,
        by=enterprise_user,
        url="https://epcis.example.vn/epcis",
        token="s3cret",
    )
    assert endpoint.token == "s3cret"
    entry = LogEntry.objects.get(transition="epcis_endpoint_register")
    assert "s3cret" not in str(entry.data)
    again = services.epcis_endpoint_register(
        enterprise=enterprise, by=enterprise_user, url="https://epcis.example.vn/v2"
    )
    assert again.pk == endpoint.pk and again.token == "s3cret"  # empty token keeps it


def test_plain_http_is_refused_unless_allowed(enterprise, enterprise_user, settings):
    settings.EPCIS_QUERY_ALLOW_HTTP = False
    with pytest.raises(ValidationError):
        services.epcis_endpoint_register(
            enterprise=enterprise, by=enterprise_user, url="http://epcis.example.vn"
        )


def test_another_enterprise_may_not_register_an_interface(enterprise, other_enterprise_user):
    with pytest.raises(PermissionDenied):
        services.epcis_endpoint_register(
            enterprise=enterprise, by=other_enterprise_user, url="https://x.example.vn"
        )


def test_querying_without_a_registered_interface_is_refused(audit, member):
    with pytest.raises(DomainError) as caught:
        services.epcis_dataset_query(audit=audit, by=member)
    assert caught.value.code == "no_endpoint"


def test_an_unreachable_interface_fails_clearly_and_stores_nothing(
    audit, member, enterprise, enterprise_user, settings
):
    settings.EPCIS_QUERY_ALLOW_HTTP = True
    settings.EPCIS_QUERY_TIMEOUT = 2
    services.epcis_endpoint_register(
        enterprise=enterprise, by=enterprise_user, url="http://127.0.0.1:9/epcis"
    )
    with pytest.raises(services.QueryFailed):
        services.epcis_dataset_query(audit=audit, by=member)
    assert (
        not EpcisDataset.objects.exists()
        and not Document.objects.filter(doc_type="epcis_events").exists()
    )


def test_the_direction_lines_carry_the_mass_balance_of_the_lot(analysis):
    lines = services.direction_lines(analysis)
    [back] = lines["backward"]
    assert (back["lot"], back["quantity"], back["unit"]) == ("RG-1", "560", "KGM")
    assert "GLN 8935123000014" in back["party"]  # the supplier of the received cherries
    assert [(f["party"], f["quantity"]) for f in lines["forward"]] == [
        ("GLN 8935001000013", "300"),
        ("GLN 8935002000012", "260"),
    ]
