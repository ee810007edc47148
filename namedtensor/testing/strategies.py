"""Hypothesis strategies for named tensors.

Defaults users can rely on (and widen): finite float32 values in [-10, 10]
(no subnormals, which XLA flushes to zero on CPU),
ranks 0-4, sizes 1-5, at most 8 distinct names and 4 operands per einsum
problem. Every bound is a parameter. Examples shrink toward fewer axes,
smaller sizes and shorter names.

>>> from hypothesis import given
>>> from namedtensor.testing import assert_allclose, strategies as nts
>>> @given(nts.named_tensors())
... def test_sum_is_order_free(t):
...     assert_allclose(t.align_to(*reversed(t.names)).sum(), t.sum(), rtol=1e-4, atol=1e-3)
>>> test_sum_is_order_free()
"""

import string

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from .. import _validate
from .._errors import NamedTensorError
from .._shape import align_to
from .._tensor import NamedTensor, tensor

__all__ = ["axis_names", "sizes", "named_tensors", "broadcastable", "permuted",
           "einsum_problems"]

_FIRST = string.ascii_lowercase + string.ascii_uppercase + "_"
_REST = _FIRST + string.digits
_MAX_RANK = 64  # NumPy's and XLA's limit on the number of axes


# --- bounds, checked when a strategy is built (not when it is drawn) ----------------------
def _count(value, op, arg, low=0, high=None):
    return _validate.integer(value, op, arg, low=low, high=high)


def _span(low, high, op, lo_arg, hi_arg, floor=0, ceiling=None):
    """Two int bounds with ``floor <= low <= high (<= ceiling)``."""
    low = _count(low, op, lo_arg, floor, ceiling)
    high = _count(high, op, hi_arg, floor, ceiling)
    if high < low:
        raise NamedTensorError(f"{op}: {hi_arg} must be >= {lo_arg}, got {lo_arg}={low}, "
                               f"{hi_arg}={high}")
    return low, high


def _check_dtype(dtype, op):
    """A dtype hypothesis can fill (or a strategy for one, checked when drawn)."""
    if isinstance(dtype, st.SearchStrategy):
        return dtype
    dtype = _validate.dtype(dtype, op, allow_none=False)
    if dtype.kind not in "biufc":
        raise TypeError(f"{op}: dtype {dtype} cannot be drawn by hypothesis; draw a float32 "
                        f"tensor and cast it: named_tensors(...).map(lambda t: "
                        f"t.astype({dtype.name!r}))")
    return dtype


def _check_elements(elements, op):
    if elements is not None and not isinstance(elements, st.SearchStrategy):
        raise TypeError(f"{op}: elements must be a hypothesis strategy (st.floats(...)) or "
                        f"None, got {type(elements).__name__}")
    return elements


def _check_backend(backend, op):
    """``None``, a backend name, or a non-empty sequence of names to draw from."""
    if backend is None or isinstance(backend, str):
        return _validate.backend(backend, op)
    if not isinstance(backend, (list, tuple)):
        raise TypeError(f"{op}: backend must be 'jax', 'numpy' or a sequence of them, got "
                        f"{type(backend).__name__}")
    names = tuple(backend)
    if not names:
        raise NamedTensorError(f"{op}: backend is an empty sequence; give at least one of "
                               f"'jax', 'numpy'")
    for b in names:
        if not isinstance(b, str):
            raise TypeError(f"{op}: backend must be 'jax', 'numpy' or a sequence of them, "
                            f"got a {type(b).__name__} in the sequence")
        _validate.backend(b, op)
    return names


def _tensor_args(dtype, elements, backend, op):
    elements = _check_elements(elements, op)
    return _check_dtype(dtype, op), elements, _check_backend(backend, op)


# --- strategies ------------------------------------------------------------------------------
def axis_names(max_length=8):
    """One valid axis name (a Python identifier), shrinking toward ``"a"``.

    >>> from hypothesis import given
    >>> from namedtensor.testing import strategies as nts
    >>> @given(nts.axis_names())
    ... def test_is_identifier(name):
    ...     assert name.isidentifier()
    >>> test_is_identifier()

    Args:
        max_length: the longest name, an int ``>= 1``.
    """
    max_length = _count(max_length, "strategies.axis_names", "max_length", low=1)
    return _axis_names(max_length)


def _axis_names(max_length=8):
    return st.builds(lambda first, rest: first + rest, st.sampled_from(_FIRST),
                     st.text(_REST, max_size=max_length - 1))


