"""Building blocks of every app's API.

- `ApiViewSet`: a collection read through the app's selectors (objects a user may not see
  answer 404), with filters named after fields, search, ordering and pagination;
- `TransitionsMixin` + `with_transitions`: `transitions/`, `transitions/<name>/` and
  `history/` for every object with a state, calling the same services as the pages;
- `TokenView` (same lockout as the sign-in page), `ScopedThrottle`, `NotFoundView`.
"""

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import authenticate, user_logged_in
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import JsonResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, serializers
from rest_framework.decorators import action
from rest_framework.filters import BaseFilterBackend, OrderingFilter, SearchFilter
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView
from rest_framework.viewsets import GenericViewSet

from core.api.auth import token_for
from core.limits import TEXT_MAX_LENGTH
from core.models import LogEntry
from core.net import client_ip
from core.services import history_of
from core.workflow import blocker, refusal, transitions_for

# The largest primary key the databases store (a 64-bit signed integer).
_MAX_ID = 2**63 - 1

# --- Throttles ----------------------------------------------------------------------------


class ScopedThrottle(ScopedRateThrottle):
    """Scoped throttle that reads the rates when a request comes (settings may change)."""

    def get_rate(self):
        rates = api_settings.DEFAULT_THROTTLE_RATES or {}
        if self.scope not in rates:
            raise exceptions.APIException(f"No throttle rate for scope {self.scope!r}.")
        return rates[self.scope]

    def get_ident(self, request):
        # The address TRUSTED_PROXIES vouches for, never a client-chosen X-Forwarded-For.
        return client_ip(request)


# --- Filters ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filter:
    """`?<name>=<value>` filters rows on `lookup` (or through `apply(queryset, value)`);
    `kind` is "str", "int" or "bool"; `choices` lists the values accepted."""

    lookup: str = ""
    kind: str = "str"
    choices: tuple[str, ...] = ()
    apply: Callable[[Any, Any], Any] | None = None


class FieldFilter(BaseFilterBackend):
    """Filters named after fields (the view's `filter_fields`: name → Filter)."""

    def filter_queryset(self, request, queryset, view):
        errors = {}
        for name, spec in getattr(view, "filter_fields", {}).items():
            raw = request.query_params.get(name)
            if raw is None or raw == "":
                continue
            if "\x00" in raw:
                errors[name] = [_("Null characters are not allowed.")]
                continue
            if spec.kind == "int":
                if not (raw.isascii() and raw.isdigit()) or int(raw) > _MAX_ID:
                    errors[name] = [_("Enter a whole number.")]
                    continue
                value: Any = int(raw)
            elif spec.kind == "bool":
                if raw.lower() not in ("true", "false", "1", "0"):
                    errors[name] = [_("Enter true or false.")]
                    continue
                value = raw.lower() in ("true", "1")
            else:
                if spec.choices and raw not in spec.choices:
                    errors[name] = [
                        _("Choose one of: %(values)s.") % {"values": ", ".join(spec.choices)}
                    ]
                    continue
                value = raw
            if spec.apply is not None:
                queryset = spec.apply(queryset, value)
            else:
                queryset = queryset.filter(**{spec.lookup: value})
        if errors:
            raise exceptions.ValidationError(errors)
        return queryset

    def get_schema_operation_parameters(self, view):
        parameters = []
        for name, spec in getattr(view, "filter_fields", {}).items():
            schema: dict[str, Any] = {
                "int": {"type": "integer", "minimum": 1, "maximum": _MAX_ID},
                "bool": {"type": "boolean"},
            }.get(spec.kind, {"type": "string"})
            if spec.choices:
                schema["enum"] = list(spec.choices)
            parameters.append({"name": name, "required": False, "in": "query", "schema": schema})
        return parameters


# --- Collections --------------------------------------------------------------------------


class ApiViewSet(GenericViewSet):
    """A collection read through the app's selectors.

    Subclasses give `visible()` (the rows the user may see, loaded for the serializer) and
    `fetch(pk)` (one row, Http404 when the user may not see it)."""

    filter_backends = [FieldFilter, SearchFilter, OrderingFilter]
    filter_fields: dict[str, Filter] = {}
    list_serializer_class: type[serializers.Serializer] | None = None

    def visible(self):
        raise NotImplementedError

    def fetch(self, pk: int):
        raise NotImplementedError

    def get_queryset(self):
        return self.visible()

    def get_object(self):
        raw = str(self.kwargs[self.lookup_url_kwarg or self.lookup_field])
        if not (raw.isascii() and raw.isdigit()) or int(raw) > _MAX_ID:
            raise exceptions.NotFound()
        return self.fetch(int(raw))

    def get_serializer_class(self):
        if self.action == "list" and self.list_serializer_class is not None:
            return self.list_serializer_class
        return super().get_serializer_class()

    def created(self, obj) -> Response:
        """201 with the new object as its detail shows it."""
        return Response(self.get_serializer(self.fetch(obj.pk)).data, status=201)


class ReadOnlyApiViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    pass


