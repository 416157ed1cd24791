"""Work done once per distinct layer: equal entries share their checked fields (graph.py), equal
layers at equal input shapes share their math (analysis.py), and the JSON writer reuses the text
of shared shapes and windows (writers.py). Sharing must never change a result: each test here
pairs two entries that a careless key would confuse and checks that they are told apart."""

import json
from fractions import Fraction

import pytest

from convcalc import writers
from convcalc.analysis import analyze
from convcalc.errors import SpecError
from convcalc.spec import parse_spec
from convcalc.yamlspec import parse_yaml
from convcalc.zoo import builtin_specs, load


def spec(text):
    return parse_spec(parse_yaml(text, "s.yaml"), "s.yaml")


def network(*entries, head="", blocks=""):
    body = "".join(f"  - {e}\n" for e in entries)
    return f"name: s\ninput: [4, 16, 16]\n{head}{blocks}layers:\n{body}"


def test_equal_entries_share_one_checked_mapping_and_others_do_not():
    layers = spec(network("{op: conv, name: a, out: 4, kernel: 3, padding: 1}",
                          "{op: conv, name: b, out: 4, kernel: 3, padding: 1}",
                          "{op: conv, name: c, out: 4, kernel: 3, padding: 1, bias: false}")).layers
    assert layers[0].attrs is layers[1].attrs
    assert layers[2].attrs is not layers[0].attrs and layers[2].attrs["bias"] is False


@pytest.mark.parametrize("first, second, message", [
    # true is a boolean, 1 an integer: bias takes only the first
    ("bias: true", "bias: 1", "bias must be true or false, not 1"),
    # a quoted '4' is text, never a number
    ("out: 4", "out: '4'", "out must be an integer, not '4'"),
    # 2 and 2.0 are equal in Python; a kernel takes only the integer
    ("kernel: 2", "kernel: 2.0", "kernel must be an integer, not 2.0"),
    ("kernel: [2, 2]", "kernel: [2, true]", "kernel must be an integer, not True"),
])
def test_values_equal_in_python_but_not_in_a_spec_are_told_apart(first, second, message):
    def entry(fields):  # a valid conv with one field replaced
        written = fields.split(":")[0]
        rest = ", ".join(f"{k}: {v}" for k, v in (("out", 4), ("kernel", 3)) if k != written)
        return f"{{op: conv, {rest}, {fields}}}"

    spec(network(entry(first)))  # the first is valid on its own
    with pytest.raises(SpecError, match=f"s.yaml:5: layer 'conv2' \\(conv\\): {message}"):
        spec(network(entry(first), entry(second)))


def test_a_number_written_two_ways_keeps_each_exact_value():
    # 0.1 and 0.10000000000000001 are the same float, but not the same written number
    assert 0.1 == 0.10000000000000001
    layers = spec(network("{op: dropout, p: 0.1}", "{op: dropout, p: 0.10000000000000001}")).layers
    assert layers[0].attrs["p"] == Fraction(1, 10)
    assert layers[1].attrs["p"] == Fraction(10000000000000001, 10 ** 17)


def test_an_expression_is_evaluated_again_where_the_parameters_differ():
    blocks = ("blocks:\n  b:\n    params: {c: null}\n"
              "    layers:\n      - {op: conv, out: c, kernel: 1}\n")
    report = analyze(spec(network("{block: b, c: 4}", "{block: b, c: 8}", "{block: b, c: 4}",
                                  blocks=blocks)))
    assert [r.output_shape.channels for r in report.rows] == [4, 8, 4]
    # the repeat index is a parameter too: out = i + 1 gives 1, 2, 3
    report = analyze(spec(network("{op: conv, out: i + 1, kernel: 1, repeat: 3}")))
    assert [r.output_shape.channels for r in report.rows] == [1, 2, 3]


def test_a_field_named_like_a_parameter_is_not_taken_for_the_parameter():
    # inside the block, `kernel: k` reads the parameter k = 3; at the top level, `k: 3` is an
    # unknown field of conv, even though the entry's text lists the same names and values
    blocks = ("blocks:\n  b:\n    params: {k: 3}\n"
              "    layers:\n      - {op: conv, out: 4, kernel: k}\n")
    with pytest.raises(SpecError, match="s.yaml:10: .*kernel: cannot evaluate 'k'"):
        spec(network("{block: b}", "{op: conv, out: 4, kernel: k, k: 3}", blocks=blocks))
    # (it fails on `kernel: k` first, as it does when it comes first)
    with pytest.raises(SpecError, match="s.yaml:9: .*kernel: cannot evaluate 'k'"):
        spec(network("{op: conv, out: 4, kernel: k, k: 3}", blocks=blocks))


