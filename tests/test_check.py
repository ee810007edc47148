"""nt.check (SPEC section 16): an abstract run gives what a real call gives.

The oracle is the real call itself: for random names and sizes (a small pool of names and
sizes 1-3, so that names collide and sizes disagree often), ``f(*tensors)`` either returns
tensors, whose names, sizes and dtypes ``nt.check(f, *specs)`` must return as TensorSpecs,
or raises, and ``nt.check`` must raise the same class with the same message.
"""

import time
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import namedtensor as nt
import namedtensor.grad as ntgrad
from namedtensor.testing import strategies as nts

POOL = ("a", "b", "c", "d")
FEW = settings(max_examples=30, deadline=None)


# --- the oracle: a real call ------------------------------------------------------------
def _outcome(f, *args):
    """What a real call gives: ``("ok", tree of (names, sizes, dtype))`` or ``("error",
    class, message)``."""
    try:
        out = f(*args)
    except (nt.NamedTensorError, TypeError) as e:
        return ("error", type(e), str(e))
    return ("ok", jax.tree_util.tree_map(_describe, out, is_leaf=_is_tensor))


def _is_tensor(x):
    return isinstance(x, (nt.NamedTensor, nt.TensorSpec))


class Leaf(NamedTuple):
    names: object  # a tuple of names, None (an unnamed array) or "a value"
    shape: object
    dtype: object


def _describe(x):
    if isinstance(x, (nt.NamedTensor, nt.TensorSpec)):
        return Leaf(x.names, x.shape, np.dtype(x.dtype))
    if hasattr(x, "dtype"):
        return Leaf(None, tuple(np.shape(x)), np.dtype(x.dtype))
    return Leaf("a value", x, None)  # a Python number or str: returned as it is


def _spec(t):
    return nt.TensorSpec(t.sizes, t.dtype)


def _assert_same(f, tensors, expected=None):
    """``nt.check`` on the tensors' specs (and on the tensors) gives the real call's outcome;
    returns it."""
    expected = expected or _outcome(f, *tensors)
    specs = jax.tree_util.tree_map(_spec, tensors, is_leaf=_is_tensor)
    for args in (specs, tensors):
        got = _outcome(lambda *a: nt.check(f, *a), *args)
        assert got == expected, f"nt.check gave {got}, a real call {expected}"
    return expected


# --- the operations, with the static arguments they draw ------------------------------
def _sizes(min_rank=0):
    return nts.sizes(names=None, min_rank=min_rank, max_rank=3, max_size=3).flatmap(
        lambda s: st.permutations(POOL).map(
            lambda perm: dict(zip(perm[:len(s)], s.values(), strict=True))))


@st.composite
def _tensor(draw, min_rank=0, dtype=None):
    sizes = draw(_sizes(min_rank))
    dtype = dtype or draw(st.sampled_from(["float32", "int32"]))
    return draw(nts.named_tensors(sizes=sizes, dtype=dtype, elements=st.just(1)))


def _einsum_spec(draw, x, y):
    """A spec for ``x, y``: the right one, or one with a name dropped, added or doubled."""
    entries = [list(x.names), list(y.names)]
    out = draw(st.permutations(list(dict.fromkeys(x.names + y.names))))
    out = list(out[:draw(st.integers(0, len(out)))])
    flaw = draw(st.sampled_from(["none", "drop", "add", "double", "output"]))
    target = draw(st.sampled_from(entries))
    if flaw == "drop" and target:
        target.pop()
    elif flaw == "add":
        target.append(draw(st.sampled_from(POOL)))
    elif flaw == "double" and target:
        target.append(target[0])
    elif flaw == "output":
        out.append(draw(st.sampled_from(POOL)))
    return f"{' '.join(entries[0])}, {' '.join(entries[1])} -> {' '.join(out)}"


