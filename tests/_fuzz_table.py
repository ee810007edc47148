"""The bad-input fuzz table (used by test_fuzz.py): one good call per public entry point,
and the pools of bad values the fuzz substitutes for one of its arguments.

An :class:`Entry` builds, for one backend, a call ``fn(*args, **kwargs)`` that works.
The fuzz replaces one positional argument or one keyword argument with a bad value
drawn from ``Fix.bad`` (plus, for arguments of a known kind such as ``dtype`` or
``device``, from :data:`KIND_VALUES`). Every tensor in the table is filled with a
sentinel (``VALUE``/``IVALUE``) so that a message that dumps array values is caught.
"""

import atexit
import functools
import inspect
import operator
import os
import shutil
import tempfile
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

import namedtensor as nt
import namedtensor.grad as ntgrad
import namedtensor.testing as ntt
from namedtensor import _ops
from namedtensor.testing import strategies as nts

VALUE = 12345.678  # every float tensor holds it; "12345" must never appear in a message
IVALUE = 12345  # the same for integer tensors
SENTINEL = "12345"


class Entry(NamedTuple):
    name: str  # how a failure names the entry point: "nt.zeros", "t.sum", "x + t"
    words: tuple  # a message must name the operation: it contains one of these
    build: object  # build(fix) -> (fn, args, kwargs), a call that succeeds
    covers: tuple  # the public names it fuzzes (for the completeness check)
    kinds: tuple = ()  # per positional argument: a key of KIND_VALUES for extra bad values
    method: bool = False  # args[0] is the tensor the method is called on: only tensors replace it
    backends: tuple = ("jax", "numpy")
    allow: tuple = ()  # exceptions the entry documents (assert_allclose's AssertionError)
    exclude: tuple = ()  # (slot, label) pairs that are not bad input but a long run
    good: bool = True  # the call succeeds (False: it raises by design, as iter(t) does)

    def __repr__(self):  # hypothesis prints the failing case with it
        return f"Entry({self.name!r})"


# --- the tensors of one backend --------------------------------------------------------
def _t(backend, sizes, value=VALUE, dtype="float32"):
    data = np.full(tuple(sizes.values()), value, dtype=dtype)
    return nt.tensor(data, tuple(sizes), backend=backend)


class Fix:
    """Good tensors of one backend (``t``: a=2, b=3 float32 filled with VALUE, ...)."""

    def __init__(self, backend):
        b = self.backend = backend
        self.other = "numpy" if b == "jax" else "jax"
        self.t = _t(b, {"a": 2, "b": 3})
        self.u = _t(b, {"b": 3, "c": 4})
        self.t1 = _t(b, {"a": 1, "b": 3})
        self.t0 = _t(b, {})
        self.ti0 = _t(b, {}, IVALUE, "int32")
        self.tb = _t(b, {"a": 2, "b": 3}, True, "bool")
        self.ti = _t(b, {"a": 2, "b": 3}, IVALUE, "int32")
        self.ids = nt.tensor(np.array([0, 1], np.int32), "k", backend=b)
        self.small = nt.tensor(np.array([0.1, -0.3], np.float32), "x", backend=b)
        self.key = nt.random.key(0)
        self.bad = _bad_values(self)
        self.tensor_labels = tuple(label for label, value in self.bad.items()
                                   if isinstance(value(), nt.NamedTensor))


@functools.cache
def fix(backend):
    return Fix(backend)


# --- bad values -------------------------------------------------------------------------
def _nested(depth):
    x = 7.0  # not the sentinel: a message may quote a bad (non-array) argument
    for _ in range(depth):
        x = [x]
    return x


