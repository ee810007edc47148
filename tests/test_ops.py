"""Elementwise ops, reductions and axis-wise functions against a NumPy oracle."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import _oracle as oracle
import namedtensor as nt
from namedtensor import _ops
from namedtensor.testing import assert_allclose
from namedtensor.testing import strategies as nts

_erf = np.vectorize(math.erf)

# name: (NumPy oracle, input strategy kwargs for named_tensors)
POS = st.floats(0.125, 10, width=32, allow_subnormal=False)
UNARY = {
    "exp": (np.exp, {}), "log": (np.log, {"elements": POS}),
    "log1p": (np.log1p, {"elements": st.floats(-0.875, 10, width=32, allow_subnormal=False)}),
    "expm1": (np.expm1, {}),
    "sqrt": (np.sqrt, {"elements": st.floats(0, 10, width=32, allow_subnormal=False)}),
    "rsqrt": (lambda x: 1 / np.sqrt(x), {"elements": POS}), "square": (np.square, {}),
    "abs": (np.abs, {}), "sign": (np.sign, {}), "negative": (np.negative, {}),
    "sin": (np.sin, {}), "cos": (np.cos, {}),
    "tan": (np.tan, {"elements": st.floats(-1.375, 1.375, width=32, allow_subnormal=False)}),
    "tanh": (np.tanh, {}),
    "sigmoid": (lambda x: 1 / (1 + np.exp(-x)), {}),
    "relu": (lambda x: np.where(x > 0, x, 0.0), {}),
    "gelu": (lambda x: x * 0.5 * (1 + _erf(x / math.sqrt(2))), {}),
    "softplus": (lambda x: np.log(1 + np.exp(x)), {}), "erf": (_erf, {}),
    "floor": (np.floor, {}), "ceil": (np.ceil, {}), "round": (np.round, {}),
    "isnan": (np.isnan, {"elements": st.floats(allow_nan=True, width=32, allow_subnormal=False)}),
    "isfinite": (np.isfinite,
                 {"elements": st.floats(allow_nan=True, width=32, allow_subnormal=False)}),
    "logical_not": (np.logical_not, {"dtype": "bool"}), "invert": (np.invert, {"dtype": "bool"}),
}

NONZERO_INT = st.integers(-10, 10).filter(lambda v: v != 0)
BINARY = {
    "add": (np.add, {}), "subtract": (np.subtract, {}), "multiply": (np.multiply, {}),
    "divide": (np.divide, {"elements": st.floats(0.5, 10, width=32, allow_subnormal=False)}),
    "floor_divide": (np.floor_divide, {"dtype": "int32", "elements": NONZERO_INT}),
    "remainder": (np.remainder, {"dtype": "int32", "elements": NONZERO_INT}),
    "power": (np.power, {"elements": st.floats(0.5, 2, width=32, allow_subnormal=False)}),
    "maximum": (np.maximum, {}), "minimum": (np.minimum, {}),
    "equal": (np.equal, {"dtype": "int32"}), "not_equal": (np.not_equal, {"dtype": "int32"}),
    "less": (np.less, {}), "less_equal": (np.less_equal, {"dtype": "int32"}),
    "greater": (np.greater, {}), "greater_equal": (np.greater_equal, {"dtype": "int32"}),
    "bitwise_and": (np.bitwise_and, {"dtype": "bool"}),
    "bitwise_or": (np.bitwise_or, {"dtype": "bool"}),
    "bitwise_xor": (np.bitwise_xor, {"dtype": "bool"}),
}
OPERATORS = {"add": "__add__", "subtract": "__sub__", "multiply": "__mul__",
             "divide": "__truediv__", "floor_divide": "__floordiv__", "remainder": "__mod__",
             "power": "__pow__", "less": "__lt__", "less_equal": "__le__", "greater": "__gt__",
             "greater_equal": "__ge__", "equal": "__eq__", "not_equal": "__ne__",
             "bitwise_and": "__and__", "bitwise_or": "__or__", "bitwise_xor": "__xor__"}


def test_tables_are_covered():
    assert set(UNARY) == set(_ops.UNARY)
    assert set(BINARY) == set(_ops.BINARY)


@pytest.mark.parametrize("name", sorted(UNARY))
@given(data=st.data())
def test_unary_matches_numpy(backend, name, data):
    fn, kwargs = UNARY[name]
    t = data.draw(nts.named_tensors(backend=backend, **kwargs))
    out = getattr(nt, name)(t)
    assert out.names == t.names and out.backend == backend
    oracle.check(out, oracle.elementwise(fn, t), rtol=2e-5, atol=2e-5)


@pytest.mark.parametrize("name", sorted(BINARY))
@given(data=st.data())
def test_binary_broadcasts_by_name(backend, name, data):
    fn, kwargs = BINARY[name]
    a, b = data.draw(nts.broadcastable(2, backend=backend, **kwargs))
    out = getattr(nt, name)(a, b)
    expected = oracle.elementwise(fn, a, b)
    assert list(out.names) == expected[1]  # first operand's names, then the new ones
    oracle.check(out, expected)
    if name in OPERATORS:
        assert_allclose(getattr(a, OPERATORS[name])(b), out)
    # order is layout, not meaning
    pa, pb = data.draw(nts.permuted(a)), data.draw(nts.permuted(b))
    assert_allclose(getattr(nt, name)(pa, pb), out)


@given(nts.named_tensors(), st.floats(-5, 5, width=32, allow_subnormal=False))
def test_scalars_broadcast_and_reflected_operators(t, s):
    oracle.check(s - t, oracle.elementwise(lambda x: np.float32(s) - x, t))
    oracle.check(t * s, oracle.elementwise(lambda x: x * np.float32(s), t))
    oracle.check(-t, oracle.elementwise(np.negative, t))
    oracle.check(abs(t), oracle.elementwise(np.abs, t))
    assert (t + s).dtype == np.float32  # Python scalars are weakly typed


@given(nts.broadcastable(2, backend="numpy"))
def test_numpy_mixed_with_jax_gives_jax(pair):
    a, b = pair
    b = nt.tensor(b.numpy(), b.names)
    out = a + b
    assert out.backend == "jax"
    oracle.check(out, oracle.elementwise(np.add, a, b))


def test_zero_d_broadcasts_against_anything(backend):
    t = nt.tensor(np.arange(6.0).reshape(2, 3), "a b", backend=backend)
    s = nt.tensor(2.0, (), backend=backend)
    oracle.check(t * s, oracle.elementwise(lambda x: x * 2, t))
    oracle.check(s * t, oracle.elementwise(lambda x: 2 * x, t))
    assert (s * s).names == ()


@given(data=st.data())
def test_where_and_clip(backend, data):
    c, x, y, low, high = data.draw(nts.broadcastable(5, backend=backend))
    cond = c > 0
    out = nt.where(cond, x, y)
    oracle.check(out, oracle.elementwise(lambda c_, x_, y_: np.where(c_ > 0, x_, y_), c, x, y))
    clipped = nt.clip(x, low, low + abs(high))
    oracle.check(clipped, oracle.elementwise(
        lambda v, lo, hi: np.minimum(np.maximum(v, lo), lo + np.abs(hi)), x, low, high))
    oracle.check(nt.clip(x, -1.0, None), oracle.elementwise(lambda v: np.maximum(v, -1), x))


def _np_logsumexp(x, axis):
    m = np.max(x, axis=axis, keepdims=True) if x.size else 0
    return np.log(np.sum(np.exp(x - m), axis=axis)) + (np.squeeze(m, axis) if x.size else 0)


REDUCTIONS = {
    "sum": (np.sum, {}), "mean": (np.mean, {}),
    "prod": (np.prod,
             {"elements": st.floats(-1.5, 1.5, width=32, allow_subnormal=False), "max_rank": 3,
                       "max_size": 3}),
    "max": (np.max, {}), "min": (np.min, {}), "std": (np.std, {}), "var": (np.var, {}),
    "any": (np.any, {"dtype": "bool"}), "all": (np.all, {"dtype": "bool"}),
    "logsumexp": (_np_logsumexp, {}),
}


@pytest.mark.parametrize("name", sorted(REDUCTIONS))
@given(data=st.data())
def test_reductions_match_numpy(backend, name, data):
    assert set(REDUCTIONS) == set(_ops.REDUCTIONS)
    fn, kwargs = REDUCTIONS[name]
    t = data.draw(nts.named_tensors(backend=backend, **kwargs))
    which = data.draw(st.none() | st.lists(st.sampled_from(t.names), unique=True)
                      if t.names else st.none())
    out = getattr(t, name)(which) if data.draw(st.booleans()) else getattr(nt, name)(t, which)
    expected = oracle.reduce(fn, t, list(t.names) if which is None else which)
    assert list(out.names) == expected[1]
    oracle.check(out, expected, rtol=1e-4, atol=1e-4)
    # the result does not depend on the stored axis order
    p = data.draw(nts.permuted(t))
    assert_allclose(getattr(nt, name)(p, which), out, rtol=1e-4, atol=1e-4)


@given(nts.named_tensors(min_rank=1), st.integers(0, 2))
def test_std_var_ddof(t, ddof):
    name = t.names[0]
    if t.sizes[name] <= ddof:
        return
    oracle.check(t.std(name, ddof=ddof),
                 oracle.reduce(lambda x, axis: np.std(x, axis=axis, ddof=ddof), t, [name]),
                 rtol=1e-4, atol=1e-4)
    oracle.check(nt.var(t, name, ddof=ddof),
                 oracle.reduce(lambda x, axis: np.var(x, axis=axis, ddof=ddof), t, [name]),
                 rtol=1e-4, atol=1e-4)


def _np_softmax(x, axis):
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


AXISWISE = {
    "softmax": (_np_softmax, True), "cumsum": (np.cumsum, True),
    "log_softmax": (lambda x, axis: np.log(_np_softmax(x, axis)), True),
    "argmax": (np.argmax, False), "argmin": (np.argmin, False),
}


@pytest.mark.parametrize("name", sorted(AXISWISE))
@given(data=st.data())
def test_axiswise_functions(backend, name, data):
    assert set(AXISWISE) == set(_ops.AXISWISE)
    fn, keeps = AXISWISE[name]
    t = data.draw(nts.named_tensors(backend=backend, min_rank=1))
    axis_name = data.draw(st.sampled_from(t.names))
    values, names = oracle.raw(t)
    expected = fn(values, axis=names.index(axis_name))
    out_names = names if keeps else [n for n in names if n != axis_name]
    method = getattr(t, name, None)
    out = method(axis_name) if method and not keeps else getattr(nt, name)(t, axis_name)
    assert list(out.names) == out_names
    oracle.check(out, (expected, out_names), rtol=1e-4, atol=1e-4)


def test_integer_and_bool_dtypes_follow_the_backend(backend):
    i = nt.tensor([1, 2, 3], "x", dtype="int32", backend=backend)
    assert (i + 1).dtype == np.int32
    assert (i / 2).dtype.kind == "f"
    assert (i > 1).dtype == np.bool_
    assert i.mean().dtype.kind == "f"


def test_docstrings_come_from_the_table():
    for name in (*_ops.UNARY, *_ops.BINARY, *_ops.REDUCTIONS, *_ops.AXISWISE):
        doc = getattr(nt, name).__doc__
        assert f">>> nt.{name}(" in doc and "Returns:" in doc, name
