"""Random tensors from explicit JAX keys.

Every function validates its arguments before JAX sees them: a key
that is not one key, sizes that are not an ordered mapping of non-negative ints, a
dtype of the wrong kind, bounds out of order or a probability outside [0, 1] raise
with the function's name. ``p``, ``low`` and ``high`` are Python numbers, 0-d arrays,
or NamedTensors over some of ``sizes``' names, broadcast by name; a positional array
with axes is refused. Results are JAX tensors with ``sizes``' names in their order.

>>> import namedtensor as nt
>>> key = nt.random.key(0)
>>> k1, k2 = nt.random.split(key)
>>> nt.random.normal(k1, {"batch": 2, "feat": 3}).sizes
{'batch': 2, 'feat': 3}
"""

import math
from collections.abc import Sequence
from typing import Any, TypeAlias, cast

import jax
import jax.numpy as jnp
import numpy as np

from . import _validate
from ._errors import AxisNameError, AxisSizeError, NamedTensorError
from ._names import did_you_mean, fmt_sizes
from ._tensor import NamedTensor
from ._types import Array, DTypeLike, Real, Sizes
from .backends import get_backend

__all__ = ["key", "split", "normal", "uniform", "bernoulli", "randint", "categorical",
           "permutation", "dropout"]

# a bound or a probability: a number, a 0-d array, or a NamedTensor broadcast by name
RealOperand: TypeAlias = "Real | NamedTensor | jax.Array | np.ndarray[Any, Any]"
IntOperand: TypeAlias = "int | np.integer[Any] | NamedTensor | jax.Array | np.ndarray[Any, Any]"
# the abstract dtypes (jnp.floating, ...) an argument may have
_Kinds: TypeAlias = Sequence[type[Any]]


# --- keys -------------------------------------------------------------------------------
def _x64() -> bool:
    """Whether ``jax_enable_x64`` is on."""
    return bool(jax.dtypes.canonicalize_dtype(np.int64) == np.int64)


def _seed_range() -> tuple[int, int]:
    """Seeds JAX keeps every bit of: 64 bits with ``jax_enable_x64``, else 32 (JAX drops
    the high word silently, so ``key(2**32)`` would equal ``key(0)``)."""
    bits = 64 if _x64() else 32
    return -2 ** (bits - 1), 2 ** bits - 1


def key(seed: "int | np.integer[Any] | jax.Array | np.ndarray[Any, Any]") -> jax.Array:
    """A new JAX random key from an integer seed.

    >>> import namedtensor as nt
    >>> k = nt.random.key(42)
    >>> k.shape
    ()

    Args:
        seed: a Python or NumPy int in ``[-2**31, 2**32 - 1]`` (``[-2**63, 2**64 - 1]``
            with ``jax_enable_x64``; outside it JAX would drop high bits and two seeds
            would give one key), or a 0-d integer array (also a traced one, inside ``jit``).

    Returns:
        A typed JAX key (``jax.random.key``).
    """
    op = "nt.random.key"
    if hasattr(seed, "shape") and hasattr(seed, "dtype") and not isinstance(seed, np.generic):
        dt = seed.dtype
        if len(seed.shape) or not jnp.issubdtype(dt, jnp.integer):
            raise TypeError(f"{op}: seed must be an int or a 0-d integer array, got an array "
                            f"of shape {tuple(seed.shape)} and dtype {dt}")
        if isinstance(seed, jax.core.Tracer):
            return jax.random.key(seed)
        seed = cast(Any, seed).item()  # a concrete 0-d integer array
    seed = _validate.integer(seed, op, "seed")
    low, high = _seed_range()
    if not low <= seed <= high:
        raise NamedTensorError(f"{op}: seed {seed} is outside [{low}, {high}]; JAX keeps "
                               f"{high.bit_length()} bits of a seed"
                               f"{'' if _x64() else ' (64 with jax_enable_x64)'}"
                               f", so it would collide with another seed: reduce it, e.g. "
                               f"seed % {high + 1}")
    if seed > np.iinfo(np.int64).max:  # a Python int there overflows JAX's int64 parsing
        seed = np.uint64(seed)
    return jax.random.key(seed)


