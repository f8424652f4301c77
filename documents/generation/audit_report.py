"""The audit report and the findings report of an audit, as .docx (bilingual labels).

Read from audits.models (Audit, AuditTeamMember, Finding, TraceTest) and, when the checklists
app has them, the audit's checklist answers. Rows are loaded in a fixed number of queries.
"""

from django.apps import apps
from django.utils import timezone
from docx.shared import Pt

from documents.generation.common import (
    add_run,
    address_of,
    bilingual,
    cell_text,
    date_short,
    new_document,
    para,
    set_widths,
    stage_names,
    to_bytes,
)

AUDIT_KINDS = {
    "stage1": ("Đánh giá giai đoạn 1", "Stage 1 audit"),
    "stage2": ("Đánh giá giai đoạn 2", "Stage 2 audit"),
    "surveillance": ("Đánh giá giám sát", "Surveillance audit"),
    "recertification": ("Đánh giá chứng nhận lại", "Recertification audit"),
    "special": ("Đánh giá đặc biệt", "Special audit"),
}
MODES = {"on_site": ("Tại hiện trường", "On site"), "remote": ("Từ xa", "Remote")}
TEAM_ROLES = {
    "lead": ("Trưởng đoàn", "Lead assessor"),
    "member": ("Chuyên gia đánh giá", "Assessor"),
    "expert": ("Chuyên gia kỹ thuật", "Technical expert"),
    "observer": ("Quan sát viên", "Observer"),
}
SEVERITIES = {
    "major": ("Không phù hợp nặng", "Major nonconformity"),
    "minor": ("Không phù hợp nhẹ", "Minor nonconformity"),
    "observation": ("Khuyến nghị", "Observation"),
}
FINDING_STATES = {
    "open": ("Chưa trả lời", "Open"),
    "responded": ("Đã trả lời", "Responded"),
    "plan_accepted": ("Đã chấp nhận kế hoạch", "Plan accepted"),
    "closed": ("Đã đóng", "Closed"),
}
RESULTS = {
    "conform": ("Phù hợp", "Conforms"),
    "minor": ("KPH nhẹ", "Minor"),
    "major": ("KPH nặng", "Major"),
    "observation": ("Khuyến nghị", "Observation"),
    "not_applicable": ("Không áp dụng", "N/A"),
    "pass": ("Đạt", "Passed"),
    "fail": ("Không đạt", "Failed"),
}
DIRECTIONS = {
    "backward": ("Truy xuất ngược", "Backward"),
    "forward": ("Truy xuất xuôi", "Forward"),
    "both": ("Ngược và xuôi", "Both"),
}


def _both(mapping: dict, code: str) -> str:
    vi, en = mapping.get(code, (code, code))
    return f"{vi} / {en}"


def audit_for_report(audit_id: int):
    """The audit with everything a report shows, in a fixed number of queries."""
    audit_model = apps.get_model("audits", "Audit")
    return (
        audit_model.objects.select_related(
            "application__enterprise__province",
            "application__body__province",
            "application__scheme",
            "certificate__enterprise__province",
            "certificate__body__province",
            "certificate__scheme",
        )
        .prefetch_related(
            "team__user", "trace_tests", "findings__raised_by", "findings__verified_by"
        )
        .get(pk=audit_id)
    )


def _checklist_answers(audit) -> list:
    try:
        answer_model = apps.get_model("checklists", "ChecklistAnswer")
    except LookupError:
        return []
    return list(
        answer_model.objects.filter(audit_id=audit.pk)
        .select_related("item__section")
        .order_by("item__section__position", "item__position", "item_id")
    )


def _grid(document, header: list[str], rows: list[list[str]], widths=None):
    table = document.add_table(rows=1, cols=len(header))
    table.style = document.styles["Table Grid"]
    for cell, title in zip(table.rows[0].cells, header, strict=True):
        cell_text(cell, title, bold=True, size=10)
    for values in rows:
        for cell, value in zip(table.add_row().cells, values, strict=True):
            cell_text(cell, value, size=10)
    if widths:
        set_widths(table, widths)
    return table


def _section(document, vi: str, en: str) -> None:
    paragraph = bilingual(document, vi, en, bold=True)
    paragraph.paragraph_format.space_before = Pt(8)
    paragraph.paragraph_format.keep_with_next = True


def _heading(document, audit, vi: str, en: str) -> None:
    body = audit.subject.body
    para(document, body.name.upper(), bold=True, align="center", space_after=0)
    para(document, address_of(body), size=11, align="center")
    para(document, vi, bold=True, size=16, align="center", space_after=0)
    para(document, en, italic=True, size=12, align="center")


