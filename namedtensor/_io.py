"""Saving and loading on safetensors: tree paths, names and structure in the header.

A file written by :func:`save` is a standard safetensors file: every tensor under its
dotted tree path (``layers.0.wq``) in its stored axis order, so any safetensors reader
loads it as positional arrays. The names, the tree's containers, a format version and a
digest of the header live in ``__metadata__`` under ``namedtensor.*`` keys, next to the
user's metadata.

Loading never trusts the file: the header is read first and validated completely (JSON,
dtypes, shapes, offsets that tile the data exactly, names, tree) before any tensor data
is read, so a hostile header can neither allocate what it claims nor run anything. Tensor
data is then read tensor by tensor into its final buffer (no second copy of the file).
"""

import hashlib
import io
import json
import os
from collections.abc import Mapping
from typing import Any, BinaryIO, TypeAlias, cast

import jax
import jax.numpy as jnp
import numpy as np

from . import _validate as V
from ._devices import default_backend
from ._errors import AxisNameError, FormatError, NamedTensorError
from ._files import (
    BARE,
    Json,
    component,
    decode_tree,
    encode_tree,
    path_arg,
    regular_file,
    unique_keys,
    write_atomic,
)
from ._names import fmt_sizes, name_problem
from ._tensor import NamedTensor
from ._transforms import TensorSpec
from ._types import DTypeLike, Names, PyTree
from .backends import get_backend

__all__ = ["save", "load", "load_metadata"]

_DTYPES = {  # safetensors dtype code -> NumPy dtype, every dtype stored natively
    "BOOL": np.dtype(bool), "U8": np.dtype(np.uint8), "U16": np.dtype(np.uint16),
    "U32": np.dtype(np.uint32), "U64": np.dtype(np.uint64), "I8": np.dtype(np.int8),
    "I16": np.dtype(np.int16), "I32": np.dtype(np.int32), "I64": np.dtype(np.int64),
    "F16": np.dtype(np.float16), "BF16": np.dtype(jnp.bfloat16), "F32": np.dtype(np.float32),
    "F64": np.dtype(np.float64), "F8_E4M3": np.dtype(jnp.float8_e4m3fn),
    "F8_E5M2": np.dtype(jnp.float8_e5m2), "C64": np.dtype(np.complex64),
}
_CODES = {dtype: code for code, dtype in _DTYPES.items()}

VERSION = "1"
_PREFIX = "namedtensor."
_FORMAT, _NAMES, _TREE, _DIGEST = (_PREFIX + k for k in ("format", "names", "tree", "digest"))
_MAX_HEADER = 100 * 2**20  # safetensors' own limit on the JSON header
_ALIGN = 64  # tensors are read into buffers aligned like XLA's, which JAX adopts on CPU

# one tensor of a file: (safetensors dtype code, shape, begin, end of its data)
_Entry: TypeAlias = tuple[str, tuple[int, ...], int, int]
# a leaf of like=: what a loaded tensor must match
_Template: TypeAlias = ("NamedTensor | TensorSpec | np.ndarray[Any, Any] | np.generic[Any] | "
                        "jax.Array | jax.ShapeDtypeStruct")
# where a loaded array goes (jax): a device or a sharding, None for the default
_Target: TypeAlias = "jax.Device | jax.sharding.Sharding | None"


# --- save ----------------------------------------------------------------------------
def _metadata(metadata: object, op: str) -> dict[str, str]:
    if metadata is None:
        return {}
    if not isinstance(metadata, dict):
        raise TypeError(f"{op}: metadata must be a dict of str -> str, got "
                        f"{type(metadata).__name__}")
    for k, v in metadata.items():
        if not isinstance(k, str) or not isinstance(v, str):
            raise TypeError(f"{op}: metadata must map str to str; an entry is "
                            f"{type(k).__name__} -> {type(v).__name__}")
        if k.startswith(_PREFIX) or k == "__metadata__":
            raise NamedTensorError(f"{op}: metadata key {k!r} is reserved (keys starting with "
                                   f"{_PREFIX!r} hold the names and the tree)")
    return dict(metadata)


