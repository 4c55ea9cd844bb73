"""Tools: what the model sees (:class:`ToolSpec`) and Python functions it can call (:class:`Tool`, ``@tool``).

A :class:`ToolSpec` is a declaration -- name, description, JSON schema -- that a wire encodes in its own
shape. A :class:`Tool` adds the function that runs it and how to validate the model's arguments::

    from chat_openrouter import tool

    @tool
    def get_weather(city: str, unit: Literal["C", "F"] = "C") -> dict[str, Any]:
        '''Current weather for a city.

        Args:
            city: City name, e.g. "Paris".
            unit: Temperature unit.
        '''
        return {"city": city, "temp": 21, "unit": unit}

    @tool(approval="require")           # a person must approve each call (see Pause)
    async def delete_file(path: str) -> str:
        ...

The JSON schema the model sees is built from the type hints (pydantic does the work, so pydantic models,
enums, ``Literal``, ``Annotated[..., Field(description=...)]`` and defaults all work) and the docstring:
its first paragraph becomes the tool description, and parameter descriptions are read from Google
(``Args:``), NumPy (``Parameters`` + dashes) or Sphinx (``:param x:``) sections.

The model's arguments are validated with the same pydantic model before the function runs; invalid
arguments become an error result the model can read and correct (the Chat engine never aborts on them).
pydantic is imported when a tool is created, never by ``import chat_openrouter``.
"""

from __future__ import annotations

import functools
import inspect
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar, overload

from .approval import APPROVAL_STRATEGIES, ApprovalStrategy
from .json_schema import clean_schema, format_validation_errors

if TYPE_CHECKING:
    import pydantic

__all__ = [
    "ApprovalStrategy",
    "Tool",
    "ToolArgumentsError",
    "ToolInput",
    "ToolLike",
    "ToolSpec",
    "as_tool_declarations",
    "format_validation_errors",
    "parse_docstring",
    "tool",
]

# OpenAI-compatible function names (Chat Completions and Responses both enforce this pattern).
_NAME_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True, slots=True)
class ToolSpec:
    """A function tool the model may call.

    Wires encode it in their own shape (Chat: ``{type:"function", function:{...}}``, Responses: flat).
    ``extra`` is merged into the encoded tool (e.g. ``{"cache_control": {"type": "ephemeral"}}``).
    Server tools (``{"type": "openrouter:web_search"}``) are passed to ``tools=`` as plain dicts instead.
    """

    name: str
    description: str | None = None
    parameters: dict[str, Any] = field(default_factory=lambda: {"type": "object", "properties": {}})
    strict: bool | None = None
    extra: dict[str, Any] = field(default_factory=dict)


#: What ``tools=`` accepts: our declarations, or raw JSON tools (server tools) passed through verbatim.
ToolLike = ToolSpec | dict[str, Any]


class ToolArgumentsError(ValueError):
    """The model's arguments do not fit the tool's parameters; ``str()`` lists every problem."""