def _facts(document, audit) -> None:
    subject = audit.subject
    enterprise = subject.enterprise
    reference = (
        f"Hồ sơ / Application {subject.number}"
        if audit.application_id
        else f"Giấy chứng nhận / Certificate {subject.number}"
    )
    rows = [
        ("Tổ chức được đánh giá / Client", enterprise.name),
        ("Địa chỉ / Address", address_of(enterprise)),
        ("Căn cứ / Reference", reference),
        ("Tiêu chuẩn / Standard", subject.scheme.standard),
        ("Loại đánh giá / Audit type", _both(AUDIT_KINDS, audit.kind)),
        ("Hình thức / Mode", _both(MODES, audit.mode)),
        (
            "Thời gian / Dates",
            f"{date_short(audit.actual_start or audit.planned_start)} - "
            f"{date_short(audit.actual_end or audit.planned_end)}",
        ),
    ]
    table = document.add_table(rows=0, cols=2)
    table.style = document.styles["Table Grid"]
    for label, value in rows:
        left, right = table.add_row().cells
        cell_text(left, label, bold=True, size=11)
        cell_text(right, value, size=11)


def _team(document, audit) -> None:
    _section(document, "ĐOÀN ĐÁNH GIÁ", "Audit team")
    members = sorted(audit.team.all(), key=lambda m: (m.role != "lead", m.pk))
    _grid(
        document,
        ["Họ và tên / Name", "Vai trò / Role"],
        [[m.user.get_full_name(), _both(TEAM_ROLES, m.role)] for m in members],
    )


def _scope(document, audit) -> None:
    subject = audit.subject
    _section(document, "PHẠM VI ĐÁNH GIÁ", "Audit scope")
    products = "; ".join(p.get("name", "") for p in subject.products or [])
    stages = "; ".join(f"{vi} / {en}" for vi, en in stage_names(subject.stages or []))
    sites = "; ".join(s.get("name", "") for s in subject.sites or [])
    sample = "; ".join(audit.sampled_sites or [])
    rows = [
        ("Sản phẩm / Products", products),
        ("Công đoạn / Stages", stages),
        ("Địa điểm / Sites", sites),
    ]
    if sample:
        rows.append(("Địa điểm được đánh giá (mẫu) / Sites audited (sample)", sample))
    if audit.planned_man_days is not None:
        time = f"{audit.planned_man_days} ngày công / man-days"
        if audit.computed_man_days is not None and audit.man_day_reduction:
            time += (
                f" (bảng tính / table: {audit.computed_man_days}; giảm / reduced by "
                f"{audit.man_day_reduction}: {audit.man_day_reduction_reason})"
            )
        rows.append(("Thời gian đánh giá / Audit time", time))
    if audit.kind == "special":
        reason = audit.special_reason
        if audit.short_notice:
            reason = f"[Thông báo ngắn hạn / Short notice] {reason}"
        rows.append(("Lý do đánh giá đặc biệt / Reason for the special audit", reason))
    for label, value in rows:
        paragraph = para(document)
        add_run(paragraph, f"{label}: ", bold=True)
        add_run(paragraph, value)
    if len(subject.sites or []) > 1:
        chosen = set(audit.sampled_sites or [])
        _grid(
            document,
            ["Địa điểm / Site", "Đánh giá lần này / This audit"],
            [
                [
                    s.get("name", "") + (" (rủi ro cao / high risk)" if s.get("risk") else ""),
                    "Có / Audited" if s.get("name", "") in chosen else "Không / Not sampled",
                ]
                for s in subject.sites
            ],
        )


def _checklist(document, answers: list) -> None:
    _section(document, "KẾT QUẢ THEO DANH MỤC KIỂM TRA", "Checklist results")
    if not answers:
        para(document, "Không có dữ liệu / No checklist answers recorded.", italic=True)
        return
    counts: dict[str, int] = {}
    for answer in answers:
        counts[answer.result] = counts.get(answer.result, 0) + 1
    summary = "; ".join(f"{_both(RESULTS, code)}: {n}" for code, n in counts.items())
    para(document, summary, size=11)
    _grid(
        document,
        ["Mục / Item", "Yêu cầu / Requirement", "Kết quả / Result", "Ghi chú / Note"],
        [
            [
                " ".join(x for x in (a.item.code, a.item.clause_printed) if x),
                a.item.requirement_vi,
                _both(RESULTS, a.result),
                a.note,
            ]
            for a in answers
        ],
    )


