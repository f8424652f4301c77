"""Reading GS1 EPCIS 2.0 documents (JSON / JSON-LD): validation and normalisation.

No Django here, so the benchmark and the query server can use it as they are. A document is
validated event by event against a small draft-07 schema of the fields the analysis uses (our
own, written from the shapes of GS1's EPCIS 2.0 JSON schema), then each event is reduced to an
`Event` whose identifiers are canonical GS1 keys (`Key`), whatever their form: EPC URNs
(SGTIN, LGTIN, SSCC, SGLN, PGLN, class patterns) or GS1 Digital Link URIs.

Errors name the event index (0-based, as in `epcisBody.eventList[i]`) and the field.
"""

from __future__ import annotations

import datetime
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from urllib.parse import unquote, urlsplit

import jsonschema_rs
from jsonschema import Draft7Validator

EVENT_TYPES = ("ObjectEvent", "AggregationEvent", "TransformationEvent", "AssociationEvent")
ACTIONS = ("ADD", "OBSERVE", "DELETE")
MAX_ERRORS = 50

_TIME = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$"
_OFFSET = r"^[+-]([01]\d|2[0-3]):[0-5]\d$"
_ID = {"type": "string", "minLength": 1, "maxLength": 2000}
_QUANTITY = {
    "type": "object",
    "required": ["epcClass"],
    "properties": {
        "epcClass": _ID,
        "quantity": {"type": "number", "minimum": 0},
        "uom": {"type": "string", "pattern": "^[A-Z0-9]{2,3}$"},
    },
}
_IDS = {"type": "array", "items": _ID}
_QUANTITIES = {"type": "array", "items": _QUANTITY}
_LOCATION = {"type": "object", "required": ["id"], "properties": {"id": _ID}}


def _party_list(name: str) -> dict:
    return {
        "type": "array",
        "items": {
            "type": "object",
            "required": ["type", name],
            "properties": {"type": _ID, name: _ID},
        },
    }


EVENT_SCHEMA: dict = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "type": "object",
    "required": ["type", "eventTime"],
    "properties": {
        "type": {"enum": list(EVENT_TYPES)},
        "eventID": _ID,
        "eventTime": {"type": "string", "pattern": _TIME},
        "recordTime": {"type": "string", "pattern": _TIME},
        "eventTimeZoneOffset": {"type": "string", "pattern": _OFFSET},
        "action": {"enum": list(ACTIONS)},
        "bizStep": _ID,
        "disposition": _ID,
        "readPoint": _LOCATION,
        "bizLocation": _LOCATION,
        "epcList": _IDS,
        "quantityList": _QUANTITIES,
        "parentID": _ID,
        "childEPCs": _IDS,
        "childQuantityList": _QUANTITIES,
        "inputEPCList": _IDS,
        "inputQuantityList": _QUANTITIES,
        "outputEPCList": _IDS,
        "outputQuantityList": _QUANTITIES,
        "transformationID": _ID,
        "sourceList": _party_list("source"),
        "destinationList": _party_list("destination"),
        "ilmd": {"type": "object"},
    },
    "allOf": [
        {
            "if": {"properties": {"type": {"enum": ["ObjectEvent", "AggregationEvent"]}}},
            "then": {"required": ["action"]},
        },
        {
            "if": {"properties": {"type": {"const": "AssociationEvent"}}},
            "then": {"required": ["action", "parentID"]},
        },
    ],
}

_EVENT_LIST = {"type": "array", "maxItems": 5_000_000}
DOCUMENT_SCHEMA: dict = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "type": "object",
    "required": ["type", "epcisBody"],
    "properties": {
        "type": {"enum": ["EPCISDocument", "EPCISQueryDocument"]},
        "schemaVersion": {"type": "string", "pattern": r"^2\.\d+$"},
        "epcisBody": {"type": "object"},
    },
    "allOf": [
        {
            "if": {"properties": {"type": {"const": "EPCISDocument"}}},
            "then": {
                "properties": {
                    "epcisBody": {
                        "required": ["eventList"],
                        "properties": {"eventList": _EVENT_LIST},
                    }
                }
            },
        },
        {
            "if": {"properties": {"type": {"const": "EPCISQueryDocument"}}},
            "then": {
                "properties": {
                    "epcisBody": {
                        "required": ["queryResults"],
                        "properties": {
                            "queryResults": {
                                "type": "object",
                                "required": ["resultsBody"],
                                "properties": {
                                    "resultsBody": {
                                        "type": "object",
                                        "required": ["eventList"],
                                        "properties": {"eventList": _EVENT_LIST},
                                    }
                                },
                            }
                        },
                    }
                }
            },
        },
    ],
}

