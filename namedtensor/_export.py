"""Exported programs on ``jax.export``, with names as the interface.

``nt.export`` traces ``f`` as a flat function of positional arrays: it rebuilds the named
tensors inside, calls ``f`` and records the names of its outputs, so the compiled program
knows nothing of names and the :class:`Exported` around it does all the name bookkeeping.
A ``None`` size becomes one ``jax.export`` symbol per axis *name*, shared by every input.

A saved file is ``MAGIC``, the header's length (8 bytes, little-endian), a JSON header
(format, version, signature, the artifact's SHA-256 and length, and a SHA-256 of the
header's own contents) and the serialized ``jax.export`` artifact. The header is validated
completely and both checksums verified before the artifact is deserialized, and the
artifact's inputs and outputs must agree with the header's signature.
"""

import hashlib
import json
import os
import struct
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, NamedTuple, NoReturn, Self, TypeAlias, TypeVar

import jax
import jax.export
import numpy as np
from jax.tree_util import PyTreeDef

from . import _validate as V
from ._errors import AxisNameError, AxisSizeError, FormatError, NamedTensorError
from ._files import Fail, Json, decode_tree, encode_tree, write_atomic
from ._names import did_you_mean, fmt_sizes, parse_names
from ._tensor import NamedTensor, _StaleNames
from ._transforms import (
    Jitted,
    TensorSpec,
    _check_value,
    _describe,
    _flatten,
    _fn_name,
    _wrap,
)
from ._types import Array, PyTree

__all__ = ["export", "Exported", "Signature"]

MAGIC = b"NTEXPORT"
FORMAT = "namedtensor.export"
VERSION = 1
MAX_VJP_ORDER = 4  # each order exports the derivative of the previous: enough for Hessians
_MAX_HEADER = 64 * 2**20
_LENGTH = struct.Struct("<Q")
_KEYS = {"format", "version", "name", "jax", "platforms", "symbols", "vjp_order",
         "signature", "artifact", "digest"}

T = TypeVar("T")
# a pytree's containers as JSON (``_files.encode_tree``): ``{"leaf": payload}``, ``{"dict":
# [[key, node], ...]}``, ``{"list": [node, ...]}``, ``{"tuple": [...]}``, or None
Node: TypeAlias = dict[str, Json] | None
# a size in a signature: an int; a symbolic size is jax.export's dimension expression while
# exporting (its class is private to jax, hence Any) and that expression's text in a header
Dim: TypeAlias = Any
# an input leaf: (where, dotted key, names or None for an unnamed array, shape with None
# for a symbolic size, dtype)
Leaf: TypeAlias = tuple[str, str, tuple[str, ...] | None, tuple[int | None, ...],
                        "np.dtype[Any]"]
# ``_encode``'s (leaves in JAX's order, treedef, encoded containers, order)
Encoded: TypeAlias = tuple[list[Any], PyTreeDef, Node, list[int]]


class Signature(NamedTuple):
    """What an :class:`Exported` takes and returns: ``inputs`` (a tuple with one pytree of
    :class:`TensorSpec` per positional argument) and ``outputs`` (the pytree ``f`` returns,
    as TensorSpecs); a symbolic size is ``None``. Unnamed array leaves are
    ``jax.ShapeDtypeStruct``."""
    inputs: tuple[PyTree, ...]
    outputs: PyTree


class _Slot:
    """One leaf of the signature: its place among the artifact's flat inputs or outputs,
    its dotted path, names (``None``: an unnamed array), shape (ints; a symbolic size as
    its ``jax.export`` expression, a str, or while exporting the symbolic size itself)
    and dtype. (Not a pytree: a template of slots flattens to its slots.)"""
    __slots__ = ("position", "key", "names", "shape", "dtype")

    def __init__(self, position: int, key: str, names: tuple[str, ...] | None,
                 shape: Iterable[Dim], dtype: "np.dtype[Any]") -> None:
        self.position, self.key, self.names, self.shape, self.dtype = \
            position, key, names, tuple(shape), dtype

    @classmethod
    def read(cls, position: int, key: str, payload: Json) -> Self:
        """A slot from a header's leaf payload (validated when it came from a file)."""
        names = None if payload["names"] is None else tuple(payload["names"])
        return cls(position, key, names, payload["shape"],
                   V.dtype(payload["dtype"], "nt.load_exported", allow_none=False))

    @property
    def spec(self) -> TensorSpec | jax.ShapeDtypeStruct:
        if self.names is None:
            return jax.ShapeDtypeStruct(  # type: ignore[no-untyped-call]  # jax: not annotated
                self.shape, self.dtype)
        return TensorSpec({n: None if isinstance(s, str) else s
                           for n, s in zip(self.names, self.shape)}, self.dtype)

    def payload(self) -> dict[str, Json]:
        return {"names": None if self.names is None else list(self.names),
                "shape": [_dim(s) for s in self.shape], "dtype": self.dtype.name}