def _trace_tests(document, audit) -> None:
    _section(document, "THỬ TRUY XUẤT", "Trace tests")
    tests = list(audit.trace_tests.all())
    if not tests:
        para(document, "Không có / None.", italic=True)
        return
    zone = timezone.get_current_timezone()
    rows = []
    for test in tests:
        minutes = int((test.ended_at - test.started_at).total_seconds() // 60)
        started = timezone.localtime(test.started_at, zone)
        rows.append(
            [
                f"GTIN {test.gtin}, lô / lot {test.lot}",
                _both(DIRECTIONS, test.direction),
                f"{started:%d/%m/%Y %H:%M}, {minutes // 60} h {minutes % 60:02d}",
                f"{test.quantity_in} / {test.quantity_out}"
                + (
                    f" ({test.difference_percent} %)" if test.difference_percent is not None else ""
                ),
                _both(RESULTS, test.result)
                + "".join(f"\n- {reason}" for reason in test.failure_reasons or []),
            ]
        )
    _grid(
        document,
        [
            "Lô / Lot",
            "Chiều / Direction",
            "Bắt đầu, thời gian / Start, duration",
            "Vào / Ra (In / Out)",
            "Kết quả / Result",
        ],
        rows,
    )


def _findings_table(document, findings: list) -> None:
    if not findings:
        para(document, "Không có phát hiện / No findings.", italic=True)
        return
    _grid(
        document,
        [
            "Số / No.",
            "Mức độ / Severity",
            "Điều khoản / Clause",
            "Mô tả / Description",
            "Hạn / Due",
        ],
        [
            [
                f.reference,
                _both(SEVERITIES, f.severity),
                " ".join(x for x in (f.checklist_item_code, f.clause_printed) if x),
                f.description,
                date_short(f.due_date),
            ]
            for f in findings
        ],
    )


def _signature(document, audit) -> None:
    lead = next((m for m in audit.team.all() if m.role == "lead"), None)
    para(document)
    para(document, "TRƯỞNG ĐOÀN ĐÁNH GIÁ / Lead assessor", bold=True, align="right")
    para(
        document,
        "(Ký, ghi rõ họ tên / Signature)",
        italic=True,
        size=10,
        align="right",
        space_after=36,
    )
    para(document, lead.user.get_full_name() if lead else "", bold=True, align="right")


def render_audit_report(audit) -> bytes:
    """The audit report: facts, team, scope, checklist results, trace tests, findings,
    summary and conclusion, signed by the lead assessor. `audit` from audit_for_report()."""
    document = new_document(size=12)
    _heading(document, audit, "BÁO CÁO ĐÁNH GIÁ", "Audit report")
    _facts(document, audit)
    _team(document, audit)
    _scope(document, audit)
    _checklist(document, _checklist_answers(audit))
    _trace_tests(document, audit)
    _section(document, "CÁC PHÁT HIỆN", "Findings")
    _findings_table(document, list(audit.findings.all()))
    _section(document, "TÓM TẮT", "Summary")
    para(document, audit.report_summary or "…", align="justify")
    _section(document, "KẾT LUẬN VÀ KIẾN NGHỊ", "Conclusion and recommendation")
    para(document, audit.conclusion or "…", align="justify")
    _signature(document, audit)
    return to_bytes(document)


def render_findings_report(audit) -> bytes:
    """The findings report: one block per finding (numbered as on the screens) with the
    evidence, the enterprise's response and its verification, as they stand when generated
    (a new version is generated after every change of a finding)."""
    document = new_document(size=12)
    _heading(document, audit, "BÁO CÁO CÁC PHÁT HIỆN", "Findings report")
    _facts(document, audit)
    findings = list(audit.findings.all())
    _section(document, "TỔNG HỢP", "Overview")
    _findings_table(document, findings)
    for finding in findings:
        para(document)
        para(
            document,
            f"Phát hiện số / Finding {finding.reference}: {_both(SEVERITIES, finding.severity)}",
            bold=True,
        )
        rows = [
            (
                "Điều khoản / Clause",
                " ".join(x for x in (finding.checklist_item_code, finding.clause_printed) if x),
            ),
            ("Mô tả / Description", finding.description),
            ("Bằng chứng khách quan / Objective evidence", finding.evidence),
            ("Hạn / Due date", date_short(finding.due_date)),
            ("Nguyên nhân gốc / Root cause", finding.root_cause),
            ("Khắc phục / Correction", finding.correction),
            ("Hành động khắc phục / Corrective action", finding.corrective_action),
            ("Dự kiến hoàn thành / Planned completion", date_short(finding.planned_completion)),
            ("Trạng thái / State", _both(FINDING_STATES, finding.state)),
            (
                "Xác nhận / Verified",
                f"{finding.verified_by.get_full_name()}, "
                f"{date_short(timezone.localdate(finding.verified_at))}"
                if finding.verified_by_id and finding.verified_at
                else "…",
            ),
        ]
        table = document.add_table(rows=0, cols=2)
        table.style = document.styles["Table Grid"]
        for label, value in rows:
            left, right = table.add_row().cells
            cell_text(left, label, bold=True, size=10)
            cell_text(right, value or "…", size=10)
    _signature(document, audit)
    return to_bytes(document)