def _bad_values(f):
    """label -> thunk (a fresh value per call, so a mutated list cannot leak between calls)."""
    b = f.backend
    tensors = {
        "0-d float32": f.t0,
        "0-d int32": f.ti0,
        "empty (a=0, b=3)": _t(b, {"a": 0, "b": 3}),
        "int8 (a=2, b=3)": _t(b, {"a": 2, "b": 3}, 45, "int8"),
        "uint8 (a=2, b=3)": _t(b, {"a": 2, "b": 3}, 200, "uint8"),
        "bool (a=2, b=3)": f.tb,
        "int32 (a=2, b=3)": f.ti,
        "complex64 (a=2, b=3)": _t(b, {"a": 2, "b": 3}, VALUE + VALUE * 1j, "complex64"),
        "float16 (a=2, b=3)": _t(b, {"a": 2, "b": 3}, 1.5, "float16"),
        "float32 (x=2, y=5)": _t(b, {"x": 2, "y": 5}),
        "float32 (a=5, b=3)": _t(b, {"a": 5, "b": 3}),
        "float32 (b=3, a=2)": _t(b, {"b": 3, "a": 2}),
        "float32 (a=1)": _t(b, {"a": 1}),
        "float32 rank 5": _t(b, {"a": 2, "b": 3, "c": 1, "d": 1, "e": 2}),
        f"{f.other} backend (a=2, b=3)": _t(f.other, {"a": 2, "b": 3}),
        "int32 ids (k=2)": f.ids,
        "int32 ids (a=2)": nt.tensor(np.array([0, 2], np.int32), "a", backend=b),
    }
    values = {label: (lambda t=t: t) for label, t in tensors.items()}
    values.update({
        "None": lambda: None,
        "True": lambda: True,
        "False": lambda: False,
        "0": lambda: 0,
        "1": lambda: 1,
        "-1": lambda: -1,
        "3": lambda: 3,
        "2**70": lambda: 2**70,
        "-2**70": lambda: -2**70,
        "1.5": lambda: 1.5,
        "nan": lambda: float("nan"),
        "inf": lambda: float("inf"),
        "-inf": lambda: float("-inf"),
        "1j": lambda: 1j,
        "np.float32(1.5)": lambda: np.float32(1.5),
        "np.int64(-1)": lambda: np.int64(-1),
        "''": lambda: "",
        "'not a name'": lambda: "not a name",
        "'a b'": lambda: "a b",
        "'a a'": lambda: "a a",
        "'1st'": lambda: "1st",
        "'x-y'": lambda: "x-y",
        "'a'": lambda: "a",
        "'zz'": lambda: "zz",
        "'...'": lambda: "...",
        "b'a'": lambda: b"a",
        "[]": lambda: [],
        "[[1]]": lambda: [[1]],
        "[1.0, None]": lambda: [1.0, None],
        "['a', 'b']": lambda: ["a", "b"],
        "['a', 1]": lambda: ["a", 1],
        "[5-deep list]": lambda: _nested(5),
        "('a',)": lambda: ("a",),
        "(('a', 'b'),)": lambda: (("a", "b"),),
        "{'a'} (set)": lambda: {"a"},
        "frozenset({'a', 'b'})": lambda: frozenset({"a", "b"}),
        "{'a': 1}": lambda: {"a": 1},
        "{'a': -1}": lambda: {"a": -1},
        "{'a': 1.5}": lambda: {"a": 1.5},
        "{'zz': 3}": lambda: {"zz": 3},
        "{1: 2}": lambda: {1: 2},
        "{}": lambda: {},
        "np.zeros(3)": lambda: np.zeros(3),
        "np.zeros(())": lambda: np.zeros(()),
        "np.array(['s'])": lambda: np.array(["s"]),
        "jnp.zeros(3)": lambda: jnp.zeros(3),
        "jnp.zeros(())": lambda: jnp.zeros(()),
        "object()": lambda: object(),
        "lambda": lambda: (lambda *args, **kwargs: None),
        "slice(0, 2)": lambda: slice(0, 2),
        "slice(None, None, 0)": lambda: slice(None, None, 0),
        "Ellipsis": lambda: ...,
        "TensorSpec({'a': 2})": lambda: nt.TensorSpec({"a": 2}),
        "random key": lambda: nt.random.key(1),
        "range(3)": lambda: range(3),
    })
    return values


# Extra bad values for arguments of a known kind (keyword name or Entry.kinds).
_NAMES = ["a'", "seq''", "a b c", " a ", "é", "class", "a\nb", "_", "a" * 300, ("a", "a"),
          ("a", None), [["a"]]]
KIND_VALUES = {
    "dtype": ["int4", "float8_e4m3fn", "bfloat16", "object", "U3", "datetime64[s]", "V8",
              "flaot32", np.int8, np.dtype("complex128"), "int64", "float64", "uint64", int,
              float, bool, str],
    "device": ["cpu:9", "cpu:-1", "cpu:x", "tpu", "gpu", "cpu:0", "CPU", "cpu:", ":0",
               "cpu:\u0663", jax.devices()[0],
               jax.sharding.SingleDeviceSharding(jax.devices()[0])],  # a layout: nt.shard
    "backend": ["torch", "JAX", "numpy ", "Numpy"],
    "names": _NAMES, "name": _NAMES, "over": _NAMES, "into": _NAMES,
    "static_argnames": _NAMES,
    "spec": ["a b, b c", "a b -> a", "a b, b c -> a c d", "a b, b c -> a a", "-> a c",
             "a b, b c -> ...", "... , ... -> ...", "a b,, b c -> a c", "a b c, b c -> a c",
             "a.b, b c -> a c", "a b, b c -> a c -> a", "->", ",", "a b, b c, c -> a"],
    "optimize": ["optimal", "dp", "greedy", "branch-2", "no-such", False, True, [(0, 1)],
                 [(0, 5)], [(0,)], "auto-hq", ["einsum_path", (0, 1)]],
    "sizes": [{"a": 2**62, "b": 4}, {"a": True}, {"a": np.int64(2)}, {"a": np.zeros(())},
              {"a": None}, {"a'": 2}, [("a", 2)], {"a": 2, "b": 3, "c": -1}],
    "ddof": [3, 100, -1, 2.5],
    "argnums": [(0, 0), (1,), 1, 5, [0], ("a",), ()],
    "modes": [("fwd",), ("sideways",), "fwd", ()],
    "order": [0, 2, -1],
    "unroll": [0, -1, 2, 10**9],
    "count": [0, -1, 1.5],
    "seed": [2**32, -1, 2**64, np.uint32(7)],
    # values (full's value, bounds of random numbers): ints beyond int32 and int64 too
    "scalar": [np.float64(0.5), jnp.float32(0.5), 2**31, -2**31 - 1, 2**63],
    # an end of arange: no in-memory-sized huge range (that is a real, slow allocation)
    "bound": [np.int64(3), jnp.int32(3), 2.5, -3, 2**63, np.uint64(2**63)],
}
for _kind, _alias in (("warmup", "count"), ("repeat", "count"), ("number", "count"),
                      ("low", "scalar"), ("high", "scalar"), ("rtol", "scalar"),
                      ("atol", "scalar"), ("eps", "scalar"), ("max_length", "count"),
                      ("min_rank", "count"), ("max_rank", "count"), ("min_size", "count"),
                      ("max_size", "count"), ("max_names", "count"),
                      ("max_operands", "count"), ("min_operands", "count")):
    KIND_VALUES[_kind] = KIND_VALUES[_alias]


