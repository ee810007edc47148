"""nt.export / nt.load_exported: exported programs with names as the interface (SPEC 12).

Exports are slow next to the rest (tracing, lowering, serializing): the module exports a
few tiny programs once (module-level caches) and reuses them.
"""

import functools
import hashlib
import json
import os
import pathlib
import struct
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import namedtensor as nt
from _helpers import raises, run_isolated
from namedtensor import _einsum
from namedtensor._export import MAGIC, _digest
from namedtensor._names import fmt_sizes
from namedtensor.grad import grad
from namedtensor.testing import assert_allclose

RNG = np.random.default_rng(0)
W1 = RNG.standard_normal((3, 4)).astype(np.float32)  # feat hidden
B1 = RNG.standard_normal(4).astype(np.float32)  # hidden
W2 = RNG.standard_normal((4, 2)).astype(np.float32)  # hidden out


def _params():
    return {"w1": nt.tensor(W1, "feat hidden"), "b1": nt.tensor(B1, "hidden"),
            "w2": nt.tensor(W2.T.copy(), "out hidden")}  # stored in another order on purpose


def forward(params, x):
    h = nt.tanh(nt.dot(x, params["w1"], over="feat") + params["b1"])
    return nt.softmax(nt.dot(h, params["w2"], over="hidden"), "out")


def _oracle(x):
    """forward in NumPy on positional arrays: x is (batch, feat)."""
    h = np.tanh(x @ W1 + B1)
    logits = h @ W2
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _x(batch, order=("batch", "feat")):
    data = RNG.standard_normal((batch, 3)).astype(np.float32)
    t = nt.tensor(data, "batch feat")
    return t.align_to(*order), data


X_SPEC = nt.TensorSpec({"batch": None, "feat": 3})


@functools.cache
def _forward_export():
    """forward exported with a symbolic batch and first derivatives."""
    return nt.export(forward, _params(), X_SPEC, vjp_order=1)


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """(path, loaded) of the forward export saved once."""
    path = str(tmp_path_factory.mktemp("export") / "forward.ntexport")
    _forward_export().save(path)
    return path, nt.load_exported(path)


@functools.cache
def _pair_export():
    """Two inputs sharing one symbolic name."""
    return nt.export(lambda a, b: a * b, nt.TensorSpec({"batch": None, "k": 2}),
                     nt.TensorSpec({"batch": None}))


# --- round trips --------------------------------------------------------------------
def test_round_trip_equals_the_original(saved):
    path, loaded = saved
    x, data = _x(5)
    out = loaded(_params(), x)
    assert isinstance(out, nt.NamedTensor) and set(out.names) == {"batch", "out"}
    np.testing.assert_allclose(out.align_to("batch", "out").numpy(), _oracle(data), rtol=1e-6,
                               atol=1e-6)
    assert_allclose(out, forward(_params(), x), rtol=1e-6, atol=1e-6)
    assert_allclose(_forward_export()(_params(), x), out, rtol=1e-6, atol=1e-6)


def test_symbolic_batch_one_export_many_sizes(saved):
    _, loaded = saved
    for batch in (1, 7, 64):
        x, data = _x(batch)
        out = loaded(_params(), x)
        assert out.sizes["batch"] == batch
        np.testing.assert_allclose(out.align_to("batch", "out").numpy(), _oracle(data),
                                   rtol=1e-5, atol=1e-6)


@settings(max_examples=10)
@given(x_order=st.permutations(["batch", "feat"]), w_order=st.permutations(["feat", "hidden"]),
       batch=st.integers(1, 6))
def test_inputs_in_any_axis_order(saved, x_order, w_order, batch):
    _, loaded = saved
    x, data = _x(batch, tuple(x_order))
    params = _params()
    params["w1"] = params["w1"].align_to(*w_order)
    out = loaded(params, x)
    np.testing.assert_allclose(out.align_to("batch", "out").numpy(), _oracle(data), rtol=1e-5,
                               atol=1e-6)


def test_dict_key_order_is_not_part_of_the_interface(saved):
    _, loaded = saved
    x, data = _x(2)
    params = dict(reversed(list(_params().items())))
    np.testing.assert_allclose(loaded(params, x).align_to("batch", "out").numpy(),
                               _oracle(data), rtol=1e-5, atol=1e-6)


