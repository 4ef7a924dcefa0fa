"""The operations of a PDF content stream, read with regular expressions.

pypdf reads a content stream a byte at a time in Python; on the TeX-made books of
the corpus that was three quarters of extracting a page's text. `operations()` reads
what text pages are made of (numbers, names, strings, arrays, dictionaries and
operators) a token at a time with one compiled pattern (a flat array, what TJ shows,
in one match), and gives up on what it does not read (inline images, anything
malformed) by raising `Unreadable`: the caller then uses pypdf's reader, which stays
the reference (tests compare the two on every page of the corpus).

Values come as pypdf gives them to `indexer.pdftext` with forced "bytes" encoding,
in plain Python types: operators and strings as bytes, names as str ("/F1"),
numbers as int or float, arrays as lists, dictionaries as dicts.
"""

from __future__ import annotations

import re

#: PDF's white-space and delimiter bytes (ISO 32000-1, 7.2.2).
_WHITE = rb"\x00\t\n\x0c\r "
_DELIMITERS = rb"()<>\[\]{}/%"
#: A number where a token may end: before white space, a delimiter or the end.
_NUMBER = rb"[+-]?(?:\d+\.?\d*|\.\d+)(?=[" + _WHITE + _DELIMITERS + rb"]|\Z)"
_TOKEN = re.compile(  # white space and comments, then one token (or the end)
    rb"(?:[" + _WHITE + rb"]+|%[^\r\n]*)*"
    rb"(?:(?P<number>" + _NUMBER + rb")"
    rb"|(?P<name>/[^" + _WHITE + _DELIMITERS + rb"]*)"
    rb"|(?P<dict><<)|(?P<end_dict>>>)"
    rb"|(?P<hex><[0-9A-Fa-f" + _WHITE + rb"]*>)"
    rb"|(?P<array>\[)|(?P<end_array>\])"
    rb"|(?P<string>\()"
    rb"|(?P<word>[^" + _WHITE + _DELIMITERS + rb"]+)"
    rb"|(?P<end>\Z))"
)
#: A flat array of hex strings, plain literal strings (no parentheses, no escapes) and
#: numbers: what the TJ operator shows, most of a page's tokens, read in one match.
_FLAT_ARRAY = re.compile(
    rb"\[((?:[" + _WHITE + rb"]*(?:<[0-9A-Fa-f]*>|\([^()\\]*\)|" + _NUMBER + rb"))*)"
    rb"[" + _WHITE + rb"]*\]"
)
_FLAT_ITEM = re.compile(rb"<([0-9A-Fa-f]*)>|\(([^()\\]*)\)|(" + _NUMBER + rb")")
_PARENS = re.compile(rb"[()\\]")
_ESCAPE = re.compile(rb"\\(?:([0-7]{1,3})|(\r\n|\r|\n)|(.))", re.DOTALL)
_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}
_HEX_SPACE = re.compile(rb"[" + _WHITE + rb"]")
_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_WORDS = {b"true": True, b"false": False, b"null": None}


class Unreadable(Exception):
    """The stream holds something this reader does not follow; use pypdf's reader."""


def operations(data: bytes) -> list[tuple[list, bytes]]:
    """Every (operands, operator) of a decoded content stream, in order."""
    found: list[tuple[list, bytes]] = []
    operands: list = []
    stack: list[list] = []  # open arrays and dictionaries (a dictionary as a flat list)
    kinds: list[str] = []
    pos, end = 0, len(data)
    while pos < end:
        match = _TOKEN.match(data, pos)
        if match is None:
            raise Unreadable(f"unexpected byte {data[pos : pos + 1]!r} at {pos}")
        kind, token, pos = match.lastgroup, match.group(match.lastgroup), match.end()
        if kind == "number":
            value = float(token) if b"." in token else int(token)
        elif kind == "string":
            value, pos = _literal(data, pos)
        elif kind == "name":
            value = _name(token)
        elif kind == "hex":
            value = _hex(token)
        elif kind == "end":
            break
        elif kind == "array" and (flat := _FLAT_ARRAY.match(data, pos - 1)):
            value, pos = _flat_items(flat[1]), flat.end()
        elif kind in ("array", "dict"):
            stack.append([])
            kinds.append(kind)
            continue
        elif kind in ("end_array", "end_dict"):
            if not kinds or kinds[-1] != kind[4:]:
                raise Unreadable(f"unbalanced {token!r} at {pos}")
            items = stack.pop()
            kinds.pop()
            value = items if kind == "end_array" else _dictionary(items)
        elif stack:  # a word inside an array or dictionary: true, false or null
            if token not in _WORDS:
                raise Unreadable(f"unexpected {token!r} inside an array at {pos}")
            value = _WORDS[token]
        elif token == b"BI" or not (token[:1].isalpha() or token[:1] in b"'\""):
            raise Unreadable(f"{token!r} at {pos}")  # inline images: pypdf reads them
        else:
            found.append((operands, token))
            operands = []
            continue
        (stack[-1] if stack else operands).append(value)
    if stack:
        raise Unreadable("an array or dictionary is not closed")
    return found


def _flat_items(inside: bytes) -> list:
    """The items of a `_FLAT_ARRAY`, as the token loop would give them."""
    items: list = []
    for hexa, plain, number in _FLAT_ITEM.findall(inside):
        if number:
            items.append(float(number) if b"." in number else int(number))
        elif plain or not hexa:
            items.append(plain)
        else:
            items.append(_hex_digits(hexa))
    return items


def _literal(data: bytes, pos: int) -> tuple[bytes, int]:
    """The string starting after "(" at `pos` (balanced parentheses, escapes), and its end."""
    depth, start = 1, pos
    for match in _PARENS.finditer(data, pos):
        at = match.start()
        if at < pos:
            continue  # the byte after a backslash
        char = data[at]
        if char == 0x5C:  # backslash: skip the escaped byte
            pos = at + 2
            continue
        depth += 1 if char == 0x28 else -1
        pos = at + 1
        if depth == 0:
            return _unescape(data[start:at]), pos
    raise Unreadable("a string is not closed")


def _unescape(raw: bytes) -> bytes:
    if b"\\" not in raw:
        return raw
    return _ESCAPE.sub(_escaped, raw)


def _escaped(match: re.Match) -> bytes:
    octal, newline, char = match.groups()
    if octal is not None:
        return bytes([int(octal, 8) & 0xFF])
    if newline is not None:
        return b""  # a backslash at a line end continues the string
    return _ESCAPES.get(char, char)


def _hex(token: bytes) -> bytes:
    return _hex_digits(_HEX_SPACE.sub(b"", token[1:-1]))


def _hex_digits(digits: bytes) -> bytes:
    """The bytes of hex digits without white space (an odd last digit counts as d0)."""
    if len(digits) % 2:
        digits += b"0"
    return bytes.fromhex(digits.decode("ascii"))


def _name(token: bytes) -> str:
    if b"#" in token:
        token = _NAME_ESCAPE.sub(lambda m: bytes([int(m[1], 16)]), token)
    return token.decode("utf-8", "surrogateescape")


def _dictionary(items: list) -> dict:
    if len(items) % 2:
        raise Unreadable("a dictionary has a key without a value")
    return dict(zip(items[::2], items[1::2], strict=True))