@dataclass(frozen=True, eq=False)
class Tool:
    """A function the model can call, with its declaration (``spec``) and how to run it.

    Build one with :func:`tool` / :meth:`Tool.from_function`. To declare a tool by hand, pass a JSON
    schema as ``parameters`` and a ``function`` that takes the arguments as keyword arguments; it is
    then called with the model's JSON object unvalidated.

    ``approval`` is the per-tool strategy: ``"execute"`` (default) runs it, ``"require"`` pauses the
    run until a person approves or rejects the call, ``"reject"`` refuses every call (the model is told).
    """

    name: str
    description: str | None
    parameters: dict[str, Any]
    function: Callable[..., Any]
    approval: ApprovalStrategy = "execute"
    strict: bool | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    #: The pydantic model that validates arguments (None for hand-declared tools).
    arguments_model: type[pydantic.BaseModel] | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not _NAME_RE.match(self.name):
            raise ValueError(
                f"tool name {self.name!r} must match [A-Za-z0-9_-]{{1,64}} (an OpenAI-wire rule)"
            )
        if self.approval not in APPROVAL_STRATEGIES:
            raise ValueError(f"approval must be one of {APPROVAL_STRATEGIES}, got {self.approval!r}")

    # -- construction ------------------------------------------------------------------------------------
    @classmethod
    def from_function(
        cls,
        function: Callable[..., Any],
        *,
        name: str | None = None,
        description: str | None = None,
        approval: ApprovalStrategy = "execute",
        strict: bool | None = None,
        extra: dict[str, Any] | None = None,
    ) -> Tool:
        """Describe ``function`` (sync or async) as a tool from its signature, type hints and docstring.

        ``strict=True`` asks the provider to enforce the schema exactly (OpenAI "strict" tools); the
        schema is then made strict-compatible (no extra properties, every property required).
        """
        tool_name = name or getattr(function, "__name__", None)
        if not tool_name:
            raise ValueError(f"{function!r} has no __name__: pass name=...")
        summary, param_docs = parse_docstring(inspect.getdoc(_unwrap_partial(function)) or "")
        model = _arguments_model(function, tool_name, param_docs)
        schema = clean_schema(model.model_json_schema(), strict=bool(strict))
        return cls(
            name=tool_name,
            description=description if description is not None else (summary or None),
            parameters=schema,
            function=function,
            approval=approval,
            strict=strict,
            extra=dict(extra or {}),
            arguments_model=model,
        )

    # -- use -----------------------------------------------------------------------------------------------
    @property
    def spec(self) -> ToolSpec:
        """The declaration sent to the model."""
        return ToolSpec(
            name=self.name,
            description=self.description,
            parameters=self.parameters,
            strict=self.strict,
            extra=self.extra,
        )

    @property
    def is_async(self) -> bool:
        """True when calling the function returns an awaitable (``async def``)."""
        return _is_async_callable(self.function)

    def validate(self, arguments: dict[str, Any]) -> dict[str, Any]:
        """The keyword arguments to call the function with, or :class:`ToolArgumentsError`."""
        if self.arguments_model is None:
            return dict(arguments)
        import pydantic

        try:
            validated = self.arguments_model.model_validate(arguments)
        except pydantic.ValidationError as exc:
            raise ToolArgumentsError(
                format_validation_errors(exc, what=f"arguments for tool {self.name!r}")
            ) from None
        # Attributes, not model_dump(): pydantic-model parameters stay model instances.
        return {name: getattr(validated, name) for name in type(validated).model_fields}

    def call(self, arguments: dict[str, Any]) -> Any:
        """Validate ``arguments`` and call the function (returns an awaitable for async tools)."""
        return self.function(**self.validate(arguments))

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """A decorated function stays callable as before."""
        return self.function(*args, **kwargs)


#: What ``tools=`` of a client's ``complete``/``stream`` accepts (as ``ChatBuilder.with_tools`` does): an
#: ``@tool`` :class:`Tool`, a plain function (described with :meth:`Tool.from_function`), a
#: :class:`ToolSpec`, or a raw JSON tool dict (a server tool such as ``{"type": "openrouter:web_search"}``).
ToolInput = Tool | ToolSpec | Callable[..., Any] | Mapping[str, Any]

_ACCEPTED_TOOLS = "@tool functions (Tool), plain functions, ToolSpec objects or raw tool dicts"


