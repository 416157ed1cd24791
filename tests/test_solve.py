"""Inverse window questions: which kernel, stride, padding and dilation give an output size, and
which paddings keep the size.

"Exact" means remainder (n + p_b + p_a − span) mod s = 0: the last window's last tap is the last
padded position. Expected values are arithmetic; a brute force that places every window tap by tap
checks the definitions and the search's completeness on small inputs.
"""

from __future__ import annotations

import json

import pytest
from convcalc.table import render

from convcalc import writers
from convcalc.shapes import same_padding, slide
from convcalc.solve import (DILATIONS, KERNELS, SHOWN, STRIDES, Solution, arithmetic, keep_size,
                            note, parse_padding, solutions_dict, solve, table)


def rendered(renderable) -> str:
    return render(renderable).rstrip("\n")


def pairs(solutions) -> list[tuple]:
    return [(s.kernel, s.stride, (s.pad_before, s.pad_after), s.dilation, s.exact, s.unseen)
            for s in solutions]


# --- what "exact" means -------------------------------------------------------------------------


@pytest.mark.parametrize("n, k, s, pads, d, out, remainder, unseen", [
    # 3×3 s2 p1 on 224: (224 + 2 − 3)//2 + 1 = 112, but (224 + 2 − 3) % 2 = 1: not exact; the
    # remainder is the right padding pixel, so no input pixel is lost: max(0, 1 − 1) = 0
    (224, 3, 2, (1, 1), 1, (224 + 2 - 3) // 2 + 1, (224 + 2 - 3) % 2, 0),
    # TensorFlow's 'same' on 224: (0, 1): (224 + 1 − 3) % 2 = 0, exact
    (224, 3, 2, (0, 1), 1, (224 + 1 - 3) // 2 + 1, 0, 0),
    # AlexNet: (227 − 11) % 4 = 0 exact; (224 − 11) % 4 = 1, the last pixel unseen
    (227, 11, 4, (0, 0), 1, (227 - 11) // 4 + 1, 0, 0),
    (224, 11, 4, (0, 0), 1, (224 - 11) // 4 + 1, 1, 1),
    # torchvision's AlexNet pads 2: (228 − 11) % 4 = 1, absorbed by p_a = 2
    (224, 11, 4, (2, 2), 1, (228 - 11) // 4 + 1, 1, 0),
    # the same remainder with the padding before only: the last input pixel is lost
    (224, 3, 2, (2, 0), 1, (224 + 2 - 3) // 2 + 1, 1, 1),
    # dilation: span 2·(3 − 1) + 1 = 5
    (56, 3, 1, (2, 2), 2, 56 + 4 - 5 + 1, 0, 0),
])
def test_exact_means_the_last_window_ends_at_the_padded_edge(n, k, s, pads, d, out, remainder,
                                                              unseen):
    solution = Solution(slide(n, k, s, d, pads))
    assert solution.window.size_out == out
    assert solution.window.remainder == remainder
    assert solution.exact is (remainder == 0)
    assert solution.unseen == unseen
    span = d * (k - 1) + 1
    last_end = (out - 1) * s + span                      # one past the last tap, padded coords
    assert (last_end == n + sum(pads)) is solution.exact


def brute_force(n, k, s, pads, d):
    """Place windows tap by tap: their count, whether the last tap is the last padded position,
    and how many real pixels lie after the last tap."""
    padded = n + sum(pads)
    starts = [i for i in range(0, padded, s) if i + d * (k - 1) < padded]
    if not starts:
        return None
    last_tap = starts[-1] + d * (k - 1)
    unseen = sum(1 for x in range(n) if pads[0] + x > last_tap)
    return len(starts), last_tap == padded - 1, unseen


@pytest.mark.parametrize("n", range(1, 13))
def test_exact_and_unseen_agree_with_a_brute_force(n):
    """Over the paddings solve searches: each side less than the span, so every window reads at
    least one real pixel."""
    for k in range(1, 5):
        for s in range(1, 4):
            for d in range(1, 3):
                span = d * (k - 1) + 1
                for pads in [(b, a) for b in range(span) for a in range(span)]:
                    expected = brute_force(n, k, s, pads, d)
                    if expected is None:
                        continue
                    solution = Solution(slide(n, k, s, d, pads))
                    assert (solution.window.size_out, solution.exact, solution.unseen) == expected


@pytest.mark.parametrize("n, m", [(7, 3), (12, 6), (10, 10), (9, 2), (5, 8)])
def test_solve_finds_every_window_in_the_ranges(n, m):
    """Completeness: every (k, s, d, total padding) whose tap-by-tap count is m is found, once,
    with the total split evenly (the odd pixel after)."""
    found = {(s.kernel, s.stride, s.dilation, (s.pad_before, s.pad_after)) for s in solve(n, m)}
    expected = set()
    for k in KERNELS:
        for d in DILATIONS if k > 1 else (1,):
            span = d * (k - 1) + 1
            for s in STRIDES:
                for total in range(2 * span - 1):       # each side at most span − 1
                    pads = (total // 2, total - total // 2)
                    result = brute_force(n, k, s, pads, d)
                    if result is not None and result[0] == m:
                        expected.add((k, s, d, pads))
    assert found == expected
    assert len(solve(n, m)) == len(expected)


# --- solve --------------------------------------------------------------------------------------


def test_224_to_112_with_a_3x3_stride_2():
    # (224 + P − 3)//2 + 1 = 112  ⟺  222 ≤ 221 + P ≤ 223  ⟺  P ∈ {1, 2}; P = 1 is exact
    assert pairs(solve(224, 112, kernel=3, stride=2, dilation=1)) == [
        (3, 2, (0, 1), 1, True, 0),
        (3, 2, (1, 1), 1, False, 0),                     # remainder 1, in the right padding
    ]


def test_224_to_112_needs_stride_2():
    # out = 112 needs 111·s ≤ 224 + P − span < 112·s with P ≤ 2·(span − 1) and span ≤ 41
    assert {s.stride for s in solve(224, 112)} == {2}
    exact = [s for s in solve(224, 112) if s.exact]
    # stride 2 is exact at P = 111·2 + span − 224 = span − 2, so span ≥ 2: every kernel but 1
    assert len(exact) == (len(KERNELS) - 1) * len(DILATIONS)
    assert all(s.pad_before + s.pad_after == s.window.span - 2 for s in exact)


def test_solutions_come_exact_first_undilated_first_smallest_kernel_first():
    solutions = solve(224, 112)
    assert [pairs([s])[0][:4] for s in solutions[:3]] == [
        (2, 2, (0, 0), 1), (3, 2, (0, 1), 1), (4, 2, (1, 1), 1)]
    flags = [s.exact for s in solutions]
    assert flags == sorted(flags, reverse=True)


def test_a_fixed_padding_is_the_only_one_tried():
    assert pairs(solve(227, 55, stride=4, padding=0, dilation=1)) == [
        (11, 4, (0, 0), 1, True, 0),                     # (227 − 11)/4 + 1 = 55
        # (227 − k) // 4 = 54 ⟺ 216 ≤ 227 − k ≤ 219 ⟺ 8 ≤ k ≤ 11; without padding every
        # remainder (227 − k) % 4 = 11 − k is unseen
        (8, 4, (0, 0), 1, False, 11 - 8), (9, 4, (0, 0), 1, False, 11 - 9),
        (10, 4, (0, 0), 1, False, 11 - 10),
    ]
    assert pairs(solve(224, 112, kernel=3, stride=2, padding=(1, 0))) == [
        (3, 2, (1, 0), 1, True, 0)]                      # (224 + 1 − 3) % 2 = 0


def test_ceil_mode_adds_pools_that_reach_the_size_by_rounding_up():
    # GoogLeNet's pool: 3×3 s2 on 112 → ⌈(112 − 3)/2⌉ + 1 = 56 in ceil mode, 55 in floor mode
    floor = solve(112, 56, kernel=3, stride=2, dilation=1)
    both = solve(112, 56, kernel=3, stride=2, dilation=1, ceil_mode=True)
    added = [s for s in both if s.ceil_mode]
    assert pairs(added) == [(3, 2, (0, 0), 1, False, 0)]
    assert len(both) == len(floor) + 1
    assert arithmetic(added[0]) == "⌈(112 + 0 + 0 − 3) / 2⌉ + 1 = 56"
    # padding 1 + 1 would give ⌈111/2⌉ + 1 = 57, and pooling takes padding ≤ ⌊3/2⌋ = 1
    assert all(max(s.pad_before, s.pad_after) <= 3 // 2 for s in added)


def test_ceil_mode_skips_a_window_that_the_dropped_rule_brings_back_to_floor():
    # 2×2 s2 p1 on 5: ⌈(7 − 2)/2⌉ + 1 = 4, the fourth window starts in the padding and is
    # dropped: 3, which the floor formula gives too, (7 − 2)//2 + 1 = 3: no second solution
    solutions = solve(5, 3, kernel=2, stride=2, padding=1, dilation=1, ceil_mode=True)
    assert [s.ceil_mode for s in solutions] == [False]


def test_ceil_mode_lets_a_window_overhang_a_tiny_input():
    # formulas.md §1.3: a 3-wide stride-2 window on 2 pixels: floor refuses it (3 > 2), ceil gives
    # ⌈(2 − 3)/2⌉ + 1 = 0 + 1 = 1; the remainder (2 − 3) mod 2 = 1 makes it inexact
    solutions = solve(2, 1, kernel=3, stride=2, dilation=1, ceil_mode=True)
    assert [(s.pad_before, s.pad_after, s.ceil_mode, s.exact) for s in solutions] == [
        (0, 1, False, True),                             # (2 + 1 − 3) = 0: exact
        (1, 1, False, False),                            # (2 + 2 − 3) // 2 + 1 = 1, rem 1
        (0, 0, True, False),
    ]


def test_no_solution_in_the_ranges():
    # one output from 224 needs s > 224 + P − span ≥ 224 − 41: beyond stride 8
    assert solve(224, 1) == ()
    assert rendered(table(())) == ("no kernel 1–11, stride 1–8, dilation 1–4 and padding gives"
                                   " that output size; fix fewer of them, or give them outside"
                                   " these ranges")
    assert pairs(solve(224, 1, kernel=224, stride=1, padding=0)) == [(224, 1, (0, 0), 1, True, 0)]


@pytest.mark.parametrize("arguments, message", [
    ((0, 1), "the input size must be a positive integer, not 0"),
    ((5, -1), "the output size must be a positive integer, not -1"),
    ((5, 1, 0), "kernel must be a positive integer, not 0"),
    ((5, 1, 3, True), "stride must be a positive integer, not True"),
    ((5, 1, 3, 1, -1), "padding must be an integer >= 0 or a (before, after) pair, not -1"),
])
def test_solve_refuses_bad_arguments(arguments, message):
    with pytest.raises(ValueError) as error:
        solve(*arguments)
    assert str(error.value) == message


@pytest.mark.parametrize("text, expected", [("1", 1), ("0,1", (0, 1)), ("2+3", (2, 3))])
def test_parse_padding(text, expected):
    assert parse_padding(text) == expected


@pytest.mark.parametrize("text, message", [
    ("x", "padding 'x' must be an integer, or BEFORE,AFTER like 0,1"),
    ("-1", "padding '-1' must be one integer >= 0, or two: BEFORE,AFTER"),
    ("1,2,3", "padding '1,2,3' must be one integer >= 0, or two: BEFORE,AFTER"),
])
def test_parse_padding_refuses_bad_text(text, message):
    with pytest.raises(ValueError) as error:
        parse_padding(text)
    assert str(error.value) == message


# --- keep_size ----------------------------------------------------------------------------------


def test_keep_size_3x3_stride_1():
    # out = n ⟺ n + P − 3 + 1 = n ⟺ P = 2; each side at most span − 1 = 2
    assert pairs(keep_size(56, 3)) == [
        (3, 1, (1, 1), 1, True, 0), (3, 1, (0, 2), 1, True, 0), (3, 1, (2, 0), 1, True, 0)]
    assert [s.tensorflow_same for s in keep_size(56, 3)] == [True, False, False]
    assert note(keep_size(56, 3)[0]) == "'same' (TensorFlow and PyTorch)"


def test_keep_size_3x3_stride_2_is_exact_only_with_odd_total_padding():
    # out = ⌈224/2⌉ = 112 ⟺ P ∈ {1, 2} (above); exact ⟺ (221 + P) % 2 = 0 ⟺ P = 1
    assert pairs(keep_size(224, 3, stride=2)) == [
        (3, 2, (0, 1), 1, True, 0), (3, 2, (1, 0), 1, True, 0),
        (3, 2, (1, 1), 1, False, 0),                      # remainder 1 ≤ p_a = 1
        (3, 2, (0, 2), 1, False, 0),
        (3, 2, (2, 0), 1, False, 1),                      # remainder 1 − p_a 0 = 1 unseen
    ]
    tensorflow = [s for s in keep_size(224, 3, stride=2) if s.tensorflow_same]
    assert [(s.pad_before, s.pad_after) for s in tensorflow] == [same_padding(224, 3, 2)] == [
        (0, 1)]
    # at 225 TensorFlow pads (1, 1): (112·2 + 3 − 225) = 2, split evenly, and it is exact
    assert [(s.pad_before, s.pad_after, s.exact) for s in keep_size(225, 3, stride=2)
            if s.tensorflow_same] == [(1, 1, True)]


def test_keep_size_with_dilation_pads_half_the_span():
    # span 2·(3 − 1) + 1 = 5, so P = 4: (2, 2) and the four uneven splits
    solutions = keep_size(56, 3, dilation=2)
    assert [(s.pad_before, s.pad_after) for s in solutions] == [
        (2, 2), (0, 4), (1, 3), (3, 1), (4, 0)]
    assert all(s.exact for s in solutions)


def test_keep_size_always_contains_tensorflows_same():
    for n in range(1, 40):
        for k in range(1, 8):
            for s in range(1, 5):
                same = [x for x in keep_size(n, k, s) if x.tensorflow_same]
                assert [(x.pad_before, x.pad_after) for x in same] == [same_padding(n, k, s)]


# --- rendering ----------------------------------------------------------------------------------


def test_the_keep_size_table():
    # rule: the columns' widths (6 + 6 + 7 + 8 + 33 + the note) and five gaps of 2
    assert rendered(table(keep_size(224, 3, stride=2))) == "\n".join([
        "input 224 → output 112: 2 exact, 3 with a remainder",
        "",
        "exact: the last window ends at the padded edge",
        " kernel  stride  padding  dilation  output                             note",
        " " + "─" * (6 + 6 + 7 + 8 + 33 + len("TensorFlow 'same'") + 5 * 2),
        "      3       2      0+1         1  ⌊(224 + 0 + 1 − 3) / 2⌋ + 1 = 112  TensorFlow 'same'",
        "      3       2      1+0         1  ⌊(224 + 1 + 0 − 3) / 2⌋ + 1 = 112",
        "",
        "with a remainder: the last window stops short of the edge",
        " kernel  stride  padding  dilation  output                             note",
        " " + "─" * (6 + 6 + 7 + 8 + 33 + len("rem 1 in padding") + 5 * 2),
        "      3       2        1         1  ⌊(224 + 1 + 1 − 3) / 2⌋ + 1 = 112  rem 1 in padding",
        "      3       2      0+2         1  ⌊(224 + 0 + 2 − 3) / 2⌋ + 1 = 112  rem 1 in padding",
        "      3       2      2+0         1  ⌊(224 + 2 + 0 − 3) / 2⌋ + 1 = 112  rem 1, 1 unseen",
    ])


def test_the_table_is_capped_and_says_how_many_more():
    solutions = solve(12, 6)
    exact = sum(s.exact for s in solutions)
    assert exact > SHOWN
    out = rendered(table(solutions))
    assert (f"… and {exact - SHOWN} more; fix --kernel, --stride or --dilation to narrow the"
            " search (--format json lists all)") in out


def test_notes_for_a_stride_longer_than_the_window_and_ceil_mode():
    (one,) = solve(224, 112, kernel=1, stride=2)
    # (224 − 1) % 2 = 1: the last pixel is unseen, and every other pixel is skipped
    assert note(one) == "rem 1, 1 unseen; skips 1 of every 2 pixels; TensorFlow 'same'"
    (ceil,) = [s for s in solve(112, 56, kernel=3, stride=2, dilation=1, ceil_mode=True)
               if s.ceil_mode]
    assert note(ceil) == "ceil mode (pooling): rem 1 rounded up"


def test_solutions_dict_is_json():
    document = json.loads(writers.dumps(solutions_dict(solve(224, 112, kernel=3, stride=2,
                                                             dilation=1))))
    assert document["solutions"] == [
        {"input": 224, "output": 112, "kernel": 3, "stride": 2, "padding": [0, 1], "dilation": 1,
         "ceil_mode": False, "remainder": 0, "unseen": 0, "exact": True, "tensorflow_same": True},
        {"input": 224, "output": 112, "kernel": 3, "stride": 2, "padding": [1, 1], "dilation": 1,
         "ceil_mode": False, "remainder": 1, "unseen": 0, "exact": False,
         "tensorflow_same": False},
    ]
