"""nt.cond, nt.while_loop, nt.fori_loop (outputs and carries realigned by name), against
the eager Python equivalent, under nt.jit and nt.grad; nt.scan with xs=None; the callable
nt.grad module."""

import inspect

import jax.numpy as jnp
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import namedtensor as nt
from _helpers import raises
from namedtensor.testing import assert_allclose
from namedtensor.testing import strategies as nts

VALUE = 12345.678


def _reversed(t):
    return t.align_to(*reversed(t.names))


# --- cond --------------------------------------------------------------------------------
def _branches(t):
    def yes(x, s):
        return {"y": x * s, "n": (x * x).sum()}

    def no(x, s):  # the same names, another storage order
        return {"y": _reversed(x - s), "n": x.sum()}
    return yes, no


@settings(max_examples=8)
@given(t=nts.named_tensors(min_rank=1), flag=st.booleans(),
       kind=st.sampled_from(["python", "jax", "named", "numpy-named"]))
def test_cond_matches_python(t, flag, kind):
    yes, no = _branches(t)
    pred = {"python": flag, "jax": jnp.asarray(flag),
            "named": nt.tensor(flag, ()), "numpy-named": nt.tensor(flag, (), backend="numpy")}[kind]
    expected = (yes if flag else no)(t, 2.0)
    for run in (lambda p, x: nt.cond(p, yes, no, x, 2.0),
                nt.jit(lambda p, x: nt.cond(p, yes, no, x, 2.0))):
        out = run(pred, t)
        assert out["y"].names == t.names  # true_fn's layout, whichever branch ran
        assert_allclose(out["y"], expected["y"], rtol=1e-5, atol=1e-5)
        assert_allclose(out["n"], expected["n"], rtol=1e-5, atol=1e-3)


def test_cond_predicate_computed_inside_jit_and_numpy_operands(backend):
    x = nt.tensor(np.arange(6.0, dtype=np.float32).reshape(2, 3), "a b", backend=backend)
    f = nt.jit(lambda x: nt.cond(x.sum() > 10, lambda x: x + 1.0, lambda x: _reversed(x), x))
    assert f(x).names == ("a", "b") and f(x).numpy().tolist() == (x.numpy() + 1).tolist()
    assert f(-x).numpy().tolist() == (-x).numpy().tolist()


def test_cond_under_grad():
    def python(w, x):
        h = nt.einsum("a b, b -> a", x, w)
        return (h * h).sum() if h.sum() > 0 else nt.tanh(h).sum()

    def compiled(w, x):
        h = nt.einsum("a b, b -> a", x, w)
        return nt.cond(h.sum() > 0, lambda h: (h * h).sum(), lambda h: nt.tanh(h).sum(), h)

    w = nt.tensor([0.5, -1.0, 2.0], "b")
    for x in (nt.ones({"a": 2, "b": 3}), -nt.ones({"b": 3, "a": 2})):
        expected = nt.grad(python)(w, x)
        assert_allclose(nt.grad(compiled)(w, x), expected, rtol=1e-5)
        assert_allclose(nt.jit(nt.grad(compiled))(w, x), expected, rtol=1e-5)


def test_cond_bad_input():
    x = nt.tensor(np.full((2, 3), VALUE, np.float32), "a b")
    same = lambda x: x  # noqa: E731
    raises(nt.AxisNameError, lambda: nt.cond(x > 0, same, same, x), "nt.cond", "pred", "a=2")
    raises(TypeError, lambda: nt.cond(nt.tensor(1, ()), same, same, x), "nt.cond", "int32",
           "x != 0")
    raises(TypeError, lambda: nt.cond(jnp.ones(2, bool), same, same, x), "nt.cond", "0-d")
    raises(TypeError, lambda: nt.cond("yes", same, same, x), "nt.cond", "pred", "str")
    raises(TypeError, lambda: nt.cond(True, None, same, x), "nt.cond", "true_fn")
    raises(TypeError, lambda: nt.cond(True, same, 3, x), "nt.cond", "false_fn")
    raises(TypeError, lambda: nt.cond(True, same, same, "x"), "nt.cond", "operands")
    raises(nt.AxisNameError, lambda: nt.cond(True, same, lambda x: x.rename(a="c"), x),
           "nt.cond", "false_fn", "true_fn", "lost ['a']", "gained ['c']")
    raises(nt.AxisSizeError, lambda: nt.cond(True, same, lambda x: x[{"a": slice(0, 1)}], x),
           "nt.cond", "false_fn", "resized {'a': (2, 1)}")
    raises(nt.NamedTensorError, lambda: nt.cond(True, same, lambda x: x.astype("int32"), x),
           "nt.cond", "dtype", "float32", "int32")
    raises(nt.NamedTensorError, lambda: nt.cond(True, same, lambda x: (x, x), x),
           "nt.cond", "structure")
    raises(nt.NamedTensorError, lambda: nt.cond(True, lambda x: jnp.zeros(2, jnp.int32),
                                                lambda x: jnp.zeros(2), x),
           "nt.cond", "dtype", "int32", "float32")
    raises(TypeError, lambda: nt.cond(True, same, lambda x: "no", x), "nt.cond", "false_fn")


