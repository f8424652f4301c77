"""Global search: one box for a certificate or application number, an enterprise's name or its
tax code. Each result list is read through the same visibility selector as its own page, so a
person finds exactly what they may open, and nothing else."""

from dataclasses import dataclass, field

from django.db.models import Q

from certification.models import Organisation
from certification.selectors import (
    applications_visible_to,
    certificates_visible_to,
    organisations_visible_to,
)

# Fewer characters find too much to be useful; more than this is not a number or a name.
SEARCH_MIN_LENGTH = 2
SEARCH_MAX_LENGTH = 100
# Rows shown per kind; "more" links to the kind's own list, filtered the same way.
SEARCH_LIMIT = 20


@dataclass
class SearchResults:
    term: str
    applications: list = field(default_factory=list)
    certificates: list = field(default_factory=list)
    enterprises: list = field(default_factory=list)
    more: dict[str, bool] = field(default_factory=dict)

    @property
    def searched(self) -> bool:
        return len(self.term) >= SEARCH_MIN_LENGTH

    @property
    def found(self) -> int:
        return len(self.applications) + len(self.certificates) + len(self.enterprises)


def _enterprise_match(term: str, prefix: str = "enterprise__") -> Q:
    return (
        Q(**{f"{prefix}name__icontains": term})
        | Q(**{f"{prefix}short_name__icontains": term})
        | Q(**{f"{prefix}tax_code__startswith": term})
    )


def _first(queryset, name: str, more: dict[str, bool]) -> list:
    rows = list(queryset[: SEARCH_LIMIT + 1])
    more[name] = len(rows) > SEARCH_LIMIT
    return rows[:SEARCH_LIMIT]


def search_everything(user, term: str) -> SearchResults:
    """What `user` may see matching `term`: applications and certificates by number or by their
    enterprise (name, short name, tax code), and enterprises by name or tax code. Three
    queries whatever the data; none for a term shorter than SEARCH_MIN_LENGTH."""
    term = " ".join(term.split())[:SEARCH_MAX_LENGTH]
    results = SearchResults(term=term)
    if not results.searched:
        return results
    results.applications = _first(
        applications_visible_to(user)
        .filter(Q(number__icontains=term) | _enterprise_match(term))
        .select_related("enterprise", "body", "scheme")
        .order_by("-created_at", "-pk"),
        "applications",
        results.more,
    )
    results.certificates = _first(
        certificates_visible_to(user)
        .filter(Q(number__icontains=term) | _enterprise_match(term))
        .select_related("enterprise", "body")
        .order_by("-issued_on", "-pk"),
        "certificates",
        results.more,
    )
    results.enterprises = _first(
        organisations_visible_to(user)
        .filter(kind=Organisation.Kind.ENTERPRISE)
        .filter(_enterprise_match(term, prefix=""))
        .select_related("province")
        .order_by("name", "pk"),
        "enterprises",
        results.more,
    )
    return results
