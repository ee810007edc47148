"""nt.save / nt.load / nt.load_metadata: round trips on both backends against the data
that went in (NumPy is the oracle), like= templates, safetensors interoperability, atomic
writes and bad arguments. Hostile files are in test_hostile_files.py."""

import os

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
import safetensors
import safetensors.numpy
from hypothesis import given, settings
from hypothesis import strategies as st

import namedtensor as nt
from _helpers import raises, run_isolated
from namedtensor.testing import strategies as nts

NATIVE = ["bool", "uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32", "int64",
          "float16", "float32", "float64", "complex64"]
ML = ["bfloat16", "float8_e4m3fn", "float8_e5m2"]  # no NumPy type: ml_dtypes
WIDE = {"uint64", "int64", "float64"}  # 64-bit: the jax backend needs x64 to hold them


def _values(dtype, shape, seed=0):
    rng = np.random.default_rng(seed)
    dtype = np.dtype(jnp.dtype(dtype))
    if dtype.kind == "b":
        return rng.random(shape) < 0.5
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        return rng.integers(info.min, info.max, size=shape, dtype=dtype, endpoint=True)
    return (rng.standard_normal(shape) * 4).astype(dtype)


def _same(loaded, original_names, original_data):
    """``loaded`` is a NamedTensor equal, bit for bit after alignment, to the original."""
    assert isinstance(loaded, nt.NamedTensor)
    assert set(loaded.names) == set(original_names)
    order = [loaded.names.index(n) for n in original_names]
    got = np.transpose(np.asarray(loaded.data), order)
    want = np.asarray(original_data)
    assert got.dtype == want.dtype and got.shape == want.shape
    assert got.tobytes() == want.tobytes()


# --- round trips ---------------------------------------------------------------------
@pytest.mark.parametrize("dtype", NATIVE + ML)
def test_every_dtype_round_trips_on_numpy(dtype, tmp_path):
    data = _values(dtype, (2, 3))
    t = nt.tensor(data, "a b'", backend="numpy")
    nt.save(tmp_path / "t.safetensors", {"x": t, "empty": nt.tensor(data[:0], "a b'",
                                                                     backend="numpy")})
    out = nt.load(tmp_path / "t.safetensors", backend="numpy")
    _same(out["x"], ("a", "b'"), data)
    _same(out["empty"], ("a", "b'"), data[:0])
    assert isinstance(out["x"].data, np.ndarray)


@pytest.mark.parametrize("dtype", [d for d in NATIVE + ML if d not in WIDE])
def test_every_dtype_round_trips_on_jax(dtype, tmp_path):
    data = _values(dtype, (4,))
    nt.save(tmp_path / "t.safetensors", nt.tensor(data, "k"))
    out = nt.load(tmp_path / "t.safetensors")
    assert isinstance(out.data, jax.Array)
    _same(out, ("k",), data)


def test_wide_dtypes_follow_x64(tmp_path):
    path = tmp_path / "wide.safetensors"
    nt.save(path, {d: nt.tensor(_values(d, (2,)), "a", backend="numpy") for d in WIDE})
    raises(nt.FormatError, lambda: nt.load(path), "nt.load", str(path), "x64",
           "backend='numpy'")
    run_isolated(f"""
import jax; jax.config.update("jax_enable_x64", True)
import numpy as np, namedtensor as nt
out = nt.load({str(path)!r})
for d in {sorted(WIDE)!r}:
    assert out[d].dtype == np.dtype(d) and isinstance(out[d].data, jax.Array), d
print("ok")
""")