def sizes(names=None, min_rank=0, max_rank=4, min_size=1, max_size=5):
    """An ordered dict name -> size: ``{"b": 3, "x_1": 1}``.

    >>> from hypothesis import given
    >>> from namedtensor.testing import strategies as nts
    >>> @given(nts.sizes(min_rank=1, max_rank=2, min_size=0, max_size=3))
    ... def test_bounds(sizes):
    ...     assert 1 <= len(sizes) <= 2 and all(0 <= s <= 3 for s in sizes.values())
    >>> test_bounds()

    Args:
        names: a sequence of names to use (in order) instead of drawing them; the rank
            bounds then do not apply.
        min_rank, max_rank: bounds on the number of axes (when names are drawn),
            ``0 <= min_rank <= max_rank <= 64``.
        min_size, max_size: bounds on each size, ``0 <= min_size <= max_size``
            (``min_size=0`` gives empty axes).
    """
    op = "strategies.sizes"
    if names is not None:
        names = _validate.names(names, op)
    min_rank, max_rank = _span(min_rank, max_rank, op, "min_rank", "max_rank",
                               ceiling=_MAX_RANK)
    min_size, max_size = _span(min_size, max_size, op, "min_size", "max_size")
    return _sizes(names, min_rank, max_rank, min_size, max_size)


@st.composite
def _sizes(draw, names=None, min_rank=0, max_rank=4, min_size=1, max_size=5):
    if names is None:
        names = draw(st.lists(_axis_names(), min_size=min_rank, max_size=max_rank,
                              unique=True))
    sizes = draw(st.lists(st.integers(min_size, max_size), min_size=len(names),
                          max_size=len(names)))
    return dict(zip(names, sizes))


def _elements(dtype, elements):
    if elements is not None:
        return elements
    dtype = np.dtype(dtype)
    if dtype.kind == "f":
        # No subnormals: XLA flushes them to zero on CPU, which is noise, not a bug.
        return st.floats(-10, 10, allow_nan=False, allow_infinity=False, allow_subnormal=False,
                         width=min(dtype.itemsize * 8, 64))
    if dtype.kind in "iu":
        return st.integers(max(-10, int(np.iinfo(dtype).min)), min(10, int(np.iinfo(dtype).max)))
    if dtype.kind == "b":
        return st.booleans()
    # complex (the only other kind _check_dtype lets through)
    return st.complex_numbers(max_magnitude=10, allow_nan=False, allow_infinity=False,
                              width=dtype.itemsize * 8)


_SIZE_BOUNDS = ("min_rank", "max_rank", "min_size", "max_size")


def named_tensors(sizes=None, dtype="float32", elements=None, backend=None, **size_bounds):
    """A NamedTensor with drawn (or given) names and sizes.

    >>> from hypothesis import given
    >>> from namedtensor.testing import strategies as nts
    >>> @given(nts.named_tensors(dtype="int32", backend="numpy", max_rank=2))
    ... def test_kind(t):
    ...     assert t.ndim <= 2 and t.dtype == "int32" and t.backend == "numpy"
    >>> test_kind()

    Args:
        sizes: a dict name -> size, or a strategy for one; default :func:`sizes` with
            ``size_bounds`` (``min_rank``, ``max_rank``, ``min_size``, ``max_size``),
            which only apply when ``sizes`` is not given.
        dtype: a bool, integer, floating or complex dtype, or a strategy for one.
        elements: a strategy for the values (default: finite values in [-10, 10]).
        backend: ``"jax"`` (default), ``"numpy"``, or a sequence to draw from.
    """
    op = "strategies.named_tensors"
    unknown = sorted(set(size_bounds) - set(_SIZE_BOUNDS))
    if unknown:
        raise TypeError(f"{op}: unexpected keyword argument(s) {unknown}; the size bounds are "
                        f"{list(_SIZE_BOUNDS)}")
    if sizes is None:
        sizes = globals()["sizes"](**size_bounds)
    elif size_bounds:
        raise TypeError(f"{op}: {sorted(size_bounds)} only apply when sizes is drawn; drop "
                        f"them or drop sizes")
    elif not isinstance(sizes, st.SearchStrategy):
        names, shape = _validate.sizes(sizes, op)
        sizes = dict(zip(names, shape))
    dtype, elements, backend = _tensor_args(dtype, elements, backend, op)
    return _named_tensors(sizes, dtype, elements, backend)


@st.composite
def _named_tensors(draw, sizes, dtype, elements, backend, op="strategies.named_tensors"):
    if isinstance(sizes, st.SearchStrategy):
        names, shape = _validate.sizes(draw(sizes), op)  # a user's strategy: check each draw
        sizes = dict(zip(names, shape))
    if isinstance(dtype, st.SearchStrategy):
        dtype = _check_dtype(draw(dtype), op)
    if not isinstance(backend, str):
        backend = draw(st.sampled_from(backend))
    _validate.allocation(tuple(sizes), tuple(sizes.values()), dtype, op)
    data = draw(hnp.arrays(np.dtype(dtype), tuple(sizes.values()),
                           elements=_elements(dtype, elements)))
    return tensor(data, tuple(sizes), backend=backend)


