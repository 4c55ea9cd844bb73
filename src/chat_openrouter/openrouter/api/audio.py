"""Speech (``POST /audio/speech``: text in, audio bytes out, streamable) and transcription
(``POST /audio/transcriptions``: audio in, text out).

::

    speech = api.speech_sync("Hello there", model="openai/gpt-4o-mini-tts", voice="alloy",
                             response_format="mp3")
    Path("hello.mp3").write_bytes(speech.data)

    with api.stream_speech_sync("A long story...", model="openai/gpt-4o-mini-tts") as audio:
        for chunk in audio:                     # play or save while it is being made
            player.write(chunk)

    heard = api.transcribe_sync(Path("hello.mp3"), model="openai/whisper-1")
    print(heard.text, heard.usage.seconds)
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from ...core.media import audio_format, sniff_audio_format
from ...core.parts import FilePart
from ...errors import ConfigurationError, DecodeError
from ...transport.base import header
from ...transport.raw import AsyncByteStream, ByteStream
from ...wire.common.lenient import as_mapping, as_str, dicts, opt_float, opt_int
from ._calls import CallFlow, Download, EndpointGroup, Post
from ._media import tokens, usage_cost

if TYPE_CHECKING:
    from decimal import Decimal

__all__ = [
    "AudioGroup",
    "Speech",
    "Transcription",
    "TranscriptionSegment",
    "TranscriptionUsage",
    "TranscriptionWord",
    "decode_transcription",
    "speech_request",
    "transcription_request",
]

SpeechFormat = Literal["mp3", "pcm"]
_SPEECH_TYPES = {"mp3": "audio/mpeg", "pcm": "audio/pcm"}
#: What we accept back from ``/audio/speech`` (spec: ``audio/*``).
_ACCEPT_AUDIO = "audio/*"


@dataclass(frozen=True, slots=True)
class Speech:
    """Generated speech: the audio bytes and their media type (``audio/mpeg``, ``audio/pcm``...)."""

    data: bytes
    media_type: str | None = None
    generation_id: str | None = None

    def as_part(self) -> FilePart:
        """The audio as a :class:`~chat_openrouter.FilePart` (to send to a model, or to save)."""
        return FilePart.from_bytes(self.data, self.media_type or "application/octet-stream")

    def __repr__(self) -> str:
        return f"Speech({len(self.data)} bytes, media_type={self.media_type!r})"


@dataclass(frozen=True, slots=True)
class TranscriptionSegment:
    """A stretch of the transcript with its start and end, in seconds (``verbose_json``)."""

    id: int
    start: float
    end: float
    text: str
    speaker: int | None = None


@dataclass(frozen=True, slots=True)
class TranscriptionWord:
    """One word with its start and end, in seconds (``timestamp_granularities=["word"]``)."""

    word: str
    start: float
    end: float
    speaker: int | None = None


@dataclass(frozen=True, slots=True)
class TranscriptionUsage:
    """Audio seconds, tokens and USD credits of a transcription (None when not said)."""

    seconds: float | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    total_tokens: int | None = None
    cost: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Transcription:
    """What was said: ``text``, and with ``response_format="verbose_json"`` language, duration, timings."""

    text: str
    language: str | None = None
    duration: float | None = None
    segments: tuple[TranscriptionSegment, ...] = ()
    words: tuple[TranscriptionWord, ...] = ()
    usage: TranscriptionUsage = field(default_factory=TranscriptionUsage)
    generation_id: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)


# -- the codec (pure) ----------------------------------------------------------------------------------------
def speech_request(
    text: str,
    *,
    model: str,
    voice: str | None = None,
    response_format: SpeechFormat | None = None,
    speed: float | None = None,
) -> dict[str, Any]:
    """The ``POST /audio/speech`` body (spec ``SpeechRequest``)."""
    if not isinstance(model, str) or not model:
        raise ConfigurationError("speech needs a model, e.g. model='openai/gpt-4o-mini-tts'")
    if not isinstance(text, str) or not text:
        raise ConfigurationError("speech needs non-empty text")
    if response_format is not None and response_format not in _SPEECH_TYPES:
        raise ConfigurationError(f"response_format must be 'mp3' or 'pcm', got {response_format!r}")
    if voice is not None and (not isinstance(voice, str) or not voice):
        raise ConfigurationError(f"voice must be a non-empty string, got {voice!r}")
    body: dict[str, Any] = {"model": model, "input": text}
    if voice is not None:
        body["voice"] = voice
    if response_format is not None:
        body["response_format"] = response_format
    if speed is not None:
        body["speed"] = speed
    return body


AudioSource = bytes | FilePart | Path


def _audio_input(audio: AudioSource, fmt: str | None) -> dict[str, str]:
    if isinstance(audio, Path):
        audio = FilePart.from_path(audio)
    if isinstance(audio, FilePart):
        data = audio.data
        if data is None:
            raise ConfigurationError(
                "transcribe needs the audio's bytes, not a URL: FilePart.from_path/from_bytes"
            )
        fmt = fmt or audio_format(audio.mime_type)
    elif isinstance(audio, (bytes, bytearray, memoryview)):
        data = bytes(audio)
    else:
        raise ConfigurationError(f"transcribe takes bytes, a Path or a FilePart, got {type(audio).__name__}")
    if not data:
        raise ConfigurationError("transcribe needs non-empty audio")
    fmt = fmt or sniff_audio_format(data)
    if fmt is None:
        raise ConfigurationError(
            "cannot tell the audio's format: pass format='wav' (or mp3, flac, ogg, m4a...)"
        )
    import base64

    return {"data": base64.b64encode(data).decode("ascii"), "format": fmt}


def transcription_request(
    audio: AudioSource,
    *,
    model: str,
    format: str | None = None,
    language: str | None = None,
    response_format: Literal["json", "verbose_json"] | None = None,
    temperature: float | None = None,
    timestamp_granularities: Sequence[Literal["word", "segment"]] | None = None,
) -> dict[str, Any]:
    """The ``POST /audio/transcriptions`` JSON body (spec ``STTRequest``: base64 ``input_audio``)."""
    if not isinstance(model, str) or not model:
        raise ConfigurationError("transcribe needs a model, e.g. model='openai/whisper-1'")
    body: dict[str, Any] = {"model": model, "input_audio": _audio_input(audio, format)}
    if language is not None:
        body["language"] = language
    if response_format is not None:
        body["response_format"] = response_format
    if temperature is not None:
        body["temperature"] = temperature
    if timestamp_granularities is not None:
        body["timestamp_granularities"] = list(timestamp_granularities)
    return body


def decode_transcription(body: Any, headers: Mapping[str, str]) -> Transcription:
    """A ``POST /audio/transcriptions`` answer (spec ``STTResponse``), leniently."""
    text = body.get("text") if isinstance(body, Mapping) else None
    if not isinstance(text, str):
        raise DecodeError(
            "POST /audio/transcriptions: expected an object with a 'text' string", snippet=str(body)[:120]
        )
    segments = tuple(
        TranscriptionSegment(
            id=opt_int(s.get("id")) or 0,
            start=opt_float(s.get("start")) or 0.0,
            end=opt_float(s.get("end")) or 0.0,
            text=as_str(s.get("text")) or "",
            speaker=opt_int(s.get("speaker")),
        )
        for s in dicts(body.get("segments"))
    )
    words = tuple(
        TranscriptionWord(
            word=as_str(w.get("word")) or "",
            start=opt_float(w.get("start")) or 0.0,
            end=opt_float(w.get("end")) or 0.0,
            speaker=opt_int(w.get("speaker")),
        )
        for w in dicts(body.get("words"))
    )
    usage = as_mapping(body.get("usage"))
    return Transcription(
        text=text,
        language=as_str(body.get("language")),
        duration=opt_float(body.get("duration")),
        segments=segments,
        words=words,
        usage=TranscriptionUsage(
            seconds=opt_float(usage.get("seconds")),
            input_tokens=tokens(usage, "input_tokens"),
            output_tokens=tokens(usage, "output_tokens"),
            total_tokens=tokens(usage, "total_tokens"),
            cost=usage_cost(usage)[0],
        ),
        generation_id=header(headers, "x-generation-id"),
        raw=body,
    )


# -- the endpoint group -------------------------------------------------------------------------------------
class AudioGroup(EndpointGroup):
    """``POST /audio/speech`` (whole or streamed) and ``POST /audio/transcriptions``."""

    def _speech(self, body: dict[str, Any]) -> CallFlow[Speech]:
        data, headers = yield Download("POST", "audio/speech", body=body, accept=_ACCEPT_AUDIO)
        return _speech(data, headers, body.get("response_format"))

    def speech_sync(
        self,
        text: str,
        *,
        model: str,
        voice: str | None = None,
        response_format: SpeechFormat | None = None,
        speed: float | None = None,
    ) -> Speech:
        """Speak ``text`` (``POST /audio/speech``); the whole audio, bounded by ``Limits.max_body_bytes``.

        ``response_format`` is ``"mp3"`` or ``"pcm"`` (raw 16-bit samples; the API's default when not
        given); ``voice`` and ``speed`` as the model supports them. For long texts prefer
        :meth:`stream_speech_sync`, which hands out the audio as it is made.
        """
        body = speech_request(text, model=model, voice=voice, response_format=response_format, speed=speed)
        return self._calls.run_sync(self._speech(body))

    async def speech(
        self,
        text: str,
        *,
        model: str,
        voice: str | None = None,
        response_format: SpeechFormat | None = None,
        speed: float | None = None,
    ) -> Speech:
        """Async twin of :meth:`speech_sync`."""
        body = speech_request(text, model=model, voice=voice, response_format=response_format, speed=speed)
        return await self._calls.run(self._speech(body))

    @contextmanager
    def stream_speech_sync(
        self,
        text: str,
        *,
        model: str,
        voice: str | None = None,
        response_format: SpeechFormat | None = None,
        speed: float | None = None,
    ) -> Iterator[ByteStream]:
        """Speak ``text`` and hand out the audio chunk by chunk as it arrives (a context manager).

        Iterate the stream for ``bytes``; ``content_type`` and ``generation_id`` describe it. Failures
        before the first chunk are retried like any call; afterwards they are raised. Leaving the block
        releases the connection.
        """
        body = speech_request(text, model=model, voice=voice, response_format=response_format, speed=speed)
        with self._calls.endpoint.stream_bytes("POST", "audio/speech", body, accept=_ACCEPT_AUDIO) as audio:
            yield audio

    @asynccontextmanager
    async def stream_speech(
        self,
        text: str,
        *,
        model: str,
        voice: str | None = None,
        response_format: SpeechFormat | None = None,
        speed: float | None = None,
    ) -> AsyncIterator[AsyncByteStream]:
        """Async twin of :meth:`stream_speech_sync` (``async with ... as audio: async for chunk in audio``)."""
        body = speech_request(text, model=model, voice=voice, response_format=response_format, speed=speed)
        async with self._calls.endpoint.astream_bytes(
            "POST", "audio/speech", body, accept=_ACCEPT_AUDIO
        ) as audio:
            yield audio

    def _transcribe(self, body: dict[str, Any]) -> CallFlow[Transcription]:
        answer, headers = yield Post("audio/transcriptions", body, with_headers=True)
        return decode_transcription(answer, headers)

    def transcribe_sync(
        self,
        audio: AudioSource,
        *,
        model: str,
        format: str | None = None,
        language: str | None = None,
        response_format: Literal["json", "verbose_json"] | None = None,
        temperature: float | None = None,
        timestamp_granularities: Sequence[Literal["word", "segment"]] | None = None,
    ) -> Transcription:
        """Transcribe audio (bytes, a ``Path`` or a ``FilePart``) to text (``POST /audio/transcriptions``).

        ``format`` (``wav``, ``mp3``, ``flac``, ``ogg``, ``m4a``...) is taken from the file's MIME type
        or its first bytes when not given. ``response_format="verbose_json"`` adds the language, the
        duration and timed segments (``timestamp_granularities=["word"]``: timed words too).
        """
        body = transcription_request(
            audio, model=model, format=format, language=language, response_format=response_format,
            temperature=temperature, timestamp_granularities=timestamp_granularities,
        )  # fmt: skip
        return self._calls.run_sync(self._transcribe(body))

    async def transcribe(
        self,
        audio: AudioSource,
        *,
        model: str,
        format: str | None = None,
        language: str | None = None,
        response_format: Literal["json", "verbose_json"] | None = None,
        temperature: float | None = None,
        timestamp_granularities: Sequence[Literal["word", "segment"]] | None = None,
    ) -> Transcription:
        """Async twin of :meth:`transcribe_sync`."""
        body = transcription_request(
            audio, model=model, format=format, language=language, response_format=response_format,
            temperature=temperature, timestamp_granularities=timestamp_granularities,
        )  # fmt: skip
        return await self._calls.run(self._transcribe(body))


def _speech(data: bytes, headers: Mapping[str, str], fmt: str | None) -> Speech:
    media_type = (header(headers, "content-type") or "").split(";", 1)[0].strip() or None
    if media_type in (None, "application/octet-stream") and fmt is not None:
        media_type = _SPEECH_TYPES[fmt]
    return Speech(data, media_type, header(headers, "x-generation-id"))
