"""Einsum by name: against np.einsum, gradients, the plan cache, explain, dtypes, edge cases.

Bad input is in test_einsum_errors.py."""

import jax
import jax.numpy as jnp
import numpy as np
import opt_einsum
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import _oracle as oracle
import namedtensor as nt
from namedtensor import _einsum
from namedtensor.testing import assert_allclose
from namedtensor.testing import strategies as nts


@given(problem=nts.einsum_problems(min_operands=2, max_operands=6, max_names=8),
       optimize=st.sampled_from(["auto", "greedy", "optimal", "dp"]))
def test_einsum_matches_numpy(backend, problem, optimize):
    _check_against_numpy(backend, problem, optimize)


def _check_against_numpy(backend, problem, optimize):
    spec, tensors = problem
    tensors = [nt.tensor(t.numpy(), t.names, backend=backend) for t in tensors]
    out = nt.einsum(spec, *tensors, optimize=optimize)
    out_names = spec.split("->")[1].split()
    assert list(out.names) == out_names and out.backend == backend
    oracle.check(out, oracle.einsum(out_names, *tensors), rtol=1e-4, atol=1e-3)


@given(data=st.data())
def test_einsum_ignores_the_stored_axis_order(data):
    spec, tensors = data.draw(nts.einsum_problems(min_operands=2))
    permuted = [data.draw(nts.permuted(t)) for t in tensors]
    assert_allclose(nt.einsum(spec, *permuted), nt.einsum(spec, *tensors), rtol=1e-4, atol=1e-3)


def _holders(tensors):
    """name -> number of operands that have it."""
    count = {}
    for t in tensors:
        for n in t.names:
            count[n] = count.get(n, 0) + 1
    return count


@given(data=st.data())
def test_dot_sums_over_and_batches_the_rest(backend, data):
    tensors = data.draw(nts.broadcastable(3, backend=backend))
    every = oracle.union(*[t.names for t in tensors])
    count = _holders(tensors)
    several = sum(1 for t in tensors if t.ndim) >= 2
    # implicit forms contract only shared names: with two or more operands, `over`
    # draws from names that at least two operands have
    allowed = [n for n in every if count[n] >= 2 or not several]
    over = data.draw(st.lists(st.sampled_from(allowed), unique=True)) if allowed else []
    out = nt.dot(*tensors, over=over)
    keep = [n for n in every if n not in over]
    assert list(out.names) == keep and out.backend == backend
    oracle.check(out, oracle.einsum(keep, *tensors), rtol=1e-4, atol=1e-3)


@given(data=st.data())
def test_dot_over_a_lone_name_is_refused(backend, data):
    tensors = data.draw(nts.broadcastable(3, min_rank=1, backend=backend))
    count = _holders(tensors)
    lone = [n for n in oracle.union(*[t.names for t in tensors]) if count[n] == 1]
    if not lone:
        return
    name = data.draw(st.sampled_from(lone))
    owner = next(i for i, t in enumerate(tensors) if name in t.names)
    with pytest.raises(nt.SpecError, match=f"only operand {owner} "):
        nt.dot(*tensors, over=name)
    # summing it first is the explicit way to say it
    first = [t.sum(name) if name in t.names else t for t in tensors]
    keep = [n for n in oracle.union(*[t.names for t in tensors]) if n != name]
    oracle.check(nt.dot(*first, over=[]), oracle.einsum(keep, *tensors), rtol=1e-4, atol=1e-3)


@given(data=st.data())
def test_short_form_keeps_lone_names_and_sums_shared_ones(backend, data):
    tensors = data.draw(nts.broadcastable(data.draw(st.integers(1, 4)), backend=backend))
    every = oracle.union(*[t.names for t in tensors])
    count = _holders(tensors)
    several = sum(1 for t in tensors if t.ndim) >= 2
    lone = [n for n in every if count[n] == 1 and several]
    shared = [n for n in every if n not in lone]
    out_names = lone + data.draw(st.lists(st.sampled_from(shared), unique=True)) if shared \
        else lone
    out_names = data.draw(st.permutations(out_names))
    out = nt.einsum("-> " + " ".join(out_names), *tensors)
    assert list(out.names) == list(out_names) and out.backend == backend
    oracle.check(out, oracle.einsum(out_names, *tensors), rtol=1e-4, atol=1e-3)
    if lone:  # leaving a lone name out of the output is refused
        dropped = [n for n in out_names if n != lone[0]]
        with pytest.raises(nt.SpecError, match=f"{lone[0]!r} is only in operand"):
            nt.einsum("-> " + " ".join(dropped), *tensors)


