"""Reshaping and indexing by name: rename, align, flatten/unflatten, stack/concat, split, [...]."""

import math
import operator
from collections.abc import Callable, Iterable, Mapping, Sequence
from types import EllipsisType

import numpy as np

from . import _validate as V
from ._caches import cached
from ._errors import AxisNameError, AxisSizeError, NamedTensorError
from ._names import broadcast, fmt_sizes, index_of, parse_names, prime_hint
from ._ops import aligned, as_tensor, backend_error, common_backend, data_on, identity
from ._tensor import NamedTensor
from ._types import Array, Names, Operand, Shape
from .backends import Backend
from .backends._contract import Take

_new = NamedTensor._new


def _describe(t: NamedTensor) -> str:
    return fmt_sizes(t._names, t._data.shape)


def _transpose(t: NamedTensor, order: tuple[str, ...]) -> Array:
    """``t``'s data laid out in ``order`` (a permutation of ``t.names``)."""
    perm = _perm(t._names, order)
    return t._data if perm is None else t._backend.xp.transpose(t._data, perm)


def rename(t: NamedTensor, mapping: Mapping[str, str] | None = None, /,
           **kwargs: str) -> NamedTensor:
    """Rename axes: ``t.rename({"old": "new"})`` or ``t.rename(old="new")``.

    >>> import namedtensor as nt
    >>> nt.zeros({"b": 2, "f": 3}).rename(f="feat").names
    ('b', 'feat')
    """
    op = "rename"
    if mapping is not None and not isinstance(mapping, Mapping):
        raise TypeError(f"{op}: takes a mapping {{old: new}} or keywords old='new', got "
                        f"{type(mapping).__name__}; for pairs use t.rename(dict(pairs))")
    pairs = {**(mapping or {}), **kwargs}
    for old, new in pairs.items():
        if type(old) is not str or type(new) is not str:
            raise TypeError(f"{op}: names in the mapping must be str, got "
                            f"{type(old).__name__} -> {type(new).__name__}")
        index_of(t._names, old, op, t._data.shape)
    names = tuple(pairs.get(n, n) for n in t._names)
    parse_names(tuple(pairs.values()), op)
    if len(set(names)) != len(names):
        clash = sorted({n for n in names if names.count(n) > 1})
        raise AxisNameError(f"{op}: renaming {_describe(t)} with {pairs} gives duplicate "
                            f"name(s) {clash}{prime_hint(clash[0])}")
    return _new(t._data, names, t._backend)


def _existing(t: NamedTensor, names: Sequence[str], op: str) -> tuple[str, ...]:
    """``names`` (each an axis of ``t``, none repeated) as a tuple."""
    for n in names:
        if type(n) is not str:
            raise TypeError(f"{op}: takes axis names (str), got {type(n).__name__}")
        index_of(t._names, n, op, t._data.shape)
    if len(set(names)) != len(names):
        raise AxisNameError(f"{op}: the names {list(names)} repeat a name")
    return tuple(names)


def _renamed(t: NamedTensor, names: tuple[str, ...], op: str) -> NamedTensor:
    """``t`` with the new ``names``, which must stay unique."""
    if len(set(names)) != len(names):
        clash = sorted({n for n in names if names.count(n) > 1})
        raise AxisNameError(f"{op}: {_describe(t)} would have the name(s) {clash} twice "
                            f"(as {list(names)}); {op} that axis too (with no names, t.{op}() "
                            f"does every axis), or rename one first with t.rename(...)")
    return _new(t._data, names, t._backend)


def prime(t: NamedTensor, *names: str) -> NamedTensor:
    """Add a prime mark to axis names: ``seq`` becomes ``seq'`` (no names: every axis).

    A primed name is an ordinary, distinct name: the convention for the second copy
    of an axis (attention's key positions, a square weight's input side).

    >>> import namedtensor as nt
    >>> k = nt.zeros({"batch": 2, "seq": 3, "d": 4})
    >>> k.prime("seq").names
    ('batch', "seq'", 'd')
    >>> k.prime().names
    ("batch'", "seq'", "d'")

    Args:
        *names: existing axis names of ``t``.

    Returns:
        The same data with ``n`` renamed to ``n'`` for each name.

    Raises:
        AxisNameError: a name ``t`` lacks, or a primed name that ``t`` already has.
    """
    op = "prime"
    targets = _existing(t, names, op) if names else t._names
    return _renamed(t, tuple(n + "'" if n in targets else n for n in t._names), op)


