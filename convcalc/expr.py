"""A small, safe evaluator for integer arithmetic in block arguments — never Python's `eval`.

Grammar (lowest precedence first)::

    expr    := or_expr ['if' or_expr 'else' expr]
    or_expr := and_expr ('or' and_expr)*
    and_expr:= not_expr ('and' not_expr)*
    not_expr:= 'not' not_expr | compare
    compare := sum [('==' | '!=' | '<' | '<=' | '>' | '>=') sum]
    sum     := term (('+' | '-') term)*
    term    := unary (('*' | '//' | '/' | '%') unary)*
    unary   := '-' unary | '+' unary | atom
    atom    := INT | NAME | 'true' | 'false' | '(' expr ')'

Values are Python ints and bools. `/` must divide exactly (channels are whole numbers); `//` and
`%` floor as in Python. Names are a block's parameters, the spec's `params` and `i`, the index of a
repeated copy. Expressions are at most `MAX_LENGTH` characters, so results stay small.
"""

from __future__ import annotations

import re

MAX_LENGTH = 200
#: Parentheses nested deeper than this are refused (keeps the recursive parser's stack small).
MAX_NESTING = 32

_TOKEN = re.compile(r"\s*(?:(\d+)|([A-Za-z_][A-Za-z0-9_]*)|(//|==|!=|<=|>=|[-+*/%()<>]))")
_KEYWORDS = {"if", "else", "and", "or", "not", "true", "false"}


class ExprError(ValueError):
    """An expression that cannot be evaluated; the message says why."""


def _tokens(text: str) -> list:
    out, pos = [], 0
    text = text.rstrip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match:
            raise ExprError(f"unexpected character {text[pos:].strip()[0]!r}")
        number, name, symbol = match.groups()
        if number is not None:
            if len(number) > 1 and number[0] == "0":
                raise ExprError(f"a number cannot start with 0: write {int(number)}")
            out.append(("num", int(number)))
        elif name is not None:
            out.append(("kw", name) if name in _KEYWORDS else ("name", name))
        else:
            out.append(("op", symbol))
        pos = match.end()
    return out


class _Parser:
    def __init__(self, tokens, names):
        self.tokens, self.pos, self.names, self.depth = tokens, 0, names, 0

    def peek(self):
        return self.tokens[self.pos] if self.pos < len(self.tokens) else (None, None)

    def take(self, kind=None, value=None):
        token = self.peek()
        if token == (None, None) or (kind and token[0] != kind) or (value and token[1] != value):
            want = value or kind or "more"
            got = "the end" if token == (None, None) else repr(token[1])
            raise ExprError(f"expected {want!r}, found {got}")
        self.pos += 1
        return token

    def at(self, kind, *values):
        token = self.peek()
        return token[0] == kind and token[1] in values

    def expr(self):
        value = self.or_expr()
        if self.at("kw", "if"):
            self.take()
            condition = self.or_expr()
            self.take("kw", "else")
            other = self.expr()
            return value if _truth(condition) else other
        return value

    def or_expr(self):
        value = self.and_expr()
        while self.at("kw", "or"):
            self.take()
            right = self.and_expr()
            value = _truth(value) or _truth(right)
        return value

    def and_expr(self):
        value = self.not_expr()
        while self.at("kw", "and"):
            self.take()
            right = self.not_expr()
            value = _truth(value) and _truth(right)
        return value

    def not_expr(self):
        if self.at("kw", "not"):
            self.take()
            return not _truth(self.not_expr())
        return self.compare()

    def compare(self):
        left = self.sum()
        if self.at("op", "==", "!=", "<", "<=", ">", ">="):
            op = self.take()[1]
            right = self.sum()
            if op == "==":
                return left == right
            if op == "!=":
                return left != right
            if not (_number(left) and _number(right)):
                raise ExprError(f"{op} compares numbers, not {left!r} and {right!r}")
            return {"<": left < right, "<=": left <= right, ">": left > right,
                    ">=": left >= right}[op]
        return left

    def sum(self):
        value = self.term()
        while self.at("op", "+", "-"):
            op = self.take()[1]
            right = self.term()
            value = _int(value) + _int(right) if op == "+" else _int(value) - _int(right)
        return value

    def term(self):
        value = self.unary()
        while self.at("op", "*", "//", "/", "%"):
            op = self.take()[1]
            right = _int(self.unary())
            value = _int(value)
            if op == "*":
                value *= right
                continue
            if right == 0:
                raise ExprError("division by zero")
            if op == "/":
                if value % right:
                    raise ExprError(f"{value} / {right} is not a whole number; use // to round"
                                    " down")
                value //= right
            elif op == "//":
                value //= right
            else:
                value %= right
        return value

    def unary(self):
        sign, signed = 1, False
        while self.at("op", "-", "+"):
            signed = True
            if self.take()[1] == "-":
                sign = -sign
        value = self.atom()
        return sign * _int(value) if signed else value

    def atom(self):
        kind, value = self.peek()
        if kind == "num":
            self.take()
            return value
        if kind == "kw" and value in ("true", "false"):
            self.take()
            return value == "true"
        if kind == "name":
            self.take()
            if value not in self.names:
                from .errors import did_you_mean

                known = ", ".join(sorted(self.names)) or "none"
                raise ExprError(f"unknown name '{value}'{did_you_mean(value, self.names)};"
                                f" known here: {known}")
            return self.names[value]
        if kind == "op" and value == "(":
            self.take()
            self.depth += 1
            if self.depth > MAX_NESTING:
                raise ExprError(f"parentheses nested deeper than {MAX_NESTING}")
            inner = self.expr()
            self.take("op", ")")
            self.depth -= 1
            return inner
        self.take("a number, a name or '('")


def _truth(value) -> bool:
    return bool(value)


#: Results beyond this magnitude are refused: no network needs them, and unbounded growth through
#: nested blocks would make numbers too long to print.
MAX_MAGNITUDE = 10**18


def _number(value) -> bool:
    return isinstance(value, int)


def _int(value) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ExprError(f"arithmetic needs integers, not {value!r}")
    if abs(value) > MAX_MAGNITUDE:
        raise ExprError(f"a value beyond ±10**18 ({len(str(abs(value)))} digits); no network"
                        " needs one")
    return value


def evaluate(text: str, names: dict):
    """Evaluate `text` with `names` bound; raises ExprError with a readable reason."""
    if len(text) > MAX_LENGTH:
        raise ExprError(f"expression longer than {MAX_LENGTH} characters")
    tokens = _tokens(text)
    if not tokens:
        raise ExprError("empty expression")
    parser = _Parser(tokens, names)
    value = parser.expr()
    if isinstance(value, int) and not isinstance(value, bool):
        _int(value)
    if parser.pos != len(tokens):
        raise ExprError(f"unexpected {parser.tokens[parser.pos][1]!r}")
    return value