class _Mark:
    """Stands for the ``index``-th leaf (in JAX's order) while a tree's containers are encoded."""
    __slots__ = ("index",)

    def __init__(self, index: int) -> None:
        self.index = index


# --- pytree containers as JSON (``_io.encode_tree``), dicts in sorted key order -----
def _map(node: Node, leaf: Callable[[Json], Json], sort: bool = False) -> Node:
    """An encoded tree with each leaf payload replaced by ``leaf(payload)``; with ``sort``,
    every dict's entries in key order: the order of the artifact's flat inputs and outputs
    (a dict's insertion order is not part of the interface, as in JAX)."""
    if node is None:
        return None
    (kind, body), = node.items()
    if kind == "leaf":
        return {"leaf": leaf(body)}
    if kind == "dict":
        pairs = sorted(body, key=lambda p: p[0]) if sort else body
        return {"dict": [[k, _map(c, leaf, sort)] for k, c in pairs]}
    return {kind: [_map(c, leaf, sort) for c in body]}


def _walk(node: Node, path: tuple[str, ...] = ()) -> Iterator[tuple[str, Json]]:
    """``(dotted path, payload)`` of every leaf of an encoded tree, in order."""
    if node is None:
        return
    (kind, body), = node.items()
    if kind == "leaf":
        yield ".".join(path), body
    else:
        for k, c in (body if kind == "dict" else enumerate(body)):
            yield from _walk(c, path + (str(k),))


def _fill(values: Iterable[T]) -> Callable[[Json], T]:
    """A leaf function for ``_map``/``decode_tree`` that gives the next of ``values`` for
    each leaf, whatever its payload: the leaves in the tree's order."""
    it = iter(values)
    return lambda _: next(it)


def _encode(tree: PyTree, op: str) -> Encoded:
    """``(leaves in JAX's order, treedef, encoded containers, order)``: the containers with
    dicts sorted, and ``order[j]`` the JAX index of the ``j``-th leaf in their order."""
    leaves, treedef = _flatten(tree)
    marked = jax.tree_util.tree_unflatten(treedef, [_Mark(i) for i in range(len(leaves))])
    node = _map(encode_tree(marked, lambda key, mark: mark.index, op), lambda i: i, sort=True)
    order: list[int] = [i for _, i in _walk(node)]
    return leaves, treedef, node, order


def _outline(node: Node, limit: int = 300) -> str:
    """An encoded tree's containers as short text for a message: ``{'b': _, 'w': [_, _]}``."""
    def text(node: Node) -> str:
        if node is None:
            return "None"
        (kind, body), = node.items()
        if kind == "leaf":
            return "_"
        if kind == "dict":
            return "{" + ", ".join(f"{k!r}: {text(c)}" for k, c in body) + "}"
        inner = ", ".join(text(c) for c in body)
        return f"[{inner}]" if kind == "list" else f"({inner}{',' * (len(body) == 1)})"
    out = text(node)
    return out if len(out) <= limit else out[:limit] + "..."


# --- export ------------------------------------------------------------------------
def _dim(size: Dim) -> int | str:
    """A size as the header stores it: an int, or a symbolic size's expression."""
    return str(size) if jax.export.is_symbolic_dim(size) else int(size)


