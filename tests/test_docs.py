"""The docs stay true: the layer table in docs/spec.md is the registry's, and README's set-up
commands are the ones CI runs."""

from pathlib import Path

from convcalc.cli import COUNTING
from convcalc.layers import REGISTRY
from convcalc.reference import conventions_markdown, layer_kinds_markdown

ROOT = Path(__file__).resolve().parent.parent


def test_spec_md_embeds_the_generated_layer_table():
    spec_md = (ROOT / "docs" / "spec.md").read_text()
    assert layer_kinds_markdown() in spec_md, (
        "docs/spec.md's layer table is stale: paste the output of"
        " `python -c 'from convcalc.reference import conventions_markdown, layer_kinds_markdown as f; print(f())'`")


def test_spec_md_embeds_the_generated_conventions_table():
    assert conventions_markdown() in (ROOT / "docs" / "spec.md").read_text()


def test_every_layer_kind_is_documented_with_every_field():
    table = layer_kinds_markdown()
    for op, kind in REGISTRY.items():
        assert f"| `{op}` |" in table
        for field in kind.fields:
            assert f"| `{op}` | `{field.name}` |" in table


def test_counting_conventions_are_stated_in_the_docs_and_help():
    spec_md = (ROOT / "docs" / "spec.md").read_text()
    assert "## Counting conventions" in spec_md
    for term in ("weights", "biases", "params", "buffers", "macs", "flops = 2 × macs"):
        assert term in COUNTING
    assert "`flops` = 2 × macs" in spec_md


def test_readme_set_up_commands_are_the_ones_ci_runs():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    assert "pip install . && convcalc summary alexnet-lecture" in readme
    assert "pip install '.[test]' && pytest" in readme
    assert "pip install --quiet '.[test]'" in ci and "\npytest\n" in ci