def extra_values(kind):
    """label -> thunk: the extra bad values of an argument of kind ``kind``."""
    return {f"{kind}={v!r}"[:60]: (lambda v=v: v) for v in KIND_VALUES.get(kind, ())}


# --- helpers for building calls ------------------------------------------------------
def _method(name):
    """``t.name(*args, **kwargs)`` as a function of ``t``."""
    def call(self, *args, **kwargs):
        return getattr(self, name)(*args, **kwargs)
    call.__name__ = f"t.{name}"
    return call


DRAW = [None]  # the strategies' entries draw with this (hypothesis' data.draw, set per test)


def _drawn(strategy):
    def call(*args, **kwargs):
        return DRAW[0](strategy(*args, **kwargs))
    call.__name__ = strategy.__name__
    return call


def _in_list(fn):
    """``fn([first, second], name)``: bad values inside the list of tensors."""
    def call(first, second, name):
        return fn([first, second], name)
    call.__name__ = fn.__name__
    return call


def _call(fn, tensors, names=(), kwargs=None):
    """A build: ``fn(*tensors, *names, **kwargs)``, tensors named by Fix attribute."""
    def build(f):
        return fn, tuple(getattr(f, t) for t in tensors) + tuple(names), dict(kwargs or {})
    return build


def _double(x):
    return nt.multiply(x, 2.0)


def _loss(x):
    return nt.sum(nt.multiply(x, x))


def _smooth(x):
    return nt.sum(nt.tanh(x))


def _step(carry, x):
    return nt.add(carry, x), nt.multiply(x, 2.0)


def _host_identity(x):
    return x


def _xarray():
    import xarray
    return xarray.DataArray(np.full((2, 3), VALUE, np.float32), dims=("a", "b"))


# --- the table -------------------------------------------------------------------------
def _creation_entries():
    e = []

    def add(name, build, kinds=(), words=None, covers=None):
        short = name.split(".")[-1]
        e.append(Entry(name, words or (short,), build, covers or (name,), kinds))

    data = lambda: np.full((2, 3), VALUE, np.float32)  # noqa: E731
    add("nt.tensor", lambda f: (nt.tensor, (data(), "a b"),
                                dict(dtype="float32", device="cpu", backend=f.backend)),
        kinds=("", "names"))
    add("nt.from_numpy", lambda f: (nt.from_numpy, (data(), "a b"), dict(backend=f.backend)),
        kinds=("", "names"))
    add("nt.NamedTensor", lambda f: (nt.NamedTensor, (data(), ("a", "b")), {}),
        kinds=("", "names"))
    for op in ("zeros", "ones"):
        add(f"nt.{op}", lambda f, op=op: (getattr(nt, op), ({"a": 2, "b": 3},),
                                          dict(dtype="float32", device="cpu",
                                               backend=f.backend)),
            kinds=("sizes",))
    add("nt.full", lambda f: (nt.full, ({"a": 2, "b": 3}, VALUE),
                              dict(dtype="float32", device="cpu", backend=f.backend)),
        kinds=("sizes", "scalar"))
    add("nt.full(dtype=None)", lambda f: (nt.full, ({"a": 2, "b": 3}, VALUE),
                                          dict(device="cpu", backend=f.backend)),
        kinds=("sizes", "scalar"), words=("full",), covers=("nt.full",))
    add("nt.arange", lambda f: (nt.arange, ("x", 0, 4, 1),
                                dict(dtype="int32", device="cpu", backend=f.backend)),
        kinds=("name", "bound", "bound", "bound"))
    add("nt.arange(name, stop)", lambda f: (nt.arange, ("x", 4),
                                            dict(device="cpu", backend=f.backend)),
        kinds=("name", "bound"), words=("arange",), covers=("nt.arange",))
    add("nt.linspace", lambda f: (nt.linspace, ("x", 0.0, 1.0, 5),
                                  dict(dtype="float32", device="cpu", backend=f.backend)),
        kinds=("name", "scalar", "scalar", "count"))
    add("nt.from_xarray", lambda f: (nt.from_xarray, (_xarray(),), dict(backend=f.backend)))
    return e


def _contraction_and_shape_entries():
    e = []

    def add(name, build, kinds=(), words=None, covers=None, **kw):
        short = name.split("(")[0].split(".")[-1]
        e.append(Entry(name, words or (short,), build, covers or (name.split("(")[0],), kinds,
                       **kw))

    add("nt.einsum", lambda f: (nt.einsum, ("a b, b c -> a c", f.t, f.u),
                                dict(optimize="auto")), kinds=("spec",))
    add("nt.dot", lambda f: (nt.dot, (f.t, f.u), dict(over="b", optimize="auto")))
    add("nt.explain", lambda f: (nt.explain, ("a b, b c -> a c", f.t, f.u),
                                 dict(optimize="auto")), kinds=("spec",))
    add("nt.stack", lambda f: (nt.stack, ([f.t, f.t], "k"), {}), kinds=("", "name"))
    add("nt.stack([t, x])", lambda f: (_in_list(nt.stack), (f.t, f.t, "k"), {}),
        kinds=("", "", "name"))
    add("nt.concat", lambda f: (nt.concat, ([f.t, f.t], "a"), {}), kinds=("", "name"))
    add("nt.concat([t, x])", lambda f: (_in_list(nt.concat), (f.t, f.t, "a"), {}),
        kinds=("", "", "name"))
    add("nt.unstack", lambda f: (nt.unstack, (f.t, "a"), {}), kinds=("", "name"))
    add("nt.align", lambda f: (nt.align, (f.t, f.u), {}))
    add("nt.where", lambda f: (nt.where, (f.tb, f.t, 0.0), {}))
    add("nt.clip", lambda f: (nt.clip, (f.t, 0.0, 1.0), {}))
    return e


