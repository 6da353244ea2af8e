"""Measures the running service the way the tests use it, for the numbers a change is judged by
(not a test: unittest does not collect it):

    cd cinema-models && .venv/bin/python -m tests.measure [--model tiny.en] [--out FILE.json]

- what it returns for each kind of non-speech (tests/support.py's NOISES) at 1, 3, 5 and 8 s,
  through the short path (json) and the full path (verbose_json with word times);
- word error rate on the Night of the Living Dead clips (json: the short path up to 20 s);
- spoken questions (espeak-ng) and what came back;
- the short path's latency for a 2 s question and a 5 s utterance (median of several);
- embeddings (`--only embeddings`): milliseconds per single line through HTTP (p50/p99 of 200
  calls) and lines a second in requests of 64, over 5,000 subtitle lines of the shared films
  (read in place).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import time

from . import support

QUESTIONS = [
    "What is the name of this film?",
    "Who is the director?",
    "Why did they lock the door?",
    "Tell me about the zombies in the farmhouse.",
    "Is Barbara going to be all right?",
    "What year was this movie made?",
    "Can you turn the volume up please?",
    "Where are they hiding?",
]
LENGTHS = (1, 3, 5, 8)


# Fields sent with every request: none, or what Cinema Chat's client sends (--client).
FIELDS: dict = {}


def noises(service: support.Service) -> dict:
    heard = {}
    for kind in support.NOISES:
        for seconds in LENGTHS:
            audio = support.noise(kind, seconds)
            started = time.monotonic()
            short = service.text(audio, **FIELDS)
            middle = time.monotonic()
            full = service.transcribe(
                audio, fields=[("response_format", "verbose_json"), ("timestamp_granularities[]", "word"), *FIELDS.items()]
            ).json()["text"]
            times = (middle - started, time.monotonic() - middle)
            heard[f"{kind} {seconds}s"] = {"short": short, "full": full, "seconds": [round(t, 2) for t in times]}
            print(f"{kind:>11} {seconds}s  short={short!r}  full={full!r}  ({times[0]:.2f} s, {times[1]:.2f} s)", flush=True)
    return heard


def film_speech(service: support.Service) -> dict:
    total_errors = total_words = 0
    clips = {}
    for path, reference in support.notld_clips():
        started = time.monotonic()
        text = service.text(path.read_bytes(), **FIELDS)
        seconds = time.monotonic() - started
        errors, words = support.word_errors(reference, text)
        total_errors += errors
        total_words += words
        clips[path.name] = {"wer": round(errors / words, 4), "seconds": round(seconds, 2), "text": text}
        print(f"{path.name:>50}  WER {errors / words:.3f}  {seconds:.2f} s  {text[:70]!r}", flush=True)
    overall = total_errors / max(1, total_words)
    print(f"NOTLD WER over {len(clips)} clips: {overall:.4f}")
    return {"wer": round(overall, 4), "clips": clips}


def questions(service: support.Service) -> dict:
    heard = {}
    for question in QUESTIONS:
        text = service.text(support.speak(question), **FIELDS)
        heard[question] = text
        print(f"{question!r} -> {text!r}  WER {support.wer(question, text):.2f}", flush=True)
    return heard


def latency(service: support.Service, audio: bytes, runs: int = 9) -> float:
    times = []
    for _ in range(runs):
        started = time.monotonic()
        service.text(audio, **FIELDS)
        times.append(time.monotonic() - started)
    return statistics.median(times)


def latencies(service: support.Service) -> dict:
    question = support.fit(support.speak("What is the name of this film?"), 2.0)
    five, _ = support.notld_clip("5s_")
    result = {"question_2s": round(latency(service, question), 4), "utterance_5s": round(latency(service, five), 4)}
    print(f"short path latency (median, round trip): 2 s question {result['question_2s']:.3f} s, 5 s clip {result['utterance_5s']:.3f} s")
    return result


def film_lines(count: int = 5000) -> list[str]:
    """`count` spoken lines spread over the shared films' English subtitles: each cue's text on
    one line, without its tags, its number or its times."""
    lines = []
    for path in sorted((support.shared_data() / "films").glob("*.srt")):
        for cue in re.split(r"\n\s*\n", path.read_text(errors="replace").replace("\r", "")):
            text = " ".join(row.strip() for row in cue.splitlines() if row.strip() and "-->" not in row and not row.strip().isdigit())
            text = re.sub(r"<[^>]+>|\{[^}]+\}", "", text).strip()
            if text:
                lines.append(text)
    step = max(1, len(lines) // count)
    return lines[::step][:count]


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a process has used so far, from /proc: on a shared machine the
    figure that wall time hides."""
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def embeddings(service: support.Service) -> dict:
    lines = film_lines()
    if not lines:
        print(f"no subtitles in {support.shared_data() / 'films'}; embeddings not measured")
        return {}
    singles = []
    for line in lines[:200]:
        started = time.monotonic()
        service.vectors(line)
        singles.append(time.monotonic() - started)
    singles.sort()
    result = {
        "single_ms_p50": round(1000 * statistics.median(singles), 2),
        "single_ms_p99": round(1000 * singles[int(0.99 * (len(singles) - 1))], 2),
    }
    for encoding in ("float", "base64"):
        started = time.monotonic()
        cpu = cpu_seconds(service.process.pid)
        tokens = 0
        for first in range(0, len(lines), 64):
            reply = service.embed(lines[first : first + 64], encoding_format=encoding)
            assert reply.status == 200, reply
            tokens += reply.json()["usage"]["prompt_tokens"]
        seconds = time.monotonic() - started
        result[f"batch64_{encoding}_lines_per_s"] = round(len(lines) / seconds, 1)
        result[f"batch64_{encoding}_lines_per_cpu_s"] = round(len(lines) / (cpu_seconds(service.process.pid) - cpu), 1)
    result["lines"] = len(lines)
    result["tokens_per_line"] = round(tokens / len(lines), 1)
    print(
        f"embeddings: one line {result['single_ms_p50']:.1f} ms p50, {result['single_ms_p99']:.1f} ms p99; "
        f"batches of 64 over {len(lines)} film lines ({result['tokens_per_line']} tokens each): "
        f"{result['batch64_float_lines_per_s']} lines/s as float, {result['batch64_base64_lines_per_s']} as base64 "
        f"({result['batch64_base64_lines_per_cpu_s']} lines per CPU second of the service)"
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="base")
    parser.add_argument("--out", help="write the measurements here as JSON")
    parser.add_argument("--only", nargs="*", default=["noise", "film", "questions", "latency", "embeddings"])
    parser.add_argument("--client", action="store_true", help="send what Cinema Chat's client sends (language, prompt)")
    arguments = parser.parse_args()
    if arguments.client:
        FIELDS.update(support.CLIENT_FIELDS)
    service = support.Service("--model", arguments.model)
    try:
        steps = {"noise": noises, "film": film_speech, "questions": questions, "latency": latencies, "embeddings": embeddings}
        result = {name: steps[name](service) for name in arguments.only}
    finally:
        service.stop()
    if arguments.out:
        with open(arguments.out, "w") as file:
            json.dump(result, file, indent=1)


if __name__ == "__main__":
    main()
