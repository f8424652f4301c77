"""Hand-written EPCIS 2.0 events for the tests: small builders, one event kind each."""

from __future__ import annotations

import copy

SITE = "urn:epc:id:sgln:8934588.00002.0"
FARM = "urn:epc:id:sgln:8934588.00001.0"
ME = "urn:epc:id:pgln:8934588.00000"
SUPPLIER = "urn:epc:id:pgln:8935123.00001"
SUPPLIER_SITE = "urn:epc:id:sgln:8935123.00002.0"
CUSTOMER_A = "urn:epc:id:pgln:8935001.00001"
CUSTOMER_B = "https://id.gs1.org/417/8935002000012"
CUSTOMER_A_SITE = "urn:epc:id:sgln:8935001.00002.0"
# GTIN-14 08934588012211 (cherries), 08934588012228 (green beans), 08934588012235 (ground).
CHERRY, GREEN, GROUND = "001221", "001222", "001223"


def lgtin(item: str, lot: str) -> str:
    return f"urn:epc:class:lgtin:8934588.{item}.{lot}"


def qty(epc: str, amount, uom: str = "KGM") -> dict:
    return {"epcClass": epc, "quantity": amount, "uom": uom}


def event(kind: str, time: str = "2026-10-01T08:00:00+07:00", **fields) -> dict:
    base = {
        "type": kind,
        "eventTime": time,
        "eventTimeZoneOffset": "+07:00",
        "readPoint": {"id": SITE},
        "bizLocation": {"id": SITE},
    }
    base.update(fields)
    return {k: v for k, v in base.items() if v is not None}


def harvest(lot_epc: str, amount, **fields) -> dict:
    values = {
        "action": "ADD",
        "bizStep": "commissioning",
        "disposition": "active",
        "quantityList": [qty(lot_epc, amount)],
        "readPoint": {"id": FARM},
        "bizLocation": {"id": FARM},
    }
    values.update(fields)
    return event("ObjectEvent", **values)


def receiving(lot_epc: str, amount, **fields) -> dict:
    return event(
        "ObjectEvent",
        action="OBSERVE",
        bizStep="urn:epcglobal:cbv:bizstep:receiving",
        disposition="in_progress",
        quantityList=[qty(lot_epc, amount)],
        sourceList=[
            {"type": "owning_party", "source": SUPPLIER},
            {"type": "location", "source": SUPPLIER_SITE},
        ],
        **fields,
    )


def transformation(inputs: list[dict], outputs: list[dict], **fields) -> dict:
    return event(
        "TransformationEvent",
        bizStep="https://ref.gs1.org/cbv/BizStep-commissioning",
        disposition="active",
        inputQuantityList=inputs,
        outputQuantityList=outputs,
        **fields,
    )


def packing(parent: str, children: list[dict], **fields) -> dict:
    return event(
        "AggregationEvent",
        action="ADD",
        bizStep="packing",
        disposition="in_progress",
        parentID=parent,
        childQuantityList=children,
        **fields,
    )


def shipping(epcs: list[str], customer: str | None = CUSTOMER_A, **fields) -> dict:
    destinations = [{"type": "owning_party", "destination": customer}] if customer else []
    values = {
        "action": "OBSERVE",
        "bizStep": "shipping",
        "disposition": "in_transit",
        "epcList": epcs,
        "destinationList": [*destinations, {"type": "location", "destination": CUSTOMER_A_SITE}],
    }
    values.update(fields)
    return event("ObjectEvent", **values)


def association(parent: str, children: list[str], **fields) -> dict:
    return event(
        "AssociationEvent",
        action="ADD",
        bizStep="assembling",
        parentID=parent,
        childEPCs=children,
        **fields,
    )


def document(events: list[dict], *, query: bool = False) -> dict:
    events = copy.deepcopy(events)
    if query:
        body = {
            "queryResults": {"queryName": "SimpleEventQuery", "resultsBody": {"eventList": events}}
        }
        kind = "EPCISQueryDocument"
    else:
        body, kind = {"eventList": events}, "EPCISDocument"
    return {
        "@context": ["https://ref.gs1.org/standards/epcis/epcis-context.jsonld"],
        "type": kind,
        "schemaVersion": "2.0",
        "creationDate": "2026-10-23T08:00:00+07:00",
        "epcisBody": body,
    }


PALLET_1 = "urn:epc:id:sscc:8934588.0000000011"
PALLET_2 = "https://id.gs1.org/00/389345880000000028"


def coffee_chain() -> list[dict]:
    """Own harvest + a received lot → drying → roasting → two pallets → two customers.
    Traced lot: GTIN 08934588012235, lot RG-1 (560 kg made, 300 + 260 kg shipped)."""
    return [
        harvest(lgtin(CHERRY, "CH-1"), 2000),
        receiving(lgtin(CHERRY, "CH-2"), 1500),
        transformation(
            [qty(lgtin(CHERRY, "CH-1"), 2000), qty(lgtin(CHERRY, "CH-2"), 1500)],
            [qty(lgtin(GREEN, "GB-1"), 700)],
        ),
        transformation([qty(lgtin(GREEN, "GB-1"), 700)], [qty(lgtin(GROUND, "RG-1"), 560)]),
        packing(PALLET_1, [qty(lgtin(GROUND, "RG-1"), 300)]),
        packing(PALLET_2, [qty(lgtin(GROUND, "RG-1"), 260)]),
        shipping([PALLET_1], CUSTOMER_A),
        shipping([PALLET_2], CUSTOMER_B),
    ]