def split(key: jax.Array, n: int = 2) -> jax.Array:
    """``n`` new independent keys (unpack them: ``k1, k2 = nt.random.split(key)``).

    >>> import namedtensor as nt
    >>> k1, k2, k3 = nt.random.split(nt.random.key(0), 3)
    >>> nt.random.split(nt.random.key(0), 0).shape  # no keys for no layers
    (0,)

    Args:
        key: one key from :func:`key` or :func:`split`.
        n: how many keys, an int ``>= 0`` (``0`` gives an empty array of keys, so that
            ``split(key, len(layers))`` works for no layers).

    Returns:
        A JAX array of ``n`` keys.
    """
    op = "nt.random.split"
    key = _validate.key(key, op)
    n = _validate.integer(n, op, "n", low=0)
    _validate.allocation(("n",), (n,), np.dtype(np.uint64), op)  # a threefry key is 2 x uint32
    return jax.random.split(key, n)


# --- argument helpers -------------------------------------------------------------------
def _kind(dtype: object, op: str, kinds: _Kinds, example: str) -> "np.dtype[Any]":
    """A dtype whose kind is one of ``kinds`` (jnp abstract types) and that JAX samples."""
    dt = _validate.dtype(dtype, op, allow_none=False)
    if not any(jnp.issubdtype(dt, k) for k in kinds):
        raise TypeError(f"{op}: dtype must be {example}, got {dt}")
    integer = jnp.issubdtype(dt, jnp.integer)  # (jax leaves iinfo and finfo unannotated)
    info = jnp.iinfo(dt) if integer else jnp.finfo(dt)  # type: ignore[no-untyped-call]
    if info.bits not in (8, 16, 32, 64):
        raise TypeError(f"{op}: dtype {dt} is not supported; JAX samples 8-, 16-, 32- and "
                        f"64-bit types")
    return dt


def _canonical(dt: "np.dtype[Any]") -> "np.dtype[Any]":
    """The dtype JAX really produces for ``dt`` (int64 -> int32 without x64)."""
    return np.dtype(jax.dtypes.canonicalize_dtype(dt))


def _note(dt: "np.dtype[Any]", cdt: "np.dtype[Any]") -> str:
    return "" if dt == cdt else f" ({dt} is {cdt} without jax_enable_x64)"


def _sizes(sizes: object, dtype: "np.dtype[Any]",
           op: str) -> tuple[tuple[str, ...], tuple[int, ...]]:
    names, shape = _validate.sizes(sizes, op)
    _validate.allocation(names, shape, dtype, op)  # XLA aborts the process on a huge request
    return names, shape


def _operand(x: object, op: str, arg: str, kinds: _Kinds, what: str) -> NamedTensor | None:
    """A NamedTensor (a traced 0-d array becomes one), or ``None`` for a number the
    caller validates. A positional array with axes is a TypeError (SPEC section 1)."""
    if isinstance(x, NamedTensor):
        t = x
    elif hasattr(x, "shape") and hasattr(x, "dtype") and not isinstance(x, np.generic):
        if jnp.issubdtype(x.dtype, jax.dtypes.prng_key):
            raise TypeError(f"{op}: {arg} must be {what}, got a random key")
        if len(x.shape):
            raise TypeError(f"{op}: {arg} is a positional {type(x).__name__} of shape "
                            f"{tuple(x.shape)}; {arg} broadcasts by name: wrap it with "
                            f"nt.tensor(x, names), e.g. nt.tensor(x, "
                            f"{' '.join(f'ax{i}' for i in range(len(x.shape)))!r})")
        if not isinstance(x, jax.core.Tracer):
            return None  # a concrete 0-d array: checked as the number it holds
        t = NamedTensor._new(x, (), get_backend("jax"))
    else:
        return None
    if not any(jnp.issubdtype(t.dtype, k) for k in kinds):
        raise TypeError(f"{op}: {arg} must be {what}, got a NamedTensor of dtype {t.dtype}")
    return t


