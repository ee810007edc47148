"""Sharding by name (SPEC section 11): nt.mesh, nt.shard, t.sharding_rules,
nt.jit(mesh=..., rules=...), nt.from_process_local and DeviceMismatchError on meshes.

The main pytest process has one CPU device: bad input and the one-device paths are
checked here. Everything that needs several devices runs in ONE subprocess with eight
emulated CPU devices: the meshes {"data": 8}, {"data": 4, "model": 2} and
{"data": 2, "model": -1}, layouts by name, the errors of real splits, property tests of
sharded against unsharded results, a data + model parallel training step against one
device, save/load keeping layouts, and the eight-device blocks of docs/scaling.md. The
multi-process recipe of docs/scaling.md runs as two real processes of four devices each.
"""

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import jax
import numpy as np
from jax.sharding import NamedSharding, PartitionSpec

import namedtensor as nt
from _helpers import raises, run_isolated
from namedtensor.grad import grad
from namedtensor.testing import assert_allclose

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "scaling.md"
VALUE = 12345.678  # the sentinel: no message may show it


def _t(sizes, order=None):
    t = nt.full(sizes, VALUE)
    return t if order is None else t.align_to(*order)


def _blocks(fence):
    """The code blocks of docs/scaling.md fenced with ```<fence>, in page order."""
    return re.findall(rf"```{fence}\n(.*?)```", PAGE.read_text(encoding="utf-8"), flags=re.S)


# --- one device: meshes ------------------------------------------------------------
def test_mesh_on_one_device():
    m = nt.mesh({"data": -1})
    assert isinstance(m, jax.sharding.Mesh) and dict(m.shape) == {"data": 1}
    assert dict(nt.mesh({"data": 1, "model": -1}).shape) == {"data": 1, "model": 1}
    assert list(nt.mesh({"data": 1}, devices=["cpu:0"]).devices.flat) == jax.devices()[:1]
    assert list(nt.mesh({"x": 1}, devices=np.array(jax.devices())).devices.flat) == \
        jax.devices()[:1]


def test_mesh_bad_input():
    raises(nt.AxisSizeError, lambda: nt.mesh({"data": 2}), "nt.mesh", "need 2 device(s)",
           "there are 1", "-1")
    raises(nt.AxisSizeError, lambda: nt.mesh({"a": -1, "b": -1}), "nt.mesh", "at most one -1")
    raises(nt.AxisSizeError, lambda: nt.mesh({"data": 0}), "nt.mesh", "size 0")
    raises(nt.AxisSizeError, lambda: nt.mesh({"data": -2}), "nt.mesh", "'data'")
    raises(nt.NamedTensorError, lambda: nt.mesh({}), "nt.mesh", "at least one")
    raises(nt.AxisNameError, lambda: nt.mesh({"not a name": 1}), "nt.mesh")
    raises(TypeError, lambda: nt.mesh(["data"]), "nt.mesh", "mapping")
    raises(TypeError, lambda: nt.mesh({"data": 1.0}), "nt.mesh", "'data'", "int")
    raises(TypeError, lambda: nt.mesh({"data": 1}, devices="cpu:0"), "nt.mesh", "devices")
    raises(TypeError, lambda: nt.mesh({"data": 1}, devices=[0]), "nt.mesh", "device")
    raises(nt.NamedTensorError, lambda: nt.mesh({"data": 1}, devices=["cpu:7"]), "nt.mesh",
           "'cpu:7' does not exist")
    raises(nt.NamedTensorError, lambda: nt.mesh({"data": 1}, devices=["tpu:0"]), "nt.mesh",
           "'tpu'")
    raises(nt.NamedTensorError, lambda: nt.mesh({"data": 1}, devices=[]), "nt.mesh", "empty")
    raises(nt.NamedTensorError, lambda: nt.mesh({"data": 2}, devices=["cpu:0", "cpu:0"]),
           "nt.mesh", "twice", "cpu:0")


