"""Video generation jobs: create (``POST /videos``), poll (``GET /videos/{id}``), download
(``GET /videos/{id}/content``), and a helper that waits politely for a job to finish.

::

    job = api.generate_video_sync("a paper boat on a river", model="google/veo-3.1", duration=8,
                                  timeout=900)            # create, then poll with backoff until done
    Path("boat.mp4").write_bytes(api.download_video_sync(job))

    job = api.create_video_sync("...", model="google/veo-3.1")   # or step by step
    job = api.wait_for_video_sync(job, timeout=900, cancel=stop_event)

Waiting polls after ``poll_interval`` seconds, then backs off (x1.5 each poll, at most ``max_interval``)
until the job is ``completed`` -- or ``failed`` / ``cancelled`` / ``expired``, which raise
:class:`~chat_openrouter.APIError` -- or ``timeout`` passes (:class:`~chat_openrouter.TimeoutError`).
A set ``cancel`` event (:class:`threading.Event`) stops a wait at once with ``TimeoutError(phase="cancelled")``;
the async twin is also cancelled the asyncio way. Stopping the wait does not cancel the job itself.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ...core.parts import FilePart
from ...core.usage import as_cost
from ...errors import APIError, ConfigurationError, DecodeError, TimeoutError
from ...wire.common.lenient import as_mapping, as_str, opt_bool, opt_float, strings
from ..routing import ProviderPreferences
from ._calls import CallFlow, Download, EndpointGroup, Get, Post, Wait, segment
from ._media import media_reference

if TYPE_CHECKING:
    from decimal import Decimal

__all__ = [
    "DEFAULT_VIDEO_TIMEOUT",
    "VideoJob",
    "VideoModel",
    "VideosGroup",
    "decode_video_job",
    "video_request",
]

#: How long ``wait_for_video`` waits by default: video models take minutes.
DEFAULT_VIDEO_TIMEOUT = 900.0
#: First pause between polls, the backoff factor, and the longest pause.
POLL_INTERVAL = 5.0
POLL_BACKOFF = 1.5
MAX_POLL_INTERVAL = 30.0

_FINISHED_BADLY = ("failed", "cancelled", "expired")


@dataclass(frozen=True, slots=True)
class VideoJob:
    """A video generation job. ``status``: ``pending``, ``in_progress``, ``completed``, ``failed``,
    ``cancelled`` or ``expired`` (spec); ``urls`` are the outputs once completed (download them with
    ``download_video``: they need your key)."""

    id: str
    status: str
    generation_id: str | None = None
    polling_url: str | None = None
    urls: tuple[str, ...] = ()
    cost: Decimal | None = None
    is_byok: bool | None = None
    error: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def done(self) -> bool:
        """True once the job will not change any more (completed, failed, cancelled or expired)."""
        return self.status == "completed" or self.status in _FINISHED_BADLY


@dataclass(frozen=True, slots=True)
class VideoModel:
    """One model of ``GET /videos/models``: what it can make (durations, resolutions, aspect ratios)."""

    id: str
    name: str = ""
    description: str = ""
    supported_durations: tuple[int, ...] = ()
    supported_resolutions: tuple[str, ...] = ()
    supported_aspect_ratios: tuple[str, ...] = ()
    generate_audio: bool | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)


def video_request(
    prompt: str | None,
    *,
    model: str,
    duration: int | None = None,
    resolution: str | None = None,
    aspect_ratio: str | None = None,
    size: str | None = None,
    seed: int | None = None,
    generate_audio: bool | None = None,
    input_references: Sequence[FilePart | str] | None = None,
    first_frame: FilePart | str | None = None,
    last_frame: FilePart | str | None = None,
    callback_url: str | None = None,
    provider: ProviderPreferences | None = None,
) -> dict[str, Any]:
    """The ``POST /videos`` body (spec ``VideoGenerationRequest``); fields left None are not sent."""
    if not isinstance(model, str) or not model:
        raise ConfigurationError("a video needs a model, e.g. model='google/veo-3.1'")
    if duration is not None and (isinstance(duration, bool) or not isinstance(duration, int) or duration < 1):
        raise ConfigurationError(f"duration must be a positive number of seconds, got {duration!r}")
    body: dict[str, Any] = {"model": model}
    optional = {
        "prompt": prompt,
        "duration": duration,
        "resolution": resolution,
        "aspect_ratio": aspect_ratio,
        "size": size,
        "seed": seed,
        "generate_audio": generate_audio,
        "callback_url": callback_url,
    }
    body.update({k: v for k, v in optional.items() if v is not None})
    if input_references:
        body["input_references"] = [
            media_reference(r, f"input_references[{i}]") for i, r in enumerate(input_references)
        ]
    frames = []
    for frame_type, frame in (("first_frame", first_frame), ("last_frame", last_frame)):
        if frame is not None:
            ref = media_reference(frame, frame_type)
            if ref["type"] != "image_url":
                raise ConfigurationError(f"{frame_type} must be an image")
            frames.append({**ref, "frame_type": frame_type})
    if frames:
        body["frame_images"] = frames
    if provider is not None:
        body["provider"] = provider.to_json()
    return body


def decode_video_job(body: Any) -> VideoJob:
    """A job as ``POST /videos`` and ``GET /videos/{id}`` describe it (spec ``VideoGenerationResponse``)."""
    job_id = body.get("id") if isinstance(body, Mapping) else None
    status = body.get("status") if isinstance(body, Mapping) else None
    if not isinstance(job_id, str) or not job_id or not isinstance(status, str):
        raise DecodeError("a video job needs an 'id' and a 'status'", snippet=str(body)[:120])
    usage = as_mapping(body.get("usage"))
    return VideoJob(
        id=job_id,
        status=status,
        generation_id=as_str(body.get("generation_id")),
        polling_url=as_str(body.get("polling_url")),
        urls=strings(body.get("unsigned_urls")),
        cost=as_cost(opt_float(usage.get("cost"))),
        is_byok=opt_bool(usage.get("is_byok")),
        error=as_str(body.get("error")),
        raw=body,
    )


def _job_id(job: VideoJob | str) -> str:
    return segment(job.id if isinstance(job, VideoJob) else job, "video job id")


def _failed(job: VideoJob) -> APIError:
    detail = f": {job.error}" if job.error else ""
    return APIError(f"video job {job.id} {job.status}{detail}", code=job.status, body=dict(job.raw))


class VideosGroup(EndpointGroup):
    """``POST /videos``, ``GET /videos/{id}``, ``GET /videos/{id}/content``, ``GET /videos/models``."""

    def _create_video(self, body: dict[str, Any]) -> CallFlow[VideoJob]:
        answer = yield Post("videos", body)
        return decode_video_job(answer)

    def _get_video(self, job_id: str) -> CallFlow[VideoJob]:
        answer = yield Get(f"videos/{job_id}")
        return decode_video_job(answer)

    def _wait(
        self,
        job_id: str,
        timeout: float,
        poll_interval: float,
        max_interval: float,
        cancel: threading.Event | None,
        first: VideoJob | None = None,
    ) -> CallFlow[VideoJob]:
        if not timeout >= 0 or not poll_interval > 0 or not max_interval > 0:
            raise ConfigurationError("need timeout >= 0, poll_interval > 0 and max_interval > 0")
        max_interval = max(max_interval, poll_interval)
        clock = self._calls.clock
        deadline = clock() + timeout
        delay = poll_interval
        job = first
        while True:
            if job is not None:
                if job.status == "completed":
                    return job
                if job.status in _FINISHED_BADLY:
                    raise _failed(job)
            if cancel is not None and cancel.is_set():
                raise TimeoutError(f"stopped waiting for video job {job_id}: cancelled", phase="cancelled")
            left = deadline - clock()
            if job is not None and left <= 0:
                raise TimeoutError(
                    f"video job {job_id} still {job.status} after {timeout:g} s", phase="total"
                )
            if job is not None:
                yield Wait(min(delay, left), cancel)
                delay = min(delay * POLL_BACKOFF, max_interval)
                if cancel is not None and cancel.is_set():
                    continue
            job = yield from self._get_video(job_id)

    # -- create / get / download -------------------------------------------------------------------------
    def create_video_sync(
        self,
        prompt: str | None,
        *,
        model: str,
        duration: int | None = None,
        resolution: str | None = None,
        aspect_ratio: str | None = None,
        size: str | None = None,
        seed: int | None = None,
        generate_audio: bool | None = None,
        input_references: Sequence[FilePart | str] | None = None,
        first_frame: FilePart | str | None = None,
        last_frame: FilePart | str | None = None,
        callback_url: str | None = None,
        provider: ProviderPreferences | None = None,
    ) -> VideoJob:
        """Start a video generation job (``POST /videos``); returns the ``pending`` job at once.

        ``first_frame`` / ``last_frame`` pin the opening and closing images; ``input_references`` are
        images (or audio, video) to draw from; ``callback_url`` gets a webhook when it is done.
        """
        body = video_request(
            prompt, model=model, duration=duration, resolution=resolution, aspect_ratio=aspect_ratio,
            size=size, seed=seed, generate_audio=generate_audio, input_references=input_references,
            first_frame=first_frame, last_frame=last_frame, callback_url=callback_url, provider=provider,
        )  # fmt: skip
        return self._calls.run_sync(self._create_video(body))

    async def create_video(
        self,
        prompt: str | None,
        *,
        model: str,
        duration: int | None = None,
        resolution: str | None = None,
        aspect_ratio: str | None = None,
        size: str | None = None,
        seed: int | None = None,
        generate_audio: bool | None = None,
        input_references: Sequence[FilePart | str] | None = None,
        first_frame: FilePart | str | None = None,
        last_frame: FilePart | str | None = None,
        callback_url: str | None = None,
        provider: ProviderPreferences | None = None,
    ) -> VideoJob:
        """Async twin of :meth:`create_video_sync`."""
        body = video_request(
            prompt, model=model, duration=duration, resolution=resolution, aspect_ratio=aspect_ratio,
            size=size, seed=seed, generate_audio=generate_audio, input_references=input_references,
            first_frame=first_frame, last_frame=last_frame, callback_url=callback_url, provider=provider,
        )  # fmt: skip
        return await self._calls.run(self._create_video(body))

    def get_video_sync(self, job: VideoJob | str) -> VideoJob:
        """The job's current state (``GET /videos/{id}``): one poll."""
        return self._calls.run_sync(self._get_video(_job_id(job)))

    async def get_video(self, job: VideoJob | str) -> VideoJob:
        """Async twin of :meth:`get_video_sync`."""
        return await self._calls.run(self._get_video(_job_id(job)))

    def _download(self, job_id: str, index: int) -> CallFlow[bytes]:
        if isinstance(index, bool) or not isinstance(index, int) or index < 0:
            raise ConfigurationError(f"index must be a non-negative integer, got {index!r}")
        data, _ = yield Download(
            "GET", f"videos/{job_id}/content", params={"index": str(index)}, accept="video/*"
        )
        return bytes(data)

    def download_video_sync(self, job: VideoJob | str, *, index: int = 0) -> bytes:
        """The finished video's bytes (``GET /videos/{id}/content``; ``index`` for jobs with several)."""
        return self._calls.run_sync(self._download(_job_id(job), index))

    async def download_video(self, job: VideoJob | str, *, index: int = 0) -> bytes:
        """Async twin of :meth:`download_video_sync`."""
        return await self._calls.run(self._download(_job_id(job), index))

    # -- waiting ---------------------------------------------------------------------------------------
    def wait_for_video_sync(
        self,
        job: VideoJob | str,
        *,
        timeout: float = DEFAULT_VIDEO_TIMEOUT,
        poll_interval: float = POLL_INTERVAL,
        max_interval: float = MAX_POLL_INTERVAL,
        cancel: threading.Event | None = None,
    ) -> VideoJob:
        """Poll the job until it completes, politely (see the module docstring); return the completed job.

        Raises :class:`~chat_openrouter.APIError` when the job failed, was cancelled or expired, and
        :class:`~chat_openrouter.TimeoutError` after ``timeout`` seconds or once ``cancel`` is set.
        """
        first = job if isinstance(job, VideoJob) else None
        flow = self._wait(_job_id(job), timeout, poll_interval, max_interval, cancel, first)
        return self._calls.run_sync(flow)

    async def wait_for_video(
        self,
        job: VideoJob | str,
        *,
        timeout: float = DEFAULT_VIDEO_TIMEOUT,
        poll_interval: float = POLL_INTERVAL,
        max_interval: float = MAX_POLL_INTERVAL,
        cancel: threading.Event | None = None,
    ) -> VideoJob:
        """Async twin of :meth:`wait_for_video_sync` (cancelling the task stops it too)."""
        first = job if isinstance(job, VideoJob) else None
        flow = self._wait(_job_id(job), timeout, poll_interval, max_interval, cancel, first)
        return await self._calls.run(flow)

    def generate_video_sync(
        self,
        prompt: str | None,
        *,
        model: str,
        duration: int | None = None,
        resolution: str | None = None,
        aspect_ratio: str | None = None,
        seed: int | None = None,
        generate_audio: bool | None = None,
        first_frame: FilePart | str | None = None,
        last_frame: FilePart | str | None = None,
        timeout: float = DEFAULT_VIDEO_TIMEOUT,
        poll_interval: float = POLL_INTERVAL,
        max_interval: float = MAX_POLL_INTERVAL,
        cancel: threading.Event | None = None,
    ) -> VideoJob:
        """Create a job and wait for it (:meth:`create_video_sync` + :meth:`wait_for_video_sync`)."""
        job = self.create_video_sync(
            prompt, model=model, duration=duration, resolution=resolution, aspect_ratio=aspect_ratio,
            seed=seed, generate_audio=generate_audio, first_frame=first_frame, last_frame=last_frame,
        )  # fmt: skip
        return self.wait_for_video_sync(
            job, timeout=timeout, poll_interval=poll_interval, max_interval=max_interval, cancel=cancel
        )

    async def generate_video(
        self,
        prompt: str | None,
        *,
        model: str,
        duration: int | None = None,
        resolution: str | None = None,
        aspect_ratio: str | None = None,
        seed: int | None = None,
        generate_audio: bool | None = None,
        first_frame: FilePart | str | None = None,
        last_frame: FilePart | str | None = None,
        timeout: float = DEFAULT_VIDEO_TIMEOUT,
        poll_interval: float = POLL_INTERVAL,
        max_interval: float = MAX_POLL_INTERVAL,
        cancel: threading.Event | None = None,
    ) -> VideoJob:
        """Async twin of :meth:`generate_video_sync`."""
        job = await self.create_video(
            prompt, model=model, duration=duration, resolution=resolution, aspect_ratio=aspect_ratio,
            seed=seed, generate_audio=generate_audio, first_frame=first_frame, last_frame=last_frame,
        )  # fmt: skip
        return await self.wait_for_video(
            job, timeout=timeout, poll_interval=poll_interval, max_interval=max_interval, cancel=cancel
        )

    # -- models ----------------------------------------------------------------------------------------
    def _video_models(self) -> CallFlow[list[VideoModel]]:
        body = yield Get("videos/models")
        entries = body.get("data") if isinstance(body, Mapping) else None
        models = []
        for e in entries if isinstance(entries, list) else []:
            if isinstance(e, Mapping) and isinstance(e.get("id"), str):
                durations = e.get("supported_durations")
                models.append(
                    VideoModel(
                        id=e["id"],
                        name=as_str(e.get("name")) or "",
                        description=as_str(e.get("description")) or "",
                        supported_durations=tuple(
                            d
                            for d in (durations if isinstance(durations, list) else [])
                            if isinstance(d, int)
                        ),
                        supported_resolutions=strings(e.get("supported_resolutions")),
                        supported_aspect_ratios=strings(e.get("supported_aspect_ratios")),
                        generate_audio=opt_bool(e.get("generate_audio")),
                        raw=e,
                    )
                )
        return models

    def list_video_models_sync(self) -> list[VideoModel]:
        """The video generation models (``GET /videos/models``)."""
        return self._calls.run_sync(self._video_models())

    async def list_video_models(self) -> list[VideoModel]:
        """Async twin of :meth:`list_video_models_sync`."""
        return await self._calls.run(self._video_models())