def _number(x: Any) -> Any:
    """A Python number from a number or a concrete 0-d array."""
    if hasattr(x, "shape") and hasattr(x, "dtype") and not isinstance(x, np.generic):
        x = x.item()
    return x


def _by_name(t: NamedTensor, data: Array, names: tuple[str, ...], shape: tuple[int, ...],
             op: str, arg: str) -> jax.Array:
    """``data`` (``t``'s values) broadcast to ``names``/``shape`` by name."""
    sizes = dict(zip(names, shape))
    extra = [n for n in t.names if n not in sizes]
    if extra:
        raise AxisNameError(f"{op}: {arg} {fmt_sizes(t.names, t.shape)} has axes {extra} that "
                            f"are not in sizes {fmt_sizes(names, shape)}; its names must be "
                            f"some of the result's")
    for n, s in zip(t.names, t.shape):
        if s != sizes[n]:
            raise AxisSizeError(f"{op}: axis {n!r} has size {s} in {arg} "
                                f"{fmt_sizes(t.names, t.shape)} but size {sizes[n]} in sizes "
                                f"{fmt_sizes(names, shape)}")
    order = sorted(range(len(t.names)), key=lambda i: names.index(t.names[i]))
    data = jnp.transpose(jnp.asarray(data), order)
    data = jnp.reshape(data, tuple(sizes[n] if n in t.names else 1 for n in names))
    return jnp.broadcast_to(data, shape)


def _concrete(t: NamedTensor) -> np.ndarray[Any, Any] | None:
    """``t``'s data as a NumPy array, or ``None`` when it is traced (inside ``jit``)."""
    data = t.data
    return None if isinstance(data, jax.core.Tracer) else np.asarray(data)


def _finite(v: Real) -> bool:
    return math.isfinite(_validate.to_float(v))


def _all_less(a: Any, b: Any) -> bool:
    """``a < b`` everywhere, for Python ints (compared exactly) and arrays."""
    if isinstance(a, int):
        return b.size == 0 or a < int(b.min())
    if isinstance(b, int):
        return a.size == 0 or int(a.max()) < b
    return bool(np.all(a < b))


def _show(v: object) -> str:
    """A user's number for a message, a huge int abbreviated."""
    text = repr(v)
    return text if len(text) <= 30 else f"{text[:12]}...({len(text)} digits)"


def _wrap(data: Array, names: tuple[str, ...]) -> NamedTensor:
    return NamedTensor._new(data, names, get_backend("jax"))


# --- samplers ---------------------------------------------------------------------------
def normal(key: jax.Array, sizes: Sizes, dtype: DTypeLike = "float32") -> NamedTensor:
    """Standard normal samples with the ordered ``sizes``.

    >>> import namedtensor as nt
    >>> x = nt.random.normal(nt.random.key(0), {"batch": 2, "feat": 3})
    >>> x.sizes, str(x.dtype)
    ({'batch': 2, 'feat': 3}, 'float32')

    Args:
        key: one key from :func:`key` or :func:`split`.
        sizes: an ordered mapping name -> size, ``{"batch": 2, "feat": 3}``.
        dtype: a floating dtype, or a complex one (real and imaginary parts then each
            have variance 1/2, as in ``jax.random.normal``).

    Returns:
        A JAX NamedTensor with ``sizes``' names in their order.
    """
    op = "nt.random.normal"
    key = _validate.key(key, op)
    dt = _kind(dtype, op, (jnp.floating, jnp.complexfloating),
               "a floating dtype such as 'float32' (or a complex one)")
    names, shape = _sizes(sizes, dt, op)
    return _wrap(jax.random.normal(key, shape, dt), names)


_REAL = (jnp.integer, jnp.floating)


