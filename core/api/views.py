"""Building blocks of every app's API.

- `ApiViewSet`: a collection read through the app's selectors (objects a user may not see
  answer 404), with filters named after fields, search, ordering and pagination;
- `TransitionsMixin` + `with_transitions`: `transitions/`, `transitions/<name>/` and
  `history/` for every object with a state, calling the same services as the pages;
- `TokenView` (same lockout as the sign-in page), `ScopedThrottle`, `NotFoundView`.
"""

import datetime
import math
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import authenticate, user_logged_in
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import JsonResponse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, serializers
from rest_framework.decorators import action
from rest_framework.filters import BaseFilterBackend, OrderingFilter, SearchFilter
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView
from rest_framework.viewsets import GenericViewSet

from core import workflow
from core.api.auth import token_for
from core.limits import TEXT_MAX_LENGTH
from core.models import LogEntry
from core.net import client_ip
from core.services import history_of
from core.workflow import transitions_for

# The largest primary key the databases store (a 64-bit signed integer).
_MAX_ID = 2**63 - 1

# --- Throttles ----------------------------------------------------------------------------


# The sliding log of one throttle key kept in a Redis sorted set (score: request time): drop
# the times at or before the window's start, count, and add this one if under the limit, in
# one atomic step.
# ARGV: now, start of the window, limit, this request's member, seconds to keep the log.
# Returns {1, count before this request} when allowed, {0, count, oldest time in the window}
# when refused (what wait() needs). With a second key, only when that key holds ARGV[6] (else
# {-1, 0}: nothing counted): a caller that counts a request only if a cached answer is still
# current checks both in one round trip.
_SLIDING_LOG = """
if #KEYS > 1 and redis.call('GET', KEYS[2]) ~= ARGV[6] then
  return {-1, 0}
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[2])
local count = redis.call('ZCARD', KEYS[1])
if count >= tonumber(ARGV[3]) then
  return {0, count, redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')[2]}
end
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[4])
redis.call('EXPIRE', KEYS[1], ARGV[5])
return {1, count}
"""
_scripts: dict[int, Any] = {}


def _redis_backend(cache):
    """The Django Redis cache behind `cache` (DRF's default is the default cache's proxy), or
    None for any other kind of cache."""
    from django.core.cache import DEFAULT_CACHE_ALIAS, caches
    from django.core.cache import cache as default_cache
    from django.core.cache.backends.redis import RedisCache

    backend = caches[DEFAULT_CACHE_ALIAS] if cache is default_cache else cache
    return backend if isinstance(backend, RedisCache) else None


class ScopedThrottle(ScopedRateThrottle):
    """Scoped throttle that reads the rates when a request comes (settings may change).

    With a Redis cache, each key's sliding log of request times lives in a Redis sorted set
    and is checked and updated there in one step: DRF's own reads and writes the whole list
    of the window's request times (pickled) on every request, a cost that grows with the
    allowed rate. Same rule (at most N requests in any window of the scope's duration), same
    Retry-After; other caches use DRF's implementation."""

    def allow_request(self, request, view):
        return bool(self._count(request, view, None))

    def allow_request_if(self, request, view, key: str, value) -> bool | None:
        """`allow_request`, only while the throttle's cache holds `value` under `key`: None
        (and nothing counted) when it does not. With Redis, one round trip for both."""
        return self._count(request, view, (key, value))

    def _count(self, request, view, condition) -> bool | None:
        backend = _redis_backend(self.cache)
        if backend is None:
            if condition is not None and self.cache.get(condition[0]) != condition[1]:
                return None
            return super().allow_request(request, view)
        # ScopedRateThrottle's set-up, then SimpleRateThrottle's rule against Redis.
        self.scope = getattr(view, self.scope_attr, None)
        self.rate = self.get_rate() if self.scope else None
        self.key = self.get_cache_key(request, view) if self.rate is not None else None
        if self.key is None:  # nothing to count
            if condition is not None and self.cache.get(condition[0]) != condition[1]:
                return None
            return True
        self.num_requests, self.duration = self.parse_rate(self.rate)
        self.now = self.timer()
        client = backend._cache.get_client(write=True)
        script = _scripts.get(id(client))
        if script is None:
            script = _scripts[id(client)] = client.register_script(_SLIDING_LOG)
        keys = [backend.make_key(f"{self.key}:log")]
        args = [
            repr(self.now),
            repr(self.now - self.duration),
            self.num_requests,
            uuid.uuid4().hex,
            math.ceil(self.duration),
        ]
        if condition is not None:
            keys.append(backend.make_key(condition[0]))
            args.append(backend._cache._serializer.dumps(condition[1]))
        allowed, count, *oldest = script(keys=keys, args=args)
        if allowed == -1:
            return None
        # Only a refusal asks for wait(), and only then is the oldest time read.
        self._window = (int(count), float(oldest[0]) if oldest and oldest[0] else None)
        return bool(allowed)

    def wait(self):
        """Seconds until a request is allowed again, as DRF's wait() counts them."""
        window = getattr(self, "_window", None)
        if window is None:
            return super().wait()
        count, oldest = window
        remaining = self.duration - (self.now - oldest) if oldest is not None else self.duration
        available = self.num_requests - count + 1
        if available <= 0:
            return None
        return remaining / float(available)

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


