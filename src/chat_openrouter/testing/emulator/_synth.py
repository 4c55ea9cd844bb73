"""Tiny, valid, deterministic media files: what the emulator's image, speech and video models "make".

* **PNG** -- an RGB gradient at most 32 pixels on its long side, its colours derived from the prompt, in
  the requested aspect ratio; **SVG** -- the same picture as a vector file.
* **WAV / PCM16** -- a quiet sine tone (24 kHz, 16-bit, mono) whose pitch comes from the text and whose
  length is the time it takes to read the text; the WAV carries the text in a ``LIST/INFO/ICMT`` chunk.
* **MP3** -- silent MPEG-1 Layer III frames (128 kbit/s, 44.1 kHz, mono) of the same length, after an
  ID3v2.4 tag whose ``TXXX:emulator-text`` frame carries the text.
* **MP4** -- an ISO BMFF container (``ftyp``, ``moov/mvhd`` with the duration, ``free`` with the prompt,
  empty ``mdat``): structurally valid, no tracks.

:func:`read_audio` reads any of the audio back -- format, duration and, for the emulator's own WAV and
MP3, the text -- which is how ``/audio/transcriptions`` turns the emulator's speech back into its words.
"""

from __future__ import annotations

import array
import hashlib
import math
import struct
import sys
import zlib
from dataclasses import dataclass

__all__ = [
    "SAMPLE_RATE",
    "AudioInfo",
    "image_size",
    "mp3",
    "mp4",
    "pcm16",
    "png",
    "read_audio",
    "speech_seconds",
    "svg",
    "wav",
]

SAMPLE_RATE = 24000
_MAX_SECONDS = 60.0
_SECONDS_PER_WORD = 0.3
_TEXT_TAG = "emulator-text"
# MPEG-1 Layer III, no CRC | 128 kbit/s, 44.1 kHz, no padding | mono, original: 417-byte frames of 1152
# samples. All-zero side information and main data decode as silence.
_MP3_HEADER = bytes((0xFF, 0xFB, 0x90, 0xC4))
_MP3_FRAME = _MP3_HEADER + bytes(417 - 4)
_MP3_FRAME_SECONDS = 1152 / 44100


# -- images ----------------------------------------------------------------------------------------------
def image_size(aspect_ratio: str | None, long_side: int = 32) -> tuple[int, int]:
    """``(width, height)`` for an aspect ratio such as ``"16:9"`` (square when absent or unreadable)."""
    try:
        w_text, h_text = (aspect_ratio or "1:1").split(":")
        w, h = float(w_text), float(h_text)
        if not (w > 0 and h > 0 and math.isfinite(w) and math.isfinite(h)):
            raise ValueError
    except ValueError:
        w = h = 1.0
    if w >= h:
        return long_side, max(1, round(long_side * h / w))
    return max(1, round(long_side * w / h)), long_side


def _colours(seed: str) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
    digest = hashlib.sha256(seed.encode("utf-8")).digest()
    return (digest[0], digest[1], digest[2]), (digest[3], digest[4], digest[5])


def png(seed: str, width: int, height: int) -> bytes:
    """A ``width`` x ``height`` RGB PNG whose diagonal gradient is chosen by ``seed``."""
    (r0, g0, b0), (r1, g1, b1) = _colours(seed)
    span = max(1, width + height - 2)
    rows = bytearray()
    for y in range(height):
        rows.append(0)  # filter type: none
        for x in range(width):
            t = (x + y) / span
            rows += bytes((round(r0 + (r1 - r0) * t), round(g0 + (g1 - g0) * t), round(b0 + (b1 - b0) * t)))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB, no interlace
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(bytes(rows), 9))
        + _png_chunk(b"IEND", b"")
    )


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def svg(seed: str, width: int, height: int) -> bytes:
    """The same gradient as :func:`png`, as an SVG document."""
    (r0, g0, b0), (r1, g1, b1) = _colours(seed)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}"><defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1">'
        f'<stop offset="0" stop-color="#{r0:02x}{g0:02x}{b0:02x}"/>'
        f'<stop offset="1" stop-color="#{r1:02x}{g1:02x}{b1:02x}"/></linearGradient></defs>'
        f'<rect width="{width}" height="{height}" fill="url(#g)"/></svg>'
    ).encode()


# -- audio -----------------------------------------------------------------------------------------------
def speech_seconds(text: str, speed: float = 1.0) -> float:
    """How long reading ``text`` aloud takes, in seconds (0.3 s a word at speed 1, at most a minute)."""
    words = max(1, len(text.split()))
    speed = speed if math.isfinite(speed) and speed > 0 else 1.0
    return min(_MAX_SECONDS, round(words * _SECONDS_PER_WORD / speed, 3))


def pcm16(text: str, seconds: float) -> bytes:
    """Raw 16-bit little-endian mono samples at 24 kHz: a quiet tone whose pitch comes from ``text``."""
    pitch = 220 + hashlib.sha256(text.encode("utf-8")).digest()[0] * 2  # 220..730 Hz
    count = int(SAMPLE_RATE * min(seconds, _MAX_SECONDS))
    step = 2 * math.pi * pitch / SAMPLE_RATE
    samples = array.array("h", (int(3000 * math.sin(step * i)) for i in range(count)))
    if sys.byteorder != "little":
        samples.byteswap()
    return samples.tobytes()