# The Rust validator answers "valid?" fast (100,000 events in a fraction of a second); the
# Python one explains an invalid event with its path, only when there is something to explain.
_event_check = jsonschema_rs.Draft7Validator(EVENT_SCHEMA)
_event_validator = Draft7Validator(EVENT_SCHEMA)
_document_validator = Draft7Validator(DOCUMENT_SCHEMA)


# --- errors -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One reason a document is refused. `index` is None for the document's envelope."""

    index: int | None
    field: str
    message: str

    def as_dict(self) -> dict:
        return {"event": self.index, "field": self.field, "message": self.message}

    def __str__(self) -> str:
        where = "document" if self.index is None else f"event {self.index}"
        return f"{where}, {self.field}: {self.message}"


class EpcisInvalid(ValueError):
    """The document is not an EPCIS 2.0 document we can read; `problems` says where and why."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(str(p) for p in problems[:5]))
        self.problems = problems


def _path(parts) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _schema_problem(index: int | None, error) -> Problem:
    parts = list(error.absolute_path)
    if error.validator == "required":
        missing = [p for p in error.validator_value if p not in (error.instance or {})]
        parts.append(missing[0] if missing else "?")
        return Problem(index, _path(parts), "required field is missing")
    if error.validator == "enum":
        allowed = ", ".join(str(v) for v in error.validator_value)
        return Problem(index, _path(parts), f"must be one of {allowed}")
    if error.validator == "pattern" and parts and parts[-1] in ("eventTime", "recordTime"):
        return Problem(
            index, _path(parts), "must be an ISO 8601 date-time with a time zone (Z or ±hh:mm)"
        )
    if error.validator == "pattern" and parts and parts[-1] == "eventTimeZoneOffset":
        return Problem(index, _path(parts), "must be an offset such as +07:00")
    return Problem(index, _path(parts) or "(event)", error.message)


# --- identifiers --------------------------------------------------------------------------


def gs1_check_digit(digits: str) -> str:
    """The GS1 mod-10 check digit of `digits` (without the check digit)."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        total += int(char) * (3 if position % 2 == 0 else 1)
    return str((10 - total % 10) % 10)


def gs1_check_ok(number: str) -> bool:
    return number.isdigit() and len(number) > 1 and gs1_check_digit(number[:-1]) == number[-1]


@dataclass(frozen=True, slots=True)
class Key:
    """A canonical identifier: `kind` is lot, sgtin, gtin (class without lot), sscc, gln, party
    or other; `gtin` is GTIN-14 for trade items, `value` the lot, serial, SSCC, GLN or raw text."""

    kind: str
    gtin: str = ""
    value: str = ""

    def __str__(self) -> str:
        if self.kind in ("lot", "sgtin"):
            return f"{self.kind}:{self.gtin}:{self.value}"
        if self.kind == "gtin":
            return f"gtin:{self.gtin}"
        return f"{self.kind}:{self.value}"

    @property
    def label(self) -> str:
        if self.kind == "lot":
            return f"GTIN {self.gtin} · lot {self.value}"
        if self.kind == "sgtin":
            return f"GTIN {self.gtin} · serial {self.value}"
        if self.kind == "gtin":
            return f"GTIN {self.gtin}"
        if self.kind == "sscc":
            return f"SSCC {self.value}"
        if self.kind in ("gln", "party"):
            return f"GLN {self.value}"
        return self.value

    @property
    def lot_key(self) -> Key:
        return self


class BadIdentifier(ValueError):
    pass


_EPC = re.compile(r"^urn:epc:(id|class|idpat):([a-z]+):(.+)$")


def _gtin_from(prefix: str, item_ref: str) -> str:
    if not (prefix.isdigit() and item_ref.isdigit()) or len(prefix + item_ref) != 13:
        raise BadIdentifier("company prefix and item reference must be 13 digits together")
    body = item_ref[0] + prefix + item_ref[1:]
    return body + gs1_check_digit(body)


def _gln_from(prefix: str, ref: str) -> str:
    if not (prefix.isdigit() and ref.isdigit()) or len(prefix + ref) != 12:
        raise BadIdentifier("company prefix and location reference must be 12 digits together")
    return prefix + ref + gs1_check_digit(prefix + ref)


