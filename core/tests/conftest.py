"""The certification workflow's fixtures, for the API tests that need an application or a
certificate in a given state."""

from certification.tests.conftest import (  # noqa: F401 (fixtures)
    certificate,
    decision_pending,
    draft,
    evaluated,
    in_evaluation,
    registration,
    scheme,
    submitted,
    under_review,
)
