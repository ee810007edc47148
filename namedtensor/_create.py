"""Constructors: zeros, ones, full, arange, linspace, the ``*_like`` family, one_hot,
from_xarray. Every one takes ``backend=``; without it, a function that takes a tensor
returns that tensor's backend, the others the default (``nt.use_backend``)."""

import math
import numbers
from collections.abc import Mapping
from typing import Any

import numpy as np

from . import _validate as V
from ._errors import AxisNameError, AxisSizeError, NamedTensorError
from ._names import did_you_mean, fmt_sizes, name_problem
from ._tensor import NamedTensor, make, place, placement
from ._types import Array, DeviceLike, DTypeLike, Names, Real, Scalar, Sizes
from .backends import Backend, get_backend

__all__ = ["zeros", "ones", "full", "arange", "linspace", "zeros_like", "ones_like",
           "full_like", "one_hot", "from_xarray"]


def _make(op: str, fill: Scalar, sizes: Sizes, dtype: DTypeLike, device: DeviceLike | None,
          backend: str | None) -> NamedTensor:
    names, shape = V.sizes(sizes, op)
    dtype = V.dtype(dtype, op, allow_none=False)
    be, target = placement(backend, device, op)
    fill = _fill(fill, dtype, op)
    V.allocation(names, shape, dtype, op)
    return place(be.xp.full(shape, fill, dtype=dtype), names, be, target)


def _fill(value: Any, dtype: "np.dtype[Any]", op: str) -> Any:
    """A fill value that ``dtype`` holds exactly: a scalar, an int in range for an
    integer dtype, no fraction or NaN for an integer dtype, no complex for a real one."""
    if isinstance(value, NamedTensor) or hasattr(value, "shape") and np.ndim(value):
        raise TypeError(f"{op}: value must be a scalar, got {type(value).__name__}")
    if not isinstance(value, (numbers.Number, np.bool_)):
        raise TypeError(f"{op}: value must be a number or a bool, got {type(value).__name__}")
    if dtype.kind in "iub" and isinstance(value, (numbers.Complex, np.number)) and \
            not isinstance(value, (numbers.Integral, np.bool_)):
        real = complex(value)
        if real.imag or not math.isfinite(real.real) or real.real != int(real.real):
            raise NamedTensorError(f"{op}: the fill value is not a whole number, so {dtype} "
                                   f"cannot hold it; pass dtype='float32' or an int")
        value = int(real.real)
    if dtype.kind in "iu" and isinstance(value, (numbers.Integral, np.integer)):
        V.fits(int(value), dtype, op, "fill value")
    if dtype.kind in "f" and isinstance(value, (complex, np.complexfloating)) and value.imag:
        raise TypeError(f"{op}: a complex fill value needs a complex dtype, not {dtype}")
    return value


def zeros(sizes: Sizes, *, dtype: DTypeLike = "float32", device: DeviceLike | None = None,
          backend: str | None = None) -> NamedTensor:
    """A tensor of zeros with the ordered ``sizes`` (``{"batch": 2, "feat": 3}``).

    >>> import namedtensor as nt
    >>> nt.zeros({"batch": 2, "feat": 3}).sizes
    {'batch': 2, 'feat': 3}
    """
    return _make("nt.zeros", 0, sizes, dtype, device, backend)


def ones(sizes: Sizes, *, dtype: DTypeLike = "float32", device: DeviceLike | None = None,
         backend: str | None = None) -> NamedTensor:
    """A tensor of ones with the ordered ``sizes``.

    >>> import namedtensor as nt
    >>> nt.ones({"x": 2}).tolist()
    [1.0, 1.0]
    """
    return _make("nt.ones", 1, sizes, dtype, device, backend)


def full(sizes: Sizes, value: Scalar, *, dtype: DTypeLike | None = None,
         device: DeviceLike | None = None, backend: str | None = None) -> NamedTensor:
    """A tensor filled with ``value`` (dtype inferred from it unless given).

    >>> import namedtensor as nt
    >>> nt.full({"x": 2}, 7).tolist()
    [7, 7]
    """
    op = "nt.full"
    if dtype is None:  # the dtype nt.tensor(value) would have
        dtype = make(_fill(value, np.dtype("complex128"), op), (), None, None, backend, op).dtype
    return _make(op, value, sizes, dtype, device, backend)