@st.composite
def _problems(draw, symbolic=False):
    """``(label, f, tensors)`` for one of the operations, with drawn static arguments."""
    kind = draw(st.sampled_from(
        ["add", "multiply", "dot", "einsum", "sum", "rename", "align", "concat", "stack",
         "grad", "vmap", "jit"] +  # lax.scan needs a concrete length: not symbolic
        ([] if symbolic else ["scan", "index", "unflatten", "where"])))
    floating = kind in ("grad", "scan")
    x = draw(_tensor(dtype="float32" if floating else None))
    y = draw(_tensor(dtype="float32" if floating else None))
    name = draw(st.sampled_from(POOL))
    other = draw(st.sampled_from(POOL))
    if kind == "add":
        return kind, lambda x, y: x + y, (x, y)
    if kind == "multiply":
        return kind, lambda x, y: {"p": nt.multiply(x, y), "n": 2}, (x, y)
    if kind == "dot":
        return kind, lambda x, y: nt.dot(x, y, over=name), (x, y)
    if kind == "einsum":
        spec = _einsum_spec(draw, x, y)
        return kind, lambda x, y: nt.einsum(spec, x, y), (x, y)
    if kind == "sum":
        return kind, lambda x: x.sum(name), (x,)
    if kind == "rename":
        return kind, lambda x: x.rename({name: other}), (x,)
    if kind == "align":
        names = draw(st.lists(st.sampled_from(POOL), max_size=4))
        return kind, lambda x: x.align_to(*names), (x,)
    if kind == "concat":
        return kind, lambda x, y: nt.concat([x, y], name), (x, y)
    if kind == "stack":
        return kind, lambda x, y: nt.stack([x, y], name), (x, y)
    if kind == "grad":
        return kind, lambda x, y: ntgrad.grad(lambda x: (x * y).sum())(x), (x, y)
    if kind == "vmap":
        return kind, lambda x, y: nt.vmap(lambda r, y: r * y, over=name)(x, y), (x, y)
    if kind == "scan":
        return kind, lambda c, xs: nt.scan(lambda c, x: (c + x, x.sum()), c, xs, over=name), \
            (x, y)
    if kind == "jit":
        return kind, nt.jit(lambda x, y: (x - y).sum(name)), (x, y)
    if kind == "index":
        at = draw(st.integers(-4, 4))
        return kind, lambda x: x[{name: at}], (x,)
    if kind == "unflatten":
        split = draw(st.integers(1, 3))
        return kind, lambda x: x.unflatten(name, {"p": split, "q": -1}), (x,)
    return kind, lambda x, y: nt.where(x > 0, x, y), (x, y)


# --- property: the same outcome as a real call ----------------------------------------
@FEW
@given(_problems())
def test_same_outcome_as_a_real_call(problem):
    _, f, tensors = problem
    _assert_same(f, tensors)


@FEW
@given(_problems(symbolic=True), st.sets(st.sampled_from(POOL)))
def test_symbolic_sizes_give_the_real_names_and_dtypes(problem, symbolic):
    """Where a real call succeeds, it succeeds on the same names with some sizes ``None``:
    the same names and dtypes, a size ``None`` where it depends on a symbolic one."""
    _, f, tensors = problem
    expected = _outcome(f, *tensors)
    specs = [nt.TensorSpec({n: None if n in symbolic else s for n, s in t.sizes.items()},
                           t.dtype) for t in tensors]
    got = _outcome(lambda *a: nt.check(f, *a), *specs)
    used = symbolic & {n for t in tensors for n in t.names}
    if expected[0] == "error":
        return  # one symbol per name: a size conflict of a symbolic name cannot show
    assert got[0] == "ok", got
    real = jax.tree_util.tree_leaves(expected[1], is_leaf=lambda x: isinstance(x, Leaf))
    abstract = jax.tree_util.tree_leaves(got[1], is_leaf=lambda x: isinstance(x, Leaf))
    assert len(real) == len(abstract)
    for (names, shape, dtype), (names2, shape2, dtype2) in zip(real, abstract, strict=True):
        assert (names2, dtype2) == (names, dtype)
        if names is None or names == "a value":  # an unnamed array, a number
            assert shape2 == shape
            continue
        # a size is the real one, or None where it comes from a symbolic size (a renamed
        # or concatenated axis gets its None too); with no symbolic input, exactly the real
        for n, s, s2 in zip(names or (), shape, shape2, strict=True):
            assert s2 == s or (s2 is None and used), (n, s, s2)


# --- every error class a shape can raise, deterministically ---------------------------
def _t(sizes, dtype="float32"):
    return nt.ones(sizes, dtype=dtype)


