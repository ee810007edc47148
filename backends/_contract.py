"""Execute a planned contraction with ``xp.matmul``: shared by every backend.

``subscripts`` uses one character per axis (``opt_einsum.get_symbol``, so any
number of axes); ``path`` is opt_einsum's order (each step pops its operands and
appends the result). Each pairwise step is laid out as a standard row-major
``(batch, M, K) @ (batch, K, N)`` product, the layout BLAS and XLA:CPU are fastest
on; symbols one operand alone has and nobody needs later are summed out first.
The frontend casts bool and small integer operands to their accumulation dtype
before calling it (``matmul`` of bools is a logical or, of int8 it wraps).
"""

import math
from collections.abc import Callable, Iterable, Sequence
from types import ModuleType
from typing import Any, NamedTuple, Protocol, TypeAlias

import numpy as np

# Array: a backend's array, a NumPy ndarray (or scalar) or a jax.Array (or a tracer); the
# two share no useful static type, so it is Any
from namedtensor._types import Array, DeviceLike, DTypeLike

# An array-API namespace (numpy or jax.numpy), used through its functions.
Namespace: TypeAlias = Any
# opt_einsum's contraction order: each step lists the operands it consumes.
Path: TypeAlias = Sequence[tuple[int, ...]]


class Take(NamedTuple):
    """What an index takes along one axis: ``n`` positions ``step`` apart (backwards for a
    negative step) from the lowest, ``low``; ``drop``: one position whose axis goes away.
    ``low`` is None when it is given at call time, so that one plan (one compiled call)
    serves every position and every window of that length."""

    n: int
    step: int
    low: int | None
    drop: bool = False


# one entry per axis: a Take, or None for the whole axis
IndexPlan: TypeAlias = tuple[Take | None, ...]