# --- Transitions ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """How the API makes one transition: the service to call, and the serializer of the
    fields it takes besides `comment` (None when it takes none)."""

    service: Callable[..., Any]
    fields: type[serializers.Serializer] | None = None


class TransitionSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
    target = serializers.CharField()
    allowed = serializers.BooleanField()
    reason = serializers.CharField(allow_blank=True)
    code = serializers.CharField(
        allow_blank=True, help_text="Guard code (or `forbidden`) when not allowed."
    )
    requires = serializers.ListField(child=serializers.CharField())


class LogEntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = LogEntry
        fields = [
            "id",
            "transition",
            "source_state",
            "target_state",
            "actor",
            "actor_name",
            "comment",
            "data",
            "created_at",
        ]


class CommentSerializer(serializers.Serializer):
    comment = serializers.CharField(
        max_length=TEXT_MAX_LENGTH, required=False, allow_blank=True, default=""
    )


class TransitionsMixin:
    """`GET …/{id}/transitions/`, `POST …/{id}/transitions/<name>/`, `GET …/{id}/history/`.

    `steps` maps each transition a person makes to its service; `subject` is the keyword
    the services take the object under. System transitions are absent: 404."""

    steps: dict[str, Step] = {}
    subject: str = ""

    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def transitions(self, request, pk=None):
        obj = self.get_object()
        rows = [row for row in transitions_for(obj, request.user) if row.name in self.steps]
        return Response(TransitionSerializer(rows, many=True).data)

    @action(
        detail=True,
        methods=["post"],
        url_path=r"transitions/(?P<name>[a-z_]+)",
        pagination_class=None,
        filter_backends=[],
    )
    def transition(self, request, pk=None, name=None):
        obj = self.get_object()
        step = self.steps.get(name)
        if step is None:
            raise exceptions.NotFound(_("No such transition."))
        fields = step.fields or CommentSerializer
        given = fields(data=request.data, context=self.get_serializer_context())
        if not given.is_valid():
            # State and permission come first, as in core.workflow.execute.
            problem = blocker(obj, name)
            if problem:
                raise problem
            refused = refusal(obj, name, request.user)
            if refused:
                raise DjangoPermissionDenied(refused)
            raise exceptions.ValidationError(given.errors)
        step.service(**{self.subject: obj}, by=request.user, **given.validated_data)
        return Response(self.get_serializer(self.get_object()).data)

    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def history(self, request, pk=None):
        obj = self.get_object()
        return Response(LogEntrySerializer(history_of(obj), many=True).data)


def _transition_request(viewset: type) -> type[serializers.Serializer]:
    """For the schema: comment plus every field any of the viewset's transitions takes."""
    fields: dict[str, serializers.Field] = {
        "comment": serializers.CharField(
            max_length=TEXT_MAX_LENGTH, required=False, allow_blank=True
        )
    }
    for step in viewset.steps.values():
        if step.fields is None:
            continue
        for name, field in step.fields._declared_fields.items():
            if name not in fields:
                field = copy.deepcopy(field)
                field.required = False
                fields[name] = field
    return type(
        f"{viewset.__name__.removesuffix('ViewSet')}TransitionRequest",
        (serializers.Serializer,),
        fields,
    )


def with_transitions(viewset: type) -> type:
    """Class decorator: documents the transition endpoints of `viewset` (names, body, reply)."""
    detail = viewset.serializer_class
    extend_schema_view(
        transitions=extend_schema(
            summary="What the current user may do now, and why not",
            responses=TransitionSerializer(many=True),
        ),
        transition=extend_schema(
            summary="Make a transition",
            parameters=[
                OpenApiParameter(
                    "name", OpenApiTypes.STR, OpenApiParameter.PATH, enum=sorted(viewset.steps)
                )
            ],
            request=_transition_request(viewset),
            responses={200: detail},
        ),
        history=extend_schema(
            summary="The object's log entries, oldest first",
            responses=LogEntrySerializer(many=True),
        ),
    )(viewset)
    return viewset


# --- Token --------------------------------------------------------------------------------


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150, trim_whitespace=False)
    password = serializers.CharField(max_length=128, trim_whitespace=False)
    otp = serializers.CharField(
        max_length=32,
        required=False,
        default="",
        allow_blank=True,
        help_text="The authenticator app's code, for users with two-factor sign-in.",
    )


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()


class TokenView(APIView):
    """`POST {"username", "password"}` → `{"token"}`. Wrong credentials → 400 without saying
    which part was wrong; repeated failures lock the account from that address (django-axes,
    the same rule as the sign-in page); throttled per address."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [ScopedThrottle]
    throttle_scope = "token"
    no_conflicts = True

    @extend_schema(request=TokenRequestSerializer, responses={200: TokenSerializer})
    def post(self, request):
        given = TokenRequestSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        # django-axes records and locks on the Django request (its middleware answers 429).
        user = authenticate(
            request=request._request,
            username=given.validated_data["username"],
            password=given.validated_data["password"],
        )
        if user is None:
            raise exceptions.ValidationError(
                {api_settings.NON_FIELD_ERRORS_KEY: [_("Unable to sign in with these details.")]}
            )
        from core.two_factor import has_two_factor, verify_code

        if has_two_factor(user) and verify_code(user, given.validated_data.get("otp", "")) is None:
            raise exceptions.ValidationError(
                {"otp": [_("Give the code of your authenticator app (two-factor sign-in).")]}
            )
        user_logged_in.send(sender=type(user), request=request._request, user=user)
        return Response({"token": token_for(user).key})


class NotFoundView(APIView):
    """Any other path under the API: a JSON 404 (never the HTML page)."""

    permission_classes = [AllowAny]
    schema = None

    def dispatch(self, request, *args, **kwargs):
        return JsonResponse({"detail": _("Not found."), "code": "not_found"}, status=404)
