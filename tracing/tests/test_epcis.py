"""Reading EPCIS 2.0 documents: identifiers in every form, each event kind, refusals that
name the event index and the field."""

import json

import pytest

from tracing.epcis import EpcisInvalid, Key, parse_identifier, read_document
from tracing.tests.epcis_builders import (
    PALLET_1,
    association,
    coffee_chain,
    document,
    transformation,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("urn:epc:class:lgtin:8934588.001223.RG%2F1", Key("lot", "08934588012235", "RG/1")),
        ("https://id.gs1.org/01/08934588012235/10/RG-1", Key("lot", "08934588012235", "RG-1")),
        ("https://example.vn/01/8934588012235/10/RG-1?x=1", Key("lot", "08934588012235", "RG-1")),
        ("urn:epc:id:sgtin:8934588.001223.42", Key("sgtin", "08934588012235", "42")),
        ("https://id.gs1.org/01/08934588012235/21/42", Key("sgtin", "08934588012235", "42")),
        ("urn:epc:idpat:sgtin:8934588.001223.*", Key("gtin", "08934588012235")),
        ("urn:epc:id:sscc:8934588.0000000011", Key("sscc", value="089345880000000119")),
        ("https://id.gs1.org/00/389345880000000028", Key("sscc", value="389345880000000028")),
        ("urn:epc:id:sgln:8934588.00001.0", Key("gln", value="8934588000010")),
        ("urn:epc:id:sgln:8934588.00001.7", Key("gln", value="8934588000010.7")),
        ("https://id.gs1.org/414/8935123000021", Key("gln", value="8935123000021")),
        ("urn:epc:id:pgln:8935001.00001", Key("party", value="8935001000013")),
        ("https://id.gs1.org/417/8935002000012", Key("party", value="8935002000012")),
        ("farm-17", Key("other", value="farm-17")),
    ],
)
def test_gs1_keys_are_read_from_urns_and_digital_links_alike(text, expected):
    assert parse_identifier(text) == expected


def test_every_event_kind_is_read_with_its_identifiers():
    events = [
        *coffee_chain(),
        association("urn:epc:id:sgln:8934588.00002.1", ["urn:epc:id:sgtin:8934588.001223.7"]),
    ]
    parsed = read_document(json.dumps(document(events)).encode())
    assert parsed.counts() == {
        "ObjectEvent": 4,
        "AggregationEvent": 2,
        "TransformationEvent": 2,
        "AssociationEvent": 1,
    }
    drying = parsed.events[2]
    assert [q.key.value for q in drying.input_quantities] == ["CH-1", "CH-2"]
    assert drying.output_quantities[0].key == Key("lot", "08934588012228", "GB-1")
    assert drying.biz_step == "commissioning"  # the Web URI form, reduced to the CBV term
    assert parsed.events[4].parent == parse_identifier(PALLET_1)
    assert parsed.events[1].biz_step == "receiving"  # the URN form
    assert parsed.events[1].sources[0] == ("owning_party", Key("party", value="8935123000014"))
    assert parsed.events[8].children == [Key("sgtin", "08934588012235", "7")]


def test_a_query_document_is_read_like_a_document():
    parsed = read_document(document(coffee_chain(), query=True))
    assert len(parsed.events) == 8 and parsed.type == "EPCISQueryDocument"


def _problems(events) -> list[dict]:
    with pytest.raises(EpcisInvalid) as caught:
        read_document(json.dumps(document(events)))
    return [p.as_dict() for p in caught.value.problems]


def test_a_missing_action_is_refused_with_the_event_index_and_the_field():
    events = coffee_chain()
    del events[4]["action"]
    assert _problems(events) == [
        {"event": 4, "field": "action", "message": "required field is missing"}
    ]


def test_an_event_time_without_a_time_zone_is_refused():
    events = coffee_chain()
    events[6]["eventTime"] = "2026-10-22T06:00:00"
    [problem] = _problems(events)
    assert problem["event"] == 6 and problem["field"] == "eventTime"
    assert "time zone" in problem["message"]


def test_an_unknown_event_type_and_a_bad_quantity_are_each_named():
    events = coffee_chain()
    events[0]["type"] = "ObjectEvnt"
    events[3]["outputQuantityList"][0]["quantity"] = "many"
    problems = _problems(events)
    assert {(p["event"], p["field"]) for p in problems} == {
        (0, "type"),
        (3, "outputQuantityList[0].quantity"),
    }


def test_a_gs1_key_with_a_wrong_check_digit_is_refused_with_its_place():
    events = coffee_chain()
    events[7]["epcList"] = ["https://id.gs1.org/00/389345880000000029"]
    assert _problems(events) == [
        {
            "event": 7,
            "field": "epcList[0]",
            "message": "an SSCC has 18 digits with a valid check digit",
        }
    ]


def test_a_transformation_without_inputs_or_outputs_is_refused():
    bad = transformation([], [])
    del bad["inputQuantityList"], bad["outputQuantityList"]
    assert _problems([bad])[0] == {
        "event": 0,
        "field": "inputQuantityList",
        "message": "a transformation names no inputs",
    }


@pytest.mark.parametrize(
    ("content", "field"),
    [
        (b"{not json", "(file)"),
        (b"[]", "(file)"),
        (json.dumps({"type": "EPCISDocument"}).encode(), "epcisBody"),
        (json.dumps({"type": "Other", "epcisBody": {}}).encode(), "type"),
        (json.dumps(document([])).encode(), "epcisBody.eventList"),
    ],
)
def test_a_document_that_is_not_epcis_is_refused_at_the_document_level(content, field):
    with pytest.raises(EpcisInvalid) as caught:
        read_document(content)
    assert caught.value.problems[0].index is None
    assert caught.value.problems[0].field == field


def test_a_document_given_as_a_dict_is_left_as_it_was():
    given = document(coffee_chain())
    before = json.dumps(given)
    read_document(given)
    assert json.dumps(given) == before