_BOOLEAN = {"logical_not", "invert", "bitwise_and", "bitwise_or", "bitwise_xor", "any", "all"}


def _op_entries():
    """Every op of ``namedtensor._ops.__all__`` (but where/clip), by its signature."""
    e = []
    for name in _ops.__all__:
        if name in ("where", "clip"):
            continue
        fn = getattr(nt, name)
        params = tuple(inspect.signature(fn).parameters)
        t = "tb" if name in _BOOLEAN else "t"
        if params == ("t",):
            build, kinds = _call(fn, (t,)), ()
        elif params == ("a", "b"):
            build, kinds = _call(fn, (t, t) if t == "tb" else ("t", "u")), ()
        elif params[:2] == ("t", "names"):
            build = _call(fn, (t,), ("a",), {"ddof": 0} if "ddof" in params else {})
            kinds = ("", "names")
        elif params == ("t", "name"):
            build, kinds = _call(fn, ("t",), ("b",)), ("", "name")
        else:
            continue  # an op of a new shape: the completeness check asks for an entry
        e.append(Entry(f"nt.{name}", (name,), build, (f"nt.{name}",), kinds))
    return e


def _method_entries():
    e = []

    def add(name, build, words, kinds=(), covers=None, **kw):
        e.append(Entry(name, words, build, covers or (f"nt.NamedTensor.{name[2:].split('(')[0]}",),
                       kinds, method=True, **kw))

    for m in ("sum", "mean", "prod", "max", "min", "logsumexp", "any", "all"):
        add(f"t.{m}", lambda f, m=m: (_method(m), (f.tb if m in _BOOLEAN else f.t, "a"), {}),
            (m,), ("", "names"))
    for m in ("std", "var"):
        add(f"t.{m}", lambda f, m=m: (_method(m), (f.t, "a"), dict(ddof=0)), (m,), ("", "names"))
    for m in ("argmax", "argmin"):
        add(f"t.{m}", lambda f, m=m: (_method(m), (f.t, "a"), {}), (m,), ("", "name"))
    add("t.rename(mapping)", lambda f: (_method("rename"), (f.t, {"a": "x"}), {}), ("rename",))
    add("t.rename(a=...)", lambda f: (_method("rename"), (f.t,), dict(a="x")), ("rename",),
        covers=("nt.NamedTensor.rename",))
    add("t.align_to", lambda f: (_method("align_to"), (f.t, "b", "a"), {}), ("align_to",),
        ("", "name", "name"))
    add("t.flatten", lambda f: (_method("flatten"), (f.t, ["a", "b"], "ab"), {}), ("flatten",),
        ("", "names", "into"))
    add("t.unflatten", lambda f: (_method("unflatten"), (f.t, "b", {"h": 3, "w": 1}), {}),
        ("unflatten",), ("", "name", "sizes"))
    add("t.expand", lambda f: (_method("expand"), (f.t, {"c": 4}), {}), ("expand",),
        ("", "sizes"))
    add("t.squeeze", lambda f: (_method("squeeze"), (f.t1, "a"), {}), ("squeeze",),
        ("", "name"))
    add("t.split", lambda f: (_method("split"), (f.t, "b", [1, 2]), {}), ("split",),
        ("", "name"))
    add("t.split([1, x])", lambda f: (lambda self, size: self.split("b", [1, size]), (f.t, 2),
                                      {}), ("split",), covers=("nt.NamedTensor.split",))
    add("t.unstack", lambda f: (_method("unstack"), (f.t, "a"), {}), ("unstack",),
        ("", "name"))
    add("t[index]", lambda f: (operator.getitem, (f.t, {"a": 0}), {}), ("index",),
        covers=("nt.NamedTensor.__getitem__",))
    add("t[{'a': x}]", lambda f: (lambda self, key: self[{"a": key}], (f.t, slice(0, 1)), {}),
        ("index",), covers=("nt.NamedTensor.__getitem__",))
    add("t[{'b': ids}]", lambda f: (lambda self, ids: self[{"b": ids}], (f.t, f.ids), {}),
        ("index",), covers=("nt.NamedTensor.__getitem__",))
    add("t.astype", lambda f: (_method("astype"), (f.t, "int32"), {}), ("astype",),
        ("", "dtype"))
    add("t.to", lambda f: (_method("to"), (f.t, "cpu"), {}), ("to(", "to:", ".to", " to "),
        ("", "device"))
    add("t.numpy", lambda f: (_method("numpy"), (f.t,), {}), ("numpy",))
    add("t.item", lambda f: (_method("item"), (f.t0,), {}), ("item",))
    add("t.tolist", lambda f: (_method("tolist"), (f.t,), {}), ("tolist",))
    add("t.to_xarray", lambda f: (_method("to_xarray"), (f.t,), {}), ("to_xarray",))
    add("float(t)", lambda f: (float, (f.t0,), {}), ("float()",),
        covers=("nt.NamedTensor.__float__",))
    add("int(t)", lambda f: (int, (f.ti0,), {}), ("int()",), covers=("nt.NamedTensor.__int__",))
    add("bool(t)", lambda f: (bool, (f.t0,), {}), ("bool()",),
        covers=("nt.NamedTensor.__bool__",))
    add("operator.index(t)", lambda f: (operator.index, (f.ti0,), {}), ("index",),
        covers=("nt.NamedTensor.__index__",))
    add("t.__array__", lambda f: (lambda self, dtype: self.__array__(dtype), (f.t, None), {}),
        ("__array__", "asarray", "np.array"),
        ("", "dtype"), covers=("nt.NamedTensor.__array__",))
    add("iter(t)", lambda f: (lambda self: iter(self), (f.t,), {}), ("iter",),
        covers=("nt.NamedTensor.__iter__",), good=False)
    add("repr(t)", lambda f: (repr, (f.t,), {}), ("repr",), covers=("nt.NamedTensor.__repr__",))
    return e


