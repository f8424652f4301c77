"""Reads about documents that other apps rely on. (Interim: the documents app fills these in.)"""


def document_types_of(owner) -> set[str]:
    """Types of the documents currently attached to `owner` (any version)."""
    return set()