def test_attention_with_values_left_on_seq_is_refused(backend):
    """The regression: values still named 'seq' where the weights have 'key'. Summing the
    lone 'key' used to return the values unchanged (times the row sums of the weights)."""
    rng = np.random.default_rng(0)
    attn = nt.softmax(nt.tensor(rng.standard_normal((2, 3, 4, 4)), "batch heads seq key",
                                backend=backend), "key")
    v = nt.tensor(rng.standard_normal((2, 3, 4, 5)), "batch heads seq head_dim", backend=backend)
    with pytest.raises(nt.SpecError, match="'key', which only operand 0"):
        nt.dot(attn, v, over="key")
    with pytest.raises(nt.SpecError, match="'key' is only in operand 0"):
        nt.einsum("-> batch seq heads head_dim", attn, v)
    # said explicitly: the values' positions are the key axis
    values = v.rename(seq="key")
    want = oracle.einsum(["batch", "heads", "seq", "head_dim"], attn, values)
    oracle.check(nt.dot(attn, values, over="key"), want, rtol=1e-5, atol=1e-6)
    oracle.check(nt.einsum("-> batch seq heads head_dim", attn, values), want, rtol=1e-5,
                 atol=1e-6)
    # the full form still sums a lone name, because it says so
    full = nt.einsum("batch heads seq key, batch heads seq head_dim -> batch seq heads head_dim",
                     attn, v)
    oracle.check(full, oracle.einsum(["batch", "seq", "heads", "head_dim"], attn, v), rtol=1e-5,
                 atol=1e-6)
    # one operand: dot and the short form are plain sums
    oracle.check(nt.dot(attn, over="key"), oracle.reduce(np.sum, attn, ["key"]), rtol=1e-5)
    oracle.check(nt.einsum("-> batch heads", attn), oracle.reduce(np.sum, attn, ["seq", "key"]),
                 rtol=1e-5)


def test_long_names_short_form_and_zero_d_entries(backend):
    rng = np.random.default_rng(0)
    x = nt.tensor(rng.standard_normal((2, 3, 4)), "batch seq d_model", backend=backend)
    w = nt.tensor(rng.standard_normal((4, 5)), "d_model d_ff", backend=backend)
    s = nt.tensor(2.0, (), backend=backend)
    full = nt.einsum("batch seq d_model, d_model d_ff, -> batch seq d_ff", x, w, s)
    short = nt.einsum("-> batch seq d_ff", x, w, s)
    expected = 2 * np.einsum("bsd,df->bsf", x.numpy(), w.numpy())
    np.testing.assert_allclose(full.numpy(), expected, rtol=1e-5)
    assert_allclose(short, full)
    # the spec lists names as a set: another order in the spec is fine
    assert_allclose(nt.einsum("d_model seq batch, d_ff d_model, -> batch seq d_ff", x, w, s), full)


def test_sixty_plus_distinct_names(backend):
    n = 64
    names = [f"axis_{i}" for i in range(n + 1)]
    rng = np.random.default_rng(1)
    sizes = [2 if i % 7 == 0 else 1 for i in range(n + 1)]
    tensors = [nt.tensor(rng.standard_normal((sizes[i], sizes[i + 1])), names[i:i + 2],
                         backend=backend) for i in range(n)]
    out = nt.einsum(f"-> {names[0]} {names[-1]}", *tensors)
    positional = [t.numpy() for t in tensors]
    expected = positional[0]
    for m in positional[1:]:
        expected = expected @ m
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-4)
    # and one operand carrying 40 names at once (NumPy arrays stop at 64 axes)
    big = nt.tensor(rng.standard_normal(sizes[:40]), names[:40], backend=backend)
    total = nt.einsum(f"-> {names[7]}", big)
    np.testing.assert_allclose(total.numpy(), big.numpy().sum(
        axis=tuple(i for i in range(40) if i != 7)), rtol=1e-4)


