"""The media room, part two: speech (``/audio/speech``), transcription (``/audio/transcriptions``), video jobs.

* Speech streams its audio back in pieces (``mp3``: silent frames after an ID3 tag carrying the text;
  ``pcm``: a 24 kHz 16-bit tone), so a client can play -- or save -- it as it arrives.
* Transcription takes JSON (``input_audio``: base64 + format) or a multipart upload (``file``); the
  emulator's own speech comes back as its words, any other audio as a one-line description.
* ``POST /videos`` answers 202 with a job; ``GET /videos/{id}`` says ``in_progress`` for the first
  ``Emulator(video_polls=...)`` polls, then ``completed`` with a content URL; the content is a tiny MP4.
"""

from __future__ import annotations

import base64
import binascii
import email.parser
import email.policy
from typing import Any

from . import _synth
from ._asgi import Reply, json_reply
from ._context import Context, generation_record
from ._errors import RequestError, not_found
from ._faults import raise_upfront_fault
from ._media import media_headers
from ._planning import count_tokens
from ._routing import Request, Router
from ._shapes import Shape, check
from ._state import VideoJob
from ._streaming import byte_stream

__all__ = ["AudioVideoRoom"]

MAX_SPEECH_CHARACTERS = 4096  # OpenAI's TTS input limit
MAX_UPLOAD_BYTES = 25 * 1024 * 1024  # the spec's multipart `file` limit
_SPEECH_FORMATS = {"mp3": "audio/mpeg", "pcm": "audio/pcm"}
_STREAM_PIECES = 4
_VIDEO_DURATIONS = (1, 2, 4, 8)

_SPEECH: Shape = {
    "type": "object",
    "required": ["input", "model"],
    "properties": {
        "input": {"type": "string"},
        "model": {"type": "string"},
        "voice": {"type": "string", "minLength": 1},
        "response_format": {"type": "string", "enum": list(_SPEECH_FORMATS)},
        "speed": {"type": "number"},
        "provider": {"type": "object"},
    },
}
_TRANSCRIPTION: Shape = {
    "type": "object",
    "required": ["input_audio", "model"],
    "properties": {
        "input_audio": {
            "type": "object",
            "required": ["data", "format"],
            "properties": {"data": {"type": "string"}, "format": {"type": "string"}},
        },
        "model": {"type": "string"},
        "language": {"type": "string"},
        "response_format": {"type": "string", "enum": ["json", "verbose_json"]},
        "temperature": {"type": "number"},
        "timestamp_granularities": {
            "type": "array",
            "items": {"type": "string", "enum": ["word", "segment"]},
        },
        "provider": {"type": "object"},
    },
}
_VIDEO: Shape = {
    "type": "object",
    "required": ["model"],
    "properties": {
        "model": {"type": "string"},
        "prompt": {"type": "string"},
        "duration": {"type": "integer", "minimum": 1},
        "resolution": {"type": "string", "enum": ["480p", "720p", "768p", "1080p", "1K", "2K", "4K"]},
        "aspect_ratio": {"type": "string"},
        "seed": {"type": "integer"},
        "provider": {"type": "object"},
    },
}