def as_tool_declarations(tools: Iterable[ToolInput] | ToolInput | None, *, where: str) -> list[ToolLike] | None:
    """``tools`` as the declarations a wire sends: :class:`ToolSpec` s and raw dicts, in order.

    A :class:`Tool` gives its ``spec``; a plain function is described like ``@tool`` would (the model
    sees it; a wire client does not run it -- the call comes back for you to answer, or give the
    function to a ``ChatBuilder`` to run it). A single tool needs no list. Anything else is a
    ``TypeError`` naming what is accepted, raised at once; ``where`` names the caller.
    """
    if tools is None:
        return None
    if isinstance(tools, (Tool, ToolSpec, Mapping)) or (callable(tools) and not isinstance(tools, type)):
        tools = [tools]
    if isinstance(tools, (str, bytes)) or not isinstance(tools, Iterable):
        raise TypeError(f"{where}: tools= expects a list of {_ACCEPTED_TOOLS}; got {type(tools).__name__}")
    declarations: list[ToolLike] = []
    for item in tools:
        if isinstance(item, ToolSpec):
            declarations.append(item)
        elif isinstance(item, Tool):
            declarations.append(item.spec)
        elif isinstance(item, Mapping):
            declarations.append(dict(item))
        elif callable(item) and not isinstance(item, type):
            declarations.append(Tool.from_function(item).spec)
        else:
            raise TypeError(f"{where}: tools= accepts {_ACCEPTED_TOOLS}; got {type(item).__name__} {item!r:.60}")
    return declarations


@overload
def tool(function: F, /) -> Tool: ...
@overload
def tool(
    *,
    name: str | None = None,
    description: str | None = None,
    approval: ApprovalStrategy = "execute",
    strict: bool | None = None,
) -> Callable[[Callable[..., Any]], Tool]: ...
def tool(
    function: Callable[..., Any] | None = None,
    /,
    *,
    name: str | None = None,
    description: str | None = None,
    approval: ApprovalStrategy = "execute",
    strict: bool | None = None,
) -> Tool | Callable[[Callable[..., Any]], Tool]:
    """Turn a function into a :class:`Tool`: ``@tool`` or ``@tool(approval="require", name=...)``."""

    def wrap(fn: Callable[..., Any]) -> Tool:
        return Tool.from_function(fn, name=name, description=description, approval=approval, strict=strict)

    return wrap(function) if function is not None else wrap


# -- helpers -------------------------------------------------------------------------------------------------
def _unwrap_partial(function: Callable[..., Any]) -> Any:
    target: Any = function
    while isinstance(target, functools.partial):
        target = target.func
    return target


def _is_async_callable(function: Callable[..., Any]) -> bool:
    target = _unwrap_partial(function)
    if inspect.iscoroutinefunction(target):
        return True
    # An object whose __call__ is ``async def``.
    return callable(target) and inspect.iscoroutinefunction(target.__call__)


def _parameter_hints(function: Callable[..., Any]) -> dict[str, Any]:
    import typing

    # Hints of the underlying function: a partial has none of its own (its signature drops the
    # parameters it binds, so only the remaining ones are described).
    target = _unwrap_partial(function)
    try:
        return typing.get_type_hints(target, include_extras=True)
    except Exception:
        pass
    # One unresolvable annotation (typically a return type naming a class local to the enclosing
    # function, under `from __future__ import annotations`) must not lose all the others.
    hints: dict[str, Any] = {}
    namespace = dict(getattr(target, "__globals__", {}))
    for name, annotation in getattr(target, "__annotations__", {}).items():
        if name == "return":
            continue
        if isinstance(annotation, str):
            try:
                annotation = eval(annotation, namespace)  # what get_type_hints does, one name at a time
            except Exception as exc:
                raise TypeError(
                    f"cannot resolve the annotation {annotation!r} of parameter {name!r} of {target!r} "
                    f"({exc}); define the type at module level"
                ) from None
        hints[name] = annotation
    return hints