class Backend(Protocol):
    """What the frontend needs of a backend (one class per array library)."""

    @property
    def name(self) -> str:
        """``"jax"`` or ``"numpy"``."""
        ...

    @property
    def xp(self) -> ModuleType:
        """The array-API namespace for the ordinary math both backends agree on."""
        ...

    def is_array(self, obj: object) -> bool:
        """Whether ``obj`` is an array of this backend."""
        ...

    def asarray(self, obj: Any, dtype: DTypeLike | None = None,
                device: DeviceLike | None = None) -> Array:
        """``obj`` as this backend's array, of ``dtype`` and on ``device`` if given."""
        ...

    def to_numpy(self, x: Array) -> np.ndarray[Any, Any]:
        """``x`` as a NumPy array on the host."""
        ...

    def device(self, x: Array) -> str:
        """Where ``x`` lives (``"cpu:0"``; ``"traced"`` for a tracer)."""
        ...

    def put(self, x: Array, device: DeviceLike) -> Array:
        """``x`` moved to ``device``."""
        ...

    def is_concrete(self, x: Array) -> bool:
        """Whether ``x`` holds values (is not a tracer)."""
        ...

    def einsum(self, subscripts: str, path: Path, *arrays: Array) -> Array:
        """Execute a planned contraction (see :func:`contract`)."""
        ...

    def index(self, x: Array, plan: IndexPlan, starts: Sequence[int]) -> Array:
        """``x`` indexed by ``plan``, with ``starts`` (the lowest positions, in range) for
        the entries whose ``low`` is None, in axis order."""
        ...

    def fuse(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        """``fn`` (a function of arrays, built once per plan and cached by the caller) as
        one dispatch: JAX compiles it, inlined into any program that traces it; NumPy
        runs it as it is."""
        ...

    def floor_divide(self, x: Array, y: Array, /) -> Array: ...
    def remainder(self, x: Array, y: Array, /) -> Array: ...
    def erf(self, x: Array, /) -> Array: ...
    def sigmoid(self, x: Array, /) -> Array: ...
    def relu(self, x: Array, /) -> Array: ...
    def gelu(self, x: Array, /) -> Array: ...
    def softplus(self, x: Array, /) -> Array: ...
    def logsumexp(self, x: Array, axis: int | tuple[int, ...], /) -> Array: ...
    def softmax(self, x: Array, axis: int, /) -> Array: ...
    def log_softmax(self, x: Array, axis: int, /) -> Array: ...


def basic_index(plan: IndexPlan, starts: Sequence[int]) -> tuple[tuple[int | slice, ...],
                                                                 tuple[int, ...]]:
    """The ordinary index that ``plan`` with ``starts`` stands for, as (an index of ints and
    forward slices, the axes of its result to reverse)."""
    it = iter(starts)
    index: list[int | slice] = []
    reverse: list[int] = []
    kept = 0
    for p in plan:
        if p is None:
            index.append(slice(None))
            kept += 1
            continue
        low = next(it) if p.low is None else p.low
        if p.drop:
            index.append(low)
            continue
        index.append(slice(low, low + extent(p.n, p.step), abs(p.step)))
        if p.step < 0:
            reverse.append(kept)
        kept += 1
    return tuple(index), tuple(reverse)


def extent(n: int, step: int) -> int:
    """How many consecutive positions ``n`` positions ``step`` apart span."""
    return (n - 1) * abs(step) + 1 if n else 0


def _arrange(xp: Namespace, x: Array, term: str, order: list[str]) -> Array:
    if list(term) != order:
        x = xp.transpose(x, tuple(term.index(s) for s in order))
    return x


def _sum_out(xp: Namespace, x: Array, term: str, needed: set[str]) -> tuple[Array, str]:
    drop = tuple(i for i, s in enumerate(term) if s not in needed)
    if not drop:
        return x, term
    # Keep 32/64-bit dtypes (NumPy would widen int32 to int64; JAX does not); narrower
    # ones and bools get the library's own widening, so a lone sum never wraps.
    dtype = None if x.dtype.kind == "b" or x.dtype.itemsize < 4 else x.dtype
    return xp.sum(x, axis=drop, dtype=dtype), "".join(s for s in term if s in needed)


def _pair(xp: Namespace, t1: str, x: Array, t2: str, y: Array,
          needed: set[str]) -> tuple[str, Array]:
    x, t1 = _sum_out(xp, x, t1, needed | set(t2))
    y, t2 = _sum_out(xp, y, t2, needed | set(t1))
    batch = [s for s in t1 if s in t2 and s in needed]
    contract = [s for s in t1 if s in t2 and s not in needed]
    free1 = [s for s in t1 if s not in t2]
    free2 = [s for s in t2 if s not in t1]
    size = {**dict(zip(t1, x.shape)), **dict(zip(t2, y.shape))}
    b, m, k, n = (math.prod(size[s] for s in group) for group in (batch, free1, contract, free2))
    x = xp.reshape(_arrange(xp, x, t1, batch + free1 + contract), (b, m, k) if batch else (m, k))
    y = xp.reshape(_arrange(xp, y, t2, batch + contract + free2), (b, k, n) if batch else (k, n))
    out = batch + free1 + free2
    return "".join(out), xp.reshape(xp.matmul(x, y), tuple(size[s] for s in out))


def contract(xp: Namespace, subscripts: str, path: Iterable[Sequence[int]],
             arrays: Sequence[Array]) -> Array:
    """Contract ``arrays`` as ``subscripts`` says, in the order ``path``."""
    inputs, output = subscripts.split("->")
    ops = list(zip(inputs.split(","), arrays))
    for step in path:
        picked = [ops[i] for i in step]
        for i in sorted(step, reverse=True):
            del ops[i]
        later = set("".join(t for t, _ in ops)) | set(output)
        term, x = picked[0]
        for k, (t2, y) in enumerate(picked[1:], 1):
            needed = later | set("".join(t for t, _ in picked[k + 1:]))
            term, x = _pair(xp, term, x, t2, y, needed)
        x, term = _sum_out(xp, x, term, later)
        ops.append((term, x))
    ((term, x),) = ops
    return _arrange(xp, x, term, list(output))
