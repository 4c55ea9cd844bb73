"""The emulator's JSON-schema sampler: every generated value validates against its schema."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any, Literal, Optional

import jsonschema
import pytest
from pydantic import BaseModel, Field

from chat_openrouter.testing.emulator._schema import sample_for_schema


class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


class Address(BaseModel):
    street: str = Field(min_length=3, max_length=40)
    postcode: str = Field(examples=["75001"])


class Person(BaseModel):
    name: str
    age: int = Field(ge=0, le=130)
    score: float = Field(gt=0, lt=1)
    tags: list[str] = Field(min_length=2, max_length=3)
    favourite: Colour
    mode: Literal["fast", "slow"]
    home: Address
    previous: list[Address] = Field(default_factory=list)
    nickname: Optional[str] = None  # noqa: UP045 - exercises the anyOf-with-null shape pydantic emits
    born: dt.date
    email: str = Field(json_schema_extra={"format": "email"})


class Node(BaseModel):
    value: int
    children: list[Node] = Field(default_factory=list)
    parent: Optional[Node] = None  # noqa: UP045


SCHEMAS: list[dict[str, Any]] = [
    Person.model_json_schema(),
    Node.model_json_schema(),
    {"type": "object", "properties": {}},
    {"type": "string", "minLength": 50},
    {"type": "string", "maxLength": 3},
    {"type": "integer", "minimum": 1000, "maximum": 1005, "multipleOf": 5},
    {"type": "integer", "exclusiveMinimum": 0, "exclusiveMaximum": 3},
    {"type": "number", "minimum": -2.5, "maximum": -1.5},
    {"type": "number", "multipleOf": 0.25, "minimum": 1.1},
    {"type": ["null", "boolean"]},
    {"type": "array", "items": {"type": "integer"}, "minItems": 4, "uniqueItems": True},
    {"type": "array", "prefixItems": [{"type": "string"}, {"type": "integer"}], "minItems": 2},
    {
        "type": "object",
        "required": ["a", "b"],
        "properties": {"a": {"const": 7}},
        "additionalProperties": {"type": "string", "format": "uuid"},
    },
    {"type": "object", "minProperties": 2, "additionalProperties": {"type": "boolean"}},
    {
        "allOf": [
            {"type": "object", "properties": {"x": {"type": "integer"}}, "required": ["x"]},
            {"properties": {"y": {"type": "string", "format": "date-time"}}, "required": ["y"]},
        ]
    },
    {
        "oneOf": [
            {"type": "null"},
            {"type": "object", "properties": {"k": {"enum": ["a", "b"]}}, "required": ["k"]},
        ]
    },
    {
        "type": "object",
        "properties": {
            "url": {"type": "string", "format": "uri"},
            "ip": {"type": "string", "format": "ipv4"},
        },
        "required": ["url", "ip"],
    },
]


@pytest.mark.parametrize("schema", SCHEMAS, ids=lambda s: str(s.get("title") or s.get("type") or "composite"))
def test_sample_validates(schema: dict[str, Any]) -> None:
    value = sample_for_schema(schema)
    jsonschema.validate(value, schema, format_checker=jsonschema.FormatChecker())


def test_sample_prefers_what_the_schema_suggests() -> None:
    schema = {
        "type": "object",
        "properties": {
            "city": {"type": "string", "examples": ["Paris", "Rome"]},
            "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
            "days": {"type": "integer", "default": 3},
            "kind": {"const": "forecast"},
        },
    }
    assert sample_for_schema(schema) == {"city": "Paris", "unit": "celsius", "days": 3, "kind": "forecast"}


def test_sample_names_placeholder_strings_after_the_property() -> None:
    value = sample_for_schema({"type": "object", "properties": {"city": {"type": "string"}}})
    assert value == {"city": "example city"}


def test_sample_is_deterministic() -> None:
    schema = Person.model_json_schema()
    assert sample_for_schema(schema) == sample_for_schema(schema)


def test_recursive_schema_terminates_and_validates_with_pydantic() -> None:
    value = sample_for_schema(Node.model_json_schema())
    node = Node.model_validate(value)
    depth, current = 0, node
    while current.children:
        depth += 1
        current = current.children[0]
    assert 1 <= depth <= 10


def test_pydantic_round_trip() -> None:
    person = Person.model_validate(sample_for_schema(Person.model_json_schema()))
    assert person.home.postcode == "75001"
    assert len(person.tags) == 2
    assert len(set(person.tags)) == 2
