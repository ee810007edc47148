"""Creation functions: *_like, one_hot, backend= on every constructor, nt.use_backend
(per thread, per block), nt.load(backend=None) under it, nt.from_xarray(names=)."""

import os
import tempfile
import threading

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import namedtensor as nt
from _helpers import raises
from namedtensor.testing import strategies as nts

VALUE = 12345.678


# --- *_like ------------------------------------------------------------------------------
@settings(max_examples=20)
@given(t=nts.named_tensors(backend=["jax", "numpy"]),
       fn=st.sampled_from(["zeros_like", "ones_like", "full_like"]),
       dtype=st.sampled_from([None, "float32", "int32", "bool"]))
def test_like_keeps_names_sizes_backend_device(t, fn, dtype):
    args = (t, 3) if fn == "full_like" else (t,)
    out = getattr(nt, fn)(*args, dtype=dtype)
    assert out.names == t.names and out.sizes == t.sizes
    assert out.backend == t.backend and out.device == t.device
    assert out.dtype == (t.dtype if dtype is None else np.dtype(dtype))
    oracle = {"zeros_like": np.zeros_like, "ones_like": np.ones_like,
              "full_like": lambda a, dtype: np.full_like(a, 3, dtype=dtype)}[fn]
    np.testing.assert_array_equal(out.numpy(), oracle(t.numpy(), dtype=out.dtype))


def test_like_backend_and_device_overrides(backend):
    t = nt.tensor(np.ones((2, 3), np.int32), "a b", backend=backend)
    other = "numpy" if backend == "jax" else "jax"
    out = nt.zeros_like(t, backend=other)
    assert out.backend == other and out.names == ("a", "b")
    assert nt.ones_like(t, device="cpu").device.startswith("cpu")


def test_like_inside_jit_and_under_use_backend():
    x = nt.ones({"a": 2, "b": 3})
    out = nt.jit(lambda x: nt.full_like(x, 2.0) * x)(x)
    assert out.names == ("a", "b") and out.numpy().tolist() == [[2.0] * 3] * 2
    with nt.use_backend("numpy"):
        assert nt.zeros_like(x).backend == "jax"  # a tensor in: its backend out


def test_like_bad_input(backend):
    t = nt.tensor(np.full((2,), VALUE, np.float32), "a", backend=backend)
    ti = nt.tensor(np.array([1, 2], np.int32), "a", backend=backend)
    raises(TypeError, lambda: nt.zeros_like(np.zeros(2)), "nt.zeros_like", "NamedTensor")
    raises(TypeError, lambda: nt.ones_like(t, dtype=object), "nt.ones_like", "dtype")
    raises(nt.NamedTensorError, lambda: nt.full_like(ti, 1.5), "nt.full_like", "whole number")
    raises(nt.NamedTensorError, lambda: nt.full_like(ti, 2**40), "nt.full_like", "int32")
    raises(TypeError, lambda: nt.full_like(t, "x"), "nt.full_like", "value")
    raises(nt.NamedTensorError, lambda: nt.zeros_like(t, backend="torch"), "nt.zeros_like",
           "torch")


# --- one_hot -----------------------------------------------------------------------------
@settings(max_examples=25)
@given(ids=nts.named_tensors(dtype="int32", elements=st.integers(-2, 6),
                             backend=["jax", "numpy"]),
       size=st.integers(0, 5), dtype=st.sampled_from(["float32", "int8", "bool"]))
def test_one_hot_matches_numpy(ids, size, dtype):
    name = "cls"
    if name in ids.names:
        return
    out = nt.one_hot(ids, name, size, dtype)
    assert out.names == ids.names + (name,) and out.backend == ids.backend
    assert out.dtype == np.dtype(dtype)
    expected = (ids.numpy()[..., None] == np.arange(size)).astype(dtype)
    np.testing.assert_array_equal(out.numpy(), expected)


def test_one_hot_backend_jit_and_order(backend):
    ids = nt.tensor([[0, 1, 2]], "batch seq", backend=backend)
    other = "numpy" if backend == "jax" else "jax"
    assert nt.one_hot(ids, "v", 3, backend=other).backend == other
    permuted = nt.one_hot(ids.align_to("seq", "batch"), "v", 3)
    assert (permuted.align_to("batch", "seq", "v").numpy() ==
            nt.one_hot(ids, "v", 3).numpy()).all()
    if backend == "jax":
        out = nt.jit(lambda i: nt.one_hot(i, "v", 3))(ids)
        assert out.names == ("batch", "seq", "v") and float(out.sum()) == 3.0