# --- one device: shard, sharding_rules, jit, from_process_local ---------------------
def test_shard_lays_out_by_name_in_any_storage_order():
    m = nt.mesh({"data": 1})
    x = nt.tensor(np.arange(12.0, dtype=np.float32).reshape(4, 3), "batch feat")
    for t in (x, x.align_to("feat", "batch"), nt.tensor(x.numpy(), x.names, backend="numpy")):
        s = nt.shard(t, m, {"batch": "data", "mlp": "data"})
        assert s.names == t.names and s.backend == "jax"
        assert isinstance(s.data.sharding, NamedSharding) and s.data.sharding.mesh == m
        assert s.data.sharding.spec == PartitionSpec(*[
            "data" if n == "batch" else None for n in t.names])  # by name, not position
        assert s.sharding_rules == {}  # a mesh axis of size 1 splits nothing
        assert_allclose(s, x)
    assert x.sharding_rules == {} and nt.tensor([1.0], "a", backend="numpy").sharding_rules == {}
    assert nt.shard(x, m, {"batch": None}).data.sharding.spec == PartitionSpec(None, None)
    for rule in (("data",), ["data"]):  # a tuple of one mesh axis is the axis
        assert nt.shard(x, m, {"batch": rule}).data.sharding.spec == PartitionSpec("data", None)


def test_shard_a_tree():
    m = nt.mesh({"data": 1, "model": 1})
    count = jax.numpy.zeros((), "int32")
    tree = {"w": nt.ones({"d": 2, "mlp": 4}), "q": nt.ones({"heads": 2, "d": 2}),
            "count": count, "note": None, "lr": 0.1, "host": np.zeros(2)}
    out = nt.shard(tree, m, {"mlp": "model", "heads": "model", "batch": "data"})
    assert out["w"].data.sharding == NamedSharding(m, PartitionSpec(None, "model"))
    assert out["q"].data.sharding == NamedSharding(m, PartitionSpec("model", None))
    assert out["count"].sharding == NamedSharding(m, PartitionSpec())  # replicated
    assert out["note"] is None and out["lr"] == 0.1 and out["host"] is tree["host"]
    assert nt.shard([], m, {"batch": "data"}) == []


def test_shard_inside_jit_is_a_constraint():
    m = nt.mesh({"data": 1})

    @nt.jit
    def f(x):
        y = nt.shard(x * 2.0, m, {"batch": "data"})
        assert y.sharding_rules == {}  # traced: no layout yet
        return y

    x = nt.ones({"batch": 4, "feat": 2})
    assert f(x).tolist() == (x * 2.0).tolist()
    assert "sharding" in f.code(x)
    # under vmap and grad too (the mapped axis is not the tensor's inside)
    per_row = nt.vmap(lambda r: nt.shard(r, m, {"feat": "data"}).sum(), over="batch")
    assert per_row(x).tolist() == [2.0] * 4
    assert grad(lambda t: nt.shard(t, m, {"batch": "data"}).sum())(x).tolist() == [[1.0] * 2] * 4


def test_shard_bad_input():
    m = nt.mesh({"data": 1, "model": 1})
    t = _t({"batch": 4, "feat": 3})
    raises(TypeError, lambda: nt.shard(t, "data", {}), "nt.shard", "jax.sharding.Mesh")
    raises(TypeError, lambda: nt.shard(t, m, ["batch"]), "nt.shard", "rules must be a mapping")
    raises(TypeError, lambda: nt.shard(t, m, {"batch": 1}), "nt.shard", "rules['batch']")
    raises(TypeError, lambda: nt.shard(t, m, {"batch": ("data", 1)}), "nt.shard")
    raises(TypeError, lambda: nt.shard(t, m, {1: "data"}), "nt.shard", "keys")
    raises(nt.AxisNameError, lambda: nt.shard(t, m, {"bad name": "data"}), "nt.shard")
    # a mesh axis the mesh lacks, for an axis the tensor has and for one it lacks
    for rules in ({"batch": "dat"}, {"batch": "data", "mlp": "dat"}):
        raises(nt.AxisNameError, lambda rules=rules: nt.shard(t, m, rules), "nt.shard", "'dat'",
               "did you mean 'data'", "(batch=4, feat=3)", "mesh {'data': 1, 'model': 1}")
    raises(nt.AxisNameError, lambda: nt.shard([], m, {"batch": "dat"}), "nt.shard", "'dat'")
    raises(nt.AxisNameError, lambda: nt.shard(t, m, {"batch": ("data", "data")}),
           "nt.shard", "twice")
    # two axes of one tensor on one mesh axis (two tensors may share it: test_shard_a_tree)
    raises(nt.AxisNameError, lambda: nt.shard(t, m, {"batch": "data", "feat": "data"}),
           "nt.shard", "'batch' and 'feat'", "(batch=4, feat=3)", "mesh axis 'data'",
           "mesh {'data': 1, 'model': 1}")
    raises(nt.AxisNameError, lambda: nt.shard({"w": [t]}, m, {"batch": "data", "feat": "data"}),
           "['w'][0]")


