"""An import of a spreadsheet: checked first (the dry run), stored only when confirmed."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from core.models import TimeStampedModel
from core.workflow import SYSTEM, guard
from imports import rules


@guard("rows_refused", _("Some rows are refused: correct the file and upload it again."))
def no_row_refused(batch) -> bool:
    return batch.refused == 0


class ImportBatch(FSMModelMixin, TimeStampedModel):
    """One uploaded file of one kind into one body or one jurisdiction.

    The file itself is never kept: its rows (as read), name and SHA-256 are, with the dry run's
    report (created / updated / unchanged / refused per row, with column and reason)."""

    class State(models.TextChoices):
        PREVIEWED = "previewed", _("Checked, waiting for confirmation")  # dry run done
        QUEUED = "queued", _("Confirmed, waiting")  # confirmed, waiting for the worker
        RUNNING = "running", _("Importing")  # the worker writes the rows
        DONE = "done", _("Imported")  # every row stored (or already there)
        FAILED = "failed", _("Failed, nothing stored")  # refused at import; nothing stored

    kind = models.CharField(_("kind"), max_length=32)
    state = FSMField(
        _("state"), max_length=12, choices=State.choices, default=State.PREVIEWED, protected=True
    )
    body = models.ForeignKey(
        "certification.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("certification body"),
    )
    jurisdiction = models.ForeignKey(
        "certification.Province",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("jurisdiction"),
    )
    file_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveIntegerField(_("size (bytes)"))
    # [{"row": n, "values": {column: text}}] as read from the file.
    rows = models.JSONField(_("rows"), default=list)
    # [{"row": n, "action": …, "key": …, "errors": [{"column": …, "message": …}], "note": …}]
    report = models.JSONField(_("report"), default=list)
    created = models.PositiveIntegerField(_("created"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    refused = models.PositiveIntegerField(_("refused"), default=0)
    progress_done = models.PositiveIntegerField(_("rows processed"), default=0)
    progress_total = models.PositiveIntegerField(_("rows to process"), default=0)
    error = models.TextField(_("error"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    # Who confirmed: the imported records are theirs ("imported by").
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("confirmed by"),
    )
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(body__isnull=False, jurisdiction__isnull=True)
                | Q(body__isnull=True, jurisdiction__isnull=False),
                name="import_batch_body_or_jurisdiction",
            )
        ]
        indexes = [models.Index(fields=["body", "created_at"])]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.kind})"

    @property
    def scope(self):
        return self.body if self.body_id else self.jurisdiction

    @property
    def percent(self) -> int:
        if self.state in (self.State.DONE, self.State.FAILED):
            return 100
        if not self.progress_total:
            return 0
        return min(99, int(100 * self.progress_done / self.progress_total))

    @transition(
        field=state,
        source=State.PREVIEWED,
        target=State.QUEUED,
        conditions=[no_row_refused],
        permission=rules.importer,
        custom={"label": _("Confirm the import")},
    )
    def confirm(self):
        pass

    @transition(
        field=state,
        source=State.QUEUED,
        target=State.RUNNING,
        permission=SYSTEM,
        custom={"label": _("Start"), "system": True},
    )
    def start(self):
        pass

    @transition(
        field=state,
        source=State.RUNNING,
        target=State.DONE,
        permission=SYSTEM,
        custom={"label": _("Finish"), "system": True},
    )
    def finish(self):
        pass

    @transition(
        field=state,
        source=[State.QUEUED, State.RUNNING],
        target=State.FAILED,
        permission=SYSTEM,
        custom={"label": _("Fail"), "system": True},
    )
    def fail(self):
        pass
