"""Bad input: one test per case. Each raises the SPEC section 15 exception, and the
message names the operation, the axes and the sizes, never the array values."""

import jax
import numpy as np
import pytest

import namedtensor as nt
from _helpers import raises as _raises

VALUE = 12345.678  # a value that must never appear in a message


def _t(sizes, backend="jax"):
    return nt.full(sizes, VALUE, dtype="float32", backend=backend)


def test_hierarchy():
    for cls in (nt.AxisNameError, nt.AxisSizeError, nt.SpecError, nt.DeviceMismatchError,
                nt.FormatError):
        assert issubclass(cls, nt.NamedTensorError)
    assert issubclass(nt.NamedTensorError, ValueError)


def test_wrong_number_of_names(backend):
    _raises(nt.AxisNameError, lambda: nt.tensor(np.zeros((2, 3)), "a", backend=backend),
            "nt.tensor", "1 name", "['a']", "(2, 3)")


def test_duplicate_names(backend):
    _raises(nt.AxisNameError, lambda: nt.tensor(np.zeros((2, 2)), "a a", backend=backend),
            "nt.tensor", "duplicate", "'a'")


def test_invalid_names(backend):
    _raises(nt.AxisNameError, lambda: nt.tensor(np.zeros(2), ["1st"], backend=backend),
            "nt.tensor", "invalid axis name '1st'")
    _raises(nt.AxisNameError, lambda: nt.zeros({"a-b": 2}, backend=backend), "'a-b'")
    _raises(nt.AxisNameError, lambda: nt.tensor(np.zeros(2), [3], backend=backend), "3")


def test_unknown_name_suggests_a_near_miss(backend):
    t = _t({"batch": 2, "feat": 3}, backend)
    _raises(nt.AxisNameError, lambda: t.sum("feet"), "nt.sum", "'feet'", "batch=2, feat=3",
            "did you mean 'feat'?")
    _raises(nt.AxisNameError, lambda: nt.softmax(t, "btch"), "nt.softmax", "did you mean 'batch'?")


def test_size_disagreement_names_both_sizes(backend):
    a, b = _t({"batch": 2, "feat": 3}, backend), _t({"feat": 4}, backend)
    _raises(nt.AxisSizeError, lambda: a + b, "nt.add", "'feat'", "size 3", "size 4",
            "batch=2, feat=3", "feat=4")


def test_size_one_does_not_broadcast_against_n(backend):
    a, b = _t({"feat": 3}, backend), _t({"feat": 1}, backend)
    _raises(nt.AxisSizeError, lambda: a * b, "nt.multiply", "'feat'", "size 3", "size 1",
            "no size-1 broadcasting")


def test_positional_array_in_a_named_operation(backend):
    t = _t({"x": 2}, backend)
    _raises(TypeError, lambda: nt.maximum(t, np.ones(2)), "nt.maximum", "shape (2,)",
            "nt.tensor(x, names)")


def test_positional_indexing_shows_the_dict_form(backend):
    t = _t({"seq": 4, "feat": 2}, backend)
    _raises(TypeError, lambda: t[0], "positional", "t[{'seq': 0}]")
    _raises(TypeError, lambda: t[:, 1], "t[{'seq': 0}]")
    _raises(TypeError, lambda: list(t), "not iterable", "seq=4, feat=2")


def test_index_out_of_range(backend):
    t = _t({"seq": 4}, backend)
    _raises(nt.AxisSizeError, lambda: t[{"seq": 4}], "indexing", "index 4", "'seq'", "size 4")
    _raises(nt.AxisSizeError, lambda: t[{"seq": -5}], "index -5")
    ids = nt.tensor([0, 7], "k", backend=backend)
    _raises(nt.AxisSizeError, lambda: t[{"seq": ids}], "indexing", "[-4, 4)", "'seq'", "k=2")
    _raises(nt.AxisNameError, lambda: t[{"sq": 0}], "no axis named 'sq'", "did you mean 'seq'?")
    _raises(TypeError, lambda: t[{"seq": nt.tensor([0.5], "k", backend=backend)}],
            "integer tensor", "float", "(k=1)")


def test_gather_with_disagreeing_batched_size(backend):
    t = _t({"batch": 2, "vocab": 5}, backend)
    ids = nt.tensor([0, 1, 2], "batch", backend=backend)
    _raises(nt.AxisSizeError, lambda: t[{"vocab": ids}], "'batch'", "size 2", "size 3")


def test_flatten_mismatch(backend):
    t = _t({"a": 2, "b": 3, "c": 4}, backend)
    _raises(nt.AxisNameError, lambda: t.flatten(["a", "d"], "ad"), "flatten", "'d'",
            "a=2, b=3, c=4")
    _raises(nt.AxisNameError, lambda: t.flatten(["a", "b"], "c"), "flatten", "'c'",
            "already has an axis")


