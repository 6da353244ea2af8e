"""multipart.parse: the form OpenAI's upload endpoints take, as curl -F and HTTP libraries send it."""

from __future__ import annotations

import unittest

from cinema_models import multipart

from . import support


def body(*parts: bytes, boundary: bytes = b"XyZ") -> bytes:
    out = b"".join(b"--" + boundary + b"\r\n" + part + b"\r\n" for part in parts)
    return out + b"--" + boundary + b"--\r\n"


FIELD = b'Content-Disposition: form-data; name="model"\r\n\r\nwhisper-1'
FILE = b'Content-Disposition: form-data; name="file"; filename="q.wav"\r\nContent-Type: audio/wav\r\n\r\n'


class Parse(unittest.TestCase):
    def test_fields_and_a_file(self):
        parts = multipart.parse(body(FIELD, FILE + b"RIFF\x00\x01"), "multipart/form-data; boundary=XyZ")
        self.assertEqual([(p.name, p.filename, p.content_type, p.data) for p in parts], [
            ("model", None, None, b"whisper-1"),
            ("file", "q.wav", "audio/wav", b"RIFF\x00\x01"),
        ])

    def test_what_the_test_client_sends(self):
        data, content_type = support.form([("response_format", "text")], ("file", "a.wav", "audio/wav", b"\x00\xff" * 10))
        parts = multipart.parse(data, content_type)
        self.assertEqual([(p.name, p.data) for p in parts], [("response_format", b"text"), ("file", b"\x00\xff" * 10)])

    def test_binary_data_with_line_breaks_and_dashes_is_kept_whole(self):
        # Audio may hold any bytes, including CRLF, "--" and the delimiter followed by more data
        # (a boundary line ends after the delimiter, RFC 2046).
        payload = b"\r\n--XyZ-not-quite\r\n--Xy\r\n\r\n\x00--"
        parts = multipart.parse(body(FILE + payload), "multipart/form-data; boundary=XyZ")
        self.assertEqual(parts[0].data, payload)

    def test_quoted_boundary_and_other_parameters(self):
        parts = multipart.parse(body(FIELD, boundary=b"a b"), 'Multipart/Form-Data; charset=utf-8; boundary="a b"')
        self.assertEqual(parts[0].data, b"whisper-1")

    def test_preamble_before_the_first_boundary_is_ignored(self):
        parts = multipart.parse(b"some preamble\r\n" + body(FIELD), "multipart/form-data; boundary=XyZ")
        self.assertEqual([p.name for p in parts], ["model"])

    def test_a_part_without_a_name_is_skipped(self):
        nameless = b"Content-Disposition: form-data\r\n\r\nwho am I"
        parts = multipart.parse(body(nameless, FIELD), "multipart/form-data; boundary=XyZ")
        self.assertEqual([p.name for p in parts], ["model"])

    def test_empty_file(self):
        parts = multipart.parse(body(FILE), "multipart/form-data; boundary=XyZ")
        self.assertEqual(parts[0].data, b"")

    def test_repeated_fields_are_all_kept(self):
        granularity = b'Content-Disposition: form-data; name="timestamp_granularities[]"\r\n\r\n'
        parts = multipart.parse(body(granularity + b"word", granularity + b"segment"), "multipart/form-data; boundary=XyZ")
        self.assertEqual([p.data for p in parts], [b"word", b"segment"])


class Refused(unittest.TestCase):
    def assertRefused(self, data: bytes, content_type: str, says: str):
        with self.assertRaises(multipart.FormError) as caught:
            multipart.parse(data, content_type)
        self.assertIn(says, str(caught.exception))

    def test_not_a_form(self):
        self.assertRefused(b"{}", "application/json", "not 'application/json'")
        self.assertRefused(b"{}", "", "not 'none'")

    def test_no_boundary(self):
        self.assertRefused(body(FIELD), "multipart/form-data", "names no boundary")
        self.assertRefused(body(FIELD), "multipart/form-data; boundary=", "names no boundary")

    def test_boundary_not_in_body(self):
        self.assertRefused(body(FIELD), "multipart/form-data; boundary=Other", "does not occur")

    def test_no_closing_boundary(self):
        data = body(FIELD, FILE + b"RIFF")
        self.assertRefused(data[: data.rindex(b"\r\n--XyZ--")], "multipart/form-data; boundary=XyZ", "closing boundary")

    def test_closing_delimiter_without_its_dashes_is_not_an_end(self):
        data = body(FIELD)[: -len(b"--\r\n")]
        self.assertRefused(data, "multipart/form-data; boundary=XyZ", "")

    def test_headers_without_end(self):
        self.assertRefused(b"--XyZ\r\nContent-Disposition: form-data; name=\"a\"", "multipart/form-data; boundary=XyZ", "no end to its headers")


if __name__ == "__main__":
    unittest.main()