def _dtype(value: NamedTensor | TensorSpec | jax.ShapeDtypeStruct | jax.Array
           | np.ndarray[Any, Any] | np.generic, where: str, op: str) -> "np.dtype[Any]":
    """A leaf's dtype, one that JAX holds as it is (no 64-bit type without x64)."""
    if jax.numpy.issubdtype(value.dtype, jax.dtypes.prng_key):
        raise TypeError(f"{op}: {where} is a random key; pass its data (jax.random.key_data) "
                        f"or make the key inside f")
    dtype = V.dtype(value.dtype, op, f"the dtype of {where}", allow_none=False)
    held = np.dtype(jax.dtypes.canonicalize_dtype(dtype))
    if held != dtype:
        raise TypeError(f"{op}: {where} has dtype {dtype}, which JAX holds as {held} (64-bit "
                        f"types need jax_enable_x64); give it as {held} (t.astype({held.name!r}))")
    return dtype


def _input_leaf(value: object, where: str, op: str
                ) -> tuple[tuple[str, ...] | None, tuple[int | None, ...], "np.dtype[Any]"]:
    """``(names or None, shape with None for a symbolic size, dtype)`` of an argument's leaf."""
    if isinstance(value, NamedTensor):
        names = value.names  # a stale tensor raises its AxisNameError here
        return names, tuple(value.shape), _dtype(value, where, op)
    if isinstance(value, TensorSpec):
        return value.names, value.shape, _dtype(value, where, op)
    if isinstance(value, (jax.ShapeDtypeStruct, jax.Array, np.ndarray, np.generic)):
        if isinstance(value, jax.core.Tracer):
            raise TypeError(f"{op}: {where} is traced (inside nt.jit, grad or vmap); export "
                            f"outside the transform, with TensorSpecs or concrete tensors")
        for s in value.shape:
            if not isinstance(s, (int, np.integer)):
                raise TypeError(f"{op}: {where} is an unnamed array with a symbolic size; "
                                f"give it names (nt.TensorSpec with None sizes)")
        return None, tuple(int(s) for s in value.shape), _dtype(value, where, op)
    raise TypeError(f"{op}: {where} is {_describe(value)}; each leaf of an argument must be a "
                    f"NamedTensor, an nt.TensorSpec (a None size is symbolic) or an array (an "
                    f"unnamed input); close over other values in f")


def _is_symbol(text: str) -> bool:
    """``text`` parses as one ``jax.export`` symbol (``max``, ``mod`` and ``_`` do not)."""
    try:
        jax.export.symbolic_shape(text)
    except ValueError:
        return False
    return True


def _arguments(specs: Sequence[PyTree], op: str) -> tuple[list[Encoded], list[Leaf]]:
    """Per argument ``_encode``'s ``(leaves, treedef, node, order)``, and ``(where, key,
    names, shape, dtype)`` of every leaf in the artifact's order."""
    arguments: list[Encoded] = []
    leaves: list[Leaf] = []
    for i, spec in enumerate(specs):
        arguments.append(_encode(spec, op))
        tree_leaves, _, node, _ = arguments[-1]
        for (key, index) in _walk(node):
            where = f"argument {i}" + (f" {key!r}" if key else "")
            leaves.append((where, key, *_input_leaf(tree_leaves[index], where, op)))
    return arguments, leaves


def _symbols(leaves: Sequence[Leaf], op: str) -> tuple[dict[str, str], dict[str, Dim]]:
    """axis name -> its ``jax.export`` symbolic size, for the names some input leaves
    ``None``; a name ``None`` in one input and sized in another is an AxisSizeError."""
    seen: dict[str, tuple[int | None, str]] = {}
    for where, _, names, shape, _ in leaves:
        for n, s in zip(names or (), shape):
            if n in seen and (seen[n][0] is None) != (s is None):
                (s0, w0), (s1, w1) = sorted((seen[n], (s, where)), key=lambda p: p[0] is None)
                raise AxisSizeError(
                    f"{op}: axis {n!r} has size {s0} in {w0} but is symbolic (None) in {w1}; "
                    f"one name is one size across the inputs: give it None in every input, "
                    f"or the size in every input")
            seen.setdefault(n, (s, where))
    symbolic = [n for n, (s, _) in seen.items() if s is None]
    # the name itself where it is a valid symbol, primes as _prime, made unique
    symbols: dict[str, str] = {}
    for n in symbolic:
        base = candidate = n.replace("'", "_prime")
        k = 0
        while candidate in symbols.values() or not _is_symbol(candidate):
            k += 1
            candidate = f"{base}_{k}"
        symbols[n] = candidate
    if not symbolic:
        return symbols, {}
    scope = jax.export.SymbolicScope()  # one per export: symbols of others never mix in
    return symbols, dict(zip(symbolic, jax.export.symbolic_shape(", ".join(symbols.values()),
                                                                 scope=scope)))