# operator symbol -> (function, op name in messages, forward dunder, reflected dunder,
#                     op name of the reflected call)
_OPERATORS = {
    "+": (operator.add, "add", "__add__", "__radd__", "add"),
    "-": (operator.sub, "subtract", "__sub__", "__rsub__", "subtract"),
    "*": (operator.mul, "multiply", "__mul__", "__rmul__", "multiply"),
    "/": (operator.truediv, "divide", "__truediv__", "__rtruediv__", "divide"),
    "//": (operator.floordiv, "floor_divide", "__floordiv__", "__rfloordiv__", "floor_divide"),
    "%": (operator.mod, "remainder", "__mod__", "__rmod__", "remainder"),
    "**": (operator.pow, "power", "__pow__", "__rpow__", "power"),
    "&": (operator.and_, "bitwise_and", "__and__", "__rand__", "bitwise_and"),
    "|": (operator.or_, "bitwise_or", "__or__", "__ror__", "bitwise_or"),
    "^": (operator.xor, "bitwise_xor", "__xor__", "__rxor__", "bitwise_xor"),
    "<": (operator.lt, "less", "__lt__", None, "greater"),
    "<=": (operator.le, "less_equal", "__le__", None, "greater_equal"),
    ">": (operator.gt, "greater", "__gt__", None, "less"),
    ">=": (operator.ge, "greater_equal", "__ge__", None, "less_equal"),
    "==": (operator.eq, "equal", "__eq__", None, "equal"),
    "!=": (operator.ne, "not_equal", "__ne__", None, "not_equal"),
}
_UNARY_OPERATORS = {"-t": (operator.neg, "negative", "__neg__"),
                    "+t": (operator.pos, "pos", "__pos__"),
                    "abs(t)": (abs, "abs", "__abs__"),
                    "~t": (operator.invert, "invert", "__invert__")}


def _operator_entries():
    e = []
    for sym, (fn, word, fwd, ref, rword) in _OPERATORS.items():
        good = _call(fn, ("tb", "tb") if word.startswith("bitwise") else ("t", "u"))
        # t OP x: the left operand is the tensor (method=True: only tensors replace it)
        e.append(Entry(f"t {sym} x", (word,), good, (f"nt.NamedTensor.{fwd}",), method=True))
        # x OP t: anything on the left (reflected dunder, or the swapped comparison)
        e.append(Entry(f"x {sym} t", (word, rword), good,
                       (f"nt.NamedTensor.{ref}",) if ref else ()))
    for sym, (fn, word, dunder) in _UNARY_OPERATORS.items():
        e.append(Entry(sym, (word,), _call(fn, ("tb" if word == "invert" else "t",)),
                       (f"nt.NamedTensor.{dunder}",), method=True))
    return e


def _transform_entries():
    e = []

    def add(name, words, build, covers, kinds=(), backends=("jax", "numpy"), **kw):
        e.append(Entry(name, words, build, covers, kinds, backends=backends, **kw))

    add("nt.jit(f)(x)", ("jit", "multiply"),
        lambda f: (lambda fn, x, static_argnames: nt.jit(fn, static_argnames=static_argnames)(x),
                   (_double, f.t, None), {}), ("nt.jit",), ("", "", "static_argnames"))
    add("nt.jit(f).code(x)", ("jit", "code", "multiply"),
        lambda f: (lambda fn, x: nt.jit(fn).code(x), (_double, f.t), {}), ("nt.jit",),
        exclude=((0, "None"),))  # nt.jit(None) is the decorator form: it has no .code
    add("nt.vmap(f, over)(x)", ("vmap", "multiply"),
        lambda f: (lambda fn, over, x: nt.vmap(fn, over=over)(x), (_double, "a", f.t), {}),
        ("nt.vmap",), ("", "over"))
    add("nt.scan", ("scan", "add", "multiply"),
        lambda f: (nt.scan, (_step, _t(f.backend, {"b": 3}), f.t, "a"),
                   dict(reverse=False, unroll=1)), ("nt.scan",), ("", "", "", "over"))
    add("nt.callback", ("callback",),
        lambda f: (nt.callback, (_host_identity, nt.TensorSpec({"a": 2, "b": 3}), f.t), {}),
        ("nt.callback",))
    add("nt.TensorSpec", ("TensorSpec",),
        lambda f: (nt.TensorSpec, ({"a": 2, "b": None},), dict(dtype="float32")),
        ("nt.TensorSpec",), ("sizes",), backends=("jax",))
    add("nt.TensorSpec.like", ("TensorSpec", "like"),
        lambda f: (nt.TensorSpec.like, (f.t,), {}), ("nt.TensorSpec.like",))
    # a huge warmup/repeat/number is a long run, not bad input: left out of the draws
    long = tuple((slot, label) for slot in ("warmup", "repeat", "number")
                 for label in ("2**70", "0-d int32"))
    add("nt.benchmark", ("benchmark", "multiply"),
        lambda f: (nt.benchmark, (_double, f.t), dict(warmup=1, repeat=2, number=1)),
        ("nt.benchmark",), exclude=long)
    add("nt.BenchmarkResult.format", ("format",),
        lambda f: (nt.BenchmarkResult.format, (1e-3,), {}), ("nt.BenchmarkResult.format",),
        backends=("jax",))
    add("nt.clear_caches", ("clear_caches",), lambda f: (nt.clear_caches, (), {}),
        ("nt.clear_caches",), backends=("jax",))
    add("nt.devices", ("devices",), lambda f: (nt.devices, (), {}), ("nt.devices",),
        backends=("jax",))
    add("nt.default_device", ("default_device",), lambda f: (nt.default_device, (), {}),
        ("nt.default_device",), backends=("jax",))
    return e