@settings(max_examples=15)  # each problem compiles its gradient
@given(problem=nts.einsum_problems(min_operands=2, max_operands=4))
def test_gradients_match_the_positional_einsum(problem):
    spec, tensors = problem
    out_names = spec.split("->")[1].split()
    every = oracle.union(*[t.names for t in tensors])
    sym = {n: "abcdefghijklmnopqrstuvwxyz"[i] for i, n in enumerate(every)}
    positional = ",".join("".join(sym[n] for n in t.names) for t in tensors)
    positional += "->" + "".join(sym[n] for n in out_names)

    def named(*ts):
        return (nt.einsum(spec, *ts) ** 2).sum().data

    def raw(*arrays):
        return (jnp.einsum(positional, *arrays) ** 2).sum()

    argnums = tuple(range(len(tensors)))
    got = jax.grad(named, argnums)(*tensors)
    want = jax.grad(raw, argnums)(*[t.data for t in tensors])
    for g, w, t in zip(got, want, tensors):
        assert g.names == t.names
        np.testing.assert_allclose(g.numpy(), np.asarray(w), rtol=1e-4, atol=1e-3)


def test_works_inside_jit():
    a, b = nt.ones({"i": 2, "k": 3}), nt.ones({"k": 3, "j": 4})
    f = jax.jit(lambda x, y: nt.einsum("i k, k j -> j i", x, y))
    out = f(a, b)
    assert out.names == ("j", "i") and float(out.sum()) == 24.0