def _parse_urn(text: str) -> Key:
    match = _EPC.match(text)
    if not match:
        raise BadIdentifier("not an EPC URN")
    level, scheme, rest = match.groups()
    parts = rest.split(".")
    if scheme == "sgtin" and len(parts) == 3:
        gtin = _gtin_from(parts[0], parts[1])
        if parts[2] == "*":
            return Key("gtin", gtin)
        return Key("sgtin", gtin, unquote(parts[2]))
    if scheme == "lgtin" and level == "class" and len(parts) == 3:
        return Key("lot", _gtin_from(parts[0], parts[1]), unquote(parts[2]))
    if scheme == "sscc" and len(parts) == 2:
        prefix, serial = parts
        if not (prefix.isdigit() and serial.isdigit()) or len(prefix + serial) != 17:
            raise BadIdentifier("an SSCC has 17 digits before its check digit")
        body = serial[0] + prefix + serial[1:]
        return Key("sscc", value=body + gs1_check_digit(body))
    if scheme == "sgln" and len(parts) == 3:
        gln = _gln_from(parts[0], parts[1])
        extension = unquote(parts[2])
        return Key("gln", value=gln if extension in ("0", "") else f"{gln}.{extension}")
    if scheme == "pgln" and len(parts) == 2:
        return Key("party", value=_gln_from(parts[0], parts[1]))
    # Other EPC schemes (GRAI, GIAI…) are kept as they are: the analysis does not follow them.
    return Key("other", value=text)


def _digital_link(text: str) -> Key | None:
    """A GS1 Digital Link URI on any host: /01/{gtin}[/10/{lot}|/21/{serial}], /00/{sscc},
    /414/{gln}[/254/{ext}], /417/{party gln}. None when the path carries no primary key."""
    segments = [unquote(s) for s in urlsplit(text).path.split("/") if s]
    pairs: dict[str, str] = {}
    for i in range(len(segments) - 1):
        if segments[i] in ("01", "00", "414", "417", "10", "21", "254", "8006"):
            pairs.setdefault(segments[i], segments[i + 1])
    if "01" in pairs:
        gtin = pairs["01"].zfill(14)
        if not gs1_check_ok(gtin) or len(gtin) != 14:
            raise BadIdentifier("the GTIN's check digit is wrong")
        if "10" in pairs:
            return Key("lot", gtin, pairs["10"])
        if "21" in pairs:
            return Key("sgtin", gtin, pairs["21"])
        return Key("gtin", gtin)
    if "00" in pairs:
        sscc = pairs["00"]
        if len(sscc) != 18 or not gs1_check_ok(sscc):
            raise BadIdentifier("an SSCC has 18 digits with a valid check digit")
        return Key("sscc", value=sscc)
    if "414" in pairs:
        gln = pairs["414"]
        if len(gln) != 13 or not gs1_check_ok(gln):
            raise BadIdentifier("a GLN has 13 digits with a valid check digit")
        extension = pairs.get("254", "")
        return Key("gln", value=f"{gln}.{extension}" if extension else gln)
    if "417" in pairs:
        gln = pairs["417"]
        if len(gln) != 13 or not gs1_check_ok(gln):
            raise BadIdentifier("a party GLN has 13 digits with a valid check digit")
        return Key("party", value=gln)
    return None


_KEY_CACHE: dict[str, Key] = {}


def parse_identifier(text: str) -> Key:
    """The canonical key of an identifier; BadIdentifier when it claims to be a GS1 key and is
    malformed. Identifiers in no GS1 form are kept as `other` keys."""
    cached = _KEY_CACHE.get(text)
    if cached is not None:
        return cached
    if text.startswith("urn:epc:"):
        key = _parse_urn(text)
    elif text.startswith(("http://", "https://")):
        key = _digital_link(text) or Key("other", value=text)
    else:
        key = Key("other", value=text)
    if len(_KEY_CACHE) < 200_000:
        _KEY_CACHE[text] = key
    return key


def lot_key(gtin: str, lot: str) -> Key:
    return Key("lot", gtin.zfill(14), lot)


# --- events -------------------------------------------------------------------------------


_VOCAB_PREFIXES = (
    "urn:epcglobal:cbv:bizstep:",
    "urn:epcglobal:cbv:disp:",
    "urn:epcglobal:cbv:sdt:",
    "https://ref.gs1.org/cbv/BizStep-",
    "https://ref.gs1.org/cbv/Disp-",
    "https://ref.gs1.org/cbv/SDT-",
    "cbv:BizStep-",
    "cbv:Disp-",
    "cbv:SDT-",
    "gs1:BizStep-",
    "gs1:Disp-",
    "gs1:SDT-",
)


