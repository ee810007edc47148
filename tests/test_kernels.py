"""Eager kernels: a named op is one cached call, inlined when traced, and computes what
NumPy computes, eagerly, under grad and under jit."""

import logging

import jax
import jax.numpy as jnp
import numpy as np
from hypothesis import given
from hypothesis import strategies as st

import namedtensor as nt
from namedtensor._shape import SMALL_AXIS
from namedtensor.grad import grad
from namedtensor.testing import strategies as nts


def _everything(x, w, bias, ids):
    """One of each op that runs as a kernel: einsum, broadcast, unstack, split, int and
    slice indexing, a gather, flatten, reductions, softmax, where and clip."""
    h = nt.einsum("batch d, d gate h -> batch gate h", x, w) + bias
    i, f = h.unstack("gate")
    a, b = h.split("h", [1, 2])
    g = h[{"gate": 1, "h": slice(0, 2)}].flatten(["h"], "flat")
    out = nt.softmax(i * f, "h").sum("h") + a.sum(["gate", "h"]) + b.max(["gate", "h"])
    out = out + g.mean("flat") + h[{"batch": ids}].sum()
    return nt.where(out > 0, nt.clip(out, -1.0, 1.0), out).sum()


def _inputs():
    rng = np.random.default_rng(0)
    x = nt.tensor(rng.standard_normal((4, 5)).astype(np.float32), "batch d")
    w = nt.tensor(rng.standard_normal((5, 2, 3)).astype(np.float32), "d gate h")
    bias = nt.tensor(rng.standard_normal((3, 2)).astype(np.float32), "h gate")
    ids = nt.tensor([3, 0], "pick")
    return x, w, bias, ids


def _calls(jaxpr):
    """The names of the nested calls (jit/pjit/closed_call) anywhere in a jaxpr."""
    found = []
    for eqn in jaxpr.eqns:
        if eqn.primitive.name in ("jit", "pjit", "closed_call", "core_call"):
            found.append(eqn.params.get("name", eqn.primitive.name))
        for value in eqn.params.values():
            inner = getattr(value, "jaxpr", value)  # a ClosedJaxpr, or a Jaxpr
            if hasattr(inner, "eqns"):
                found += _calls(inner)
    return found


# jax.numpy's own where is a jit that is not inlined, in raw JAX code too
JAX_OWN = {"_where"}


def test_kernels_are_inlined_into_traced_programs():
    """Under jit and grad the kernels leave no nested call: the program is the one the
    ops would give without them, and XLA fuses across op boundaries."""
    args = _inputs()
    assert set(_calls(jax.make_jaxpr(_everything)(*args).jaxpr)) <= JAX_OWN
    traced_grad = jax.make_jaxpr(grad(_everything, argnums=(0, 1, 2)))(*args)
    assert set(_calls(traced_grad.jaxpr)) <= JAX_OWN
    assert set(_calls(jax.make_jaxpr(lambda x: jax.numpy.where(x > 0, x, 0))(
        args[0].data).jaxpr)) == JAX_OWN  # the raw call nests it too


def test_first_and_later_traces_give_the_same_program():
    """A kernel's first traced use runs its body in place, later ones the compiled call:
    both give the same program (and t ** 2 stays lax.integer_pow, as in jax.numpy)."""
    nt.clear_caches()  # fresh kernels: the first trace below runs their bodies in place
    args = _inputs()
    f = grad(_everything, argnums=(0, 1, 2))
    first, later = (str(jax.make_jaxpr(f)(*args)) for _ in range(2))
    assert first == later
    for _ in range(2):
        square = jax.make_jaxpr(lambda t: t ** 2)(args[0])
        assert [e.primitive.name for e in square.jaxpr.eqns] == ["integer_pow"]


def test_eager_grad_and_jit_agree_with_each_other():
    args = _inputs()
    eager = float(_everything(*args))
    assert abs(float(nt.jit(_everything)(*args)) - eager) < 1e-5
    numpy_args = [nt.tensor(a.numpy(), a.names, backend="numpy") for a in args]
    assert abs(float(_everything(*numpy_args)) - eager) < 1e-5
    g_eager = grad(_everything, argnums=(0, 1, 2))(*args)
    g_jit = nt.jit(grad(_everything, argnums=(0, 1, 2)))(*args)
    for a, b in zip(g_eager, g_jit):
        assert a.names == b.names
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-6)


