"""The API's JSON parser: DRF's, refusing bodies nested deeper than any resource needs.

A deeply nested body used to overflow Python's recursion limit inside the decoder (a 500, also
for anonymous callers); now it is a 400 in the API's error shape.
"""

from rest_framework import parsers
from rest_framework.exceptions import ParseError

# No resource of the API nests deeper than a handful of levels.
MAX_JSON_DEPTH = 32


def _too_deep(data, limit: int) -> bool:
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(too_deep_message()) from None
        if _too_deep(data, MAX_JSON_DEPTH):
            raise ParseError(too_deep_message())
        return data


def too_deep_message() -> str:
    from django.utils.translation import gettext as _

    return _("JSON nested more than %(depth)d levels deep is not accepted.") % {
        "depth": MAX_JSON_DEPTH
    }