def test_to_a_sharding_points_to_shard():
    m = nt.mesh({"data": 1})
    t = _t({"batch": 4})
    for target in (NamedSharding(m, PartitionSpec("data")), m, PartitionSpec("data")):
        raises(TypeError, lambda target=target: t.to(target), "to", "nt.shard(t, mesh, rules)")
        raises(TypeError, lambda target=target: nt.zeros({"a": 2}, device=target), "nt.zeros",
               "nt.shard")


def test_jit_with_mesh_and_rules_on_one_device():
    m = nt.mesh({"data": 1, "model": 1})

    def step(w, x, scale):
        return nt.einsum("batch d, d mlp -> batch mlp", x, w) * scale, {"n": 3}

    x, w = nt.ones({"batch": 4, "d": 2}), nt.ones({"d": 2, "mlp": 3})
    f = nt.jit(step, mesh=m, rules={"batch": "data", "mlp": "model"}, static_argnames="scale")
    out, extra = f(w, x.align_to("d", "batch"), scale=2.0)
    assert extra == {"n": 3} and out.tolist() == [[4.0] * 3] * 4
    assert out.data.sharding.mesh == m and out.sharding_rules == {}  # size 1: not split
    assert f(w, x, 2.0)[0].tolist() == out.tolist()  # static by position too
    g = nt.jit(mesh=m, rules={"batch": "data"})(lambda x: x.sum("d"))  # decorator form
    assert g(x).data.sharding.mesh == m
    assert "sharding" in f.code(w, x, 2.0)
    assert nt.jit(lambda x: x)(x).sharding_rules == {}  # no mesh: nothing changes


def test_jit_mesh_and_rules_bad_input():
    m = nt.mesh({"data": 1})
    f = lambda x: x  # noqa: E731
    raises(TypeError, lambda: nt.jit(f, mesh=m), "nt.jit", "mesh and rules go together")
    raises(TypeError, lambda: nt.jit(f, rules={"a": "data"}), "nt.jit", "only rules")
    raises(TypeError, lambda: nt.jit(f, mesh="data", rules={}), "nt.jit", "jax.sharding.Mesh")
    raises(TypeError, lambda: nt.jit(f, mesh=m, rules="data"), "nt.jit", "mapping")
    raises(nt.AxisNameError, lambda: nt.jit(f, mesh=m, rules={"a": "model"}), "nt.jit",
           "'model'", "mesh {'data': 1}")
    g = nt.jit(lambda x: x * 2.0, mesh=m, rules={"a": "data", "b": "data"})
    raises(nt.AxisNameError, lambda: g(_t({"a": 2, "b": 3})), "nt.jit", "'a' and 'b'",
           "(a=2, b=3)", "argument 0")


def test_from_process_local_on_one_device():
    m = nt.mesh({"data": 1})
    local = np.arange(6.0, dtype=np.float32).reshape(3, 2)
    x = nt.from_process_local(local, "batch feat", m, {"batch": "data"})
    assert x.sizes == {"batch": 3, "feat": 2}
    assert x.data.sharding == NamedSharding(m, PartitionSpec("data", None))
    assert x.tolist() == local.tolist()
    named = nt.tensor(local, "batch feat").align_to("feat", "batch")
    assert nt.from_process_local(named, ["batch", "feat"], m, {}).tolist() == local.tolist()
    assert nt.from_process_local([1, 2], "k", m, {"k": "data"}).dtype == np.int32
    raises(nt.AxisNameError, lambda: nt.from_process_local(named, "batch x", m, {}),
           "nt.from_process_local", "(feat=2, batch=3)")
    raises(nt.AxisNameError, lambda: nt.from_process_local(local, "batch", m, {}),
           "nt.from_process_local")
    raises(TypeError, lambda: nt.from_process_local(local, "a b", None, {}),
           "nt.from_process_local", "Mesh")
    raises(nt.AxisNameError, lambda: nt.from_process_local(local, "a b", m, {"a": "x"}),
           "nt.from_process_local", "'x'", "(a=3, b=2)", "mesh {'data': 1}")


