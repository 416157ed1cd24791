"""The terminal tables: columns aligned, rules as wide as the table, colour only when asked, and
a stacked layout when the table does not fit — no number is ever cut or folded."""

import re

import pytest
from typer.testing import CliRunner

from convcalc.cli import app
from convcalc.table import Column, Line, Styled, Table, joined, render, width

TABLE = Table((Column("layer", footer="total"), Column("params", "right", "1,234,567")),
              (("conv1", "1,234,560"), (Styled("fc", "bold"), "7")), "net — input 3×8×8")
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def test_columns_are_aligned_and_the_rules_span_the_table():
    lines = render([TABLE]).splitlines()
    # indent 1 + "layer" (5) + gap 2 + "1,234,567" (9)
    assert lines == [
        "net — input 3×8×8",
        " layer     params",
        " " + "─" * (5 + 2 + 9),
        " conv1  1,234,560",
        " fc             7",
        " " + "─" * (5 + 2 + 9),
        " total  1,234,567",
    ]


def test_lines_and_tables_are_separated_by_one_blank_line():
    assert render([Line("before"), TABLE, Line("after")]).splitlines()[:2] == ["before", ""]
    assert render([TABLE, Line("after")]).splitlines()[-2:] == ["", "after"]


def test_no_colour_unless_asked_then_ansi_styles():
    assert "\x1b" not in render([TABLE, Line("warning: x", "yellow")])
    coloured = render([TABLE, Line("warning: x", "yellow")], colour=True)
    assert "\x1b[1mfc\x1b[0m" in coloured and "\x1b[33mwarning: x\x1b[0m" in coloured
    assert ANSI.sub("", coloured) == render([TABLE, Line("warning: x", "yellow")])


def test_a_table_too_wide_is_stacked_one_record_per_row():
    lines = render([TABLE], limit=15).splitlines()
    assert lines == ["net — input 3×8×8", " conv1", "    params 1,234,560", " fc", "    params 7",
                     " total", "    params 1,234,567"]


def test_joined_never_splits_a_part():
    parts = ["output 96×55×55", "window 11×11 s4 p0", "MACs 105,415,200"]
    assert joined(parts, 40) == ["output 96×55×55 · window 11×11 s4 p0", "MACs 105,415,200"]
    assert joined(parts, 5) == parts  # each longer than the limit: one per line, whole


def test_wide_characters_take_two_cells():
    assert width("conv") == 4 and width("96×55×55") == 8 and width("層") == 2


@pytest.fixture
def runner():
    return CliRunner()


@pytest.mark.parametrize("columns", [40, 60, 80])
def test_a_narrow_terminal_gets_every_number_whole(runner, columns):
    result = runner.invoke(app, ["summary", "resnet50", "--depth", "1"],
                           env={"COLUMNS": str(columns)})
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    too_wide = [line for line in lines if width(line) > columns]
    assert too_wide == [], too_wide
    for number in ("25,557,032", "4,089,184,256", "14,964,736", "2,048,000"):
        assert any(number in line.split() for line in lines), number


def test_a_pipe_gets_the_whole_table_on_one_line_per_layer(runner):
    result = runner.invoke(app, ["summary", "resnet50"])  # CliRunner's stdout is not a terminal
    rows = [line for line in result.stdout.splitlines() if line.split()[:1] == ["layer1.0.conv1"]]
    assert len(rows) == 1 and rows[0].split()[-1] == f"{56 * 56 * 64 * 1 * 1 * 64:,}"
    assert "\x1b" not in result.stdout


def test_force_colour_and_no_colour(runner):
    coloured = runner.invoke(app, ["summary", "two-3x3"], env={"FORCE_COLOR": "1"}).stdout
    assert "\x1b[1m" in coloured
    plain = runner.invoke(app, ["summary", "two-3x3"], env={"FORCE_COLOR": "1", "NO_COLOR": "1"})
    assert "\x1b" not in plain.stdout