def _host(value: Any, key: str, op: str
          ) -> tuple[np.ndarray[Any, Any], tuple[str, ...] | None]:
    """``(little-endian contiguous NumPy array, names or None)`` of one leaf."""
    names = None
    if isinstance(value, NamedTensor):
        names, value = value.names, value.data
    elif isinstance(value, TensorSpec):
        raise TypeError(f"{op}: {key!r} is a TensorSpec, which holds no data; save tensors")
    elif type(value) in (bool, int, float):
        kinds: dict[type, DTypeLike] = {bool: bool, int: V.default_int(),
                                         float: V.default_float()}
        dtype = kinds[type(value)]
        if type(value) is int:
            V.fits(value, np.dtype(dtype), op, f"Python int at {key!r}")
        value = np.asarray(value, dtype)
    elif not isinstance(value, (np.ndarray, np.generic, jax.Array)):
        raise TypeError(f"{op}: {key!r} is a {type(value).__name__}; a saved tree holds "
                        f"NamedTensors, arrays and numbers in dicts, lists and tuples")
    if isinstance(value, jax.core.Tracer):
        raise TypeError(f"{op}: {key!r} is traced (inside nt.jit, grad or vmap); save "
                        f"concrete tensors outside the transform")
    if jnp.issubdtype(value.dtype, jax.dtypes.prng_key):
        raise TypeError(f"{op}: {key!r} is a random key; save its data "
                        f"(jax.random.key_data(key)) and rebuild it with jax.random.wrap_key_data")
    array = np.asarray(value, order="C")
    if array.dtype not in _CODES:
        where = key if names is None else f"{key!r} {fmt_sizes(names, array.shape)}"
        raise FormatError(f"{op}: {where} has dtype {array.dtype}, which safetensors cannot "
                          f"store natively; supported: {', '.join(sorted(map(str, _CODES)))}. "
                          f"Cast it first (t.astype(...))")
    if array.dtype.byteorder == ">":
        array = array.astype(array.dtype.newbyteorder("<"))
    return array, names


def _digest(entries: Mapping[str, tuple[str, tuple[int, ...]]],
            metadata: Mapping[str, str]) -> str:
    """A SHA-256 over everything the header says except data offsets (which must tile the
    data exactly, so a change to one is caught anyway): a flipped byte in a name, a dict
    key or the user's metadata cannot load as a different, valid file."""
    content = [sorted([k, code, list(shape)] for k, (code, shape) in entries.items()),
               sorted((k, v) for k, v in metadata.items() if k != _DIGEST)]
    return hashlib.sha256(json.dumps(content, separators=(",", ":")).encode()).hexdigest()


