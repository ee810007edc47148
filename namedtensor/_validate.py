"""The shared argument validators every public entry point calls first.

Each takes the value, the entry point's name (``op``, e.g. ``"nt.zeros"``) and the
argument's name, and returns the normalised value or raises: a ``TypeError`` for a
value of the wrong type, a :class:`NamedTensorError` subclass for a wrong value.
Messages name the operation, the argument, the axes and the sizes, never array values.
The validators work on Python values, names and shapes (never on array contents), so
they cost a few hundred nanoseconds and stay off the hot path of cached plans.
"""

import math
import numbers
import operator
import os
from collections.abc import Callable, KeysView, Mapping, Sequence, Set
from typing import TYPE_CHECKING, Any, Literal, overload

import numpy as np

from ._errors import AxisNameError, AxisSizeError, DeviceMismatchError, NamedTensorError
from ._names import fmt_sizes, parse_names
from ._types import Array, DTypeLike, Real, Shape

if TYPE_CHECKING:
    import jax

    from ._tensor import NamedTensor

__all__ = ["names", "name_group", "name", "sizes", "is_symbolic", "allocation", "nesting",
           "dtype", "fits", "backend", "device", "placement", "devices_agree", "function", "key",
           "integer", "real", "to_float", "default_float", "default_int", "accumulation_dtype"]

MAX_BYTES = 2**63 - 1
_KEYS: type[KeysView[Any]] = type({}.keys())  # a dict's keys: a set type, but ordered
_MAX_DEPTH = 64  # NumPy's and XLA's limit on the number of axes


def _type(value: object) -> str:
    return type(value).__name__


# --- names and sizes ----------------------------------------------------------------
def _unordered(value: object) -> bool:
    """A set (a dict's keys excepted: they keep their order)."""
    return isinstance(value, Set) and not isinstance(value, _KEYS)


def names(value: Any, op: str, arg: str = "names") -> tuple[str, ...]:
    """A tuple of valid, unique names from ``"a b"`` or a sequence of str.

    A set or a mapping is refused: a set's order comes from hashing, not from the data,
    and a mapping's values would be ignored.
    """
    if isinstance(value, str):
        return parse_names(value, op)
    if isinstance(value, Mapping):
        raise TypeError(f"{op}: {arg} must be a string or a sequence of str, got a "
                        f"{_type(value)}; a mapping's sizes would be ignored: pass "
                        f"list(mapping) or use a constructor that takes sizes")
    if _unordered(value):
        raise TypeError(f"{op}: {arg} must be a string or a sequence of str, got a "
                        f"{_type(value)}, whose order is not the data's; pass a list or a tuple")
    if not hasattr(value, "__iter__") or hasattr(value, "shape"):
        raise TypeError(f"{op}: {arg} must be a string or a sequence of str, got "
                        f"{_type(value)}")
    return parse_names(value, op)


def name_group(value: Any, op: str, arg: str = "names") -> tuple[str, ...]:
    """One name, or a sequence of names whose order the result does not depend on (the
    axes a reduction or ``nt.dot`` sums over): a tuple of str. Sets are refused as
    everywhere names are given (SPEC section 15), although their order would not show."""
    if isinstance(value, str):
        return (value,)
    if _unordered(value) or isinstance(value, Mapping) or hasattr(value, "shape") or \
            not hasattr(value, "__iter__"):
        raise TypeError(f"{op}: {arg} must be one axis name or a sequence of names, got "
                        f"{_type(value)}")
    group = tuple(value)
    for n in group:
        if not isinstance(n, str):
            raise TypeError(f"{op}: {arg} must be one axis name or a sequence of names; got "
                            f"an entry of type {_type(n)}")
    return group


def name(value: object, op: str, arg: str = "name") -> str:
    """One valid axis name."""
    if not isinstance(value, str):
        raise TypeError(f"{op}: {arg} must be one axis name (a str), got {_type(value)}")
    (value,) = parse_names((value,), op)
    return value