CASES = {
    "unknown name (AxisNameError)": (
        nt.AxisNameError, lambda x: x.sum("batcj"), (_t({"batch": 2, "d": 3}),)),
    "duplicate name (AxisNameError)": (
        nt.AxisNameError, lambda x: x.rename(d="batch"), (_t({"batch": 2, "d": 3}),)),
    "elementwise sizes (AxisSizeError)": (
        nt.AxisSizeError, lambda x, y: x * y, (_t({"a": 2, "b": 3}), _t({"b": 4}))),
    "einsum sizes (AxisSizeError)": (
        nt.AxisSizeError, lambda x, y: nt.einsum("a b, b c -> a c", x, y),
        (_t({"a": 2, "b": 3}), _t({"b": 4, "c": 5}))),
    "einsum spec (SpecError)": (
        nt.SpecError, lambda x, y: nt.einsum("a b, c -> a c", x, y),
        (_t({"a": 2, "b": 3}), _t({"b": 3, "c": 5}))),
    "concat sizes (AxisSizeError)": (
        nt.AxisSizeError, lambda x, y: nt.concat([x, y], "a"),
        (_t({"a": 2, "b": 3}), _t({"a": 1, "b": 4}))),
    "index out of range (AxisSizeError)": (
        nt.AxisSizeError, lambda x: x[{"a": 5}], (_t({"a": 2, "b": 3}),)),
    "scan carry (AxisNameError)": (
        nt.AxisNameError, lambda c, xs: nt.scan(lambda c, x: (c + x, c), c, xs, over="t"),
        (_t({"b": 3}), _t({"t": 4, "b": 3, "e": 2}))),
    "grad of a non-scalar (NamedTensorError)": (
        nt.NamedTensorError, lambda x: ntgrad.grad(lambda x: x * 2)(x), (_t({"a": 2}),)),
    "a positional array (TypeError)": (
        TypeError, lambda x: x + jnp.ones(2), (_t({"a": 2}),)),
    "deep in a model (AxisSizeError)": (
        nt.AxisSizeError, lambda x, ws: _deep(x, ws),
        (_t({"batch": 2, "d": 4}), [_t({"d": 4, "d'": 4})] * 5 + [_t({"d": 3, "d'": 4})])),
}


def _deep(x, ws):
    for w in ws:
        x = nt.tanh(nt.dot(x, w, over="d")).rename({"d'": "d"})
    return x.sum()


@pytest.mark.parametrize("case", list(CASES))
def test_each_error_class_is_the_real_calls(case):
    error, f, tensors = CASES[case]
    expected = _outcome(f, *tensors)
    assert expected[0] == "error" and issubclass(expected[1], error), expected  # the oracle
    _assert_same(f, tensors, expected)
    _assert_same(nt.jit(f), tensors, _outcome(nt.jit(f), *tensors))


def test_numpy_backend_tensors_give_the_same_outcome():
    x = nt.ones({"a": 2, "b": 3}, backend="numpy")
    y = nt.ones({"b": 4}, backend="numpy")
    _assert_same(lambda x, y: x + y, (x, y))
    assert nt.check(lambda x: x.sum("a"), x) == nt.TensorSpec({"b": 3})


# --- pytrees, transforms, unnamed leaves -------------------------------------------------
def test_pytrees_in_and_out():
    params = {"w": nt.TensorSpec({"d": 4, "h": 8}), "b": [nt.TensorSpec({"h": 8})]}

    def f(params, x, scale, step):
        y = nt.dot(x, params["w"], over="d") + params["b"][0]
        return {"y": y * scale, "mean": y.mean(), "step": step + 1, "raw": jnp.zeros(2),
                "tag": "done"}

    out = nt.check(f, params, nt.TensorSpec({"batch": None, "d": 4}), 0.5,
                   jax.ShapeDtypeStruct((), np.int32))
    assert out["y"] == nt.TensorSpec({"batch": None, "h": 8})
    assert out["mean"] == nt.TensorSpec({})
    assert (out["step"].shape, out["step"].dtype) == ((), np.int32)
    assert (out["raw"].shape, out["raw"].dtype) == ((2,), np.float32)
    assert out["tag"] == "done"


def test_a_training_step_with_grad_jit_and_a_key():
    @nt.jit
    def step(params, x, key):
        def loss(p):
            h = nt.random.dropout(key, nt.tanh(nt.dot(x, p["w"], over="d")), 0.1)
            return (h * h).mean()
        value, grads = nt.value_and_grad(loss)(params)
        return value, {k: params[k] - 0.1 * g for k, g in grads.items()}

    params = {"w": nt.TensorSpec({"d": 4, "h": 3})}
    value, new = nt.check(step, params, nt.TensorSpec({"batch": None, "d": 4}),
                          nt.random.key(0))
    assert value == nt.TensorSpec({}) and new == params