def save(path: str | os.PathLike[str], tree: PyTree, *,
         metadata: dict[str, str] | None = None) -> None:
    """Save a NamedTensor or a pytree of them (and plain arrays) to a safetensors file.

    >>> import os, tempfile
    >>> import namedtensor as nt
    >>> params = {"w": nt.ones({"d": 2, "h": 3}), "layers": [nt.zeros({"h": 3})]}
    >>> path = os.path.join(tempfile.mkdtemp(), "params.safetensors")
    >>> nt.save(path, params, metadata={"step": "100"})
    >>> nt.load(path)["w"].sizes
    {'d': 2, 'h': 3}
    >>> nt.load_metadata(path)
    {'step': '100'}

    Each tensor is stored under its dotted tree path (``layers.0``), in its stored axis
    order; the names and the tree's containers go into the header, so any safetensors
    reader (PyTorch, Hugging Face) loads the file as positional arrays. The write goes to a
    temporary file that is renamed to ``path``: a crash never leaves half a file.

    Args:
        path: the file to write (str or os.PathLike); replaced if it exists.
        tree: a NamedTensor, or dicts (str keys), lists, tuples and registered pytrees
            (an optax state) of NamedTensors, arrays and Python numbers.
        metadata: a dict str -> str stored in the header (read it with ``nt.load_metadata``).

    Raises:
        FormatError: a dtype safetensors cannot store (int4, float8 variants other than
            E4M3/E5M2), or the file cannot be written.
    """
    op = "nt.save"
    path = path_arg(path, op)
    user = _metadata(metadata, op)
    arrays: dict[str, np.ndarray[Any, Any]] = {}
    names: dict[str, list[str]] = {}

    def leaf(key: str, value: object) -> str:
        if key in arrays:
            raise NamedTensorError(f"{op}: two entries of the tree are both stored under "
                                   f"{key!r} (paths are joined with '.'); rename one")
        arrays[key], leaf_names = _host(value, key, op)
        if leaf_names is not None:
            names[key] = list(leaf_names)
        return key

    tree_json = encode_tree(tree, leaf, op)
    header = dict(user)
    header[_FORMAT] = VERSION
    header[_NAMES] = json.dumps(names, separators=(",", ":"))
    header[_TREE] = json.dumps(tree_json, separators=(",", ":"))
    header[_DIGEST] = _digest({k: (_CODES[a.dtype], a.shape) for k, a in arrays.items()},
                              header)
    import safetensors

    specs = {k: safetensors.TensorSpec(dtype=a.dtype.name, shape=a.shape,
                                       data_ptr=a.ctypes.data, data_len=a.nbytes)
             for k, a in arrays.items()}

    def write(tmp: str) -> None:
        try:
            safetensors.serialize_file(specs, tmp, metadata=header)
        except safetensors.SafetensorError as e:
            raise FormatError(f"{op}: cannot write {path!r} ({e})") from None

    write_atomic(path, write, op)
    arrays.clear()  # the specs point into these buffers: keep them alive until written


# --- the header ----------------------------------------------------------------------
class _Header:
    """A validated safetensors header: ``entries`` key -> (dtype, shape, begin, end) in
    file order, ``metadata`` (all of ``__metadata__``), the data's start in the file."""

    __slots__ = ("path", "entries", "metadata", "start", "names", "tree")
    path: str
    entries: dict[str, _Entry]
    metadata: dict[str, str]
    start: int
    names: dict[str, tuple[str, ...]] | None  # None: a plain safetensors file
    tree: Json


def _read_header(f: BinaryIO, path: str, size: int, op: str) -> _Header:
    where = f"{op}: {path!r}"
    if size < 8:
        raise FormatError(f"{where}: the file has {size} bytes, fewer than the 8 bytes of a "
                          f"safetensors header length: it is empty, truncated or not a "
                          f"safetensors file")
    n = int.from_bytes(f.read(8), "little")
    if n > size - 8:
        raise FormatError(f"{where}: the header claims {n} bytes but only {size - 8} follow "
                          f"the length: the file is truncated or not a safetensors file")
    if n > _MAX_HEADER:
        raise FormatError(f"{where}: the header claims {n} bytes, more than the "
                          f"{_MAX_HEADER}-byte limit of safetensors")
    raw = f.read(n)
    if len(raw) != n:
        raise FormatError(f"{where}: the file ended inside the header")
    try:
        obj = json.loads(raw.decode("utf-8"), object_pairs_hook=unique_keys)
    except (UnicodeDecodeError, ValueError, RecursionError) as e:
        raise FormatError(f"{where}: the header is not valid JSON "
                          f"({type(e).__name__} near byte {getattr(e, 'pos', '?')})") from None
    if not isinstance(obj, dict):
        raise FormatError(f"{where}: the header is a JSON {type(obj).__name__}, not an object")
    metadata = obj.pop("__metadata__", None)
    metadata = {} if metadata is None else metadata
    if not isinstance(metadata, dict) or not all(
            isinstance(v, str) for v in metadata.values()):
        raise FormatError(f"{where}: __metadata__ is not an object of str -> str")
    header = _Header()
    header.path, header.metadata, header.start = path, metadata, 8 + n
    header.entries = _entries(obj, size - 8 - n, where)
    header.names, header.tree = _namedtensor_keys(header, where)
    return header


