"""The OpenAPI schema class: what drf-spectacular infers, plus the error responses, the
`security: []` of public routes, and (`postprocess`) the enum of error codes."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema

from core.api import ErrorSerializer, ValidationErrorSerializer


class Schema(AutoSchema):
    """Adds the error responses an operation can give to what drf-spectacular infers:
    400 for writes and filtered lists, 401/403 where credentials count, 404 everywhere
    (unknown or invisible object, page out of range), 409 for writes, 413/415 for uploads,
    429 for throttled views. A view with `public = True` needs no credentials at all:
    `security: []`."""

    def get_operation(self, *args, **kwargs):
        operation = super().get_operation(*args, **kwargs)
        if operation is not None and getattr(self.view, "public", False):
            operation["security"] = []
        return operation

    def get_paginated_name(self, serializer_name: str) -> str:
        # `PaginatedApplicationList`, not `PaginatedApplicationListList`.
        return f"Paginated{serializer_name.removesuffix('List')}List"

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        codes = ["404"]
        write = self.method in ("POST", "PUT", "PATCH", "DELETE")
        if write or getattr(self.view, "filter_fields", None):
            codes.append("400")
        if self.view.authentication_classes:
            codes += ["401", "403"]
        if write and not getattr(self.view, "no_conflicts", False):
            codes.append("409")
        if getattr(self.view, "accepts_uploads", False) and write:
            codes += ["413", "415"]
        if self.view.get_throttles():
            codes.append("429")
        for code in codes:
            if code not in responses:
                serializer = ValidationErrorSerializer if code == "400" else ErrorSerializer
                responses[code] = self._get_response_for_code(serializer, code)
        return dict(sorted(responses.items()))


def error_code_table() -> str:
    """The error codes as a Markdown table (code, HTTP status, meaning)."""
    from core.api.errors import error_codes

    lines = ["| code | HTTP | meaning |", "|---|---|---|"]
    lines += [f"| `{code}` | {status} | {text} |" for code, status, text in error_codes()]
    return "\n".join(lines)


def _nullable_reference(prop: dict) -> dict:
    """`{"allOf": [$ref], "nullable": true}` (what drf-spectacular writes for a nested
    serializer with allow_null) as OpenAPI 3.0.3 means it: `nullable` counts only beside a
    `type`, so validators refuse null there. Written instead as `anyOf` the reference or
    null, which validators and generators agree on."""
    refs = prop.get("allOf")
    if not (prop.get("nullable") is True and isinstance(refs, list) and len(refs) == 1):
        return prop
    rest = {k: v for k, v in prop.items() if k not in ("allOf", "nullable")}
    return {**rest, "anyOf": [refs[0], {"type": "object", "nullable": True, "enum": [None]}]}


def postprocess(result, generator, request, public):
    """SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]: the `ErrorCode` enum (every code an
    error body can carry, with its table) referenced by the error bodies, and the guard code
    of a refused transition described as one of them."""
    from core.api.errors import error_codes

    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["ErrorCode"] = {
        "type": "string",
        "enum": [code for code, _status, _text in error_codes()],
        "description": "Every `code` an error body can carry:\n\n" + error_code_table(),
    }
    for name in ("Error", "ValidationError"):
        if name in schemas:
            schemas[name]["properties"]["code"] = {"$ref": "#/components/schemas/ErrorCode"}
    for component in schemas.values():
        for name, prop in (component.get("properties") or {}).items():
            component["properties"][name] = _nullable_reference(prop)
    transition = schemas.get("Transition", {}).get("properties", {})
    if "code" in transition:
        transition["code"]["description"] = (
            "Empty when allowed; else why not, as an `ErrorCode` "
            "(`permission_denied`, `invalid_state` or a guard's code)."
        )
    return result


class TokenAuthenticationScheme(OpenApiAuthenticationExtension):
    """The token as an HTTP bearer scheme, so generated clients send `Bearer <key>`."""

    target_class = "core.authentication.TokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": (
                "The key from `POST /api/v1/auth/token/`, sent as "
                "`Authorization: Bearer <key>` (or `Authorization: Token <key>`)."
            ),
        }