def updated_field_of(view) -> str | None:
    """The field that changes whenever a row of the view's collection changes: the view's
    `updated_field`, else `updated_at` when the model has it."""
    declared = getattr(view, "updated_field", None)
    if declared:
        return declared
    serializer = getattr(view, "serializer_class", None)
    model = getattr(getattr(serializer, "Meta", None), "model", None)
    if model is not None and any(f.name == "updated_at" for f in model._meta.fields):
        return "updated_at"
    return None


def parse_moment(raw: str) -> datetime.datetime | None:
    """An ISO 8601 date-time (a date means its midnight, local time), aware and in UTC; None if
    not one. In UTC because PostgreSQL takes offsets up to ±15:59, ISO 8601 up to ±23:59."""
    raw = raw.strip().replace(" ", "+")  # a `+` sent unescaped in a query string
    moment = parse_datetime(raw)
    if moment is None:
        day = parse_date(raw)
        if day is None:
            return None
        moment = datetime.datetime.combine(day, datetime.time())
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    try:
        return moment.astimezone(datetime.UTC)
    except OverflowError:  # 0001-01-01T00:00+01:00 is before year 1 in UTC
        return None


class UpdatedSinceFilter(BaseFilterBackend):
    """`?updated_since=<ISO 8601 date-time>`: the rows created or changed at or after that
    moment, for incremental synchronisation (with `?ordering=updated_at`)."""

    param = "updated_since"

    def filter_queryset(self, request, queryset, view):
        raw = request.query_params.get(self.param)
        field = updated_field_of(view)
        if raw in (None, "") or field is None:
            return queryset
        try:
            moment = parse_moment(raw) if "\x00" not in raw else None
        except ValueError:  # a well-formed date that does not exist (31 February)
            moment = None
        if moment is None:
            raise exceptions.ValidationError(
                {self.param: [_("Enter a date and time in ISO 8601, e.g. 2026-05-01T08:00:00Z.")]}
            )
        return queryset.filter(**{f"{field}__gte": moment})

    def get_schema_operation_parameters(self, view):
        if updated_field_of(view) is None:
            return []
        return [
            {
                "name": self.param,
                "required": False,
                "in": "query",
                "description": "Only rows created or changed at or after this moment "
                "(ISO 8601). Sync with `ordering=updated_at`.",
                "schema": {"type": "string", "format": "date-time"},
            }
        ]


class StableOrderingFilter(OrderingFilter):
    """`?ordering=` over the view's `ordering_fields` plus its updated field and `id`, listed
    in the schema; the id always breaks ties, so paging never skips or repeats a row."""

    def get_valid_fields(self, queryset, view, context=None):
        names = list(getattr(view, "ordering_fields", None) or [])
        updated = updated_field_of(view)
        for extra in (updated, "id"):
            if extra and extra not in names:
                names.append(extra)
        return [(name, name) for name in names]

    def filter_queryset(self, request, queryset, view):
        ordering = list(self.get_ordering(request, queryset, view) or [])
        if not ordering:  # the selector's own order (or the model's), kept
            ordering = list(queryset.query.order_by) or list(queryset.model._meta.ordering)
        names = {term.lstrip("-") for term in ordering if isinstance(term, str)}
        if not names & {"id", "pk"}:
            ordering.append("id")
        return queryset.order_by(*ordering)

    def get_schema_operation_parameters(self, view):
        names = [name for name, _label in self.get_valid_fields(None, view)]
        return [
            {
                "name": self.ordering_param,
                "required": False,
                "in": "query",
                "description": "Order by this field (`-` first: descending). "
                "Ties are broken by `id`.",
                "schema": {
                    "type": "string",
                    "enum": [value for name in names for value in (name, f"-{name}")],
                },
            }
        ]


# --- Collections --------------------------------------------------------------------------