@settings(max_examples=25)
@given(st.data())
def test_nested_trees_round_trip(backend, data):
    tensors = data.draw(st.lists(nts.named_tensors(backend=backend), min_size=1, max_size=4))
    tree = {"layers": [{"w": t} for t in tensors[:-1]], "last": (tensors[-1], None),
            "step": np.int32(7), "scalar": 0.5, "empty": [], "nothing": {}}
    path = os.path.join(data.draw(st.just(_TMP)), f"tree-{backend}.safetensors")
    nt.save(path, tree)
    out = nt.load(path, backend=backend)
    assert set(out) == set(tree)
    for got, want in zip(out["layers"], tree["layers"]):
        _same(got["w"], want["w"].names, want["w"].data)
    _same(out["last"][0], tensors[-1].names, tensors[-1].data)
    assert type(out["last"]) is tuple and out["last"][1] is None
    assert out["empty"] == [] and out["nothing"] == {}
    step = np.asarray(out["step"])
    assert step.shape == () and step.dtype == np.int32 and step == 7
    assert np.asarray(out["scalar"]).dtype == np.float32
    expected = np.ndarray if backend == "numpy" else jax.Array
    assert isinstance(out["step"], expected)


@pytest.fixture(autouse=True, scope="module")
def _tmp_dir(tmp_path_factory):
    global _TMP
    _TMP = str(tmp_path_factory.mktemp("io"))


def test_a_bare_tensor_and_a_zero_d_tensor(tmp_path):
    nt.save(tmp_path / "s.safetensors", nt.tensor(3.5, ""))
    out = nt.load(tmp_path / "s.safetensors")
    assert isinstance(out, nt.NamedTensor) and out.names == () and float(out) == 3.5


def test_optax_state_restores_as_itself(tmp_path):
    params = {"w": nt.ones({"d": 3, "h": 2}), "b": nt.zeros({"h": 2})}
    opt = optax.adam(1e-2)
    state = opt.init(params)
    grads = jax.tree_util.tree_map(lambda p: p * 0.5, params)
    _, state = opt.update(grads, state, params)
    nt.save(tmp_path / "opt.safetensors", {"params": params, "opt": state},
            metadata={"step": "1"})
    plain = nt.load(tmp_path / "opt.safetensors")  # no class looked up: tuples
    assert type(plain["opt"]) is tuple and type(plain["opt"][0]) is tuple
    like = {"params": params, "opt": opt.init(params)}
    restored = nt.load(tmp_path / "opt.safetensors", like=like)
    assert type(restored["opt"][0]) is type(state[0])
    assert int(restored["opt"][0].count) == 1
    for a, b in zip(jax.tree_util.tree_leaves(restored), jax.tree_util.tree_leaves(
            {"params": params, "opt": state})):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    updates, _ = opt.update(grads, restored["opt"], restored["params"])  # it still works
    assert updates["w"].names == ("d", "h")


# --- like= ---------------------------------------------------------------------------
@settings(max_examples=20)
@given(nts.named_tensors(), st.randoms(use_true_random=False))
def test_like_restores_the_templates_axis_order(t, random):
    path = os.path.join(_TMP, "like.safetensors")
    nt.save(path, {"t": t})
    order = list(t.names)
    random.shuffle(order)
    spec = nt.TensorSpec({n: t.sizes[n] for n in order}, t.dtype)
    out = nt.load(path, like={"t": spec})["t"]
    assert out.names == tuple(order)
    _same(out, t.names, t.data)
    out = nt.load(path, like={"t": t.align_to(*order)}, backend="numpy")["t"]
    assert out.names == tuple(order) and isinstance(out.data, np.ndarray)