def symbolic_sizes(names: tuple[str, ...] | None, shape: Sequence[Dim],
                   dims: dict[str, Dim]) -> tuple[Dim, ...]:
    """``shape`` with each ``None`` size replaced by its axis name's symbol (from
    :func:`_symbols`); an unnamed leaf's shape as it is."""
    if names is None:
        return tuple(shape)
    return tuple(dims[n] if s is None else s for n, s in zip(names, shape, strict=True))


def _output(value: object, where: str, op: str) -> tuple[Array, dict[str, Json]]:
    """``(array, payload)`` of one leaf that ``f`` returned."""
    _check_value(value, op, f"f's output{where}", "f must return NamedTensors (or arrays) "
                                                   "in dicts, lists and tuples")
    if isinstance(value, NamedTensor):
        data, names = jax.numpy.asarray(value.data), value.names  # NumPy data: a constant
    else:
        data, names = jax.numpy.asarray(value), None
        if any(jax.export.is_symbolic_dim(s) for s in data.shape):
            raise NamedTensorError(f"{op}: f's output{where} is an unnamed array of symbolic "
                                   f"shape {tuple(map(str, data.shape))}; return it as a "
                                   f"NamedTensor (names are the interface)")
    return data, _Slot(0, "", names, data.shape, np.dtype(data.dtype)).payload()


def _trace(fn: Callable[..., Any], name: str, arguments: Sequence[Encoded],
           slots: Sequence[_Slot], op: str) -> tuple[jax.export.Exported, Node]:
    """``jax.export`` of ``fn`` as a function of flat arrays; returns it with the encoded
    output tree (leaves: their payloads)."""
    record: list[Node] = []

    def flat(*arrays: Array) -> list[Array]:  # named after f below: the module's name in .code()
        args: list[PyTree] = []
        start = 0
        for arg_leaves, treedef, _, order in arguments:
            leaves: list[Any] = [None] * len(arg_leaves)
            for j, index in enumerate(order):
                slot, array = slots[start + j], arrays[start + j]
                leaves[index] = array if slot.names is None else _wrap(array, slot.names)
            start += len(order)
            args.append(jax.tree_util.tree_unflatten(treedef, leaves))
        out_leaves, _, node, order = _encode(fn(*args), op)
        datas: list[Array] = []
        payloads: list[dict[str, Json]] = []
        for (key, index) in _walk(node):
            data, payload = _output(out_leaves[index], f" {key!r}" if key else "", op)
            datas.append(data)
            payloads.append(payload)
        record.append(_map(node, _fill(payloads)))
        return datas

    if name.isidentifier():
        flat.__name__ = flat.__qualname__ = name
    shapes = [jax.ShapeDtypeStruct(  # type: ignore[no-untyped-call]  # jax: not annotated
        s.shape, s.dtype) for s in slots]
    try:
        exported = jax.export.export(jax.jit(flat))(*shapes)
    except INCONCLUSIVE as e:
        raise symbolic_failure(e, op) from None
    return exported, record[-1]


# JAX's error for a symbolic size used where a concrete one is needed
INCONCLUSIVE = jax.errors.InconclusiveDimensionOperation


def symbolic_failure(error: Exception, op: str) -> AxisSizeError:
    """The AxisSizeError for JAX's ``InconclusiveDimensionOperation`` while tracing on
    symbolic sizes (``nt.export``, ``nt.check``)."""
    return AxisSizeError(f"{op}: f needs a concrete size where it has a symbolic one "
                         f"({str(error).splitlines()[0]}); give that axis a size instead of "
                         f"None, or compute without it")