def test_one_hot_bad_input(backend):
    ids = nt.tensor(np.array([1, 2], np.int32), "a", backend=backend)
    f = nt.tensor(np.array([VALUE], np.float32), "a", backend=backend)
    raises(TypeError, lambda: nt.one_hot([1, 2], "v", 3), "nt.one_hot", "NamedTensor")
    raises(TypeError, lambda: nt.one_hot(f, "v", 3), "nt.one_hot", "integer", "float32")
    raises(nt.AxisNameError, lambda: nt.one_hot(ids, "a", 3), "nt.one_hot", "already", "'a'")
    raises(nt.AxisNameError, lambda: nt.one_hot(ids, "1v", 3), "nt.one_hot")
    raises(TypeError, lambda: nt.one_hot(ids, 3, "v"), "nt.one_hot", "name")
    raises(nt.NamedTensorError, lambda: nt.one_hot(ids, "v", -1), "nt.one_hot", "size")
    raises(TypeError, lambda: nt.one_hot(ids, "v", 2.0), "nt.one_hot", "size")
    raises(nt.AxisSizeError, lambda: nt.one_hot(ids, "v", 2**62), "nt.one_hot")


# --- backend= and use_backend ----------------------------------------------------------
CONSTRUCTORS = {
    "zeros": lambda **kw: nt.zeros({"a": 2}, **kw),
    "ones": lambda **kw: nt.ones({"a": 2}, **kw),
    "full": lambda **kw: nt.full({"a": 2}, 1.5, **kw),
    "arange": lambda **kw: nt.arange("a", 3, **kw),
    "linspace": lambda **kw: nt.linspace("a", 0.0, 1.0, 3, **kw),
    "tensor": lambda **kw: nt.tensor([1.0, 2.0], "a", **kw),
    "from_numpy": lambda **kw: nt.from_numpy(np.zeros(2), "a", **kw),
}


@pytest.mark.parametrize("make", CONSTRUCTORS.values(), ids=list(CONSTRUCTORS))
def test_every_constructor_takes_backend_and_follows_use_backend(make, backend):
    assert make(backend=backend).backend == backend
    assert make().backend == "jax"
    with nt.use_backend(backend):
        assert make().backend == backend
        other = "numpy" if backend == "jax" else "jax"
        assert make(backend=other).backend == other  # an explicit backend= wins
    assert make().backend == "jax"


def test_use_backend_nests_restores_and_decorates():
    with nt.use_backend("numpy"):
        with nt.use_backend("jax"):
            assert nt.zeros({"a": 1}).backend == "jax"
        assert nt.zeros({"a": 1}).backend == "numpy"
    with pytest.raises(KeyError):
        with nt.use_backend("numpy"):
            raise KeyError("restored on error too")
    assert nt.zeros({"a": 1}).backend == "jax"

    @nt.use_backend("numpy")
    def build():
        return nt.ones({"a": 1})

    assert build().backend == "numpy" and build().backend == "numpy"
    assert nt.ones({"a": 1}).backend == "jax"
    # random stays JAX
    with nt.use_backend("numpy"):
        assert nt.random.normal(nt.random.key(0), {"a": 2}).backend == "jax"


def test_use_backend_is_per_thread():
    barrier = threading.Barrier(2, timeout=30)
    seen, errors = {}, []

    def worker(backend):
        try:
            with nt.use_backend(backend):
                barrier.wait()  # both blocks are open at once
                got = [nt.zeros({"a": 2}).backend for _ in range(20)]
                barrier.wait()
            seen[backend] = (set(got), nt.zeros({"a": 1}).backend)
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(b,)) for b in ("numpy", "jax")]
    with nt.use_backend("numpy"):  # the main thread's block does not leak into new threads
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert not errors, errors
    assert seen == {"numpy": ({"numpy"}, "jax"), "jax": ({"jax"}, "jax")}


