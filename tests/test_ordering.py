"""nt.sort, nt.argsort, nt.top_k, nt.roll, nt.flip against NumPy (and lax.top_k)."""

import jax
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import namedtensor as nt
from _helpers import raises
from namedtensor.testing import assert_allclose
from namedtensor.testing import strategies as nts

VALUE = 12345.678  # must never reach a message
# small integers as floats: many ties, so stability and tie-breaking are exercised
TIES = st.integers(-3, 3).map(float)


def _case(data, backend, **kwargs):
    t = data.draw(nts.named_tensors(backend=backend, min_rank=1, elements=TIES, **kwargs))
    name = data.draw(st.sampled_from(t.names), label="name")
    return t, name, t.numpy().astype(np.float64), t.names.index(name)


def _top_k_oracle(x, axis, k):
    """Largest first, ties to the lower index (as lax.top_k breaks them): written out."""
    x = np.moveaxis(x, axis, -1)
    idx = np.empty(x.shape[:-1] + (k,), np.int64)
    for pos in np.ndindex(*x.shape[:-1]):
        row = x[pos]
        idx[pos] = sorted(range(len(row)), key=lambda i: (-row[i], i))[:k]
    return (np.moveaxis(np.take_along_axis(x, idx, -1), -1, axis), np.moveaxis(idx, -1, axis))


@settings(max_examples=30)
@given(data=st.data())
def test_sort_and_argsort_match_numpy(backend, data):
    t, name, x, axis = _case(data, backend)
    s, i = nt.sort(t, name), nt.argsort(t, name)
    assert s.names == t.names == i.names and s.backend == i.backend == backend
    assert i.dtype == np.int32
    np.testing.assert_array_equal(s.numpy(), np.sort(x, axis=axis))
    np.testing.assert_array_equal(i.numpy(), np.argsort(x, axis=axis, stable=True))
    p = data.draw(nts.permuted(t), label="storage order")  # order is layout, not meaning
    assert_allclose(nt.sort(p, name), s)
    assert_allclose(nt.argsort(p, name), i)


@settings(max_examples=30)
@given(data=st.data())
def test_top_k_matches_a_numpy_oracle(backend, data):
    t, name, x, axis = _case(data, backend)
    k = data.draw(st.integers(0, t.sizes[name]), label="k")
    into = data.draw(st.sampled_from([None, "best"]), label="into")
    values, indices = nt.top_k(t, name, k, into=into)
    names = tuple(into or name if n == name else n for n in t.names)
    assert values.names == indices.names == names and indices.dtype == np.int32
    want_values, want_indices = _top_k_oracle(x, axis, k)
    np.testing.assert_array_equal(values.numpy(), want_values)
    np.testing.assert_array_equal(indices.numpy(), want_indices)
    if backend == "jax":  # and exactly what lax.top_k gives on the same layout
        lax_values, lax_indices = jax.lax.top_k(t.data, k, axis=axis)
        np.testing.assert_array_equal(indices.numpy(), np.asarray(lax_indices))


def test_top_k_nan_and_signed_zero_agree_across_backends():
    x = np.array([[1.0, np.nan, 3.0, 3.0, -np.inf, -0.0, 0.0, -np.nan]], np.float32)
    lax_values, lax_indices = jax.lax.top_k(x, 8)
    for backend in ("jax", "numpy"):
        values, indices = nt.top_k(nt.tensor(x, "a b", backend=backend), "b", 8)
        np.testing.assert_array_equal(indices.numpy(), np.asarray(lax_indices))
        np.testing.assert_array_equal(np.signbit(values.numpy()), np.signbit(lax_values))
    for dtype in ("int8", "uint8", "bool", "float16"):
        y = np.array([[1, 0, 3, 3, 2, 0]], dtype)
        got = [nt.top_k(nt.tensor(y, "a b", backend=b), "b", 4)[1].tolist()
               for b in ("jax", "numpy")]
        assert got[0] == got[1] == np.asarray(jax.lax.top_k(y, 4)[1]).tolist(), dtype