def unprime(t: NamedTensor, *names: str) -> NamedTensor:
    """Remove one prime mark from axis names: ``seq'`` becomes ``seq`` (no names: every
    primed axis).

    >>> import namedtensor as nt
    >>> s = nt.zeros({"seq": 3, "seq'": 3, "d''": 4})
    >>> s.unprime("d''").names
    ('seq', "seq'", "d'")
    >>> s.sum("seq").unprime().names
    ('seq', "d'")

    Args:
        *names: existing, primed axis names of ``t``.

    Returns:
        The same data with ``n'`` renamed to ``n`` for each name.

    Raises:
        AxisNameError: a name ``t`` lacks, a name without a prime, or an unprimed name
            that ``t`` already has.
    """
    op = "unprime"
    if names:
        targets = _existing(t, names, op)
        plain = [n for n in targets if not n.endswith("'")]
        if plain:
            raise AxisNameError(f"{op}: axis {plain[0]!r} of {_describe(t)} has no prime mark "
                                f"to remove; unprime takes primed names such as "
                                f"{plain[0] + chr(39)!r}")
    else:
        targets = tuple(n for n in t._names if n.endswith("'"))
    return _renamed(t, tuple(n[:-1] if n in targets else n for n in t._names), op)


def _expand_ellipsis(t: NamedTensor, names: tuple[str | EllipsisType, ...],
                     op: str) -> tuple[str, ...]:
    if len(names) == 1 and isinstance(names[0], str) and " " in names[0]:
        names = tuple(names[0].split())
    listed = [n for n in names if n is not ...]
    for n in listed:
        if type(n) is not str:
            raise TypeError(f"{op}: takes axis names (str) and ..., got {type(n).__name__}")
    if len(names) - len(listed) > 1:
        raise AxisNameError(f"{op}: '...' may appear at most once")
    parse_names(tuple(listed), op)
    for n in listed:
        index_of(t._names, n, op, t._data.shape)
    if ... in names:
        rest = [n for n in t._names if n not in listed]
        i = names.index(...)
        return tuple(listed[:i]) + tuple(rest) + tuple(listed[i:])
    missing = [n for n in t._names if n not in listed]
    if missing:
        raise AxisNameError(f"{op}: the order {list(names)} leaves out axes {missing} of "
                            f"{_describe(t)}; list every axis, or use ... for the rest")
    return tuple(listed)  # all of names: there is no ...


def align_to(t: NamedTensor, *names: str | EllipsisType) -> NamedTensor:
    """Reorder axes; ``...`` stands for the remaining names in their current order.

    >>> import namedtensor as nt
    >>> nt.zeros({"a": 1, "b": 2, "c": 3}).align_to("c", ...).names
    ('c', 'a', 'b')
    """
    order = _expand_ellipsis(t, names, "align_to")
    return _new(_transpose(t, order), order, t._backend)


def align(*tensors: Operand) -> tuple[NamedTensor, ...]:
    """Broadcast every tensor to the union of names, in one common order.

    >>> import namedtensor as nt
    >>> a, b = nt.align(nt.zeros({"x": 2}), nt.zeros({"y": 3, "x": 2}))
    >>> a.sizes, b.sizes
    ({'x': 2, 'y': 3}, {'x': 2, 'y': 3})
    """
    op = "nt.align"
    named = [as_tensor(t, op) for t in tensors]
    names, shape = broadcast(tuple((t._names, tuple(t._data.shape)) for t in named), op)
    out = []
    for t in named:
        xp = t._backend.xp
        order = tuple(n for n in names if n in t._names)
        data = xp.reshape(_transpose(t, order),
                          tuple(s if n in t._names else 1 for n, s in zip(names, shape)))
        out.append(_new(xp.broadcast_to(data, shape), names, t._backend))
    return tuple(out)


