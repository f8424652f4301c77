"""What a person is told around an action: before one that cannot be undone (or that others see
at once), the consequence; after a transition, what happens next and who acts.

The pages ask first: a button whose form carries `data-confirm` opens a dialog restating the
consequence (core/static/core/app.js); without JavaScript the form submits as it is.
Both are keyed by the model's label and the transition's name."""

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


NEXT_STEPS = {
    ("certification.Application", "submit"): _(
        "The certification body reviews the application; you are notified when it starts or if "
        "it asks for changes."
    ),
    ("certification.Application", "resubmit"): _(
        "The certification body reviews the completed application; you are notified of its answer."
    ),
    ("certification.Application", "start_review"): _(
        "Check completeness and competence, then accept the application with its contract or "
        "request a revision."
    ),
    ("certification.Application", "request_revision"): _(
        "The enterprise is notified and completes its file; it comes back to you when resubmitted."
    ),
    ("certification.Application", "accept"): _(
        "Plan the stage 1 audit and form its team from the application's page."
    ),
    ("certification.Application", "reject"): _("The enterprise is notified with your reason."),
    ("certification.Application", "submit_for_decision"): _(
        "A decision maker of the body decides; the enterprise and you are notified of the decision."
    ),
    ("certification.Application", "return_to_evaluation"): _(
        "The officers complete the evaluation and submit the file for a decision again."
    ),
    ("certification.Application", "grant"): _(
        "The certificate is issued and published on the public register; the enterprise is "
        "notified and its signed documents follow in a few minutes."
    ),
    ("certification.Application", "refuse"): _(
        "The enterprise is notified with the reasons and may appeal."
    ),
    ("certification.Application", "withdraw"): _(
        "The certification body is told; the file is closed and kept in the history."
    ),
    ("audits.Audit", "start"): _(
        "Fill in the checklist, raise findings and record the trace tests, then submit the report."
    ),
    ("audits.Audit", "submit_report"): _(
        "The body's officer approves the report or returns it to you with a comment."
    ),
    ("audits.Audit", "approve_report"): _(
        "The enterprise is notified of the findings and answers them; the application continues "
        "when they are dealt with."
    ),
    ("audits.Audit", "return_report"): _(
        "The lead is notified, corrects the report and submits it again."
    ),
    ("audits.Audit", "cancel"): _("The team is told. Plan a new audit when it can take place."),
    ("audits.Finding", "accept_plan"): _(
        "The enterprise carries out its action; verify and close the finding once its evidence "
        "is attached."
    ),
    ("audits.Finding", "reject_response"): _(
        "The enterprise is told your reason and responds again."
    ),
    ("audits.Finding", "verify"): _("The finding is closed."),
    ("audits.Finding", "acknowledge"): _("The observation is closed."),
    ("certification.Certificate", "suspend"): _(
        "The enterprise is notified. Reinstate or withdraw the certificate before the suspension "
        "ends."
    ),
    ("certification.Certificate", "reinstate"): _(
        "The certificate is valid again on the public page; the enterprise is notified."
    ),
    ("certification.Certificate", "withdraw"): _(
        "The enterprise is notified and the public page shows the certificate as withdrawn."
    ),
}


def next_step(obj: models.Model, name: str) -> str:
    """What happens after transition `name` of `obj` and who acts, or "" when nothing to say."""
    text = NEXT_STEPS.get((obj._meta.label, name))
    return str(text) if text is not None else ""