class ApiViewSet(GenericViewSet):
    """A collection read through the app's selectors.

    Subclasses give `visible()` (the rows the user may see, loaded for the serializer) and
    `fetch(pk)` (one row, Http404 when the user may not see it)."""

    filter_backends = [FieldFilter, UpdatedSinceFilter, SearchFilter, StableOrderingFilter]
    filter_fields: dict[str, Filter] = {}
    # The field `?updated_since=` compares (default: the model's `updated_at`).
    updated_field: str | None = None
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

    # name → the request serializer of that transition (set by `with_transitions`).
    step_requests: dict[str, type[serializers.Serializer]] = {}

    def make_transition(self, request, name: str) -> Response:
        """`POST …/{id}/transitions/<name>/`: state and permission first (409 / 403), then the
        fields (400), then the step's service; 200 with the updated object."""
        obj = self.get_object()
        step = self.steps[name]
        fields = self.step_requests.get(name) or step.fields or CommentSerializer
        given = fields(data=request.data, context=self.get_serializer_context())
        if not given.is_valid():
            # State and permission come first, as in core.workflow.execute.
            problem = workflow.blocker(obj, name)
            if problem:
                raise problem
            refused = workflow.refusal(obj, name, request.user)
            if refused:
                raise DjangoPermissionDenied(refused)
            raise exceptions.ValidationError(given.errors)
        step.service(**{self.subject: obj}, by=request.user, **given.validated_data)
        return Response(self.get_serializer(self.get_object()).data)

    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def history(self, request, pk=None):
        obj = self.get_object()
        return Response(LogEntrySerializer(history_of(obj), many=True).data)


def _camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


def _required_copy(field: serializers.Field) -> serializers.Field:
    """A new instance of `field` that must be given (and not blank)."""
    kwargs = {k: v for k, v in field._kwargs.items() if k not in ("default", "required")}
    if isinstance(field, serializers.CharField):
        kwargs["allow_blank"] = False
    return type(field)(*field._args, required=True, **kwargs)


def _transition_custom(model: type, name: str) -> dict:
    for field in model._meta.fields:
        if hasattr(field, "get_all_transitions"):
            for tr in field.get_all_transitions(model):
                if tr.name == name:
                    return tr.custom
    return {}


def _step_request(model: type, viewset: type, name: str, step: Step) -> type:
    """The request serializer of one transition: `comment` plus the step's own fields, those
    the transition requires (`custom["requires"]`) marked required."""
    base = step.fields or CommentSerializer
    custom = _transition_custom(model, name)
    requires = tuple(custom.get("requires", ()))
    declared = base._declared_fields
    overrides = {
        field_name: _required_copy(declared[field_name])
        for field_name in requires
        if field_name in declared and not declared[field_name].required
    }
    model_name = model.__name__
    return type(
        f"{model_name}{_camel(name)}Serializer",
        (base,),
        {
            **overrides,
            "__doc__": f"What the transition `{name}` takes.",
        },
    )


def _step_action(name: str, label: str, request: type, detail: type) -> Callable:
    def handler(self, req, pk=None):
        return self.make_transition(req, name)

    handler.__name__ = f"transition_{name}"
    handler.__doc__ = f"{label}."
    handler = action(
        detail=True,
        methods=["post"],
        url_path=f"transitions/{name}",
        url_name=f"transition-{name.replace('_', '-')}",
        pagination_class=None,
        filter_backends=[],
    )(handler)
    # After @action (which replaces the function's kwargs, where the schema is kept).
    return extend_schema(
        summary=f"Transition `{name}`: {label}",
        request=request,
        responses={200: detail},
    )(handler)


def with_transitions(viewset: type) -> type:
    """Class decorator: one endpoint per transition of `viewset`, `POST
    …/{id}/transitions/<name>/`, each with its own request schema (what that transition
    needs), and the documentation of `transitions/` and `history/`."""
    detail = viewset.serializer_class
    model = detail.Meta.model
    viewset.step_requests = {}
    for name, step in viewset.steps.items():
        request = _step_request(model, viewset, name, step)
        viewset.step_requests[name] = request
        label = str(_transition_custom(model, name).get("label", name))
        setattr(viewset, f"transition_{name}", _step_action(name, label, request, detail))
    extend_schema_view(
        transitions=extend_schema(
            summary="What the current user may do now, and why not",
            responses=TransitionSerializer(many=True),
        ),
        history=extend_schema(
            summary="The object's log entries, oldest first",
            responses=LogEntrySerializer(many=True),
        ),
    )(viewset)
    return viewset


# --- Token --------------------------------------------------------------------------------


class CredentialsSerializer(serializers.Serializer):
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

    public = True
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [ScopedThrottle]
    throttle_scope = "token"
    no_conflicts = True

    @extend_schema(request=CredentialsSerializer, responses={200: TokenSerializer})
    def post(self, request):
        given = CredentialsSerializer(data=request.data)
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