def export(f: Callable[..., Any], *specs_or_examples: PyTree, vjp_order: int = 0
           ) -> "Exported":
    """Trace ``f`` for these inputs into a program that runs without its source.

    Each input is a NamedTensor, an :class:`nt.TensorSpec` (a ``None`` size is symbolic)
    or a pytree of them. One axis name is one size: ``batch=None`` in two inputs is one
    symbolic size, which every call must give both the same. The result is called like
    ``f`` with tensors in any axis order (names, not positions, are the interface), saved
    with ``.save(path)`` and loaded with :func:`load_exported` in any process.

    >>> import namedtensor as nt
    >>> w = nt.tensor([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]], "feat out")
    >>> def predict(x):
    ...     return nt.dot(x, w, over="feat")
    >>> exported = nt.export(predict, nt.TensorSpec({"batch": None, "feat": 3}))
    >>> exported.signature.outputs
    TensorSpec({'batch': None, 'out': 2}, dtype=float32)
    >>> exported(nt.ones({"feat": 3, "batch": 4})).sizes
    {'batch': 4, 'out': 2}

    Contractions on a symbolic size are planned with a stand-in size (any contraction
    order is correct for every size). The program is compiled for this machine's
    platform (``jax.export``'s default: CPU, CUDA or TPU).

    Args:
        f: a function of NamedTensors (or an ``nt.jit`` function) returning a NamedTensor or
            a pytree of them (unnamed arrays of concrete shape are allowed too).
        *specs_or_examples: one per positional argument of ``f``.
        vjp_order: how many orders of derivatives the saved program carries (0 to 4);
            ``vjp_order=1`` lets ``nt.grad`` differentiate a loaded program.

    Returns:
        An :class:`Exported`.

    Raises:
        TypeError: ``f`` is not callable, or a leaf is not a NamedTensor, TensorSpec or array.
        AxisSizeError: an axis name is symbolic in one input and sized in another, or ``f``
            needs a concrete size where it got a symbolic one.
    """
    op = "nt.export"
    V.function(f, op)
    vjp_order = V.integer(vjp_order, op, "vjp_order", low=0, high=MAX_VJP_ORDER)
    fn = f._f if isinstance(f, Jitted) else f
    name = _fn_name(fn)
    op = f"nt.export({name})"
    arguments, leaves = _arguments(specs_or_examples, op)
    symbols, dims = _symbols(leaves, op)
    slots = []
    for position, (_, key, names, shape, dtype) in enumerate(leaves):
        slots.append(_Slot(position, key, names, symbolic_sizes(names, shape, dims), dtype))
    exported, outputs = _trace(fn, name, arguments, slots, op)
    inputs: list[Node] = []
    start = 0
    for _, _, node, order in arguments:
        inputs.append(_map(node, _fill([s.payload() for s in slots[start:start + len(order)]])))
        start += len(order)
    header: dict[str, Json] = {
        "format": FORMAT, "version": VERSION, "name": name, "jax": jax.__version__,
        "platforms": list(exported.platforms), "symbols": symbols,
        "vjp_order": vjp_order, "signature": {"inputs": inputs, "outputs": outputs}}
    return Exported._make(exported, header, None, f"nt.Exported({name})")