def flatten(t: NamedTensor, names: Names, into: str) -> NamedTensor:
    """Merge the axes ``names`` (in that order, row-major) into one axis ``into``.

    The new axis takes the place of the first of ``names`` in ``t``'s order.

    >>> import namedtensor as nt
    >>> t = nt.tensor([[1, 2, 3], [4, 5, 6]], "h w")
    >>> t.flatten(["w", "h"], "pixel").tolist()
    [1, 4, 2, 5, 3, 6]
    """
    op = "flatten"
    names = V.names(names, op)
    for n in names:
        index_of(t._names, n, op, t._data.shape)
    into = V.name(into, op, "into")
    others = [n for n in t._names if n not in names]
    if into in others:
        raise AxisNameError(f"{op}: cannot flatten {list(names)} into {into!r}: {_describe(t)} "
                            f"already has an axis {into!r} that is not being merged"
                            f"{prime_hint(into)}")
    if not names:
        raise AxisNameError(f"{op}: give at least one axis to merge into {into!r}")
    first = min(t._names.index(n) for n in names)
    order = tuple(n for n in t._names[:first] if n in others) + names + \
        tuple(n for n in t._names[first:] if n in others)
    sizes = t.sizes
    merged = math.prod(sizes[n] for n in names)  # symbolic sizes (nt.export) multiply too
    new_names = order[:first] + (into,) + order[first + len(names):]
    shape = tuple(merged if n == into else sizes[n] for n in new_names)
    relayout = aligned(t._backend, identity, ((_perm(t._names, order), shape),))
    return _new(relayout(t._data), new_names, t._backend)


