"""Text Whisper writes that nobody said. Whisper learned from subtitled videos, so on silence, noise,
music and the ends of clips it writes what their subtitles ended with ("Thanks for watching!",
"Please subscribe", "Subtitles by the Amara.org community", a web address) or loops on its own
last line. These functions recognise such text; the transcriber drops it.

Only whole transcripts (and, in a film's soundtrack, whole segments) are dropped: a visitor who
says "thank you for watching with me, the film was great" is kept.
"""

from __future__ import annotations

import re

# Sentences that are a video's sign-off, never a visitor's question or a film's line. Matched
# against the whole sentence after `normalize` (lower case, no punctuation).
_SIGN_OFFS = [
    r"(thanks|thank you)( (so|very) much)?( all| everyone| guys)? for (watching|listening|viewing)( everyone| guys)?",
    r"(please )?(like (and|&) )?subscribe( to (my|our|the) channel)?( for more( videos)?)?",
    r"(please )?(dont|do not) forget to (like|subscribe|hit the bell)( and (like|subscribe|comment|share))*( (my|our|the) channel)?",
    r"(subtitles|subtitle|captions|captioning|transcription|translation|transcript)s? (by|from) .+",
    r"(subtitled|captioned|transcribed|translated) by .+",
    r"see you (in the |on the )?next (video|time|episode|one)",
    r"(i )?(hope|hoped) you (enjoyed|liked) (this|the) video",
]
# Whisper's most common word on digital silence, dropped when it is all there is (a film's line
# "You!" among others is kept).
_ALONE = {"you"}
_SIGN_OFF = re.compile("|".join(f"(?:{pattern})" for pattern in _SIGN_OFFS))
# A web address: www.…, http(s)://…, or a name ending in a common top-level domain.
_URL = re.compile(r"(?:https?://\S+|www\.\S+|\b[\w-]+(?:\.[\w-]+)*\.(?:com|org|net|tv|io|co|uk|de|fr)\b\S*)", re.I)
# What may stand beside a web address in an invented line: nothing, or a pointer to it.
_POINTER = re.compile(r"((for more (information|info|details) )?(please )?(visit|go to|see|check out)( us at)?)?")
# Sentences end at . ! ? or … followed by space or the end, so that "www.site.com" stays whole.
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")


def normalize(text: str) -> str:
    """Lower case, letters and digits only, single spaces: how sentences are compared."""
    text = text.lower().replace("'", "").replace("\u2019", "")
    return " ".join(re.sub(r"[^\w\s]|_", " ", text).split())


def sentences(text: str) -> list[str]:
    return [part.strip() for part in _SENTENCE_END.split(text.strip()) if part.strip()]


def is_sign_off(sentence: str) -> bool:
    """A video's sign-off or a web address (on its own or as "For more information, visit …"),
    and nothing else."""
    if _SIGN_OFF.fullmatch(normalize(sentence)):
        return True
    return bool(_URL.search(sentence)) and bool(_POINTER.fullmatch(normalize(_URL.sub(" ", sentence))))


def has_words(text: str) -> bool:
    """Whisper writes "...", "♪" or "-" for music and noise: text without a letter or digit."""
    return any(character.isalnum() for character in text)


def is_invention(text: str, whole: bool = False) -> bool:
    """The text is what Whisper invents: no words, or only sign-offs and web addresses; when it is
    a `whole` transcript, also a lone "you"."""
    if not has_words(text):
        return True
    if whole and normalize(text) in _ALONE:
        return True
    return all(is_sign_off(part) for part in sentences(text))


def without_echo(text: str, prompt: str | None) -> str:
    """The text less its sentences that repeat the prompt. Given a prompt that sets the scene ("A
    visitor speaks to an old television."), Whisper writes it back over silence and noise, whole,
    cut short ("A visitor speaks to an old.") or run on ("... television show.")."""
    if not prompt or not normalize(prompt):
        return text
    return " ".join(sentence for sentence in sentences(text) if not _echoes(normalize(sentence), normalize(prompt)))


def _echoes(sentence: str, prompt: str) -> bool:
    if not sentence:
        return False
    return sentence.startswith(prompt) or (len(sentence.split()) >= 3 and prompt.startswith(sentence))


def collapse_repeated_sentences(text: str, times: int = 2) -> str:
    """Runs of the same sentence `times` or more in a row, once: "Thank you. Thank you. Thank
    you." → "Thank you.". Whisper repeats a line when it has nothing more to hear."""
    kept: list[str] = []
    run = 0
    result: list[str] = []
    for sentence in sentences(text):
        if kept and normalize(sentence) == normalize(kept[-1]):
            run += 1
            kept.append(sentence)
            continue
        result += kept[:1] if run + 1 >= times else kept
        kept, run = [sentence], 0
    result += kept[:1] if run + 1 >= times else kept
    return " ".join(result)


def repeated_tail(words: list[str]) -> int | None:
    """Where a decoding that looped ends its first copy: the number of words to keep, when the text
    ends in one phrase said at least twice over (the last copy may be cut short), else None.
    "who is the director, who is the director, who is" → 4."""
    keys = [normalize(word) for word in words]
    best = None
    for period in range(1, len(keys) // 2 + 1):
        start = len(keys)
        # Walk back while each word equals the one a period before it.
        while start - period - 1 >= 0 and keys[start - 1] == keys[start - 1 - period]:
            start -= 1
        start -= period  # the first copy of the phrase begins here
        if start >= 0 and len(keys) - start >= 2 * period and (best is None or start < best[0]):
            best = (start, period)
    return None if best is None else best[0] + best[1]


def cut_loop(text: str) -> str | None:
    """The text up to the end of its repeated phrase's first copy, or None when it does not end in
    a repetition."""
    words = text.split()
    keep = repeated_tail(words)
    if keep is None:
        return None
    return " ".join(words[:keep]).rstrip(",;:- ")