def test_like_differences_are_format_errors(tmp_path):
    path = tmp_path / "m.safetensors"
    w = nt.ones({"d": 2, "h": 3})
    nt.save(path, {"w": w, "n": np.arange(3, dtype=np.int32)})
    n = np.zeros(3, np.int32)
    cases = [
        ({"w": w}, "holds 'n'"),
        ({"w": w, "n": n, "x": w}, "no tensor 'x'"),
        ({"w": nt.ones({"d": 2, "k": 3}), "n": n}, "names"),
        ({"w": nt.ones({"d": 2, "h": 4}), "n": n}, "h=3"),
        ({"w": w.astype("float16"), "n": n}, "nothing is cast"),
        ({"w": w, "n": np.zeros(3, np.int8)}, "nothing is cast"),
        ({"w": w, "n": np.zeros(4, np.int32)}, "shape"),
        ({"w": w, "n": nt.tensor(n, "k")}, "without names"),
        ({"w": np.ones((2, 3), np.float32), "n": n}, "unnamed array"),
    ]
    for like, fragment in cases:
        raises(nt.FormatError, lambda like=like: nt.load(path, like=like), "nt.load", str(path),
               fragment)
    raises(TypeError, lambda: nt.load(path, like={"w": "x", "n": n}), "nt.load", "like=")
    symbolic = nt.load(path, like={"w": nt.TensorSpec({"h": None, "d": 2}), "n": n})
    assert symbolic["w"].sizes == {"h": 3, "d": 2}


def test_like_places_on_the_templates_device_and_sharding(tmp_path):
    path = tmp_path / "placed.safetensors"
    nt.save(path, {"w": nt.tensor(np.arange(8.0), "k"), "b": nt.tensor(np.arange(4.0), "j")})
    run_isolated(f"""
import jax, numpy as np, namedtensor as nt
from jax.sharding import Mesh, NamedSharding, PartitionSpec as P
mesh = Mesh(np.array(jax.devices()), ("x",))
w = nt.tensor(jax.device_put(np.zeros(8, np.float32), NamedSharding(mesh, P("x"))), "k")
b = nt.zeros({{"j": 4}}, device="cpu:1")
out = nt.load({str(path)!r}, like={{"w": w, "b": b}})
assert out["w"].data.sharding == w.data.sharding, out["w"].data.sharding
assert out["b"].data.devices() == {{jax.devices()[1]}}
np.testing.assert_array_equal(np.asarray(out["w"].data), np.arange(8.0))
print("ok")
""", devices=2)


# --- interoperability ----------------------------------------------------------------
def test_other_readers_see_positional_arrays(tmp_path):
    data = {d: _values(d, (2, 3), seed=i) for i, d in enumerate(NATIVE)}
    tree = {"layers": [{d: nt.tensor(v, "r c", backend="numpy") for d, v in data.items()}]}
    nt.save(tmp_path / "interop.safetensors", tree, metadata={"source": "test"})
    arrays = safetensors.numpy.load_file(tmp_path / "interop.safetensors")
    assert set(arrays) == {f"layers.0.{d}" for d in NATIVE}
    for d, v in data.items():
        np.testing.assert_array_equal(arrays[f"layers.0.{d}"], v)
        assert arrays[f"layers.0.{d}"].dtype == v.dtype
    with safetensors.safe_open(tmp_path / "interop.safetensors", "np") as f:
        assert f.metadata()["source"] == "test"


def test_plain_safetensors_files_load_with_names(tmp_path):
    path = tmp_path / "plain.safetensors"
    a, b = _values("float32", (2, 3)), _values("int32", (4,))
    safetensors.numpy.save_file({"a": a, "b": b}, path, metadata={"k": "v"})
    raises(nt.FormatError, lambda: nt.load(path), "nt.load", str(path), "names=")
    out = nt.load(path, names={"a": "r c", "b": ["n"]})
    _same(out["a"], ("r", "c"), a)
    _same(out["b"], ("n",), b)
    assert nt.load_metadata(path) == {"k": "v"}
    raises(nt.FormatError, lambda: nt.load(path, names={"a": "r c"}), "'b'")
    raises(nt.FormatError, lambda: nt.load(path, names={"a": "r c", "b": "n", "z": "q"}), "'z'")
    raises(nt.AxisNameError, lambda: nt.load(path, names={"a": "r", "b": "n"}), "shape (2, 3)")
    raises(nt.AxisNameError, lambda: nt.load(path, names={"a": "r r", "b": "n"}), "names")
    nt.save(tmp_path / "ours.safetensors", {"a": nt.tensor(a, "r c")})
    raises(nt.NamedTensorError, lambda: nt.load(tmp_path / "ours.safetensors",
                                                names={"a": "r c"}), "names=")


