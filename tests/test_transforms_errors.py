"""Bad input to the transforms (grad, vjp, jvp, check_grads, jit, vmap, scan, callback,
TensorSpec, benchmark): each raises the SPEC section 15 exception at the entry point, and
the message names the operation and the argument, never the array values."""

import textwrap

import jax
import numpy as np
import pytest

import namedtensor as nt
from _helpers import raises as _raises
from _helpers import run_isolated
from namedtensor.grad import check_grads, grad, jvp, value_and_grad, vjp

VALUE = 12345.678  # a value that must never appear in a message


def _t(sizes):
    return nt.full(sizes, VALUE, dtype="float32")


def _loss(x):
    return (x * x).sum()


def test_non_callables_are_refused_by_every_transform():
    t, spec = _t({"a": 2}), nt.TensorSpec({"a": 2})
    for name, make in [("grad", lambda: grad(3)),
                       ("value_and_grad", lambda: value_and_grad("f")),
                       ("vjp", lambda: vjp(3, t)),
                       ("jvp", lambda: jvp(3, (t,), (t,))),
                       ("check_grads", lambda: check_grads(3, (t,))),
                       ("nt.jit", lambda: nt.jit(3)),
                       ("nt.vmap", lambda: nt.vmap(3, over="a")),
                       ("nt.vmap", lambda: nt.vmap(over="a")(t)),
                       ("nt.scan", lambda: nt.scan(3, t, _t({"s": 2}), over="s")),
                       ("nt.callback", lambda: nt.callback(3, spec, t)),
                       ("nt.benchmark", lambda: nt.benchmark(3, t)),
                       # f=None is not the decorator form (that leaves f out)
                       ("nt.jit", lambda: nt.jit(None)),
                       ("nt.vmap", lambda: nt.vmap(None, over="a")),
                       ("grad", lambda: grad(None))]:
        _raises(TypeError, make, name, "must be callable")
    assert nt.jit(static_argnames="n")(lambda x, n: x.sum(n))(t, n="a").names == ()


def test_argnums_are_checked_at_creation_and_against_the_call():
    t = _t({"a": 2})
    # the message names the function the user called, not the one it is built on
    _raises(nt.NamedTensorError, lambda: grad(_loss, argnums=1)(t), "grad:", "argument 1",
            "1 positional argument")
    assert "value_and_grad" not in _raises(nt.NamedTensorError, lambda: grad(_loss, argnums=-2)(t))
    _raises(nt.NamedTensorError, lambda: value_and_grad(_loss, argnums=3)(t),
            "value_and_grad:", "argument 3")
    _raises(nt.NamedTensorError, lambda: grad(_loss)(x=t), "0 positional arguments", "keyword")
    _raises(TypeError, lambda: grad(_loss, argnums=1.0), "grad:", "argnums", "float")
    _raises(TypeError, lambda: grad(_loss, argnums=(0, "1")), "argnums", "str")
    _raises(TypeError, lambda: grad(argnums=True), "argnums", "bool")
    _raises(nt.NamedTensorError, lambda: grad(_loss, argnums=(0, 0)), "repeats")
    _raises(nt.NamedTensorError, lambda: grad(_loss, argnums=()), "at least one")
    two = lambda x, y: (x * y).sum()  # noqa: E731
    _raises(nt.NamedTensorError, lambda: grad(two, argnums=(0, -2))(t, t), "same argument")
    _raises(TypeError, lambda: grad(_loss, has_aux="yes"), "has_aux must be a bool")
    assert grad(two, argnums=-1)(t, t).names == ("a",)  # negative argnums still work


def test_f_must_return_a_scalar_or_a_value_aux_pair():
    t = _t({"a": 2})
    for bad, kind in [(lambda x: [x.sum()], "a list of 1 element"), (lambda x: None, "None"),
                      (lambda x: "loss", "a str"), (lambda x: {"l": x.sum()}, "a dict")]:
        _raises(TypeError, lambda bad=bad: grad(bad)(t), "grad:", "0-d tensor or a scalar", kind)
        _raises(TypeError, lambda bad=bad: value_and_grad(bad)(t), "value_and_grad:", kind)
    _raises(TypeError, lambda: grad(lambda x: x.sum().astype("int32"))(t), "floating", "int32")
    for bad, kind in [(lambda x: x.sum(), "a NamedTensor ()"),
                      (lambda x: (x.sum(), 1, 2), "a tuple of 3 elements")]:
        message = _raises(TypeError, lambda bad=bad: grad(bad, has_aux=True)(t), "grad:",
                          "(value, aux)", kind)
        assert "iterable" not in message