def uniform(key: jax.Array, sizes: Sizes, low: RealOperand = 0.0, high: RealOperand = 1.0,
            dtype: DTypeLike = "float32") -> NamedTensor:
    """Uniform samples in ``[low, high)`` with the ordered ``sizes``.

    >>> import namedtensor as nt
    >>> k = nt.random.key(0)
    >>> x = nt.random.uniform(k, {"batch": 2, "feat": 3}, low=-1.0, high=1.0)
    >>> bool(((x >= -1) & (x < 1)).all())
    True
    >>> low = nt.tensor([0.0, 10.0, 20.0], "feat")  # one range per feature, by name
    >>> y = nt.random.uniform(k, {"batch": 2, "feat": 3}, low=low, high=low + 1)
    >>> bool((y.sum("batch") >= 2 * low).all())
    True

    Args:
        key: one key from :func:`key` or :func:`split`.
        sizes: an ordered mapping name -> size.
        low, high: finite bounds with ``low <= high`` (``low == high`` gives ``low``):
            numbers, 0-d arrays, or real NamedTensors over some of ``sizes``' names
            (broadcast by name; their values are checked unless traced inside ``jit``).
            ``high - low`` must be finite in ``dtype``.
        dtype: a floating dtype.

    Returns:
        A JAX NamedTensor with ``sizes``' names in their order.
    """
    op = "nt.random.uniform"
    key = _validate.key(key, op)
    dt = _kind(dtype, op, (jnp.floating,), "a floating dtype such as 'float32'")
    names, shape = _sizes(sizes, dt, op)
    cdt = _canonical(dt)
    bounds: dict[str, tuple[NamedTensor | None, Any]] = {}  # (tensor or None, value)
    for arg, x in (("low", low), ("high", high)):
        t = _operand(x, op, arg, _REAL, "a real (integer or floating) NamedTensor")
        if t is None:
            v = _validate.real(_number(x), op, arg)
            if not _finite(v):
                raise NamedTensorError(f"{op}: {arg} must be finite, got low={_show(low)}, "
                                       f"high={_show(high)}")
            bounds[arg] = (None, v)
        else:
            bounds[arg] = (t, _by_name(t, t.data, names, shape, op, arg).astype(cdt))
    (tl, lo), (th, hi) = bounds["low"], bounds["high"]
    if tl is None and th is None:
        if lo > hi:
            raise NamedTensorError(f"{op}: low must be <= high, got low={_show(lo)} > "
                                   f"high={_show(hi)}")
        with np.errstate(all="ignore"):
            a, b = np.asarray(lo, cdt), np.asarray(hi, cdt)
            if not (np.isfinite(a) and np.isfinite(b) and np.isfinite(b - a)):
                raise NamedTensorError(f"{op}: low={_show(lo)}, high={_show(hi)} do not fit in "
                                       f"{cdt}{_note(dt, cdt)}: the bounds and high - low must "
                                       f"be finite there")
    elif not any(isinstance(v, jax.core.Tracer) for v in (lo, hi)):
        with np.errstate(all="ignore"):
            a, b = np.asarray(lo, cdt), np.asarray(hi, cdt)
            finite, ordered, span = (np.isfinite(a).all() and np.isfinite(b).all(),
                                     np.all(a <= b), np.isfinite(b - a).all())
        which = " and ".join(f"{arg} {fmt_sizes(t.names, t.shape)}" for arg, t in
                             (("low", tl), ("high", th)) if t is not None)
        if not finite:
            raise NamedTensorError(f"{op}: {which} must be finite in {cdt}{_note(dt, cdt)}; "
                                   f"some values are inf or nan")
        if not ordered:
            raise NamedTensorError(f"{op}: low must be <= high everywhere; with {which}, "
                                   f"low exceeds high at some positions")
        if not span:
            raise NamedTensorError(f"{op}: with {which}, high - low overflows {cdt} at some "
                                   f"positions")
    if tl is None:  # Python numbers as the dtype's values (a huge int would overflow JAX)
        lo = np.asarray(lo, cdt)
    if th is None:
        hi = np.asarray(hi, cdt)
    x = jax.random.uniform(key, shape, dt, lo, hi)
    # JAX computes low + u * (high - low), which can round up to high: keep [low, high).
    lo_x, hi_x = jnp.asarray(lo, x.dtype), jnp.asarray(hi, x.dtype)
    return _wrap(jnp.minimum(x, jnp.nextafter(hi_x, lo_x)), names)


