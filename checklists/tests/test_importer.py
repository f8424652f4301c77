import io
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command
from django.utils import translation

from checklists.importer import (
    ChecklistImportError,
    content_hash,
    dump_yaml,
    parse_file,
    template_data,
)
from checklists.models import ChecklistItem, ChecklistSection, ChecklistTemplate
from checklists.services import ImportOutcome, template_import
from checklists.tests.conftest import SURVEILLANCE_FILE, SYSTEM_FILE
from core.models import LogEntry


@pytest.fixture(autouse=True)
def _english_messages():
    # These tests read the importer's wording; they pin the language it is written in.
    with translation.override("en"):
        yield


pytestmark = pytest.mark.django_db

SYSTEM = "tcvn-12850-2019-system"


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("import_checklists", *args, stdout=out)
    return out.getvalue()


def refusal(*args: str) -> str:
    with pytest.raises(CommandError) as refused:
        run(*args)
    return str(refused.value)


def item_of(content: dict, code: str) -> dict:
    return next(i for s in content["sections"] for i in s["items"] if i["code"] == code)


def snapshot() -> list[tuple]:
    """Everything the import writes, to compare before and after."""
    return [
        *ChecklistTemplate.objects.values_list("code", "version", "content_hash", "updated_at"),
        *ChecklistItem.objects.values_list("pk", "code", "requirement_en"),
        (LogEntry.objects.count(),),
    ]


# --- acceptance 1 ---------------------------------------------------------------------------


def test_importing_into_an_empty_database_creates_the_tcvn_12850_template_in_both_languages():
    output = run()

    template = ChecklistTemplate.objects.get(code=SYSTEM, version=1)
    assert template.status == ChecklistTemplate.Status.PUBLISHED
    assert template.standard == "TCVN 12850:2019"
    assert template.source_file == SYSTEM_FILE.name
    assert len(template.content_hash) == 64
    sections = list(template.sections.order_by("position"))
    assert [s.code for s in sections] == ["A", "B", "C", "D", "E", "F"]
    items = list(template.items.select_related("section").order_by("position"))
    assert len(items) == 56
    assert all(i.section.template_id == template.pk for i in items)
    for text in ("requirement", "guidance", "evidence"):
        assert all(getattr(i, f"{text}_vi") and getattr(i, f"{text}_en") for i in items), text
    assert all(s.title_vi and s.title_en for s in sections)
    assert template.title_vi and template.title_en
    surveillance = ChecklistTemplate.objects.filter(code="tcvn-12850-2019-surveillance")
    # v1: 22 core items; v2: every item of the system checklist and the mark-use item M-01.
    assert [(t.version, t.items.count()) for t in surveillance.order_by("version")] == [
        (1, 22),
        (2, 57),
    ]
    assert "56 items in 6 sections" in output


def test_running_the_import_again_changes_nothing_and_says_so():
    run()
    before = snapshot()

    output = run()

    assert snapshot() == before
    assert output.count("unchanged") >= 2
    assert "Nothing changed" in output


def test_a_dry_run_shows_the_new_versions_and_writes_nothing():
    output = run("--dry-run")

    assert "new template version" in output
    assert "Dry run" in output
    assert not ChecklistTemplate.objects.exists()
    assert not LogEntry.objects.exists()


def test_an_import_is_logged_on_the_template():
    run(str(SYSTEM_FILE))

    entry = LogEntry.objects.get()
    assert entry.transition == "import"
    assert entry.target_state == "published"
    assert entry.data["file"] == SYSTEM_FILE.name


# --- changes ----------------------------------------------------------------------------


def test_a_file_with_a_new_version_number_adds_that_version_and_leaves_the_old_one(
    system_content, write_template
):
    run(str(SYSTEM_FILE))
    old_items = list(ChecklistItem.objects.values_list("pk", "code", "requirement_en"))
    system_content["version"] = 2
    system_content["sections"][0]["items"].pop(1)
    item_of(system_content, "B-03")["requirement"]["en"] = "Trace codes follow TCVN 13274:2020."

    output = run(str(write_template(system_content)))

    v2 = ChecklistTemplate.objects.get(code=SYSTEM, version=2)
    assert v2.items.count() == 55
    assert v2.is_published
    assert "items removed (1): A-02" in output
    assert "items changed (1): B-03" in output
    v1 = ChecklistTemplate.objects.get(code=SYSTEM, version=1)
    assert list(v1.items.values_list("pk", "code", "requirement_en")) == old_items