# --- eight devices, one subprocess ------------------------------------------------------
EIGHT = r'''
import os, re, tempfile, time
import jax
import numpy as np
import optax
from hypothesis import HealthCheck, given, settings, strategies as st
from jax.sharding import NamedSharding, PartitionSpec
import namedtensor as nt
from namedtensor.grad import grad, value_and_grad
from namedtensor.testing import assert_allclose

jax.config.update("jax_numpy_rank_promotion", "raise")
assert len(jax.devices()) == 8
PAGE = __PAGE__
started = time.perf_counter()


def raises(exc, fn, *fragments):
    try:
        fn()
    except exc as e:
        message = str(e)
        for fragment in fragments:
            assert fragment in message, (fragment, message)
        assert "12345" not in message, message
        return message
    raise AssertionError(f"{exc.__name__} was not raised")


def piece(t):
    """The sizes of one device's piece of t, by name."""
    return dict(zip(t.names, t.data.addressable_shards[0].data.shape))


# --- meshes -----------------------------------------------------------------------
m8, m42, m2x = nt.mesh({"data": 8}), nt.mesh({"data": 4, "model": 2}), \
    nt.mesh({"data": 2, "model": -1})
assert dict(m8.shape) == {"data": 8} and dict(m42.shape) == {"data": 4, "model": 2}
assert dict(m2x.shape) == {"data": 2, "model": 4} and set(m2x.devices.flat) == set(jax.devices())
raises(nt.AxisSizeError, lambda: nt.mesh({"data": 3}), "nt.mesh", "need 3", "there are 8")
raises(nt.AxisSizeError, lambda: nt.mesh({"data": 3, "model": -1}), "not a multiple of 3")
custom = nt.mesh({"data": 2}, devices=["cpu:6", jax.devices()[1]])
assert [d.id for d in custom.devices.flat] == [6, 1]

# --- layouts by name, whatever the storage order -------------------------------------
x = nt.tensor(np.arange(96, dtype=np.float32).reshape(16, 6), "batch feat")
for t in (x, x.align_to("feat", "batch")):
    s = nt.shard(t, m42, {"batch": "data", "feat": "model"})
    assert s.names == t.names and s.sharding_rules == {"batch": "data", "feat": "model"}
    assert piece(s) == {"batch": 4, "feat": 3}, piece(s)
    assert_allclose(s, x)
wide = nt.shard(x, m42, {"batch": ("data", "model")})
assert wide.sharding_rules == {"batch": ("data", "model")}
assert piece(wide) == {"batch": 2, "feat": 6}
assert piece(nt.shard(x, m8, {"batch": "data"})) == {"batch": 2, "feat": 6}
assert piece(nt.shard(x, m2x, {"batch": "model", "feat": "data"})) == {"batch": 4, "feat": 3}
assert nt.shard(x, m42, {"batch": None}).sharding_rules == {}
shared = nt.shard({"w": nt.ones({"d": 4, "mlp": 8}), "q": nt.ones({"heads": 2, "d": 4})}, m42,
                  {"mlp": "model", "heads": "model", "batch": "data"})
assert shared["w"].sharding_rules == {"mlp": "model"} and piece(shared["w"]) == {"d": 4, "mlp": 4}
assert shared["q"].sharding_rules == {"heads": "model"}
assert piece(shared["q"]) == {"heads": 1, "d": 4}

# --- errors of real splits, by message --------------------------------------------------
bad = nt.full({"batch": 16, "feat": 6}, 12345.678)
raises(nt.AxisSizeError, lambda: nt.shard(bad, m8, {"feat": "data"}), "nt.shard", "axis 'feat'",
       "(batch=16, feat=6)", "size 6", "mesh axis 'data'", "mesh {'data': 8}")
raises(nt.AxisSizeError, lambda: nt.shard(bad, m42, {"feat": ("data", "model")}),
       "mesh axes ['data', 'model']", "8 equal parts", "mesh {'data': 4, 'model': 2}")
raises(nt.AxisSizeError, lambda: nt.shard({"p": [bad]}, m8, {"feat": "data"}), "['p'][0]")
raises(nt.AxisNameError, lambda: nt.shard(bad, m42, {"batch": "data", "feat": "data"}),
       "axes 'batch' and 'feat'", "(batch=16, feat=6)", "mesh axis 'data'",
       "mesh {'data': 4, 'model': 2}")
raises(nt.AxisNameError, lambda: nt.shard(bad, m42, {"batch": "data", "mlp": "modle"}),
       "no axis 'modle'", "did you mean 'model'", "(batch=16, feat=6)",
       "mesh {'data': 4, 'model': 2}")
step_bad = nt.jit(lambda t: t + 1.0, mesh=m8, rules={"feat": "data"})
raises(nt.AxisSizeError, lambda: step_bad(bad), "nt.jit(<lambda>)", "(batch=16, feat=6)",
       "argument 0")
raises(nt.AxisSizeError, lambda: nt.jit(lambda t: nt.shard(t, m8, {"feat": "data"}))(bad),
       "nt.shard", "(batch=16, feat=6)")
raises(nt.AxisSizeError, lambda: nt.from_process_local(np.zeros((6, 2)), "batch feat", m8,
                                                       {"batch": "data"}),
       "nt.from_process_local", "(batch=6, feat=2)", "mesh {'data': 8}")

# --- DeviceMismatchError on meshes ------------------------------------------------------
left = nt.mesh({"data": 4}, devices=jax.devices()[:4])
right = nt.mesh({"data": 4}, devices=jax.devices()[4:])
a = nt.shard(x, left, {"batch": "data"})
b = nt.shard(x, right, {"batch": "data"})
one = x.to("cpu:5")
ids = nt.shard(nt.tensor(np.arange(16) % 6, "batch"), right, {"batch": "data"})
for name, fn in (("add", lambda u, v: u + v),
                 ("einsum", lambda u, v: nt.einsum("batch feat, batch feat -> batch", u, v)),
                 ("stack", lambda u, v: nt.stack([u, v], "k")),
                 ("concat", lambda u, v: nt.concat([u, v], "batch")),
                 ("jit", lambda u, v: nt.jit(lambda p, q: p * q)(u, v))):
    raises(nt.DeviceMismatchError, lambda: fn(a, b), name, "mesh {'data': 4} over cpu:0",
           "mesh {'data': 4} over cpu:4", "nt.shard")
    raises(nt.DeviceMismatchError, lambda: fn(a, one), name, "cpu:5", "mesh {'data': 4}")
raises(nt.DeviceMismatchError, lambda: a[{"feat": ids}], "cpu:0", "cpu:4")
raises(TypeError, lambda: x.to(NamedSharding(m8, PartitionSpec("data"))), "nt.shard")
both = nt.shard(x, m8, {"batch": "data"}) + nt.shard(x, m42, {"feat": "model"})  # one device set
assert_allclose(both, x * 2.0)

# --- property tests: sharded results equal unsharded ones --------------------------------
SIZES = {"a": 8, "b": 4, "c": 2}
MESHES = [m8, m42, m2x]


@st.composite
def layouts(draw):
    m = draw(st.sampled_from(MESHES))
    rules, used = {}, set()
    for name, size in SIZES.items():
        options = [None] + [(a,) for a in m.axis_names] + \
            [tuple(p) for p in (m.axis_names, m.axis_names[::-1]) if len(p) == 2]
        options = [o for o in options if o is None or (
            not used & set(o) and size % int(np.prod([m.shape[a] for a in o])) == 0)]
        choice = draw(st.sampled_from(options))
        if choice is not None:
            used |= set(choice)
            rules[name] = choice[0] if len(choice) == 1 and draw(st.booleans()) else choice
    written = {n: r[0] if isinstance(r, tuple) and len(r) == 1 else r for n, r in rules.items()}
    return m, rules, written


def _scan(x, y, ids):
    return nt.scan(lambda c, s: (c + s, (c * s).sum()), y, x, over="a")


OPS = {
    "elementwise": lambda x, y, ids: nt.exp(x * 0.1) * y + nt.maximum(x, 1.0),
    "reductions": lambda x, y, ids: (x.sum("b"), x.max(["a", "c"]), nt.logsumexp(x, "a"),
                                     nt.softmax(x, "c"), x.mean()),
    "einsum": lambda x, y, ids: (nt.einsum("a b c, b c -> a", x, y),
                                 nt.einsum("a b c, c b -> a b c", x, y)),
    "dot": lambda x, y, ids: nt.dot(x, y, over="c"),
    "gather": lambda x, y, ids: (x[{"b": ids}], y[{"c": 1}]),
    "scan": _scan,
    "vmap": lambda x, y, ids: nt.vmap(lambda r, y: (r * y).sum("b"), over="a")(x, y),
    "grad": lambda x, y, ids: grad(lambda x, y: (nt.tanh(x) * y).sum())(x, y),
    "jit": lambda x, y, ids: nt.jit(
        lambda x, y: nt.einsum("a b c, b c -> a c", nt.sin(x), y))(x, y),
}
rng = np.random.default_rng(0)
X = nt.tensor(rng.normal(size=(8, 4, 2)).astype(np.float32), "a b c")
Y = nt.tensor(rng.normal(size=(4, 2)).astype(np.float32), "b c")
IDS = nt.tensor(rng.integers(0, 4, size=(8, 3)).astype(np.int32), "a k")
EXPECTED = {name: op(X, Y, IDS) for name, op in OPS.items()}
FOLDER = tempfile.mkdtemp()
seen = set()


@settings(max_examples=__EXAMPLES__, deadline=None, database=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
@given(layout=layouts(), op=st.sampled_from(sorted(OPS)), x_order=st.permutations("abc"),
       y_order=st.permutations("bc"), compiled=st.booleans())
def test_sharded_equals_unsharded(layout, op, x_order, y_order, compiled):
    m, rules, written = layout  # a tuple of one mesh axis reads back as the axis
    x, y, ids = nt.shard((X.align_to(*x_order), Y.align_to(*y_order), IDS), m, rules)
    for t in (x, y, ids):
        want = {n: r for n, r in written.items() if n in t.names}
        assert t.sharding_rules == want, (t.sharding_rules, want)
    fn = nt.jit(OPS[op], mesh=m, rules=rules) if compiled else OPS[op]
    got = fn(x, y, ids)
    def is_leaf(v):
        return isinstance(v, nt.NamedTensor)

    for g, e in zip(jax.tree_util.tree_leaves(got, is_leaf=is_leaf),
                    jax.tree_util.tree_leaves(EXPECTED[op], is_leaf=is_leaf)):
        assert_allclose(g, e, rtol=1e-5, atol=1e-5)
        if compiled:
            assert g.sharding_rules == {n: r for n, r in written.items() if n in g.names}
    seen.add(op)
    if not compiled:  # a checkpoint round trip keeps every layout (nt.load(like=sharded))
        tree = {"x": x, "y": y, "ids": ids}
        nt.save(os.path.join(FOLDER, "t.safetensors"), tree)
        back = nt.load(os.path.join(FOLDER, "t.safetensors"), like=tree)
        for k, t in tree.items():
            assert back[k].names == t.names and back[k].data.sharding == t.data.sharding, k
            assert_allclose(back[k], t, rtol=0, atol=0)


test_sharded_equals_unsharded()
assert seen == set(OPS), set(OPS) - seen
print("property tests", round(time.perf_counter() - started, 1), "s", flush=True)

# --- a data + model parallel training step against one device ---------------------------
RULES = {"batch": "data", "mlp": "model", "heads": "model"}


def init(key):
    k1, k2, k3 = nt.random.split(key, 3)
    return {"w1": nt.random.normal(k1, {"d": 8, "mlp": 16}) * 0.3,
            "b1": nt.zeros({"mlp": 16}),
            "w2": nt.random.normal(k2, {"mlp": 16, "out": 4}) * 0.3,
            "wq": nt.random.normal(k3, {"heads": 4, "d": 8, "k": 4}) * 0.3}


def loss_fn(p, x, y):
    h = nt.relu(nt.einsum("batch d, d mlp -> batch mlp", x, p["w1"]) + p["b1"])
    out = nt.einsum("batch mlp, mlp out -> batch out", h, p["w2"])
    att = nt.tanh(nt.einsum("batch d, heads d k -> batch heads k", x, p["wq"])).sum("heads")
    return ((out + att.rename(k="out") - y) ** 2).mean()


def make_step(optimizer):
    def step(p, state, x, y):
        loss, g = value_and_grad(loss_fn)(p, x, y)
        updates, state = optimizer.update(g, state, p)
        return optax.apply_updates(p, updates), state, loss
    return step


data = np.random.default_rng(1)
xb = nt.tensor(data.normal(size=(32, 8)), "batch d", dtype="float32")
yb = nt.tensor(data.normal(size=(4, 32)), "out batch", dtype="float32")


def train(optimizer, mesh=None, rules=RULES, steps=5):
    p = init(nt.random.key(0))
    state = optimizer.init(p)
    if mesh is None:
        step = nt.jit(make_step(optimizer))
    else:
        p, state = nt.shard((p, state), mesh, rules)
        step = nt.jit(make_step(optimizer), mesh=mesh, rules=rules)
    losses = []
    for _ in range(steps):
        p, state, loss = step(p, state, xb, yb)
        losses.append(float(loss))
    return p, state, np.array(losses), step


ref_p, _, ref_losses, _ = train(optax.sgd(0.1))
p, state, losses, step = train(optax.sgd(0.1), m42)
np.testing.assert_allclose(losses, ref_losses, rtol=1e-5, atol=1e-6)
for k in ref_p:
    assert_allclose(p[k], ref_p[k], rtol=1e-5, atol=1e-6)
# the parameters really are split (equal numbers alone would not prove it)
assert p["w1"].sharding_rules == {"mlp": "model"} and piece(p["w1"]) == {"d": 8, "mlp": 8}
assert p["b1"].sharding_rules == {"mlp": "model"} and piece(p["b1"]) == {"mlp": 8}
assert p["wq"].sharding_rules == {"heads": "model"}
assert piece(p["wq"]) == {"heads": 2, "d": 8, "k": 4}
compiled = step.lower(p, state, xb, yb).compile()
specs = [str(s.spec) for s in jax.tree_util.tree_leaves(compiled.input_shardings)]
assert any("model" in s for s in specs) and any("data" in s for s in specs), specs
assert "all-reduce" in compiled.as_text(), "no SPMD collectives in the compiled program"
for mesh, rules in ((m8, {"batch": "data"}), (m2x, RULES)):  # data parallel; wider model
    np.testing.assert_allclose(train(optax.sgd(0.1), mesh, rules)[2], ref_losses, rtol=1e-5,
                               atol=1e-6)
ref_adam = train(optax.adam(1e-2))[2]
_, adam_state, adam_losses, _ = train(optax.adam(1e-2), m42)
np.testing.assert_allclose(adam_losses, ref_adam, rtol=1e-4, atol=1e-4)
print("training", round(time.perf_counter() - started, 1), "s", flush=True)

# --- save / load(like=sharded) keep the layouts -----------------------------------------
path = os.path.join(tempfile.mkdtemp(), "ckpt.safetensors")
nt.save(path, {"params": p, "opt": state, "adam": adam_state})
back = nt.load(path, like={"params": p, "opt": state, "adam": adam_state})
is_leaf = lambda v: isinstance(v, nt.NamedTensor)  # noqa: E731
for got, want in zip(jax.tree_util.tree_leaves(back["adam"], is_leaf=is_leaf),
                     jax.tree_util.tree_leaves(adam_state, is_leaf=is_leaf)):
    gd, wd = (v.data if is_leaf(v) else v for v in (got, want))
    assert gd.sharding == wd.sharding and np.array_equal(np.asarray(gd), np.asarray(wd))
for k in p:
    assert back["params"][k].data.sharding == p[k].data.sharding, k
    assert back["params"][k].sharding_rules == p[k].sharding_rules
    assert_allclose(back["params"][k], p[k], rtol=0, atol=0)
again = step(back["params"], back["opt"], xb, yb)[2]
assert float(again) == float(step(p, state, xb, yb)[2])

# --- the eight-device blocks of docs/scaling.md, in page order ---------------------------
text = open(PAGE, encoding="utf-8").read()
namespace = {"__name__": "docs_scaling"}
for i, (fence, block) in enumerate(re.findall(r"```(python|py)\n(.*?)```", text, flags=re.S)):
    try:
        exec(compile(block, f"scaling.md[block {i}, {fence}]", "exec"), namespace)
    except Exception as e:
        raise AssertionError(f"docs/scaling.md block {i} failed: {e!r}\n{block}") from e
assert namespace["params"]["w_in"].sharding_rules == {"mlp": "model"}
print("eight devices", round(time.perf_counter() - started, 1), "s", flush=True)
print("ok")
'''