def unflatten(t: NamedTensor, name: str, sizes: Mapping[str, int]) -> NamedTensor:
    """Split axis ``name`` into the ordered mapping ``sizes`` (one size may be ``-1``).

    >>> import namedtensor as nt
    >>> nt.arange("pixel", 6).unflatten("pixel", {"h": 2, "w": -1}).tolist()
    [[0, 1, 2], [3, 4, 5]]
    """
    op = "unflatten"
    axis = index_of(t._names, V.name(name, op), op, t._data.shape)
    new, shape = V.sizes(sizes, op, rest=True)
    clash = [n for n in new if n in t._names and n != name]
    if clash:
        raise AxisNameError(f"{op}: new axis names {clash} collide with other axes of "
                            f"{_describe(t)}{prime_hint(clash[0])}")
    total = t._data.shape[axis]
    if shape.count(-1) > 1 or any(s < -1 for s in shape):
        raise AxisSizeError(f"{op}: sizes {dict(zip(new, shape))} may hold at most one -1 "
                            f"and no other negative size")
    known = math.prod(s for s in shape if s != -1)
    if -1 in shape:  # a symbolic total (nt.export) splits only where it provably divides
        if known == 0 or total % known != 0:
            raise AxisSizeError(f"{op}: cannot split axis {name!r} of size {total} into "
                                f"{dict(zip(new, shape))}: {total} is not a multiple of {known}")
        shape = tuple(total // known if s == -1 else s for s in shape)
    elif known != total:
        raise AxisSizeError(f"{op}: cannot split axis {name!r} of size {total} into "
                            f"{dict(zip(new, shape))}, whose sizes multiply to {known}")
    names = t._names[:axis] + new + t._names[axis + 1:]
    full = tuple(t._data.shape[:axis]) + shape + tuple(t._data.shape[axis + 1:])
    return _new(t._backend.xp.reshape(t._data, full), names, t._backend)


def expand(t: NamedTensor, sizes: Mapping[str, int]) -> NamedTensor:
    """Broadcast to extra axes given as a mapping; they come after ``t``'s own axes.

    A name ``t`` already has must be given its own size.

    >>> import namedtensor as nt
    >>> nt.tensor([1, 2], "x").expand({"y": 3}).sizes
    {'x': 2, 'y': 3}
    """
    op = "expand"
    new, shape = V.sizes(sizes, op)
    names, full = broadcast(((t._names, tuple(t._data.shape)), (new, shape)), op)
    V.allocation(names, full, t.dtype, op)
    xp = t._backend.xp
    data = xp.reshape(t._data, tuple(t._data.shape) + (1,) * (len(names) - t.ndim))
    return _new(xp.broadcast_to(data, full), names, t._backend)


def squeeze(t: NamedTensor, name: str) -> NamedTensor:
    """Drop the axis ``name``, which must have size 1.

    >>> import namedtensor as nt
    >>> nt.zeros({"a": 1, "b": 2}).squeeze("a").names
    ('b',)
    """
    axis = index_of(t._names, V.name(name, "squeeze"), "squeeze", t._data.shape)
    if t._data.shape[axis] != 1:
        raise AxisSizeError(f"squeeze: axis {name!r} has size {t._data.shape[axis]} in "
                            f"{_describe(t)}; only an axis of size 1 can be squeezed")
    return _new(t._backend.xp.squeeze(t._data, axis=axis), t._names[:axis] + t._names[axis + 1:],
                t._backend)


def _common(tensors: Iterable[Operand], op: str) -> tuple[list[NamedTensor], Backend]:
    """Operands as tensors of one backend (JAX if any is JAX)."""
    if isinstance(tensors, (NamedTensor, str, Mapping)) or not hasattr(tensors, "__iter__") \
            or hasattr(tensors, "shape"):
        raise TypeError(f"{op}: tensors must be a list of NamedTensors, got "
                        f"{type(tensors).__name__}")
    named = [as_tensor(t, op) for t in tensors]
    if not named:
        raise NamedTensorError(f"{op}: needs at least one tensor")
    backend = common_backend(named)
    return [t if t._backend is backend else _new(data_on(t, backend, op), t._names, backend)
            for t in named], backend


def _same_axes(first: NamedTensor, t: NamedTensor, i: int, op: str,
               skip: str | None = None) -> None:
    a = {n: s for n, s in first.sizes.items() if n != skip}
    b = {n: s for n, s in t.sizes.items() if n != skip}
    if a != b:
        missing = sorted(set(a) - set(b))
        extra = sorted(set(b) - set(a))
        sizes = sorted(n for n in set(a) & set(b) if a[n] != b[n])
        detail = "; ".join(part for part in (
            f"missing {missing}" if missing else "", f"extra {extra}" if extra else "",
            ", ".join(f"{n!r} is {a[n]} vs {b[n]}" for n in sizes)) if part)
        error = AxisSizeError if not missing and not extra else AxisNameError
        raise error(f"{op}: tensor {i} {_describe(t)} does not match tensor 0 "
                    f"{_describe(first)}{' apart from ' + repr(skip) if skip else ''}: {detail}")


def stack(tensors: Iterable[Operand], name: str) -> NamedTensor:
    """Stack tensors with equal names and sizes along a new first axis ``name``.

    >>> import namedtensor as nt
    >>> nt.stack([nt.tensor([1, 2], "x"), nt.tensor([3, 4], "x")], "row").tolist()
    [[1, 2], [3, 4]]
    """
    op = "nt.stack"
    named, backend = _common(tensors, op)
    name = V.name(name, op)
    first = named[0]
    if name in first._names:
        raise AxisNameError(f"{op}: the new axis {name!r} already exists in {_describe(first)}"
                            f"{prime_hint(name)}")
    for i, t in enumerate(named[1:], 1):
        _same_axes(first, t, i, op)
    try:
        data = backend.xp.stack([_transpose(t, first._names) for t in named], axis=0)
    except (ValueError, TypeError) as e:
        backend_error(named, op, e)
    return _new(data, (name,) + first._names, backend)


def concat(tensors: Iterable[Operand], name: str) -> NamedTensor:
    """Join tensors along their existing axis ``name``; all other axes must match.

    >>> import namedtensor as nt
    >>> nt.concat([nt.tensor([1, 2], "x"), nt.tensor([3], "x")], "x").tolist()
    [1, 2, 3]
    """
    op = "nt.concat"
    named, backend = _common(tensors, op)
    name = V.name(name, op)
    first = named[0]
    for i, t in enumerate(named):
        index_of(t._names, name, f"{op} (tensor {i})", t._data.shape)
        _same_axes(first, t, i, op, skip=name)
    try:
        data = backend.xp.concatenate([_transpose(t, first._names) for t in named],
                                      axis=first._names.index(name))
    except (ValueError, TypeError) as e:
        backend_error(named, op, e)
    return _new(data, first._names, backend)


def split(t: NamedTensor, name: str, sizes: Sequence[int]) -> list[NamedTensor]:
    """Cut ``t`` along ``name`` into pieces of the given ``sizes`` (a list).

    >>> import namedtensor as nt
    >>> [p.tolist() for p in nt.arange("x", 5).split("x", [2, 3])]
    [[0, 1], [2, 3, 4]]
    """
    op = "split"
    axis = index_of(t._names, V.name(name, op), op, t._data.shape)
    if isinstance(sizes, (str, Mapping)) or not isinstance(sizes, (list, tuple)):
        raise TypeError(f"{op}: sizes must be a list of ints such as [2, 3], got "
                        f"{type(sizes).__name__}")
    pieces = [V.integer(s, op, "each size") for s in sizes]
    if any(s < 0 for s in pieces) or sum(pieces) != t._data.shape[axis]:
        raise AxisSizeError(f"{op}: sizes {pieces} (sum {sum(pieces)}) do not cut axis "
                            f"{name!r} of size {t._data.shape[axis]} in {_describe(t)}")
    parts = _split_kernel(t._backend, axis, tuple(pieces))(t._data)
    return [_new(p, t._names, t._backend) for p in parts]


@cached(1024)
def _split_kernel(backend: Backend, axis: int, pieces: tuple[int, ...]
                  ) -> Callable[[Array], tuple[Array, ...]]:
    """The pieces of an array along ``axis``, as one dispatch."""
    def run(x: Array) -> tuple[Array, ...]:
        out, start = [], 0
        for s in pieces:
            out.append(x[(slice(None),) * axis + (slice(start, start + s),)])
            start += s
        return tuple(out)
    return backend.fuse(run)


def unstack(t: NamedTensor, name: str) -> tuple[NamedTensor, ...]:
    """Split ``t`` along ``name`` into a tuple of tensors without ``name``.

    ``i, f, g, o = gates.unstack("gate")`` computes the same values as
    ``[t[{name: k}] for k in ...]``, but it is one split, so its gradient is one
    concatenation. Separate index slices would each scatter into zeros.

    >>> import namedtensor as nt
    >>> a, b = nt.tensor([[1, 2], [3, 4]], "pair x").unstack("pair")
    >>> a.names, a.tolist(), b.tolist()
    (('x',), [1, 2], [3, 4])
    """
    if not isinstance(t, NamedTensor):
        raise TypeError(f"nt.unstack: expected a NamedTensor, got {type(t).__name__}")
    axis = index_of(t._names, V.name(name, "unstack"), "unstack", t._data.shape)
    names = t._names[:axis] + t._names[axis + 1:]
    shape = tuple(t._data.shape)
    if not shape[axis]:
        return ()
    return tuple(_new(p, names, t._backend)
                 for p in _unstack_kernel(t._backend, shape, axis)(t._data))


@cached(1024)
def _unstack_kernel(backend: Backend, shape: Shape, axis: int
                    ) -> Callable[[Array], tuple[Array, ...]]:
    """The slices of an array along ``axis``, as one dispatch (eagerly and under grad: one
    call instead of 2 + size reshapes and a split)."""
    xp = backend.xp
    size, rest = shape[axis], shape[:axis] + shape[axis + 1:]
    # Row-major, slice k along ``axis`` is chunk k of each row of the 2-d view
    # (before, size * after). XLA:CPU compiles that split (and its concatenation
    # gradient) far better than a split along a middle axis: 5x on an unrolled LSTM.
    flat_shape = (math.prod(shape[:axis]), size * math.prod(shape[axis + 1:]))

    def run(x: Array) -> tuple[Array, ...]:
        return tuple(xp.reshape(p, rest) for p in xp.split(xp.reshape(x, flat_shape), size,
                                                           axis=1))
    return backend.fuse(run)


# --- indexing ---------------------------------------------------------------------
def getitem(t: NamedTensor, index: object) -> NamedTensor:
    """``t[{"seq": 3}]``, ``t[{"seq": slice(0, 10, 2)}]``, ``t[{"vocab": ids}]`` (gather)."""
    if not isinstance(index, Mapping):
        example = f"t[{{{t._names[0]!r}: 0}}]" if t._names else "t[{'name': 0}]"
        raise TypeError(f"indexing: positional index {_index_text(index)} on {_describe(t)}; "
                        f"index by name with a dict, e.g. {example} or "
                        f"t[{{{(t._names or ('name',))[0]!r}: slice(0, 2)}}]")
    basic: list[slice | int] = [slice(None)] * t.ndim
    dropped: set[str] = set()
    gathers: list[tuple[str, NamedTensor]] = []
    for name, key in index.items():
        axis = index_of(t._names, name, "indexing", t._data.shape)
        size = t._data.shape[axis]
        if isinstance(key, slice):
            for part in (key.start, key.stop, key.step):
                if part is not None and not isinstance(part, (int, np.integer)):
                    raise TypeError(f"indexing: slice bounds for axis {name!r} must be "
                                    f"integers, got {type(part).__name__}")
            if key.step == 0:
                raise AxisSizeError(f"indexing: slice step for axis {name!r} cannot be 0")
            basic[axis] = key
        elif isinstance(key, NamedTensor) or (hasattr(key, "shape") and hasattr(key, "dtype")):
            gathers.append((name, as_tensor(key, "indexing")))
        elif isinstance(key, (bool, np.bool_)):
            raise TypeError(f"indexing: axis {name!r} takes an int, a slice or an integer "
                            f"NamedTensor, got a bool; select with nt.where or a comparison")
        else:
            try:
                i = operator.index(key)
            except TypeError:
                raise TypeError(f"indexing: axis {name!r} takes an int, a slice or an integer "
                                f"NamedTensor, got {type(key).__name__}; wrap a list with "
                                f"nt.tensor(ids, names)") from None
            if not -size <= i < size:
                raise AxisSizeError(f"indexing: index {i} is out of range for axis {name!r} "
                                    f"of size {size} in {_describe(t)}")
            basic[axis] = i
            dropped.add(name)
    if any(not (isinstance(k, slice) and k == slice(None)) for k in basic):
        t = _new(_basic(t, basic), tuple(n for n in t._names if n not in dropped), t._backend)
    for name, ids in gathers:  # one after the other: an index must not name another's axis
        clash = [n for n in ids._names if n in index and n != name]
        if clash:
            raise AxisNameError(f"indexing: the index for axis {name!r} {_describe(ids)} has "
                                f"axes {clash} that are indexed in the same call, so the result "
                                f"would depend on the order of the dict; index in two steps")
    for name, ids in gathers:
        t = _gather(t, name, ids)
    return t


# an axis of at most this many positions is indexed by static plans: at most this many
# compiled calls per axis, and under eager grad a static slice's gradient (a pad) is ~20%
# cheaper than a dynamic one's; along longer axes the positions are arguments
SMALL_AXIS = 8


def _basic(t: NamedTensor, basic: list[slice | int]) -> Array:
    """``t``'s data indexed by ints and slices (one per axis, validated), as one dispatch
    (also under grad) through the backend's index plans: along axes longer than
    ``SMALL_AXIS`` the positions are arguments, so a loop over positions compiles once."""
    shape = t._data.shape
    if not all(type(s) is int for s in shape):  # symbolic sizes (nt.export): as written
        return t._data[tuple(basic)]
    plan: list[Take | None] = []
    starts: list[int] = []
    for key, size in zip(basic, shape):
        if isinstance(key, slice):
            if key == slice(None):
                plan.append(None)
                continue
            start, stop, step = key.indices(size)
            n = len(range(start, stop, step))
            low, drop = min(start, start + (n - 1) * step) if n else 0, False
        else:
            n, step, low, drop = 1, 1, key % size, True
        if size <= SMALL_AXIS:
            plan.append(Take(n, step, low, drop))
        else:
            plan.append(Take(n, step, None, drop))
            starts.append(low)
    return t._backend.index(t._data, tuple(plan), starts)


def _index_text(index: object) -> str:
    """A positional index as written (ints, slices, ...), or only its type: never values."""
    simple = (int, slice, type(...), type(None))
    if isinstance(index, simple) or isinstance(index, tuple) and \
            all(isinstance(i, simple) for i in index):
        return repr(index)
    return f"of type {type(index).__name__}"


def _gather(t: NamedTensor, name: str, ids: NamedTensor) -> NamedTensor:
    op = "indexing"
    if not np.issubdtype(ids.dtype, np.integer):
        raise TypeError(f"{op}: the index for axis {name!r} must be an integer tensor, got "
                        f"{ids.dtype} {_describe(ids)}")
    axis = t._names.index(name)
    size = t._data.shape[axis]
    others = t._names[:axis] + t._names[axis + 1:]
    broadcast(((others, tuple(t._data.shape[:axis] + t._data.shape[axis + 1:])),
               (ids._names, tuple(ids._data.shape))), op)
    if ids._backend.is_concrete(ids._data) and ids.size:
        values = ids.numpy()
        if values.min() < -size or values.max() >= size:
            raise AxisSizeError(f"{op}: some indices in {_describe(ids)} are outside "
                                f"[{-size}, {size}) for axis {name!r} of {_describe(t)}")
    if ids._backend is not t._backend:
        backend = common_backend((t, ids))
        t, ids = [_new(data_on(x, backend, op), x._names, backend) for x in (t, ids)]
    batched = tuple(n for n in ids._names if n in others)
    new = tuple(n for n in ids._names if n not in others)
    rest = tuple(n for n in others if n not in batched)
    got = batched + new + rest
    out = t._names[:axis] + new + t._names[axis + 1:]
    sizes = t.sizes
    run = _gather_kernel(t._backend, _perm(t._names, batched + (name,) + rest),
                         _perm(ids._names, batched + new), tuple(sizes[b] for b in batched),
                         len(new), tuple(got.index(n) for n in out))
    try:
        data = run(t._data, ids._data)
    except (ValueError, TypeError) as e:
        backend_error((t, ids), op, e)
    return _new(data, out, t._backend)


def _perm(names: tuple[str, ...], order: tuple[str, ...]) -> tuple[int, ...] | None:
    """The transpose from ``names`` to ``order`` (``None``: already in that order)."""
    return None if names == order else tuple(names.index(n) for n in order)


@cached(1024)
def _gather_kernel(backend: Backend, perm: tuple[int, ...] | None,
                   ids_perm: tuple[int, ...] | None, batch: Shape, new: int,
                   out_perm: tuple[int, ...]) -> Callable[[Array, Array], Array]:
    """Gather along one axis, as one dispatch: ``x`` laid out (batched axes, the indexed
    axis, the rest), ``ids`` laid out (batched axes, new axes); each batched axis indexes
    itself through a broadcast ``arange``; the result is laid out by ``out_perm``."""
    xp = backend.xp
    rank = len(batch) + new

    def run(x: Array, ids: Array) -> Array:
        x = x if perm is None else xp.transpose(x, perm)
        ids = ids if ids_perm is None else xp.transpose(ids, ids_perm)
        index = tuple(xp.reshape(xp.arange(s), (1,) * k + (s,) + (1,) * (rank - k - 1))
                      for k, s in enumerate(batch)) + (ids,)
        return xp.transpose(x[index], out_perm)
    return backend.fuse(run)