# --- the exported program ----------------------------------------------------------
class Exported:
    """A program made by :func:`export` or :func:`load_exported`: call it on NamedTensors.

    ``.signature`` is the named pair ``(inputs, outputs)`` of TensorSpec pytrees (a symbolic
    size is ``None``), ``.code()`` the StableHLO text and ``.save(path)`` writes it to a file.

    >>> import namedtensor as nt
    >>> double = nt.export(lambda x: x * 2, nt.TensorSpec({"n": None}))
    >>> double(nt.tensor([1.0, 2.0], "n")).tolist()
    [2.0, 4.0]
    >>> double.signature.inputs
    (TensorSpec({'n': None}, dtype=float32),)
    """

    __slots__ = ("_exported", "_header", "_artifact", "_op", "_inputs", "_structures",
                 "_out_slots", "_out_treedef", "_signature", "_orders", "_call", "__weakref__")
    _exported: jax.export.Exported
    _header: dict[str, Json]  # the saved header without "artifact" and "digest"
    _artifact: bytes | None  # the serialized program, made on the first save
    _op: str
    _inputs: list[list[_Slot]]  # per positional argument, its leaves' slots
    _structures: list[Node]  # per positional argument, its containers (leaves None)
    _out_slots: list[_Slot]
    _out_treedef: PyTreeDef
    _signature: Signature
    _orders: dict[tuple[int, PyTreeDef], list[int]]  # _order's cache
    _call: Callable[..., Sequence[Array]]

    def __init__(self, *args: object, **kwargs: object) -> None:
        raise TypeError("nt.Exported: made by nt.export(f, *specs) or nt.load_exported(path), "
                        "not directly")

    @classmethod
    def _make(cls, exported: jax.export.Exported, header: dict[str, Json],
              artifact: bytes | None, op: str, fail: Fail | None = None) -> Self:
        """An Exported from a ``jax.export.Exported`` and its header (validated when it
        came from a file: ``fail(message)`` makes the FormatError)."""
        self = object.__new__(cls)
        fail = fail or (lambda message: NamedTensorError(f"{op}: {message}"))
        self._exported, self._header, self._artifact, self._op = exported, header, artifact, op
        self._inputs, self._structures = [], []
        specs: list[PyTree] = []
        position = 0
        for node in header["signature"]["inputs"]:
            slots = [_Slot.read(position + j, key, payload)
                     for j, (key, payload) in enumerate(_walk(node))]
            position += len(slots)
            self._inputs.append(slots)
            self._structures.append(_map(node, lambda _: None))
            specs.append(decode_tree(node, _fill([s.spec for s in slots]), fail))
        out_node = header["signature"]["outputs"]
        out_slots = [_Slot.read(j, key, payload)
                     for j, (key, payload) in enumerate(_walk(out_node))]
        template = decode_tree(out_node, _fill(out_slots), fail)
        self._out_slots, self._out_treedef = jax.tree_util.tree_flatten(template)
        self._signature = Signature(tuple(specs),
                                    jax.tree_util.tree_map(lambda s: s.spec, template))
        self._orders = {}
        # jitted: an eager exported.call retraces its custom_vjp each time (150 us vs 8 us)
        self._call = jax.jit(exported.call if header["vjp_order"] else
                             _underivable(exported, op))
        return self

    @property
    def signature(self) -> Signature:
        """The named pair ``(inputs, outputs)``: a tuple with one pytree of TensorSpecs per
        positional argument, and the pytree of TensorSpecs the program returns (a symbolic
        size is ``None``; an unnamed array leaf is a ``jax.ShapeDtypeStruct``)."""
        return self._signature

    def __repr__(self) -> str:
        inputs = ", ".join(map(repr, self.signature.inputs))
        return (f"nt.Exported({self._header['name']}: ({inputs}) -> "
                f"{self.signature.outputs!r}, vjp_order={self._header['vjp_order']}, "
                f"platforms={tuple(self._header['platforms'])})")

    def code(self) -> str:
        """The program as StableHLO text (``jax.export``'s MLIR module).

        >>> import namedtensor as nt
        >>> "stablehlo" in nt.export(nt.exp, nt.TensorSpec({"n": 3})).code()
        True
        """
        text: str = self._exported.mlir_module()  # a str: jax annotates it Any
        return text

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the program to ``path`` (replaced atomically): load it with
        :func:`load_exported` in any process, without ``f``'s source.

        >>> import os, tempfile
        >>> import namedtensor as nt
        >>> path = os.path.join(tempfile.mkdtemp(), "exp.ntexport")
        >>> nt.export(nt.exp, nt.TensorSpec({"n": None})).save(path)
        >>> nt.load_exported(path)(nt.zeros({"n": 2})).tolist()
        [1.0, 1.0]

        Args:
            path: a str or os.PathLike.

        Raises:
            FormatError: the file cannot be written.
        """
        op = "nt.Exported.save"
        if self._artifact is None:
            self._artifact = bytes(self._exported.serialize(vjp_order=self._header["vjp_order"]))
        artifact = self._artifact
        header = {**self._header, "artifact": {"sha256": hashlib.sha256(artifact).hexdigest(),
                                               "length": len(artifact)}}
        header["digest"] = _digest(header)
        text = json.dumps(header, separators=(",", ":"), sort_keys=True).encode()

        def write(tmp: str) -> None:
            with open(tmp, "wb") as f:
                f.write(MAGIC + _LENGTH.pack(len(text)))
                f.write(text)
                f.write(artifact)

        write_atomic(path, write, op)

    # --- calling -----------------------------------------------------------------
    def _order(self, i: int, arg: PyTree) -> list[Any]:
        """The leaves of argument ``i`` in the signature's order, after checking that its
        containers are the signature's (cached per JAX treedef)."""
        leaves, treedef = _flatten(arg)
        order = self._orders.get((i, treedef))
        if order is None:
            _, _, node, order = _encode(arg, self._op)
            if _map(node, lambda _: None) != self._structures[i]:
                raise NamedTensorError(f"{self._op}: argument {i} is {_outline(node)} but the "
                                       f"signature has {_outline(self._structures[i])}")
            if len(self._orders) >= 64:
                self._orders.clear()
            self._orders[(i, treedef)] = order
        return [leaves[j] for j in order]

    def _array(self, slot: _Slot, value: object, where: str,
               bound: dict[str, tuple[int, str]]) -> Array:
        """``value``'s array laid out as ``slot`` says, after checking names, sizes, dtype."""
        op = self._op
        if slot.names is None:
            return self._unnamed(slot, value, where)
        if not isinstance(value, NamedTensor):
            raise TypeError(f"{op}: {where} must be a NamedTensor "
                            f"{fmt_sizes(slot.names, slot.shape)}, got "
                            f"{_describe(value)}")
        names, shape = value.names, value.shape
        if set(names) != set(slot.names) or len(names) != len(slot.names):
            missing = [n for n in slot.names if n not in names]
            extra = [n for n in names if n not in slot.names]
            hint = did_you_mean(extra[0], missing) if extra and missing else ""
            raise AxisNameError(f"{op}: {where} is {fmt_sizes(names, shape)} but the signature "
                                f"has {fmt_sizes(slot.names, slot.shape)}: it lacks "
                                f"{missing} and has extra {extra}{hint}")
        if value.dtype != slot.dtype:
            raise TypeError(f"{op}: {where} {fmt_sizes(names, shape)} has dtype {value.dtype}, "
                            f"but the signature has {slot.dtype}; cast it "
                            f"(t.astype({slot.dtype.name!r}))")
        sizes = value.sizes
        for n, want in zip(slot.names, slot.shape):
            have = sizes[n]
            if not isinstance(want, str):
                if have != want:
                    raise AxisSizeError(f"{op}: axis {n!r} of {where} {fmt_sizes(names, shape)} "
                                        f"has size {have}, but the signature fixes it at {want}")
                continue
            if not isinstance(have, (int, np.integer)):
                continue  # traced with a symbolic size itself: jax.export checks it
            if have < 1:
                raise AxisSizeError(f"{op}: axis {n!r} of {where} {fmt_sizes(names, shape)} has "
                                    f"size {have}; a symbolic size must be at least 1")
            if n in bound and bound[n][0] != have:
                raise AxisSizeError(f"{op}: axis {n!r} has size {bound[n][0]} in {bound[n][1]} "
                                    f"but size {have} in {where}; it is one symbolic size in "
                                    f"the signature, so every input must give it the same size")
            bound.setdefault(n, (have, where))
        if names != slot.names:
            value = value.align_to(*slot.names)
        return value.data

    def _unnamed(self, slot: _Slot, value: object, where: str) -> Array:
        op = self._op
        if type(value) in _RANK and not slot.shape:  # a Python number for a 0-d input
            kind = slot.dtype.kind if slot.dtype.kind in "biufc" else "f"  # bfloat16: "V"
            if "biufc".index(kind) >= _RANK[type(value)]:
                if type(value) is int and kind in "iu":
                    V.fits(value, slot.dtype, op, f"Python int for {where}")
                return jax.numpy.asarray(value, slot.dtype)
        if not isinstance(value, (jax.Array, np.ndarray, np.generic)):
            raise TypeError(f"{op}: {where} must be an unnamed {slot.dtype} array of shape "
                            f"{slot.shape}, got {_describe(value)}")
        if tuple(value.shape) != slot.shape:
            raise AxisSizeError(f"{op}: {where} has shape {tuple(value.shape)}, but the "
                                f"signature has {slot.shape}")
        if value.dtype != slot.dtype:
            raise TypeError(f"{op}: {where} has dtype {value.dtype}, but the signature has "
                            f"{slot.dtype}")
        return value

    def __call__(self, *args: PyTree) -> PyTree:
        op = self._op
        if len(args) != len(self._inputs):
            raise TypeError(f"{op}: takes {len(self._inputs)} positional argument"
                            f"{'s' * (len(self._inputs) != 1)}, got {len(args)}")
        arrays: list[Array] = []
        bound: dict[str, tuple[int, str]] = {}
        for i, (arg, slots) in enumerate(zip(args, self._inputs)):
            for slot, value in zip(slots, self._order(i, arg)):
                where = f"argument {i}" + (f" {slot.key!r}" if slot.key else "")
                arrays.append(self._array(slot, value, where, bound))
        try:
            outs = self._call(*arrays)
        except ValueError as e:  # jax.export refuses the call (a platform it was not made for)
            raise NamedTensorError(f"{op}: the program refuses this call: "
                                   f"{str(e).splitlines()[0]}") from None
        rebuilt = [outs[s.position] if s.names is None else _wrap(outs[s.position], s.names)
                   for s in self._out_slots]
        return jax.tree_util.tree_unflatten(self._out_treedef, rebuilt)