class AudioVideoRoom:
    """Serves speech, transcription and video jobs."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def register(self, router: Router) -> None:
        router.add("POST", "/audio/speech", self.speech)
        router.add("POST", "/audio/transcriptions", self.transcription)
        router.add("POST", "/videos", self.create_video)
        router.add("GET", "/videos/{job_id}", self.poll_video)
        router.add("GET", "/videos/{job_id}/content", self.video_content)

    def _remember(
        self,
        request: Request,
        key: str,
        gen_id: str,
        model_id: str,
        api_type: str,
        prompt: int,
        completion: int,
        cost: float,
    ) -> None:
        record = generation_record(
            gen_id,
            created=self.ctx.now(),
            model=self.ctx.models[model_id],
            cost=cost,
            api_type=api_type,
            request=request,
            prompt_tokens=prompt,
            completion_tokens=completion,
            finish_reason="stop",
            native_finish_reason="stop",
        )
        self.ctx.remember(record, key=key)
        request.record.generation_id = gen_id

    # -- speech ---------------------------------------------------------------------------------------------
    async def speech(self, request: Request) -> Reply:
        key = self.ctx.authenticate(request)
        body = self.ctx.read_body(request, "SpeechRequest", _SPEECH)
        model = self.ctx.model(body["model"], behaviours=("speech",), path=request.path)
        request.record.model = model.id
        raise_upfront_fault(self.ctx, request.headers, request.path, model.id, body)
        text = body["input"]
        if len(text) > MAX_SPEECH_CHARACTERS:
            raise RequestError(400, f"input: at most {MAX_SPEECH_CHARACTERS} characters, got {len(text)}")
        fmt = body.get("response_format", "mp3")
        seconds = _synth.speech_seconds(text, float(body.get("speed", 1.0)))
        audio = _synth.mp3(text, seconds) if fmt == "mp3" else _synth.pcm16(text, seconds)
        gen_id = self.ctx.generation_id()
        # TTS is billed per character of input.
        self._remember(request, key, gen_id, model.id, "tts", len(text), 0, model.cost(len(text), 0)[0])
        size = -(-len(audio) // _STREAM_PIECES)
        pieces = [audio[i : i + size] for i in range(0, len(audio), size)]
        return byte_stream(pieces, _SPEECH_FORMATS[fmt], media_headers(gen_id))

    # -- transcription --------------------------------------------------------------------------------------
    async def transcription(self, request: Request) -> Reply:
        key = self.ctx.authenticate(request)
        if request.content_type == "multipart/form-data":
            body, audio = _multipart_transcription(request)  # checked by the emulator's own shape only
        else:
            body = self.ctx.read_body(request, "STTRequest", _TRANSCRIPTION)
            try:
                audio = base64.b64decode(body["input_audio"]["data"], validate=True)
            except (binascii.Error, ValueError):
                raise RequestError(400, "input_audio.data: expected base64-encoded audio") from None
        model = self.ctx.model(body.get("model"), behaviours=("transcription",), path=request.path)
        request.record.model = model.id
        raise_upfront_fault(self.ctx, request.headers, request.path, model.id, {"model": model.id})
        info = _synth.read_audio(audio)
        text = info.text if info.text is not None else f"[{info.seconds:g} seconds of {info.format} audio]"
        tokens = count_tokens(text)
        gen_id = self.ctx.generation_id()
        cost = model.cost(0, tokens)[0]
        self._remember(request, key, gen_id, model.id, "stt", 0, tokens, cost)
        answer: dict[str, Any] = {
            "text": text,
            "usage": {"seconds": info.seconds, "output_tokens": tokens, "total_tokens": tokens, "cost": cost},
        }
        if body.get("response_format") == "verbose_json":
            answer.update(_verbose(text, info.seconds, str(body.get("language") or "en"), body))
        return json_reply(200, answer, media_headers(gen_id))

    # -- video ----------------------------------------------------------------------------------------------
    async def create_video(self, request: Request) -> Reply:
        key = self.ctx.authenticate(request)
        body = self.ctx.read_body(request, "VideoGenerationRequest", _VIDEO)
        model = self.ctx.model(body["model"], behaviours=("video",), path=request.path)
        request.record.model = model.id
        raise_upfront_fault(self.ctx, request.headers, request.path, model.id, body)
        duration = body.get("duration", 4)
        if duration not in _VIDEO_DURATIONS:
            choices = ", ".join(map(str, _VIDEO_DURATIONS))
            raise RequestError(400, f"duration: {model.id} makes videos of {choices} seconds, not {duration}")
        gen_id = self.ctx.generation_id()
        cost = model.cost(0, 0, units=duration)[0]
        self._remember(request, key, gen_id, model.id, "video", count_tokens(body.get("prompt", "")), 0, cost)
        job = VideoJob(
            "job-" + self.ctx.token(16),
            gen_id,
            model.id,
            str(body.get("prompt", "")),
            duration,
            str(body.get("resolution", "720p")),
            cost,
        )
        with self.ctx.lock:
            self.ctx.state.videos[job.id] = job
        return json_reply(202, _job_status(job, "pending", request), media_headers(gen_id))

    def _job(self, request: Request) -> VideoJob:
        self.ctx.authenticate(request)
        with self.ctx.lock:
            job = self.ctx.state.videos.get(request.params["job_id"])
        if job is None:
            raise not_found(f"Video job {request.params['job_id']} not found")
        return job

    async def poll_video(self, request: Request) -> Reply:
        job = self._job(request)
        with self.ctx.lock:
            job.polls += 1
            done = job.polls > self.ctx.settings.video_polls
        return json_reply(200, _job_status(job, "completed" if done else "in_progress", request))

    async def video_content(self, request: Request) -> Reply:
        job = self._job(request)
        if job.polls <= self.ctx.settings.video_polls:
            raise RequestError(400, f"Video job {job.id} has not completed yet: poll GET /videos/{job.id}")
        if request.query.get("index", "0") != "0":
            raise not_found(f"Video job {job.id} has one output (index 0)")
        video = _synth.mp4(job.prompt, job.duration)
        return byte_stream([video[: len(video) // 2], video[len(video) // 2 :]], "video/mp4")


def _job_status(job: VideoJob, status: str, request: Request) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "id": job.id,
        "generation_id": job.generation_id,
        "polling_url": f"/api/v1/videos/{job.id}",
        "status": status,
    }
    if status == "completed":
        answer["unsigned_urls"] = [f"{request.origin}/api/v1/videos/{job.id}/content?index=0"]
        answer["usage"] = {"cost": job.cost, "is_byok": False}
    return answer


def _verbose(text: str, seconds: float, language: str, body: dict[str, Any]) -> dict[str, Any]:
    """``verbose_json``: one segment for the whole text, and word timings spread evenly over it."""
    extra: dict[str, Any] = {
        "task": "transcribe",
        "language": language,
        "duration": seconds,
        "segments": [{"id": 0, "start": 0.0, "end": seconds, "text": text}],
    }
    granularities = body.get("timestamp_granularities") or body.get("timestamp_granularities[]") or []
    if "word" in granularities:
        spoken = text.split()
        step = seconds / max(1, len(spoken))
        extra["words"] = [
            {"word": word, "start": round(i * step, 3), "end": round((i + 1) * step, 3)}
            for i, word in enumerate(spoken)
        ]
    return extra


def _multipart_transcription(request: Request) -> tuple[dict[str, Any], bytes]:
    """The form fields and the uploaded ``file`` of a ``multipart/form-data`` transcription request."""
    content_type = request.headers.get("content-type", "")
    parser = email.parser.BytesParser(policy=email.policy.HTTP)
    message = parser.parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + request.raw
    )
    if not message.is_multipart():
        raise RequestError(400, "Invalid multipart/form-data body (is the boundary right?)")
    fields: dict[str, Any] = {}
    audio: bytes | None = None
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        if not isinstance(name, str) or not isinstance(payload, bytes):
            continue
        if name == "file":
            audio = payload
        elif name.endswith("[]"):
            fields.setdefault(name[:-2], []).append(payload.decode("utf-8", "replace"))
        else:
            fields[name] = payload.decode("utf-8", "replace")
    if audio is None:
        raise RequestError(400, "file: required (the audio to transcribe)")
    if len(audio) > MAX_UPLOAD_BYTES:
        raise RequestError(413, f"file: at most {MAX_UPLOAD_BYTES} bytes; send larger audio as input_audio")
    if "temperature" in fields:
        try:
            fields["temperature"] = float(fields["temperature"])
        except ValueError:
            raise RequestError(400, "temperature: expected a number") from None
    request.record.body = dict(fields)
    check(fields, {k: v for k, v in _TRANSCRIPTION.items() if k != "required"} | {"required": ["model"]})
    return fields, audio
