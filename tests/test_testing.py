"""namedtensor.testing: the strategies themselves, assert_allclose, and the library's
algebraic laws checked with them."""

import functools

import jax
import numpy as np
import pytest
from hypothesis import find, given, seed, settings
from hypothesis import strategies as st

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
        return " ".join(n for n in names
                        if n in x.names + y.names and (n in out or n in other.names))

    def full(*operands, to):  # the full form: a name in one operand only is summed, as meant
        return ", ".join(" ".join(t.names) for t in operands) + " -> " + to

    out_ = " ".join(out)
    left = nt.einsum(full(a, b, to=keep(a, b, c)), a, b)
    left = nt.einsum(full(left, c, to=out_), left, c)
    right = nt.einsum(full(b, c, to=keep(b, c, a)), b, c)
    right = nt.einsum(full(a, right, to=out_), a, right)
    assert_allclose(left, right, rtol=1e-4, atol=1e-3)
    assert_allclose(nt.einsum(full(a, b, c, to=out_), a, b, c), left, rtol=1e-4, atol=1e-3)


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


# --- bad arguments: refused when the strategy is built, naming it ---------------------------
def _raises(exc, fn, *fragments):
    with pytest.raises(exc) as info:
        fn()
    for fragment in fragments:
        assert fragment in str(info.value), (fragment, str(info.value))


def test_strategy_bounds_are_checked_when_built():
    err = nt.NamedTensorError
    _raises(err, lambda: nts.axis_names(0), "strategies.axis_names", "max_length", ">= 1")
    _raises(TypeError, lambda: nts.axis_names(2.5), "strategies.axis_names", "max_length")
    _raises(err, lambda: nts.sizes(min_size=-1), "strategies.sizes", "min_size", "-1")
    _raises(err, lambda: nts.sizes(min_size=3, max_size=2), "strategies.sizes",
            "max_size must be >= min_size", "min_size=3", "max_size=2")
    _raises(err, lambda: nts.sizes(min_rank=-1), "strategies.sizes", "min_rank")
    _raises(err, lambda: nts.sizes(min_rank=3, max_rank=2), "strategies.sizes", "max_rank")
    _raises(err, lambda: nts.sizes(max_rank=65), "strategies.sizes", "max_rank", "64")
    _raises(TypeError, lambda: nts.sizes(max_size="5"), "strategies.sizes", "max_size")
    _raises(TypeError, lambda: nts.sizes(names={"a", "b"}), "strategies.sizes", "names")
    _raises(nt.AxisNameError, lambda: nts.sizes(names=["a", "a"]), "strategies.sizes", "'a'")
    _raises(err, lambda: nts.named_tensors(max_rank=-2), "strategies.sizes", "max_rank")
    _raises(err, lambda: nts.broadcastable(-1), "strategies.broadcastable", "n", ">= 1")
    _raises(TypeError, lambda: nts.broadcastable(2.0), "strategies.broadcastable", "n")
    _raises(err, lambda: nts.broadcastable(2, min_rank=3, max_rank=1),
            "strategies.broadcastable", "max_rank")
    _raises(err, lambda: nts.broadcastable(2, max_names=1, min_rank=2),
            "strategies.broadcastable", "max_names")
    _raises(err, lambda: nts.broadcastable(2, min_size=-1), "strategies.broadcastable",
            "min_size")
    _raises(err, lambda: nts.einsum_problems(max_operands=0), "strategies.einsum_problems",
            "max_operands")
    _raises(err, lambda: nts.einsum_problems(min_operands=0), "strategies.einsum_problems",
            "min_operands")
    _raises(err, lambda: nts.einsum_problems(min_operands=3, max_operands=2),
            "strategies.einsum_problems", "max_operands must be >= min_operands")
    _raises(err, lambda: nts.einsum_problems(max_names=0), "strategies.einsum_problems",
            "max_names")
    _raises(err, lambda: nts.einsum_problems(max_rank=-1), "strategies.einsum_problems",
            "max_rank")
    _raises(err, lambda: nts.einsum_problems(min_size=2, max_size=1),
            "strategies.einsum_problems", "max_size")
    _raises(TypeError, lambda: nts.permuted(np.zeros(2)), "strategies.permuted", "NamedTensor")