def _entries(obj: dict[str, Json], data_size: int, where: str) -> dict[str, _Entry]:
    entries: dict[str, _Entry] = {}
    for key, e in obj.items():
        what = f"{where}: tensor {key[:80]!r}"
        if not isinstance(e, dict) or set(e) != {"dtype", "shape", "data_offsets"}:
            raise FormatError(f"{what} is not an object with exactly dtype, shape and "
                              f"data_offsets")
        code, shape, offsets = e["dtype"], e["shape"], e["data_offsets"]
        if not isinstance(code, str) or code not in _DTYPES:
            shown = repr(code[:20]) if isinstance(code, str) else type(code).__name__
            raise FormatError(f"{what} has dtype {shown}, which is not a safetensors dtype "
                              f"namedtensor reads ({', '.join(_DTYPES)})")
        if not isinstance(shape, list) or len(shape) > 64 or not all(
                type(s) is int and s >= 0 for s in shape):
            raise FormatError(f"{what}: shape is not a list of at most 64 non-negative ints")
        if not isinstance(offsets, list) or len(offsets) != 2 or not all(
                type(o) is int for o in offsets) or not 0 <= offsets[0] <= offsets[1] < 2**63:
            raise FormatError(f"{what}: data_offsets is not a pair of ints "
                              f"0 <= begin <= end < 2**63")
        itemsize = _DTYPES[code].itemsize
        extent = 1  # the size the shape would have without its zeros: NumPy refuses > 2**63
        for s in shape:
            extent *= max(s, 1)
        if extent * itemsize >= 2**62:
            raise FormatError(f"{what}: its shape declares more than 2**62 bytes")
        nbytes = int(np.prod(shape, dtype=object)) * itemsize
        if nbytes != offsets[1] - offsets[0]:
            raise FormatError(f"{what}: shape {tuple(shape)} of {code} needs {nbytes} bytes but "
                              f"its data_offsets span {offsets[1] - offsets[0]}")
        entries[key] = (code, tuple(shape), offsets[0], offsets[1])
    end = 0
    for key, (_, _, begin, stop) in sorted(entries.items(), key=lambda kv: kv[1][2:]):
        if begin != end:
            problem = "overlaps the tensor before it" if begin < end else \
                f"leaves a gap of {begin - end} bytes after the tensor before it"
            raise FormatError(f"{where}: tensor {key[:80]!r} (bytes {begin}..{stop}) {problem}")
        end = stop
    if end != data_size:
        problem = (f"the tensors need {end} bytes of data but the file holds {data_size}: "
                   f"it is truncated") if end > data_size else \
            f"{data_size - end} bytes follow the last tensor"
        raise FormatError(f"{where}: {problem}")
    return entries


def _parse(text: str, what: str, where: str) -> Json:
    try:
        return json.loads(text, object_pairs_hook=unique_keys)
    except (ValueError, RecursionError) as e:
        raise FormatError(f"{where}: {what} is not valid JSON ({type(e).__name__})") from None


