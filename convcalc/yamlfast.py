"""A fast reader for the plain YAML that specs are written in, with PyYAML as the fallback.

PyYAML needs seconds to compose a 100,000-line spec, even with libyaml. Specs are written in a
small, regular part of YAML: block mappings and sequences, one-line flow collections, comments,
plain scalars, simple quoted scalars and folded or literal notes. `fast_parse` reads exactly that
part, line by line with regular expressions (the long runs of `- {op: ...}` lines that make a big
spec many lines at a time), and returns what `yamlspec.parse_yaml_slow` would return: the same
YMap/YList/Quoted/Decimal values with the same line numbers. Anything else (errors, tags, anchors,
escapes, tabs, multi-line flow or plain scalars, complex keys, several documents...) makes it
return None, and `yamlspec.parse_yaml` falls back to PyYAML, which gives the result or the proper
error message. When in doubt, the reader falls back: it must never read a document otherwise than
PyYAML.

Line numbers are 1-based and follow PyYAML's start marks: a flow collection starts at its bracket,
a block mapping at its first key, a block sequence at its first dash, and the value of a `key:` with
nothing after it at the first line of the nested block.
"""

from __future__ import annotations

import gc
import re

from . import yamlspec
from .yamlspec import _FALSE, _NULL, _TRUE, Decimal, YList, YMap, scalar_value

#: Deeper documents go through PyYAML (which refuses past yamlspec.MAX_DEPTH): specs nest ~6 levels.
MAX_DEPTH = 32
#: Longer keys go through PyYAML: libyaml refuses implicit keys longer than 1,024 characters.
MAX_KEY = 256

# Characters YAML refuses, and tab, CR, NEL, U+2028/9 (line breaks to PyYAML, not to us) and the
# byte order mark: any of those sends the document to PyYAML.
_OUTSIDE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff]")
# Blank lines and comments, then the line `---` that starts the (only) document.
_START = re.compile(r"(?:(?: *#[^\n]*)? *\n)*---\n")

# A plain scalar that means the same in flow and block context: no ':', '#', '?' or flow
# indicator inside, no indicator first (but '-' before another such character, as in -1), no
# trailing space. Keys are the same without the leading '-'.
_SAFE = r"[^ :#?,\[\]{}]"
_FIRST = r"[^-?:,\[\]{}#&*!|>'\"%@` ]"
_KEY = rf"{_FIRST}{_SAFE}*(?: +{_SAFE}+)*"
_PLAIN = rf"(?:{_FIRST}|-(?={_SAFE})){_SAFE}*(?: +{_SAFE}+)*"
_QUOTED = r"'[^']*'|\"[^\"\\]*\""
_ITEM = rf"{_PLAIN}|{_QUOTED}"
_FLAT_SEQ = rf"\[ *(?:(?:{_ITEM})(?: *, *(?:{_ITEM}))*)? *\]"
_PAIR = rf"{_KEY}: +(?:{_ITEM}|{_FLAT_SEQ})"

_BLOCK_KEY = re.compile(rf"({_KEY}):(?: +|$)")
# A flow mapping whose values are scalars or flat sequences: findall splits it into 'key: value'
# pairs, and either the pairs joined by ', ' give back the text, or _FLAT_MAP checks it.
_PAIRS = re.compile(_PAIR)
_FLAT_MAP = re.compile(rf"\{{ *(?:{_PAIR}(?: *, *{_PAIR})*)? *\}}")
_FLAT_LIST = re.compile(_FLAT_SEQ)
_ITEMS = re.compile(_ITEM)
# Any other one-line flow collection, one token at a time.
_TOKEN = re.compile(rf" *(?:([\[\]{{}},])|({_KEY}): +|({_PLAIN})|({_QUOTED}))")

_MISSING = object()  # not in a cache
_WORDS = _NULL | _TRUE | _FALSE  # plain scalars that start with a letter and are not text
_BLOCK_STYLES = {">-": ">", ">": ">", "|-": "|", "|": "|"}
_RUN_CHUNK = 1000  # lines of a run of flow mappings read at once