def bernoulli(key: jax.Array, p: RealOperand, sizes: Sizes) -> NamedTensor:
    """Boolean samples, true with probability ``p`` (a number, or a tensor by name).

    >>> import namedtensor as nt
    >>> k = nt.random.key(0)
    >>> nt.random.bernoulli(k, 0.5, {"batch": 2, "feat": 3}).sizes
    {'batch': 2, 'feat': 3}
    >>> p = nt.tensor([0.0, 1.0], "feat")  # one probability per feature, by name
    >>> nt.random.bernoulli(k, p, {"batch": 3, "feat": 2}).sum("batch").tolist()
    [0, 3]

    Args:
        key: one key from :func:`key` or :func:`split`.
        p: a probability in ``[0, 1]``: a number, a 0-d array, or a real NamedTensor over
            some of ``sizes``' names (broadcast by name; its values are checked unless
            traced inside ``jit``).
        sizes: an ordered mapping name -> size.

    Returns:
        A bool JAX NamedTensor with ``sizes``' names in their order.
    """
    op = "nt.random.bernoulli"
    key = _validate.key(key, op)
    names, shape = _sizes(sizes, np.dtype(np.bool_), op)
    t = _operand(p, op, "p", _REAL, "a real (integer or floating) NamedTensor")
    prob: Any  # a float, or an array of sizes' shape
    if t is None:
        prob = _validate.real(_number(p), op, "p")
        if not 0 <= prob <= 1:  # nan fails too
            raise NamedTensorError(f"{op}: p must be a probability in [0, 1], got p={prob!r}")
        prob = float(prob)  # JAX wants a floating p
    else:
        values = _concrete(t)
        if values is not None and values.size:
            with np.errstate(invalid="ignore"):
                outside = ~((values >= 0) & (values <= 1))  # nan counts as outside
            if outside.any():
                raise NamedTensorError(f"{op}: p {fmt_sizes(t.names, t.shape)} must hold "
                                       f"probabilities in [0, 1]; {int(outside.sum())} of its "
                                       f"{values.size} values are outside it (or nan)")
        prob = _by_name(t, t.data, names, shape, op, "p")
        if jnp.issubdtype(prob.dtype, jnp.integer):
            prob = prob.astype(_validate.default_float())
    return _wrap(jax.random.bernoulli(key, prob, shape), names)