def _namedtensor_keys(header: _Header, where: str
                      ) -> tuple[dict[str, tuple[str, ...]] | None, Json]:
    """The names (key -> tuple) and tree JSON of a file written by ``nt.save``, checked
    against the entries; ``(None, None)`` for a plain safetensors file."""
    meta = header.metadata
    ours = {k for k in meta if k.startswith(_PREFIX)}
    if not ours:
        return None, None
    if meta.get(_FORMAT) != VERSION:
        got = meta.get(_FORMAT)
        shown = "no format version" if got is None else f"format version {got[:20]!r}"
        raise FormatError(f"{where}: the header has {shown}; this namedtensor reads format "
                          f"version {VERSION!r} (a newer namedtensor wrote it, or it is damaged)")
    if set(ours) != {_FORMAT, _NAMES, _TREE, _DIGEST}:
        raise FormatError(f"{where}: the header's namedtensor keys are "
                          f"{sorted(k[:40] for k in ours)}, not "
                          f"{sorted([_FORMAT, _NAMES, _TREE, _DIGEST])}")
    if meta[_DIGEST] != _digest({k: e[:2] for k, e in header.entries.items()}, meta):
        raise FormatError(f"{where}: the header's digest does not match its contents: the "
                          f"header was damaged or edited")
    names = _parse(meta[_NAMES], "the names", where)
    if not isinstance(names, dict):
        raise FormatError(f"{where}: the names are not a JSON object key -> list of names")
    for key, n in names.items():
        if key not in header.entries:
            raise FormatError(f"{where}: names are given for {key[:80]!r}, which is not a "
                              f"tensor of the file")
        names[key] = _file_names(n, header.entries[key][1], f"{where}: tensor {key[:80]!r}")
    tree = _parse(meta[_TREE], "the tree", where)
    seen: list[str] = []

    def leaf(key: Json) -> str:
        if not isinstance(key, str) or key not in header.entries:
            raise FormatError(f"{where}: the tree refers to a tensor the file does not hold")
        seen.append(key)
        return key

    decode_tree(tree, leaf, lambda m: FormatError(f"{where}: {m}"))
    if len(set(seen)) != len(seen) or set(seen) != set(header.entries):
        raise FormatError(f"{where}: the tree does not refer to every tensor exactly once")
    return names, tree


def _file_names(names: Json, shape: tuple[int, ...], what: str) -> tuple[str, ...]:
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise FormatError(f"{what}: its names are not a list of str")
    if len(names) != len(shape):
        raise FormatError(f"{what} has {len(shape)} axes of sizes {shape} but "
                          f"{len(names)} names")
    problem = name_problem(names)
    if problem is not None:
        kind, bad = problem
        shown = repr(bad[:40]) if isinstance(bad, str) else bad
        raise FormatError(f"{what}: {kind} axis name {shown}")
    return tuple(names)


def load_metadata(path: str | os.PathLike[str]) -> dict[str, str]:
    """The user's metadata of a file written by :func:`save` (no internal keys), read from
    the header alone.

    >>> import os, tempfile
    >>> import namedtensor as nt
    >>> path = os.path.join(tempfile.mkdtemp(), "m.safetensors")
    >>> nt.save(path, nt.ones({"d": 2}), metadata={"step": "7"})
    >>> nt.load_metadata(path)
    {'step': '7'}

    Raises:
        FormatError: a missing, malformed or hostile file.
    """
    header = _open_header(path, "nt.load_metadata")
    return {k: v for k, v in header.metadata.items() if not k.startswith(_PREFIX)}


def _open_header(path: object, op: str) -> _Header:
    path, size = regular_file(path, op)
    try:
        with open(path, "rb") as f:
            return _read_header(f, path, size, op)
    except OSError as e:
        raise FormatError(f"{op}: {path!r} cannot be read ({e.strerror})") from None


# --- load ----------------------------------------------------------------------------
def _names_arg(names: object, op: str) -> dict[str, tuple[str, ...]] | None:
    if names is None:
        return None
    if not isinstance(names, dict):
        raise TypeError(f"{op}: names must be a dict key -> names (e.g. {{'w': 'd h'}}), got "
                        f"{type(names).__name__}")
    out: dict[str, tuple[str, ...]] = {}
    for key, value in names.items():
        if not isinstance(key, str):
            raise TypeError(f"{op}: names' keys must be str, got {type(key).__name__}")
        out[key] = V.names(value, op, f"names[{key!r}]")
    return out