_VOCAB_CACHE: dict[str, str] = {}


def vocabulary(value: str | None) -> str:
    """The bare CBV term of a business step, disposition or source/destination type, in any of
    its forms (bare word, URN, Web URI, compact URI)."""
    if not value:
        return ""
    cached = _VOCAB_CACHE.get(value)
    if cached is not None:
        return cached
    term = value
    for prefix in _VOCAB_PREFIXES:
        if value.startswith(prefix):
            term = value[len(prefix) :]
            break
    if len(_VOCAB_CACHE) < 10_000:
        _VOCAB_CACHE[value] = term
    return term


# Absent lists share one empty tuple: 100,000 events would otherwise carry a million empty lists.
_NONE: tuple = ()


@dataclass(slots=True)
class Quantity:
    key: Key
    amount: Decimal | None  # None: quantity not stated
    uom: str


@dataclass(slots=True)
class Event:
    index: int
    type: str
    time: datetime.datetime
    tz_offset: str
    action: str = ""
    event_id: str = ""
    biz_step: str = ""
    disposition: str = ""
    read_point: Key | None = None
    biz_location: Key | None = None
    epcs: list[Key] = field(default_factory=list)
    quantities: list[Quantity] = field(default_factory=list)
    parent: Key | None = None
    children: list[Key] = field(default_factory=list)
    child_quantities: list[Quantity] = field(default_factory=list)
    inputs: list[Key] = field(default_factory=list)
    input_quantities: list[Quantity] = field(default_factory=list)
    outputs: list[Key] = field(default_factory=list)
    output_quantities: list[Quantity] = field(default_factory=list)
    sources: list[tuple[str, Key]] = field(default_factory=list)
    destinations: list[tuple[str, Key]] = field(default_factory=list)
    lot_number: str = ""  # ILMD lot of commissioned instances (cbvmda:lotNumber)

    @property
    def label(self) -> str:
        step = self.biz_step or "-"
        return f"#{self.index} {self.type} {self.action} {step}".replace("  ", " ")


@dataclass
class Document:
    """A read document: its kind, creation date and events."""

    type: str
    created: str
    events: list[Event]

    def counts(self) -> dict[str, int]:
        result = dict.fromkeys(EVENT_TYPES, 0)
        for event in self.events:
            result[event.type] += 1
        return result


def _quantities(index: int, name: str, items: list, problems: list[Problem]) -> list[Quantity]:
    if not items:
        return _NONE
    result = []
    for i, item in enumerate(items):
        try:
            key = parse_identifier(item["epcClass"])
        except BadIdentifier as exc:
            problems.append(Problem(index, f"{name}[{i}].epcClass", str(exc)))
            continue
        amount = item.get("quantity")
        try:
            value = None if amount is None else Decimal(str(amount))
        except InvalidOperation:
            problems.append(Problem(index, f"{name}[{i}].quantity", "not a number"))
            continue
        result.append(Quantity(key, value, item.get("uom") or "EA"))
    return result


def _keys(index: int, name: str, items: list, problems: list[Problem]) -> list[Key]:
    if not items:
        return _NONE
    result = []
    for i, item in enumerate(items):
        try:
            result.append(parse_identifier(item))
        except BadIdentifier as exc:
            problems.append(Problem(index, f"{name}[{i}]", str(exc)))
    return result


def _key(index: int, name: str, value: str | None, problems: list[Problem]) -> Key | None:
    if value is None:
        return None
    try:
        return parse_identifier(value)
    except BadIdentifier as exc:
        problems.append(Problem(index, name, str(exc)))
        return None


def _parties(index: int, name: str, role: str, items: list, problems) -> list[tuple[str, Key]]:
    if not items:
        return _NONE
    result = []
    for i, item in enumerate(items):
        try:
            result.append((vocabulary(item["type"]), parse_identifier(item[role])))
        except BadIdentifier as exc:
            problems.append(Problem(index, f"{name}[{i}].{role}", str(exc)))
    return result


def _ilmd_lot(ilmd: dict | None) -> str:
    if not ilmd:
        return ""
    for name, value in ilmd.items():
        if name.rsplit(":", 1)[-1] == "lotNumber" and isinstance(value, str | int):
            return str(value)
    return ""