def test_tangents_and_cotangents_are_checked():
    t, ints = _t({"a": 2}), nt.tensor([1, 2], "a")
    _raises(TypeError, lambda: jvp(lambda x: x * 2, (t,), (ints,)), "jvp:", "int32", "float32")
    _, back = vjp(lambda x: x * 2, t)
    _raises(TypeError, lambda: back(ints), "vjp:", "cotangent", "int32", "float32")
    for make in (lambda: jvp(lambda x: x * 2, t, t), lambda: jvp(lambda x: x * 2, (t,), t)):
        message = _raises(TypeError, make, "jvp:", "tuple", "(x,)")
        assert "iterable" not in message
    _raises(TypeError, lambda: check_grads(_loss, t), "check_grads:", "args", "tuple")
    # an integer NamedTensor primal would get a float0 tangent: refused, as grad refuses it
    _raises(TypeError, lambda: vjp(lambda x: x * 2, ints), "vjp:", "int32", "float inputs")
    _raises(TypeError, lambda: jvp(lambda x: x * 2, (ints,), (ints,)), "jvp:", "int32")
    _raises(TypeError, lambda: vjp(lambda x: x, "x"), "vjp:", "a str")
    # a size-only difference is a size error; a change of names stays a name error
    _raises(nt.AxisSizeError, lambda: jvp(lambda x: x * 2, (t,), (_t({"a": 3}),)), "jvp:",
            "resized {'a': (2, 3)}")
    _raises(nt.AxisSizeError, lambda: back(_t({"a": 3})), "vjp:", "resized {'a': (2, 3)}")
    _raises(nt.AxisNameError, lambda: back(_t({"b": 2})), "lost ['a'], gained ['b']")
    _raises(nt.NamedTensorError, lambda: jvp(lambda x: x * 2, (t,), (t, t)), "structure")


def test_check_grads_options_are_validated():
    args = (_t({"a": 2}),)
    for order in (-1, 0, 5, 2**70):
        _raises(nt.NamedTensorError, lambda order=order: check_grads(_loss, args, order=order),
                "order", "[1, 4]")
    _raises(TypeError, lambda: check_grads(_loss, args, order=1.5), "order", "float")
    for modes in (("sideways",), (), ("fwd", "up")):
        _raises(nt.NamedTensorError, lambda modes=modes: check_grads(_loss, args, modes=modes),
                "modes", "'fwd' and 'rev'")
    _raises(TypeError, lambda: check_grads(_loss, args, modes=3), "modes")
    for name in ("atol", "rtol", "eps"):
        _raises(nt.NamedTensorError, lambda name=name: check_grads(_loss, args, **{name: -1.0}),
                name)
        _raises(TypeError, lambda name=name: check_grads(_loss, args, **{name: "0.1"}), name,
                "real")
    _raises(nt.NamedTensorError, lambda: check_grads(_loss, args, eps=0.0), "eps", "positive")
    _raises(TypeError, lambda: check_grads(_loss, (nt.tensor([1, 2], "a"),)), "int32")
    x = (nt.tensor([0.1, -0.3], "x"),)
    check_grads(_loss, x, modes="fwd", eps=1e-2, atol=1e-2, rtol=1e-2)  # a str is one mode