def test_unflatten_mismatch(backend):
    t = _t({"pixel": 12, "c": 3}, backend)
    _raises(nt.AxisSizeError, lambda: t.unflatten("pixel", {"h": 5, "w": 2}), "unflatten",
            "'pixel'", "size 12", "10")
    _raises(nt.AxisSizeError, lambda: t.unflatten("pixel", {"h": 5, "w": -1}), "size 12",
            "multiple of 5")
    _raises(nt.AxisNameError, lambda: t.unflatten("pixel", {"c": 3, "w": 4}), "collide", "['c']")


def test_stack_mismatch(backend):
    a, b = _t({"x": 2, "y": 3}, backend), _t({"x": 2, "z": 3}, backend)
    _raises(nt.AxisNameError, lambda: nt.stack([a, b], "k"), "nt.stack", "missing ['y']",
            "extra ['z']")
    c = _t({"x": 2, "y": 4}, backend)
    _raises(nt.AxisSizeError, lambda: nt.stack([a, c], "k"), "nt.stack", "'y' is 3 vs 4")
    _raises(nt.AxisNameError, lambda: nt.stack([a, a], "x"), "nt.stack", "'x' already exists")
    _raises(nt.NamedTensorError, lambda: nt.stack([], "k"), "at least one")


def test_concat_mismatch(backend):
    a, b = _t({"x": 2, "y": 3}, backend), _t({"x": 5, "y": 4}, backend)
    _raises(nt.AxisSizeError, lambda: nt.concat([a, b], "x"), "nt.concat", "'y' is 3 vs 4",
            "apart from 'x'")
    _raises(nt.AxisNameError, lambda: nt.concat([a, _t({"y": 3}, backend)], "x"),
            "nt.concat", "'x'")


def test_rename_mismatch(backend):
    t = _t({"a": 2, "b": 3}, backend)
    _raises(nt.AxisNameError, lambda: t.rename(c="d"), "rename", "'c'", "a=2, b=3")
    _raises(nt.AxisNameError, lambda: t.rename(a="b"), "rename", "duplicate", "['b']")
    _raises(nt.AxisNameError, lambda: t.rename(a="not valid"), "rename", "invalid")


def test_align_to_mismatch(backend):
    t = _t({"a": 2, "b": 3}, backend)
    _raises(nt.AxisNameError, lambda: t.align_to("a"), "align_to", "leaves out", "['b']")
    _raises(nt.AxisNameError, lambda: t.align_to("a", "c"), "align_to", "'c'")


def test_scalar_conversion_of_a_non_scalar(backend):
    t = _t({"batch": 2}, backend)
    for convert in (float, int, bool, lambda x: x.item()):
        _raises(nt.AxisNameError, lambda convert=convert: convert(t), "0-d", "batch=2")


def test_squeeze_and_split_sizes(backend):
    t = _t({"a": 2, "b": 3}, backend)
    _raises(nt.AxisSizeError, lambda: t.squeeze("a"), "squeeze", "'a'", "size 2")
    _raises(nt.AxisSizeError, lambda: t.split("b", [1, 1]), "split", "'b'", "size 3", "sum 2")


def test_reductions_without_identity_on_empty_axes(backend):
    t = nt.zeros({"a": 0, "b": 2}, backend=backend)
    _raises(nt.AxisSizeError, lambda: t.max("a"), "nt.max", "'a'", "size 0")
    _raises(nt.AxisSizeError, lambda: t.argmin("a"), "nt.argmin", "'a'", "empty")


def test_bad_sizes_and_dtypes(backend):
    _raises(nt.AxisSizeError, lambda: nt.zeros({"a": -1}, backend=backend), "nt.zeros", "-1")
    _raises(TypeError, lambda: nt.zeros({"a": 1.5}, backend=backend), "nt.zeros", "'a'",
            "must be an int", "float")
    _raises(TypeError, lambda: nt.zeros([2, 3], backend=backend), "mapping")
    _raises(nt.NamedTensorError, lambda: nt.zeros({"a": 2}, dtype="flaot32", backend=backend),
            "unknown dtype 'flaot32'")
    _raises(nt.NamedTensorError, lambda: nt.tensor([1.0], "x", backend="torch"), "torch")


def test_expand_size_conflict(backend):
    t = _t({"a": 2}, backend)
    _raises(nt.AxisSizeError, lambda: t.expand({"a": 3}), "expand", "'a'", "size 2", "size 3")


def test_unknown_device():
    _raises(nt.NamedTensorError, lambda: nt.tensor([1.0], "x", device="tpu"), "'tpu'")
    _raises(nt.NamedTensorError, lambda: nt.ones({"x": 1}).to("cpu:7"), "cpu:7")


def test_errors_under_jit_match_eager():
    a, b = _t({"feat": 3}), _t({"feat": 4})
    with pytest.raises(nt.AxisSizeError) as eager:
        a + b
    with pytest.raises(nt.AxisSizeError) as traced:
        jax.jit(lambda x, y: x + y)(a, b)
    assert str(eager.value) == str(traced.value)
