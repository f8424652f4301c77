"""Tracing one lot over hand-written events: the lots found back and forward exactly, KDE gaps
named with their event, mass balance against the tolerance, and the computed result."""

from decimal import Decimal

from tracing.analysis import Index, Rules, analyse
from tracing.epcis import lot_key, read_document
from tracing.tests.epcis_builders import (
    CHERRY,
    CUSTOMER_A,
    GREEN,
    GROUND,
    PALLET_1,
    coffee_chain,
    document,
    event,
    harvest,
    lgtin,
    qty,
    receiving,
    shipping,
    transformation,
)

GROUND_LOT = lot_key("8934588012235", "RG-1")


def trace(events, lot=GROUND_LOT, rules=None) -> dict:
    return analyse(Index(read_document(document(events)).events), lot, rules)


def test_one_step_back_finds_the_input_lots_suppliers_and_source_sites_exactly():
    result = trace(coffee_chain())
    back = result["backward"]
    assert [(i["lot"], i["origin"]) for i in back["inputs"]] == [
        ("GTIN 08934588012211 · lot CH-1", "produced"),
        ("GTIN 08934588012211 · lot CH-2", "received"),
    ]
    assert [c["output"] for c in back["chain"]] == [
        "GTIN 08934588012235 · lot RG-1",
        "GTIN 08934588012228 · lot GB-1",
    ]
    assert back["suppliers"] == ["GLN 8935123000014"]
    assert back["source_sites"] == ["GLN 8934588000010", "GLN 8935123000021"]
    assert back["done"] is True


def test_one_step_forward_finds_pallets_customers_and_quantities_exactly():
    forward = trace(coffee_chain())["forward"]
    assert [(p["pallet"], p["quantity"]) for p in forward["pallets"]] == [
        ("SSCC 089345880000000119", "300"),
        ("SSCC 389345880000000028", "260"),
    ]
    assert [(s["event"], s["quantity"], s["customers"]) for s in forward["shipments"]] == [
        (6, "300", ["GLN 8935001000013"]),
        (7, "260", ["GLN 8935002000012"]),
    ]
    assert forward["customers"] == ["GLN 8935001000013", "GLN 8935002000012"]
    assert forward["done"] is True


def test_a_complete_chain_passes_with_a_balanced_mass_and_no_gap():
    result = trace(coffee_chain())
    assert result["result"] == "pass"
    assert result["gaps"] == []
    assert result["mass_balance"] == [
        {"uom": "KGM", "in": "560", "out": "560", "difference": "0", "percent": "0", "within": True}
    ]


def test_forward_from_an_input_lot_follows_the_transformation_to_its_product():
    result = trace(coffee_chain(), lot=lot_key("8934588012228", "GB-1"))
    assert [o["lot"] for o in result["forward"]["outputs"]] == ["GTIN 08934588012235 · lot RG-1"]
    assert result["forward"]["customers"] == ["GLN 8935001000013", "GLN 8935002000012"]
    # Consumed entirely by roasting: 700 in, 700 out.
    assert result["mass_balance"][0]["percent"] == "0"


def test_a_missing_kde_is_named_with_its_event_and_cte():
    events = coffee_chain()
    del events[6]["eventTimeZoneOffset"]
    events[7]["destinationList"] = []
    result = trace(events)
    kde_gaps = {
        (g["params"]["cte"], g["params"]["kde"]): g
        for g in result["gaps"]
        if g["code"] == "kde_missing"
    }
    assert set(kde_gaps) == {("shipping", "when_tz"), ("shipping", "who_destination")}
    assert kde_gaps[("shipping", "when_tz")]["events"] == [6]
    assert kde_gaps[("shipping", "when_tz")]["clause"] == "C-12"
    assert kde_gaps[("shipping", "who_destination")]["events"] == [7]
    row = next(r for r in result["kde"] if r["event"] == 7)
    assert row["missing"] == ["who_destination"]


def test_the_required_kdes_come_from_the_rules():
    rules = Rules(required_kdes={"packing": ["why_disposition", "who_source"]})
    result = trace(coffee_chain(), rules=rules)
    names = {(g["params"]["kde"], tuple(g["events"])) for g in result["gaps"]}
    assert names == {("who_source", (4, 5))}


def test_a_mass_difference_above_the_tolerance_fails_and_one_within_passes():
    events = coffee_chain()
    events[5]["childQuantityList"][0]["quantity"] = 249  # 549 of 560 out: 1.96 %
    assert trace(events)["result"] == "pass"
    events[5]["childQuantityList"][0]["quantity"] = 240  # 540 of 560 out: 3.57 %
    result = trace(events)
    assert result["result"] == "fail"
    [gap] = [g for g in result["gaps"] if g["code"] == "mass_balance"]
    assert gap["params"]["percent"] == "3.57" and gap["severity"] == "major"
    assert trace(events, rules=Rules(tolerance_percent=Decimal("5")))["result"] == "pass"