def test_repeated_calls_do_no_path_search(monkeypatch):
    calls = []
    real = opt_einsum.contract_path

    def counting(*args, **kwargs):
        calls.append(args[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(opt_einsum, "contract_path", counting)
    nt.clear_caches()
    a, b, c = nt.ones({"i": 3, "j": 4}), nt.ones({"j": 4, "k": 5}), nt.ones({"k": 5, "l": 2})
    nt.einsum("i j, j k, k l -> i l", a, b, c)
    first = len(calls)  # our plan, plus jnp.einsum replaying that path once while tracing
    assert first >= 1
    for _ in range(5):
        nt.einsum("i j, j k, k l -> i l", a, b, c)
    assert len(calls) == first  # repeated eager calls: no path search at all
    nt.einsum("i j, j k, k l -> i l", a, b, c, optimize="greedy")  # another key: re-planned
    assert len(calls) > first
    settled = len(calls)
    nt.clear_caches()
    nt.einsum("i j, j k, k l -> i l", a, b, c)
    assert len(calls) > settled
    assert _einsum.plan.cache_info().maxsize is not None  # bounded


def test_explain_reports_order_flops_and_largest_intermediate():
    a, b = nt.ones({"a": 8, "b": 512}), nt.ones({"b": 512, "c": 512})
    c, d = nt.ones({"c": 512, "d": 512}), nt.ones({"d": 512, "e": 8})
    report = nt.explain("a b, b c, c d, d e -> a e", a, b, c, d)
    text = str(report)
    assert len(report.steps) == 3
    assert report.optimized_flops < report.naive_flops
    assert "naive FLOPs" in text and "optimized FLOPs" in text and "largest intermediate" in text
    for step_inputs, _ in report.steps:
        assert all(set(x) <= set("abcde") for x in step_inputs)
    _, expected = opt_einsum.contract_path("ab,bc,cd,de->ae", *(t.numpy() for t in (a, b, c, d)))
    assert report.naive_flops == expected.naive_cost and report.optimized_flops == expected.opt_cost
    names, size = report.largest_intermediate
    assert size == expected.largest_intermediate and len(names) == 2


@given(problem=nts.einsum_problems(min_operands=3, max_operands=5))
def test_every_optimize_choice_executes_on_every_backend(backend, problem):
    """optimize=False plans one step over all operands; JAX runs it as pairwise steps."""
    spec, tensors = problem
    tensors = [nt.tensor(t.numpy(), t.names, backend=backend) for t in tensors]
    out_names = spec.split("->")[1].split()
    for optimize in (False, True, "eager", "branch-2"):
        out = nt.einsum(spec, *tensors, optimize=optimize)
        oracle.check(out, oracle.einsum(out_names, *tensors), rtol=1e-4, atol=1e-3)


def test_explicit_paths_are_honoured():
    a, b, c = nt.ones({"i": 2, "j": 3}), nt.ones({"j": 3, "k": 4}), nt.ones({"k": 4, "l": 5})
    for path in ([(0, 1), (0, 1)], [(1, 2), (0, 1)], [(0, 1, 2)]):
        assert float(nt.einsum("-> i l", a, b, c, optimize=path).sum()) == 2 * 3 * 4 * 5


@given(problem=nts.einsum_problems(min_operands=1, max_operands=4, min_size=0, max_size=3),
       optimize=st.sampled_from(["auto", "greedy", "optimal", False, True]))
def test_empty_axes_give_zeros_of_the_right_shape(backend, problem, optimize):
    _check_against_numpy(backend, problem, optimize)


def test_empty_axes_and_zero_d_operands(backend):
    a = nt.zeros({"i": 2, "k": 0}, backend=backend)
    b = nt.zeros({"k": 0, "j": 3}, backend=backend)
    out = nt.einsum("i k, k j -> i j", a, b)
    assert out.sizes == {"i": 2, "j": 3} and out.backend == backend
    np.testing.assert_array_equal(out.numpy(), np.zeros((2, 3)))
    assert nt.dot(a, b, over="k").sizes == {"i": 2, "j": 3}
    kept = nt.einsum("i k, k j -> k i j", a, b)
    assert kept.sizes == {"k": 0, "i": 2, "j": 3} and kept.numpy().size == 0
    s, t = nt.tensor(2.0, (), backend=backend), nt.tensor(3.0, (), backend=backend)
    assert float(nt.einsum(", -> ", s, t)) == 6.0
    assert float(nt.einsum("-> ", s, t)) == 6.0
    assert float(nt.dot(s, t, over=[])) == 6.0
    x = nt.tensor(np.arange(6.0).reshape(2, 3), "i j", backend=backend)
    assert nt.einsum("i j, -> j", x, s).tolist() == [6.0, 10.0, 14.0]
    assert nt.dot(x, s, over="i").tolist() == [6.0, 10.0, 14.0]  # one named operand: a sum
    assert nt.einsum("-> i", x, s).tolist() == [6.0, 24.0]  # a 0-d operand shares nothing


def test_many_operands(backend):
    rng = np.random.default_rng(2)
    names = [f"n{i}" for i in range(13)]
    tensors = [nt.tensor(rng.standard_normal((2, 2)), names[i:i + 2], backend=backend)
               for i in range(12)]
    tensors.append(nt.tensor(rng.standard_normal(2), names[6:7], backend=backend))
    for optimize in ("auto", "greedy", False, True):
        out = nt.einsum(f"-> {names[0]} {names[-1]}", *tensors, optimize=optimize)
        oracle.check(out, oracle.einsum([names[0], names[-1]], *tensors), rtol=1e-4, atol=1e-4)


# --- dtypes: bool and small integers accumulate as `sum` does ---------------------------
_SMALL = ("bool", "int8", "uint8", "int16", "int32")


@given(data=st.data(), dtypes=st.lists(st.sampled_from(_SMALL), min_size=2, max_size=2))
def test_small_integer_contractions_accumulate_like_sum(backend, data, dtypes):
    size = data.draw(st.integers(1, 40))
    a, b = (data.draw(nts.named_tensors({"i": size, "k": 3}, dtype=d, backend=backend))
            for d in dtypes)
    out = nt.einsum("i k, i k -> k", a, b)
    # the dtype `sum` returns on JAX for the promoted dtype (int32 or uint32, without x64)
    on_jax = (nt.tensor(a.numpy(), a.names) * nt.tensor(b.numpy(), b.names)).sum("i")
    assert out.dtype == on_jax.dtype and out.dtype.itemsize >= 4 and out.backend == backend
    exact = np.einsum("ik,ik->k", a.numpy().astype(np.int64), b.numpy().astype(np.int64))
    np.testing.assert_array_equal(out.numpy(), exact)
    assert nt.dot(a, b, over="i").dtype == out.dtype
    np.testing.assert_array_equal(nt.dot(a, b, over="i").numpy(), exact)


def test_bool_and_int8_do_not_wrap(backend):
    flags = nt.tensor([True, True, True], "a", backend=backend)
    assert nt.einsum("a, a ->", flags, flags).item() == 3 == (flags * flags).sum().item()
    assert nt.dot(flags, flags, over="a").dtype == np.dtype("int32")
    big = nt.tensor(np.full(300, 100, np.int8), "a", backend=backend)
    assert nt.einsum("a, a ->", big, big).item() == 300 * 100 * 100
    assert nt.einsum("a ->", big).item() == 30000
    assert nt.einsum("a, ->", big, 1000).item() == 30_000_000  # the scalar joins the accumulation
    u8 = nt.tensor(np.full(4, 200, np.uint8), "a", backend=backend)
    assert nt.einsum("a, a ->", u8, u8).dtype == np.dtype("uint32")
    assert nt.einsum("a, a ->", u8, u8).item() == 4 * 200 * 200
    packed = nt.tensor(np.full(300, 100, np.int8), "a")
    jitted = jax.jit(lambda x: nt.einsum("a, a ->", x, x))(packed)
    assert jitted.item() == 3_000_000 and jitted.dtype == np.dtype("int32")


def _plan(spec, *tensors, optimize="auto"):
    return _einsum._lookup(_einsum.plan, spec, tensors, optimize, "nt.einsum")


def test_floats_are_never_cast(backend):
    a = nt.ones({"i": 2, "k": 3}, backend=backend)
    b = nt.ones({"k": 3}, dtype="int8", backend=backend)
    assert _plan("i k, k -> i", a, a.sum("i")).cast == ()  # the hot path gains nothing
    assert _plan("i k, k -> i", a, b).cast == ()  # promoted to float: normal promotion
    mixed = nt.einsum("i k, k -> i", a, b)
    assert mixed.dtype == np.dtype("float32") and mixed.tolist() == [3.0, 3.0]
    half = nt.ones({"k": 3}, dtype="float16", backend=backend)
    assert nt.einsum("k, k ->", half, half).dtype == np.dtype("float16")
    assert _plan("k, k ->", b, b).cast == (np.dtype("int32"), np.dtype("int32"))
    wide = nt.ones({"k": 3}, dtype="int32", backend=backend)
    assert _plan("k, k ->", b, wide).cast == ()  # int8 with int32 promotes to int32 anyway


# --- scalars take the named operands' backend --------------------------------------------
def test_scalar_operands_keep_the_backend_and_dtype(backend):
    a = nt.tensor(np.arange(6, dtype=np.float32).reshape(2, 3), "i k", backend=backend)
    for out in (nt.einsum("i k, -> i", a, 2.0), nt.einsum("i k, -> i", a, 2),
                nt.dot(a, 2.0, over="k"), nt.einsum("-> i", a, np.float32(2.0))):
        assert out.backend == backend and out.dtype == np.dtype("float32")
        assert out.tolist() == [6.0, 24.0]
    ints = nt.tensor([1, 2], "i", dtype="int32", backend=backend)
    # a scalar promotes as it does in `t * scalar` (float32 on JAX, NumPy's rule on NumPy)
    assert nt.einsum("i, -> i", ints, 0.5).dtype == (ints * 0.5).dtype
    assert nt.einsum("i, -> i", ints, 0.5).tolist() == [0.5, 1.0]
    assert nt.einsum(", -> ", 2.0, 3.0).item() == 6.0  # scalars only: the default (JAX)