def randint(key: jax.Array, sizes: Sizes, low: IntOperand, high: IntOperand,
            dtype: DTypeLike = "int32") -> NamedTensor:
    """Integers uniform in ``[low, high)`` with the ordered ``sizes``.

    >>> import namedtensor as nt
    >>> k = nt.random.key(0)
    >>> x = nt.random.randint(k, {"batch": 2, "feat": 3}, 0, 10)
    >>> str(x.dtype), bool(((x >= 0) & (x < 10)).all())
    ('int32', True)
    >>> byte = nt.random.randint(k, {"n": 4}, 0, 256, dtype="uint8")  # high may be max + 1

    Args:
        key: one key from :func:`key` or :func:`split`.
        sizes: an ordered mapping name -> size.
        low, high: bounds with ``low < high``: ints (``low`` within ``dtype``, ``high`` at
            most its maximum + 1), 0-d integer arrays, or integer NamedTensors over some of
            ``sizes``' names (broadcast by name; values within ``dtype``, checked unless
            traced inside ``jit``, where JAX clips them to ``dtype``).
        dtype: an integer dtype.

    Returns:
        A JAX NamedTensor with ``sizes``' names in their order.
    """
    op = "nt.random.randint"
    key = _validate.key(key, op)
    dt = _kind(dtype, op, (jnp.integer,), "an integer dtype such as 'int32'")
    names, shape = _sizes(sizes, dt, op)
    cdt = _canonical(dt)
    info = np.iinfo(cdt)
    bounds: dict[str, tuple[NamedTensor | None, Any]] = {}  # (tensor or None, value)
    for arg, x in (("low", low), ("high", high)):
        t = _operand(x, op, arg, (jnp.integer,), "an integer NamedTensor")
        if t is None:
            v = _validate.integer(_number(x), op, arg)
            bounds[arg] = (None, v)
            continue
        values = _concrete(t)
        if values is not None and values.size:
            lo_v, hi_v = int(values.min()), int(values.max())
            if lo_v < info.min or hi_v > info.max:
                raise NamedTensorError(f"{op}: {arg} {fmt_sizes(t.names, t.shape)} holds "
                                       f"values outside {cdt} ([{info.min}, {info.max}])"
                                       f"{_note(dt, cdt)}; they would wrap around")
            data = values.astype(cdt)
        else:
            data = t.data
        bounds[arg] = (t, _by_name(t, data, names, shape, op, arg))
    (tl, lo), (th, hi) = bounds["low"], bounds["high"]
    if tl is None:
        _validate.fits(lo, cdt, op, "low bound")
    if th is None and not info.min < hi <= info.max + 1:
        raise NamedTensorError(f"{op}: high={hi} is outside ({info.min}, {info.max + 1}], the "
                               f"exclusive upper bounds {cdt}{_note(dt, cdt)} allows; use a "
                               f"wider dtype or a smaller high")
    if tl is None and th is None:
        if lo >= hi:
            raise NamedTensorError(f"{op}: low must be < high (the range [low, high) is "
                                   f"empty otherwise), got low={lo} >= high={hi}")
    elif not any(isinstance(v, jax.core.Tracer) for v in (lo, hi)):
        a, b = (v if isinstance(v, int) else np.asarray(v) for v in (lo, hi))
        if not _all_less(a, b):
            which = " and ".join(f"{arg} {fmt_sizes(t.names, t.shape)}" for arg, t in
                                 (("low", tl), ("high", th)) if t is not None)
            raise NamedTensorError(f"{op}: low must be < high everywhere; with {which}, "
                                   f"low >= high at some positions")
    if th is None and hi == info.max + 1 and info.bits >= 32:
        # JAX reads high = max + 1 as "up to max", but a Python int there overflows.
        if info.kind == "i":
            hi = np.dtype(f"uint{info.bits}").type(hi)
        elif tl is None:
            if lo == 0:
                return _wrap(jax.random.bits(key, shape, cdt), names)
            x = jax.random.randint(key, shape, np.asarray(lo - 1, cdt),
                                   np.asarray(info.max, cdt), dt)
            return _wrap(x + jnp.asarray(1, x.dtype), names)
        else:
            raise NamedTensorError(f"{op}: high={hi} ({cdt}'s maximum + 1) with a tensor low "
                                   f"is not supported; use high <= {info.max}")
    if tl is None:
        lo = np.asarray(lo, cdt)
    if th is None and not isinstance(hi, np.generic) and hi <= info.max:
        hi = np.asarray(hi, cdt)
    return _wrap(jax.random.randint(key, shape, lo, hi, dt), names)


# --- functions of a tensor: its backend out, never its storage order in the values ------
def _tensor(t: object, op: str, arg: str, kinds: _Kinds, what: str) -> NamedTensor:
    if not isinstance(t, NamedTensor):
        raise TypeError(f"{op}: {arg} must be a NamedTensor, got {type(t).__name__}; wrap an "
                        f"array with nt.tensor(x, names)")
    if not any(jnp.issubdtype(t.dtype, k) for k in kinds):
        raise TypeError(f"{op}: {arg} must be {what}, got {fmt_sizes(t.names, t.shape)} of "
                        f"dtype {t.dtype}")
    return t