def integer(value: object, op: str, arg: str, low: int | None = None,
            high: int | None = None) -> int:
    """A Python int (NumPy integers accepted, bools and floats refused) in ``[low, high]``."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{op}: {arg} must be an int, got {_type(value)}")
    value = int(value)
    if (low is not None and value < low) or (high is not None and value > high):
        span = f">= {low}" if high is None else f"in [{low}, {high}]" if low is not None \
            else f"<= {high}"
        raise NamedTensorError(f"{op}: {arg} must be {span}, got {value}")
    return value


def real(value: object, op: str, arg: str) -> Real:
    """A real Python/NumPy scalar (int or float, not bool, not an array)."""
    # np.integer and np.floating: np.number less np.complexfloating
    if isinstance(value, (bool, np.bool_)) or \
            not isinstance(value, (numbers.Real, np.integer, np.floating)):
        raise TypeError(f"{op}: {arg} must be a real number (an int or a float), got "
                        f"{_type(value)}")
    return value


def to_float(value: Real) -> float:
    """A real number as a float; an int beyond float's range as +-inf (not OverflowError)."""
    try:
        return float(value)
    except OverflowError:
        return -math.inf if value < 0 else math.inf


@overload
def sizes(value: object, op: str, arg: str = "sizes", symbolic: Literal[False] = False,
          rest: bool = False) -> tuple[tuple[str, ...], Shape]: ...


@overload
def sizes(value: object, op: str, arg: str = "sizes", *, symbolic: bool,
          rest: bool = False) -> tuple[tuple[str, ...], tuple[int | None, ...]]: ...


def sizes(value: object, op: str, arg: str = "sizes", symbolic: bool = False,
          rest: bool = False) -> tuple[tuple[str, ...], tuple[int | None, ...]]:
    """``(names, shape)`` from an ordered mapping ``{"batch": 32, "feat": 128}``.

    Sizes are non-negative ints; with ``symbolic``, ``None`` is allowed too, and with
    ``rest``, ``-1`` (the caller checks there is at most one). A symbolic size of
    ``jax.export`` (``t.sizes`` while ``nt.export`` traces) is kept as it is.
    """
    if not isinstance(value, Mapping):
        raise TypeError(f"{op}: {arg} must be an ordered mapping such as "
                        f"{{'batch': 32, 'feat': 128}}, got {_type(value)}")
    keys = tuple(value)
    for k in keys:
        if not isinstance(k, str):
            raise AxisNameError(f"{op}: invalid axis name {k!r} in {arg}; a name is a Python "
                                f"identifier such as 'batch' or 'd_model'")
    axes = parse_names(keys, op)
    shape: list[int | None] = []
    for n in axes:
        s = value[n]
        if s is None and symbolic:
            shape.append(None)
            continue
        if isinstance(s, (bool, np.bool_)) or not isinstance(s, (int, np.integer)):
            if is_symbolic(s):
                shape.append(value[n])  # a symbolic dimension, which behaves as an int
                continue
            raise TypeError(f"{op}: the size of axis {n!r} in {arg} must be an int"
                            f"{' or None' if symbolic else ''}, got {_type(s)}")
        s = operator.index(s)
        if s < 0 and not (rest and s == -1):
            raise AxisSizeError(f"{op}: the size of axis {n!r} in {arg} must be non-negative, "
                                f"got {s}")
        shape.append(s)
    return axes, tuple(shape)


def is_symbolic(size: Any) -> bool:
    """A symbolic size of ``jax.export`` (only met while ``nt.export`` traces)."""
    import jax.export
    return jax.export.is_symbolic_dim(size)


def _memory() -> int:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # pragma: no cover - not POSIX
        return MAX_BYTES


_LIMIT = min(MAX_BYTES, _memory())  # the machine's memory does not change while we run


def allocation(axes: Sequence[str], shape: Sequence[int], dtype_: DTypeLike,
               op: str) -> None:
    """Refuse an allocation over 2**63-1 bytes or beyond this machine's memory, before
    anything is allocated (XLA aborts the process on such a request). A symbolic size
    (inside ``nt.export``) is unknown until the exported program runs: not checked."""
    count = math.prod(shape)
    if not isinstance(count, (int, np.integer)):
        return
    nbytes = count * np.dtype(dtype_).itemsize
    if count > MAX_BYTES or nbytes > _LIMIT:
        raise AxisSizeError(f"{op}: {fmt_sizes(axes, shape)} is {count:.3g} elements of "
                            f"{np.dtype(dtype_)} ({nbytes:.3g} bytes), more than this machine "
                            f"can hold ({_LIMIT:.3g} bytes)")


def nesting(data: object, op: str) -> None:
    """Refuse lists nested deeper than an array can have axes (before NumPy/JAX recurse)."""
    depth = 0
    while isinstance(data, (list, tuple)) and data:
        depth += 1
        if depth > _MAX_DEPTH:
            raise AxisSizeError(f"{op}: the data is nested more than {_MAX_DEPTH} lists deep; "
                                f"an array has at most {_MAX_DEPTH} axes")
        data = data[0]


