"""Creating, looking at and converting NamedTensors; pytree behaviour; edge cases."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given

import _oracle as oracle
import namedtensor as nt
from namedtensor.testing import assert_allclose
from namedtensor.testing import strategies as nts


def test_tensor_from_list_string_and_sequence_names(backend):
    t = nt.tensor([[1.0, 2.0, 3.0]], "batch feat", backend=backend)
    u = nt.tensor([[1.0, 2.0, 3.0]], ["batch", "feat"], backend=backend)
    assert t.names == u.names == ("batch", "feat")
    assert t.sizes == {"batch": 1, "feat": 3}
    assert t.shape == (1, 3) and t.ndim == 2 and t.size == 3
    assert t.backend == backend
    assert isinstance(t.dtype, np.dtype)
    assert isinstance(t.data, np.ndarray if backend == "numpy" else jax.Array)


def test_default_backend_is_jax_and_float32():
    t = nt.tensor([1.0, 2.0], "x")
    assert t.backend == "jax" and t.dtype == np.float32
    assert nt.tensor([1, 2], "x", dtype="float32").dtype == np.float32


def test_constructors(backend):
    z = nt.zeros({"a": 2, "b": 3}, backend=backend)
    assert z.sizes == {"a": 2, "b": 3} and z.dtype == np.float32
    np.testing.assert_array_equal(z.numpy(), np.zeros((2, 3)))
    np.testing.assert_array_equal(nt.ones({"a": 2}, backend=backend).numpy(), np.ones(2))
    f = nt.full({"a": 2, "b": 1}, 7, backend=backend)
    assert f.sizes == {"a": 2, "b": 1} and f.tolist() == [[7], [7]]
    assert nt.full({"a": 2}, 1.5, dtype="float32", backend=backend).tolist() == [1.5, 1.5]
    assert nt.arange("x", 4, backend=backend).tolist() == [0, 1, 2, 3]
    assert nt.arange("x", 2, 9, 3, backend=backend).tolist() == [2, 5, 8]
    np.testing.assert_allclose(nt.linspace("t", 0, 1, 5, backend=backend).numpy(),
                               np.linspace(0, 1, 5), rtol=1e-6)


def test_from_numpy_copies_on_jax_and_shares_on_numpy():
    a = np.zeros((2, 3))
    j = nt.from_numpy(a, "r c")
    n = nt.from_numpy(a, "r c", backend="numpy")
    a[0, 0] = 5.0
    assert j.numpy()[0, 0] == 0.0
    assert n.numpy()[0, 0] == 5.0


def test_numpy_view_is_zero_copy_and_read_only_on_cpu():
    t = nt.tensor(np.arange(6.0, dtype=np.float32).reshape(2, 3), "a b")
    view = np.asarray(t)
    assert view.dtype == np.float32 and view.shape == (2, 3)
    assert not view.flags.writeable
    again = np.asarray(t)
    assert np.shares_memory(view, again)  # no copy per conversion
    assert np.asarray(t, dtype=np.float64).dtype == np.float64
    assert np.array(t).dtype != object


def test_scalar_conversions():
    t = nt.tensor(2.5, ())
    assert float(t) == 2.5 and t.item() == 2.5 and t.tolist() == 2.5
    assert int(nt.tensor(3, ())) == 3 and bool(nt.tensor(True, ()))
    assert [10, 20, 30][nt.tensor(1, ())] == 20


def test_astype_and_to():
    t = nt.tensor([1.7, -2.2], "x")
    assert t.astype("int32").dtype == np.int32
    assert t.to("cpu").device == "cpu:0" == t.device
    assert t.to(jax.devices()[0]).device == "cpu:0"
    assert nt.tensor([1.0], "x", backend="numpy").device == "cpu"
    assert "cpu:0" in nt.devices() and nt.default_device() == "cpu:0"


def test_repr_shows_names_sizes_dtype_device_and_survives_jit():
    t = nt.tensor([[1.0, 2.0]], "batch feat")
    text = repr(t)
    assert text.startswith("NamedTensor(batch=1, feat=2, dtype=float32, device=cpu:0)")
    big = repr(nt.zeros({"a": 100, "b": 100}))
    assert "..." in big and len(big) < 2000
    seen = []

    @jax.jit
    def f(x):
        seen.append(repr(x))
        return x * 2

    f(t)
    assert "<traced>" in seen[0] and "batch=1" in seen[0]


def test_is_a_pytree_that_jax_transforms_accept():
    t = nt.tensor([1.0, 2.0, 3.0], "x")
    leaves, treedef = jax.tree_util.tree_flatten({"w": t})
    assert len(leaves) == 1 and isinstance(leaves[0], jax.Array)
    assert jax.tree_util.tree_unflatten(treedef, leaves)["w"].names == ("x",)
    out = jax.jit(lambda u: (u * u).sum())(t)
    assert isinstance(out, nt.NamedTensor) and out.names == () and float(out) == 14.0
    g = jax.grad(lambda u: (u * u).sum().data)(t)
    assert g.names == ("x",)
    np.testing.assert_allclose(g.numpy(), [2.0, 4.0, 6.0])
    assert jax.tree_util.tree_map(lambda x: x + 1, t).names == ("x",)


@given(nts.named_tensors(backend=("jax", "numpy")))
def test_numpy_round_trip(t):
    back = nt.tensor(t.numpy(), t.names, backend=t.backend)
    assert_allclose(back, t, rtol=0)
    assert np.asarray(t).shape == t.shape


def test_zero_d_tensors(backend):
    s = nt.tensor(3.0, (), backend=backend)
    assert s.names == () and s.shape == () and s.size == 1 and s.sizes == {}
    assert float(nt.exp(s * 0)) == 1.0
    assert float(s.sum()) == 3.0 and s.sum(()).names == ()
    assert float(nt.einsum(" -> ", s)) == 3.0


def test_size_zero_axes(backend):
    e = nt.zeros({"batch": 0, "feat": 3}, backend=backend)
    assert e.size == 0 and e.sizes == {"batch": 0, "feat": 3}
    assert (e + nt.ones({"feat": 3}, backend=backend)).sizes == {"batch": 0, "feat": 3}
    np.testing.assert_array_equal(e.sum("batch").numpy(), np.zeros(3))
    assert e.mean("feat").sizes == {"batch": 0}
    assert e.flatten(["batch", "feat"], "x").sizes == {"x": 0}
    assert nt.einsum("batch feat, feat -> batch", e,
                     nt.ones({"feat": 3}, backend=backend)).sizes == {"batch": 0}
    assert e[{"batch": slice(0, 0)}].sizes == {"batch": 0, "feat": 3}
    assert e.max("feat").sizes == {"batch": 0}


def test_thirty_plus_axes(backend):
    names = [f"axis_{i}" for i in range(34)]
    rng = np.random.default_rng(0)
    values = rng.standard_normal([2 if i % 5 == 0 else 1 for i in range(34)]).astype(np.float32)
    t = nt.tensor(values, names, backend=backend)
    r = t.align_to(*reversed(names))
    oracle.check(t + r, oracle.elementwise(np.add, t, r))
    oracle.check(t.sum(names[::3]), oracle.reduce(np.sum, t, names[::3]))
    assert r.flatten(names, "all").sizes == {"all": values.size}
    assert_allclose(nt.einsum("-> " + " ".join(names[::-1]), t), r)


def test_random_constructors_are_keyed_and_named():
    k1, k2 = nt.random.split(nt.random.key(0))
    n = nt.random.normal(k1, {"a": 100, "b": 50})
    assert n.sizes == {"a": 100, "b": 50} and n.dtype == np.float32
    assert abs(float(n.mean())) < 0.1 and abs(float(n.std()) - 1) < 0.1
    assert_allclose(nt.random.normal(k1, {"a": 100, "b": 50}), n, rtol=0)
    u = nt.random.uniform(k2, {"x": 1000}, low=2.0, high=3.0)
    assert 2.0 <= float(u.min()) and float(u.max()) < 3.0
    r = nt.random.randint(k2, {"x": 1000}, 0, 5)
    assert r.dtype == np.int32 and set(np.unique(r.numpy())) <= set(range(5))
    p = nt.tensor([0.0, 1.0], "col")
    b = nt.random.bernoulli(k1, p, {"row": 20, "col": 2})
    assert b.names == ("row", "col") and b.dtype == np.bool_
    assert not b[{"col": 0}].any() and b[{"col": 1}].all()


def test_xarray_round_trip():
    xr = pytest.importorskip("xarray")
    t = nt.tensor(np.arange(6.0).reshape(2, 3), "a b")
    da = t.to_xarray()
    assert isinstance(da, xr.DataArray) and da.dims == ("a", "b")
    back = nt.from_xarray(da.transpose("b", "a"))
    assert back.names == ("b", "a")
    assert_allclose(back, t)


def test_positional_arrays_are_rejected_with_the_fix():
    t = nt.tensor([1.0, 2.0], "x")
    for positional in (np.ones(2), jnp.ones(2)):
        with pytest.raises(TypeError, match=r"nt\.tensor\(x, names\)"):
            t + positional
        with pytest.raises(TypeError, match=r"nt\.tensor\(x, names\)"):
            positional + t
    assert float((t + np.float32(1.0)).sum()) == 5.0  # 0-d arrays and scalars broadcast
    assert float((t + jnp.ones(())).sum()) == 5.0


def test_tensors_on_different_devices_raise_device_mismatch(tmp_path):
    """Two host devices (XLA's flag must be set before JAX starts, so: a subprocess)."""
    import textwrap

    from _helpers import run_isolated

    script = textwrap.dedent("""
        import namedtensor as nt
        a = nt.ones({"x": 3}, device="cpu:0")
        b = nt.ones({"x": 3}, device="cpu:1")
        assert (a.device, b.device) == ("cpu:0", "cpu:1"), (a.device, b.device)
        assert float((a + b.to("cpu:0")).sum()) == 6.0
        for op in (lambda: a + b, lambda: nt.where(a > 0, a, b)):
            try:
                op()
            except nt.DeviceMismatchError as e:
                assert "cpu:0" in str(e) and "cpu:1" in str(e), str(e)
            else:
                raise SystemExit("no DeviceMismatchError")
        print("ok")
    """)
    run_isolated(script, devices=2)


def test_a_named_tensor_as_data_is_matched_by_name():
    t = nt.tensor(np.arange(6.0).reshape(2, 3), "a b")
    u = nt.tensor(t, "b a")  # the given order is the stored order; values follow names
    assert u.names == ("b", "a")
    np.testing.assert_array_equal(np.asarray(u.data), np.arange(6.0).reshape(2, 3).T)
    for bad in ("x y", "a", "a b c"):
        with pytest.raises(nt.AxisNameError, match="rename"):
            nt.tensor(t, bad)
