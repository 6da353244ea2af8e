"""Uploaded audio to what Whisper takes: float32 mono at 16 kHz. A 16-bit WAV (what Cinema Chat
sends) is read directly; anything else OpenAI's endpoint accepts is decoded by PyAV."""

from __future__ import annotations

import io
import struct

import numpy as np

from .transcriber import SAMPLE_RATE


class AudioError(Exception):
    pass


def _pcm_wav(data: bytes) -> np.ndarray | None:
    """The samples of a PCM 16-bit WAV at 16 kHz, or None when it is any other kind of file."""
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        return None
    offset = 12
    channels = rate = bits = None
    while offset + 8 <= len(data):
        chunk, size = struct.unpack_from("<4sI", data, offset)
        body = offset + 8
        if chunk == b"fmt " and size >= 16:
            if body + 16 > len(data):
                return None  # cut off inside its header: PyAV says what is wrong with it
            audio_format, channels, rate, _, _, bits = struct.unpack_from("<HHIIHH", data, body)
            if audio_format not in (1, 0xFFFE) or bits != 16:
                return None
        elif chunk == b"data":
            if channels is None or rate != SAMPLE_RATE:
                return None
            # A streamed WAV may say 0 or too much for its data's size: take what is there.
            end = min(len(data), body + size) if size else len(data)
            end -= (end - body) % (2 * channels)
            samples = np.frombuffer(data[body:end], dtype="<i2").astype(np.float32) / 32768.0
            if channels > 1:
                samples = samples.reshape(-1, channels).mean(axis=1)
            return samples
        offset = body + size + (size & 1)
    return None


def decode(data: bytes) -> np.ndarray:
    if not data:
        raise AudioError("The uploaded file is empty.")
    samples = _pcm_wav(data)
    if samples is None:
        samples = _decoded(data)
    if len(samples) == 0:
        # A header and no sound (a recording stopped at once): nothing to hear, and Whisper's
        # feature extractor has nothing to work on.
        raise AudioError("The uploaded audio has no samples: it lasts 0 seconds.")
    return samples


def _decoded(data: bytes) -> np.ndarray:
    """Any other format, by PyAV (FFmpeg's decoders), resampled to 16 kHz mono."""
    from faster_whisper.audio import decode_audio

    try:
        return decode_audio(io.BytesIO(data), sampling_rate=SAMPLE_RATE)
    except Exception as error:  # PyAV raises many kinds; all mean the same to the caller.
        raise AudioError(f"The uploaded file is not audio that can be read ({type(error).__name__}: {error}).") from None