def arange(name: str, start: Real, stop: Real | None = None, step: Real = 1, *,
           dtype: DTypeLike | None = None, device: DeviceLike | None = None,
           backend: str | None = None) -> NamedTensor:
    """A 1-d integer tensor ``start, start + step, ...`` below ``stop``.

    ``nt.arange(name, stop)`` starts at 0.

    >>> import namedtensor as nt
    >>> nt.arange("x", 4).tolist(), nt.arange("x", 1, 7, 2).tolist()
    ([0, 1, 2, 3], [1, 3, 5])
    """
    op = "nt.arange"
    if not isinstance(name, str) and isinstance(start, str):
        raise TypeError(f"{op}: the axis name comes first: nt.arange({start!r}, {name!r}), "
                        f"not nt.arange({name!r}, {start!r})")
    name = V.name(name, op)
    if stop is None:
        start, stop = 0, start
    dtype = V.dtype(dtype, op)
    if dtype is not None and dtype.kind not in "iuf":
        raise TypeError(f"{op}: dtype must be an integer or floating dtype, got {dtype}")
    # the validated bounds: ints, or real numbers (NumPy's, a Fraction) for a float dtype
    lo: Any
    hi: Any
    by: Any
    if dtype is None or dtype.kind in "iu":
        lo, hi, by = (V.integer(v, op, arg) for v, arg in
                      ((start, "start"), (stop, "stop"), (step, "step")))
        dtype = dtype or V.default_int()
        for v in (lo, hi, by):
            V.fits(v, dtype, op, "bound or step")
    else:
        lo, hi, by = (V.real(v, op, arg) for v, arg in
                      ((start, "start"), (stop, "stop"), (step, "step")))
        if not all(math.isfinite(v) for v in (lo, hi, by)):
            raise NamedTensorError(f"{op}: start, stop and step must be finite")
    if by == 0:
        raise AxisSizeError(f"{op}: step cannot be 0 for axis {name!r}")
    count = max(0, math.ceil((hi - lo) / by))
    V.allocation((name,), (count,), dtype, op)
    be, target = placement(backend, device, op)
    return place(be.xp.arange(lo, hi, by, dtype=dtype), (name,), be, target)


def linspace(name: str, start: Real, stop: Real, num: int, *, dtype: DTypeLike = "float32",
             device: DeviceLike | None = None, backend: str | None = None) -> NamedTensor:
    """``num`` evenly spaced floats from ``start`` to ``stop`` inclusive.

    >>> import namedtensor as nt
    >>> nt.linspace("t", 0.0, 1.0, 5).tolist()
    [0.0, 0.25, 0.5, 0.75, 1.0]
    """
    op = "nt.linspace"
    name = V.name(name, op)
    start, stop = (_float(V.real(v, op, arg), op, arg) for v, arg in
                   ((start, "start"), (stop, "stop")))
    num = V.integer(num, op, "num", low=0)
    dtype = V.dtype(dtype, op, allow_none=False)
    if dtype.kind not in "fc":
        raise TypeError(f"{op}: dtype must be a floating dtype, got {dtype}; use nt.arange "
                        f"for integers")
    V.allocation((name,), (num,), dtype, op)
    be, target = placement(backend, device, op)
    return place(be.xp.linspace(start, stop, num, dtype=dtype), (name,), be, target)


def _float(value: Real, op: str, arg: str) -> float:
    value = V.to_float(value)
    if not math.isfinite(value):
        raise NamedTensorError(f"{op}: {arg} must be a finite number")
    return value


# --- the *_like family and one_hot: a tensor in, its backend (and device) out ----------
def _tensor_arg(t: object, op: str, arg: str = "t") -> NamedTensor:
    if not isinstance(t, NamedTensor):
        raise TypeError(f"{op}: {arg} must be a NamedTensor, got {type(t).__name__}; wrap an "
                        f"array with nt.tensor(x, names)")
    return t


def _like(op: str, fill: Scalar, t: NamedTensor, dtype: DTypeLike | None,
          device: DeviceLike | None, backend: str | None) -> NamedTensor:
    t = _tensor_arg(t, op)
    dtype = t.dtype if dtype is None else V.dtype(dtype, op, allow_none=False)
    if backend is None and device is None:
        be, target = t._backend, None
        if be.name == "jax" and be.is_concrete(t.data):
            target = t.data.sharding  # the same device, or the same layout over a mesh
    else:
        be, target = placement(t.backend if backend is None else backend, device, op)
    fill = _fill(fill, dtype, op)
    V.allocation(t.names, t.shape, dtype, op)
    if be.name == "jax" and target is not None:
        import jax.numpy as jnp
        return NamedTensor._new(jnp.full(t.shape, fill, dtype=dtype, device=target), t.names, be)
    return place(be.xp.full(t.shape, fill, dtype=dtype), t.names, be, target)