def _like_leaves(like: PyTree, op: str) -> tuple[Any, list[tuple[str, _Template]]]:
    """``(treedef, [(key, template)])`` of ``like``: templates are NamedTensors, TensorSpecs,
    arrays or ``jax.ShapeDtypeStruct``s."""
    pairs, treedef = jax.tree_util.tree_flatten_with_path(
        like, is_leaf=lambda x: isinstance(x, (NamedTensor, TensorSpec)))
    out: list[tuple[str, _Template]] = []
    for path, value in pairs:
        key = ".".join(component(e) for e in path) or BARE
        if not isinstance(value, (NamedTensor, TensorSpec, np.ndarray, np.generic, jax.Array,
                                  jax.ShapeDtypeStruct)):
            raise TypeError(f"{op}: like={key!r} is a {type(value).__name__}; like= holds "
                            f"NamedTensors, TensorSpecs, arrays or jax.ShapeDtypeStructs")
        if isinstance(value, NamedTensor) and isinstance(value.data, jax.core.Tracer):
            raise TypeError(f"{op}: like={key!r} is traced; load outside nt.jit")
        out.append((key, value))
    return treedef, out


def _x64() -> bool:
    return bool(jax.dtypes.canonicalize_dtype(np.int64) == np.int64)  # JAX's x64 mode is on


class _Reader:
    """Reads the validated tensors of one open file into arrays of a backend."""

    def __init__(self, f: io.FileIO, header: _Header, backend: str | None, op: str) -> None:
        self.f, self.header, self.backend, self.op = f, header, backend, op
        self.where = f"{op}: {header.path!r}"

    def check_dtype(self, key: str, backend: str) -> None:
        code = self.header.entries[key][0]
        if backend == "jax" and _DTYPES[code].itemsize == 8 and _DTYPES[code].kind in "iuf" \
                and not _x64():
            raise FormatError(f"{self.where}: tensor {key!r} is {_DTYPES[code]}, which the jax "
                              f"backend cannot hold without x64 (it would become 32-bit); "
                              f"enable jax_enable_x64 or load with backend='numpy'")

    def array(self, key: str) -> np.ndarray[Any, Any]:
        """The tensor ``key`` as a NumPy array in stored order, read into its own buffer."""
        code, shape, begin, end = self.header.entries[key]
        raw = np.empty(end - begin + _ALIGN, np.uint8)  # 64-byte aligned: JAX on CPU then
        start = -raw.ctypes.data % _ALIGN              # adopts the buffer without a copy
        array: np.ndarray[Any, Any] = raw[start:start + end - begin].view(_DTYPES[code]) \
            .reshape(shape)
        view = raw[start:start + end - begin].data  # a memoryview of the buffer
        self.f.seek(self.header.start + begin)
        done = 0
        while done < end - begin:
            got = self.f.readinto(view[done:])
            if not got:
                raise FormatError(f"{self.where}: the file ended inside tensor {key!r} (it "
                                  f"changed while being read)")
            done += got
        if code == "BOOL" and array.size and array.view(np.uint8).max() > 1:
            raise FormatError(f"{self.where}: tensor {key!r} holds bytes other than 0 and 1, "
                              f"which are not booleans")
        return array

    def place(self, array: np.ndarray[Any, Any], backend: str, target: _Target) -> Any:
        """``array`` as ``backend``'s array, on ``target`` (a device or sharding) for jax."""
        if backend == "numpy":
            return array
        # wait for any copy (to an accelerator, or of a transposed view), so that the
        # host buffer is freed before the next tensor is read
        return jax.device_put(array, target).block_until_ready()