# --- while_loop and fori_loop -----------------------------------------------------------
@settings(max_examples=8)
@given(t=nts.named_tensors(min_rank=1, elements=st.floats(0.5, 2.0, width=32)),
       limit=st.floats(1.0, 200.0))
def test_while_loop_matches_python(t, limit):
    def body(c):
        x, n = c
        return _reversed(x * 1.5), n + 1

    def test(c):
        return c[0].sum() < limit

    x, n = t, 0
    while float(x.sum()) < limit:
        x, n = body((x, n))
    for run in (nt.while_loop, nt.jit(nt.while_loop, static_argnames=("cond_fn", "body_fn"))):
        out, count = run(test, body, (t, jnp.asarray(0)))
        assert out.names == t.names and int(count) == n
        assert_allclose(out, x, rtol=1e-5)


@settings(max_examples=8)
@given(t=nts.named_tensors(min_rank=1), lower=st.integers(-2, 3), upper=st.integers(-2, 5))
def test_fori_loop_matches_python(t, lower, upper):
    def body(i, c):
        return _reversed(c * 0.5 + i)

    expected = t
    for i in range(lower, upper):
        expected = body(i, expected)
    out = nt.fori_loop(lower, upper, body, t)
    assert out.names == t.names
    assert_allclose(out, expected, rtol=1e-5, atol=1e-5)
    traced = nt.jit(lambda lo, hi, t: nt.fori_loop(lo, hi, body, t))
    assert_allclose(traced(jnp.asarray(lower), nt.tensor(upper, ()), t), expected, rtol=1e-5,
                    atol=1e-5)


def test_fori_loop_under_grad_and_indexing_by_the_counter():
    xs = nt.tensor(np.linspace(-1, 1, 12, dtype=np.float32).reshape(4, 3), "time feat")
    w = nt.tensor([0.3, -0.2, 0.5], "feat")

    def python(w):
        h = nt.zeros({"feat": 3})
        for i in range(4):
            h = nt.tanh(h * w + xs[{"time": i}])
        return (h * h).sum()

    def compiled(w):
        body = lambda i, h: _reversed(nt.tanh(h * w + xs[{"time": i}]))  # noqa: E731
        return (nt.fori_loop(0, 4, body, nt.zeros({"feat": 3})) ** 2).sum()

    assert abs(float(python(w)) - float(compiled(w))) < 1e-6
    expected = nt.grad(python)(w)
    assert_allclose(nt.grad(compiled)(w), expected, rtol=1e-5)
    assert_allclose(nt.jit(nt.grad(compiled))(w), expected, rtol=1e-5)


