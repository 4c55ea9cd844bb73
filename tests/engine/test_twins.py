"""Sync and async twins give equal results for every scenario; their public signatures match."""

from __future__ import annotations

import inspect

import pytest

from chat_openrouter.core.chat import AsyncChatRunStream, Chat, ChatBuilder, ChatRunStream

from ._harness import event_summary, full_summary, play
from ._scenarios import SCENARIOS


def _run(name: str, mode: str) -> tuple[dict[str, object], list[list[tuple[object, ...]]]]:
    scenario = SCENARIOS[name]()
    outcomes = play(scenario, mode)
    return full_summary(scenario, outcomes), [[event_summary(e) for e in o.events] for o in outcomes]


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_all_four_shells_agree(name: str) -> None:
    complete_sync, no_events = _run(name, "complete_sync")
    complete_async, _ = _run(name, "complete_async")
    stream_sync, events_sync = _run(name, "stream_sync")
    stream_async, events_async = _run(name, "stream_async")
    assert complete_sync == complete_async
    assert stream_sync == stream_async
    assert events_sync == events_async
    # Streaming changes how results arrive, never what they are.
    assert complete_sync == stream_sync
    assert all(events == [] for events in no_events)
    assert all(events for events in events_sync)


def test_every_scenario_is_meaningful() -> None:
    # Guard against a scenario that silently does nothing: each one makes at least one model call and
    # ends with a response or a typed error.
    for name in SCENARIOS:
        summary, _ = _run(name, "complete_sync")
        assert summary["requests"], name
        last = summary["outcomes"][-1]  # type: ignore[index]
        assert last["response"] is not None or last["error"] is not None, name


_TWINS = [
    ("complete", "complete_sync"),
    ("stream", "stream_sync"),
    ("resume", "resume_sync"),
    ("resume_stream", "resume_stream_sync"),
    ("aclose", "close"),
    ("embed", "embed_sync"),
]


@pytest.mark.parametrize(("async_name", "sync_name"), _TWINS)
def test_chat_sync_and_async_signatures_match(async_name: str, sync_name: str) -> None:
    a = inspect.signature(getattr(Chat, async_name))
    s = inspect.signature(getattr(Chat, sync_name))
    assert [(p.name, p.kind, p.default, p.annotation) for p in a.parameters.values()] == [
        (p.name, p.kind, p.default, p.annotation) for p in s.parameters.values()
    ]
    assert inspect.iscoroutinefunction(getattr(Chat, async_name)) == (async_name in ("complete", "resume", "aclose", "embed"))
    assert not inspect.iscoroutinefunction(getattr(Chat, sync_name))


def test_every_public_chat_method_has_a_twin() -> None:
    public = {n for n, v in vars(Chat).items() if callable(v) and not n.startswith("_")}
    assert public == {n for pair in _TWINS for n in pair}


def test_run_streams_offer_the_same_helpers() -> None:
    sync_api = {
        "response",
        "final_response",
        "text_stream",
        "close",
        "__iter__",
        "__next__",
        "__enter__",
        "__exit__",
    }
    async_api = {
        "response",
        "final_response",
        "text_stream",
        "aclose",
        "__aiter__",
        "__anext__",
        "__aenter__",
        "__aexit__",
    }
    assert sync_api <= set(dir(ChatRunStream))
    assert async_api <= set(dir(AsyncChatRunStream))


def test_builders_are_immutable() -> None:
    from chat_openrouter.testing import ScriptedProvider

    base = ChatBuilder().with_model(ScriptedProvider([]))
    longer = base.with_max_steps(3)
    assert base.build().max_steps != 3
    assert longer.build().max_steps == 3
    assert base.with_structured_output(int).build().output_type is int
    assert base.build().output_type is None
