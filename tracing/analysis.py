"""Analysis of one traced lot (GTIN + lot) over read EPCIS events. No Django here.

1. Index the events by the keys they name (outputs, inputs, objects, aggregation children,
   shipped containers), with instance-level SGTINs mapped to their lot through the ILMD of
   the event that commissioned them.
2. One step back: the transformations that made the lot, followed inside the enterprise until
   each input lot was either received (a receiving event: supplier and source site) or produced
   at an own site (a commissioning event). An input reached by neither is a gap.
3. One step forward: transformations that consumed the lot, aggregation into pallets (SSCC)
   and the shipping events of the lot or of its pallets: customers and destinations.
4. KDE completeness of every event on the trace, per CTE, against the required list.
5. Mass balance of the lot per unit of measure: made or received against shipped, consumed,
   destroyed and last counted stock, within the tolerance.
6. The result: pass only when both directions were found, no input is of unknown origin and
   every unit of measure balances; each reason named. KDE gaps are proposed minor findings.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from tracing.epcis import Event, Key, Quantity

# Critical tracking events and the key data elements each may require.
CTES = ("commissioning", "receiving", "transformation", "packing", "shipping", "other")
KDES = (
    "what",
    "what_quantity",
    "when",
    "when_tz",
    "where_read_point",
    "where_biz_location",
    "who_source",
    "who_destination",
    "why_biz_step",
    "why_disposition",
)
DEFAULT_REQUIRED_KDES: dict[str, list[str]] = {
    "commissioning": ["what", "when", "when_tz", "where_biz_location", "why_biz_step"],
    "receiving": [
        "what",
        "what_quantity",
        "when",
        "when_tz",
        "where_biz_location",
        "who_source",
        "why_biz_step",
        "why_disposition",
    ],
    "transformation": [
        "what",
        "what_quantity",
        "when",
        "when_tz",
        "where_biz_location",
        "why_biz_step",
    ],
    "packing": ["what", "when", "when_tz", "where_read_point", "why_biz_step"],
    "shipping": [
        "what",
        "what_quantity",
        "when",
        "when_tz",
        "where_read_point",
        "who_destination",
        "why_biz_step",
        "why_disposition",
    ],
    "other": ["what", "when", "when_tz", "why_biz_step"],
}
RECEIVING_STEPS = frozenset({"receiving", "arriving", "accepting"})
SHIPPING_STEPS = frozenset({"shipping", "departing"})
COMMISSIONING_STEPS = frozenset({"commissioning", "creating_class_instance", "harvesting"})
DESTROYING_STEPS = frozenset({"destroying", "decommissioning"})
COUNTING_STEPS = frozenset({"cycle_counting", "inventorying"})
PARTY_TYPES = frozenset({"owning_party", "possessing_party"})
MAX_INTERNAL_STEPS = 20


def cte_of(event: Event) -> str:
    if event.type == "TransformationEvent":
        return "transformation"
    if event.biz_step in RECEIVING_STEPS:
        return "receiving"
    if event.biz_step in SHIPPING_STEPS:
        return "shipping"
    if event.type == "AggregationEvent" or event.biz_step == "packing":
        return "packing"
    if event.type == "ObjectEvent" and event.action == "ADD":
        return "commissioning"
    return "other"


def kde_present(event: Event) -> dict[str, bool]:
    has_what = bool(
        event.epcs
        or event.quantities
        or event.children
        or event.child_quantities
        or event.inputs
        or event.input_quantities
        or event.outputs
        or event.output_quantities
        or event.parent
    )
    quantity_lists = (
        event.quantities,
        event.child_quantities,
        event.input_quantities,
        event.output_quantities,
    )
    has_quantity = any(q.amount is not None for lst in quantity_lists for q in lst) or bool(
        event.epcs or event.children or event.inputs or event.outputs
    )
    return {
        "what": has_what,
        "what_quantity": has_quantity,
        "when": event.time is not None,
        "when_tz": bool(event.tz_offset),
        "where_read_point": event.read_point is not None,
        "where_biz_location": event.biz_location is not None,
        "who_source": any(t in PARTY_TYPES for t, _k in event.sources),
        "who_destination": any(t in PARTY_TYPES for t, _k in event.destinations),
        "why_biz_step": bool(event.biz_step),
        "why_disposition": bool(event.disposition),
    }


@dataclass(frozen=True)
class Rules:
    tolerance_percent: Decimal = Decimal("2")
    required_kdes: dict | None = None

    def required(self, cte: str) -> list[str]:
        table = self.required_kdes if self.required_kdes is not None else DEFAULT_REQUIRED_KDES
        return list(table.get(cte, ()))


class Index:
    """Events by the keys they name. Built once per document, reused for every lot."""

    def __init__(self, events: list[Event]) -> None:
        self.events = events
        self.by_index = {event.index: event for event in events}
        self.serial_lot: dict[Key, Key] = {}
        for event in events:
            if event.lot_number and event.type == "ObjectEvent" and event.action == "ADD":
                for key in event.epcs:
                    if key.kind == "sgtin":
                        self.serial_lot[key] = Key("lot", key.gtin, event.lot_number)
        self.made: dict[Key, list[tuple[Event, Quantity | None]]] = defaultdict(list)
        self.consumed: dict[Key, list[tuple[Event, Quantity | None]]] = defaultdict(list)
        self.observed: dict[Key, list[tuple[Event, Quantity | None]]] = defaultdict(list)
        self.packed: dict[Key, list[tuple[Event, Quantity | None]]] = defaultdict(list)
        self.containers: dict[Key, list[Event]] = defaultdict(list)
        for event in events:
            for key, quantity in self.named(event.outputs, event.output_quantities):
                self.made[key].append((event, quantity))
            for key, quantity in self.named(event.inputs, event.input_quantities):
                self.consumed[key].append((event, quantity))
            for key, quantity in self.named(event.epcs, event.quantities):
                self.observed[key].append((event, quantity))
                if key.kind == "sscc":
                    self.containers[key].append(event)
            if event.type == "AggregationEvent" and event.action != "DELETE":
                for key, quantity in self.named(event.children, event.child_quantities):
                    self.packed[key].append((event, quantity))

    def lot_of(self, key: Key) -> Key:
        return self.serial_lot.get(key, key) if key.kind == "sgtin" else key

    def named(self, keys: list[Key], quantities: list[Quantity]):
        for key in keys:
            lot = self.lot_of(key)
            if lot is key:
                yield key, None
            else:  # one instance of a lot: one each
                yield lot, Quantity(lot, Decimal(1), "EA")
        for quantity in quantities:
            yield quantity.key, quantity


def _party(pairs: list[tuple[str, Key]]) -> list[str]:
    return sorted({str(k.label) for t, k in pairs if t in PARTY_TYPES})


def _sites(pairs: list[tuple[str, Key]]) -> list[str]:
    return sorted({str(k.label) for t, k in pairs if t == "location"})


def _amount(quantity: Quantity | None) -> tuple[Decimal | None, str]:
    if quantity is None:
        return None, ""
    return quantity.amount, quantity.uom


def _fmt(value: Decimal | None) -> str | None:
    return None if value is None else format(value.normalize(), "f")


def _gap(code: str, severity: str, clause: str, message: str, events=(), **params) -> dict:
    """A gap: a stable `code`, its proposed severity and checklist clause, the English
    `message`, the event indexes concerned and the `params` a translated message needs."""
    return {
        "code": code,
        "severity": severity,
        "clause": clause,
        "message": message,
        "events": sorted(set(events)),
        "params": params,
    }


def analyse(index: Index, lot: Key, rules: Rules | None = None) -> dict:
    """The trace of `lot` over `index`, as a JSON-serialisable dict (see module docstring)."""
    rules = rules or Rules()
    gaps: list[dict] = []
    trace_events: set[int] = set()

    # 2. One step back.
    chain: list[dict] = []
    inputs: list[dict] = []
    seen: set[Key] = {lot}
    frontier = [lot]
    steps = 0
    while frontier and steps < MAX_INTERNAL_STEPS:
        steps += 1
        next_frontier: list[Key] = []
        for key in frontier:
            for event, _q in index.made.get(key, ()):
                if event.index in {c["event"] for c in chain}:
                    continue
                trace_events.add(event.index)
                consumed = list(index.named(event.inputs, event.input_quantities))
                chain.append(
                    {
                        "event": event.index,
                        "time": event.time.isoformat(),
                        "biz_step": event.biz_step,
                        "output": key.label,
                        "inputs": [k.label for k, _q in consumed],
                    }
                )
                for input_key, quantity in consumed:
                    if input_key in seen:
                        continue
                    seen.add(input_key)
                    if index.made.get(input_key):
                        next_frontier.append(input_key)
                        continue
                    inputs.append(_origin(index, input_key, quantity, event, trace_events, gaps))
        frontier = next_frontier
    if not chain:
        # Not made here: the lot itself was received or commissioned.
        own = _origin(index, lot, None, None, trace_events, gaps)
        if own["origin"] != "unknown":
            inputs.append(own)
        else:
            gaps.append(
                _gap(
                    "back_not_found",
                    "major",
                    "C-05",
                    f"One step back finds nothing for {lot.label}: no transformation made it "
                    "and no receiving or commissioning event names it.",
                    lot=lot.label,
                )
            )

    # 3. One step forward.
    shipments: list[dict] = []
    outputs: list[dict] = []
    pallets: list[dict] = []
    forward_seen: set[Key] = {lot}
    forward = [lot]
    steps = 0
    while forward and steps < MAX_INTERNAL_STEPS:
        steps += 1
        next_forward: list[Key] = []
        for key in forward:
            shipments += _shipments(index, key, None, trace_events)
            for event, quantity in index.packed.get(key, ()):
                trace_events.add(event.index)
                amount, uom = _amount(quantity)
                parent = event.parent
                shipped = _shipments(index, parent, quantity, trace_events) if parent else []
                pallets.append(
                    {
                        "event": event.index,
                        "pallet": parent.label if parent else "",
                        "lot": key.label,
                        "quantity": _fmt(amount),
                        "uom": uom,
                        "shipped": bool(shipped),
                    }
                )
                for shipment in shipped:
                    shipment["lot"] = key.label
                shipments += shipped
            for event, _q in index.consumed.get(key, ()):
                trace_events.add(event.index)
                for out_key, quantity in index.named(event.outputs, event.output_quantities):
                    amount, uom = _amount(quantity)
                    outputs.append(
                        {
                            "event": event.index,
                            "lot": out_key.label,
                            "quantity": _fmt(amount),
                            "uom": uom,
                        }
                    )
                    if out_key not in forward_seen:
                        forward_seen.add(out_key)
                        next_forward.append(out_key)
        forward = next_forward
    if not shipments:
        gaps.append(
            _gap(
                "forward_not_found",
                "major",
                "C-06",
                f"One step forward finds no shipment of {lot.label} (directly, in a pallet or "
                "as an input of a product that was shipped): its customers cannot be named.",
                lot=lot.label,
            )
        )
    for pallet in pallets:
        if not pallet["shipped"]:
            gaps.append(
                _gap(
                    "pallet_not_shipped",
                    "minor",
                    "B-08",
                    f"Pallet {pallet['pallet']} holding {pallet['lot']} has no shipping event.",
                    [pallet["event"]],
                    pallet=pallet["pallet"],
                    lot=pallet["lot"],
                )
            )
    for shipment in shipments:
        if not shipment["customers"]:
            gaps.append(
                _gap(
                    "customer_missing",
                    "major",
                    "C-06",
                    f"Shipping event #{shipment['event']} names no receiving party.",
                    [shipment["event"]],
                    event=shipment["event"],
                )
            )

    # 4. KDE completeness per CTE.
    kde_rows: list[dict] = []
    missing_by_kde: dict[tuple[str, str], list[int]] = defaultdict(list)
    for number in sorted(trace_events):
        event = index.by_index[number]
        cte = cte_of(event)
        present = kde_present(event)
        missing = [k for k in rules.required(cte) if not present.get(k, False)]
        kde_rows.append(
            {
                "event": number,
                "type": event.type,
                "cte": cte,
                "time": event.time.isoformat(),
                "biz_step": event.biz_step,
                "missing": missing,
            }
        )
        for kde in missing:
            missing_by_kde[(cte, kde)].append(number)
    for (cte, kde), numbers in sorted(missing_by_kde.items()):
        events_text = ", ".join(f"#{n}" for n in numbers)
        gaps.append(
            _gap(
                "kde_missing",
                "minor",
                "C-12" if kde == "when_tz" else "C-03",
                f"KDE '{kde}' missing on {cte} event(s) {events_text}.",
                numbers,
                cte=cte,
                kde=kde,
                event_list=events_text,
            )
        )

    # 5. Mass balance per unit of measure.
    balance = _mass_balance(index, lot, shipments, rules, trace_events)
    for row in balance:
        if not row["within"]:
            gaps.append(
                _gap(
                    "mass_balance",
                    "major",
                    "C-11",
                    f"Mass balance of {lot.label} in {row['uom']}: in {row['in']}, out "
                    f"{row['out']}, difference {row['percent']} % (tolerance "
                    f"{_fmt(rules.tolerance_percent)} %).",
                    lot=lot.label,
                    uom=row["uom"],
                    quantity_in=row["in"],
                    quantity_out=row["out"],
                    percent=row["percent"],
                    tolerance=_fmt(rules.tolerance_percent),
                )
            )
    if not balance:
        gaps.append(
            _gap(
                "mass_balance_unmeasurable",
                "major",
                "C-11",
                f"No quantities of {lot.label} were recorded: the mass balance cannot be made.",
                lot=lot.label,
            )
        )

    # 6. The result.
    failing = [g for g in gaps if g["severity"] == "major"]
    customers = sorted({c for s in shipments for c in s["customers"]})
    destinations = sorted({d for s in shipments for d in s["destinations"]})
    return {
        "lot": {"gtin": lot.gtin, "lot": lot.value, "label": lot.label},
        "result": "fail" if failing else "pass",
        "reasons": [g["message"] for g in failing],
        "backward": {
            "done": bool(inputs) and not any(i["origin"] == "unknown" for i in inputs),
            "chain": chain,
            "inputs": inputs,
            "suppliers": sorted({s for i in inputs for s in i["suppliers"]}),
            "source_sites": sorted({s for i in inputs for s in i["sites"]}),
        },
        "forward": {
            "done": bool(shipments) and bool(customers),
            "outputs": outputs,
            "pallets": pallets,
            "shipments": shipments,
            "customers": customers,
            "destinations": destinations,
        },
        "kde": kde_rows,
        "mass_balance": balance,
        "tolerance_percent": _fmt(rules.tolerance_percent),
        "gaps": gaps,
        "events_on_trace": len(trace_events),
        "events_total": len(index.events),
    }


def _origin(index: Index, key: Key, quantity, used_by: Event | None, trace_events, gaps) -> dict:
    """Where an input lot came from: received from a supplier, produced at an own site, or
    unknown (a gap naming the transformation that used it)."""
    amount, uom = _amount(quantity)
    row = {
        "lot": key.label,
        "quantity": _fmt(amount),
        "uom": uom,
        "origin": "unknown",
        "suppliers": [],
        "sites": [],
        "events": [],
    }
    for event, _q in index.observed.get(key, ()):
        if event.biz_step in RECEIVING_STEPS:
            trace_events.add(event.index)
            row["origin"] = "received"
            row["events"].append(event.index)
            row["suppliers"] = sorted(set(row["suppliers"]) | set(_party(event.sources)))
            row["sites"] = sorted(set(row["sites"]) | set(_sites(event.sources)))
    if row["origin"] == "unknown":
        for event, _q in index.observed.get(key, ()):
            if event.action == "ADD" and (
                event.biz_step in COMMISSIONING_STEPS or event.type == "ObjectEvent"
            ):
                trace_events.add(event.index)
                row["origin"] = "produced"
                row["events"].append(event.index)
                if event.biz_location is not None:
                    row["sites"] = sorted({*row["sites"], event.biz_location.label})
    if row["origin"] == "unknown" and used_by is not None:
        gaps.append(
            _gap(
                "receiving_missing",
                "major",
                "C-05",
                f"Input {key.label} of transformation event #{used_by.index} has no receiving "
                "(or commissioning) event: its supplier and source site cannot be traced.",
                [used_by.index],
                lot=key.label,
                event=used_by.index,
            )
        )
    return row


def _shipments(index: Index, key: Key, share: Quantity | None, trace_events) -> list[dict]:
    rows = []
    for event, quantity in index.observed.get(key, ()):
        if event.biz_step not in SHIPPING_STEPS:
            continue
        trace_events.add(event.index)
        amount, uom = _amount(share if share is not None else quantity)
        rows.append(
            {
                "event": event.index,
                "time": event.time.isoformat(),
                "via": key.label if key.kind == "sscc" else "",
                "lot": key.label,
                "quantity": _fmt(amount),
                "uom": uom,
                "customers": _party(event.destinations),
                "destinations": _sites(event.destinations),
            }
        )
    return rows


def _mass_balance(index: Index, lot: Key, shipments, rules: Rules, trace_events) -> list[dict]:
    inflow: dict[str, Decimal] = defaultdict(Decimal)
    outflow: dict[str, Decimal] = defaultdict(Decimal)
    for _event, quantity in index.made.get(lot, ()):
        if quantity is not None and quantity.amount is not None:
            inflow[quantity.uom] += quantity.amount
    counted: tuple | None = None
    for event, quantity in index.observed.get(lot, ()):
        if quantity is None or quantity.amount is None:
            continue
        if event.biz_step in RECEIVING_STEPS or (
            event.action == "ADD" and event.biz_step not in SHIPPING_STEPS
        ):
            inflow[quantity.uom] += quantity.amount
        elif event.biz_step in DESTROYING_STEPS:
            trace_events.add(event.index)
            outflow[quantity.uom] += quantity.amount
        elif event.biz_step in COUNTING_STEPS and (counted is None or event.time > counted[0]):
            counted = (event.time, event.index, quantity)
    if counted is not None:
        trace_events.add(counted[1])
        outflow[counted[2].uom] += counted[2].amount
    for _event, quantity in index.consumed.get(lot, ()):
        if quantity is not None and quantity.amount is not None:
            outflow[quantity.uom] += quantity.amount
    for shipment in shipments:
        if shipment["lot"] == lot.label and shipment["quantity"] is not None:
            outflow[shipment["uom"]] += Decimal(shipment["quantity"])
    rows = []
    for uom in sorted(set(inflow) | set(outflow)):
        quantity_in, quantity_out = inflow[uom], outflow[uom]
        difference = quantity_in - quantity_out
        if quantity_in:
            percent = (abs(difference) * 100 / quantity_in).quantize(Decimal("0.01"))
        else:
            percent = Decimal("100.00")
        rows.append(
            {
                "uom": uom,
                "in": _fmt(quantity_in),
                "out": _fmt(quantity_out),
                "difference": _fmt(difference),
                "percent": _fmt(percent) if percent else "0",
                "within": percent <= rules.tolerance_percent,
            }
        )
    return rows