def _plain(header: _Header, names: dict[str, tuple[str, ...]] | None, where: str
           ) -> tuple[dict[str, tuple[str, ...]], Json]:
    """Names and a flat tree for a safetensors file written by another tool."""
    if names is None:
        raise FormatError(f"{where}: the file has no axis names (another tool wrote it); pass "
                          f"names={{key: 'a b', ...}} for its tensors {list(header.entries)[:8]}")
    for key in names:
        if key not in header.entries:
            raise FormatError(f"{where}: names= gives names for {key!r}, which the file does "
                              f"not hold; it holds {list(header.entries)[:8]}")
    for key, (_, shape, _, _) in header.entries.items():
        if key not in names:
            raise FormatError(f"{where}: names= has no names for tensor {key!r} "
                              f"(shape {shape})")
        if len(names[key]) != len(shape):
            raise AxisNameError(f"{where}: names[{key!r}] gives {len(names[key])} names "
                                f"{list(names[key])} for a tensor of shape {shape}")
    return names, {"dict": [[k, {"leaf": k}] for k in header.entries]}


def load(path: str | os.PathLike[str], *, like: PyTree = None, backend: str | None = None,
         names: dict[str, Names] | None = None) -> PyTree:
    """Load a file written by :func:`save` (or a plain safetensors file, with ``names=``).

    >>> import os, tempfile
    >>> import namedtensor as nt
    >>> path = os.path.join(tempfile.mkdtemp(), "w.safetensors")
    >>> nt.save(path, {"w": nt.ones({"d": 2, "h": 3})})
    >>> nt.load(path)["w"].names
    ('d', 'h')
    >>> template = {"w": nt.TensorSpec({"h": 3, "d": 2})}
    >>> nt.load(path, like=template)["w"].names
    ('h', 'd')

    The header is validated completely before any data is read, and nothing in the file
    is executed or looked up as a class.

    Args:
        path: a file written by ``nt.save`` or another safetensors writer.
        like: a template tree of NamedTensors, TensorSpecs or arrays. The file must hold
            exactly its entries, names, sizes and dtypes (nothing is cast); the result takes
            its pytree structure (NamedTuples, optax states), its axis order, and the
            device or sharding of its tensors.
        backend: ``"jax"`` or ``"numpy"``; by default a template tensor's own, else the
            default backend (``"jax"``, or the one set by ``nt.use_backend``).
        names: for a plain safetensors file only: ``{key: "a b", ...}`` for every tensor.

    Returns:
        Without ``like``: the saved tree, containers as dicts, lists and tuples; unnamed
        leaves come back as arrays.

    Raises:
        FormatError: a missing, malformed, truncated or hostile file, or one that does not
            match ``like``.
    """
    op = "nt.load"
    path, size = regular_file(path, op)
    chosen = None if backend is None else V.backend(backend, op)
    given = _names_arg(names, op)
    template = None if like is None else _like_leaves(like, op)
    try:
        with open(path, "rb", buffering=0) as f:
            header = _read_header(f, path, size, op)
            where = f"{op}: {path!r}"
            if header.names is None:
                file_names, tree = _plain(header, given, where)
            elif given is not None:
                raise NamedTensorError(f"{where}: names= is for files without names; this "
                                       f"file was written by nt.save and has its own")
            else:
                file_names, tree = header.names, header.tree
            reader = _Reader(f, header, chosen, op)
            if template is None:
                return _load_tree(reader, tree, file_names, chosen or default_backend())
            return _load_like(reader, template, file_names, chosen)
    except OSError as e:
        raise FormatError(f"{op}: {path!r} cannot be read ({e.strerror})") from None


def _load_tree(reader: _Reader, tree: Json, file_names: dict[str, tuple[str, ...]],
               backend: str) -> PyTree:
    be = get_backend(backend)
    for key in reader.header.entries:
        reader.check_dtype(key, backend)

    def leaf(key: str) -> Any:
        data = reader.place(reader.array(key), backend, None)
        return data if key not in file_names else NamedTensor._new(data, file_names[key], be)

    return decode_tree(tree, leaf, lambda m: FormatError(f"{reader.where}: {m}"))


