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
from collections.abc import Sequence
from typing import Any, Literal, TypeAlias, cast, overload

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from .. import _validate
from .._errors import NamedTensorError
from .._shape import align_to
from .._tensor import NamedTensor, tensor
from .._types import DTypeLike, Names, Sizes

__all__ = ["axis_names", "sizes", "named_tensors", "broadcastable", "permuted",
           "einsum_problems"]

_FIRST = string.ascii_lowercase + string.ascii_uppercase + "_"
_REST = _FIRST + string.digits
_MAX_RANK = 64  # NumPy's and XLA's limit on the number of axes

# a dtype argument: a dtype, or a strategy for one (checked when drawn)
DTypeArg: TypeAlias = DTypeLike | st.SearchStrategy[DTypeLike]
# a backend argument: None (the default), a backend name, or a sequence of names to draw from
BackendArg: TypeAlias = str | Sequence[str] | None
_DType: TypeAlias = np.dtype[Any] | st.SearchStrategy[DTypeLike]  # as checked
_Elements: TypeAlias = st.SearchStrategy[Any] | None
_FloatWidth: TypeAlias = Literal[16, 32, 64]  # the widths hypothesis draws floats in
_ComplexWidth: TypeAlias = Literal[32, 64, 128]


# --- bounds, checked when a strategy is built (not when it is drawn) ----------------------
def _count(value: object, op: str, arg: str, low: int = 0, high: int | None = None) -> int:
    return _validate.integer(value, op, arg, low=low, high=high)


def _span(low: object, high: object, op: str, lo_arg: str, hi_arg: str, floor: int = 0,
          ceiling: int | None = None) -> tuple[int, int]:
    """Two int bounds with ``floor <= low <= high (<= ceiling)``."""
    low = _count(low, op, lo_arg, floor, ceiling)
    high = _count(high, op, hi_arg, floor, ceiling)
    if high < low:
        raise NamedTensorError(f"{op}: {hi_arg} must be >= {lo_arg}, got {lo_arg}={low}, "
                               f"{hi_arg}={high}")
    return low, high


@overload
def _check_dtype(dtype: st.SearchStrategy[DTypeLike], op: str) -> st.SearchStrategy[DTypeLike]:
    ...


@overload
def _check_dtype(dtype: DTypeLike, op: str) -> np.dtype[Any]: ...


def _check_dtype(dtype: DTypeArg, op: str) -> _DType:
    """A dtype hypothesis can fill (or a strategy for one, checked when drawn)."""
    if isinstance(dtype, st.SearchStrategy):
        return dtype
    dtype = _validate.dtype(dtype, op, allow_none=False)
    if dtype.kind not in "biufc":
        raise TypeError(f"{op}: dtype {dtype} cannot be drawn by hypothesis; draw a float32 "
                        f"tensor and cast it: named_tensors(...).map(lambda t: "
                        f"t.astype({dtype.name!r}))")
    return dtype


def _check_elements(elements: object, op: str) -> _Elements:
    if elements is None or isinstance(elements, st.SearchStrategy):
        return elements
    raise TypeError(f"{op}: elements must be a hypothesis strategy (st.floats(...)) or "
                    f"None, got {type(elements).__name__}")


def _check_backend(backend: object, op: str) -> str | tuple[str, ...]:
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


def _tensor_args(dtype: DTypeArg, elements: object, backend: object,
                 op: str) -> tuple[_DType, _Elements, str | tuple[str, ...]]:
    elements = _check_elements(elements, op)
    return _check_dtype(dtype, op), elements, _check_backend(backend, op)


# --- strategies ------------------------------------------------------------------------------
def axis_names(max_length: int = 8) -> st.SearchStrategy[str]:
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


def _axis_names(max_length: int = 8) -> st.SearchStrategy[str]:
    return st.builds(lambda first, rest: first + rest, st.sampled_from(_FIRST),
                     st.text(_REST, max_size=max_length - 1))


def sizes(names: Names | None = None, min_rank: int = 0, max_rank: int = 4, min_size: int = 1,
          max_size: int = 5) -> st.SearchStrategy[dict[str, int]]:
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
def _sizes(draw: st.DrawFn, names: Sequence[str] | None = None, min_rank: int = 0,
           max_rank: int = 4, min_size: int = 1, max_size: int = 5) -> dict[str, int]:
    if names is None:
        names = draw(st.lists(_axis_names(), min_size=min_rank, max_size=max_rank,
                              unique=True))
    sizes = draw(st.lists(st.integers(min_size, max_size), min_size=len(names),
                          max_size=len(names)))
    return dict(zip(names, sizes))


