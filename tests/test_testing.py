"""namedtensor.testing: the strategies themselves, assert_allclose, and the library's
algebraic laws checked with them."""

import numpy as np
import pytest
from hypothesis import find, given, seed, settings, strategies as st

import namedtensor as nt
from namedtensor._spec import parse
from namedtensor.testing import assert_allclose
from namedtensor.testing import strategies as nts


# --- the strategies -------------------------------------------------------------
@given(nts.sizes(max_rank=8))
def test_generated_names_are_valid_and_unique(sizes):
    names = list(sizes)
    assert len(set(names)) == len(names) <= 8
    assert all(n.isidentifier() for n in names)
    assert all(1 <= s <= 5 for s in sizes.values())


@given(nts.named_tensors())
def test_named_tensor_defaults(t):
    assert 0 <= t.ndim <= 4 and all(1 <= s <= 5 for s in t.shape)
    assert t.dtype == np.float32 and t.backend == "jax"
    values = t.numpy()
    assert np.all(np.isfinite(values)) and np.all(np.abs(values) <= 10)


@given(nts.named_tensors(dtype=st.sampled_from(["int32", "bool", "float64"]),
                         backend="numpy", min_size=0, max_size=2, max_rank=6))
def test_named_tensor_bounds_are_parameters(t):
    assert t.ndim <= 6 and all(0 <= s <= 2 for s in t.shape)
    assert t.dtype in (np.int32, np.bool_, np.float64) and t.backend == "numpy"


@given(nts.broadcastable(4))
def test_broadcastable_tensors_agree_on_shared_sizes(tensors):
    seen = {}
    for t in tensors:
        for n, s in t.sizes.items():
            assert seen.setdefault(n, s) == s
    total = tensors[0]
    for t in tensors[1:]:
        total = total + t  # really broadcasts
    assert set(total.names) == set(seen)


@given(data=st.data())
def test_permuted_gives_the_same_values_in_another_order(data):
    t = data.draw(nts.named_tensors())
    p = data.draw(nts.permuted(t))
    assert sorted(p.names) == sorted(t.names)
    order = [t.names.index(n) for n in p.names]
    np.testing.assert_array_equal(p.numpy(), np.transpose(t.numpy(), order))


@given(nts.einsum_problems(max_operands=4, max_names=8))
def test_einsum_problems_are_valid_specs_for_their_tensors(problem):
    spec, tensors = problem
    parsed = parse(spec)
    inputs = parsed.inputs
    if inputs is None:  # one 0-d operand: " -> " reads the same as the short form
        assert len(tensors) == 1 and tensors[0].ndim == 0
        inputs = ((),)
    assert 1 <= len(tensors) <= 4 and len(inputs) == len(tensors)
    for names, t in zip(inputs, tensors):
        assert set(names) == set(t.names)
    assert set(parsed.output) <= {n for t in tensors for n in t.names}
    assert nt.einsum(spec, *tensors).names == parsed.output


def test_shrinking_reaches_a_minimal_example():
    # planted failure: a "kernel" that breaks as soon as any axis has size >= 3
    def kernel_is_fine(t):
        return all(s < 3 for s in t.shape)

    worst = find(nts.named_tensors(), lambda t: not kernel_is_fine(t),
                 settings=settings(max_examples=2000, database=None))
    assert worst.ndim == 1 and worst.shape == (3,)
    assert len(worst.names[0]) == 1
    assert np.all(worst.numpy() == 0)


def test_shrinking_of_einsum_problems():
    smallest = find(nts.einsum_problems(), lambda p: len(p[1]) >= 3,
                    settings=settings(max_examples=2000, database=None))
    spec, tensors = smallest
    assert len(tensors) == 3 and all(t.ndim == 0 for t in tensors)


def test_reproducible_with_hypothesis_seed():
    def draws():
        seen = []

        @seed(1234)
        @settings(max_examples=10, database=None)
        @given(nts.named_tensors())
        def record(t):
            seen.append((t.names, t.numpy().tolist()))

        record()
        return seen

    assert draws() == draws()