EXAMPLES = int(os.environ.get("NT_SHARDING_EXAMPLES", "40"))


def test_eight_devices():
    assert len(_blocks("py")) >= 5  # the page keeps its eight-device examples
    script = EIGHT.replace("__PAGE__", repr(str(PAGE))).replace("__EXAMPLES__", str(EXAMPLES))
    run_isolated(script, devices=8, timeout=300)


# --- two real processes, four devices each ---------------------------------------------
REPORT = r'''
# --- appended by tests/test_sharding.py: compare with one unsharded device --------------
from jax.experimental import multihost_utils
from namedtensor.testing import assert_allclose

assert jax.process_count() == processes and len(jax.devices()) == 4 * processes
assert len(jax.local_devices()) == 4 and x.sizes == {"batch": 32, "feat": 8}
ref = init_params(nt.random.key(0))
ref_state = optimizer.init(ref)
ref_step = nt.jit(train_step)
x1, y1 = nt.tensor(inputs, "batch feat"), nt.tensor(targets, "batch out")
ref_losses = []
for _ in range(5):
    ref, ref_state, loss = ref_step(ref, ref_state, x1, y1)
    ref_losses.append(float(loss))
np.testing.assert_allclose(losses, ref_losses, rtol=1e-5, atol=1e-6)
for k in ref:
    assert params[k].sharding_rules == {"mlp": "model"}
    assert not params[k].data.is_fully_addressable  # split across the processes
    whole = multihost_utils.process_allgather(params[k].data, tiled=True)
    assert_allclose(nt.tensor(whole, params[k].names), ref[k], rtol=1e-5, atol=1e-6)
pred = nt.jit(forward, mesh=mesh, rules=rules)(params, x)  # per example: the rows' order
whole = multihost_utils.process_allgather(pred.data, tiled=True)
assert_allclose(nt.tensor(whole, pred.names), forward(ref, x1), rtol=1e-5, atol=1e-5)
print("ok", flush=True)
'''


