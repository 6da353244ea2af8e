"""The short path's reading of a decoding, on token sequences like those Whisper base wrote for
espeak's questions (with the base model's own tokenizer, no decoding): pieces that start in the
padding are dropped, a line written again is written once, a loop is cut at its first copy, and
the full path's loops over silence go."""

from __future__ import annotations

import unittest

from cinema_models import transcriber, weights
from cinema_models.transcriber import Segment, _end_loop, _first_of_runs, _pieces, _without_loops


def tokenizer():
    import tokenizers
    from faster_whisper.tokenizer import Tokenizer

    path = weights.default_folder() / "whisper-base" / "tokenizer.json"
    if not path.is_file():
        raise unittest.SkipTest(f"the base model's tokenizer is not installed at {path}")
    return Tokenizer(tokenizers.Tokenizer.from_file(str(path)), True, task="transcribe", language="en")


class Pieces(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tokenizer = tokenizer()

    def at(self, seconds: float) -> int:
        return self.tokenizer.timestamp_begin + round(seconds / 0.02)

    def words(self, text: str) -> list[int]:
        return self.tokenizer.encode(" " + text)

    def read(self, ids: list[int], duration: float) -> list:
        pieces = _first_of_runs(_pieces(ids, self.tokenizer, duration, margin=0.1), times=2)
        if pieces and not pieces[-1].closed:
            _end_loop(pieces)
        return [(piece.start, piece.end, piece.text) for piece in pieces]

    def test_one_closed_piece(self):
        ids = [self.at(0), *self.words("What is the name of this film?"), self.at(1.7)]
        self.assertEqual(self.read(ids, 1.72), [(0.0, 1.7, "What is the name of this film?")])

    def test_pieces_in_the_padding_are_dropped(self):
        # "Thank you." (0.9 s of speech) then the same again in the second of padding, and more.
        thanks = self.words("Thank you.")
        ids = [self.at(0), *thanks, self.at(1), self.at(1), *thanks, self.at(2), self.at(2), *thanks, self.at(3)]
        self.assertEqual(self.read(ids, 0.9), [(0.0, 0.9, "Thank you.")])

    def test_a_line_written_again_within_the_audio_is_written_once(self):
        line = self.words("Where are they hiding?")
        ids = [self.at(0), *line, self.at(1), self.at(1), *line, self.at(2)]
        self.assertEqual([text for _, _, text in self.read(ids, 1.3)], ["Where are they hiding?"])

    def test_an_open_copy_of_the_line_before_is_dropped(self):
        ids = [self.at(0), *self.words("How does it end?"), self.at(1), self.at(1), *self.words("How does it")]
        self.assertEqual([text for _, _, text in self.read(ids, 1.5)], ["How does it end?"])

    def test_an_open_loop_is_cut_at_its_first_copy(self):
        ids = [self.at(0), *self.words("who is the director, who is the director, who is the")]
        self.assertEqual(self.read(ids, 1.3), [(0.0, 1.3, "who is the director")])

    def test_an_open_piece_that_is_not_a_loop_is_kept(self):
        ids = [self.at(0), *self.words("I haven't seen you in church lately")]
        self.assertEqual(self.read(ids, 7.4), [(0.0, 7.4, "I haven't seen you in church lately")])

    def test_a_piece_without_its_opening_timestamp_starts_where_the_last_ended(self):
        ids = [self.at(0), *self.words("Come on."), self.at(2), *self.words("Hurry."), self.at(3)]
        self.assertEqual(self.read(ids, 4.0), [(0.0, 2.0, "Come on."), (2.0, 3.0, "Hurry.")])


class FullPathLoops(unittest.TestCase):
    def segment(self, text: str, no_speech: float) -> Segment:
        return Segment(id=0, start=0, end=1, text=text, avg_logprob=-0.5, no_speech_prob=no_speech, compression_ratio=1.0)

    def test_a_loop_over_silence_goes_whole(self):
        segments = [self.segment("I'm going to the beach.", 0.7) for _ in range(4)]
        self.assertEqual(_without_loops(segments, transcriber.Options.no_speech_threshold), [])

    def test_a_loop_over_speech_keeps_its_first_copy(self):
        segments = [self.segment("Come on.", 0.1)] + [self.segment("Where?", 0.2) for _ in range(3)]
        kept = _without_loops(segments, transcriber.Options.no_speech_threshold)
        self.assertEqual([(s.id, s.text) for s in kept], [(0, "Come on."), (1, "Where?")])

    def test_a_line_said_twice_is_kept(self):
        segments = [self.segment("Help!", 0.7), self.segment("Help!", 0.7)]
        self.assertEqual(len(_without_loops(segments, transcriber.Options.no_speech_threshold)), 2)


if __name__ == "__main__":
    unittest.main()
