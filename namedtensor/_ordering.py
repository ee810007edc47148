"""Ordering by name: top_k, roll and flip (sort and argsort come from _ops' tables).

``top_k`` runs ``jax.lax.top_k`` on the JAX backend and a stable descending sort in XLA's
total order of floats on the NumPy backend, so both backends give the same indices.
"""

from collections.abc import Mapping
from typing import Any, cast

import jax
import numpy as np

from . import _validate as V
from ._errors import AxisNameError, AxisSizeError
from ._names import fmt_sizes, index_of, prime_hint, reduce_names
from ._ops import DTypeRule, _int_indices, _new, as_tensor, backend_error, dtype_rule
from ._tensor import NamedTensor
from ._types import Array, Names, Operand
from .backends import Backend

__all__ = ["top_k", "roll", "flip"]


def _total_order(x: "np.ndarray[Any, Any]") -> "np.ndarray[Any, Any]":
    """NumPy keys that order as XLA's total order of floats (``lax.top_k`` uses it):
    -NaN < -inf < ... < -0.0 < 0.0 < ... < inf < NaN. Integers and bools are their own."""
    if x.dtype.kind in "biu":
        return x
    bits = x.view(np.dtype(f"i{x.dtype.itemsize}"))  # sign and magnitude: flip negatives
    return np.where(bits < 0, bits ^ np.iinfo(bits.dtype).max, bits)


def _top_k(b: Backend, x: Array, k: int, axis: int) -> tuple[Array, Array]:
    """``(values, indices)`` of the ``k`` largest along ``axis``, largest first, ties by the
    lower index (as ``lax.top_k``, which the JAX backend runs)."""
    if b.name == "jax":
        values, indices = jax.lax.top_k(x, k, axis=axis)
        return values, _int_indices(indices)
    # descending and stable: a stable ascending sort of the reversed axis, reversed back
    n = x.shape[axis]
    order = np.flip(np.argsort(np.flip(_total_order(x), axis), axis=axis, stable=True), axis)
    indices = n - 1 - np.take(order, np.arange(k), axis=axis)
    return np.take_along_axis(x, indices, axis), _int_indices(indices)


def top_k(t: Operand, name: str, k: int,
          into: str | None = None) -> tuple[NamedTensor, NamedTensor]:
    """The ``k`` largest values along ``name``, largest first, and their indices.

    Ties go to the lower index (as ``jax.lax.top_k``; floats in the total order
    -NaN < -inf < ... < -0.0 < 0.0 < ... < inf < NaN), on both backends.

    >>> import namedtensor as nt
    >>> logits = nt.tensor([[0.1, 2.0, 0.5, 2.0]], "batch vocab")
    >>> values, indices = nt.top_k(logits, "vocab", 2, into="best")
    >>> values.sizes, values.tolist(), indices.tolist()
    ({'batch': 1, 'best': 2}, [[2.0, 2.0]], [[1, 3]])

    Args:
        t: a NamedTensor (not complex).
        name: the axis to choose along.
        k: how many, an int in ``[0, size of name]``.
        into: the name of the result's axis of size ``k`` (default: ``name``).

    Returns:
        ``(values, indices)``: ``t``'s names with ``name`` replaced by ``into`` (in its
        place); ``indices`` (int32; int64 with x64) index ``name`` of ``t``.
    """
    op = "nt.top_k"
    t = as_tensor(t, op)
    axis = index_of(t._names, V.name(name, op), op, t._data.shape)
    k = V.integer(k, op, "k", low=0)
    size = t._data.shape[axis]
    if isinstance(size, int) and k > size:
        raise AxisSizeError(f"{op}: k={k} is more than the size {size} of axis {name!r} in "
                            f"{fmt_sizes(t._names, t._data.shape)}")
    into = name if into is None else V.name(into, op, "into")
    if into != name and into in t._names:
        raise AxisNameError(f"{op}: into={into!r} is already an axis of "
                            f"{fmt_sizes(t._names, t._data.shape)}{prime_hint(into)}")
    x = t._data
    if x.dtype.kind not in _ORDER_RULE.ok:
        (x,) = _ORDER_RULE((x,), op)
    try:
        values, indices = _top_k(t._backend, x, k, axis)
    except (ValueError, TypeError) as e:
        backend_error((t,), op, e)
    names = t._names[:axis] + (into,) + t._names[axis + 1:]
    return _new(values, names, t._backend), _new(indices, names, t._backend)


_ORDER_RULE = cast(DTypeRule, dtype_rule("top_k"))  # never None: top_k refuses complex


def roll(t: Operand, shifts: Mapping[str, int]) -> NamedTensor:
    """Shift elements along named axes, wrapping around (``{name: shift}``).

    >>> import namedtensor as nt
    >>> nt.roll(nt.tensor([1, 2, 3, 4], "seq"), {"seq": 1}).tolist()
    [4, 1, 2, 3]

    Args:
        t: a NamedTensor.
        shifts: a mapping axis name -> int (positive: toward higher indices).

    Returns:
        A NamedTensor with the same names.
    """
    op = "nt.roll"
    t = as_tensor(t, op)
    if not isinstance(shifts, Mapping):
        raise TypeError(f"{op}: shifts must be a mapping {{name: shift}} such as {{'seq': 1}}, "
                        f"got {type(shifts).__name__}")
    axes: list[int] = []
    amounts: list[int] = []
    for n, s in shifts.items():
        axes.append(index_of(t._names, V.name(n, op, "a name in shifts"), op, t._data.shape))
        size = t._data.shape[axes[-1]]
        s = V.integer(s, op, f"the shift of {n!r}")
        amounts.append(s % size if isinstance(size, int) and size else s)
    if not axes:
        return t
    return _new(t._backend.xp.roll(t._data, tuple(amounts), axis=tuple(axes)), t._names,
                t._backend)


def flip(t: Operand, names: Names | None) -> NamedTensor:
    """Reverse the order of elements along the named axes (``None``: every axis).

    >>> import namedtensor as nt
    >>> nt.flip(nt.tensor([[1, 2, 3]], "a b"), "b").tolist()
    [[3, 2, 1]]

    Args:
        t: a NamedTensor.
        names: one name, a sequence of names, or ``None`` for all axes.

    Returns:
        A NamedTensor with the same names.
    """
    op = "nt.flip"
    t = as_tensor(t, op)
    axes = reduce_names(t._names, None if names is None else V.name_group(names, op), op,
                        t._data.shape)
    return _new(t._backend.xp.flip(t._data, axis=axes), t._names, t._backend)
