"""Constructors: zeros, ones, full, arange, linspace, from_xarray."""

import operator

from ._errors import AxisSizeError, NamedTensorError
from ._names import parse_names
from ._shape import _check_sizes
from ._tensor import NamedTensor, _dtype, tensor
from .backends import get_backend

__all__ = ["zeros", "ones", "full", "arange", "linspace", "from_xarray"]


def _make(op, fill, sizes, dtype, device, backend):
    names, shape = _check_sizes(sizes, op)
    if any(s < 0 for s in shape):
        raise AxisSizeError(f"{op}: sizes {dict(zip(names, shape))} must be non-negative")
    be = get_backend(backend or "jax")
    data = be.xp.full(shape, fill, dtype=_dtype(dtype, op))
    return _place(NamedTensor._new(data, names, be), device, op)


def _place(t, device, op):
    if device is None:
        return t
    try:
        return NamedTensor._new(t._backend.put(t._data, device), t._names, t._backend)
    except ValueError as e:
        raise NamedTensorError(f"{op}: {e}") from None


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
    if dtype is None:
        return _place(tensor(value, (), backend=backend).expand(sizes), device, "nt.full")
    return _make("nt.full", value, sizes, dtype, device, backend)


def arange(name, start, stop=None, step=1, *, dtype=None, device=None, backend=None):
    """A 1-d integer tensor ``start, start + step, ...`` below ``stop``.

    ``nt.arange(name, stop)`` starts at 0.

    >>> import namedtensor as nt
    >>> nt.arange("x", 4).tolist(), nt.arange("x", 1, 7, 2).tolist()
    ([0, 1, 2, 3], [1, 3, 5])
    """
    op = "nt.arange"
    (name,) = parse_names((name,), op)
    if stop is None:
        start, stop = 0, start
    if step == 0:
        raise AxisSizeError(f"{op}: step cannot be 0 for axis {name!r}")
    try:
        bounds = [operator.index(v) for v in (start, stop, step)] if dtype is None else \
            [start, stop, step]
    except TypeError:
        raise NamedTensorError(f"{op}: start, stop and step must be integers for an integer "
                               f"tensor; pass dtype= for other values") from None
    be = get_backend(backend or "jax")
    data = be.xp.arange(*bounds, dtype=_dtype(dtype, op))
    return _place(NamedTensor._new(data, (name,), be), device, op)


def linspace(name, start, stop, num, *, dtype="float32", device=None, backend=None):
    """``num`` evenly spaced floats from ``start`` to ``stop`` inclusive.

    >>> import namedtensor as nt
    >>> nt.linspace("t", 0.0, 1.0, 5).tolist()
    [0.0, 0.25, 0.5, 0.75, 1.0]
    """
    op = "nt.linspace"
    (name,) = parse_names((name,), op)
    if operator.index(num) < 0:
        raise AxisSizeError(f"{op}: num must be non-negative for axis {name!r}, got {num}")
    be = get_backend(backend or "jax")
    data = be.xp.linspace(start, stop, num, dtype=_dtype(dtype, op))
    return _place(NamedTensor._new(data, (name,), be), device, op)


def from_xarray(da, *, backend=None):
    """A NamedTensor from an ``xarray.DataArray``; its ``dims`` become the names.

    Coordinates and attributes are not kept.

    >>> import numpy as np, xarray as xr, namedtensor as nt
    >>> nt.from_xarray(xr.DataArray(np.zeros((2, 3)), dims=("x", "y"))).sizes
    {'x': 2, 'y': 3}
    """
    return tensor(da.values, tuple(str(d) for d in da.dims), backend=backend)