def test_torch_reads_the_file(tmp_path):
    torch = pytest.importorskip("torch")
    from safetensors.torch import load_file
    nt.save(tmp_path / "t.safetensors", {"w": nt.tensor(_values("bfloat16", (2, 3)), "a b")})
    w = load_file(tmp_path / "t.safetensors")["w"]
    assert w.dtype == torch.bfloat16 and tuple(w.shape) == (2, 3)


# --- metadata, atomic writes, bad arguments ------------------------------------------
def test_metadata_is_exactly_the_users(tmp_path):
    path = tmp_path / "m.safetensors"
    nt.save(path, nt.ones({"a": 1}))
    assert nt.load_metadata(path) == {}
    nt.save(path, nt.ones({"a": 1}), metadata={"step": "3", "note": "é"})
    assert nt.load_metadata(path) == {"step": "3", "note": "é"}


def test_a_failed_write_leaves_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.safetensors"
    nt.save(path, {"w": nt.ones({"a": 2})}, metadata={"step": "1"})
    before = path.read_bytes()

    def crash(specs, filename, metadata=None):
        with open(filename, "wb") as f:
            f.write(b"half a file")
        raise KeyboardInterrupt  # a crash in the middle of the write

    monkeypatch.setattr(safetensors, "serialize_file", crash)
    with pytest.raises(KeyboardInterrupt):
        nt.save(path, {"w": nt.zeros({"a": 2})}, metadata={"step": "2"})
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["ckpt.safetensors"]  # no temporary file left behind


def test_bad_arguments(tmp_path):
    path = tmp_path / "x.safetensors"
    w = nt.tensor([12345.678], "a")
    raises(TypeError, lambda: nt.save(3, w), "nt.save", "path")
    raises(TypeError, lambda: nt.save(b"x", w), "nt.save", "path")
    raises(nt.FormatError, lambda: nt.save("", w), "nt.save", "empty")
    raises(TypeError, lambda: nt.save(path, w, metadata=[("a", "b")]), "nt.save", "metadata")
    raises(TypeError, lambda: nt.save(path, w, metadata={"a": 1}), "metadata", "int")
    raises(nt.NamedTensorError, lambda: nt.save(path, w, metadata={"namedtensor.x": "1"}),
           "reserved")
    raises(TypeError, lambda: nt.save(path, {"a": "text"}), "nt.save", "'a'", "str")
    raises(TypeError, lambda: nt.save(path, {1: w}), "nt.save", "str")
    raises(TypeError, lambda: nt.save(path, {"s": nt.TensorSpec({"a": 1})}), "TensorSpec")
    raises(nt.NamedTensorError, lambda: nt.save(path, {"a.b": w, "a": {"b": w}}), "'a.b'")
    raises(nt.FormatError, lambda: nt.save(path, nt.tensor(jnp.zeros(2, jnp.int4), "a")),
           "nt.save", "int4", "(a=2)")
    raises(nt.FormatError, lambda: nt.save(tmp_path / "no" / "x.safetensors", w),
           "nt.save", "cannot write")
    raises(nt.FormatError, lambda: nt.save(tmp_path, w), "nt.save", "cannot write")
    raises(TypeError, lambda: nt.jit(lambda t: nt.save(path, t))(w), "nt.save", "traced")
    assert not path.exists()
    nt.save(path, w)
    raises(TypeError, lambda: nt.load(None), "nt.load", "path")
    raises(TypeError, lambda: nt.load(path, backend=1), "nt.load", "backend")
    raises(nt.NamedTensorError, lambda: nt.load(path, backend="torch"), "backend")
    raises(TypeError, lambda: nt.load(path, names=["a"]), "nt.load", "names")
    raises(nt.AxisNameError, lambda: nt.load(path, names={"a": "1x"}), "nt.load")
    raises(TypeError, lambda: nt.load_metadata(1.5), "nt.load_metadata", "path")