def zeros_like(t: NamedTensor, dtype: DTypeLike | None = None, *,
               device: DeviceLike | None = None, backend: str | None = None) -> NamedTensor:
    """Zeros with ``t``'s names, sizes, dtype (unless given), backend and device.

    >>> import namedtensor as nt
    >>> t = nt.tensor([[1, 2, 3]], "batch feat", backend="numpy")
    >>> z = nt.zeros_like(t, "float32")
    >>> z.sizes, str(z.dtype), z.backend
    ({'batch': 1, 'feat': 3}, 'float32', 'numpy')

    Args:
        t: the NamedTensor whose layout is copied (its values are not read).
        dtype: the element type (default: ``t.dtype``).
        device, backend: where the result lives (default: where ``t`` lives; a JAX tensor
            laid out over a mesh gives a result with the same layout).

    Returns:
        A NamedTensor with ``t.names`` in ``t``'s order.
    """
    return _like("nt.zeros_like", 0, t, dtype, device, backend)


def ones_like(t: NamedTensor, dtype: DTypeLike | None = None, *,
              device: DeviceLike | None = None, backend: str | None = None) -> NamedTensor:
    """Ones with ``t``'s names, sizes, dtype (unless given), backend and device.

    >>> import namedtensor as nt
    >>> nt.ones_like(nt.zeros({"x": 2})).tolist()
    [1.0, 1.0]

    Args: as :func:`zeros_like`.
    """
    return _like("nt.ones_like", 1, t, dtype, device, backend)


def full_like(t: NamedTensor, value: Scalar, dtype: DTypeLike | None = None, *,
              device: DeviceLike | None = None, backend: str | None = None) -> NamedTensor:
    """``value`` everywhere, with ``t``'s names, sizes, dtype (unless given), backend and
    device. The dtype must hold ``value`` exactly (``full_like(int_t, 1.5)`` is an error,
    not a silent truncation).

    >>> import namedtensor as nt
    >>> nt.full_like(nt.arange("x", 3), 7).tolist()
    [7, 7, 7]

    Args:
        t: the NamedTensor whose layout is copied.
        value: a Python or NumPy scalar.
        dtype, device, backend: as in :func:`zeros_like`.
    """
    return _like("nt.full_like", value, t, dtype, device, backend)


def _data_on(t: NamedTensor, be: Backend, op: str) -> Array:
    """``t``'s data as backend ``be``'s array (``_ops.data_on``: NumPy ints moved onto JAX
    are range-checked); traced data cannot move to NumPy."""
    if be.name == "numpy" and t._backend is not be and not t._backend.is_concrete(t.data):
        raise TypeError(f"{op}: ids {fmt_sizes(t.names, t.shape)} is traced (inside nt.jit, "
                        f"grad, vmap or scan); backend='numpy' needs concrete values")
    from ._ops import data_on
    return data_on(t, be, op)