def test_indexing_every_position_compiles_once(caplog):
    """Positions are arguments of one compiled call: a loop over positions, over windows
    of one length and over strided, reversed windows compiles nothing after the first."""
    xs = nt.tensor(np.arange(24 * 3, dtype=np.float32).reshape(24, 3), "seq feat")

    def select(i):
        return (xs[{"seq": i}], xs[{"seq": slice(i, i + 4)}],
                xs[{"seq": slice(i + 6, i, -2), "feat": slice(None, None, -1)}])

    select(0)  # the first of each compiles
    with caplog.at_level(logging.WARNING), jax.log_compiles():
        for i in range(1, 18):
            got = select(i)
    want = xs.numpy()
    for out, expected in zip(got, (want[17], want[17:21], want[23:17:-2, ::-1])):
        np.testing.assert_array_equal(out.numpy(), expected)
    compiles = [r for r in caplog.records if "Compiling" in r.getMessage()]
    assert compiles == [], [r.getMessage()[:120] for r in compiles]


def _slices(size):
    """Any slice of an axis of ``size``, steps negative too, bounds in and out of range."""
    bound = st.none() | st.integers(-size - 2, size + 2)
    step = st.none() | st.integers(-3, 3).filter(lambda s: s != 0)
    return st.builds(slice, bound, bound, step)


@given(data=st.data())
def test_indexing_eager_jit_and_grad_against_numpy(data):
    # sizes past SMALL_AXIS too: positions as arguments, and as constants of the plan
    t = data.draw(nts.named_tensors(backend="jax", min_rank=1, max_rank=3, min_size=0,
                                    max_size=2 * SMALL_AXIS))
    keys = data.draw(st.lists(st.sampled_from(t.names), min_size=1, unique=True))
    index, np_index = {}, [slice(None)] * t.ndim
    for n in keys:
        size = t.sizes[n]
        key = data.draw(st.integers(-size, size - 1) | _slices(size)) if size else \
            data.draw(_slices(size))
        index[n] = np_index[t.names.index(n)] = key
    want = t.numpy()[tuple(np_index)]
    np.testing.assert_array_equal(t[index].numpy(), want)
    np.testing.assert_array_equal(nt.jit(lambda u: u[index])(t).numpy(), want)
    np.testing.assert_array_equal(
        nt.tensor(t.numpy(), t.names, backend="numpy")[index].numpy(), want)
    # the gradient of a sum of selected elements is 1 where they were taken (slices never
    # take an element twice): NumPy's own index says where
    mask = np.zeros(t.shape, np.float32)
    mask[tuple(np_index)] = 1.0
    g = grad(lambda u: u[index].sum())(t)
    assert g.names == t.names
    np.testing.assert_array_equal(g.numpy(), mask)


@given(data=st.data())
def test_unstack_split_flatten_under_grad_against_numpy(data):
    t = data.draw(nts.named_tensors(backend="jax", min_rank=2, min_size=1))
    name = data.draw(st.sampled_from(t.names))
    weights = np.arange(1, t.sizes[name] + 1, dtype=np.float32)

    def loss(u):  # each slice weighted by its position: the gradient says which is which
        return sum(p.sum() * float(w) for p, w in zip(u.unstack(name), weights))

    g = grad(loss)(t)
    axis = t.names.index(name)
    want = np.broadcast_to(weights.reshape([-1 if a == axis else 1 for a in range(t.ndim)]),
                           t.shape)
    np.testing.assert_array_equal(g.numpy(), want)
    merged = [n for n in t.names if n != name]
    flat = t.flatten(merged, "flat")
    np.testing.assert_array_equal(
        flat.align_to(name, "flat").numpy(),
        np.moveaxis(t.numpy(), axis, 0).reshape(t.sizes[name], -1))
    assert jnp.allclose(nt.jit(lambda u: u.flatten(merged, "flat"))(t).data, flat.data)
