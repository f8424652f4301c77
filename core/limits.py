"""Length limits of free text, enforced in the models and the API alike.

Every free-text field (descriptions, notes, reasons, comments, …) takes at most
TEXT_MAX_LENGTH characters: the TextFields declare it (forms and model serializers pick it up),
hand-written serializers declare it, and `enforce_text_lengths` (a pre_save receiver) refuses
an over-long CharField or TextField of this project's models on any path — service, admin,
command — with a ValidationError naming the field (a 400 on the API), also on SQLite, which
does not enforce VARCHAR lengths itself.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _

TEXT_MAX_LENGTH = 10_000

PROJECT_APPS = frozenset(
    {"core", "certification", "audits", "checklists", "documents", "notifications", "oversight"}
)


def too_long_errors(instance: models.Model) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for field in instance._meta.concrete_fields:
        if not isinstance(field, models.CharField | models.TextField) or not field.max_length:
            continue
        value = getattr(instance, field.attname, None)
        if isinstance(value, str) and len(value) > field.max_length:
            errors[field.name] = [
                _("Ensure this field has no more than %(limit)d characters (it has %(n)d).")
                % {"limit": field.max_length, "n": len(value)}
            ]
    return errors


def enforce_text_lengths(sender, instance, raw=False, **kwargs) -> None:
    if raw or sender._meta.app_label not in PROJECT_APPS:
        return
    errors = too_long_errors(instance)
    if errors:
        raise ValidationError(errors)