def test_mass_balance_is_kept_per_unit_of_measure():
    events = [
        transformation(
            [qty(lgtin(GREEN, "GB-9"), 10)],
            [qty(lgtin(GROUND, "RG-1"), 20, "EA"), qty(lgtin(GROUND, "RG-1"), 5)],
        ),
        receiving(lgtin(GREEN, "GB-9"), 10),
        shipping(
            [lgtin(GROUND, "RG-1")],
            quantityList=[qty(lgtin(GROUND, "RG-1"), 20, "EA")],
            epcList=None,
        ),
    ]
    events[2]["quantityList"].append(qty(lgtin(GROUND, "RG-1"), 5))
    rows = {r["uom"]: r for r in trace(events)["mass_balance"]}
    assert rows["EA"]["in"] == "20" and rows["EA"]["out"] == "20"
    assert rows["KGM"]["in"] == "5" and rows["KGM"]["out"] == "5"


def test_an_input_without_a_receiving_event_fails_the_trace_naming_the_lot():
    events = coffee_chain()
    del events[1]  # the received cherry lot CH-2 now has no receiving event
    result = trace(events)
    assert result["result"] == "fail"
    [gap] = [g for g in result["gaps"] if g["code"] == "receiving_missing"]
    assert gap["params"]["lot"] == "GTIN 08934588012211 · lot CH-2"
    assert gap["events"] == [1]  # the drying transformation, now event #1
    assert result["backward"]["done"] is False


def test_instances_commissioned_with_a_lot_in_their_ilmd_count_for_that_lot():
    sgtins = [f"urn:epc:id:sgtin:8934588.001223.{n}" for n in (1, 2, 3)]
    events = [
        event(
            "ObjectEvent",
            action="ADD",
            bizStep="commissioning",
            epcList=sgtins,
            ilmd={"cbvmda:lotNumber": "RG-1"},
        ),
        shipping(sgtins[:2]),
        shipping(sgtins[2:], "https://id.gs1.org/417/8935002000012"),
    ]
    result = trace(events)
    assert result["forward"]["customers"] == ["GLN 8935001000013", "GLN 8935002000012"]
    assert result["mass_balance"] == [
        {"uom": "EA", "in": "3", "out": "3", "difference": "0", "percent": "0", "within": True}
    ]
    assert result["backward"]["inputs"][0]["origin"] == "produced"


def test_nothing_shipped_fails_one_step_forward():
    result = trace(coffee_chain()[:4])
    assert result["result"] == "fail"
    assert {g["code"] for g in result["gaps"]} >= {"forward_not_found"}
    assert result["forward"]["done"] is False


def test_an_unknown_lot_finds_nothing_in_either_direction():
    result = trace(coffee_chain(), lot=lot_key("8934588012235", "NOPE"))
    codes = {g["code"] for g in result["gaps"]}
    assert codes == {"back_not_found", "forward_not_found", "mass_balance_unmeasurable"}
    assert result["result"] == "fail"


def test_a_pallet_never_shipped_is_a_minor_gap_and_its_quantity_is_unaccounted():
    events = coffee_chain()[:7]  # the second pallet is packed but never shipped
    result = trace(events)
    [gap] = [g for g in result["gaps"] if g["code"] == "pallet_not_shipped"]
    assert gap["severity"] == "minor" and gap["events"] == [5]
    assert result["mass_balance"][0]["out"] == "300"
    assert result["result"] == "fail"


def test_a_shipment_without_a_customer_fails_forward():
    events = coffee_chain()
    events[6] = shipping([PALLET_1], customer=None)
    result = trace(events)
    assert "customer_missing" in {g["code"] for g in result["gaps"]}
    assert result["forward"]["customers"] == ["GLN 8935002000012"]


def test_a_lot_traded_without_transformation_is_traced_through_its_receiving_event():
    traded = lgtin(CHERRY, "T-1")
    events = [
        receiving(traded, 100),
        shipping([traded], CUSTOMER_A, quantityList=[qty(traded, 100)], epcList=None),
    ]
    result = trace(events, lot=lot_key("8934588012211", "T-1"))
    assert result["result"] == "pass"
    assert result["backward"]["suppliers"] == ["GLN 8935123000014"]
    assert result["forward"]["customers"] == ["GLN 8935001000013"]


def test_a_destroyed_quantity_and_the_last_stock_count_close_the_balance():
    events = [
        harvest(lgtin(CHERRY, "S-1"), 100),
        shipping([], CUSTOMER_A, epcList=None, quantityList=[qty(lgtin(CHERRY, "S-1"), 60)]),
        event(
            "ObjectEvent",
            action="OBSERVE",
            bizStep="destroying",
            quantityList=[qty(lgtin(CHERRY, "S-1"), 10)],
        ),
        event(
            "ObjectEvent",
            "2026-10-02T08:00:00+07:00",
            action="OBSERVE",
            bizStep="cycle_counting",
            quantityList=[qty(lgtin(CHERRY, "S-1"), 50)],
        ),
        event(
            "ObjectEvent",
            "2026-10-03T08:00:00+07:00",
            action="OBSERVE",
            bizStep="cycle_counting",
            quantityList=[qty(lgtin(CHERRY, "S-1"), 30)],
        ),
    ]
    result = trace(events, lot=lot_key("8934588012211", "S-1"))
    assert result["mass_balance"][0]["out"] == "100"  # 60 shipped + 10 destroyed + 30 counted
    assert result["result"] == "pass"