def _axis(t: NamedTensor, name: object, op: str, arg: str) -> str:
    name = _validate.name(name, op)
    if name not in t.names:
        raise AxisNameError(f"{op}: {arg} {fmt_sizes(t.names, t.shape)} has no axis {name!r}"
                            f"{did_you_mean(name, t.names)}")
    return name


def _canonical_order(names: Sequence[str]) -> list[int]:
    """The positions of ``names`` sorted by name: samples are drawn in this layout, so the
    values do not depend on the caller's storage order (order is layout, not meaning)."""
    return sorted(range(len(names)), key=lambda i: names[i])


def _describe(x: "jax.Array | np.ndarray[Any, Any]") -> str:
    return f"an array of shape {tuple(x.shape)} and dtype {x.dtype}"


def _jax_data(t: NamedTensor) -> jax.Array:
    return t.data if t.backend == "jax" else jnp.asarray(t.data)


def _as_backend(data: jax.Array, names: tuple[str, ...], t: NamedTensor) -> NamedTensor:
    """``data`` (a JAX array) as ``t``'s backend (JAX when the key is traced)."""
    if t.backend == "jax" or isinstance(data, jax.core.Tracer):
        return _wrap(data, names)
    return NamedTensor._new(np.asarray(data), names, get_backend("numpy"))


def categorical(key: jax.Array, logits: NamedTensor, name: str) -> NamedTensor:
    """Samples an index along ``name`` with probabilities ``softmax(logits, name)``.

    The result has ``logits``' other names (in its order) and is ``logits``' backend; it
    does not depend on the storage order of ``logits``.

    >>> import namedtensor as nt
    >>> logits = nt.tensor([[0.0, 50.0, 0.0], [50.0, 0.0, 0.0]], "batch vocab")
    >>> ids = nt.random.categorical(nt.random.key(0), logits, "vocab")
    >>> ids.names, ids.tolist()
    (('batch',), [1, 0])

    Args:
        key: one key from :func:`key` or :func:`split`.
        logits: a real NamedTensor of unnormalized log-probabilities (``-inf`` excludes a
            class).
        name: the axis to sample along (its size must be at least 1).

    Returns:
        An integer NamedTensor (int32; int64 with x64) without ``name``.
    """
    op = "nt.random.categorical"
    key = _validate.key(key, op)
    logits = _tensor(logits, op, "logits", _REAL, "a real (floating or integer) NamedTensor")
    name = _axis(logits, name, op, "logits")
    if logits.sizes[name] == 0:
        raise AxisSizeError(f"{op}: axis {name!r} of logits {fmt_sizes(logits.names, logits.shape)}"
                            f" has size 0: there is no class to sample")
    i = logits.names.index(name)
    rest = [j for j in _canonical_order(logits.names) if j != i]
    data = jnp.transpose(_jax_data(logits), rest + [i])
    if jnp.issubdtype(data.dtype, jnp.integer):
        data = data.astype(_validate.default_float())
    sample = jax.random.categorical(key, data, axis=-1)
    kept = [j for j in range(logits.ndim) if j != i]  # logits' order without name
    sample = jnp.transpose(sample, [rest.index(j) for j in kept])
    return _as_backend(sample, tuple(logits.names[j] for j in kept), logits)