def test_loops_bad_input():
    x = nt.tensor(np.full((2, 3), VALUE, np.float32), "a b")
    raises(nt.AxisNameError, lambda: nt.while_loop(lambda c: c.sum() < 0, lambda c: c.sum("a"),
                                                    x), "nt.while_loop", "carry", "lost ['a']")
    raises(nt.AxisNameError, lambda: nt.while_loop(lambda c: c > 0, lambda c: c, x),
           "nt.while_loop", "cond_fn's output", "a=2")
    raises(TypeError, lambda: nt.while_loop(lambda c: c.sum(), lambda c: c, x),
           "nt.while_loop", "cond_fn's output", "float32")
    raises(TypeError, lambda: nt.while_loop(None, lambda c: c, x), "nt.while_loop", "cond_fn")
    raises(TypeError, lambda: nt.while_loop(lambda c: True, 1, x), "nt.while_loop", "body_fn")
    raises(TypeError, lambda: nt.while_loop(lambda c: True, lambda c: c, "x"),
           "nt.while_loop", "init")
    raises(nt.NamedTensorError, lambda: nt.fori_loop(0, 2, lambda i, c: c.astype("int32"), x),
           "nt.fori_loop", "dtype", "int32")
    raises(nt.AxisSizeError, lambda: nt.fori_loop(0, 2, lambda i, c: c[{"b": slice(1)}], x),
           "nt.fori_loop", "carry", "resized")
    raises(TypeError, lambda: nt.fori_loop(0.0, 2, lambda i, c: c, x), "nt.fori_loop", "lower")
    raises(TypeError, lambda: nt.fori_loop(0, True, lambda i, c: c, x), "nt.fori_loop", "upper")
    raises(TypeError, lambda: nt.fori_loop(0, jnp.arange(2), lambda i, c: c, x),
           "nt.fori_loop", "upper")
    raises(nt.AxisNameError, lambda: nt.fori_loop(0, nt.arange("k", 2), lambda i, c: c, x),
           "nt.fori_loop", "upper", "k=2")
    raises(nt.NamedTensorError, lambda: nt.fori_loop(0, 2**40, lambda i, c: c, x),
           "nt.fori_loop", "upper")
    raises(TypeError, lambda: nt.fori_loop(0, 2, "body", x), "nt.fori_loop", "body_fn")


# --- scan without xs -------------------------------------------------------------------
def test_scan_with_length_and_no_xs():
    def step(c, _):
        return _reversed(c * 2.0), c.sum()

    init = nt.ones({"a": 2, "b": 3})
    carry, ys = nt.scan(step, init, None, "t", length=4)
    assert carry.names == ("a", "b") and ys.names == ("t",)
    assert ys.tolist() == [6.0, 12.0, 24.0, 48.0] and float(carry.sum()) == 96.0
    carry, ys = nt.jit(lambda i: nt.scan(step, i, None, "t", length=0))(init)
    assert ys.sizes == {"t": 0} and float(carry.sum()) == 6.0
    raises(nt.NamedTensorError, lambda: nt.scan(step, init, None, "t"), "nt.scan", "length")
    raises(nt.AxisSizeError, lambda: nt.scan(step, init, nt.ones({"t": 3}), "t", length=4),
           "nt.scan", "length=4", "size 3")


# --- nt.grad is callable, namedtensor.grad stays a module --------------------------------
def test_grad_is_callable_and_still_the_module():
    import namedtensor.grad as module
    from namedtensor.grad import check_grads, grad, jvp, value_and_grad, vjp  # noqa: F401

    assert nt.grad is module and inspect.ismodule(nt.grad)
    assert nt.value_and_grad is value_and_grad
    assert list(inspect.signature(nt.grad).parameters) == ["f", "argnums", "has_aux"]
    loss = lambda w, x: (w * x).sum()  # noqa: E731
    w, x = nt.tensor([1.0, 2.0], "f"), nt.tensor([3.0, 4.0], "f")
    assert nt.grad(loss)(w, x).tolist() == [3.0, 4.0]
    assert nt.grad(loss, argnums=1)(w, x).tolist() == [1.0, 2.0]
    assert nt.grad(argnums=1)(loss)(w, x).tolist() == [1.0, 2.0]
    assert nt.grad(lambda w: (loss(w, x), 7), has_aux=True)(w)[1] == 7

    @nt.grad
    def g(w):
        return (w * w).sum()

    assert g(w).tolist() == [2.0, 4.0]
    value, gw = nt.value_and_grad(loss)(w, x)
    assert float(value) == 11.0 and gw.names == ("f",)
    assert nt.jit(nt.grad(loss))(w, x).tolist() == [3.0, 4.0]
    raises(TypeError, lambda: nt.grad(3), "grad", "f")
    raises(nt.AxisNameError, lambda: nt.grad(lambda w: w)(w), "grad", "0-d")
    assert module.grad is grad and callable(module.vjp)