class _Unsupported(Exception):
    """Outside the subset: PyYAML reads this document."""


def fast_parse(text: str):
    """The converted document, exactly as `yamlspec.parse_yaml_slow` returns it, or None when the
    text goes beyond the subset read here (or is not valid YAML). Never raises."""
    try:
        return _read(text)
    except _Unsupported:
        return None
    except Exception:  # noqa: BLE001 - a gap in this reader must cost speed, never a result
        return None


def _read(text: str):
    """The converted document; raises `_Unsupported` outside the subset."""
    text = _prepared(text)
    collecting = gc.isenabled()
    gc.disable()  # the reader only adds objects (no cycles): a collection would only walk them
    try:
        return _Reader(text).document()
    finally:
        if collecting:
            gc.enable()


def _prepared(text: str) -> str:
    """The text the reader reads: CRLF as LF, a leading `---` as a blank line; raises
    `_Unsupported` for characters or document markers left to PyYAML."""
    if "\r" in text:
        text = text.replace("\r\n", "\n")  # a lone CR is left for _OUTSIDE to catch
    start = _START.match(text)
    if start:  # `---` before the first node: a line like a comment
        text = text[:start.end() - 4] + "\n" + text[start.end():]
    if _OUTSIDE.search(text) or text.startswith(("---", "...")) or "\n---" in text \
            or "\n..." in text:  # another document marker
        raise _Unsupported
    return text


def _is_item(content: str) -> bool:
    return content == "-" or content.startswith("- ")


def _tail_ok(tail: str) -> bool:
    """Only spaces, then an optional comment after at least one space, may follow a value."""
    rest = tail.lstrip(" ")
    return not rest or (rest[0] == "#" and rest != tail)


class _Pairs(dict):
    """Converted (key, value) pairs of flow mappings by their 'key: value' text, so that the
    mappings of a long spec are built without a Python loop over their pairs."""

    def __init__(self, reader):
        super().__init__()
        self.reader = reader
        self.line = 0  # the line of the mapping being read, for a flat sequence's lines

    def __missing__(self, pair: str):
        key_text, value_text = pair.split(":", 1)  # a key holds no ':'
        value_text = value_text.lstrip(" ")
        reader = self.reader
        key = reader.key(key_text)
        value = reader.plain.get(value_text, _MISSING)
        if value is _MISSING:
            value = reader.flat_value(value_text, self.line)
        if value is None or type(value) in (str, int, bool):  # shared objects, as in `plain`
            self[pair] = key, value
        return key, value