@settings(max_examples=30)
@given(data=st.data())
def test_roll_and_flip_match_numpy(backend, data):
    t = data.draw(nts.named_tensors(backend=backend, min_rank=1))
    x = t.numpy()
    chosen = data.draw(st.lists(st.sampled_from(t.names), unique=True), label="names")
    shifts = {n: data.draw(st.integers(-7, 7), label=f"shift {n}") for n in chosen}
    axes = tuple(t.names.index(n) for n in chosen)
    rolled = nt.roll(t, shifts)
    assert rolled.names == t.names and rolled.backend == backend
    np.testing.assert_array_equal(rolled.numpy(), np.roll(x, tuple(shifts.values()), axes))
    flipped = nt.flip(t, chosen)
    np.testing.assert_array_equal(flipped.numpy(), np.flip(x, axes))
    np.testing.assert_array_equal(nt.flip(t, None).numpy(), np.flip(x))
    p = data.draw(nts.permuted(t), label="storage order")
    assert_allclose(nt.roll(p, shifts), rolled)
    assert_allclose(nt.flip(p, chosen), flipped)


def test_ordering_under_jit_and_huge_shifts():
    t = nt.tensor([[3.0, 1.0, 2.0]], "a b")
    values, indices = nt.jit(lambda x: nt.top_k(x, "b", 2))(t)
    assert values.tolist() == [[3.0, 2.0]] and indices.tolist() == [[0, 2]]
    assert nt.jit(lambda x: nt.sort(x, "b"))(t).tolist() == [[1.0, 2.0, 3.0]]
    assert nt.roll(t, {"b": 2**70 + 1}).tolist() == nt.roll(t, {"b": (2**70 + 1) % 3}).tolist()
    assert nt.roll(t, {}).tolist() == t.tolist()


def test_bad_input(backend):
    t = nt.tensor(np.full((2, 3), VALUE, np.float32), "a b", backend=backend)
    raises(nt.AxisNameError, lambda: nt.sort(t, "c"), "nt.sort", "'c'", "(a=2, b=3)")
    raises(TypeError, lambda: nt.argsort(t, ["a"]), "nt.argsort", "one axis name")
    raises(TypeError, lambda: nt.sort(t.astype("complex64"), "a"), "nt.sort", "complex64")
    raises(nt.AxisSizeError, lambda: nt.top_k(t, "b", 4), "nt.top_k", "k=4", "size 3", "'b'")
    raises(nt.NamedTensorError, lambda: nt.top_k(t, "b", -1), "nt.top_k", "k")
    raises(TypeError, lambda: nt.top_k(t, "b", 1.0), "nt.top_k", "k must be an int")
    raises(nt.AxisNameError, lambda: nt.top_k(t, "bb", 1), "nt.top_k", "did you mean 'b'")
    raises(nt.AxisNameError, lambda: nt.top_k(t, "b", 1, into="a"), "nt.top_k", "into='a'",
           "t.prime('a')")
    raises(TypeError, lambda: nt.top_k(t.astype("complex64"), "b", 1), "nt.top_k", "complex64")
    raises(TypeError, lambda: nt.roll(t, 1), "nt.roll", "mapping")
    raises(TypeError, lambda: nt.roll(t, {"a": 1.5}), "nt.roll", "shift of 'a'", "int")
    raises(nt.AxisNameError, lambda: nt.roll(t, {"z": 1}), "nt.roll", "'z'")
    raises(TypeError, lambda: nt.roll(t, {1: 1}), "nt.roll", "str")
    raises(nt.AxisNameError, lambda: nt.flip(t, ["a", "a"]), "nt.flip", "repeat")
    raises(nt.AxisNameError, lambda: nt.flip(t, "z"), "nt.flip", "'z'")
    raises(TypeError, lambda: nt.flip(t, {"a"}), "nt.flip")
    raises(TypeError, lambda: nt.flip(np.zeros(3), "a"), "nt.flip", "nt.tensor")
