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

from .._shape import align_to
from .._tensor import NamedTensor, tensor

__all__ = ["axis_names", "sizes", "named_tensors", "broadcastable", "permuted",
           "einsum_problems"]

_FIRST = string.ascii_lowercase + string.ascii_uppercase + "_"
_REST = _FIRST + string.digits


def axis_names(max_length=8):
    """One valid axis name (a Python identifier), shrinking toward ``"a"``.

    >>> from hypothesis import given
    >>> from namedtensor.testing import strategies as nts
    >>> @given(nts.axis_names())
    ... def test_is_identifier(name):
    ...     assert name.isidentifier()
    >>> test_is_identifier()
    """
    return st.builds(lambda first, rest: first + rest, st.sampled_from(_FIRST),
                     st.text(_REST, max_size=max_length - 1))


@st.composite
def sizes(draw, names=None, min_rank=0, max_rank=4, min_size=1, max_size=5):
    """An ordered dict name -> size: ``{"b": 3, "x_1": 1}``.

    Args:
        names: a sequence of names to use (in order) instead of drawing them.
        min_rank, max_rank: bounds on the number of axes (when names are drawn).
        min_size, max_size: bounds on each size (``min_size=0`` gives empty axes).
    """
    if names is None:
        names = draw(st.lists(axis_names(), min_size=min_rank, max_size=max_rank, unique=True))
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
    if dtype.kind == "c":
        return st.complex_numbers(max_magnitude=10, allow_nan=False, allow_infinity=False,
                                  width=dtype.itemsize * 8)
    raise ValueError(f"named_tensors: no default elements for dtype {dtype}; pass elements=")


@st.composite
def named_tensors(draw, sizes=None, dtype="float32", elements=None, backend=None, **size_bounds):
    """A NamedTensor with drawn (or given) names and sizes.

    Args:
        sizes: a dict name -> size, or a strategy for one; default :func:`sizes` with
            ``size_bounds`` (``min_rank``, ``max_rank``, ``min_size``, ``max_size``).
        dtype: a dtype, or a strategy for one.
        elements: a strategy for the values (default: finite values in [-10, 10]).
        backend: ``"jax"`` (default), ``"numpy"``, or a sequence to draw from.
    """
    if sizes is None:
        sizes = globals()["sizes"](**size_bounds)
    if isinstance(sizes, st.SearchStrategy):
        sizes = draw(sizes)
    if isinstance(dtype, st.SearchStrategy):
        dtype = draw(dtype)
    if backend is None:
        backend = "jax"
    if not isinstance(backend, str):
        backend = draw(st.sampled_from(list(backend)))
    data = draw(hnp.arrays(np.dtype(dtype), tuple(sizes.values()),
                           elements=_elements(dtype, elements)))
    return tensor(data, tuple(sizes), backend=backend)


@st.composite
def broadcastable(draw, n, max_names=8, dtype="float32", elements=None, backend=None,
                  min_rank=0, max_rank=4, min_size=1, max_size=5):
    """``n`` tensors over subsets of one pool of names (in random orders), so that
    every shared name has one size: they broadcast against each other by name.
    """
    pool = draw(globals()["sizes"](min_rank=min_rank, max_rank=max(max_names, min_rank),
                                   min_size=min_size, max_size=max_size))
    out = []
    for _ in range(n):
        rank = draw(st.integers(min(min_rank, len(pool)), min(max_rank, len(pool))))
        chosen = draw(st.permutations(list(pool)))[:rank]
        out.append(draw(named_tensors({k: pool[k] for k in chosen}, dtype, elements, backend)))
    return tuple(out)


def permuted(t):
    """The same tensor ``t`` with its axes stored in a drawn order."""
    if not isinstance(t, NamedTensor):
        raise TypeError(f"permuted: expected a NamedTensor, got {type(t).__name__}")
    return st.permutations(t.names).map(lambda order: align_to(t, *order))


@st.composite
def einsum_problems(draw, max_operands=4, max_names=8, min_operands=1, max_rank=4,
                    min_size=1, max_size=5, dtype="float32", elements=None, backend=None):
    """``(spec, tensors)``: a full-form einsum spec and tensors that match it.

    Operand names in the spec are a shuffle of each tensor's names (the spec is
    checked as a set); the output is a drawn subset of the names in a drawn order.
    """
    pool = draw(globals()["sizes"](min_rank=1, max_rank=max_names, min_size=min_size,
                                   max_size=max_size))
    count = draw(st.integers(min_operands, max_operands))
    tensors, entries = [], []
    for _ in range(count):
        rank = draw(st.integers(0, min(max_rank, len(pool))))
        chosen = draw(st.permutations(list(pool)))[:rank]
        tensors.append(draw(named_tensors({k: pool[k] for k in chosen}, dtype, elements,
                                          backend)))
        entries.append(" ".join(draw(st.permutations(chosen))))
    used = list(dict.fromkeys(n for t in tensors for n in t.names))
    out = draw(st.permutations(used))[:draw(st.integers(0, len(used)))]
    return ", ".join(entries) + " -> " + " ".join(out), tuple(tensors)