def test_scan_arguments_and_body_are_checked():
    init, xs = _t({"a": 2}), _t({"s": 3, "a": 2})

    def scan(f=lambda c, x: (c, x), init=init, xs=xs, **kwargs):
        return nt.scan(f, init, xs, **{"over": "s", **kwargs})

    for bad, kind in [(lambda c, x: c, "a NamedTensor (a=2)"),
                      (lambda c, x: (c, x, x), "a tuple of 3 elements")]:
        message = _raises(TypeError, lambda bad=bad: scan(bad), "nt.scan(over='s')", "(carry, y)",
                          kind)
        assert "iterable" not in message
    _raises(nt.NamedTensorError, lambda: scan(lambda c, x: (x, x), init=0.0), "carry leaf 0",
            "unnamed float32 array", "NamedTensor (a=2)")
    _raises(nt.NamedTensorError, lambda: scan(lambda c, x: (1.0, x)), "carry leaf 0", "(a=2)",
            "a float")
    for unroll in (0, -1):
        _raises(nt.NamedTensorError, lambda unroll=unroll: scan(unroll=unroll), "unroll",
                "positive int")
    for unroll in (1.5, "x"):
        _raises(TypeError, lambda unroll=unroll: scan(unroll=unroll), "unroll", "positive int")
    assert scan(unroll=True)[1].names == ("s", "a") and scan(unroll=2)[1].names == ("s", "a")
    _raises(TypeError, lambda: scan(reverse="yes"), "reverse must be a bool")
    _raises(TypeError, lambda: scan(over=3), "nt.scan", "over", "int")
    _raises(nt.AxisNameError, lambda: scan(over="1s"), "nt.scan", "'1s'")
    _raises(TypeError, lambda: scan(xs=np.ones((3, 2))), "xs", "unnamed float64 array", "nt.tensor")
    _raises(TypeError, lambda: scan(init="h"), "init", "a str")
    _raises(TypeError, lambda: scan(lambda c, x: (c, "y")), "output", "a str")
    _raises(nt.AxisSizeError, lambda: scan(length=4), "length=4", "size 3")
    _raises(nt.NamedTensorError, lambda: scan(xs=None), "length")
    _raises(nt.NamedTensorError, lambda: scan(length=-1), "length", "[0, 2147483647]")
    _raises(nt.NamedTensorError, lambda: scan(length=2**40), "length", "[0, 2147483647]")
    # a carry that only changes size is a size error; one that changes names a name error
    _raises(nt.AxisSizeError, lambda: scan(lambda c, x: (_t({"a": 3}), x)),
            "resized {'a': (2, 3)}")
    _raises(nt.AxisNameError, lambda: scan(lambda c, x: (c.rename(a="b"), x)),
            "lost ['a'], gained ['b']")


def test_vmap_over_is_validated_at_creation():
    _raises(TypeError, lambda: nt.vmap(_loss, over=3), "nt.vmap", "over", "int")
    _raises(TypeError, lambda: nt.vmap(_loss), "nt.vmap", "over", "NoneType")
    _raises(nt.AxisNameError, lambda: nt.vmap(_loss, over="not a name"), "nt.vmap",
            "'not a name'")
    _raises(nt.AxisNameError, lambda: nt.vmap(over="1x"), "nt.vmap", "'1x'")
    _raises(TypeError, lambda: nt.vmap(lambda r: "s", over="b")(_t({"b": 2})), "output", "a str")


def test_benchmark_counts_are_validated():
    one = lambda: 1  # noqa: E731
    for kwargs, fragment in [({"number": 0}, "number must be >= 1"),
                             ({"number": -1}, "number must be >= 1"),
                             ({"repeat": 0}, "repeat must be >= 1"),
                             ({"repeat": -1}, "repeat must be >= 1"),
                             ({"warmup": -1}, "warmup must be >= 0")]:
        _raises(nt.NamedTensorError, lambda kwargs=kwargs: nt.benchmark(one, **kwargs),
                "nt.benchmark", fragment)
    for kwargs in ({"number": 1.5}, {"repeat": "3"}, {"warmup": None}):
        _raises(TypeError, lambda kwargs=kwargs: nt.benchmark(one, **kwargs), "nt.benchmark",
                "must be an int")
    assert len(nt.benchmark(one, warmup=0, repeat=1).times) == 1


def test_callback_refuses_a_lossy_result_dtype():
    x = nt.tensor([1.5, 2.5], "a")
    to_int = nt.TensorSpec({"a": 2}, "int32")
    host = lambda t: t  # noqa: E731  (float32: would be truncated to int32)
    _raises(TypeError, lambda: nt.callback(host, to_int, x), "nt.callback", "float32", "int32")
    # under jit the error comes back from XLA's runtime, with our message in its text
    with pytest.raises(jax.errors.JaxRuntimeError, match=r"nt\.callback: .*float32.*int32"):
        jax.block_until_ready(nt.jit(lambda t: nt.callback(host, to_int, t))(x))
    # int -> float is a widening, and allowed
    ints = lambda t: nt.tensor(np.array([1, 2]), "a", backend="numpy")  # noqa: E731
    assert nt.callback(ints, nt.TensorSpec({"a": 2}), x).tolist() == [1.0, 2.0]
    # eager calls raise the host's own error, not JAX's wrapper
    _raises(nt.AxisSizeError, lambda: nt.callback(lambda t: t.sum(), nt.TensorSpec({"a": 2}),
                                                  _t({"a": 2})), "returned ()", "(a=2)")
    _raises(nt.AxisSizeError, lambda: nt.vmap(
        lambda r: nt.callback(lambda t: t.sum(), nt.TensorSpec({"f": 2}), r), over="b")(
        _t({"b": 2, "f": 2})), "returned ()")
    _raises(TypeError, lambda: nt.callback(host, to_int, "x"), "nt.callback", "args", "a str")