def broadcastable(n, max_names=8, dtype="float32", elements=None, backend=None,
                  min_rank=0, max_rank=4, min_size=1, max_size=5):
    """``n`` tensors over subsets of one pool of names (in random orders), so that
    every shared name has one size: they broadcast against each other by name.

    >>> from hypothesis import given
    >>> from namedtensor.testing import strategies as nts
    >>> @given(nts.broadcastable(2, min_rank=1))
    ... def test_add(pair):
    ...     a, b = pair
    ...     assert set((a + b).names) == set(a.names) | set(b.names)
    >>> test_add()

    Args:
        n: how many tensors, an int ``>= 1``.
        max_names: the most distinct names over all of them, ``>= min_rank``.
        min_rank, max_rank: bounds on each tensor's rank, ``0 <= min_rank <= max_rank <= 64``.
        min_size, max_size: bounds on each size, ``0 <= min_size <= max_size``.
        dtype, elements, backend: as in :func:`named_tensors`.
    """
    op = "strategies.broadcastable"
    n = _count(n, op, "n", low=1)
    min_rank, max_rank = _span(min_rank, max_rank, op, "min_rank", "max_rank",
                               ceiling=_MAX_RANK)
    max_names = _count(max_names, op, "max_names", low=min_rank)
    min_size, max_size = _span(min_size, max_size, op, "min_size", "max_size")
    dtype, elements, backend = _tensor_args(dtype, elements, backend, op)
    return _broadcastable(n, max_names, dtype, elements, backend, min_rank, max_rank,
                          min_size, max_size)


@st.composite
def _broadcastable(draw, n, max_names, dtype, elements, backend, min_rank, max_rank, min_size,
                   max_size):
    pool = draw(_sizes(min_rank=min_rank, max_rank=max_names, min_size=min_size,
                       max_size=max_size))
    out = []
    for _ in range(n):
        rank = draw(st.integers(min(min_rank, len(pool)), min(max_rank, len(pool))))
        chosen = draw(st.permutations(list(pool)))[:rank]
        out.append(draw(_named_tensors({k: pool[k] for k in chosen}, dtype, elements, backend,
                                       "strategies.broadcastable")))
    return tuple(out)


def permuted(t):
    """The same tensor ``t`` with its axes stored in a drawn order.

    >>> import namedtensor as nt
    >>> from hypothesis import given
    >>> from namedtensor.testing import strategies as nts
    >>> t = nt.zeros({"a": 1, "b": 2})
    >>> @given(nts.permuted(t))
    ... def test_same_sizes(p):
    ...     assert p.sizes == {n: t.sizes[n] for n in p.names}
    >>> test_same_sizes()
    """
    if not isinstance(t, NamedTensor):
        raise TypeError(f"strategies.permuted: t must be a NamedTensor, got "
                        f"{type(t).__name__}")
    return st.permutations(t.names).map(lambda order: align_to(t, *order))


def einsum_problems(max_operands=4, max_names=8, min_operands=1, max_rank=4,
                    min_size=1, max_size=5, dtype="float32", elements=None, backend=None):
    """``(spec, tensors)``: a full-form einsum spec and tensors that match it.

    Operand names in the spec are a shuffle of each tensor's names (the spec is
    checked as a set); the output is a drawn subset of the names in a drawn order.

    >>> import namedtensor as nt
    >>> from hypothesis import given
    >>> from namedtensor.testing import strategies as nts
    >>> @given(nts.einsum_problems(max_operands=2))
    ... def test_runs(problem):
    ...     spec, tensors = problem
    ...     nt.einsum(spec, *tensors)
    >>> test_runs()

    Args:
        min_operands, max_operands: bounds on the number of operands,
            ``1 <= min_operands <= max_operands``.
        max_names: the most distinct names, ``>= 1``.
        max_rank: the largest operand rank, ``0 <= max_rank <= 64``.
        min_size, max_size: bounds on each size, ``0 <= min_size <= max_size``.
        dtype, elements, backend: as in :func:`named_tensors`.
    """
    op = "strategies.einsum_problems"
    min_operands, max_operands = _span(min_operands, max_operands, op, "min_operands",
                                       "max_operands", floor=1)
    max_names = _count(max_names, op, "max_names", low=1)
    max_rank = _count(max_rank, op, "max_rank", low=0, high=_MAX_RANK)
    min_size, max_size = _span(min_size, max_size, op, "min_size", "max_size")
    dtype, elements, backend = _tensor_args(dtype, elements, backend, op)
    return _einsum_problems(max_operands, max_names, min_operands, max_rank, min_size,
                            max_size, dtype, elements, backend)


@st.composite
def _einsum_problems(draw, max_operands, max_names, min_operands, max_rank, min_size, max_size,
                     dtype, elements, backend):
    pool = draw(_sizes(min_rank=1, max_rank=max_names, min_size=min_size, max_size=max_size))
    count = draw(st.integers(min_operands, max_operands))
    tensors, entries = [], []
    for _ in range(count):
        rank = draw(st.integers(0, min(max_rank, len(pool))))
        chosen = draw(st.permutations(list(pool)))[:rank]
        tensors.append(draw(_named_tensors({k: pool[k] for k in chosen}, dtype, elements,
                                           backend, "strategies.einsum_problems")))
        entries.append(" ".join(draw(st.permutations(chosen))))
    used = list(dict.fromkeys(n for t in tensors for n in t.names))
    out = draw(st.permutations(used))[:draw(st.integers(0, len(used)))]
    return ", ".join(entries) + " -> " + " ".join(out), tuple(tensors)