def test_static_arguments_of_an_nt_jit_function_pass_as_they_are():
    f = nt.jit(lambda x, mode: x.sum("a") if mode == "sum" else x, static_argnames="mode")
    assert nt.check(f, nt.TensorSpec({"a": 2, "b": 3}), "sum") == nt.TensorSpec({"b": 3})


# --- symbolic sizes --------------------------------------------------------------------
def test_one_symbol_per_name_across_inputs():
    f = lambda x, y: nt.concat([x, y], "t")  # noqa: E731
    out = nt.check(f, nt.TensorSpec({"t": None, "b": None}), nt.TensorSpec({"b": None, "t": None}))
    assert out == nt.TensorSpec({"t": None, "b": None})  # t: twice the symbol t


def test_a_name_symbolic_in_one_input_and_sized_in_another():
    with pytest.raises(nt.AxisSizeError, match=r"nt.check\(<lambda>\): axis 'b' .*argument 1"):
        nt.check(lambda x, y: x + y, nt.TensorSpec({"b": None}), nt.TensorSpec({"b": 3}))


def test_a_concrete_size_needed_for_a_symbolic_one():
    with pytest.raises(nt.AxisSizeError, match=r"nt.check\(f\): f needs a concrete size"):
        def f(x):
            return jnp.zeros(x.sizes["b"] * 2).reshape(2, -1) if x.sizes["b"] > 2 else x
        nt.check(f, nt.TensorSpec({"b": None}))


# --- nothing is computed -----------------------------------------------------------------
def test_nothing_runs():
    calls = []

    def host(x):
        calls.append(1)
        return x

    def f(x):
        assert isinstance(x.data, jax.core.Tracer)  # never a concrete array
        return nt.callback(host, nt.TensorSpec({"a": 3}), x)

    assert nt.check(f, nt.ones({"a": 3})) == nt.TensorSpec({"a": 3})
    assert calls == []


def test_a_model_too_big_to_run_checks_in_milliseconds():
    big = {"batch": 2**16, "d": 2**16}  # 16 GiB per activation: never allocated
    start = time.perf_counter()
    out = nt.check(lambda x, w: nt.dot(x, w, over="d"), nt.TensorSpec(big),
                   nt.TensorSpec({"d": 2**16, "h": 2**16}))
    assert out == nt.TensorSpec({"batch": 2**16, "h": 2**16})
    assert time.perf_counter() - start < 5


# --- bad input -------------------------------------------------------------------------
@pytest.mark.parametrize("f", [3, None, "f", nt.TensorSpec({"a": 1})])
def test_f_must_be_callable(f):
    with pytest.raises(TypeError, match=r"^nt.check: f must be callable"):
        nt.check(f, nt.TensorSpec({"a": 1}))


@pytest.mark.parametrize("spec, where", [
    ("a b", "argument 1"), ({"a"}, "argument 1"), (object(), "argument 1"),
    ({"w": nt.TensorSpec({"a": 1}), "bad": "x"}, r"argument 1 \(leaf 0\)"),
    ([nt.TensorSpec({"a": 1}), b"x"], r"argument 1 \(leaf 1\)"),
])
def test_a_spec_that_is_no_tensor_is_a_type_error_naming_its_position(spec, where):
    with pytest.raises(TypeError, match=rf"^nt.check\(<lambda>\): {where} is "):
        nt.check(lambda x, y: x, nt.TensorSpec({"a": 1}), spec)


def test_control_flow_on_values_is_a_type_error_naming_nt_check():
    with pytest.raises(TypeError, match=r"^nt.check\(<lambda>\): f needs the value"):
        nt.check(lambda x: x if jnp.sum(x.data) > 0 else -x, nt.TensorSpec({"a": 2}))
    with pytest.raises(TypeError, match=r"bool\(\): this tensor \(\) is traced"):  # ours
        nt.check(lambda x: x if x.sum() > 0 else -x, nt.TensorSpec({"a": 2}))


def test_an_error_carries_no_jax_note_or_chained_traceback():
    with pytest.raises(nt.AxisNameError) as info:
        nt.check(lambda x: x.sum("zz"), nt.TensorSpec({"a": 2}))
    assert not getattr(info.value, "__notes__", None)
    assert info.value.__cause__ is None


def test_a_sharded_nt_jit_function():
    mesh = nt.mesh({"data": 1}, devices=[jax.devices()[0]])
    f = nt.jit(lambda x: x * 2, mesh=mesh, rules={"batch": "data"})
    spec = nt.TensorSpec({"batch": 4, "d": 3})
    assert nt.check(f, spec) == spec