# --- assert_allclose ---------------------------------------------------------------
def test_assert_allclose_aligns_by_name():
    t = nt.tensor([[1.0, 2.0, 3.0]], "a b")
    assert_allclose(t.align_to("b", "a"), t)
    assert_allclose(nt.tensor(1.0, ()), 1.0)


def test_assert_allclose_reports_names_before_values():
    with pytest.raises(AssertionError) as info:
        assert_allclose(nt.zeros({"a": 2, "b": 1}), nt.ones({"a": 2, "c": 1}))
    message = str(info.value)
    assert message.startswith("names differ") and "extra ['b']" in message
    assert "lacks ['c']" in message


def test_assert_allclose_reports_sizes_then_values():
    with pytest.raises(AssertionError, match=r"sizes differ .*'a': \(2, 3\)"):
        assert_allclose(nt.zeros({"a": 2}), nt.zeros({"a": 3}))
    with pytest.raises(AssertionError, match="values differ"):
        assert_allclose(nt.zeros({"a": 2}), nt.ones({"a": 2}))
    with pytest.raises(AssertionError, match="positional"):
        assert_allclose(nt.zeros({"a": 2}), np.zeros(2))


# --- algebraic laws of the library -------------------------------------------------
@given(nts.broadcastable(2))
def test_add_and_multiply_commute_by_name(pair):
    a, b = pair
    assert_allclose(a + b, b + a)
    assert_allclose(a * b, b * a)


@given(data=st.data())
def test_contraction_is_associative(data):
    a, b, c = data.draw(nts.broadcastable(3, min_rank=1, max_rank=3))
    names = list(dict.fromkeys(a.names + b.names + c.names))
    out = data.draw(st.permutations(names))[:data.draw(st.integers(0, len(names)))]
    def keep(x, y, other):  # names of x*y still needed: in the output or in the other operand
        return " ".join(n for n in names if n in x.names + y.names and (n in out or n in other.names))

    left = nt.einsum("-> " + keep(a, b, c), a, b)
    left = nt.einsum("-> " + " ".join(out), left, c)
    right = nt.einsum("-> " + keep(b, c, a), b, c)
    right = nt.einsum("-> " + " ".join(out), a, right)
    assert_allclose(left, right, rtol=1e-4, atol=1e-3)
    assert_allclose(nt.einsum("-> " + " ".join(out), a, b, c), left, rtol=1e-4, atol=1e-3)


@given(data=st.data())
def test_sum_is_independent_of_axis_order(data):
    t = data.draw(nts.named_tensors())
    p = data.draw(nts.permuted(t))
    which = data.draw(st.lists(st.sampled_from(t.names), unique=True)) if t.names else []
    assert_allclose(p.sum(which), t.sum(which), rtol=1e-5, atol=1e-4)


@given(data=st.data())
def test_rename_round_trips(data):
    t = data.draw(nts.named_tensors(min_rank=1))
    fresh = data.draw(st.lists(nts.axis_names().filter(lambda n: n not in t.names),
                               min_size=t.ndim, max_size=t.ndim, unique=True))
    there = dict(zip(t.names, fresh))
    back = t.rename(there).rename({v: k for k, v in there.items()})
    assert back.names == t.names
    assert_allclose(back, t, rtol=0)


@given(data=st.data())
def test_flatten_unflatten_are_inverse(data):
    t = data.draw(nts.named_tensors(min_rank=1))
    merged = data.draw(st.lists(st.sampled_from(t.names), min_size=1, unique=True))
    flat = t.flatten(merged, "merged_")
    assert_allclose(flat.unflatten("merged_", {n: t.sizes[n] for n in merged}), t, rtol=0)


@given(data=st.data())
def test_align_to_is_idempotent(data):
    t = data.draw(nts.named_tensors())
    order = data.draw(st.permutations(t.names))
    once = t.align_to(*order)
    twice = once.align_to(*order)
    assert once.names == twice.names == tuple(order)
    np.testing.assert_array_equal(once.numpy(), twice.numpy())


@given(nts.broadcastable(3, min_rank=2, max_rank=3))
def test_broadcastable_honours_rank_bounds(tensors):
    assert all(2 <= t.ndim <= 3 for t in tensors)