def one_hot(ids: NamedTensor, name: str, size: int, dtype: DTypeLike = "float32", *,
            backend: str | None = None) -> NamedTensor:
    """One-hot vectors: ``ids``' names plus a new last axis ``name`` of ``size``.

    ``out[..., name=k]`` is 1 where ``ids == k``; an id outside ``[0, size)`` gives a row
    of zeros (as ``jax.nn.one_hot``).

    >>> import namedtensor as nt
    >>> ids = nt.tensor([2, 0], "batch")
    >>> h = nt.one_hot(ids, "vocab", 3)
    >>> h.names, h.tolist()
    (('batch', 'vocab'), [[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]])

    Args:
        ids: an integer NamedTensor.
        name: the new axis; ``ids`` must not have it.
        size: its size, an int ``>= 0``.
        dtype: the element type of the result (any numeric dtype or bool).
        backend: default ``ids``' backend.

    Returns:
        A NamedTensor with names ``ids.names + (name,)``.
    """
    op = "nt.one_hot"
    ids = _tensor_arg(ids, op, "ids")
    if ids.dtype.kind not in "iu":
        raise TypeError(f"{op}: ids must be an integer NamedTensor, got "
                        f"{fmt_sizes(ids.names, ids.shape)} of dtype {ids.dtype}")
    name = V.name(name, op)
    if name in ids.names:
        raise AxisNameError(f"{op}: ids {fmt_sizes(ids.names, ids.shape)} already has an axis "
                            f"{name!r}; the one-hot axis needs a new name (e.g. "
                            f"{name + chr(39)!r})")
    size = V.integer(size, op, "size", low=0)
    dtype = V.dtype(dtype, op, allow_none=False)
    names, shape = ids.names + (name,), tuple(ids.shape) + (size,)
    V.allocation(names, shape, dtype, op)
    be = ids._backend if backend is None else get_backend(V.backend(backend, op))
    data = _data_on(ids, be, op)
    classes = be.xp.reshape(be.xp.arange(size, dtype=data.dtype), (1,) * ids.ndim + (size,))
    hot = be.xp.equal(be.xp.reshape(data, tuple(ids.shape) + (1,)), classes)
    return NamedTensor._new(hot.astype(dtype), names, be)


def from_xarray(da: Any, names: Mapping[str, str] | Names | None = None, *,
                backend: str | None = None) -> NamedTensor:
    """A NamedTensor from an ``xarray.DataArray``; its ``dims`` become the names.

    Only the values and the dims are kept: coordinates (``da.coords``), attributes
    (``da.attrs``), the array's own name and its encoding are dropped. A dim that is not a
    valid axis name (``"lat-deg"``) is renamed with ``names``.

    >>> import numpy as np, xarray as xr, namedtensor as nt
    >>> nt.from_xarray(xr.DataArray(np.zeros((2, 3)), dims=("x", "y"))).sizes
    {'x': 2, 'y': 3}
    >>> da = xr.DataArray(np.zeros((2, 3)), dims=("lat-deg", "time"))
    >>> nt.from_xarray(da, names={"lat-deg": "lat"}).names
    ('lat', 'time')

    Args:
        da: an ``xarray.DataArray``.
        names: a mapping ``{dim: name}`` renaming some dims (the others keep theirs), or
            the names of every dim, in ``da.dims`` order (a sequence or a space-separated str).
        backend: ``"jax"`` or ``"numpy"`` (default: the default backend, see
            ``nt.use_backend``).

    Returns:
        A NamedTensor with the dims' (renamed) names, in ``da.dims`` order.
    """
    op = "nt.from_xarray"
    if not (hasattr(da, "dims") and hasattr(da, "values")) or isinstance(da, NamedTensor):
        raise TypeError(f"{op}: expected an xarray.DataArray, got {type(da).__name__}")
    dims = tuple(da.dims)
    if names is None or isinstance(names, Mapping):
        mapping = {} if names is None else names
        unknown = [k for k in mapping if k not in dims]
        if unknown:
            raise AxisNameError(f"{op}: names renames {unknown[0]!r}, which is not a dim of the "
                                f"DataArray (dims {list(dims)})"
                                f"{did_you_mean(str(unknown[0]), [str(d) for d in dims])}")
        for k, v in mapping.items():
            if not isinstance(v, str):
                raise TypeError(f"{op}: names maps dim {k!r} to a {type(v).__name__}; the new "
                                f"name must be a str")
        new = tuple(mapping.get(d, d) for d in dims)
        problem = name_problem(new)
        if problem is not None and problem[0] == "invalid":
            bad = problem[1]
            dim = next(d for d, n in zip(dims, new) if n is bad)
            fix = f"{{{dim!r}: 'new_name'}}"
            raise AxisNameError(f"{op}: dim {dim!r} is not a valid axis name (a Python identifier, "
                                f"optionally followed by primes); pass names={fix} to rename it "
                                f"on import" if dim not in mapping else
                                f"{op}: names renames dim {dim!r} to {bad!r}, which is not a valid "
                                f"axis name (a Python identifier, optionally followed by primes)")
        names = new
    elif len(V.names(names, op)) != len(dims):
        given = V.names(names, op)
        raise AxisNameError(f"{op}: names gives {len(given)} name(s) {list(given)} for the "
                            f"{len(dims)} dims {list(dims)}; give one per dim, or a mapping "
                            f"{{dim: name}} to rename some")
    return make(da.values, names, None, None, backend, op)