def _underivable(exported: jax.export.Exported, op: str) -> Callable[..., Sequence[Array]]:
    """``exported.call``, whose derivative is a :class:`NamedTensorError` saying to export
    with ``vjp_order=1`` (JAX's own would be a bare ``ValueError`` in the backward pass)."""
    @jax.custom_vjp
    def call(*arrays: Array) -> Sequence[Array]:
        # jax does not annotate Exported.call
        outs: Sequence[Array] = exported.call(*arrays)  # type: ignore[no-untyped-call]
        return outs

    def forward(*arrays: Array) -> tuple[Sequence[Array], None]:
        return call(*arrays), None

    def backward(_: None, cotangents: Sequence[Array]) -> NoReturn:
        raise NamedTensorError(f"{op}: the program was exported with vjp_order=0 and carries "
                               f"no derivatives; export it with vjp_order=1 to differentiate "
                               f"it (nt.export(f, ..., vjp_order=1))")

    call.defvjp(forward, backward)
    return call


# the lowest dtype kind ("biufc") each Python number type holds
_RANK: dict[type, int] = {bool: 0, int: 1, float: 3, complex: 4}


# --- the header's digest (load_exported is in _export_file) -------------------------
def _digest(header: Mapping[str, Json]) -> str:
    """SHA-256 of everything the header says but its own digest: a flipped byte in an axis
    name or a size cannot load as a different, valid program (the artifact's own SHA-256
    covers the artifact)."""
    body = {k: v for k, v in header.items() if k != "digest"}
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":"))
                          .encode()).hexdigest()


# --- NamedTensor in jax.export's own serialization ---------------------------------
def _serialize_names(names: tuple[str, ...] | _StaleNames) -> bytes:
    """A NamedTensor's pytree aux data (its names, or stale names) as JSON bytes."""
    if type(names) is _StaleNames:
        return json.dumps({"stale": list(names.names)}).encode()
    return json.dumps(list(names)).encode()


def _deserialize_names(data: bytes) -> tuple[str, ...] | _StaleNames:
    value = json.loads(bytes(data).decode("utf-8"))
    op = "jax.export.deserialize (a NamedTensor's names)"
    if isinstance(value, dict) and set(value) == {"stale"} and isinstance(value["stale"], list):
        return _StaleNames(parse_names(tuple(value["stale"]), op))
    if not isinstance(value, list):
        raise FormatError(f"{op}: not a list of names")
    return parse_names(tuple(value), op)


jax.export.register_pytree_node_serialization(
    NamedTensor, serialized_name="namedtensor.NamedTensor",
    serialize_auxdata=_serialize_names, deserialize_auxdata=_deserialize_names)
