"""The block-argument evaluator: values written as the arithmetic they must equal, errors by name,
and a fuzz test that no input escapes as anything but ExprError."""

import pytest
from hypothesis import given, settings, strategies as st

from convcalc.expr import MAX_LENGTH, ExprError, evaluate

NAMES = {"planes": 64, "growth": 32, "i": 2, "stride": 2, "down": True}


@pytest.mark.parametrize("text, value", [
    ("planes*4", 64 * 4),
    ("growth*(i+1)", 32 * (2 + 1)),
    ("planes // 3", 64 // 3),
    ("planes / 4", 16),
    ("-planes + 1", -64 + 1),
    ("--3", 3),
    ("7 % 3", 1),
    ("2 + 3 * 4", 2 + 3 * 4),
    ("(2 + 3) * 4", (2 + 3) * 4),
    ("2 if i == 0 else 1", 1),
    ("stride != 1 or down", True),
    ("not down", False),
    ("i < 3 and i >= 2", True),
    ("true", True),
    ("10", 10),
])
def test_values(text, value):
    assert evaluate(text, NAMES) == value


@pytest.mark.parametrize("text, message", [
    ("planez", "unknown name 'planez' (did you mean 'planes'?)"),
    ("014", "a number cannot start with 0: write 14"),
    ("1e3", "unexpected 'e3'"),
    ("1:30", "unexpected character ':'"),
    ("7 / 2", "7 / 2 is not a whole number; use // to round down"),
    ("1 // 0", "division by zero"),
    ("planes *", "found the end"),
    ("(1", "expected ')'"),
    ("down + 1", "arithmetic needs integers"),
    ("", "empty expression"),
    ("(" * 40 + "1" + ")" * 40, "parentheses nested deeper than 32"),
    ("1" * (MAX_LENGTH + 1), "longer than"),
    ("__import__('os')", "unexpected character"),
])
def test_errors(text, message):
    with pytest.raises(ExprError, match=message.replace("(", r"\(").replace(")", r"\)")
                       .replace("*", r"\*").replace("?", r"\?")):
        evaluate(text, NAMES)


ALPHABET = "0123456789 +-*/%()<>=!ifelsandortuepfalsxyz_i"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=ALPHABET, max_size=60))
def test_fuzz_only_expr_errors(text):
    """Whatever the text, the evaluator returns an int or bool, or raises ExprError."""
    try:
        value = evaluate(text, {"i": 3, "x": 5})
    except ExprError:
        return
    assert isinstance(value, (int, bool))