# --- dtypes -----------------------------------------------------------------------
@overload
def dtype(value: object, op: str, arg: str = "dtype", *,
          allow_none: Literal[False]) -> "np.dtype[Any]": ...


@overload
def dtype(value: object, op: str, arg: str = "dtype",
          allow_none: bool = True) -> "np.dtype[Any] | None": ...


def dtype(value: Any, op: str, arg: str = "dtype",
          allow_none: bool = True) -> "np.dtype[Any] | None":
    """A NumPy dtype of a kind namedtensor computes with (bool, int, float, complex)."""
    if value is None:
        if allow_none:
            return None
        raise TypeError(f"{op}: {arg} must be a dtype such as 'float32', got None")
    try:
        result: np.dtype[Any] = np.dtype(value)
    except (TypeError, ValueError, SyntaxError):
        if isinstance(value, str):  # the right type, an unknown value
            raise NamedTensorError(f"{op}: unknown {arg} {value!r}; use a NumPy dtype name "
                                   f"such as 'float32', 'int32' or 'bool'") from None
        raise TypeError(f"{op}: {arg} must be a dtype such as 'float32' or np.int32, got "
                        f"{_type(value)}") from None
    if result.kind not in "biufc" and result.name not in ("bfloat16",) \
            and not result.name.startswith("float8") and not result.name.startswith("int4") \
            and not result.name.startswith("uint4"):
        raise TypeError(f"{op}: {arg} {result} is not supported; namedtensor holds bool, "
                        f"integer, floating and complex numbers")
    return result


def fits(value: int, dtype_: "np.dtype[Any]", op: str, what: str = "value") -> None:
    """A Python int ``value`` must be representable in the integer ``dtype_`` (no wrapping).
    The message gives the range, not the value (it may come from the data)."""
    dtype_ = np.dtype(dtype_)
    if dtype_.kind in "iu":
        info = np.iinfo(dtype_)
        if not info.min <= value <= info.max:
            raise NamedTensorError(f"{op}: a {what} does not fit in {dtype_} (range "
                                   f"[{info.min}, {info.max}]) and would wrap around; use a "
                                   f"wider dtype or a value in range")


# --- backends and devices --------------------------------------------------------------
def backend(value: object, op: str) -> str:
    """A backend name: ``"jax"`` or ``"numpy"`` (``None``: the default, ``"jax"`` unless
    ``nt.use_backend`` set another for this thread)."""
    from .backends import NAMES
    if value is None:
        from ._devices import default_backend
        return default_backend()
    if not isinstance(value, str):
        raise TypeError(f"{op}: backend must be one of {list(NAMES)}, got {_type(value)}")
    if value not in NAMES:
        raise NamedTensorError(f"{op}: unknown backend {value!r}; choose one of {list(NAMES)}")
    return value


def device(value: object, op: str, backend: str = "jax") -> "jax.Device":
    """A JAX device from ``"cpu"``, ``"gpu:1"`` or a ``jax.Device``; for the numpy backend,
    ``"cpu"`` (the host). Unknown platforms and indices out of range are refused."""
    import jax
    if isinstance(value, (jax.sharding.Sharding, jax.sharding.Mesh, jax.sharding.PartitionSpec)):
        raise TypeError(f"{op}: device must be one device, got a {_type(value)}, which lays a "
                        f"tensor out over devices; shard by name instead: "
                        f"nt.shard(t, mesh, rules), e.g. nt.shard(t, nt.mesh({{'data': -1}}), "
                        f"{{'batch': 'data'}})")
    if isinstance(value, jax.Device):
        if backend == "numpy" and value.platform != "cpu":
            raise NamedTensorError(f"{op}: the numpy backend lives on the host; device "
                                   f"{value.platform}:{value.id} is not available to it")
        return value
    if not isinstance(value, str):
        raise TypeError(f"{op}: device must be a string such as 'cpu', 'gpu' or 'gpu:1', or "
                        f"a jax.Device, got {_type(value)}")
    platform, colon, index = value.partition(":")
    try:
        available = jax.devices(platform) if platform else []
    except RuntimeError:
        available = []
    if not available:
        raise NamedTensorError(f"{op}: no {platform!r} device is available; JAX sees "
                               f"{[f'{d.platform}:{d.id}' for d in jax.devices()]}")
    if backend == "numpy" and platform != "cpu":
        raise NamedTensorError(f"{op}: the numpy backend lives on the host; device {value!r} "
                               f"is not available to it")
    if colon and not (index.isdigit() and index.isascii()):
        raise NamedTensorError(f"{op}: device {value!r} must be 'platform' or "
                               f"'platform:index' with a non-negative integer index")
    i = int(index) if colon else 0
    if i >= len(available):
        raise NamedTensorError(f"{op}: device {value!r} does not exist; there are "
                               f"{len(available)} {platform} device(s) (indices 0 to "
                               f"{len(available) - 1})")
    return available[i]


