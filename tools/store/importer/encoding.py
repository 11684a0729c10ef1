"""Telling a CSV export's encoding, and refusing one that does not decode cleanly.

``auto`` (the default) decides, in order:

1. a byte-order mark: UTF-8 (``utf-8-sig``), UTF-16 or UTF-32;
2. UTF-8, when every byte of the file is valid UTF-8 (ASCII included);
3. a file that is *mostly* UTF-8 — it holds well-formed multi-byte UTF-8 characters — but also
   bytes that are not (a Latin-1 ``é`` pasted into a UTF-8 file, a truncated character) is
   **refused**: read as a single-byte encoding it would store mojibake (``MÃ¼ller``);
4. otherwise the Western single-byte encoding CRMs and Excel export in, Windows-1252 (whose
   printable characters include all of Latin-1's): a byte it does not define (0x81, 0x8D, 0x8F,
   0x90, 0x9D — C1 control codes in Latin-1, text in neither) is refused, and
   ``charset-normalizer`` judges whether the decoded file reads as text at all: a Cyrillic
   Windows-1251 export read as Windows-1252 is gibberish, and is refused rather than stored.

Any other encoding (Windows-1250, Shift-JIS, UTF-16 without a byte-order mark …) is named in the
mapping (``encoding: cp1250``) and then decoded strictly. Every refusal
(:class:`UndecodableFile`) is one line naming the file and the first line holding a bad byte (the
header is line 1), and the import writes nothing.
"""

from __future__ import annotations

import codecs
import re

from tools.store.importer.report import DataImportError

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
#: The single-byte encoding ``auto`` considers after UTF-8: Excel's and most CRMs' Western export
#: encoding, a superset of Latin-1's printable characters.
WINDOWS_1252 = "cp1252"
#: A well-formed UTF-8 character of two to four bytes.
_UTF8_CHARACTER = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
_LINE_BREAK = re.compile(rb"\r\n|\r|\n")
_NAME_IT = "save it as UTF-8, or name its encoding in the mapping (e.g. encoding: cp1250)"


class UndecodableFile(DataImportError):
    """A file that does not decode cleanly: ``line`` is the first line holding a bad byte."""

    def __init__(self, name: str, line: int | None, reason: str) -> None:
        super().__init__(f"{name}{'' if line is None else f':{line}'}: {reason}")
        self.name, self.line, self.reason = name, line, reason


def line_of(data: bytes, offset: int) -> int:
    """The physical line (1-based) holding byte ``offset`` of ``data``."""
    return len(_LINE_BREAK.findall(data, 0, offset)) + 1


def _label(encoding: str) -> str:
    names = {"utf-8-sig": "UTF-8", "utf-8": "UTF-8", "utf-16": "UTF-16", "utf-32": "UTF-32"}
    return names.get(encoding, encoding)


def _strict(data: bytes, encoding: str, name: str, advice: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        byte = data[exc.start : exc.start + 1].hex()
        reason = f"not valid {_label(encoding)} (byte 0x{byte}){advice}"
        raise UndecodableFile(name, line_of(data, exc.start), reason) from exc


def decode(data: bytes, name: str, encoding: str = "auto") -> tuple[str, str]:
    """The text of the file ``name`` and the encoding it was read in.

    Raises:
        DataImportError: the bytes do not decode cleanly (one line: the file, the first bad line).
    """
    if encoding != "auto":
        return _strict(data, encoding, name, ": check the mapping's encoding"), encoding
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return _strict(data, codec, name, ", though the file starts with its byte-order mark"), codec
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        if _UTF8_CHARACTER.search(data):
            # mostly UTF-8 with a foreign byte: any single-byte reading would garble the rest
            _strict(data, "utf-8", name, " in a file that is otherwise UTF-8: correct the line")
    return _western(data, name)


def _western(data: bytes, name: str) -> tuple[str, str]:
    """Windows-1252 (Latin-1 is its subset but for 0x80–0x9F, which Latin-1 reads as C1 controls)."""
    from charset_normalizer import from_bytes

    try:
        data.decode(WINDOWS_1252)
    except UnicodeDecodeError as exc:  # 0x81, 0x8d, 0x8f, 0x90, 0x9d: a C1 control in Latin-1
        byte = data[exc.start]
        reason = f"byte 0x{byte:02x} is not text in UTF-8, Windows-1252 or Latin-1: {_NAME_IT}"
        raise UndecodableFile(name, line_of(data, exc.start), reason) from exc
    best = from_bytes(data, cp_isolation=[WINDOWS_1252]).best()
    if best is None:  # decodes, but is not text in it (another code page's letters)
        first = re.search(rb"[\x80-\xff]", data)
        reason = f"cannot tell the file's encoding (not UTF-8, nor Windows-1252 or Latin-1 text): {_NAME_IT}"
        raise UndecodableFile(name, line_of(data, first.start()) if first else None, reason)
    return str(best), WINDOWS_1252