def test_a_version_no_audit_used_is_updated_in_place_when_its_file_changes(
    system_content, write_template
):
    run(str(SYSTEM_FILE))
    template = ChecklistTemplate.objects.get(code=SYSTEM, version=1)
    item_of(system_content, "C-10")["severity"] = "minor"

    path = write_template(system_content)

    output = run(str(path))

    template.refresh_from_db()
    assert template.items.get(code="C-10").severity == "minor"
    assert template.items.count() == 56
    assert ChecklistTemplate.objects.filter(code=SYSTEM).count() == 1
    assert template.content_hash == content_hash(parse_file(path).data)
    assert "changed" in output
    assert "items changed (1): C-10" in output


def test_the_content_hash_ignores_layout_and_the_order_of_audit_kinds(
    system_content, write_template
):
    run(str(SYSTEM_FILE))
    item = item_of(system_content, "A-01")
    item["applies_to"] = list(reversed(item["applies_to"]))
    item["clause"] = f"  {item['clause']}  "

    output = run(str(write_template(system_content)))

    assert "unchanged" in output


# --- export ----------------------------------------------------------------------------------


def test_an_exported_version_imports_again_without_any_change(tmp_path):
    run()
    before = snapshot()
    target = tmp_path / "exported.yaml"

    call_command(
        "export_checklist",
        SYSTEM,
        "1",
        "--output",
        str(target),
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    output = run(str(target))

    assert snapshot() == before
    assert "unchanged" in output
    exported = yaml.safe_load(target.read_text(encoding="utf-8"))
    original = parse_file(SYSTEM_FILE).data
    assert parse_file(target).data == original
    assert exported["code"] == SYSTEM and exported["version"] == 1
    assert sum(len(s["items"]) for s in exported["sections"]) == 56


def test_export_writes_to_standard_output_without_a_path():
    run(str(SURVEILLANCE_FILE))
    out = io.StringIO()

    call_command("export_checklist", "tcvn-12850-2019-surveillance", "1", stdout=out)

    assert yaml.safe_load(out.getvalue())["code"] == "tcvn-12850-2019-surveillance"


def test_exporting_a_version_that_does_not_exist_is_refused():
    with pytest.raises(CommandError, match="no version 7"):
        call_command("export_checklist", SYSTEM, "7", stdout=io.StringIO())


def test_the_database_and_its_export_hash_like_the_file():
    run(str(SYSTEM_FILE))
    template = ChecklistTemplate.objects.prefetch_related("sections", "items").get()
    data = template_data(template)

    assert content_hash(data) == template.content_hash
    assert yaml.safe_load(dump_yaml(data))["sections"][0]["items"][0]["code"] == "A-01"


# --- acceptance 4: invalid files ---------------------------------------------------------


def _problem_codes(paths: list[Path]) -> list[tuple[str, str, str]]:
    with pytest.raises(ChecklistImportError) as refused:
        template_import(paths=paths)
    return [(p.file, p.where, p.code) for p in refused.value.problems]


def test_an_item_without_a_code_is_refused_naming_the_file_and_the_item(
    system_content, write_template
):
    del system_content["sections"][1]["items"][2]["code"]
    path = write_template(system_content, "missing-code.yaml")

    message = refusal(str(path))

    assert "missing-code.yaml" in message
    assert _problem_codes([path]) == [("missing-code.yaml", "item 3 of section B", "missing_code")]
    assert not ChecklistTemplate.objects.exists()


def test_a_duplicate_item_code_is_refused_naming_the_file_and_the_item(
    system_content, write_template
):
    item_of(system_content, "F-14")["code"] = "F-13"
    path = write_template(system_content, "duplicate.yaml")

    message = refusal(str(path))

    assert "duplicate.yaml" in message and "F-13" in message
    assert ("duplicate.yaml", "item F-13", "duplicate_code") in _problem_codes([path])


def test_an_unknown_severity_is_refused_naming_the_file_and_the_item(
    system_content, write_template
):
    item_of(system_content, "D-04")["severity"] = "critical"
    path = write_template(system_content, "severity.yaml")

    message = refusal(str(path))

    assert "severity.yaml" in message and "D-04" in message and "critical" in message
    assert _problem_codes([path]) == [("severity.yaml", "item D-04", "unknown_severity")]


def test_an_unknown_audit_kind_is_refused_naming_the_item(system_content, write_template):
    item_of(system_content, "E-02")["applies_to"] = ["stage2", "stage3"]
    path = write_template(system_content, "kind.yaml")

    assert _problem_codes([path]) == [("kind.yaml", "item E-02", "unknown_audit_kind")]
    assert "E-02" in refusal(str(path))


def test_a_missing_english_text_is_refused_naming_the_item(system_content, write_template):
    del item_of(system_content, "B-07")["requirement"]["en"]
    item_of(system_content, "B-08")["guidance"]["vi"] = "  "
    path = write_template(system_content, "text.yaml")

    problems = _problem_codes([path])

    assert problems == [
        ("text.yaml", "item B-07", "missing_text"),
        ("text.yaml", "item B-08", "missing_text"),
    ]
    message = refusal(str(path))
    assert "requirement.en" in message and "guidance.vi" in message


def test_a_file_that_is_not_valid_yaml_is_refused_with_its_line(write_template):
    path = write_template("code: x\nsections:\n  - code: A\n   items: [\n", "broken.yaml")

    message = refusal(str(path))

    assert "broken.yaml" in message and "line" in message
    assert _problem_codes([path])[0][2] == "bad_yaml"


def test_a_key_given_twice_is_refused(system_content, write_template):
    text = SYSTEM_FILE.read_text(encoding="utf-8").replace(
        'severity: "minor"', 'severity: "minor"\n        severity: "major"', 1
    )
    path = write_template(text, "twice.yaml")

    assert _problem_codes([path])[0][2] == "bad_yaml"


def test_an_unknown_field_is_refused(system_content, write_template):
    item_of(system_content, "A-01")["severty"] = "major"

    assert _problem_codes([write_template(system_content, "typo.yaml")]) == [
        ("typo.yaml", "item A-01", "unknown_field")
    ]


def test_a_template_without_a_version_number_is_refused(system_content, write_template):
    system_content["version"] = "1"

    assert _problem_codes([write_template(system_content, "v.yaml")]) == [
        ("v.yaml", "", "invalid_version")
    ]


def test_two_files_with_the_same_version_are_refused(system_content, write_template):
    path = write_template(system_content, "copy.yaml")

    assert _problem_codes([SYSTEM_FILE, path]) == [("copy.yaml", "", "duplicate_version")]


def test_a_valid_file_beside_an_invalid_one_imports_nothing(system_content, write_template):
    item_of(system_content, "A-01")["severity"] = "fatal"
    system_content["code"] = "another-checklist"
    invalid = write_template(system_content)

    message = refusal(str(SURVEILLANCE_FILE), str(invalid))

    assert "Nothing was imported" in message
    assert not ChecklistTemplate.objects.exists()
    assert not ChecklistSection.objects.exists()


def test_every_problem_of_a_file_is_reported_at_once(system_content, write_template):
    item_of(system_content, "A-01")["severity"] = "fatal"
    item_of(system_content, "F-01")["applies_to"] = []

    problems = _problem_codes([write_template(system_content, "many.yaml")])

    assert [p[1:] for p in problems] == [
        ("item A-01", "unknown_severity"),
        ("item F-01", "missing_applies_to"),
    ]


def test_the_shipped_data_files_are_valid():
    for path in (SYSTEM_FILE, SURVEILLANCE_FILE):
        assert parse_file(path).problems == []


# --- texts in the active language ---------------------------------------------------------


def test_texts_follow_the_active_language():
    run(str(SYSTEM_FILE))
    item = ChecklistItem.objects.select_related("section", "template").get(code="A-01")

    with translation.override("en"):
        assert item.requirement == item.requirement_en
        assert item.section.title == "Scope and system definition"
        assert item.template.title == item.template.title_en
    with translation.override("vi"):
        assert item.requirement == item.requirement_vi
        assert item.guidance == item.guidance_vi
        assert item.evidence == item.evidence_vi
        assert item.section.title == "Phạm vi và xác định hệ thống"


def test_outcomes_say_what_each_file_does():
    outcomes = template_import(paths=[SYSTEM_FILE], dry_run=True)

    assert [(o.code, o.version, o.action) for o in outcomes] == [
        (SYSTEM, 1, ImportOutcome.Action.NEW)
    ]


def test_importing_the_file_of_an_unused_draft_updates_and_publishes_it(tmp_path, admin_user):
    from checklists.services import template_copy_as_draft

    run(str(SYSTEM_FILE))
    draft = template_copy_as_draft(template=ChecklistTemplate.objects.get(), by=admin_user)
    target = tmp_path / "draft.yaml"
    call_command("export_checklist", SYSTEM, "2", "--output", str(target), stderr=io.StringIO())
    content = yaml.safe_load(target.read_text(encoding="utf-8"))
    item_of(content, "E-04")["severity"] = "minor"
    target.write_text(yaml.safe_dump(content, allow_unicode=True), encoding="utf-8")

    output = run(str(target))

    draft.refresh_from_db()
    assert draft.status == ChecklistTemplate.Status.PUBLISHED
    assert draft.items.get(code="E-04").severity == "minor"
    assert "items changed (1): E-04" in output and "draft published" in output
