"""Whisper on the CPU through faster-whisper (CTranslate2, int8). Two ways through the model:

- a visitor's utterance (short, no word times wanted) is encoded over a 15 s window instead of
  Whisper's fixed 30 s one. The encoder's cost grows with the window, so a 2 s question takes
  about a third of the time. Shorter windows are cheaper still, but Whisper, trained on 30 s,
  then starts repeating itself or inventing: 5 s doubled the word error on spoken questions, 10 s
  added a fifth (tuning figures in BENCHMARKS.md);
- anything longer, or wanting word times (a film's soundtrack), goes through faster-whisper's
  own pipeline: 30 s windows, voice activity filter on long audio, temperature fallback.

Whisper writes text for sounds that are not speech, so neither way decodes audio in which the
speech gate (gate.py: Silero VAD) hears nobody, and what Whisper is known to invent
(inventions.py: sign-offs, web addresses, looped lines, the prompt written back) is dropped from
what it returns.
"""

from __future__ import annotations

import threading
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import inventions
from .gate import SpeechGate

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
class Piece:
    """A stretch of the short path's decoding between two of Whisper's timestamps."""

    start: float
    end: float
    text: str
    # Whether Whisper closed it with a timestamp; an open last piece was cut off.
    closed: bool


@dataclass
class Result:
    text: str
    language: str
    duration: float
    segments: list[Segment]
    seconds: float
    # short, full, or no-speech when the gate heard nobody and Whisper was not asked.
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
    # The speech gate: audio with less than gate_min_speech seconds of Silero frames at or above
    # gate_threshold is not decoded (gate.py says why these numbers).
    speech_gate: bool = True
    gate_threshold: float = 0.5
    gate_min_speech: float = 0.15
    # The short path's token budget. Speech is at most about 6 tokens a second with timestamps;
    # a decoding that loops would otherwise run to Whisper's 224 tokens, about 3 s on base.
    short_min_tokens: int = 16
    short_tokens_per_second: float = 10.0
    # Whether the short path decodes with Whisper's timestamps, which show what it wrote into the
    # padding after the speech (dropped). With beam 1 and a window of the utterance and a second
    # they halved tiny.en's word error on the film clips; with beam 5, the 15 s window and the
    # client's prompt they cost words (base 0.13 -> 0.19 on the clips up to 20 s) and time, so
    # they are off: a loop is still cut at the token budget, a doubled line still kept once.
    short_timestamps: bool = False
    # A piece that starts this close to the end of the audio, or later, was heard in the short
    # path's padding of silence: invented.
    short_end_margin: float = 0.1


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
        self.gate = SpeechGate(options.gate_threshold, options.gate_min_speech) if options.speech_gate else None

    def warm_up(self) -> None:
        """One decoding of silence past the gate, and the gate once, so that the first visitor does
        not pay for lazy set-up."""
        silence = np.zeros(SAMPLE_RATE, dtype=np.float32)
        if self.gate is not None:
            self.gate.warm_up()
        self._short(silence, language="en", prompt=None)

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
            if not self._has_speech(audio):
                result = Result(text="", language=language or "en", duration=0, segments=[], seconds=0, path="no-speech")
            elif not words and duration <= self.options.short_seconds and temperature in (None, 0.0):
                result = self._short(audio, language=language, prompt=prompt)
            if result is None:
                result = self._full(audio, language=language, prompt=prompt, words=words, temperature=temperature)
        result.duration = duration
        result.seconds = time.monotonic() - started
        return result

    def _has_speech(self, audio: np.ndarray) -> bool:
        # Long audio goes through faster-whisper's own voice activity filter (the same Silero
        # model), so it is not scored twice.
        if self.gate is None or len(audio) > 30 * SAMPLE_RATE:
            return True
        return self.gate.has_speech(audio)

    def _tokenizer(self, language: str | None):
        from faster_whisper.tokenizer import Tokenizer

        return Tokenizer(
            self.model.hf_tokenizer,
            self.model.model.is_multilingual,
            task="transcribe",
            language=language or "en",
        )

    def _short(self, audio: np.ndarray, *, language: str | None, prompt: str | None) -> Result | None:
        """The utterance decoded in a window shorter than Whisper's 30 s, within a token budget,
        without what Whisper is known to invent. None when the decoding failed in a way the full
        pipeline handles better."""
        import ctranslate2

        duration = len(audio) / SAMPLE_RATE
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
        sequence = previous + list(tokenizer.sot_sequence)
        if not self.options.short_timestamps:
            sequence.append(tokenizer.no_timestamps)
        budget = int(self.options.short_min_tokens + self.options.short_tokens_per_second * duration)
        generated = self.model.model.generate(
            encoded,
            [sequence],
            beam_size=self.options.beam_size,
            max_length=self._max_length(len(sequence), budget),
            return_scores=True,
            return_no_speech_prob=True,
            suppress_blank=True,
            suppress_tokens=[-1],
        )[0]
        ids = generated.sequences_ids[0]
        if self.options.short_timestamps:
            pieces = _first_of_runs(_pieces(ids, tokenizer, duration, self.options.short_end_margin), times=2)
        else:
            # One piece, left open when the decoding ran to its budget.
            text = tokenizer.decode([token for token in ids if token < tokenizer.eot]).strip()
            pieces = [Piece(0.0, duration, text, len(ids) < budget)] if text else []
        if pieces and not pieces[-1].closed:
            looped = _end_loop(pieces)
            if not looped and len(ids) >= budget:
                return None  # cut off at the budget, but not in a loop: the full pipeline retries it
        text = " ".join(inventions.collapse_repeated_sentences(piece.text) for piece in pieces).strip()
        text = inventions.without_echo(text, prompt)
        ratio = compression_ratio(text)
        if ratio > self.options.compression_ratio_threshold:
            # Repeating itself: the full pipeline's temperature fallback does better.
            return None
        tokens = [token for token in ids if token < tokenizer.eot]
        average = generated.scores[0] * len(ids) / (len(ids) + 1) if ids else -10.0
        # Whisper's own rule for "nobody spoke" (likely silence and an unsure decoding) is left to
        # the gate when there is one: on a shortened window Whisper gave real speech a
        # no_speech_prob of 0.6 to 0.75 and, with timestamps, an average below -1 (espeak's "Why
        # did they lock the door?"), and the rule dropped it.
        silent = (
            self.gate is None
            and generated.no_speech_prob > self.options.no_speech_threshold
            and average < self.options.log_prob_threshold
        )
        segments = []
        if text and not silent and not inventions.is_invention(text, whole=True):
            segments.append(
                Segment(
                    id=0,
                    start=pieces[0].start,
                    end=pieces[-1].end,
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

    def _max_length(self, prompt_length: int, budget: int) -> int:
        """CTranslate2's max_length for `budget` new tokens. Measured on ctranslate2 4.8: Whisper's
        generate writes at most max_length // 2 tokens, and at most max_length less the prompt."""
        return min(self.model.max_length, max(2 * budget, prompt_length + budget))

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
            if not text or inventions.is_invention(text) or not inventions.without_echo(text, prompt):
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
        segments = _without_loops(segments, self.options.no_speech_threshold)
        if inventions.is_invention(" ".join(segment.text for segment in segments), whole=True):
            segments = []
        return Result(
            text=" ".join(segment.text for segment in segments),
            language=info.language,
            duration=0,
            segments=segments,
            seconds=0,
            path="full",
        )


def _pieces(ids: list[int], tokenizer, duration: float, margin: float) -> list[Piece]:
    """Each timestamped piece of the decoding that starts within the audio, more than `margin`
    before its end; a piece that starts later is Whisper writing on into the padding when nobody
    speaks."""
    pieces = []
    start, tokens, last_end = None, [], 0.0
    for token in list(ids) + [None]:
        timestamp = token is not None and token >= tokenizer.timestamp_begin
        if timestamp and start is None and not tokens:
            start = (token - tokenizer.timestamp_begin) * 0.02
            continue
        if token is None or timestamp:
            end = (token - tokenizer.timestamp_begin) * 0.02 if timestamp else duration
            # A piece Whisper began without a timestamp begins where the one before ended.
            begin = last_end if start is None else start
            text = tokenizer.decode(tokens).strip()
            if text and begin < duration - margin:
                pieces.append(Piece(round(begin, 3), round(min(max(end, begin), duration), 3), text, timestamp))
            start, tokens, last_end = None, [], end
        elif token < tokenizer.eot:
            tokens.append(token)
    return pieces


def _without_loops(segments: list[Segment], no_speech_threshold: float) -> list[Segment]:
    """A line Whisper wrote three or more times in a row is a loop: over audio it took for
    silence (no_speech_prob above the threshold, on average) all of it is invented; over speech,
    the first copy is what was said."""
    kept: list[Segment] = []
    for run in _runs(segments, key=lambda segment: inventions.normalize(segment.text)):
        if len(run) < 3:
            kept += run
        elif sum(segment.no_speech_prob for segment in run) / len(run) <= no_speech_threshold:
            kept.append(run[0])
    for number, segment in enumerate(kept):
        segment.id = number
    return kept


def _runs(items: list, key) -> list[list]:
    """Consecutive items with the same key, as lists."""
    runs: list[list] = []
    for item in items:
        if runs and key(runs[-1][-1]) == key(item):
            runs[-1].append(item)
        else:
            runs.append([item])
    return runs


def _first_of_runs(pieces: list[Piece], times: int) -> list[Piece]:
    """One piece for each run of `times` or more with the same words: in an utterance of a few
    seconds, a line again and again is Whisper looping, not the visitor."""
    kept = []
    for run in _runs(pieces, key=lambda piece: inventions.normalize(piece.text)):
        kept += run[:1] if len(run) >= times else run
    return kept


def _end_loop(pieces: list[Piece]) -> bool:
    """Ends a last piece that Whisper left open (no closing timestamp: it was cut off, usually
    while looping) at its first copy, or drops it when it is the start of the line before it
    again. False when it is not a loop."""
    last = pieces[-1]
    if len(pieces) > 1 and inventions.normalize(pieces[-2].text).startswith(inventions.normalize(last.text)):
        pieces.pop()
        return True
    cut = inventions.cut_loop(last.text)
    if cut is None:
        return False
    last.text = cut
    return True