def placement(t: "NamedTensor") -> str:
    """Where a tensor lives, for a message: ``cpu:0``, or for one laid out over several
    devices ``mesh {'data': 4} over cpu:0,cpu:1,cpu:2,cpu:3``."""
    where: str = t.device
    mesh = getattr(getattr(t.data, "sharding", None), "mesh", None)
    if "," in where and mesh is not None:
        return f"mesh {dict(mesh.shape)} over {where}"
    return where


def devices_agree(tensors: Sequence["NamedTensor"], op: str) -> None:
    """Raise :class:`DeviceMismatchError` if the tensors are committed to different devices,
    or laid out over different sets of devices (different meshes)."""
    seen: dict[str, int] = {}
    for i, t in enumerate(tensors):
        d = t.device
        if d != "traced":
            seen.setdefault(d, i)
    if len(seen) > 1:
        (a, i), (b, j) = list(seen.items())[:2]
        fix = "move them together with t.to(device)"
        if "," in a or "," in b:
            fix = "lay them out on one mesh with nt.shard(x, mesh, rules)"
        raise DeviceMismatchError(f"{op}: operands live on different devices: operand {i} on "
                                  f"{placement(tensors[i])}, operand {j} on "
                                  f"{placement(tensors[j])}; {fix}")


# --- functions and keys -----------------------------------------------------------------
def function(value: object, op: str, arg: str = "f") -> Callable[..., Any]:
    """A callable."""
    if not callable(value):
        raise TypeError(f"{op}: {arg} must be callable, got {_type(value)}")
    return value


def key(value: Any, op: str) -> Array:
    """A JAX random key: a typed key (``nt.random.key``) or a legacy uint32 ``(2,)`` key."""
    import jax
    dt = getattr(value, "dtype", None)
    if dt is not None and jax.numpy.issubdtype(dt, jax.dtypes.prng_key):
        if np.ndim(value) != 0:
            raise NamedTensorError(f"{op}: key must be one key, got an array of {np.shape(value)} "
                                   f"keys; unpack them: k1, k2 = nt.random.split(key)")
        return value
    if dt is not None and np.dtype(dt) == np.uint32 and tuple(np.shape(value)) == (2,):
        return value
    raise TypeError(f"{op}: key must be a random key from nt.random.key(seed) or "
                    f"nt.random.split(key), got {_type(value)}"
                    f"{' of shape ' + str(tuple(np.shape(value))) if dt is not None else ''}")


# --- dtype rules both backends share -------------------------------------------------
def default_float() -> "np.dtype[Any]":
    """float32, or float64 when JAX's x64 mode is on (the dtype of transcendental
    functions of integers, on both backends)."""
    import jax
    return np.dtype(jax.dtypes.canonicalize_dtype(np.float64))


def default_int() -> "np.dtype[Any]":
    """int32, or int64 when JAX's x64 mode is on (JAX's integer for Python ints)."""
    import jax
    return np.dtype(jax.dtypes.canonicalize_dtype(np.int64))


def accumulation_dtype(dtype_: DTypeLike) -> "np.dtype[Any]":
    """The dtype ``jnp.sum`` returns for ``dtype_``: bool and narrower signed integers
    -> int32 (int64 with x64), narrower unsigned -> uint32 (uint64), others unchanged.
    Einsum, dot and cumsum accumulate in it on both backends, so they never wrap where
    ``sum`` would not."""
    import jax
    dtype_ = np.dtype(dtype_)
    wide_int = default_int()
    if dtype_.kind == "b" or (dtype_.kind == "i" and dtype_.itemsize < wide_int.itemsize):
        return wide_int
    if dtype_.kind == "u" and dtype_.itemsize < wide_int.itemsize:
        return np.dtype(jax.dtypes.canonicalize_dtype(np.uint64))
    return dtype_
