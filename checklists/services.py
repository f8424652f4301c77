"""Writes of the checklists app: template versions (import, copy, publish), the version an
audit pins, and checklist answers."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import CharField, Exists, OuterRef, QuerySet, Subquery
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.models import UserObjectPermission

from audits.models import Audit, AuditTeamMember, Finding
from audits.rules import working_on_team
from certification.models import ROLE_PERMISSIONS, Organisation, Role
from checklists.importer import (
    ChecklistImportError,
    ParsedFile,
    Problem,
    content_hash,
    count_items,
    default_paths,
    describe_changes,
    parse_file,
    template_data,
)
from checklists.models import (
    AuditChecklist,
    ChecklistAnswer,
    ChecklistItem,
    ChecklistSection,
    ChecklistTemplate,
)
from checklists.selectors import template_for_audit, used_template_ids
from core import clock
from core.exceptions import DomainError
from core.models import LogEntry, User
from core.services import log_transition

# --- Templates ----------------------------------------------------------------------------


@dataclass
class ImportOutcome:
    """What an import does (or would do, in a dry run) with one file."""

    class Action:
        NEW = "new"  # a template version not in the database yet
        UNCHANGED = "unchanged"  # same content hash: nothing to do
        CHANGED = "changed"  # a version no audit used yet, updated in place

    file: str
    code: str
    version: int
    action: str
    details: list[str] = field(default_factory=list)
    template: ChecklistTemplate | None = None

    def __str__(self) -> str:
        label = {
            self.Action.NEW: _("new template version"),
            self.Action.UNCHANGED: _("unchanged"),
            self.Action.CHANGED: _("changed"),
        }[self.action]
        line = _("%(file)s: %(code)s version %(version)d — %(label)s") % {
            "file": self.file,
            "code": self.code,
            "version": self.version,
            "label": label,
        }
        return "; ".join([line, *self.details])


def _write_content(template: ChecklistTemplate, data: dict[str, Any]) -> None:
    """Create the sections and items of `template` from canonical content (two inserts)."""
    sections = ChecklistSection.objects.bulk_create(
        ChecklistSection(
            template=template,
            code=s["code"],
            title_vi=s["title"]["vi"],
            title_en=s["title"]["en"],
            position=position,
        )
        for position, s in enumerate(data["sections"], start=1)
    )
    items = []
    for section, s in zip(sections, data["sections"], strict=True):
        for item in s["items"]:
            items.append(
                ChecklistItem(
                    template=template,
                    section=section,
                    code=item["code"],
                    clause=item["clause"],
                    clause_status=item.get("clause_status", "inferred"),
                    requirement_vi=item["requirement"]["vi"],
                    requirement_en=item["requirement"]["en"],
                    guidance_vi=item["guidance"]["vi"],
                    guidance_en=item["guidance"]["en"],
                    evidence_vi=item["evidence"]["vi"],
                    evidence_en=item["evidence"]["en"],
                    severity=item["severity"],
                    applies_to=list(item["applies_to"]),
                    position=len(items) + 1,
                )
            )
    ChecklistItem.objects.bulk_create(items)


def _header(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "standard": data["standard"],
        "title_vi": data["title"]["vi"],
        "title_en": data["title"]["en"],
        "description_vi": data["description"]["vi"],
        "description_en": data["description"]["en"],
    }


def template_import(
    *, paths: Sequence[Path] | None = None, dry_run: bool = False, by: User | None = None
) -> list[ImportOutcome]:
    """Import checklist template files (default: every *.yaml in checklists/data).

    All or nothing, in one transaction: if any file is invalid (bad YAML, missing or duplicate
    code, unknown severity or audit kind, missing vi/en text…) or would change a version an
    audit already pinned, ChecklistImportError lists every problem (file and item) and nothing
    is written. Otherwise each file is a new version (created), unchanged (same content hash:
    nothing written, so running twice changes nothing) or changed (a version no audit used:
    updated in place). Imported versions are `published`; each write is logged on the
    template. `dry_run` returns the same outcomes without writing.
    """
    parsed = [parse_file(Path(p)) for p in (default_paths() if paths is None else paths)]
    problems = [problem for p in parsed for problem in p.problems]
    seen: dict[tuple[str, int], str] = {}
    for p in parsed:
        if p.data is None:
            continue
        key = (p.data["code"], p.data["version"])
        if key in seen:
            problems.append(
                Problem(
                    p.name,
                    "",
                    "duplicate_version",
                    _("version %(version)d of %(code)s is also in %(other)s.")
                    % {"version": key[1], "code": key[0], "other": seen[key]},
                )
            )
        seen[key] = p.name
    if problems:
        raise ChecklistImportError(problems)
    with transaction.atomic():
        plan = _import_plan(parsed)
        if not dry_run:
            for outcome, file in plan:
                _import_apply(outcome, file, by=by)
    return [outcome for outcome, _file in plan]


def _import_plan(parsed: list[ParsedFile]) -> list[tuple[ImportOutcome, ParsedFile]]:
    """What each valid file would do, comparing content hashes with the database; raises
    ChecklistImportError for files that would change a version an audit uses."""
    # Locked: an audit pinning one of these versions meanwhile waits for this import, and an
    # import waits for a pin in progress (then sees it).
    existing = list(
        ChecklistTemplate.objects.select_for_update()
        .filter(code__in={p.data["code"] for p in parsed})
        .order_by("code", "version")
        .prefetch_related("sections", "items")
    )
    by_key = {(t.code, t.version): t for t in existing}
    used = used_template_ids([t.pk for t in existing])
    contents = {t.pk: template_data(t) for t in existing}
    plan: list[tuple[ImportOutcome, ParsedFile]] = []
    problems: list[Problem] = []
    for p in parsed:
        data = p.data
        code, version = data["code"], data["version"]
        current = by_key.get((code, version))
        if current is None:
            details = [
                _("%(items)d items in %(sections)d sections")
                % {"items": count_items(data), "sections": len(data["sections"])}
            ]
            previous = [t for t in existing if t.code == code and t.version < version]
            if previous:
                changes = describe_changes(contents[previous[-1].pk], data) or [_("same content")]
                details.append(
                    _("compared with version %(v)d: %(changes)s")
                    % {"v": previous[-1].version, "changes": "; ".join(changes)}
                )
            outcome = ImportOutcome(p.name, code, version, ImportOutcome.Action.NEW, details)
        elif current.content_hash == content_hash(data) and current.is_published:
            outcome = ImportOutcome(
                p.name, code, version, ImportOutcome.Action.UNCHANGED, template=current
            )
        elif current.pk in used:
            problems.append(
                Problem(
                    p.name,
                    "",
                    "version_in_use",
                    _(
                        "version %(version)d of %(code)s is used by audits; give the file a "
                        "new version number."
                    )
                    % {"version": version, "code": code},
                )
            )
            continue
        else:
            details = describe_changes(contents[current.pk], data)
            if not current.is_published:
                details.append(_("draft published"))
            outcome = ImportOutcome(
                p.name, code, version, ImportOutcome.Action.CHANGED, details, template=current
            )
        plan.append((outcome, p))
    if problems:
        raise ChecklistImportError(problems)
    return plan


def _import_apply(outcome: ImportOutcome, file: ParsedFile, *, by: User | None) -> None:
    """Write one planned outcome (nothing for an unchanged file) and log it on the template."""
    data, digest = file.data, content_hash(file.data)
    if outcome.action == ImportOutcome.Action.UNCHANGED:
        return
    if outcome.action == ImportOutcome.Action.NEW:
        previous_status = ""
        outcome.template = template = ChecklistTemplate.objects.create(
            code=data["code"],
            version=data["version"],
            content_hash=digest,
            status=ChecklistTemplate.Status.PUBLISHED,
            source_file=file.name,
            **_header(data),
        )
    else:
        template = outcome.template
        previous_status = template.status
        template.sections.all().delete()  # cascades to the items; no answer refers to them
        for name, value in _header(data).items():
            setattr(template, name, value)
        template.content_hash = digest
        template.status = ChecklistTemplate.Status.PUBLISHED
        template.source_file = file.name
        template.save(
            update_fields=[*_header(data), "content_hash", "status", "source_file", "updated_at"]
        )
    _write_content(template, data)
    log_transition(
        template,
        "import",
        by=by,
        previous=previous_status,
        target=ChecklistTemplate.Status.PUBLISHED,
        comment="; ".join(outcome.details),
        data={"file": file.name, "content_hash": digest},
    )


def _require_template_manager(by: User) -> None:
    if not (by.is_active and by.is_staff and by.has_perm("checklists.change_checklisttemplate")):
        raise PermissionDenied(_("You may not manage checklist templates."))


@transaction.atomic
def template_copy_as_draft(*, template: ChecklistTemplate, by: User) -> ChecklistTemplate:
    """Copy a template version, with its sections and items, into a new draft version of the
    same code (the next version number). The draft is not offered to audits until published.

    Raises PermissionDenied unless `by` may manage checklist templates. Logged on the draft.
    """
    _require_template_manager(by)
    # Lock the newest version of the code so two copies never pick the same number.
    newest = (
        ChecklistTemplate.objects.select_for_update()
        .filter(code=template.code)
        .order_by("-version")
        .first()
    )
    source = ChecklistTemplate.objects.prefetch_related("sections", "items").get(pk=template.pk)
    data = template_data(source)
    draft = ChecklistTemplate.objects.create(
        code=source.code,
        version=newest.version + 1,
        content_hash=content_hash(data),
        status=ChecklistTemplate.Status.DRAFT,
        source_file="",
        **_header(data),
    )
    _write_content(draft, data)
    log_transition(
        draft,
        "copy",
        by=by,
        target=draft.status,
        comment=_("Copied from version %(v)d.") % {"v": source.version},
        data={"from_version": source.version},
    )
    return draft


@transaction.atomic
def template_update_draft(
    *,
    template: ChecklistTemplate,
    by: User,
    standard: str,
    title_vi: str,
    title_en: str,
    description_vi: str = "",
    description_en: str = "",
) -> ChecklistTemplate:
    """Change the texts of a draft version (items change through a data file: export, edit,
    import). Raises DomainError (`template_not_draft`) for a published version and
    PermissionDenied unless `by` may manage templates. Recomputes the content hash."""
    _require_template_manager(by)
    template = ChecklistTemplate.objects.select_for_update().get(pk=template.pk)
    if template.is_published:
        raise DomainError(
            _("A published checklist version cannot be changed; copy it into a new draft."),
            code="template_not_draft",
        )
    template.standard = standard.strip()
    template.title_vi, template.title_en = title_vi.strip(), title_en.strip()
    template.description_vi, template.description_en = (
        description_vi.strip(),
        description_en.strip(),
    )
    source = ChecklistTemplate.objects.prefetch_related("sections", "items").get(pk=template.pk)
    data = template_data(source)
    data.update(
        standard=template.standard,
        title={"vi": template.title_vi, "en": template.title_en},
        description={"vi": template.description_vi, "en": template.description_en},
    )
    template.content_hash = content_hash(data)
    template.save(update_fields=[*_header(data), "content_hash", "updated_at"])
    return template


@transaction.atomic
def template_publish(*, template: ChecklistTemplate, by: User) -> ChecklistTemplate:
    """Publish a draft version: from now on new audits of its scheme pin it (when it is the
    newest published version). Raises DomainError `template_not_draft` when already published,
    `template_empty` when it has no items; PermissionDenied unless `by` may manage templates.
    Logged on the template."""
    template = ChecklistTemplate.objects.select_for_update().get(pk=template.pk)
    if template.is_published:
        raise DomainError(
            _("Version %(v)d of %(code)s is already published.")
            % {"v": template.version, "code": template.code},
            code="template_not_draft",
        )
    _require_template_manager(by)
    if not template.items.exists():
        raise DomainError(
            _("A checklist without items cannot be published."), code="template_empty"
        )
    previous = template.status
    template.status = ChecklistTemplate.Status.PUBLISHED
    template.save(update_fields=["status", "updated_at"])
    log_transition(template, "publish", by=by, previous=previous, target=template.status)
    return template


# --- Audits: the pinned version and the answers ---------------------------------------------


def checklist_pin(*, audit: Audit, by: User | None = None) -> AuditChecklist:
    """Pin the checklist version `audit` uses: the newest published version of its scheme's
    template (for a surveillance audit, the `-surveillance` template of the scheme's code when
    one is published). Called when the audit is created; idempotent: a second call returns the
    existing pin, so later versions never change an audit's checklist.

    Raises DomainError `checklist_missing` when the scheme has no published template.
    """
    pin = AuditChecklist.objects.select_related("template").filter(audit_id=audit.pk).first()
    if pin is not None:
        return pin
    template = template_for_audit(audit)
    if template is None:
        raise DomainError(
            _("No published checklist template for the scheme of this audit: import one first."),
            code="checklist_missing",
        )
    try:
        with transaction.atomic():
            return AuditChecklist.objects.create(audit=audit, template=template, pinned_by=by)
    except IntegrityError:
        # Pinned meanwhile by a concurrent call: that pin stands.
        return AuditChecklist.objects.select_related("template").get(audit_id=audit.pk)


def _item_id(answer: Any) -> int | None:
    """The item id an answer names (an int, or digits as text from a form)."""
    value = answer.get("item") if isinstance(answer, dict) else None
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _clean_answers(
    raw: list[dict[str, Any]], items: dict[int, ChecklistItem], audit: Audit, template_id: int
) -> tuple[list[tuple[ChecklistItem, str, str, str]], dict[str, list[ValidationError]]]:
    """Check each answer on its own; return (item, result, note, evidence) rows and the
    errors keyed by item code (or by the id given when it names no item)."""
    errors: dict[str, list[ValidationError]] = {}
    rows: list[tuple[ChecklistItem, str, str, str]] = []
    seen: set[int] = set()

    def refuse(key: str, message: str, code: str) -> None:
        errors.setdefault(key, []).append(ValidationError(message, code=code))

    for position, answer in enumerate(raw, start=1):
        item_id = _item_id(answer)
        item = items.get(item_id) if isinstance(item_id, int) else None
        if item is None or item.template_id != template_id:
            given = answer.get("item") if isinstance(answer, dict) else None
            key = _("answer %(n)d") % {"n": position} if given is None else str(given)
            message = (
                _("%(code)s is not an item of this audit's checklist.") % {"code": item.code}
                if item
                else _("No checklist item %(id)s in this audit's checklist.") % {"id": given}
            )
            refuse(item.code if item else key, message, "unknown_item")
            continue
        if item.pk in seen:
            refuse(item.code, _("%(code)s is answered twice.") % {"code": item.code}, "duplicate")
            continue
        seen.add(item.pk)
        if not item.applies_to_audit(audit):
            refuse(
                item.code,
                _("%(code)s is not checked in a %(kind)s audit.")
                % {"code": item.code, "kind": audit.get_kind_display()},
                "not_applicable_to_kind",
            )
            continue
        result = answer.get("result")
        if result not in ChecklistAnswer.Result.values:
            refuse(
                item.code,
                _("%(code)s: unknown result “%(result)s”.") % {"code": item.code, "result": result},
                "invalid_result",
            )
            continue
        note, evidence = answer.get("note") or "", answer.get("evidence") or ""
        if not isinstance(note, str) or not isinstance(evidence, str):
            refuse(
                item.code,
                _("%(code)s: the note must be text.") % {"code": item.code},
                "invalid_note",
            )
            continue
        if result in ChecklistAnswer.NOTE_REQUIRED and not note.strip():
            refuse(
                item.code,
                _("%(code)s: a note is required for “%(result)s”.")
                % {"code": item.code, "result": ChecklistAnswer.Result(result).label},
                "note_required",
            )
            continue
        rows.append((item, result, note.strip(), evidence.strip()))
    return rows, errors


def lock_audit_for_answers(
    audit: Audit | int,
    by: User,
    *,
    within: QuerySet[Audit] | None = None,
    **annotations: Any,
) -> Audit:
    """Lock the audit whose checklist `by` answers, and check that they may: it is in progress
    (DomainError `audit_not_in_progress`) and they work on its team (PermissionDenied). The
    lock also reads what the permission needs (the team role, the assessor grant on the body)
    and any extra `annotations` of the caller: one query instead of three or more.

    `audit` may be an id with `within`, the audits the caller may see (Audit.DoesNotExist when
    it is not among them), saving the caller its own read."""
    audit = (
        (Audit.objects if within is None else within)
        .select_for_update(of=("self",))
        .select_related(
            "application__scheme",
            "application__body",
            "certificate__scheme",
            "certificate__body",
            "checklist",
        )
        .annotate(
            by_team_role=Subquery(
                AuditTeamMember.objects.filter(audit_id=OuterRef("pk"), user_id=by.pk).values(
                    "role"
                )[:1]
            ),
            by_is_assessor=Exists(
                UserObjectPermission.objects.filter(
                    user_id=by.pk,
                    permission__codename=ROLE_PERMISSIONS[Role.ASSESSOR],
                    content_type=ContentType.objects.get_for_model(Organisation),
                    object_pk=Cast(
                        Coalesce(
                            OuterRef("application__body_id"), OuterRef("certificate__body_id")
                        ),
                        CharField(),
                    ),
                )
            ),
            **annotations,
        )
        .get(pk=getattr(audit, "pk", audit))
    )
    if audit.state != Audit.State.IN_PROGRESS:
        raise DomainError(
            _("Checklist answers are saved while the audit is in progress."),
            code="audit_not_in_progress",
        )
    allowed = working_on_team(
        is_assessor=by.is_active and audit.by_is_assessor, role=audit.by_team_role
    )
    if allowed is not True:
        raise PermissionDenied(allowed or _("Only the audit team fills in its checklist."))
    return audit


@transaction.atomic
def checklist_save_answers(
    *,
    audit: Audit | int,
    answers: list[dict[str, Any]],
    by: User,
    within: QuerySet[Audit] | None = None,
) -> list[ChecklistAnswer]:
    """Save a batch of checklist answers (`{"item": id, "result": …, "note": …}`, optionally
    `"evidence"` for a finding raised by the answer) in one transaction, in a fixed number of
    queries whatever their number.

    Only a team member other than an observer (an assessor of the body) answers, and only
    while the audit is in progress. Each item must belong to the audit's pinned version and
    apply to its kind; a note is required for not_applicable, minor and major.
    A minor or major answer is linked to a finding: the one it already has, else the audit's
    existing finding for that item code, else a new finding (description: the note; due date
    from the scheme: today + major_close_days or minor_plan_days), logged as `raise`. Changing
    an answer away from minor/major leaves its finding alone (the team decides about it).

    `audit` may be given by its id with `within`, the audits the caller may see: the lock then
    reads it (Audit.DoesNotExist when it is not among them), saving the caller its own read.

    Raises DomainError `audit_not_in_progress`, PermissionDenied for anyone else, and
    ValidationError (messages by item code; nothing saved) for invalid answers.
    """
    audit = lock_audit_for_answers(audit, by, within=within)
    if not isinstance(answers, list | tuple):
        raise ValidationError(_("Send a list of answers."), code="invalid")
    if not answers:
        return []
    try:
        pin = audit.checklist
    except AuditChecklist.DoesNotExist:
        pin = checklist_pin(audit=audit, by=by)  # an audit planned before pinning existed

    # 1. Validate every answer against the pinned version before writing anything.
    #    The items come with the finding their answer links to (one query).
    ids = {_item_id(answer) for answer in answers} - {None}
    items = {
        item.pk: item
        for item in ChecklistItem.objects.filter(pk__in=ids).annotate(
            linked_finding_id=Subquery(
                ChecklistAnswer.objects.filter(audit_id=audit.pk, item_id=OuterRef("pk")).values(
                    "finding_id"
                )[:1]
            )
        )
    }
    rows, errors = _clean_answers(answers, items, audit, pin.template_id)
    if errors:
        raise ValidationError(errors)

    linked = {pk: item.linked_finding_id for pk, item in items.items() if item.linked_finding_id}
    return _write_answers(audit, rows, by=by, version=_next_version(audit, pin), linked=linked)


def _next_version(audit: Audit, pin: AuditChecklist) -> int:
    """Raise the audit's sync version by one (one query; the caller holds the audit's lock)."""
    pin.sync_version += 1
    AuditChecklist.objects.filter(pk=pin.pk).update(sync_version=pin.sync_version)
    return pin.sync_version


def _write_answers(
    audit: Audit,
    rows: list[tuple[ChecklistItem, str, str, str]],
    *,
    by: User,
    version: int,
    linked: dict[int, int | None] | None = None,
) -> list[ChecklistAnswer]:
    """Write validated (item, result, note, evidence) rows of a locked audit in a fixed number
    of queries, with the findings minor and major answers need; `linked` (item id → finding
    id of the current answers) saves a query when the caller has read them already."""
    if not rows:
        return []
    # 2. Findings: keep an answer's link, else reuse the audit's finding for the item, else
    #    raise a new one.
    if linked is None:
        linked = dict(
            ChecklistAnswer.objects.filter(
                audit=audit, item_id__in=[r[0].pk for r in rows]
            ).values_list("item_id", "finding_id")
        )
    needing = [
        r for r in rows if r[1] in ChecklistAnswer.NONCONFORMITIES and not linked.get(r[0].pk)
    ]
    by_code: dict[str, int] = {}
    if needing:
        for finding_id, code in (
            Finding.objects.filter(
                audit=audit, checklist_item_code__in=[r[0].code for r in needing]
            )
            .order_by("id")
            .values_list("id", "checklist_item_code")
        ):
            by_code[code] = finding_id  # the latest one for the code
    scheme, day = audit.scheme, clock.today()
    new_findings = {
        item.pk: Finding(
            audit=audit,
            checklist_item_code=item.code,
            severity=result,
            description=note,
            evidence=evidence,
            clause_reference=item.clause,
            clause_status=item.clause_status,
            due_date=Finding.due_date_for(result, scheme, day),
            raised_by=by,
        )
        for item, result, note, evidence in needing
        if item.code not in by_code
    }
    if new_findings:
        Finding.objects.bulk_create(new_findings.values())
        _log_raised(list(new_findings.values()), by=by)

    # 3. One upsert for all answers.
    now = timezone.now()
    saved = [
        ChecklistAnswer(
            audit=audit,
            item=item,
            result=result,
            note=note,
            answered_by=by,
            answered_at=now,
            version=version,
            finding_id=(
                linked.get(item.pk)
                or (new_findings[item.pk].pk if item.pk in new_findings else None)
                or (by_code.get(item.code) if result in ChecklistAnswer.NONCONFORMITIES else None)
            ),
        )
        for item, result, note, _evidence in rows
    ]
    return ChecklistAnswer.objects.bulk_create(
        saved,
        update_conflicts=True,
        unique_fields=["audit", "item"],
        update_fields=["result", "note", "answered_by", "answered_at", "finding", "version"],
    )


def _log_raised(findings: list[Finding], *, by: User) -> None:
    """The `raise` entries of findings created together (one insert)."""
    content_type = ContentType.objects.get_for_model(Finding)
    actor_name = by.get_full_name()[:200]
    LogEntry.objects.bulk_create(
        LogEntry(
            content_type=content_type,
            object_id=str(finding.pk),
            object_repr=str(finding)[:255],
            transition="raise",
            source_state="",
            target_state=Finding.State.OPEN,
            actor=by,
            actor_name=actor_name,
            data={
                "severity": finding.severity,
                "due_date": finding.due_date,
                "checklist_item_code": finding.checklist_item_code,
            },
        )
        for finding in findings
    )
