"""Name rules: validation, "did you mean", broadcasting of name sets.

Everything here works on tuples of names and sizes only (never on arrays), so
the results can be cached on hashable keys.
"""

import difflib
import re
from collections.abc import Iterable, Sequence
from typing import Literal, TypeAlias

from ._caches import cached
from ._errors import AxisNameError, AxisSizeError
from ._types import Names, Shape

# how an operand is laid out against a target order: a transpose (or None), then a reshape
# that inserts size-1 axes (or None)
Alignment: TypeAlias = tuple[tuple[int, ...] | None, Shape | None]

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*'*\Z")


def fmt_sizes(names: Iterable[object], shape: Iterable[object]) -> str:
    """``("batch", "feat"), (2, 3)`` -> ``"(batch=2, feat=3)"``; ``"()"`` for 0-d."""
    return "(" + ", ".join(f"{n}={s}" for n, s in zip(names, shape)) + ")"


def did_you_mean(name: object, candidates: Iterable[object]) -> str:
    """A ``" (did you mean 'x'?)"`` suffix for a near-miss name, else ``""``."""
    if not isinstance(name, str):
        return ""
    close = difflib.get_close_matches(name, [str(c) for c in candidates], n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def prime_hint(name: object) -> str:
    """A suffix suggesting a primed name for the second copy of the axis ``name``."""
    if not isinstance(name, str):
        return ""
    return (f"; for a second copy of an axis, prime it: t.prime({name!r}) renames it to "
            f"{name + chr(39)!r} (as k.prime('seq') gives attention's key axis)")


IDENTIFIER = ("a name is a Python identifier, optionally followed by prime marks, such as "
              "'batch', 'd_model' or \"seq'\"")


# what name_problem finds: an invalid name (of any type), or the sorted repeated names
NameProblem: TypeAlias = (
    tuple[Literal["invalid"], object] | tuple[Literal["duplicate"], list[str]])


def name_problem(names: Sequence[object]) -> NameProblem | None:
    """The one rule for a list of names: ``None`` if every name is an identifier (optionally
    followed by prime marks: ``seq'``) and no name repeats, else ``("invalid", name)`` or
    ``("duplicate", sorted repeats)``."""
    for n in names:
        if not isinstance(n, str) or not _NAME.match(n):
            return "invalid", n
    if len(set(names)) != len(names):
        return "duplicate", sorted({str(n) for n in names if names.count(n) > 1})
    return None


@cached(4096)
def _parse(names: str | tuple[str, ...], op: str) -> tuple[str, ...]:
    if isinstance(names, str):
        names = tuple(names.split())
    problem = name_problem(names)
    if problem and problem[0] == "invalid":
        raise AxisNameError(f"{op}: invalid axis name {problem[1]!r}; {IDENTIFIER}")
    if problem:
        raise AxisNameError(f"{op}: duplicate axis name(s) {problem[1]} in {list(names)}; "
                            f"names must be unique within a tensor"
                            f"{prime_hint(problem[1][0])}")
    return names


def parse_names(names: Names, op: str = "nt.tensor") -> tuple[str, ...]:
    """Normalise ``"a b"`` or ``["a", "b"]`` to a validated tuple of names."""
    if isinstance(names, str):
        return _parse(names, op)
    try:
        names = tuple(names)
    except TypeError:
        raise AxisNameError(f"{op}: names must be a string or a sequence of strings, "
                            f"got {type(names).__name__}") from None
    try:
        return _parse(names, op)
    except TypeError:  # unhashable entries
        raise AxisNameError(f"{op}: invalid axis names {names!r}; each name must be "
                            f"a str") from None


def check_rank(names: Sequence[str], shape: Sequence[object], op: str) -> None:
    """Raise unless there is exactly one name per axis."""
    if len(names) != len(shape):
        raise AxisNameError(
            f"{op}: got {len(names)} name(s) {list(names)} for data with {len(shape)} "
            f"axis/axes of shape {tuple(shape)}; give exactly one name per axis")


def index_of(names: tuple[str, ...], name: object, op: str,
             shape: Shape | None = None) -> int:
    """Position of ``name`` in ``names``; an AxisNameError with a suggestion otherwise."""
    try:
        return names.index(name)
    except ValueError:
        have = fmt_sizes(names, shape) if shape is not None else str(list(names))
        raise AxisNameError(f"{op}: no axis named {name!r} in a tensor with axes {have}"
                            f"{did_you_mean(name, names)}") from None


def reduce_names(names: tuple[str, ...], which: Names | None, op: str,
                 shape: Shape | None = None) -> tuple[int, ...]:
    """Normalise a reduction's ``names`` argument to a tuple of axis positions."""
    if which is None:
        return tuple(range(len(names)))
    if isinstance(which, str):
        which = (which,)
    axes = tuple(index_of(names, w, op, shape) for w in which)
    if len(set(axes)) != len(axes):
        raise AxisNameError(f"{op}: axis names {list(which)} repeat a name")
    return axes


@cached(8192)
def broadcast(entries: tuple[tuple[tuple[str, ...], Shape], ...],
              op: str) -> tuple[tuple[str, ...], Shape]:
    """Union of several tensors' axes, matched by name.

    ``entries`` is a tuple of ``(names, shape)``. Returns ``(names, shape)`` of
    the result: the first operand's names, then each later operand's new names
    in order. Equal names must have equal sizes (no size-1 broadcasting).
    """
    out: dict[str, int] = {}
    where: dict[str, int] = {}
    for i, (names, shape) in enumerate(entries):
        for n, s in zip(names, shape):
            if n in out and out[n] != s:
                j = where[n]
                raise AxisSizeError(
                    f"{op}: axis {n!r} has size {out[n]} in operand {j} "
                    f"{fmt_sizes(*entries[j])} but size {s} in operand {i} "
                    f"{fmt_sizes(names, shape)}; equal names must have equal sizes "
                    f"(there is no size-1 broadcasting between equal names)")
            if n not in out:
                out[n] = s
                where[n] = i
    return tuple(out), tuple(out.values())


@cached(8192)
def alignment(names: tuple[str, ...], shape: Shape, target: tuple[str, ...]
              ) -> Alignment | None:
    """How to lay out an operand with ``names`` against the axis order ``target``.

    Returns ``None`` when nothing is to be done, else ``(perm, new_shape)``: a
    transpose (or ``None``) followed by a reshape that inserts size-1 axes for
    the names the operand lacks.
    """
    if names == target:
        return None
    order = tuple(n for n in target if n in names)
    perm: tuple[int, ...] | None = tuple(names.index(n) for n in order)
    perm = None if perm == tuple(range(len(names))) else perm
    sizes = dict(zip(names, shape))
    new_shape = tuple(sizes.get(n, 1) for n in target)
    return perm, (None if len(order) == len(target) else new_shape)
