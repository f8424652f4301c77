"""The OpenAPI schema class: what drf-spectacular infers, plus the error responses."""

from drf_spectacular.openapi import AutoSchema

from core.api import ErrorSerializer, ValidationErrorSerializer


class Schema(AutoSchema):
    """Adds the error responses an operation can give to what drf-spectacular infers:
    400 for writes and filtered lists, 401/403 where credentials count, 404 everywhere
    (unknown or invisible object, page out of range), 409 for writes, 413/415 for uploads,
    429 for throttled views."""

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
