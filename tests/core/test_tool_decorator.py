"""``@tool`` / ``Tool.from_function``: schema from type hints and docstrings, argument validation."""

from __future__ import annotations

import asyncio
import functools
from enum import Enum
from typing import Annotated, Any, Literal

import pytest
from pydantic import BaseModel, Field

from chat_openrouter.core.tools import Tool, ToolArgumentsError, ToolSpec, parse_docstring, tool


class Unit(str, Enum):
    C = "C"
    F = "F"


class Address(BaseModel):
    street: str
    city: str


@tool
def weather(city: str, unit: Literal["C", "F"] = "C", days: int = 1) -> dict[str, Any]:
    """Get the weather forecast.

    Uses the national weather service.

    Args:
        city: City name,
            e.g. "Paris".
        unit: Temperature unit.
        days (int): How many days.

    Returns:
        The forecast.
    """
    return {"city": city, "unit": unit, "days": days}


def test_schema_from_hints_and_google_docstring() -> None:
    assert weather.name == "weather"
    assert weather.description == "Get the weather forecast.\n\nUses the national weather service."
    assert weather.parameters == {
        "type": "object",
        "properties": {
            "city": {"type": "string", "description": 'City name, e.g. "Paris".'},
            "unit": {
                "enum": ["C", "F"],
                "type": "string",
                "default": "C",
                "description": "Temperature unit.",
            },
            "days": {"type": "integer", "default": 1, "description": "How many days."},
        },
        "required": ["city"],
    }
    assert weather.spec == ToolSpec("weather", weather.description, weather.parameters)


def test_decorated_function_stays_callable() -> None:
    assert weather("Oslo") == {"city": "Oslo", "unit": "C", "days": 1}


def test_numpy_and_sphinx_docstrings() -> None:
    def numpy_style(a: int, b: str) -> None:
        """Summary line.

        Parameters
        ----------
        a : int
            The first
            parameter.
        b : str
            The second.
        """

    def sphinx_style(a: int, b: str) -> None:
        """Summary line.

        :param a: The first parameter.
        :param str b: The second.
        :returns: nothing.
        """

    for fn in (numpy_style, sphinx_style):
        t = Tool.from_function(fn)
        assert t.description == "Summary line."
        props = t.parameters["properties"]
        assert props["a"]["description"] == "The first parameter.", fn.__name__
        assert props["b"]["description"] == "The second.", fn.__name__


def test_docstring_without_sections_is_all_description() -> None:
    assert parse_docstring("Just text.\n\nMore text.") == ("Just text.\n\nMore text.", {})


def test_annotated_field_descriptions_and_constraints() -> None:
    @tool
    def pick(count: Annotated[int, Field(ge=1, le=5, description="How many")]) -> int:
        """Pick some."""
        return count

    assert pick.parameters["properties"]["count"] == {
        "type": "integer",
        "minimum": 1,
        "maximum": 5,
        "description": "How many",
    }
    with pytest.raises(ToolArgumentsError, match="count: Input should be less than or equal to 5"):
        pick.validate({"count": 9})


def test_pydantic_model_parameters_are_validated_into_instances() -> None:
    @tool
    def ship(to: Address, unit: Unit = Unit.C) -> str:
        """Ship a parcel."""
        assert isinstance(to, Address)
        assert isinstance(unit, Unit)
        return f"{to.street}, {to.city} ({unit.value})"

    assert ship.parameters["properties"]["to"] == {"$ref": "#/$defs/Address"}
    assert ship.parameters["$defs"]["Address"]["required"] == ["street", "city"]
    args = ship.validate({"to": {"street": "1 Main St", "city": "Oslo"}, "unit": "F"})
    assert ship.function(**args) == "1 Main St, Oslo (F)"


def test_validation_errors_list_every_problem() -> None:
    with pytest.raises(ToolArgumentsError) as caught:
        weather.validate({"unit": "K", "days": "many"})
    assert str(caught.value) == (
        "invalid arguments for tool 'weather':\n"
        "- city: Field required\n"
        "- unit: Input should be 'C' or 'F'\n"
        "- days: Input should be a valid integer, unable to parse string as an integer"
    )


def test_lax_validation_coerces_what_models_commonly_send() -> None:
    assert weather.validate({"city": "Rome", "days": "3"}) == {"city": "Rome", "unit": "C", "days": 3}


def test_async_functions_and_partials_are_detected() -> None:
    @tool
    async def fetch(url: str) -> str:
        """Fetch a URL."""
        return url

    def sync_fn(x: int) -> int:
        """X."""
        return x

    assert fetch.is_async
    assert not weather.is_async
    assert asyncio.run(fetch.call({"url": "u"})) == "u"
    assert not Tool.from_function(functools.partial(sync_fn), name="partial_fn").is_async


def test_decorator_options() -> None:
    @tool(name="rm", description="Remove a file.", approval="require", strict=True)
    def remove(path: str, force: bool = False) -> None:
        """Ignored docstring."""

    assert (remove.name, remove.description, remove.approval, remove.strict) == (
        "rm",
        "Remove a file.",
        "require",
        True,
    )
    # strict tools get a strict-compatible schema: no extra keys, everything required, no defaults.
    assert remove.parameters == {
        "type": "object",
        "properties": {"path": {"type": "string"}, "force": {"type": "boolean"}},
        "required": ["path", "force"],
        "additionalProperties": False,
    }
    assert remove.spec.strict is True


def test_invalid_names_and_strategies_are_refused() -> None:
    with pytest.raises(ValueError, match="tool name"):
        Tool.from_function(weather.function, name="has space")
    with pytest.raises(ValueError, match="approval"):
        Tool.from_function(weather.function, approval="maybe")  # type: ignore[arg-type]


def test_var_args_are_skipped_and_positional_only_refused() -> None:
    def flexible(a: int, *args: int, **kwargs: int) -> int:
        """Flexible."""
        return a

    assert list(Tool.from_function(flexible).parameters["properties"]) == ["a"]

    def positional(a: int, /) -> int:
        return a

    with pytest.raises(TypeError, match="positional-only"):
        Tool.from_function(positional)


def test_unannotated_parameters_accept_anything() -> None:
    def loose(value, other=3):  # type: ignore[no-untyped-def]
        """Loose."""
        return value

    t = Tool.from_function(loose)
    assert t.parameters["required"] == ["value"]
    assert t.validate({"value": [1, {"a": None}]}) == {"value": [1, {"a": None}], "other": 3}


def test_hand_declared_tools_pass_arguments_through() -> None:
    t = Tool(name="raw", description=None, parameters={"type": "object"}, function=lambda **kw: kw)
    assert t.validate({"anything": 1}) == {"anything": 1}
    assert t.call({"x": 2}) == {"x": 2}


def test_a_local_return_type_does_not_hide_parameter_types() -> None:
    class LocalResult(BaseModel):  # unresolvable by get_type_hints under postponed annotations
        ok: bool

    def local(count: int) -> LocalResult:
        """Local."""
        return LocalResult(ok=count > 0)

    t = Tool.from_function(local)
    assert t.parameters["properties"]["count"] == {"type": "integer"}
    with pytest.raises(ToolArgumentsError):
        t.validate({"count": "x"})


def test_an_unresolvable_parameter_type_is_a_clear_error() -> None:
    class LocalArgs(BaseModel):
        ok: bool

    def local(args: LocalArgs) -> None:
        """Local."""

    with pytest.raises(TypeError, match=r"'LocalArgs' of parameter 'args'.*module level"):
        Tool.from_function(local)