def _elements(dtype: DTypeLike, elements: _Elements) -> st.SearchStrategy[Any]:
    if elements is not None:
        return elements
    dtype = np.dtype(dtype)
    if dtype.kind == "f":
        # No subnormals: XLA flushes them to zero on CPU, which is noise, not a bug.
        return st.floats(-10, 10, allow_nan=False, allow_infinity=False, allow_subnormal=False,
                         width=cast(_FloatWidth, min(dtype.itemsize * 8, 64)))
    if dtype.kind in "iu":
        return st.integers(max(-10, int(np.iinfo(dtype).min)), min(10, int(np.iinfo(dtype).max)))
    if dtype.kind == "b":
        return st.booleans()
    # complex (the only other kind _check_dtype lets through)
    return st.complex_numbers(max_magnitude=10, allow_nan=False, allow_infinity=False,
                              width=cast(_ComplexWidth, dtype.itemsize * 8))


_SIZE_BOUNDS = ("min_rank", "max_rank", "min_size", "max_size")


def named_tensors(sizes: Sizes | st.SearchStrategy[Sizes] | None = None,
                  dtype: DTypeArg = "float32", elements: st.SearchStrategy[Any] | None = None,
                  backend: BackendArg = None,
                  **size_bounds: int) -> st.SearchStrategy[NamedTensor]:
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
def _named_tensors(draw: st.DrawFn, sizes: Sizes | st.SearchStrategy[Sizes], dtype: _DType,
                   elements: _Elements, backend: str | Sequence[str],
                   op: str = "strategies.named_tensors") -> NamedTensor:
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


def broadcastable(n: int, max_names: int = 8, dtype: DTypeArg = "float32",
                  elements: st.SearchStrategy[Any] | None = None, backend: BackendArg = None,
                  min_rank: int = 0, max_rank: int = 4, min_size: int = 1,
                  max_size: int = 5) -> st.SearchStrategy[tuple[NamedTensor, ...]]:
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
def _broadcastable(draw: st.DrawFn, n: int, max_names: int, dtype: _DType, elements: _Elements,
                   backend: str | Sequence[str], min_rank: int, max_rank: int, min_size: int,
                   max_size: int) -> tuple[NamedTensor, ...]:
    pool = draw(_sizes(min_rank=min_rank, max_rank=max_names, min_size=min_size,
                       max_size=max_size))
    out: list[NamedTensor] = []
    for _ in range(n):
        rank = draw(st.integers(min(min_rank, len(pool)), min(max_rank, len(pool))))
        chosen = draw(st.permutations(list(pool)))[:rank]
        out.append(draw(_named_tensors({k: pool[k] for k in chosen}, dtype, elements, backend,
                                       "strategies.broadcastable")))
    return tuple(out)


def permuted(t: NamedTensor) -> st.SearchStrategy[NamedTensor]:
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


def einsum_problems(max_operands: int = 4, max_names: int = 8, min_operands: int = 1,
                    max_rank: int = 4, min_size: int = 1, max_size: int = 5,
                    dtype: DTypeArg = "float32", elements: st.SearchStrategy[Any] | None = None,
                    backend: BackendArg = None
                    ) -> st.SearchStrategy[tuple[str, tuple[NamedTensor, ...]]]:
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
def _einsum_problems(draw: st.DrawFn, max_operands: int, max_names: int, min_operands: int,
                     max_rank: int, min_size: int, max_size: int, dtype: _DType,
                     elements: _Elements,
                     backend: str | Sequence[str]) -> tuple[str, tuple[NamedTensor, ...]]:
    pool = draw(_sizes(min_rank=1, max_rank=max_names, min_size=min_size, max_size=max_size))
    count = draw(st.integers(min_operands, max_operands))
    tensors: list[NamedTensor] = []
    entries: list[str] = []
    for _ in range(count):
        rank = draw(st.integers(0, min(max_rank, len(pool))))
        chosen = draw(st.permutations(list(pool)))[:rank]
        tensors.append(draw(_named_tensors({k: pool[k] for k in chosen}, dtype, elements,
                                           backend, "strategies.einsum_problems")))
        entries.append(" ".join(draw(st.permutations(chosen))))
    used = list(dict.fromkeys(n for t in tensors for n in t.names))
    out = draw(st.permutations(used))[:draw(st.integers(0, len(used)))]
    return ", ".join(entries) + " -> " + " ".join(out), tuple(tensors)
