"""Whisper on the CPU through faster-whisper (CTranslate2, int8). Two ways through the model:

- a visitor's utterance (short, no word times wanted) is encoded over a 15 s window instead of
  Whisper's fixed 30 s one. The encoder's cost grows with the window, so a 2 s question takes
  about a third of the time. Shorter windows are cheaper still, but Whisper, trained on 30 s,
  then starts repeating itself or inventing: 5 s doubled the word error on spoken questions, 10 s
  added a fifth (tuning figures in BENCHMARKS.md);
- anything longer, or wanting word times (a film's soundtrack), goes through faster-whisper's
  own pipeline: 30 s windows, voice activity filter on long audio, temperature fallback.
"""

from __future__ import annotations

import threading
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

SAMPLE_RATE = 16_000


@dataclass
class Word:
    word: str
    start: float
    end: float
    probability: float


@dataclass
class Segment:
    id: int
    start: float
    end: float
    text: str
    avg_logprob: float
    no_speech_prob: float
    compression_ratio: float
    temperature: float = 0.0
    tokens: list[int] = field(default_factory=list)
    words: list[Word] = field(default_factory=list)


@dataclass
class Result:
    text: str
    language: str
    duration: float
    segments: list[Segment]
    seconds: float
    path: str


@dataclass(frozen=True)
class Options:
    beam_size: int = 5
    # Audio up to this long, wanting no word times, takes the short path.
    short_seconds: float = 20.0
    # The short path's window: the utterance and at least a second of silence, padded to this.
    short_window: float = 15.0
    # Whisper's own rule for "nobody spoke": likely silence and an unsure decoding.
    no_speech_threshold: float = 0.6
    log_prob_threshold: float = -1.0
    # A decoding that compresses this well repeats itself: a Whisper failure, retried.
    compression_ratio_threshold: float = 2.4


def compression_ratio(text: str) -> float:
    data = text.encode("utf-8")
    return len(data) / max(1, len(zlib.compress(data)))


class Transcriber:
    def __init__(self, model_folder: Path, *, threads: int, decoders: int = 1, options: Options = Options()):
        from faster_whisper import WhisperModel

        self.options = options
        self.model = WhisperModel(
            str(model_folder), device="cpu", compute_type="int8", cpu_threads=threads, num_workers=decoders
        )
        self._slots = threading.BoundedSemaphore(decoders)

    def warm_up(self) -> None:
        """One decoding of silence, so that the first visitor does not pay for lazy set-up."""
        self.transcribe(np.zeros(SAMPLE_RATE, dtype=np.float32))

    def transcribe(
        self,
        audio: np.ndarray,
        *,
        language: str | None = "en",
        prompt: str | None = None,
        words: bool = False,
        temperature: float | None = None,
    ) -> Result:
        started = time.monotonic()
        duration = len(audio) / SAMPLE_RATE
        if not self.model.model.is_multilingual:
            language = "en"
        with self._slots:
            result = None
            if not words and duration <= self.options.short_seconds and temperature in (None, 0.0):
                result = self._short(audio, language=language, prompt=prompt)
            if result is None:
                result = self._full(audio, language=language, prompt=prompt, words=words, temperature=temperature)
        result.duration = duration
        result.seconds = time.monotonic() - started
        return result

    def _tokenizer(self, language: str | None):
        from faster_whisper.tokenizer import Tokenizer

        return Tokenizer(
            self.model.hf_tokenizer,
            self.model.model.is_multilingual,
            task="transcribe",
            language=language or "en",
        )

    def _short(self, audio: np.ndarray, *, language: str | None, prompt: str | None) -> Result | None:
        import ctranslate2

        window = max(len(audio) + SAMPLE_RATE, int(SAMPLE_RATE * self.options.short_window))
        padded = np.concatenate([audio, np.zeros(window - len(audio), dtype=np.float32)])
        features = self.model.feature_extractor(padded)[:, :-1]
        frames = features.shape[1] - features.shape[1] % 2
        features = np.ascontiguousarray(features[None, :, :frames])
        encoded = self.model.model.encode(ctranslate2.StorageView.from_array(features), to_cpu=False)
        tokenizer = self._tokenizer(language)
        previous = []
        if prompt:
            previous = [tokenizer.sot_prev] + tokenizer.encode(" " + prompt.strip())[-(self.model.max_length // 2 - 1) :]
        sequence = previous + list(tokenizer.sot_sequence) + [tokenizer.no_timestamps]
        generated = self.model.model.generate(
            encoded,
            [sequence],
            beam_size=self.options.beam_size,
            max_length=self.model.max_length,
            return_scores=True,
            return_no_speech_prob=True,
            suppress_blank=True,
            suppress_tokens=[-1],
        )[0]
        tokens = [token for token in generated.sequences_ids[0] if token < tokenizer.eot]
        text = tokenizer.decode(tokens).strip()
        ratio = compression_ratio(text)
        if ratio > self.options.compression_ratio_threshold:
            # Repeating itself: the full pipeline's temperature fallback does better.
            return None
        average = generated.scores[0] * len(tokens) / (len(tokens) + 1)
        silent = (
            generated.no_speech_prob > self.options.no_speech_threshold and average < self.options.log_prob_threshold
        )
        segments = []
        if text and not silent:
            segments.append(
                Segment(
                    id=0,
                    start=0.0,
                    end=len(audio) / SAMPLE_RATE,
                    text=text,
                    avg_logprob=average,
                    no_speech_prob=generated.no_speech_prob,
                    compression_ratio=ratio,
                    tokens=tokens,
                )
            )
        return Result(
            text=" ".join(segment.text for segment in segments),
            language=language or "en",
            duration=0,
            segments=segments,
            seconds=0,
            path="short",
        )

    def _full(
        self,
        audio: np.ndarray,
        *,
        language: str | None,
        prompt: str | None,
        words: bool,
        temperature: float | None,
    ) -> Result:
        long = len(audio) > 30 * SAMPLE_RATE
        temperatures = [temperature] if temperature not in (None, 0.0) else [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]
        pieces, info = self.model.transcribe(
            audio,
            language=language,
            beam_size=self.options.beam_size,
            initial_prompt=prompt or None,
            word_timestamps=words,
            # Not conditioning on earlier text keeps one misheard window from repeating.
            condition_on_previous_text=False,
            vad_filter=long,
            temperature=temperatures,
            no_speech_threshold=self.options.no_speech_threshold,
            log_prob_threshold=self.options.log_prob_threshold,
            compression_ratio_threshold=self.options.compression_ratio_threshold,
        )
        segments = []
        for piece in pieces:
            text = piece.text.strip()
            if not text:
                continue
            segments.append(
                Segment(
                    id=len(segments),
                    start=round(piece.start, 3),
                    end=round(piece.end, 3),
                    text=text,
                    avg_logprob=piece.avg_logprob,
                    no_speech_prob=piece.no_speech_prob,
                    compression_ratio=piece.compression_ratio,
                    temperature=piece.temperature or 0.0,
                    tokens=list(piece.tokens),
                    words=[
                        Word(word.word.strip(), round(word.start, 3), round(word.end, 3), round(word.probability, 4))
                        for word in (piece.words or [])
                    ],
                )
            )
        return Result(
            text=" ".join(segment.text for segment in segments),
            language=info.language,
            duration=0,
            segments=segments,
            seconds=0,
            path="full",
        )
