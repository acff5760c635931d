"""Each vocabulary is defined once (pnen_explorer.vocabulary); the copies that must stay, the
data contract's enums, are held to it here."""

from __future__ import annotations

import dataclasses

from pnen_explorer import Profile, load_therapies
from pnen_explorer.data import table_schema
from pnen_explorer.guidance import RULES
from pnen_explorer.vocabulary import FIELDS, GUIDANCE_THERAPIES, OUTCOMES, TUMOUR_SITES


def contract_enum(column: str) -> tuple[str, ...]:
    field = next(f for f in table_schema("evidence")["fields"] if f["name"] == column)
    return tuple(field["constraints"]["enum"])


def test_the_contract_outcomes_are_the_vocabulary_outcomes_in_order():
    assert contract_enum("outcome") == tuple(OUTCOMES)


def test_the_contract_tumour_sites_are_the_vocabulary_sites():
    assert contract_enum("tumour_site") == tuple(TUMOUR_SITES)


def test_the_guidance_therapies_are_the_families_of_the_therapy_table():
    families = [t for t in load_therapies()["guidance_therapy"] if t]
    assert list(GUIDANCE_THERAPIES) == list(dict.fromkeys(families))
    assert {rule.therapy for rule in RULES} == set(GUIDANCE_THERAPIES)


def test_every_profile_field_is_described_once():
    assert [f.name for f in dataclasses.fields(Profile)] == list(FIELDS)
    for field in FIELDS.values():
        if field.kind in ("number", "count"):
            assert field.high is not None and field.low < field.high, field.name
        assert field.label and field.phrase, field.name