def _random_entries():
    e = []
    sizes = {"a": 2, "b": 3}

    def add(name, build, kinds=()):
        e.append(Entry(f"nt.random.{name}", (name,), build, (f"nt.random.{name}",), kinds,
                       backends=("jax",)))

    add("key", lambda f: (nt.random.key, (0,), {}), ("seed",))
    add("split", lambda f: (nt.random.split, (f.key, 2), {}))
    add("normal", lambda f: (nt.random.normal, (f.key, sizes), dict(dtype="float32")),
        ("", "sizes"))
    add("uniform", lambda f: (nt.random.uniform, (f.key, sizes),
                              dict(low=0.0, high=1.0, dtype="float32")), ("", "sizes"))
    add("bernoulli", lambda f: (nt.random.bernoulli, (f.key, 0.5, sizes), {}),
        ("", "scalar", "sizes"))
    add("randint", lambda f: (nt.random.randint, (f.key, sizes, 0, 10), dict(dtype="int32")),
        ("", "sizes", "scalar", "scalar"))
    return e


def _grad_entries():
    e = []

    def add(name, words, build, kinds=(), **kw):
        e.append(Entry(f"namedtensor.grad.{name}", words, build,
                       (f"namedtensor.grad.{name.split('(')[0]}",), kinds, **kw))

    add("grad", ("grad", "multiply", "sum"),
        lambda f: (lambda fn, argnums, has_aux, x:
                   ntgrad.grad(fn, argnums=argnums, has_aux=has_aux)(x),
                   (_loss, 0, False, f.t), {}), ("", "argnums"))
    add("value_and_grad", ("value_and_grad", "multiply", "sum"),
        lambda f: (lambda fn, argnums, has_aux, x:
                   ntgrad.value_and_grad(fn, argnums=argnums, has_aux=has_aux)(x),
                   (_loss, 0, False, f.t), {}), ("", "argnums"))
    add("vjp", ("vjp", "multiply"),
        lambda f: (lambda fn, x, cotangent: ntgrad.vjp(fn, x)[1](cotangent),
                   (_double, f.t, f.t), {}))
    add("jvp", ("jvp", "multiply"),
        lambda f: (ntgrad.jvp, (_double, (f.t,), (f.t,)), {}))
    add("jvp((x,), (tx,))", ("jvp", "multiply"),
        lambda f: (lambda fn, x, tx: ntgrad.jvp(fn, (x,), (tx,)), (_double, f.t, f.t), {}))
    # check_grads documents AssertionError for derivatives that disagree. A huge order
    # runs without end, eating memory: test_fuzz's subprocess cases try it
    add("check_grads", ("check_grads", "tanh", "sum"),
        lambda f: (ntgrad.check_grads, (_smooth, (f.small,)),
                   dict(order=1, modes=("fwd", "rev"), atol=1e-2, rtol=1e-2, eps=1e-2)),
        allow=(AssertionError,), exclude=(("order", "2**70"), ("order", "0-d int32")))
    return e


def _testing_entries():
    e = []

    def add(name, build, kinds=(), backends=("jax", "numpy"), **kw):
        short = name.split(".")[-1]
        e.append(Entry(f"namedtensor.testing.{name}", (short,), build,
                       (f"namedtensor.testing.{name}",), kinds, backends=backends, **kw))

    # assert_allclose documents AssertionError for tensors that differ
    add("assert_allclose", lambda f: (ntt.assert_allclose, (f.t, f.t),
                                      dict(rtol=1e-6, atol=0, err_msg="")),
        allow=(AssertionError,))
    add("strategies.axis_names", lambda f: (_drawn(nts.axis_names), (), dict(max_length=8)),
        backends=("jax",))
    add("strategies.sizes", lambda f: (_drawn(nts.sizes), (), dict(
        names=None, min_rank=0, max_rank=4, min_size=1, max_size=5)), backends=("jax",))
    add("strategies.named_tensors", lambda f: (_drawn(nts.named_tensors), (), dict(
        sizes={"a": 2}, dtype="float32", elements=None, backend=f.backend)))
    add("strategies.broadcastable", lambda f: (_drawn(nts.broadcastable), (2,), dict(
        max_names=8, dtype="float32", backend=f.backend, min_rank=0, max_rank=4, min_size=1,
        max_size=5)))
    add("strategies.permuted", lambda f: (_drawn(nts.permuted), (f.t,), {}))
    add("strategies.einsum_problems", lambda f: (_drawn(nts.einsum_problems), (), dict(
        max_operands=4, max_names=8, min_operands=1, max_rank=4, min_size=1, max_size=5,
        dtype="float32", backend=f.backend)))
    return e


@functools.cache
def _folder():
    """A scratch folder for exported files, removed at exit."""
    folder = tempfile.mkdtemp(prefix="nt-fuzz-")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


@functools.cache
def _exported():
    """_double exported once, with a symbolic size for ``a``."""
    return nt.export(_double, nt.TensorSpec({"a": None, "b": 3}))


@functools.cache
def _exported_file():
    path = os.path.join(_folder(), "double.ntexport")
    _exported().save(path)
    return path


