"""Functions of apps built alongside this one, looked up when called.

The checklists app and `certification.services.certificate_surveillance_done` may not exist yet
in a given build; an absent one counts as "nothing to report" (or "nothing to do"). A module
that exists but fails to import is a real error and is not hidden.
"""

import importlib
from collections.abc import Callable
from typing import Any


def optional_function(module_path: str, name: str) -> Callable[..., Any] | None:
    """`module_path.name` if that module and function exist, else None."""
    try:
        module = importlib.import_module(module_path)
    except ModuleNotFoundError as exc:
        if exc.name and (module_path == exc.name or module_path.startswith(f"{exc.name}.")):
            return None
        raise
    return getattr(module, name, None)


def count_of(result: Any) -> int:
    """How many items a reader returned: an int as is, a queryset counted, else its length."""
    if isinstance(result, bool):
        return int(result)
    if isinstance(result, int):
        return result
    if hasattr(result, "exists") and hasattr(result, "count"):
        return result.count()
    return len(list(result))