class _Reader:
    """One pass over the lines; `current` is the next line holding YAML as (index, indent,
    content), or None at the end."""

    def __init__(self, text: str):
        self.lines = text.split("\n")
        self.count = 0  # nodes, as yamlspec's converter counts them
        self.max_nodes = yamlspec.MAX_NODES
        self.max_depth = min(MAX_DEPTH, yamlspec.MAX_DEPTH)
        self.plain: dict = {}  # converted plain scalars (specs repeat their values)
        self.keys: dict = {}  # converted keys, checked
        self.pairs = _Pairs(self)
        self.run_checked = 0  # lines before this one are not tried again by flat_run
        self.current = self.next_line(0)

    def next_line(self, index: int):
        """The first line from `index` on that holds YAML (not blank, not a comment)."""
        lines = self.lines
        while index < len(lines):
            line = lines[index]
            content = line.lstrip(" ")
            if content and content[0] != "#":  # not blank, not a comment
                return index, len(line) - len(content), content
            index += 1
        return None

    def deeper(self, depth: int) -> None:
        """A collection at `depth` holds nodes at depth + 1: they must stay within the limit."""
        if depth + 1 > self.max_depth:
            raise _Unsupported

    def document(self):
        if self.current is None:  # empty: an error, worded by the slow path
            raise _Unsupported
        value = self.block(self.current[1], 0)
        if self.current is not None or self.count > self.max_nodes:
            raise _Unsupported
        return value

    # --- block context -----------------------------------------------------------------------

    def block(self, indent: int, depth: int):
        """The block mapping or sequence whose first line is `current`, at `indent`."""
        self.deeper(depth)
        if _is_item(self.current[2]):
            return self.sequence(indent, depth, indentless=False)
        return self.mapping(indent, depth)

    def mapping(self, indent: int, depth: int):
        out = YMap()
        out.line = self.current[0] + 1
        out.key_lines = key_lines = {}
        self.count += 1
        while self.current is not None and self.current[1] >= indent:
            index, column, content = self.current
            match = _BLOCK_KEY.match(content)
            if column > indent or match is None:  # a continuation line, a bad key, a stray item
                raise _Unsupported
            key = self.key(match[1])
            if key in out:  # duplicate: an error, worded by the slow path
                raise _Unsupported
            out[key] = self.value(content[match.end():], index, indent, depth + 1)
            key_lines[key] = index + 1
            self.count += 1
        return out

    def value(self, rest: str, index: int, indent: int, depth: int):
        """The value after `key:` on line `index` of a mapping at `indent`."""
        if not rest or rest[0] == "#":  # nothing on the line: a nested block or null
            self.current = following = self.next_line(index + 1)
            if following is None or following[1] < indent:
                self.count += 1
                return None
            if following[1] > indent:
                return self.block(following[1], depth)
            if _is_item(following[2]):  # `key:` then `- item` at the key's own indent
                self.deeper(depth)
                return self.sequence(indent, depth, indentless=True)
            self.count += 1
            return None
        if rest[0] in "|>":
            return self.block_scalar(rest, index, indent)
        return self.inline(rest, index, depth)

    def sequence(self, indent: int, depth: int, indentless: bool):
        out = YList()
        out.line = self.current[0] + 1
        out.item_lines = item_lines = []
        self.count += 1
        while self.current is not None and self.current[1] >= indent:
            index, column, content = self.current
            if column > indent:
                raise _Unsupported
            if not (content.startswith("- ") or content == "-"):
                if indentless:  # the mapping that holds the sequence goes on
                    break
                raise _Unsupported
            rest = content[1:].lstrip(" ")
            if not rest or rest[0] == "#":  # `-` alone: the item is the nested block below
                self.current = nested = self.next_line(index + 1)
                if nested is None or nested[1] <= indent:  # an empty item (null)
                    raise _Unsupported
                out.append(self.block(nested[1], depth + 1))
                item_lines.append(nested[0] + 1)
                continue
            if rest[0] == "{" and index >= self.run_checked:  # `- {op: conv, ...}`, often
                run = self.flat_run(index, indent, depth + 1)  # many of them: read together
                if run:
                    out.extend(run)
                    item_lines.extend(range(index + 1, index + 1 + len(run)))
                    self.current = self.next_line(index + len(run))
                    continue
            if rest[0] == "{" or rest[0] == "[":
                self.current = self.next_line(index + 1)
                out.append(self.flow(rest, index + 1, depth + 1))
            elif _BLOCK_KEY.match(rest):  # `- key: ...` starts a mapping
                self.current = (index, indent + len(content) - len(rest), rest)
                self.deeper(depth + 1)
                out.append(self.mapping(self.current[1], depth + 1))
            elif _is_item(rest) or rest[0] in "|>":
                raise _Unsupported
            else:
                out.append(self.inline(rest, index, depth + 1))
            item_lines.append(index + 1)
        return out

    def block_scalar(self, header: str, index: int, indent: int):
        """A folded or literal scalar: every line at one indent, no blank line inside, no
        trailing space, then a line back at the mapping's indent or less."""
        style = _BLOCK_STYLES.get(header)
        lines = self.lines
        start = index + 1
        if style is None or start >= len(lines):
            raise _Unsupported
        body = lines[start].lstrip(" ")
        margin = len(lines[start]) - len(body)
        if not body or margin <= indent:
            raise _Unsupported
        parts = []
        end = start
        while end < len(lines):
            line = lines[end]
            if not line.startswith(" " * margin) or line[margin:margin + 1] in ("", " "):
                break
            if line[-1] == " ":
                raise _Unsupported
            parts.append(line[margin:])
            end += 1
        after = end
        while after < len(lines) and lines[after] == "":
            after += 1
        if end == len(lines) or (after < len(lines)
                                 and len(lines[after]) - len(lines[after].lstrip(" ")) > indent):
            raise _Unsupported  # no final line break, a blank line inside, a spaces-only line...
        text = (" " if style == ">" else "\n").join(parts)
        if not header.endswith("-"):  # clip: keep the final line break
            text += "\n"
        self.current = self.next_line(end)
        self.count += 1
        return scalar_value(text, style)

    def inline(self, rest: str, index: int, depth: int):
        """A value that ends on its own line: flow collection, quoted or plain scalar."""
        self.current = self.next_line(index + 1)
        first = rest[0]
        if first in "{[":
            return self.flow(rest, index + 1, depth)
        if first in "'\"":
            end = rest.find(first, 1)
            if end < 0 or not _tail_ok(rest[end + 1:]):
                raise _Unsupported
            self.count += 1
            return self.quoted(rest[:end + 1])
        end = rest.find(" #")
        text = (rest if end < 0 else rest[:end]).rstrip(" ")
        if first in "?:,]}#&*!|>%@`" or (first == "-" and rest[1:2] in ("", " ")):
            raise _Unsupported
        if ": " in text or text.endswith(":"):
            raise _Unsupported
        self.count += 1
        return self.scalar(text)

    # --- scalars -----------------------------------------------------------------------------

    def scalar(self, text: str):
        """A plain scalar, converted as `yamlspec.scalar_value` does."""
        value = self.plain.get(text, _MISSING)
        return self.convert(text) if value is _MISSING else value

    def convert(self, text: str):
        """A plain scalar not in `plain` yet."""
        if text[0].isalpha() and text not in _WORDS:  # a name: numbers start otherwise
            self.plain[text] = text
            return text
        value = scalar_value(text, "")
        if not isinstance(value, Decimal):  # a fresh Decimal each time, as PyYAML gives
            self.plain[text] = value
        return value

    def key(self, text: str):
        key = self.keys.get(text)
        if key is None:
            if len(text) > MAX_KEY or text in ("<<", "="):  # merge and value keys are special
                raise _Unsupported
            key = self.scalar(text)
            if type(key) is not str and type(key) is not int:  # the slow path refuses the key
                raise _Unsupported
            self.keys[text] = key
        return key

    def quoted(self, text: str):
        """A quoted scalar, quotes included, without escapes."""
        if text[0] == '"' and "\\" in text:
            raise _Unsupported
        return scalar_value(text[1:-1], text[0])

    # --- flow context (one line) -------------------------------------------------------------

    def flow(self, rest: str, line: int, depth: int):
        """The flow collection at the start of `rest`, then nothing but a comment."""
        value, end = None, 0
        if depth + 2 <= self.max_depth:  # room for a flat mapping's lists
            if rest[0] == "{":
                end = rest.find("}") + 1  # the end, unless a quoted scalar holds a '}'
                value = self.flat_map(rest[:end], line)
                flat = _FLAT_MAP.match(rest) if value is None else None
                if flat:
                    value, end = self.flat_map(flat[0], line, checked=True), flat.end()
            else:
                flat = _FLAT_LIST.match(rest)
                if flat:
                    value, end = self.flat_list(flat[0], line), flat.end()
                    self.count += 1
        if value is None:
            value, end = self.nested_flow(rest, 0, line, depth)
        if end < len(rest) and not _tail_ok(rest[end:]):
            raise _Unsupported
        return value

    def flat_value(self, text: str, line: int):
        """A value in a flat flow collection not in `plain`: a plain scalar seen for the first
        time, a quoted scalar or a flat sequence."""
        if text[0] == "[":
            return self.flat_list(text, line)
        if text[0] in "'\"":
            return self.quoted(text)
        return self.convert(text)

    def flat_list(self, text: str, line: int):
        """A flow sequence of scalars that matched _FLAT_SEQ; counts its items, not itself."""
        if "'" in text or '"' in text:
            items = _ITEMS.findall(text)
        else:  # plain scalars hold no ',' and no space at either end
            inner = text[1:-1].strip(" ")
            items = [item.strip(" ") for item in inner.split(",")] if inner else []
        out = YList()
        plain = self.plain
        for item in items:
            value = plain.get(item, _MISSING)
            out.append(self.flat_value(item, line) if value is _MISSING else value)
        out.line = line
        out.item_lines = [line] * len(out)
        self.count += len(out)
        return out

    def flat_run(self, start: int, indent: int, depth: int) -> list:
        """The flat flow mappings on the `- {...}` lines from `start` on, read together (a long
        spec is mostly such lines) up to the first that is not one: the caller reads that one
        and the rest of the run one by one."""
        lines = self.lines
        prefix = " " * indent + "- {"
        end = start
        while end < len(lines) and lines[end].startswith(prefix) and lines[end][-1] == "}":
            end += 1
        self.run_checked = end  # read together or one by one, never tried twice
        maps: list = []
        if end - start < 2 or depth + 2 > self.max_depth:  # room for the mappings' lists
            return maps
        converted = self.pairs
        for first in range(start, end, _RUN_CHUNK):  # in chunks: less memory, as fast
            texts = [line[indent + 3:-1] for line in lines[first:min(first + _RUN_CHUNK, end)]]
            pairs = list(map(_PAIRS.findall, texts))
            if list(map(", ".join, pairs)) != texts:  # other spacing, nested collections...
                return maps
            for line, tokens in enumerate(pairs, first + 1):
                converted.line = line
                out = YMap(map(converted.__getitem__, tokens))
                if len(out) != len(tokens):  # a duplicate key
                    raise _Unsupported
                out.line = line
                out.key_lines = dict.fromkeys(out, line)
                maps.append(out)
            self.count += len(texts) + 2 * sum(map(len, pairs))
        return maps

    def flat_map(self, text: str, line: int, checked: bool = False):
        """A flow mapping of scalars and flat sequences, or None if `text` is not one (unless
        `checked` by _FLAT_MAP)."""
        pairs = _PAIRS.findall(text)
        if not checked and "{" + ", ".join(pairs) + "}" != text:
            return None
        self.pairs.line = line
        out = YMap(map(self.pairs.__getitem__, pairs))  # most pairs were seen before
        if len(out) != len(pairs):  # a duplicate key
            raise _Unsupported
        out.line = line
        out.key_lines = dict.fromkeys(out, line)
        self.count += 1 + 2 * len(pairs)
        return out

    def nested_flow(self, text: str, pos: int, line: int, depth: int):
        """The flow value at `pos` and the position after it, token by token."""
        self.deeper(depth)
        token = _TOKEN.match(text, pos)
        if token is None:
            raise _Unsupported
        bracket, key, plain, quoted = token.groups()
        pos = token.end()
        self.count += 1
        if plain:
            return self.scalar(plain), pos
        if quoted:
            return self.quoted(quoted), pos
        if bracket not in ("[", "{"):
            raise _Unsupported
        out = YList() if bracket == "[" else YMap()
        out.line = line
        close = "]" if bracket == "[" else "}"
        while True:
            token = _TOKEN.match(text, pos)
            if token is None:
                raise _Unsupported
            if token[1] == close and not out:  # empty
                pos = token.end()
                break
            if bracket == "{":
                if token[2] is None:
                    raise _Unsupported
                key = self.key(token[2])
                if key in out:
                    raise _Unsupported
                self.count += 1
                out[key], pos = self.nested_flow(text, token.end(), line, depth + 1)
            else:
                item, pos = self.nested_flow(text, pos, line, depth + 1)
                out.append(item)
            token = _TOKEN.match(text, pos)
            if token is None or token[1] not in (",", close):
                raise _Unsupported
            pos = token.end()
            if token[1] == close:
                break
        if bracket == "[":
            out.item_lines = [line] * len(out)
        else:
            out.key_lines = dict.fromkeys(out, line)
        return out, pos