def permutation(key: jax.Array, t: NamedTensor, name: str) -> NamedTensor:
    """``t`` with its entries along ``name`` shuffled (one permutation for the whole axis).

    The permutation depends only on ``key`` and the size of ``name``, never on the storage
    order; the result keeps ``t``'s names, order and backend.

    >>> import namedtensor as nt
    >>> t = nt.tensor([[0, 1, 2, 3], [10, 11, 12, 13]], "row item")
    >>> p = nt.random.permutation(nt.random.key(0), t, "item")
    >>> p.names, sorted(p[{"row": 0}].tolist()), (p[{"row": 1}] - p[{"row": 0}]).tolist()
    (('row', 'item'), [0, 1, 2, 3], [10, 10, 10, 10])

    Args:
        key: one key from :func:`key` or :func:`split`.
        t: a NamedTensor.
        name: the axis to shuffle.

    Returns:
        A NamedTensor like ``t``.
    """
    op = "nt.random.permutation"
    key = _validate.key(key, op)
    t = _tensor(t, op, "t", (np.bool_, jnp.number), "a numeric or bool NamedTensor")
    name = _axis(t, name, op, "t")
    perm = jax.random.permutation(key, t.sizes[name])
    axis = t.names.index(name)
    if t.backend == "jax" or isinstance(perm, jax.core.Tracer):
        return _wrap(jnp.take(_jax_data(t), perm, axis=axis), t.names)
    return NamedTensor._new(np.take(t.data, np.asarray(perm), axis=axis), t.names, t._backend)


def dropout(key: jax.Array, t: NamedTensor, rate: "Real | jax.Array | np.ndarray[Any, Any]"
            ) -> NamedTensor:
    """Inverted dropout: each entry is zeroed with probability ``rate``, the others are
    scaled by ``1 / (1 - rate)``, so the expectation is ``t``.

    The mask does not depend on the storage order of ``t``; the result keeps ``t``'s names,
    order, dtype and backend. ``rate == 0`` returns ``t`` itself.

    >>> import namedtensor as nt
    >>> t = nt.ones({"batch": 2, "feat": 4})
    >>> out = nt.random.dropout(nt.random.key(0), t, 0.5)
    >>> out.names, bool(((out == 0) | (out == 2)).all())
    (('batch', 'feat'), True)

    Args:
        key: one key from :func:`key` or :func:`split`.
        t: a floating NamedTensor.
        rate: the probability of dropping an entry, in ``[0, 1)``: a number or a 0-d array
            (a traced one inside ``jit`` is not checked).

    Returns:
        A NamedTensor like ``t``.
    """
    op = "nt.random.dropout"
    key = _validate.key(key, op)
    t = _tensor(t, op, "t", (jnp.floating, jnp.complexfloating), "a floating NamedTensor")
    drop: Any = rate  # a float once checked; a tracer inside jit is not checked
    traced = isinstance(drop, jax.core.Tracer)
    if isinstance(drop, (jax.Array, np.ndarray)) and (
            drop.ndim or not jnp.issubdtype(drop.dtype, jnp.floating)):
        raise TypeError(f"{op}: rate must be a number in [0, 1) or a 0-d float array, got "
                        f"{_describe(drop)}")
    if not traced:
        drop = _validate.real(drop.item() if isinstance(drop, (jax.Array, np.ndarray))
                              else drop, op, "rate")
        if not 0 <= drop < 1:  # nan fails too
            raise NamedTensorError(f"{op}: rate must be in [0, 1) (the probability of "
                                   f"dropping an entry), got rate={_show(drop)}")
        drop = float(drop)
        if drop == 0:
            return t
    order = _canonical_order(t.names)
    keep = jax.random.bernoulli(key, 1.0 - drop, tuple(t.shape[i] for i in order))
    # jnp.transpose takes an array of axes (its annotation says Sequence[int])
    keep = jnp.transpose(keep, np.argsort(order))  # type: ignore[arg-type]
    if t.backend == "jax" or isinstance(keep, jax.core.Tracer):  # a traced key or rate
        scale: Array = (1.0 / (1.0 - jnp.asarray(drop))).astype(t.dtype)
        return _wrap(jnp.where(keep, _jax_data(t) * scale, jnp.zeros((), t.dtype)), t.names)
    scale = np.asarray(1.0 / (1.0 - drop), t.dtype)
    data = np.where(np.asarray(keep), t.data * scale, np.zeros((), t.dtype)).astype(t.dtype)
    return NamedTensor._new(data, t.names, t._backend)
