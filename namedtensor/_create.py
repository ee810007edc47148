"""Constructors: zeros, ones, full, arange, linspace, from_xarray."""

import math
import numbers

import numpy as np

from . import _validate as V
from ._errors import AxisSizeError, NamedTensorError
from ._tensor import NamedTensor, make, place, placement

__all__ = ["zeros", "ones", "full", "arange", "linspace", "from_xarray"]


def _make(op, fill, sizes, dtype, device, backend):
    names, shape = V.sizes(sizes, op)
    dtype = V.dtype(dtype, op, allow_none=False)
    be, target = placement(backend, device, op)
    fill = _fill(fill, dtype, op)
    V.allocation(names, shape, dtype, op)
    return place(be.xp.full(shape, fill, dtype=dtype), names, be, target)


def _fill(value, dtype, op):
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


def zeros(sizes, *, dtype="float32", device=None, backend=None):
    """A tensor of zeros with the ordered ``sizes`` (``{"batch": 2, "feat": 3}``).

    >>> import namedtensor as nt
    >>> nt.zeros({"batch": 2, "feat": 3}).sizes
    {'batch': 2, 'feat': 3}
    """
    return _make("nt.zeros", 0, sizes, dtype, device, backend)


def ones(sizes, *, dtype="float32", device=None, backend=None):
    """A tensor of ones with the ordered ``sizes``.

    >>> import namedtensor as nt
    >>> nt.ones({"x": 2}).tolist()
    [1.0, 1.0]
    """
    return _make("nt.ones", 1, sizes, dtype, device, backend)


def full(sizes, value, *, dtype=None, device=None, backend=None):
    """A tensor filled with ``value`` (dtype inferred from it unless given).

    >>> import namedtensor as nt
    >>> nt.full({"x": 2}, 7).tolist()
    [7, 7]
    """
    op = "nt.full"
    if dtype is None:  # the dtype nt.tensor(value) would have
        dtype = make(_fill(value, np.dtype("complex128"), op), (), None, None, backend, op).dtype
    return _make(op, value, sizes, dtype, device, backend)


def arange(name, start, stop=None, step=1, *, dtype=None, device=None, backend=None):
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
    if dtype is None or dtype.kind in "iu":
        start, stop, step = (V.integer(v, op, arg) for v, arg in
                             ((start, "start"), (stop, "stop"), (step, "step")))
        dtype = dtype or V.default_int()
        for v in (start, stop, step):
            V.fits(v, dtype, op, "bound or step")
    else:
        start, stop, step = (V.real(v, op, arg) for v, arg in
                             ((start, "start"), (stop, "stop"), (step, "step")))
        if not all(math.isfinite(v) for v in (start, stop, step)):
            raise NamedTensorError(f"{op}: start, stop and step must be finite")
    if step == 0:
        raise AxisSizeError(f"{op}: step cannot be 0 for axis {name!r}")
    count = max(0, math.ceil((stop - start) / step))
    V.allocation((name,), (count,), dtype, op)
    be, target = placement(backend, device, op)
    return place(be.xp.arange(start, stop, step, dtype=dtype), (name,), be, target)


def linspace(name, start, stop, num, *, dtype="float32", device=None, backend=None):
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


def _float(value, op, arg):
    value = V.to_float(value)
    if not math.isfinite(value):
        raise NamedTensorError(f"{op}: {arg} must be a finite number")
    return value


def from_xarray(da, *, backend=None):
    """A NamedTensor from an ``xarray.DataArray``; its ``dims`` become the names.

    Coordinates and attributes are not kept.

    >>> import numpy as np, xarray as xr, namedtensor as nt
    >>> nt.from_xarray(xr.DataArray(np.zeros((2, 3)), dims=("x", "y"))).sizes
    {'x': 2, 'y': 3}
    """
    op = "nt.from_xarray"
    if not (hasattr(da, "dims") and hasattr(da, "values")) or isinstance(da, NamedTensor):
        raise TypeError(f"{op}: expected an xarray.DataArray, got {type(da).__name__}")
    return make(da.values, tuple(str(d) for d in da.dims), None, None, backend, op)
