"""Einsum by name: against np.einsum, gradients, the plan cache, explain, bad input."""

import jax
import jax.numpy as jnp
import numpy as np
import opt_einsum
import pytest
from hypothesis import given, strategies as st

import _oracle as oracle
import namedtensor as nt
from namedtensor import _einsum
from namedtensor.testing import assert_allclose
from namedtensor.testing import strategies as nts


@given(problem=nts.einsum_problems(min_operands=2, max_operands=6, max_names=8),
       optimize=st.sampled_from(["auto", "greedy", "optimal", "dp"]))
def test_einsum_matches_numpy(backend, problem, optimize):
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


@given(data=st.data())
def test_dot_sums_over_and_batches_the_rest(backend, data):
    tensors = data.draw(nts.broadcastable(3, backend=backend))
    every = oracle.union(*[t.names for t in tensors])
    over = data.draw(st.lists(st.sampled_from(every), unique=True)) if every else []
    out = nt.dot(*tensors, over=over)
    keep = [n for n in every if n not in over]
    assert list(out.names) == keep
    oracle.check(out, oracle.einsum(keep, *tensors), rtol=1e-4, atol=1e-3)


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
    for step_inputs, step_out in report.steps:
        assert all(set(x) <= set("abcde") for x in step_inputs)
    _, expected = opt_einsum.contract_path("ab,bc,cd,de->ae", *(t.numpy() for t in (a, b, c, d)))
    assert report.naive_flops == expected.naive_cost and report.optimized_flops == expected.opt_cost
    names, size = report.largest_intermediate
    assert size == expected.largest_intermediate and len(names) == 2


# --- bad input ----------------------------------------------------------------------
def _raises(exc, fn, *fragments):
    with pytest.raises(exc) as info:
        fn()
    for fragment in fragments:
        assert fragment in str(info.value), (fragment, str(info.value))


A, B = nt.ones({"i": 2, "k": 3}), nt.ones({"k": 3, "j": 4})


def test_malformed_spec_two_arrows():
    _raises(nt.SpecError, lambda: nt.einsum("i k -> k -> i", A), "nt.einsum", "exactly one '->'")


def test_malformed_spec_no_arrow():
    _raises(nt.SpecError, lambda: nt.einsum("i k, k j", A, B), "exactly one '->'", "found 0")


def test_malformed_spec_bad_name():
    _raises(nt.SpecError, lambda: nt.einsum("i k, k 2j -> i", A, B), "invalid axis name '2j'")
    _raises(nt.SpecError, lambda: nt.einsum("i k, k j -> i-j", A, B), "'i-j'")
    _raises(nt.SpecError, lambda: nt.einsum(3, A), "must be a string")


def test_malformed_spec_empty_operand():
    _raises(nt.SpecError, lambda: nt.einsum("i k, , k j -> i", A, B), "3 operand(s)",
            "2 tensor(s)")
    _raises(nt.SpecError, lambda: nt.einsum("i k, -> i", A, B), "operand 1", "k=3, j=4",
            "(0-d)")


def test_repeated_name_in_an_operand():
    _raises(nt.SpecError, lambda: nt.einsum("i i -> i", nt.ones({"i": 2, "j": 2})), "repeats ['i']")


def test_operand_count_mismatch():
    _raises(nt.SpecError, lambda: nt.einsum("i k, k j -> i j", A), "2 operand(s)", "1 tensor(s)")


def test_spec_names_do_not_match_an_operand():
    _raises(nt.SpecError, lambda: nt.einsum("i k, k jj -> i", A, B), "operand 1",
            "lacks ['jj']", "extra ['j']", "did you mean 'j'?")


def test_output_name_in_no_operand():
    _raises(nt.SpecError, lambda: nt.einsum("i k, k j -> i z", A, B), "output name 'z'",
            "in no operand")
    _raises(nt.SpecError, lambda: nt.einsum("-> i jj", A, B), "output name 'jj'",
            "did you mean 'j'?")


def test_size_disagreement():
    _raises(nt.AxisSizeError, lambda: nt.einsum("i k, k j -> i j", A, nt.ones({"k": 4, "j": 1})),
            "nt.einsum", "'k'", "size 3", "size 4")


def test_dot_over_an_unknown_axis():
    _raises(nt.AxisNameError, lambda: nt.dot(A, B, over="kk"), "nt.dot", "'kk'",
            "did you mean 'k'?")


def test_unknown_optimize():
    _raises(nt.SpecError, lambda: nt.einsum("i k, k j -> i j", A, B, optimize="fastest"),
            "optimize='fastest'")


def test_positional_operand():
    _raises(TypeError, lambda: nt.einsum("i k, k j -> i j", A, np.ones((3, 4))),
            "nt.tensor(x, names)")


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