def test_a_loaded_export_saves_and_loads_again(saved, tmp_path):
    _, loaded = saved
    again = str(tmp_path / "again.ntexport")
    loaded.save(again)
    x, data = _x(3)
    assert_allclose(nt.load_exported(again)(_params(), x), loaded(_params(), x))


def test_pathlike_and_jit_of_a_loaded_export(saved, tmp_path):
    path, loaded = saved
    assert nt.load_exported(pathlib.Path(path)).signature == loaded.signature
    x, _ = _x(4)
    assert_allclose(nt.jit(loaded)(_params(), x), loaded(_params(), x))


def test_fresh_process_without_the_source(saved, tmp_path):
    path, loaded = saved
    x, data = _x(6, ("feat", "batch"))
    np.save(tmp_path / "x.npy", np.asarray(x.data))
    np.save(tmp_path / "expected.npy", _oracle(data))
    for name, t in _params().items():
        np.save(tmp_path / f"{name}.npy", np.asarray(t.data))
    script = f"""
import numpy as np
import namedtensor as nt
folder = {str(tmp_path)!r}
f = nt.load_exported({path!r})
params = {{k: nt.tensor(np.load(folder + "/" + k + ".npy"), n) for k, n in
          (("w1", "feat hidden"), ("b1", "hidden"), ("w2", "out hidden"))}}
x = nt.tensor(np.load(folder + "/x.npy"), "feat batch")
out = f(params, x)
assert isinstance(out, nt.NamedTensor) and set(out.names) == {{"batch", "out"}}, out
np.testing.assert_allclose(out.align_to("batch", "out").numpy(), np.load(folder + "/expected.npy"),
                           rtol=1e-6, atol=1e-6)
print("ok")
"""
    run_isolated(script)


# --- the signature and the program ---------------------------------------------------
def test_signature():
    exported = _forward_export()
    inputs, outputs = exported.signature
    assert exported.signature.inputs is inputs and exported.signature.outputs is outputs
    assert len(inputs) == 2
    assert inputs[0] == {"b1": nt.TensorSpec({"hidden": 4}),
                         "w1": nt.TensorSpec({"feat": 3, "hidden": 4}),
                         "w2": nt.TensorSpec({"out": 2, "hidden": 4})}
    assert inputs[1] == X_SPEC
    assert outputs == nt.TensorSpec({"batch": None, "out": 2})
    text = repr(exported)
    assert "forward" in text and "batch" in text and "vjp_order=1" in text


def test_signature_of_containers_and_unnamed_leaves():
    class Pair(NamedTuple):
        a: object
        b: object

    def f(pair, scale):
        return {"sum": [pair.a + pair.b, (pair.a * scale).sum()], "n": jnp.float32(2.0)}

    spec = nt.TensorSpec({"n": None})
    exported = nt.export(f, Pair(spec, spec), np.float32(1.0))
    inputs, outputs = exported.signature
    assert inputs == ((spec, spec), jax.ShapeDtypeStruct((), np.float32))
    assert outputs == {"n": jax.ShapeDtypeStruct((), np.float32),
                       "sum": [spec, nt.TensorSpec({})]}
    a, b = nt.tensor([1.0, 2.0], "n"), nt.tensor([3.0, 4.0], "n")
    out = exported(Pair(a, b), 2.0)  # a NamedTuple or a tuple; a Python float for a 0-d input
    assert type(out) is dict and type(out["sum"]) is list
    assert out["sum"][0].tolist() == [4.0, 6.0] and out["sum"][1].item() == 6.0
    assert float(out["n"]) == 2.0 and not isinstance(out["n"], nt.NamedTensor)
    assert exported((a, b), np.float32(1.0))["sum"][1].item() == 3.0


def test_code_is_stablehlo():
    code = _forward_export().code()
    assert "stablehlo" in code and "func" in code


def test_an_nt_jit_function_is_accepted():
    jitted = nt.jit(lambda x: nt.exp(x) * 2)
    exported = nt.export(jitted, nt.TensorSpec({"n": None}))
    x = nt.tensor([0.0, 1.0], "n")
    assert_allclose(exported(x), jitted(x))