def _in_folder(fn):
    """``fn`` run inside the scratch folder: a bad path that is still a valid file name
    (``"a b"``) writes there, never into the tests' working directory."""
    @functools.wraps(fn)
    def run(*args, **kwargs):
        cwd = os.getcwd()
        os.chdir(_folder())
        try:
            return fn(*args, **kwargs)
        finally:
            os.chdir(cwd)
    return run


_save_exported = _in_folder(lambda path: _exported().save(path))


@functools.cache
def _checkpoint(backend):
    """A file written by nt.save, with a named tensor, an array and metadata."""
    path = os.path.join(_folder(), f"ckpt-{backend}.safetensors")
    nt.save(path, {"t": fix(backend).t, "n": np.arange(3, dtype=np.int32)},
            metadata={"step": "1"})
    return path


def _export_entries():
    e = []

    def add(name, words, build, covers, kinds=(), backends=("jax", "numpy"), **kw):
        e.append(Entry(name, words, build, covers, kinds, backends=backends, **kw))

    add("nt.export", ("export", "multiply"),
        lambda f: (nt.export, (_double, f.t), dict(vjp_order=0)), ("nt.export",))
    add("nt.Exported(x)", ("Exported",), lambda f: (lambda x: _exported()(x), (f.t,), {}),
        ("nt.Exported",))
    add("nt.Exported.code", ("code",), lambda f: (lambda: _exported().code(), (), {}),
        ("nt.Exported.code",), backends=("jax",))
    add("nt.Exported.save", ("save",), lambda f: (_save_exported, ("double.ntexport",), {}),
        ("nt.Exported.save",), backends=("jax",))
    add("nt.save", ("save",), lambda f: (_in_folder(nt.save), (
        "ckpt.safetensors", {"t": f.t, "layers": [f.ti, (f.tb, None)]}),
        dict(metadata={"step": "1"})), ("nt.save",))
    add("nt.load", ("load",), lambda f: (_in_folder(nt.load), (_checkpoint(f.backend),), dict(
        like={"t": nt.TensorSpec(f.t.sizes), "n": np.zeros(3, np.int32)},
        backend=f.backend, names=None)), ("nt.load",))
    add("nt.load_metadata", ("load_metadata",), lambda f: (
        _in_folder(nt.load_metadata), (_checkpoint(f.backend),), {}), ("nt.load_metadata",))
    add("nt.load_exported", ("load_exported",),
        lambda f: (nt.load_exported, (_exported_file(),), {}), ("nt.load_exported",),
        backends=("jax",))
    return e


@functools.cache
def _mesh1():
    """A mesh of the one device the main test process has."""
    return nt.mesh({"data": 1}, devices=[jax.devices()[0]])


def _sharding_entries():
    e = []

    def add(name, words, build, covers, kinds=(), backends=("jax", "numpy"), **kw):
        e.append(Entry(name, words, build, covers, kinds, backends=backends, **kw))

    data = lambda: np.full((2, 3), VALUE, np.float32)  # noqa: E731
    add("nt.mesh", ("mesh",), lambda f: (nt.mesh, ({"data": -1},), dict(devices=None)),
        ("nt.mesh",), ("sizes",), backends=("jax",))
    add("nt.shard", ("shard",), lambda f: (nt.shard, (f.t, _mesh1(), {"a": "data"}), {}),
        ("nt.shard",))
    add("nt.shard(tree)", ("shard",), lambda f: (
        nt.shard, ({"w": f.t, "v": [f.u, jnp.zeros(())]}, _mesh1(), {"b": ("data",)}), {}),
        ("nt.shard",))
    add("nt.from_process_local", ("from_process_local",), lambda f: (
        nt.from_process_local, (data(), "a b", _mesh1(), {"a": "data"}), {}),
        ("nt.from_process_local",), ("", "names"))
    add("nt.jit(f, mesh, rules)(x)", ("jit", "multiply"), lambda f: (
        lambda fn, x, mesh, rules: nt.jit(fn, mesh=mesh, rules=rules)(x),
        (_double, f.t, _mesh1(), {"a": "data"}), {}), ("nt.jit",))
    return e


def _window_entries():
    """nt.conv, nt.pool, nt.pad (issue 12, _windows.py)."""
    e = []

    def add(name, build, kinds=()):
        short = name.split("(")[0].split(".")[-1]
        e.append(Entry(name, (short,), build, (name.split("(")[0],), kinds))

    def image(f):
        return _t(f.backend, {"n": 1, "h": 4, "c": 2}), _t(f.backend, {"kh": 2, "c": 2, "o": 3})

    add("nt.conv", lambda f: (nt.conv, (*image(f), {"h": "kh"}, "c"),
                              dict(stride=1, padding="VALID", dilation=1)),
        ("", "", "", "over"))
    add("nt.conv(mappings)", lambda f: (nt.conv, (*image(f), {"h": "kh"}, ["c"]),
                                        dict(stride={"h": 2}, padding={"h": (1, 0)},
                                             dilation={"h": 2})), ("", "", "", "over"))
    add("nt.pool", lambda f: (nt.pool, (_t(f.backend, {"c": 2, "h": 4}), {"h": 2}),
                              dict(reduce="max", stride=None, padding="VALID")))
    add("nt.pool(mappings)", lambda f: (nt.pool, (_t(f.backend, {"c": 2, "h": 4}), {"h": 3}),
                                        dict(reduce="mean", stride={"h": 1},
                                             padding={"h": (1, 2)})))
    add("nt.pad", lambda f: (nt.pad, (f.t, {"a": (1, 2)}), dict(mode="constant", value=0.0)))
    add("nt.pad(mode)", lambda f: (nt.pad, (f.ti, {"b": (2, 1)}), dict(mode="reflect")))
    return e