def _arguments_model(
    function: Callable[..., Any], name: str, param_docs: dict[str, str]
) -> type[pydantic.BaseModel]:
    import pydantic

    signature = inspect.signature(function)
    hints = _parameter_hints(function)
    fields: dict[str, Any] = {}
    for param in signature.parameters.values():
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            continue  # *args/**kwargs cannot be described to the model
        if param.kind is param.POSITIONAL_ONLY:
            raise TypeError(f"tool {name!r}: positional-only parameter {param.name!r} is not supported")
        annotation = hints.get(param.name, param.annotation)
        if annotation is inspect.Parameter.empty:
            annotation = Any
        default = ... if param.default is inspect.Parameter.empty else param.default
        doc = param_docs.get(param.name)
        fields[param.name] = (annotation, pydantic.Field(default, description=doc) if doc else default)
    model_name = "".join(part.capitalize() for part in name.split("_")) + "Arguments"
    model: type[pydantic.BaseModel] = pydantic.create_model(
        model_name if model_name.isidentifier() else "ToolArguments",
        __config__=pydantic.ConfigDict(arbitrary_types_allowed=False),
        **fields,
    )
    return model


_SECTION_HEADERS = {
    "args", "arguments", "parameters", "params", "keyword args", "keyword arguments", "returns", "return",
    "yields", "raises", "examples", "example", "notes", "note", "see also", "attributes", "references",
}  # fmt: skip
_PARAM_HEADERS = {"args", "arguments", "parameters", "params", "keyword args", "keyword arguments"}
_GOOGLE_PARAM = re.compile(r"^\s*\*{0,2}(\w+)\s*(?:\(.*?\))?\s*:\s*(.*)$")
_NUMPY_PARAM = re.compile(r"^(\w+)\s*(?::.*)?$")
_SPHINX_PARAM = re.compile(r"^\s*:param\s+(?:[^:]*\s)?(\w+)\s*:\s*(.*)$")


def parse_docstring(doc: str) -> tuple[str, dict[str, str]]:
    """Split a (dedented) docstring into its description and per-parameter descriptions.

    Understands Google (``Args:``), NumPy (``Parameters`` underlined with dashes) and Sphinx
    (``:param name: text``) styles; anything else leaves the whole docstring as the description.
    """
    lines = doc.expandtabs().splitlines()
    summary: list[str] = []
    params: dict[str, str] = {}
    section: str | None = None
    current: str | None = None
    index = 0
    while index < len(lines):
        line = lines[index]
        stripped = line.strip()
        header = stripped.rstrip(":").lower()
        underlined = index + 1 < len(lines) and set(lines[index + 1].strip()) == {"-"}
        sphinx = _SPHINX_PARAM.match(line)
        if sphinx:
            section, current = "sphinx", sphinx.group(1)
            params[current] = sphinx.group(2).strip()
        elif (
            header in _SECTION_HEADERS and (stripped.endswith(":") or underlined) and not line.startswith(" ")
        ):
            section = "params" if header in _PARAM_HEADERS else "other"
            current = None
            index += 2 if underlined else 1
            continue
        elif stripped.startswith(":") and section in (None, "sphinx"):
            section, current = "other", None  # :returns:, :raises: ...
        elif section is None:
            summary.append(line)
        elif section in ("params", "sphinx") and stripped:
            indent = len(line) - len(line.lstrip())
            google = _GOOGLE_PARAM.match(line)
            numpy = _NUMPY_PARAM.match(stripped)
            if section == "params" and numpy and indent == 0:
                current = numpy.group(1)  # NumPy: "name : type" at column 0, description indented below
                params[current] = ""
            elif (
                section == "params" and google and (current is None or indent <= _param_indent(lines, index))
            ):
                current = google.group(1)
                params[current] = google.group(2).strip()
            elif current is not None:
                params[current] = (params[current] + " " + stripped).strip()
        index += 1
    return "\n".join(summary).strip(), params


def _param_indent(lines: list[str], index: int) -> int:
    # The indentation of the first entry of the section this line belongs to (Google style entries are
    # indented once; their continuation lines deeper).
    for back in range(index - 1, -1, -1):
        stripped = lines[back].strip()
        if stripped.rstrip(":").lower() in _PARAM_HEADERS:
            entry = lines[back + 1]
            return len(entry) - len(entry.lstrip())
    return 0