def test_symbol_names_from_primes_and_reserved_words():
    specs = [nt.TensorSpec({n: None}) for n in ("seq", "seq'", "seq_prime", "max", "_")]
    exported = nt.export(lambda *ts: nt.einsum("seq, seq', seq_prime, max, _ -> seq seq'", *ts),
                         *specs)
    sizes = {"seq": 2, "seq'": 3, "seq_prime": 1, "max": 4, "_": 5}
    out = exported(*[nt.ones({n: s}) for n, s in sizes.items()])
    assert out.sizes == {"seq": 2, "seq'": 3}
    np.testing.assert_allclose(out.numpy(), np.full((2, 3), 20.0))


def test_common_ops_on_symbolic_sizes():
    """One export through the ops that meet a symbolic size, against NumPy."""
    def f(x, w):
        centered = x - x.mean("batch")
        spread = x.std("batch", ddof=1) + x.var("batch")
        probs = nt.softmax(x, "batch") + nt.exp(nt.log_softmax(x, "feat"))
        flat = x.flatten(("batch", "feat"), "bf").unflatten("bf", {"batch": -1, "feat": 3})
        scaled = x / x.size + nt.zeros(x.sizes)
        mixed = nt.einsum("batch feat, feat h, batch feat -> h", x, w, x)
        return {"centered": centered, "spread": spread, "probs": probs,
                "flat": flat.align_to("feat", "batch"), "scaled": scaled, "mixed": mixed,
                "max": x.max("batch"), "cum": nt.cumsum(x, "batch")}

    exported = nt.export(f, nt.TensorSpec({"batch": None, "feat": 3}),
                         nt.TensorSpec({"feat": 3, "h": 2}))
    rng = np.random.default_rng(int(os.environ.get("NT_SEED", "1")))
    w = rng.standard_normal((3, 2)).astype(np.float32)
    for batch in (2, 5):
        a = rng.standard_normal((batch, 3)).astype(np.float32)
        out = exported(nt.tensor(a, "batch feat"), nt.tensor(w, "feat h"))
        expected = f(nt.tensor(a, "batch feat"), nt.tensor(w, "feat h"))
        for key, value in expected.items():
            assert_allclose(out[key], value, rtol=1e-5, atol=1e-5)
        over_batch, over_feat = np.exp(a - a.max(axis=0)), np.exp(a - a.max(1, keepdims=True))
        np.testing.assert_allclose(out["probs"].align_to("batch", "feat").numpy(),
                                   over_batch / over_batch.sum(axis=0)
                                   + over_feat / over_feat.sum(1, keepdims=True),
                                   rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(out["mixed"].numpy(), np.einsum("bf,fh,bf->h", a, w, a),
                                   rtol=1e-4, atol=1e-4)
        np.testing.assert_allclose(out["spread"].numpy(), a.std(0, ddof=1) + a.var(0), rtol=1e-5,
                                   atol=1e-6)


def test_einsum_plans_a_symbolic_size_with_a_stand_in():
    a, = jax.export.symbolic_shape("a")
    shapes = ((a, 3), (3, 4))
    plan = _einsum.plan("a b, b c -> a c", (("a", "b"), ("b", "c")), shapes,
                        (np.dtype("float32"),) * 2, "auto")
    assert plan.info.size_dict == {"a": _einsum.STAND_IN, "b": 3, "c": 4}
    assert plan.output == ("a", "c")
    assert fmt_sizes(("a", "b"), shapes[0]) == "(a=a, b=3)"


# --- gradients ---------------------------------------------------------------------
def test_gradient_through_a_loaded_export(saved):
    _, loaded = saved
    x, data = _x(4)

    def loss(params, x):
        return (loaded(params, x) * nt.tensor([1.0, -2.0], "out")).sum()

    def reference(w1, b1, w2t, a):
        h = jnp.tanh(a @ w1 + b1[None, :])
        return (jax.nn.softmax(h @ w2t.T, axis=1) * jnp.array([[1.0, -2.0]])).sum()

    got = grad(loss)(_params(), x)
    want = jax.grad(reference, argnums=(0, 1, 2))(W1, B1, W2.T.copy(), data)
    for key, expected in zip(("w1", "b1", "w2"), want):
        np.testing.assert_allclose(np.asarray(got[key].data), np.asarray(expected), rtol=1e-5,
                                   atol=1e-6)
    gx = grad(loss, argnums=1)(_params(), x.align_to("feat", "batch"))
    np.testing.assert_allclose(gx.align_to("batch", "feat").numpy(),
                               jax.grad(reference, argnums=3)(W1, B1, W2.T.copy(), data),
                               rtol=1e-5, atol=1e-6)


def test_vjp_order_zero_is_not_differentiable(tmp_path):
    exported = nt.export(lambda x: nt.tanh(x).sum(), nt.TensorSpec({"n": None}))
    path = str(tmp_path / "f.ntexport")
    exported.save(path)
    x = nt.tensor([0.5, 1.0], "n")
    for program in (exported, nt.load_exported(path)):
        assert program(x).item() == pytest.approx(float(np.tanh([0.5, 1.0]).sum()))
        raises(nt.NamedTensorError, lambda program=program: grad(program)(x), "vjp_order=1")


# --- errors when calling ----------------------------------------------------------
def test_shared_symbolic_name_must_agree():
    pair = _pair_export()
    out = pair(nt.ones({"k": 2, "batch": 3}), nt.ones({"batch": 3}))
    assert out.sizes == {"batch": 3, "k": 2}
    raises(nt.AxisSizeError, lambda: pair(nt.ones({"batch": 2, "k": 2}), nt.ones({"batch": 3})),
           "'batch'", "2", "3", "argument 0", "argument 1")
    raises(nt.AxisSizeError, lambda: pair(nt.ones({"batch": 0, "k": 2}), nt.ones({"batch": 0})),
           "'batch'", "at least 1")


def test_symbolic_in_one_input_concrete_in_another_at_export():
    raises(nt.AxisSizeError,
           lambda: nt.export(lambda a, b: a + b, nt.TensorSpec({"batch": None}),
                             nt.ones({"batch": 3})), "'batch'", "3", "None", "nt.export")


def test_wrong_names_sizes_dtypes_and_structure(saved):
    _, loaded = saved
    x, _ = _x(2)
    params = _params()
    raises(nt.AxisNameError, lambda: loaded(params, x.rename(feat="feet")), "feet", "feat",
           "argument 1", "did you mean")
    raises(nt.AxisNameError, lambda: loaded(params, x.sum("feat")), "feat")
    raises(nt.AxisSizeError, lambda: loaded(params, nt.ones({"batch": 2, "feat": 4})),
           "'feat'", "4", "3")
    raises(TypeError, lambda: loaded(params, x.astype("int32")), "int32", "float32", "argument 1")
    raises(TypeError, lambda: loaded(params), "2", "1")
    raises(TypeError, lambda: loaded(params, x.numpy()), "argument 1", "NamedTensor")
    raises(nt.NamedTensorError, lambda: loaded({"w1": params["w1"]}, x), "argument 0", "b1")
    raises(nt.NamedTensorError, lambda: loaded([params["w1"]], x), "argument 0", "[_]", "'b1': _")
    wrong = {**params, "b1": params["b1"].astype("int32")}
    raises(TypeError, lambda: loaded(wrong, x), "'b1'", "int32")
    with_numpy = {k: nt.tensor(v.numpy(), v.names, backend="numpy") for k, v in params.items()}
    assert_allclose(loaded(with_numpy, x), loaded(params, x))


def test_bad_arguments_to_export_and_load_exported(tmp_path):
    spec = nt.TensorSpec({"n": 2})
    raises(TypeError, lambda: nt.export(3, spec), "nt.export", "f")
    raises(TypeError, lambda: nt.export(nt.exp, spec, vjp_order=1.5), "nt.export", "vjp_order")
    raises(nt.NamedTensorError, lambda: nt.export(nt.exp, spec, vjp_order=-1), "vjp_order")
    raises(nt.NamedTensorError, lambda: nt.export(nt.exp, spec, vjp_order=99), "vjp_order")
    raises(TypeError, lambda: nt.export(nt.exp, "n"), "nt.export", "argument 0", "str")
    raises(TypeError, lambda: nt.export(nt.exp, {"x": object()}), "argument 0", "'x'")
    raises(TypeError, lambda: nt.export(nt.exp, {1: spec}), "nt.export", "str")
    raises(TypeError, lambda: nt.export(nt.exp, nt.random.key(0)), "random key")
    raises(TypeError, lambda: nt.export(nt.exp, np.zeros(2, np.float64)), "float64")
    raises(TypeError, lambda: nt.export(lambda x: "s", spec), "output", "str")
    raises(nt.NamedTensorError, lambda: nt.export(lambda x: x.data, nt.TensorSpec({"n": None})),
           "unnamed", "NamedTensor")
    raises(nt.AxisSizeError, lambda: nt.export(lambda x: nt.zeros({"m": int(x.sizes["n"])}),
                                               nt.TensorSpec({"n": None})), "symbolic")
    raises(TypeError, lambda: nt.load_exported(3), "nt.load_exported", "path")
    raises(TypeError, lambda: nt.load_exported(None), "nt.load_exported", "path")
    raises(nt.FormatError, lambda: nt.load_exported(""), "nt.load_exported")
    raises(TypeError, lambda: _forward_export().save(3), "save", "path")
    raises(TypeError, lambda: nt.Exported(), "nt.export")


# --- jax.export used directly ---------------------------------------------------------
def test_jax_export_of_functions_of_named_tensors():
    def g(x, y):
        return {"z": x * 2 + y.sum("k"), "y": y}

    x, y = nt.ones({"a": 2, "b": 3}), nt.tensor(np.arange(8.0, dtype=np.float32).reshape(4, 2),
                                                 "k a")
    blob = jax.export.export(jax.jit(g))(x, y).serialize()
    out = jax.export.deserialize(blob).call(x, y)
    assert out["y"].names == ("k", "a") and out["z"].names == ("a", "b")
    assert_allclose(out["z"], g(x, y)["z"])
    # nt.jit functions too, with a symbolic size through NamedTensors of ShapeDtypeStructs
    a, = jax.export.symbolic_shape("a")
    abstract = jax.tree.map(lambda d: jax.ShapeDtypeStruct((a, 3), d.dtype), x)
    exported = jax.export.export(nt.jit(lambda t: t.sum("b")))(abstract)
    back = jax.export.deserialize(exported.serialize())
    assert back.call(nt.ones({"a": 7, "b": 3})).sizes == {"a": 7}


# --- hostile exported files ----------------------------------------------------------
_PREFIX = len(MAGIC) + 8


def _parts(path):
    with open(path, "rb") as f:
        blob = f.read()
    (length,) = struct.unpack("<Q", blob[len(MAGIC):_PREFIX])
    return blob, json.loads(blob[_PREFIX:_PREFIX + length]), blob[_PREFIX + length:]


def _write(path, header, artifact, checksum=True, digest=True):
    """A file of this header and artifact, with consistent checksums unless told not to."""
    if checksum:
        header = {**header, "artifact": {"sha256": hashlib.sha256(artifact).hexdigest(),
                                         "length": len(artifact)}}
    if digest:
        header = {**header, "digest": _digest(header)}
    text = json.dumps(header).encode()
    with open(path, "wb") as f:
        f.write(MAGIC + struct.pack("<Q", len(text)) + text + artifact)
    return path


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """A small exported file (about 3 kB): two inputs, one symbolic size."""
    path = str(tmp_path_factory.mktemp("hostile") / "small.ntexport")
    nt.export(lambda a, b: (a * b).sum("k"), nt.TensorSpec({"batch": None, "k": 2}),
              nt.TensorSpec({"k": 2})).save(path)
    return path


def _refused(path, *fragments):
    return raises(nt.FormatError, lambda: nt.load_exported(path), repr(str(path)), *fragments)


def test_the_small_file_loads(small):
    out = nt.load_exported(small)(nt.ones({"k": 2, "batch": 3}), nt.ones({"k": 2}))
    assert out.tolist() == [2.0, 2.0, 2.0]


def test_truncated_at_every_offset(small, tmp_path):
    blob, _, _ = _parts(small)
    path = str(tmp_path / "cut.ntexport")
    for n in range(len(blob)):  # every byte offset (each fails before deserializing)
        with open(path, "wb") as f:
            f.write(blob[:n])
        _refused(path)


def test_flipped_bytes_in_the_artifact_fail_the_checksum(small, tmp_path):
    blob, _, artifact = _parts(small)
    start = len(blob) - len(artifact)
    path = str(tmp_path / "flip.ntexport")
    for i in range(start, len(blob), max(1, len(artifact) // 50)):
        with open(path, "wb") as f:
            f.write(blob[:i] + bytes([blob[i] ^ 0x10]) + blob[i + 1:])
        _refused(path, "SHA-256")


@settings(max_examples=60)
@given(data=st.data())
def test_random_flips_anywhere_raise_format_error(small, tmp_path_factory, data):
    """The header's digest covers the header, the artifact's SHA-256 the artifact."""
    blob, _, _ = _parts(small)
    i = data.draw(st.integers(0, len(blob) - 1), label="offset")
    bit = data.draw(st.integers(0, 7), label="bit")
    path = str(tmp_path_factory.mktemp("flips") / "f.ntexport")
    with open(path, "wb") as f:
        f.write(blob[:i] + bytes([blob[i] ^ (1 << bit)]) + blob[i + 1:])
    _refused(path)


def _header_case(small, tmp_path, change, *fragments):
    _, header, artifact = _parts(small)
    header = json.loads(json.dumps(header))
    change(header)
    return _refused(_write(str(tmp_path / "case.ntexport"), header, artifact), *fragments)


def _leaf(header, argument=0):
    return header["signature"]["inputs"][argument]["leaf"]


@pytest.mark.parametrize("change, fragments", [
    (lambda h: _leaf(h, 1).update(shape=[3]), ("artifact", "input")),
    (lambda h: _leaf(h, 1).update(dtype="int32"), ("artifact", "int32")),
    (lambda h: _leaf(h).update(shape=[4, 2]), ("symbol",)),
    (lambda h: h["signature"]["inputs"].pop(), ("artifact", "inputs")),
    (lambda h: h["signature"].update(outputs={"leaf": {
        "names": ["batch"], "shape": ["2*batch"], "dtype": "float32"}}), ("output 0", "2*batch")),
    (lambda h: h["signature"].update(outputs=None), ("outputs",)),
    (lambda h: h["signature"].update(outputs={"set": []}), ("kind",)),
    (lambda h: _leaf(h).update(names=["k", "k"]), ("names",)),
    (lambda h: _leaf(h).update(dtype="float1024"), ("dtype",)),
    (lambda h: h.update(symbols={"batch": "batch", "x": "x"}), ("symbols",)),
    (lambda h: h.update(version=2), ("version 2",)),
    (lambda h: h.update(version="1"), ("version",)),
    (lambda h: h.update(format="other"), ("format",)),
    (lambda h: h.update(vjp_order=1), ("vjp_order",)),
    (lambda h: h.update(platforms=["tpu"]), ("tpu",)),
    (lambda h: h.update(extra=1), ("extra",)),
    (lambda h: h.pop("name"), ("lacks",)),
])
def test_header_that_disagrees_with_the_artifact(small, tmp_path, change, fragments):
    _header_case(small, tmp_path, change, *fragments)


def test_bad_files(small, tmp_path):
    blob, header, artifact = _parts(small)
    path = str(tmp_path / "bad.ntexport")

    def file(content):
        with open(path, "wb") as f:
            f.write(content)
        return path

    _refused(file(b""), "empty or truncated")
    _refused(file(b"PK\x03\x04" + blob[4:]), "does not start")
    _refused(file(blob[:len(MAGIC)] + struct.pack("<Q", 2**63) + blob[_PREFIX:]), "header claims")
    text = b"{not json"
    _refused(file(MAGIC + struct.pack("<Q", len(text)) + text + artifact), "JSON")
    text = b"[" * 100000 + b"]" * 100000
    _refused(file(MAGIC + struct.pack("<Q", len(text)) + text), "JSON")
    text = b'{"format": "namedtensor.export", "format": "x"}'
    _refused(file(MAGIC + struct.pack("<Q", len(text)) + text), "repeats")
    text = json.dumps({**header, "vjp_order": float("nan")}).encode()
    _refused(file(MAGIC + struct.pack("<Q", len(text)) + text + artifact), "JSON")
    _refused(file(blob + b"x"), "extra bytes")
    _refused(_write(path, header, b"not a flatbuffer at all"), "deserialize")
    flipped = artifact[:-1] + bytes([artifact[-1] ^ 1])
    _refused(_write(path, header, flipped, checksum=False), "SHA-256")
    renamed = json.loads(json.dumps(header).replace('"k"', '"j"'))  # a valid, other header
    _refused(_write(path, renamed, artifact, digest=False), "digest")
    _refused(str(tmp_path), "directory")
    _refused(str(tmp_path / "missing.ntexport"), "does not exist")