def test_tensor_spec_sizes_and_dtype_are_validated():
    _raises(nt.AxisSizeError, lambda: nt.TensorSpec({"a": -1}), "nt.TensorSpec", "'a'", "-1")
    for size in (1.5, "3", True):
        _raises(TypeError, lambda size=size: nt.TensorSpec({"a": size}), "nt.TensorSpec", "'a'",
                "int")
    # an unknown dtype name is a wrong value, a non-dtype a wrong type (as _validate.dtype says)
    _raises(nt.NamedTensorError, lambda: nt.TensorSpec({"a": 2}, dtype="flaot32"),
            "nt.TensorSpec", "'flaot32'")
    _raises(TypeError, lambda: nt.TensorSpec({"a": 2}, dtype=object), "nt.TensorSpec", "dtype")
    _raises(TypeError, lambda: nt.TensorSpec({"a": 2}, dtype=None), "nt.TensorSpec", "dtype")
    _raises(TypeError, lambda: nt.TensorSpec([2]), "nt.TensorSpec", "mapping")
    _raises(nt.AxisNameError, lambda: nt.TensorSpec({"1a": 2}), "'1a'")
    _raises(TypeError, lambda: nt.TensorSpec.like(np.ones(2)), "nt.TensorSpec.like")
    assert nt.TensorSpec({"a": None, "b": np.int64(2)}).shape == (None, 2)


def test_jit_static_argnames_are_validated():
    _raises(TypeError, lambda: nt.jit(_loss, static_argnames=3), "nt.jit", "static_argnames",
            "an int")
    _raises(TypeError, lambda: nt.jit(static_argnames=[3]), "nt.jit", "static_argnames", "int")
    _raises(nt.NamedTensorError, lambda: nt.jit(_loss, static_argnames="y"), "nt.jit(_loss)",
            "['y']", "['x']")
    f = nt.jit(lambda x, name: x.sum(name), static_argnames=["name"])
    assert f(_t({"a": 2, "b": 3}), name="b").names == ("a",)


def test_jit_arguments_on_different_devices_raise_device_mismatch():
    """Two host devices (XLA's flag must be set before JAX starts, so: a subprocess)."""
    script = textwrap.dedent("""
        import namedtensor as nt
        a = nt.ones({"x": 3}, device="cpu:0")
        b = nt.ones({"x": 3}, device="cpu:1")
        f = nt.jit(lambda a, b: a + b.sum())
        assert float(f(a, b.to("cpu:0")).sum()) == 12.0
        for call in (lambda: f(a, b), lambda: nt.jit(lambda d: d["p"] * d["q"])({"p": a, "q": b})):
            try:
                call()
            except nt.DeviceMismatchError as e:
                assert "cpu:0" in str(e) and "cpu:1" in str(e) and "nt.jit" in str(e), str(e)
            else:
                raise SystemExit("no DeviceMismatchError")
        try:  # a ValueError of the user's own stays the user's
            nt.jit(lambda a: int("x"))(a)
        except nt.NamedTensorError:
            raise SystemExit("a user ValueError became a NamedTensorError")
        except ValueError:
            pass
        print("ok")
    """)
    run_isolated(script, devices=2)


def test_control_flow_on_traced_values_is_left_to_the_tensor_and_jax():
    def f(x):
        return x * 2 if x.sum() > 0 else x  # Python `if` on a traced value: the user's code

    # nt.jit neither hides nor rewraps it: a TypeError (JAX's ConcretizationTypeError is one)
    with pytest.raises(TypeError):
        nt.jit(f)(_t({"a": 2}))
    with pytest.raises(jax.errors.ConcretizationTypeError):
        nt.jit(lambda x: x * 2 if x.data.sum() > 0 else x)(_t({"a": 2}))
