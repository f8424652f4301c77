"""What a person is told before an action that cannot be undone (or that others see at once).

The pages ask first: a button whose form carries `data-confirm` opens a dialog restating the
consequence (core/static/core/app.js); without JavaScript the form submits as it is.
Keyed by the model's label and the transition's name."""

from django.db import models
from django.utils.translation import gettext_lazy as _

CONSEQUENCES = {
    ("certification.Application", "withdraw"): _(
        "The application %(object)s will be withdrawn. The certification body stops all work on "
        "it and it cannot be reopened: to be certified later you must file a new application."
    ),
    ("certification.Application", "reject"): _(
        "The application %(object)s will be rejected. This is final: the enterprise must file a "
        "new application and is told the reason you give."
    ),
    ("certification.Application", "refuse"): _(
        "Certification will be refused for %(object)s. This decision is final; the enterprise is "
        "notified and may appeal."
    ),
    ("certification.Application", "grant"): _(
        "Certification will be granted for %(object)s: the certificate is issued, signed and "
        "shown on the public register at once. This cannot be undone."
    ),
    ("audits.Audit", "cancel"): _(
        "The audit will be cancelled. It cannot be restarted: another audit must be planned."
    ),
    ("certification.Certificate", "withdraw"): _(
        "The certificate %(object)s will be withdrawn (revoked). The public page shows it as "
        "withdrawn at once and the enterprise must stop using it. This cannot be undone."
    ),
    ("certification.Certificate", "suspend"): _(
        "The certificate %(object)s will be suspended. The public page shows it as suspended at "
        "once, until it is reinstated."
    ),
    ("certification.BodyRegistration", "reject"): _(
        "The registration will be rejected. This is final: the body must file a new one."
    ),
    ("certification.BodyRegistration", "revoke"): _(
        "The registration will be revoked: the body may no longer certify under this scheme. "
        "This cannot be undone."
    ),
    ("certification.BodyRegistration", "suspend"): _(
        "The registration will be suspended: the body may not accept applications under this "
        "scheme until it is reinstated."
    ),
    ("certification.Appeal", "dismiss"): _(
        "The appeal will be dismissed. This closes it for good and the appellant is notified."
    ),
    ("certification.Appeal", "uphold"): _(
        "The appeal will be upheld. This closes it for good and the appellant is notified."
    ),
}


def consequence(obj: models.Model, name: str) -> str:
    """The sentence to confirm before transition `name` of `obj`, or "" when none is asked."""
    text = CONSEQUENCES.get((obj._meta.label, name))
    if text is None:
        return ""
    label = getattr(obj, "number", "") or str(obj)
    return str(text) % {"object": label}