def test_strategy_tensor_arguments_are_checked_when_built():
    op = "strategies.named_tensors"
    for bad in ("U3", "object", None, "bfloat16"):
        _raises(TypeError, lambda bad=bad: nts.named_tensors(dtype=bad), op, "dtype")
    with pytest.raises((TypeError, nt.NamedTensorError), match="'bogus'"):
        nts.named_tensors(dtype="bogus")
    _raises(nt.NamedTensorError, lambda: nts.named_tensors(backend="bogus"), op, "'bogus'")
    _raises(nt.NamedTensorError, lambda: nts.named_tensors(backend=["jax", "torch"]), op,
            "'torch'")
    _raises(nt.NamedTensorError, lambda: nts.named_tensors(backend=()), op, "empty")
    _raises(TypeError, lambda: nts.named_tensors(backend=3), op, "backend")
    _raises(TypeError, lambda: nts.named_tensors(elements=[1, 2]), op, "elements")
    _raises(nt.AxisSizeError, lambda: nts.named_tensors({"a": -1}), op, "'a'", "-1")
    _raises(TypeError, lambda: nts.named_tensors([2, 3]), op, "sizes")
    _raises(TypeError, lambda: nts.named_tensors({"a": 2}, max_rank=1), op, "max_rank")
    _raises(TypeError, lambda: nts.named_tensors(max_rnk=1), op, "max_rnk")
    for build in (lambda **kw: nts.broadcastable(2, **kw), lambda **kw: nts.einsum_problems(**kw)):
        _raises(TypeError, lambda build=build: build(dtype="U3"), "strategies.", "dtype")
        _raises(nt.NamedTensorError, lambda build=build: build(backend="bogus"), "strategies.",
                "'bogus'")


@given(data=st.data())
def test_drawn_dtypes_and_sizes_are_checked_too(data):
    with pytest.raises(TypeError, match="strategies.named_tensors"):
        data.draw(nts.named_tensors(dtype=st.just("U3")))
    with pytest.raises(nt.AxisSizeError, match="strategies.named_tensors"):
        data.draw(nts.named_tensors(st.just({"a": -1})))


def test_assert_allclose_checks_its_arguments():
    t = nt.zeros({"a": 2})
    for arg in ("rtol", "atol"):
        for bad in (-1, -1e-9, float("nan"), float("inf")):
            _raises(nt.NamedTensorError, functools.partial(assert_allclose, t, t, **{arg: bad}),
                    "assert_allclose", arg)
        for bad in ("1e-6", None, True, [0.1]):
            _raises(TypeError, functools.partial(assert_allclose, t, t, **{arg: bad}),
                    "assert_allclose", arg)
    _raises(TypeError, lambda: assert_allclose(t, t, err_msg=3), "assert_allclose", "err_msg")
    _raises(TypeError, lambda: assert_allclose(t, "zeros"), "assert_allclose", "desired")
    _raises(TypeError, lambda: assert_allclose(None, t), "assert_allclose", "actual")
    _raises(TypeError, lambda: assert_allclose(np.array(["a"]), np.array(["b"])),
            "assert_allclose", "actual")
    _raises(TypeError, lambda: jax.jit(lambda x: assert_allclose(x, x) or x)(t),
            "assert_allclose", "traced")
    assert_allclose(t, t, rtol=np.float32(1e-3), atol=1)


def test_assert_allclose_mismatches_are_assertion_errors():
    ones = nt.ones({"a": 2})
    for a, b in ((nt.zeros({"a": 2}, dtype="bool"), ones.astype("bool")),
                 (nt.zeros({"a": 2}, dtype="bfloat16"), ones.astype("bfloat16")),
                 (nt.zeros({"a": 2}, dtype="int8"), ones.astype("int8")),
                 (nt.zeros({"a": 2}, dtype="complex64"), ones),
                 (nt.zeros({"a": 2}, backend="numpy"), ones),
                 (nt.tensor(0.0, ()), 1), (2, nt.tensor(1, ())), (1.0, ones),
                 (np.zeros(2), np.ones(2)), (np.zeros(2), ones)):
        with pytest.raises(AssertionError):
            assert_allclose(a, b)
        with pytest.raises(AssertionError):
            assert_allclose(b, a)
    with pytest.raises(AssertionError, match="desired is a scalar but actual has axes"):
        assert_allclose(ones, 1.0)