def read_event(index: int, raw: dict, problems: list[Problem]) -> Event | None:
    """Validate one event and reduce it to an `Event`; problems are appended to `problems`."""
    if not _event_check.is_valid(raw):
        found = [_schema_problem(index, e) for e in _event_validator.iter_errors(raw)]
        problems.extend(found or [Problem(index, "(event)", "not a valid EPCIS event")])
        return None
    before = len(problems)
    try:
        when = datetime.datetime.fromisoformat(raw["eventTime"].replace("Z", "+00:00"))
    except ValueError:
        problems.append(Problem(index, "eventTime", "not a valid date-time"))
        return None
    read_point = raw.get("readPoint")
    location = raw.get("bizLocation")
    event = Event(
        index=index,
        type=raw["type"],
        time=when,
        tz_offset=raw.get("eventTimeZoneOffset", ""),
        action=raw.get("action", ""),
        event_id=raw.get("eventID", ""),
        biz_step=vocabulary(raw.get("bizStep")),
        disposition=vocabulary(raw.get("disposition")),
        read_point=_key(index, "readPoint.id", read_point and read_point["id"], problems),
        biz_location=_key(index, "bizLocation.id", location and location["id"], problems),
        epcs=_keys(index, "epcList", raw.get("epcList", ()), problems),
        quantities=_quantities(index, "quantityList", raw.get("quantityList", ()), problems),
        parent=_key(index, "parentID", raw.get("parentID"), problems),
        children=_keys(index, "childEPCs", raw.get("childEPCs", ()), problems),
        child_quantities=_quantities(
            index, "childQuantityList", raw.get("childQuantityList", ()), problems
        ),
        inputs=_keys(index, "inputEPCList", raw.get("inputEPCList", ()), problems),
        input_quantities=_quantities(
            index, "inputQuantityList", raw.get("inputQuantityList", ()), problems
        ),
        outputs=_keys(index, "outputEPCList", raw.get("outputEPCList", ()), problems),
        output_quantities=_quantities(
            index, "outputQuantityList", raw.get("outputQuantityList", ()), problems
        ),
        sources=_parties(index, "sourceList", "source", raw.get("sourceList", ()), problems),
        destinations=_parties(
            index, "destinationList", "destination", raw.get("destinationList", ()), problems
        ),
        lot_number=_ilmd_lot(raw.get("ilmd")),
    )
    if event.type == "TransformationEvent" and not (
        event.inputs or event.input_quantities or event.outputs or event.output_quantities
    ):
        problems.append(Problem(index, "inputQuantityList", "a transformation names no inputs"))
    return event if len(problems) == before else None


def event_list(data: dict) -> list:
    body = data["epcisBody"]
    if data["type"] == "EPCISQueryDocument":
        return body["queryResults"]["resultsBody"]["eventList"]
    return body["eventList"]


def read_document(content: bytes | str | dict) -> Document:
    """Parse and validate an EPCIS 2.0 JSON / JSON-LD document (an EPCISDocument or an
    EPCISQueryDocument). Raises EpcisInvalid listing up to MAX_ERRORS problems; nothing is
    returned half-read."""
    owned = not isinstance(content, dict)  # a caller's dict is never changed
    if not owned:
        data = content
    else:
        try:
            data = json.loads(content)
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
            raise EpcisInvalid([Problem(None, "(file)", f"not valid JSON: {exc}")]) from exc
    if not isinstance(data, dict):
        raise EpcisInvalid([Problem(None, "(file)", "an EPCIS document is a JSON object")])
    problems = [_schema_problem(None, e) for e in _document_validator.iter_errors(data)]
    if problems:
        raise EpcisInvalid(problems[:MAX_ERRORS])
    raw_events = event_list(data)
    events: list[Event] = []
    for index, raw in enumerate(raw_events):
        if not isinstance(raw, dict):
            problems.append(Problem(index, "(event)", "an event is a JSON object"))
            continue
        event = read_event(index, raw, problems)
        if event is not None and not problems:
            events.append(event)
        if owned:
            raw_events[index] = None  # the raw dict is no longer needed: keep the peak low
        if len(problems) >= MAX_ERRORS:
            break
    if problems:
        raise EpcisInvalid(problems[:MAX_ERRORS])
    if not events:
        raise EpcisInvalid([Problem(None, "epcisBody.eventList", "the document has no events")])
    return Document(type=data["type"], created=str(data.get("creationDate", "")), events=events)