def test_equal_layers_at_different_input_shapes_are_computed_for_each():
    report = analyze(spec(network("{op: conv, name: a, out: 4, kernel: 3}",
                                  "{op: maxpool, kernel: 2}",
                                  "{op: conv, name: b, out: 4, kernel: 3}",
                                  "{op: conv, name: c, out: 4, kernel: 3}")))
    a, b, c = (report.row(n) for n in "abc")
    assert a.output_shape.spatial == (16 - 2, 16 - 2)
    assert b.output_shape.spatial == ((16 - 2) // 2 - 2,) * 2
    assert c.output_shape.spatial == ((16 - 2) // 2 - 4,) * 2
    assert a.macs == 4 * 14 * 14 * 9 * 4 and b.macs == 4 * 5 * 5 * 9 * 4
    # same math, different fields: a reads the input; c reads b, which reads the pool
    assert a.rf.axes[0].size == 3 and c.rf.axes[0].size == 3 + 1 + 2 * 2 + 2 * 2


def test_a_shared_merge_still_names_its_own_inputs_in_warnings():
    report = analyze(spec(network("{op: conv, name: a, out: 4, kernel: 3, padding: 1}",
                                  "{op: conv, name: b, from: input, out: 4, kernel: 1}",
                                  "{op: add, name: m1, from: [a, b]}",
                                  "{op: conv, name: c, from: input, out: 4, kernel: 3, padding: 1}",
                                  "{op: conv, name: d, from: input, out: 4, kernel: 1}",
                                  "{op: add, name: m2, from: [c, d]}")))
    # centred alike (3×3 padded 1 and 1×1): no merge is warned about
    assert not [w for w in report.warnings if "not centred alike" in w.message]
    shifted = analyze(spec(network("{op: conv, name: a, out: 4, kernel: 3, padding: 1}",
                                   "{op: conv, name: b, from: input, out: 4, kernel: 3,"
                                   " padding: [[2, 0], [2, 0]]}",
                                   "{op: add, name: m1, from: [a, b]}",
                                   "{op: add, name: m2, from: [b, a]}")))
    messages = {w.layer: w.message for w in shifted.warnings if "not centred" in w.message}
    assert messages["m1"].index("'a'") < messages["m1"].index("'b'")
    assert messages["m2"].index("'b'") < messages["m2"].index("'a'")


def rows_of_every_kind():
    """Rows from every built-in plus the shapes the built-ins lack: one and three spatial axes,
    a fractional field (a transposed convolution), an unknown one and a global one."""
    for name in builtin_specs():
        yield from analyze(load(name)).rows
    odd = ("name: odd\ninput: [2, 9, 9, 9]\nlayers:\n"
           "  - {op: conv, out: 2, kernel: 3, stride: 2}\n"
           "  - {op: deconv, out: 2, kernel: 3, stride: 2}\n"
           "  - {op: maxpool, output: [2, 3, 4]}\n"
           "  - {op: maxpool, global: true}\n  - {op: flatten}\n  - {op: fc, out: 3}\n")
    yield from analyze(spec(odd)).rows
    yield from analyze(spec("name: line\ninput: [3, 50]\nlayers:\n"
                            "  - {op: conv, out: 5, kernel: 7, padding: [[3, 2]]}\n")).rows


def test_the_text_writer_writes_exactly_what_the_json_encoder_writes():
    rows = list(rows_of_every_kind())
    assert {len(r.output_shape.spatial) for r in rows} >= {0, 1, 2, 3}
    fragments: dict = {}
    for row in rows:
        expected = json.dumps(writers.layer_dict(row), ensure_ascii=False, allow_nan=False)
        assert writers.layer_json(row) == expected, row.name
        assert writers.layer_json(row, fragments) == expected, row.name


def test_op_names_need_no_escaping_in_json():
    from convcalc.layers import REGISTRY

    assert all(json.dumps(op) == f'"{op}"' for op in REGISTRY)  # layer_json writes them as is


@pytest.mark.parametrize("name", ["resnet50", "fcn32s", "googlenet-paper", "densenet121"])
def test_a_written_report_is_the_same_byte_for_byte_either_way(name):
    report = analyze(load(name))
    assert (writers.dumps(writers.report_dict(report, encoded=True))
            == writers.dumps(writers.report_dict(report)))


def test_defaults_are_worked_out_for_each_set_of_written_fields():
    # caffe rounds windowed pooling up; adaptive pooling has no window to round
    text = network("{op: maxpool, kernel: 3, stride: 2}", "{op: maxpool, output: 2}",
                   "{op: maxpool, kernel: 2}", head="convention: caffe\n")
    first, adaptive, third = spec(text).layers
    assert (first.attrs["ceil_mode"], adaptive.attrs["ceil_mode"], third.attrs["ceil_mode"]) == (
        True, False, True)
    assert third.attrs["stride"] is None  # (the kernel, when the analysis reads it)
    # the same op with a required field left out is still refused
    with pytest.raises(SpecError, match="s.yaml:5: layer 'conv2' \\(conv\\): missing 'kernel'"):
        spec(network("{op: conv, out: 4, kernel: 3}", "{op: conv, out: 4}"))


def test_an_entry_that_cannot_be_keyed_is_checked_on_its_own():
    # a mapping where a number belongs cannot key the shared fields: the check still says why
    with pytest.raises(SpecError, match="s.yaml:5: layer 'conv2' \\(conv\\): out must be an"
                                        " integer, not a mapping"):
        spec(network("{op: conv, out: 4, kernel: 3}", "{op: conv, out: {a: 1}, kernel: 3}"))