def wav(text: str, seconds: float) -> bytes:
    """A WAV file of :func:`pcm16` audio that carries ``text`` in its ``LIST/INFO/ICMT`` chunk."""
    data = pcm16(text, seconds)
    fmt = struct.pack("<HHIIHH", 1, 1, SAMPLE_RATE, SAMPLE_RATE * 2, 2, 16)
    comment = _TEXT_TAG.encode() + b":" + text.encode("utf-8") + b"\x00"
    info = b"INFO" + _riff_chunk(b"ICMT", comment)
    body = b"WAVE" + _riff_chunk(b"fmt ", fmt) + _riff_chunk(b"LIST", info) + _riff_chunk(b"data", data)
    return b"RIFF" + struct.pack("<I", len(body)) + body


def _riff_chunk(kind: bytes, data: bytes) -> bytes:
    return kind + struct.pack("<I", len(data)) + data + (b"\x00" if len(data) % 2 else b"")


def mp3(text: str, seconds: float) -> bytes:
    """Silent MP3 frames lasting ``seconds``, after an ID3v2.4 tag carrying ``text``."""
    payload = b"\x03" + _TEXT_TAG.encode() + b"\x00" + text.encode("utf-8")  # UTF-8 TXXX frame
    frame = b"TXXX" + _syncsafe(len(payload)) + b"\x00\x00" + payload
    tag = b"ID3\x04\x00\x00" + _syncsafe(len(frame)) + frame
    frames = max(1, math.ceil(min(seconds, _MAX_SECONDS) / _MP3_FRAME_SECONDS))
    return tag + _MP3_FRAME * frames


def _syncsafe(value: int) -> bytes:
    return bytes(((value >> 21) & 0x7F, (value >> 14) & 0x7F, (value >> 7) & 0x7F, value & 0x7F))


def _unsyncsafe(data: bytes) -> int:
    return (data[0] << 21) | (data[1] << 14) | (data[2] << 7) | data[3]


@dataclass(frozen=True, slots=True)
class AudioInfo:
    """What :func:`read_audio` found: the container, the duration, and the emulator's text if present."""

    format: str
    seconds: float
    text: str | None


def read_audio(data: bytes) -> AudioInfo:
    """Recognise WAV, MP3 or anything else (taken as raw 24 kHz PCM16) and measure it. Never raises."""
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return _read_wav(data)
    if data[:3] == b"ID3" or data[:2] in (b"\xff\xfb", b"\xff\xf3", b"\xff\xf2"):
        return _read_mp3(data)
    return AudioInfo("pcm16", round(len(data) / (2 * SAMPLE_RATE), 3), None)


def _read_wav(data: bytes) -> AudioInfo:
    rate, block, frames, text = SAMPLE_RATE, 2, 0, None
    position = 12
    while position + 8 <= len(data):
        kind = data[position : position + 4]
        size = struct.unpack("<I", data[position + 4 : position + 8])[0]
        chunk = data[position + 8 : position + 8 + size]
        if kind == b"fmt " and len(chunk) >= 16:
            _, _, rate, _, block, _ = struct.unpack("<HHIIHH", chunk[:16])
        elif kind == b"data":
            frames = len(chunk) // max(1, block)
        elif kind == b"LIST" and chunk[:4] == b"INFO":
            text = _wav_text(chunk[4:]) or text
        position += 8 + size + (size % 2)
    return AudioInfo("wav", round(frames / max(1, rate), 3), text)


def _wav_text(info: bytes) -> str | None:
    position = 0
    while position + 8 <= len(info):
        kind = info[position : position + 4]
        size = struct.unpack("<I", info[position + 4 : position + 8])[0]
        value = info[position + 8 : position + 8 + size].rstrip(b"\x00")
        prefix = _TEXT_TAG.encode() + b":"
        if kind == b"ICMT" and value.startswith(prefix):
            return value[len(prefix) :].decode("utf-8", "replace")
        position += 8 + size + (size % 2)
    return None


def _read_mp3(data: bytes) -> AudioInfo:
    text, start = None, 0
    if data[:3] == b"ID3" and len(data) >= 10:
        start = 10 + _unsyncsafe(data[6:10])
        position = 10
        while position + 10 <= min(start, len(data)):
            kind, size = data[position : position + 4], _unsyncsafe(data[position + 4 : position + 8])
            body = data[position + 10 : position + 10 + size]
            if kind == b"TXXX" and body[:1] == b"\x03":
                description, _, value = body[1:].partition(b"\x00")
                if description == _TEXT_TAG.encode():
                    text = value.decode("utf-8", "replace")
            if not kind.strip(b"\x00") or size == 0:
                break
            position += 10 + size
    frames = max(0, len(data) - start) // len(_MP3_FRAME)
    return AudioInfo("mp3", round(frames * _MP3_FRAME_SECONDS, 3), text)


# -- video -----------------------------------------------------------------------------------------------
def mp4(prompt: str, seconds: int) -> bytes:
    """A minimal ISO BMFF file: ``ftyp``, ``moov/mvhd`` (``seconds`` long), ``free`` (the prompt), ``mdat``."""
    ftyp = _box(b"ftyp", b"isom" + struct.pack(">I", 0x200) + b"isomiso2mp41")
    matrix = struct.pack(">9I", 0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000)
    mvhd = _box(
        b"mvhd",
        struct.pack(">BxxxIIII", 0, 0, 0, 1000, max(0, seconds) * 1000)
        + struct.pack(">IH10x", 0x10000, 0x100)
        + matrix
        + bytes(24)
        + struct.pack(">I", 1),
    )
    note = _box(b"free", b"chat-openrouter emulator: " + prompt.encode("utf-8"))
    return ftyp + _box(b"moov", mvhd) + note + _box(b"mdat", b"")


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload
