"""Transforms by name: grad, jit, vmap, scan, callback, benchmark."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import namedtensor as nt
from namedtensor.grad import check_grads, grad, jvp, value_and_grad, vjp
from namedtensor.testing import assert_allclose
from namedtensor.testing import strategies as nts


# --- gradients of every op family against jax.grad of the positional equivalent ----------
def _families(t, name, ids):
    """(named f, positional g) pairs, each returning a scalar."""
    axis = t.names.index(name)
    rest = tuple(n for n in t.names if n != name)
    return {
        "elementwise": (lambda x: (nt.tanh(x) * nt.exp(x * 0.1) + nt.sigmoid(x) ** 2).sum(),
                        lambda a: (jnp.tanh(a) * jnp.exp(a * 0.1) + jax.nn.sigmoid(a) ** 2).sum()),
        "reduction": (lambda x: (nt.logsumexp(x, name) ** 2).sum() + x.std(name).sum(),
                      lambda a: ((jax.nn.logsumexp(a, axis=axis) ** 2).sum()
                                 + a.std(axis=axis).sum())),
        "axiswise": (lambda x: (nt.softmax(x, name) * nt.cumsum(x, name)).sum(),
                     lambda a: (jax.nn.softmax(a, axis=axis) * jnp.cumsum(a, axis=axis)).sum()),
        "gather": (lambda x: (x[{name: ids}] ** 3).sum(),
                   lambda a: (jnp.take(a, ids.data, axis=axis) ** 3).sum()),
        "reshape": (lambda x: (x.flatten(list(reversed(x.names)), "m") *
                               nt.arange("m", t.size).astype("float32")).sum(),
                    lambda a: (jnp.transpose(a).reshape(-1) *
                               jnp.arange(t.size, dtype=jnp.float32)).sum()),
        "index": (lambda x: ((x[{name: 0}] * x[{name: -1}]).sum()
                             + x.align_to(*rest, name)[{name: slice(0, 1)}].sum()),
                  lambda a: (jnp.take(a, 0, axis=axis) * jnp.take(a, -1, axis=axis)).sum() +
                  jnp.take(a, jnp.arange(1), axis=axis).sum()),
    }


@pytest.mark.parametrize("family", ["elementwise", "reduction", "axiswise", "gather", "reshape",
                                    "index"])
@settings(max_examples=10)  # every new shape compiles a gradient: keep CI time in bounds
@given(data=st.data())
def test_gradients_match_positional_jax(family, data):
    t = data.draw(nts.named_tensors(min_rank=1, min_size=2))
    name = data.draw(st.sampled_from(t.names))
    # "gathered_index" has more than 8 chars: never a drawn name
    ids = nt.tensor(np.array([0, t.sizes[name] - 1, 0], np.int32), "gathered_index")
    f, g = _families(t, name, ids)[family]
    got = grad(f)(t)
    want = jax.grad(g)(t.data)
    assert got.names == t.names
    np.testing.assert_allclose(got.numpy(), np.asarray(want), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("family", ["elementwise", "reduction", "axiswise", "gather", "reshape"])
def test_gradients_match_finite_differences(family):
    t = nt.tensor(np.random.default_rng(0).uniform(-1, 1, (3, 4)).astype(np.float32), "a b")
    f, _ = _families(t, "b", nt.tensor(np.array([0, 3], np.int32), "k"))[family]
    check_grads(f, (t,), order=1, modes=("rev",), eps=1e-2, atol=5e-2, rtol=5e-2)


def test_second_order_and_decorators():
    @grad
    def d1(w):
        return (w ** 3).sum()

    d2 = grad(lambda w: d1(w).sum())
    w = nt.tensor([1.0, 2.0], "x")
    assert_allclose(d2(w), 6 * w)

    @grad(argnums=1, has_aux=True)
    def loss(x, w):
        y = (x * w).sum()
        return y, {"y": y}

    g, aux = loss(nt.ones({"x": 2}), w)
    assert g.names == ("x",) and float(aux["y"]) == 3.0


def test_value_and_grad_returns_the_value_as_returned():
    value, g = value_and_grad(lambda p: (p["w"] * p["b"]).sum())(
        {"w": nt.ones({"i": 2, "j": 3}), "b": nt.ones({"j": 3})})
    assert isinstance(value, nt.NamedTensor) and float(value) == 6.0
    assert g["w"].names == ("i", "j") and g["b"].names == ("j",)
    assert_allclose(g["b"], nt.full({"j": 3}, 2.0))
    value, _ = value_and_grad(lambda x: float(0) + jnp.sum(x.data))(nt.ones({"i": 2}))
    assert not isinstance(value, nt.NamedTensor) and float(value) == 2.0


def test_python_control_flow_on_values_under_grad():
    def f(x):
        if x.sum() > 0:
            return (x * x).sum()
        return -x.sum()

    assert grad(f)(nt.tensor([1.0, 2.0], "i")).tolist() == [2.0, 4.0]
    assert grad(f)(nt.tensor([-1.0, -2.0], "i")).tolist() == [-1.0, -1.0]


def test_grad_of_a_non_scalar_names_the_axes():
    with pytest.raises(nt.NamedTensorError, match=r"axes \(batch=2, feat=3\)"):
        grad(lambda x: x * 2)(nt.ones({"batch": 2, "feat": 3}))
    with pytest.raises(TypeError, match=r"\(i=2\) has dtype int32"):
        grad(lambda x: x.sum())(nt.tensor([1, 2], "i"))


def test_vjp_and_jvp_accept_any_axis_order():
    x = nt.tensor(np.arange(6.0, dtype=np.float32).reshape(2, 3), "a b")
    out, back = vjp(lambda t: t * t, x)
    (g,) = back(nt.ones({"b": 3, "a": 2}))
    assert_allclose(g, 2 * x)
    _, tangent = jvp(lambda t: (t * t).sum(), (x,), (x.align_to("b", "a"),))
    assert float(tangent) == pytest.approx(2 * float((x * x).sum()))
    with pytest.raises(nt.AxisNameError, match=r"vjp: .* started as \(a=2, b=3\) .*"
                                               r"lost \['b'\], gained \['c'\]"):
        back(nt.ones({"a": 2, "c": 3}))


# --- jit ---------------------------------------------------------------------------------
def test_jit_matches_eager_and_retraces_only_on_new_names():
    traces = []

    @nt.jit
    def f(x, w):
        traces.append(1)
        return nt.einsum("batch feat, feat hidden -> batch hidden", x, w).sum("hidden")

    x, w = nt.ones({"batch": 2, "feat": 3}), nt.ones({"feat": 3, "hidden": 4})
    assert_allclose(f(x, w), f.__wrapped__(x, w))
    f(x * 2, w)
    assert len(traces) == 2  # one eager call + one trace
    f(x.align_to("feat", "batch"), w)  # another layout: a new trace
    assert len(traces) == 3
    g = nt.jit(lambda t: t.sum())
    g(nt.ones({"a": 2}))
    g(nt.ones({"b": 2}))  # other names, same shape: must not reuse the trace blindly
    assert g(nt.ones({"a": 2})).names == ()
    assert "dot_general" in f.code(x, w)


def test_jit_static_argnames_and_errors_at_trace_time():
    f = nt.jit(lambda x, name: x.sum(name), static_argnames="name")
    assert f(nt.ones({"a": 2, "b": 3}), name="b").names == ("a",)
    with pytest.raises(nt.AxisNameError, match="did you mean 'b'"):
        f(nt.ones({"a": 2, "b": 3}), name="bb")


@given(nts.broadcastable(2))
def test_jit_equals_eager(pair):
    a, b = pair
    f = lambda x, y: nt.tanh(x * y + 1.0).sum()  # noqa: E731
    assert_allclose(nt.jit(f)(a, b), f(a, b), rtol=1e-5, atol=1e-5)


# --- vmap ----------------------------------------------------------------------------------
@given(data=st.data())
def test_vmap_matches_a_loop_with_stack(data):
    x, w = data.draw(nts.broadcastable(2, min_rank=1, max_rank=3))
    over = data.draw(st.sampled_from(x.names))
    if over in w.names:
        w = w.sum(over)  # w is broadcast, not mapped
    f = lambda row, w: nt.exp(row * 0.1) * w  # noqa: E731
    out = nt.vmap(f, over=over)(x, w)
    loop = nt.stack([f(x[{over: i}], w) for i in range(x.sizes[over])], over)
    assert out.names[0] == over
    assert_allclose(out, loop, rtol=1e-5, atol=1e-5)


def test_vmap_has_no_stale_names_and_nests():
    seen = []

    def f(row):
        seen.append(row.names)
        return row.sum("feat")

    x = nt.tensor(np.arange(24.0, dtype=np.float32).reshape(2, 3, 4), "batch seq feat")
    out = nt.vmap(nt.vmap(f, over="seq"), over="batch")(x)
    assert seen == [("feat",)] and out.names == ("batch", "seq")  # no stale names inside
    assert_allclose(out, x.sum("feat"))
    with pytest.raises(nt.AxisNameError, match="no input has an axis 'time'"):
        nt.vmap(f, over="time")(x)


def test_grad_through_vmap_and_vmap_of_grad():
    x = nt.tensor(np.arange(6.0, dtype=np.float32).reshape(2, 3), "batch feat")
    g = grad(lambda t: nt.vmap(lambda r: (r * r).sum(), over="batch")(t).sum())(x)
    assert_allclose(g, 2 * x)
    per_row = nt.vmap(grad(lambda r: (r ** 3).sum()), over="batch")(x)
    assert_allclose(per_row, 3 * x * x)


# --- scan ------------------------------------------------------------------------------
@given(data=st.data())
def test_scan_matches_a_python_loop(data):
    xs = data.draw(nts.named_tensors(min_rank=2, max_rank=3))
    over = data.draw(st.sampled_from(xs.names))
    carry_sizes = {n: s for n, s in xs.sizes.items() if n != over}
    init = nt.zeros(carry_sizes)

    def step(c, x):
        c = nt.tanh(c * 0.5 + x)
        return c, c.sum()

    carry, ys = nt.scan(step, init, xs, over=over)
    c, outs = init, []
    for i in range(xs.sizes[over]):
        c, y = step(c, xs[{over: i}])
        outs.append(y)
    assert_allclose(carry, c, rtol=1e-5, atol=1e-5)
    assert ys.names == (over,)
    assert_allclose(ys, nt.stack(outs, over), rtol=1e-5, atol=1e-5)


def test_scan_realigns_a_carry_returned_in_another_order():
    w = nt.ones({"input": 3, "hidden": 4}) * 0.1
    xs = nt.ones({"seq": 5, "batch": 2, "input": 3})

    def cell(h, x):  # returns (hidden, batch) for a (batch, hidden) carry
        new = nt.tanh(nt.einsum("batch input, input hidden -> hidden batch", x, w) + h)
        return new, new

    h, hs = nt.scan(cell, nt.zeros({"batch": 2, "hidden": 4}), xs, over="seq")
    assert h.names == ("batch", "hidden") and hs.names == ("seq", "hidden", "batch")


def test_scan_rejects_a_carry_that_changes_names_or_sizes():
    xs = nt.ones({"seq": 3, "feat": 2})
    with pytest.raises(nt.AxisNameError, match=r"lost \['feat'\], gained \['hidden'\]"):
        nt.scan(lambda c, x: (c.rename(feat="hidden"), x), nt.zeros({"feat": 2}), xs, over="seq")
    with pytest.raises(nt.AxisSizeError, match=r"resized \{'feat': \(2, 3\)\}"):  # sizes only
        nt.scan(lambda c, x: (nt.zeros({"feat": 3}), x), nt.zeros({"feat": 2}), xs, over="seq")
    with pytest.raises(nt.AxisNameError, match="must have the axis 'seq'"):
        nt.scan(lambda c, x: (c, x), nt.zeros({"feat": 2}), nt.ones({"feat": 2}), over="seq")


def test_grad_through_scan():
    xs = nt.tensor(np.linspace(-1, 1, 6, dtype=np.float32).reshape(3, 2), "seq feat")

    def loss(w):
        c, _ = nt.scan(lambda c, x: (nt.tanh(c * w + x), None), nt.zeros({"feat": 2}), xs,
                       over="seq")
        return c.sum()

    def loss_loop(w):
        c = nt.zeros({"feat": 2})
        for i in range(3):
            c = nt.tanh(c * w + xs[{"seq": i}])
        return c.sum()

    w = nt.tensor([0.5, -0.3], "feat")
    assert_allclose(grad(loss)(w), grad(loss_loop)(w), rtol=1e-5, atol=1e-6)


# --- callback ----------------------------------------------------------------------------
def _host_sort(t):
    assert t.backend == "numpy"
    return nt.tensor(np.sort(t.numpy(), axis=t.names.index("feat")), t.names, backend="numpy")


def test_callback_under_jit_and_vmap():
    x = nt.tensor([[3.0, 1.0, 2.0], [0.0, 5.0, 4.0]], "batch feat")
    spec = nt.TensorSpec.like(x)
    out = nt.jit(lambda t: nt.callback(_host_sort, spec, t))(x)
    assert out.tolist() == [[1.0, 2.0, 3.0], [0.0, 4.0, 5.0]]
    row_spec = nt.TensorSpec({"feat": 3})
    mapped = nt.vmap(lambda r: nt.callback(_host_sort, row_spec, r), over="batch")(x)
    assert_allclose(mapped, out)
    # a result in another axis order is realigned to the spec
    flipped = nt.callback(lambda t: t.align_to("feat", "batch"), spec, x)
    assert flipped.names == ("batch", "feat")
    assert_allclose(flipped, x)


def test_callback_of_the_wrong_shape_is_a_clear_error():
    x = nt.ones({"batch": 2, "feat": 3})
    with pytest.raises(Exception, match=r"nt\.callback: .* returned \(batch=2\) but result "
                                        r"says \(batch=2, feat=3\)"):
        jax.block_until_ready(nt.callback(lambda t: t.sum("feat"), nt.TensorSpec.like(x), x))


def test_benchmark_blocks_and_summarises():
    r = nt.benchmark(lambda t: nt.exp(t), nt.ones({"x": 1000}), warmup=1, repeat=7)
    assert len(r.times) == 7 and r.min <= r.median <= r.max
    assert "median" in str(r)


def test_benchmark_blocks_on_arrays_only(monkeypatch):
    blocked = []
    monkeypatch.setattr(jax, "block_until_ready", lambda x: blocked.append(x) or x)
    x = nt.ones({"x": 3})
    nt.benchmark(lambda: {"text": "a b", "n": 3, "np": np.zeros(2), "t": x}, warmup=1, repeat=2)
    assert len(blocked) == 3 and all(len(b) == 1 and b[0] is x.data for b in blocked)
    nt.benchmark(lambda: nt.explain("x, x ->", x, x), warmup=1, repeat=2)  # strings only
    assert len(blocked) == 3


def test_gradient_of_unstack_matches_indexing():
    x = nt.tensor(np.arange(12.0, dtype=np.float32).reshape(3, 4), "gate hidden")
    weights = nt.tensor([1.0, 2.0, 3.0], "k")

    def by_unstack(t):
        return sum(nt.tanh(p).sum() * weights[{"k": k}] for k, p in enumerate(t.unstack("gate")))

    def by_index(t):
        return sum(nt.tanh(t[{"gate": k}]).sum() * weights[{"k": k}] for k in range(3))

    assert_allclose(grad(by_unstack)(x), grad(by_index)(x), rtol=1e-6)


def test_scan_without_xs_runs_length_steps():
    carry, ys = nt.scan(lambda c, x: (c * 2.0, c.sum()), nt.ones({"a": 2}), None, over="step",
                        length=3)
    assert carry.tolist() == [8.0, 8.0] and ys.names == ("step",) and ys.tolist() == [2.0, 4.0, 8.0]


def test_vmap_maps_keyword_arguments_too():
    x = nt.tensor([[1.0, 2.0], [3.0, 4.0]], "batch feat")
    out = nt.vmap(lambda row, w: (row * w).sum(), over="batch")(x, w=nt.tensor([10.0, 1.0], "feat"))
    assert out.names == ("batch",) and out.tolist() == [12.0, 34.0]