def _name_and_order_entries():
    """t.prime/unprime, nt.sort/argsort/top_k/roll/flip (issue 12)."""
    e = []
    # nt.sort and nt.argsort have the signatures of _op_entries: fuzzed there
    e.append(Entry("nt.flip", ("flip",), lambda f: (nt.flip, (f.t, ["a", "b"]), {}),
                   ("nt.flip",), ("", "names")))
    e.append(Entry("nt.top_k", ("top_k",), lambda f: (nt.top_k, (f.t, "b", 2), dict(into="k")),
                   ("nt.top_k",), ("", "name", "count")))
    e.append(Entry("nt.roll", ("roll",), lambda f: (nt.roll, (f.t, {"a": 1, "b": -4}), {}),
                   ("nt.roll",)))
    e.append(Entry("t.prime", ("prime",), lambda f: (_method("prime"), (f.t, "a"), {}),
                   ("nt.NamedTensor.prime",), ("", "name"), method=True))
    e.append(Entry("t.unprime", ("unprime",),
                   lambda f: (_method("unprime"), (f.t.prime("b"), "b'"), {}),
                   ("nt.NamedTensor.unprime",), ("", "name"), method=True))
    return e


def _creation_and_control_entries():
    """one_hot, *_like, use_backend, random.categorical/permutation/dropout, cond,
    while_loop, fori_loop (issue 12)."""
    e = []

    def add(name, words, build, covers, kinds=(), backends=("jax", "numpy"), **kw):
        e.append(Entry(name, words, build, covers, kinds, backends=backends, **kw))

    def with_backend(backend):
        with nt.use_backend(backend):
            return nt.zeros({"a": 2})

    for fn in ("zeros_like", "ones_like"):
        add(f"nt.{fn}", (fn,), lambda f, fn=fn: (getattr(nt, fn), (f.t,), dict(
            dtype="float32", device="cpu", backend=f.backend)), (f"nt.{fn}",))
    add("nt.full_like", ("full_like",), lambda f: (nt.full_like, (f.t, VALUE), dict(
        dtype="float32", device="cpu", backend=f.backend)), ("nt.full_like",), ("", "scalar"))
    add("nt.one_hot", ("one_hot",), lambda f: (nt.one_hot, (f.ids, "v", 3, "float32"), dict(
        backend=f.backend)), ("nt.one_hot",), ("", "name", "count", "dtype"))
    add("nt.use_backend", ("use_backend",), lambda f: (with_backend, (f.backend,), {}),
        ("nt.use_backend",), ("backend",))
    add("nt.from_xarray(names=)", ("from_xarray",), lambda f: (nt.from_xarray, (
        _xarray(), {"a": "x"}), dict(backend=f.backend)), ("nt.from_xarray",),
        ("", "names"))
    add("nt.grad(f)(x)", ("grad", "multiply", "sum"), lambda f: (
        lambda fn, argnums, has_aux, x: nt.grad(fn, argnums=argnums, has_aux=has_aux)(x),
        (_loss, 0, False, f.t), {}), ("nt.grad",), ("", "argnums"))
    add("nt.value_and_grad(f)(x)", ("value_and_grad", "multiply", "sum"), lambda f: (
        lambda fn, argnums, has_aux, x:
        nt.value_and_grad(fn, argnums=argnums, has_aux=has_aux)(x),
        (_loss, 0, False, f.t), {}), ("nt.value_and_grad",), ("", "argnums"))
    add("nt.cond", ("cond", "multiply"), lambda f: (nt.cond, (True, _double, _double, f.t), {}),
        ("nt.cond",))
    add("nt.cond(0-d pred)", ("cond", "multiply"), lambda f: (
        nt.cond, (nt.tensor(False, (), backend=f.backend), _double, _double, f.t), {}),
        ("nt.cond",))
    add("nt.while_loop", ("while_loop", "sum", "less", "multiply"), lambda f: (
        nt.while_loop, (lambda c: nt.less(nt.sum(c), 0.0), _double, f.t), {}),
        ("nt.while_loop",))
    add("nt.fori_loop", ("fori_loop", "add"), lambda f: (
        nt.fori_loop, (0, 2, lambda i, c: nt.add(c, 1.0), f.t), {}), ("nt.fori_loop",),
        ("bound", "bound"), exclude=((1, "2**70"), (1, "0-d int32")))  # a long loop
    add("nt.random.categorical", ("categorical",), lambda f: (
        nt.random.categorical, (f.key, f.t, "b"), {}), ("nt.random.categorical",),
        ("", "", "name"))
    add("nt.random.permutation", ("permutation",), lambda f: (
        nt.random.permutation, (f.key, f.t, "a"), {}), ("nt.random.permutation",),
        ("", "", "name"))
    add("nt.random.dropout", ("dropout",), lambda f: (
        nt.random.dropout, (f.key, f.t, 0.5), {}), ("nt.random.dropout",), ("", "", "scalar"))
    return e


# the entries of later capabilities live in their own files (they import this module)
import _fuzz_check  # noqa: E402
import _fuzz_display  # noqa: E402
import _fuzz_invariance  # noqa: E402
import _fuzz_typed  # noqa: E402

ENTRIES = (_creation_entries() + _contraction_and_shape_entries() + _op_entries()
           + _method_entries() + _operator_entries() + _transform_entries() + _random_entries()
           + _grad_entries() + _testing_entries() + _export_entries() + _sharding_entries()
           + _window_entries() + _name_and_order_entries() + _creation_and_control_entries()
           + _fuzz_check.entries() + _fuzz_display.entries() + _fuzz_typed.entries()
           + _fuzz_invariance.entries())