def _expect(reader: _Reader, key: str, template: _Template,
            file_names: dict[str, tuple[str, ...]]) -> tuple[tuple[int, ...] | None, str, _Target]:
    """The (names in template order or None, backend, target) of one template leaf, or
    ``FormatError`` naming the first difference from the file."""
    where = reader.where
    code, shape, _, _ = reader.header.entries[key]
    stored = file_names.get(key)
    want_dtype = np.dtype(template.dtype)
    order: tuple[int, ...] | None = None  # the template's axis order in the stored one
    if isinstance(template, (NamedTensor, TensorSpec)):
        if stored is None:
            raise FormatError(f"{where}: tensor {key!r} is stored without names, but like= "
                              f"expects {fmt_sizes(template.names, template.shape)}")
        if set(stored) != set(template.names):
            raise FormatError(f"{where}: tensor {key!r} has names {fmt_sizes(stored, shape)}, "
                              f"but like= expects {fmt_sizes(template.names, template.shape)}")
        sizes = dict(zip(stored, shape))
        for n, s in zip(template.names, template.shape):
            if s is not None and sizes[n] != s:
                raise FormatError(f"{where}: tensor {key!r} has {n}={sizes[n]}, but like= "
                                  f"expects {n}={s} ({fmt_sizes(stored, shape)} against "
                                  f"{fmt_sizes(template.names, template.shape)})")
        order = tuple(stored.index(n) for n in template.names)
    elif stored is not None:
        raise FormatError(f"{where}: tensor {key!r} is stored with names "
                          f"{fmt_sizes(stored, shape)}, but like= expects an unnamed array")
    elif tuple(template.shape) != shape:
        raise FormatError(f"{where}: array {key!r} has shape {shape}, but like= expects "
                          f"{tuple(template.shape)}")
    if _DTYPES[code] != want_dtype:
        raise FormatError(f"{where}: tensor {key!r} is {_DTYPES[code]}, but like= expects "
                          f"{want_dtype}; nothing is cast")
    backend, target = reader.backend, None
    if isinstance(template, NamedTensor):
        backend = backend or template.backend
        if backend == "jax" and template.backend == "jax":
            target = template.data.sharding
    elif isinstance(template, (np.ndarray, np.generic)):
        backend = backend or "numpy"
    elif isinstance(template, jax.Array):
        backend = backend or "jax"
        target = template.sharding if backend == "jax" else None
    elif isinstance(template, jax.ShapeDtypeStruct):
        target = getattr(template, "sharding", None)
    backend = backend or default_backend()  # a TensorSpec: nt.use_backend's, or "jax"
    return order, backend, target


def _load_like(reader: _Reader, template: tuple[Any, list[tuple[str, _Template]]],
               file_names: dict[str, tuple[str, ...]], chosen: str | None) -> PyTree:
    treedef, leaves = template
    where = reader.where
    wanted = [k for k, _ in leaves]
    for key in wanted:
        if key not in reader.header.entries:
            raise FormatError(f"{where}: the file has no tensor {key!r}, which like= expects")
    for key in reader.header.entries:
        if key not in wanted:
            raise FormatError(f"{where}: the file holds {key!r}, which like= does not have")
    plans = [(key, t, _expect(reader, key, t, file_names)) for key, t in leaves]
    for key, _, (_, backend, _) in plans:
        reader.check_dtype(key, backend)
    out = []
    for key, t, (order, backend, target) in plans:
        array = reader.array(key)
        if order is not None:
            array = np.transpose(array, order)
        data = reader.place(array, backend, target)
        del array
        # an order is given only for a named template
        out.append(data if order is None else NamedTensor._new(
            data, tuple(cast("NamedTensor | TensorSpec", t).names), get_backend(backend)))
    return jax.tree_util.tree_unflatten(treedef, out)