TWO_PROCESS_SECONDS = 120  # a normal run takes seconds; a failed peer blocks until this


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_two_processes_run_the_documented_recipe(tmp_path):
    (block,) = _blocks("py3")
    script = tmp_path / "train.py"
    script.write_text(block + REPORT, encoding="utf-8")
    env = {**os.environ, "JAX_PLATFORMS": "cpu",
           "XLA_FLAGS": "--xla_force_host_platform_device_count=4"}
    address = f"127.0.0.1:{_free_port()}"
    logs = [(tmp_path / f"out{i}.txt", tmp_path / f"err{i}.txt") for i in range(2)]
    procs = []
    try:
        for i, (out, err) in enumerate(logs):
            with open(out, "w") as o, open(err, "w") as e:  # files: a full pipe cannot block
                procs.append(subprocess.Popen([sys.executable, str(script), str(i), "2", address],
                                              env=env, stdout=o, stderr=e, cwd=tmp_path))
        deadline = time.monotonic() + TWO_PROCESS_SECONDS
        while any(p.poll() is None for p in procs) and time.monotonic() < deadline:
            if any(p.poll() not in (None, 0) for p in procs):
                break  # one failed: the other would wait for it until a timeout
            time.sleep(0.1)
        timed_out = any(p.poll() is None for p in procs)
    finally:
        for p in procs:  # no stray process, whatever happened
            if p.poll() is None:
                p.kill()
            p.wait()
    report = "\n".join(f"process {i} (exit {p.returncode}):\n{out.read_text()}\n"
                       f"{err.read_text()[-3000:]}" for i, (p, (out, err)) in
                       enumerate(zip(procs, logs)))
    assert not timed_out, f"the two-process run did not finish in {TWO_PROCESS_SECONDS} s\n{report}"
    for p, (out, _) in zip(procs, logs):
        assert p.returncode == 0 and "ok" in out.read_text().split(), report
    assert "losses" in logs[0][0].read_text()