def test_load_follows_use_backend():
    path = os.path.join(tempfile.mkdtemp(), "w.safetensors")
    nt.save(path, {"w": nt.ones({"a": 2}), "n": np.arange(2, dtype=np.int32)})
    assert nt.load(path)["w"].backend == "jax"
    template = {"w": nt.ones({"a": 2}), "n": np.zeros(2, np.int32)}
    with nt.use_backend("numpy"):
        assert nt.load(path)["w"].backend == "numpy"
        assert nt.load(path, backend="jax")["w"].backend == "jax"
        spec = {"w": nt.TensorSpec({"a": 2}), "n": np.zeros(2, np.int32)}
        assert nt.load(path, like=spec)["w"].backend == "numpy"
        assert nt.load(path, like=template)["w"].backend == "jax"  # the template's own


def test_use_backend_bad_input():
    raises(nt.NamedTensorError, lambda: nt.use_backend("torch"), "nt.use_backend", "torch")
    raises(TypeError, lambda: nt.use_backend(None), "nt.use_backend")
    raises(TypeError, lambda: nt.use_backend(1), "nt.use_backend")


# --- from_xarray(names=) -------------------------------------------------------------------
def test_from_xarray_renames(backend):
    xr = pytest.importorskip("xarray")
    da = xr.DataArray(np.arange(6.0).reshape(2, 3), dims=("lat-deg", "time"),
                      coords={"time": [1, 2, 3]}, attrs={"units": "K"})
    t = nt.from_xarray(da, names={"lat-deg": "lat"}, backend=backend)
    assert t.names == ("lat", "time") and t.backend == backend
    np.testing.assert_array_equal(t.numpy(), da.values)
    assert nt.from_xarray(da, names="y x").names == ("y", "x")
    assert nt.from_xarray(da, names=["y", "x"]).names == ("y", "x")
    with nt.use_backend(backend):
        assert nt.from_xarray(da, {"lat-deg": "lat"}).backend == backend


def test_from_xarray_bad_input():
    xr = pytest.importorskip("xarray")
    da = xr.DataArray(np.full((2, 3), VALUE), dims=("lat-deg", "time"))
    raises(nt.AxisNameError, lambda: nt.from_xarray(da), "nt.from_xarray", "'lat-deg'", "names=")
    raises(nt.AxisNameError, lambda: nt.from_xarray(da, names={"lat_deg": "lat"}),
           "nt.from_xarray", "'lat_deg'", "did you mean")
    raises(nt.AxisNameError, lambda: nt.from_xarray(da, names={"lat-deg": "a-b"}),
           "nt.from_xarray", "'a-b'")
    raises(TypeError, lambda: nt.from_xarray(da, names={"lat-deg": 1}), "nt.from_xarray")
    raises(nt.AxisNameError, lambda: nt.from_xarray(da, names="a"), "nt.from_xarray",
           "one per dim")
    raises(nt.AxisNameError, lambda: nt.from_xarray(da, names={"lat-deg": "time"}),
           "nt.from_xarray", "time")
    raises(TypeError, lambda: nt.from_xarray(da, names=3), "nt.from_xarray")
    raises(TypeError, lambda: nt.from_xarray(np.zeros(2)), "nt.from_xarray", "DataArray")


def test_like_keeps_a_sharded_layout():
    from _helpers import run_isolated
    run_isolated("""
import namedtensor as nt
m = nt.mesh({"data": 2})
t = nt.shard(nt.ones({"batch": 4, "feat": 3}), m, {"batch": "data"})
z = nt.zeros_like(t)
assert z.sharding_rules == {"batch": "data"} and z.device == t.device, (z.sharding_rules, z.device)
assert nt.ones_like(nt.ones({"a": 2}).to("cpu:1")).device == "cpu:1"
print("ok")
""", devices=2)


def test_one_hot_moving_ids_onto_jax_never_wraps():
    # NumPy int64 ids beyond int32 would wrap into range on JAX (2**40 -> 0): refused
    ids = nt.tensor(np.array([2**40, 1], np.int64), "batch", backend="numpy")
    raises(nt.NamedTensorError, lambda: nt.one_hot(ids, "vocab", 3, backend="jax"),
           "nt.one_hot", "int32")
    assert nt.one_hot(ids, "vocab", 3).tolist() == [[0.0, 0.0, 0.0], [0.0, 1.0, 0.0]]
