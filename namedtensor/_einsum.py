"""Contraction by name: names -> opt_einsum symbols, cached plans, explain.

A plan depends only on (spec, names, sizes, dtypes, optimize): it is computed
once (path search and every check on the arguments included) and cached; the
backend executes its order. A repeated eager call costs one cache lookup.
Symbolic sizes (``nt.export`` with a ``None`` size) are checked for equality as they
are and planned with a stand-in size: every order is correct for every size.
"""

from collections.abc import Callable, Iterable, Sequence
from typing import Any, NamedTuple, TypeAlias, TypeVar, cast

import jax
import jax.numpy as jnp
import numpy as np
import opt_einsum

from . import _validate as V
from ._caches import cached
from ._errors import AxisNameError, SpecError
from ._names import broadcast, did_you_mean, fmt_sizes
from ._ops import _SCALARS, as_tensor, common_backend, data_on
from ._spec import ELLIPSIS, Spec, letters_hint, parse
from ._tensor import NamedTensor
from ._types import Names, Operand, Scalar, Shape

__all__ = ["einsum", "dot", "explain"]

_STRATEGIES = ("auto", "auto-hq", "optimal", "dp", "greedy", "random-greedy",
               "random-greedy-128", "branch-all", "branch-2", "branch-1", "eager")
STAND_IN = 128  # the size opt_einsum plans with for a symbolic size (inside nt.export)
# optimize=: a strategy name, a bool, an opt_einsum PathOptimizer, or an explicit path
Optimize: TypeAlias = "str | bool | opt_einsum.paths.PathOptimizer | Sequence[Sequence[int]]"
# the same as a key of the plan cache: an explicit path as tuples
HashableOptimize: TypeAlias = \
    "str | bool | opt_einsum.paths.PathOptimizer | tuple[tuple[int, ...], ...]"
# per operand: names, shape (the plan's key, with the dtypes)
AllNames: TypeAlias = tuple[tuple[str, ...], ...]
AllShapes: TypeAlias = tuple[Shape, ...]
AllDtypes: TypeAlias = "tuple[np.dtype[Any], ...]"
T = TypeVar("T")
_ATTENTION = ("the classic case: attention weights with a key axis and values still named "
              "'seq' instead of it; the key axis is summed over the weights alone and the "
              "values come back unchanged")


def symbols(names: Iterable[str]) -> dict[str, str]:
    """The one place names become einsum symbols: name -> ``opt_einsum.get_symbol(i)``."""
    return {n: opt_einsum.get_symbol(i) for i, n in enumerate(names)}


class Plan(NamedTuple):
    subscripts: str  # in symbols, operands in their stored axis order
    path: tuple[tuple[int, ...], ...]  # opt_einsum's pairwise contraction order
    output: tuple[str, ...]  # output names
    info: Any  # opt_einsum.PathInfo (for explain; opt_einsum has no type stubs)
    names: dict[str, str]  # symbol -> name
    # per operand, the dtype to cast to first (None: none); () when no cast
    cast: "tuple[np.dtype[Any] | None, ...]"


# --- checks, run once per plan (cache miss) ---------------------------------------
def _check_optimize(optimize: object, n: int, op: str) -> None:
    """``optimize``: a strategy name, a bool, an opt_einsum PathOptimizer or a path."""
    if isinstance(optimize, (bool, opt_einsum.paths.PathOptimizer)):
        return
    if isinstance(optimize, str):
        if optimize not in _STRATEGIES:
            raise SpecError(f"{op}: unknown optimize={optimize!r}; choose one of "
                            f"{list(_STRATEGIES)}, a bool, or an explicit path")
        return
    if not isinstance(optimize, (list, tuple)):
        raise TypeError(f"{op}: optimize must be a strategy name such as 'auto', a bool, or "
                        f"an explicit path such as [(0, 1), (0, 1)], got "
                        f"{type(optimize).__name__}")
    _check_path(optimize, n, op)


def _check_path(path: Sequence[object], n: int, op: str) -> None:
    """An explicit path contracts all ``n`` operands into one: each step names distinct
    operands among those left (a step removes them and appends its result)."""
    shown = [tuple(s) if isinstance(s, (list, tuple)) else s for s in path]

    def bad(why: str) -> SpecError:
        return SpecError(f"{op}: explicit path optimize={shown} for {n} operand(s): {why}; "
                         f"each step is a tuple of indices into the operands left at that "
                         f"step (it removes them and appends its result), e.g. "
                         f"{[(0, 1)] * max(n - 1, 1) if n > 1 else [(0,)]}")
    if not path:
        raise bad("the path is empty")
    left = n
    for k, step in enumerate(path):
        if not isinstance(step, (list, tuple)) or not step:
            raise bad(f"step {k} ({step!r}) is not a non-empty tuple of operand indices")
        for i in step:
            if isinstance(i, (bool, np.bool_)) or not isinstance(i, (int, np.integer)):
                raise bad(f"step {k} has the index {i!r}, which is not an int")
            if not 0 <= i < left:
                raise bad(f"step {k} refers to operand {i}, but {left} operand(s) are left "
                          f"at that step (indices 0 to {left - 1})")
        if len(set(step)) != len(step):
            raise bad(f"step {k} {tuple(step)} repeats an operand")
        left -= len(step) - 1
    if left != 1:
        raise bad(f"it leaves {left} operands uncontracted")


def _check_operands(spec: str, parsed: Spec, names: AllNames, shapes: AllShapes,
                    op: str) -> None:
    if parsed.inputs is None:
        return
    if len(parsed.inputs) != len(names):
        raise SpecError(f"{op}: spec {spec!r} has {len(parsed.inputs)} operand(s) but "
                        f"{len(names)} tensor(s) were given")
    for i, (want, have, shape) in enumerate(zip(parsed.inputs, names, shapes)):
        if ELLIPSIS in want:  # the written names must be there; "..." covers the rest
            missing = [n for n in want if n != ELLIPSIS and n not in have]
            if missing:
                extra = [n for n in have if n not in want]
                raise SpecError(
                    f"{op}: operand {i} is {fmt_sizes(have, shape)} but spec {spec!r} writes "
                    f"{list(want)}: the tensor lacks {missing}"
                    f"{_primed(missing, extra) or did_you_mean(missing[0], extra)}")
        elif set(want) != set(have):
            missing = [n for n in want if n not in have]
            extra = [n for n in have if n not in want]
            hint = letters_hint(spec, {n for ns in names for n in ns}) \
                or _primed(missing, extra) or "".join(did_you_mean(m, extra) for m in missing[:1])
            raise SpecError(
                f"{op}: operand {i} is {fmt_sizes(have, shape)} but spec {spec!r} says "
                f"{list(want) or '(0-d)'}: the tensor lacks {missing} and has extra {extra}"
                f"{hint}")


def _primed(missing: Sequence[str], extra: Sequence[str]) -> str:
    """A hint when the spec writes ``seq'`` where the tensor has ``seq``: prime it first."""
    for m in missing:
        if m.endswith("'") and m[:-1] in extra:
            return (f"; prime the tensor's axis first: t.prime({m[:-1]!r}) renames {m[:-1]!r} "
                    f"to {m!r}")
    return ""


def _output(parsed: Spec, names: AllNames) -> tuple[str, ...]:
    """The output names with ``...`` expanded: the names that some operand's ``...`` covers
    and the output does not write, in order of first appearance in the operands' stored
    orders, operand 0 first (the short form has no operand entries: ``...`` covers nothing)."""
    out = parsed.output
    if ELLIPSIS not in out:
        return out
    covered: set[str] = set() if parsed.inputs is None else {
        n for entry, ns in zip(parsed.inputs, names) if ELLIPSIS in entry
        for n in ns if n not in entry}
    every = dict.fromkeys(n for ns in names for n in ns)
    at = out.index(ELLIPSIS)
    return out[:at] + tuple(n for n in every if n in covered and n not in out) + out[at + 1:]


def _check_ellipsis(spec: str, inputs: AllNames, output: tuple[str, ...], names: AllNames,
                    shapes: AllShapes, op: str) -> None:
    """``...`` is implicit too: it contracts only shared names. A name that one operand
    alone has, covered by that operand's ``...`` and not in the output, is an error."""
    for n, i in _lone(names).items():
        entry = inputs[i]
        if ELLIPSIS in entry and n not in entry and n not in output:
            raise SpecError(
                f"{op}: in spec {spec!r}, {n!r} is only in operand {i} "
                f"{fmt_sizes(names[i], shapes[i])}, where '...' covers it, and not in the "
                f"output; '...' contracts names that operands share, and summing {n!r} over "
                f"one operand alone is rarely meant ({_ATTENTION}). Say what you mean: keep it "
                f"with '...' in the output, write {n!r} in operand {i}'s entry to sum it, or "
                f"sum it first (t.sum({n!r}))")


def _full_form(names: AllNames, output: Sequence[str]) -> str:
    return ", ".join(" ".join(ns) for ns in names) + " -> " + " ".join(output)


def _lone(names: AllNames) -> dict[str, int]:
    """``{name: operand}`` for names that exactly one operand has, when two or more
    operands have axes (a 0-d operand shares nothing; one operand is a plain sum)."""
    if sum(1 for ns in names if ns) < 2:
        return {}
    count: dict[str, int] = {}
    where: dict[str, int] = {}
    for i, ns in enumerate(names):
        for n in ns:
            count[n] = count.get(n, 0) + 1
            where[n] = i
    return {n: where[n] for n, c in count.items() if c == 1}


def _check_short_form(spec: str, output: tuple[str, ...], names: AllNames,
                      shapes: AllShapes, op: str) -> None:
    """The short form contracts only shared names: a lone name must be in the output."""
    for n, i in _lone(names).items():
        if n not in output:
            raise SpecError(
                f"{op}: in the short form {spec!r}, {n!r} is only in operand {i} "
                f"{fmt_sizes(names[i], shapes[i])} and not in the output; the short form "
                f"contracts names that operands share, and summing {n!r} over one operand "
                f"alone is rarely meant ({_ATTENTION}). Say what you mean: sum it first "
                f"(t.sum({n!r})), write the full form {_full_form(names, output)!r}, or "
                f"rename the other operand's axis so the names match (t.rename(...), "
                f"k.prime('seq'))")


def _accumulation(dtypes: AllDtypes) -> "tuple[np.dtype[Any] | None, ...]":
    """Bool and small integer contractions accumulate in the dtype ``sum`` returns on JAX
    (int32; int64 with x64): the per-operand casts, or ``()`` when nothing is cast."""
    if any(np.dtype(d).kind not in "biu" for d in dtypes):
        return ()  # a float, complex, bfloat16... operand: normal promotion, nothing to do
    result = np.result_type(*dtypes)
    target = V.accumulation_dtype(result)
    if target == result:
        return ()
    return tuple(None if np.dtype(d) == target else target for d in dtypes)


def _planning_shapes(shapes: AllShapes) -> AllShapes:
    """``shapes`` with every symbolic size (``jax.export``'s, inside ``nt.export``) replaced
    by :data:`STAND_IN`: opt_einsum needs integers. Any order contracts correctly, whatever
    the sizes turn out to be; only its cost depends on them. Equal names were checked to
    have equal sizes (symbolic ones included) before."""
    return tuple(tuple(s if isinstance(s, (int, np.integer)) else STAND_IN for s in shape)
                 for shape in shapes)


@cached(1024)
def plan(spec: str, names: AllNames, shapes: AllShapes, dtypes: AllDtypes,
         optimize: HashableOptimize, op: str = "nt.einsum") -> Plan:
    """The cached contraction recipe for operands with these names and shapes.

    Every check of the arguments happens here, once per key: a repeated call with
    the same (spec, names, sizes, dtypes, optimize) is one cache hit.
    """
    parsed = parse(spec, op)
    if not names:
        raise SpecError(f"{op}: needs at least one tensor")
    _check_optimize(optimize, len(names), op)
    _check_operands(spec, parsed, names, shapes, op)
    broadcast(tuple(zip(names, shapes)), op)  # equal names must have equal sizes
    every = tuple(dict.fromkeys(n for ns in names for n in ns))
    output = _output(parsed, names)
    for n in output:
        if n not in every:
            operands = ', '.join(fmt_sizes(ns, s) for ns, s in zip(names, shapes))
            raise SpecError(f"{op}: output name {n!r} of spec {spec!r} is in no operand; "
                            f"operands are {operands}"
                            f"{letters_hint(spec, every) or did_you_mean(n, every)}")
    if parsed.inputs is None:
        _check_short_form(spec, output, names, shapes, op)
    elif ELLIPSIS in parsed.output or any(ELLIPSIS in entry for entry in parsed.inputs):
        _check_ellipsis(spec, parsed.inputs, output, names, shapes, op)
    to_symbol = symbols(every)
    subscripts = ",".join("".join(to_symbol[n] for n in ns) for ns in names)
    subscripts += "->" + "".join(to_symbol[n] for n in output)
    try:
        path, info = opt_einsum.contract_path(
            subscripts, *_planning_shapes(shapes), shapes=True,
            optimize=list(optimize) if isinstance(optimize, tuple) else optimize)
    except (ValueError, TypeError, KeyError) as e:
        raise SpecError(f"{op}: opt_einsum could not plan spec {spec!r} with "
                        f"optimize={optimize!r}: {e}") from None
    return Plan(subscripts, tuple(tuple(int(i) for i in step) for step in path),
                output, info, {s: n for n, s in to_symbol.items()},
                _accumulation(dtypes))


@cached(1024)
def _dot_spec(names: AllNames, shapes: AllShapes, over: tuple[str, ...], op: str) -> str:
    """The short-form spec of ``nt.dot(over=...)``, after checking ``over``."""
    if not names:
        raise SpecError(f"{op}: needs at least one tensor")
    for n in over:
        V.name(n, op, "over")
    if len(set(over)) != len(over):
        raise AxisNameError(f"{op}: over={list(over)} repeats a name")
    every = tuple(dict.fromkeys(n for ns in names for n in ns))
    for n in over:
        if n not in every:
            operands = ', '.join(fmt_sizes(ns, s) for ns, s in zip(names, shapes)) or "none"
            raise AxisNameError(f"{op}: cannot sum over {n!r}: no operand has it; operands "
                                f"are {operands}{did_you_mean(n, every)}")
    lone = _lone(names)
    keep = tuple(n for n in every if n not in over)
    for n in over:
        if n in lone:
            i = lone[n]
            raise SpecError(
                f"{op}: over={list(over)} includes {n!r}, which only operand {i} "
                f"{fmt_sizes(names[i], shapes[i])} has; nt.dot contracts names that operands "
                f"share, and summing {n!r} over one operand alone is rarely meant "
                f"({_ATTENTION}). Rename the other operand's axis to {n!r} (t.rename(...), "
                f"k.prime('seq')), sum it first (t.sum({n!r})), or write the full form "
                f"nt.einsum({_full_form(names, keep)!r}, ...)")
    return "-> " + " ".join(keep)


# --- operands and the cached lookup -------------------------------------------------
def _operands(args: Sequence[object], op: str, spec: object = "") -> Sequence[NamedTensor]:
    """``args`` as NamedTensors. Scalars become 0-d tensors on the named operands'
    backend, typed as JAX types a Python scalar (weakly); anything else that is not a
    tensor is a ``TypeError`` naming the operand (after a wrong ``spec`` type, which
    explains ``nt.einsum(x, "a b -> a")``)."""
    for a in args:
        if type(a) is not NamedTensor:
            break
    else:
        return cast(Sequence[NamedTensor], args)  # the loop found only NamedTensors
    if not isinstance(spec, str):
        parse(spec, op)
    tensors: list[NamedTensor | None] = []
    scalars: list[tuple[int, Scalar]] = []
    for i, a in enumerate(args):
        if isinstance(a, NamedTensor):
            tensors.append(a)
        elif isinstance(a, _SCALARS):
            tensors.append(None)
            scalars.append((i, a))
        elif hasattr(a, "shape") and hasattr(a, "dtype"):
            tensors.append(as_tensor(a, op))  # a 0-d array, or the "wrap it" TypeError
        else:
            raise TypeError(f"{op}: operand {i} is a {type(a).__name__}; expected a "
                            f"NamedTensor or a scalar (wrap lists and arrays with "
                            f"nt.tensor(x, names))")
    named = [t for t in tensors if t is not None]
    backend = common_backend(named)
    for i, x in scalars:
        dtype = None
        if not isinstance(x, np.generic):  # Python scalars are weakly typed, as in JAX
            dtype = V.accumulation_dtype(_weak_dtype(x, [t._data.dtype for t in named]))
            if dtype.kind in "iu" and isinstance(x, int):  # an int kind: x is an int or bool
                V.fits(x, dtype, op, f"scalar (operand {i})")
        tensors[i] = NamedTensor._new(backend.asarray(x, dtype=dtype), (), backend)
    return cast(list[NamedTensor], tensors)  # every None was replaced by a tensor


def _weak_dtype(x: Scalar, dtypes: "Sequence[np.dtype[Any]]") -> "np.dtype[Any]":
    """The dtype of a Python scalar ``x`` among operands of ``dtypes``, weakly typed as in
    JAX: the operands' own promoted dtype unless ``x`` is of a higher kind (a float among
    integers), then JAX's default of that kind (float32; float64 with x64)."""
    canonical = [jax.dtypes.canonicalize_dtype(d) for d in dtypes]
    joined = np.dtype(jnp.result_type(*canonical, x))
    if dtypes and joined == jnp.result_type(*canonical):
        return np.result_type(*dtypes)
    return joined


def _hashable(optimize: Optimize) -> HashableOptimize:
    """A list path (or steps) as tuples, so that it can key the plan cache."""
    if isinstance(optimize, (list, tuple)):
        return tuple(tuple(s) if isinstance(s, (list, tuple)) else s for s in optimize)
    return optimize


def _lookup(fn: "Callable[[str, AllNames, AllShapes, AllDtypes, HashableOptimize, str], T]",
            spec: str, tensors: Sequence[NamedTensor], optimize: Optimize, op: str,
            over: tuple[str, ...] | None = None) -> T:
    """``fn(spec, names, shapes, dtypes, optimize, op)``: a cached plan or explanation."""
    names = tuple(t._names for t in tensors)
    shapes = tuple(t._data.shape for t in tensors)
    if type(optimize) is not str:
        optimize = _hashable(optimize)
    try:
        if over is not None:
            spec = _dot_spec(names, shapes, over, op)
        return fn(spec, names, shapes, tuple(t._data.dtype for t in tensors), optimize, op)
    except TypeError:  # unhashable spec or optimize: a TypeError or SpecError naming it
        if over is None:
            parse(spec, op)
        _check_optimize(optimize, len(tensors), op)
        raise


def _run(tensors: Sequence[NamedTensor], p: Plan, op: str) -> NamedTensor:
    backend = common_backend(tensors)
    arrays = [data_on(t, backend, op) for t in tensors]
    if p.cast:
        arrays = [a if c is None else backend.xp.astype(a, c) for a, c in zip(arrays, p.cast)]
    try:
        out = backend.einsum(p.subscripts, p.path, *arrays)
    except ValueError:  # JAX refuses operands committed to different devices
        V.devices_agree(tensors, op)
        raise
    return NamedTensor._new(out, p.output, backend)


# --- the public functions ---------------------------------------------------------
def einsum(spec: str, *tensors: Operand, optimize: Optimize = "auto") -> NamedTensor:
    """Contract tensors by axis name.

    ``spec`` is ``"names_1, names_2, ... -> out"``: operand ``i``'s names must
    equal ``tensors[i].names`` as a set (the tensors' own order is used; the
    spec checks, it does not reorder). Names in ``out`` are kept (and batched
    when several operands have them); every other name is summed. An empty
    entry stands for a 0-d operand.

    The short form ``"-> out"`` gives only the output and contracts only names
    that operands share: with two or more operands, a name that one operand alone
    has must be in ``out`` (sum it first, or use the full form, to sum it).

    ``...`` in an operand's entry stands for that operand's names the entry does not
    write; ``...`` in ``out`` for the names some operand's ``...`` covers and ``out``
    does not write, in order of first appearance (operand 0 first). Without ``...`` in
    ``out`` they are summed, but only where two operands share them, as in the short
    form. Names may carry primes (``seq'``): ``k.prime("seq")`` gives attention's key axis.

    Bool and small integer operands accumulate in the dtype ``sum`` returns
    (int32; int64 with x64). The contraction order comes from opt_einsum and is
    cached per (spec, names, sizes, dtypes, optimize), so a repeated call does no
    path search.

    >>> import namedtensor as nt
    >>> x = nt.ones({"batch": 2, "seq": 3, "d": 4})
    >>> w = nt.ones({"d": 4, "h": 5})
    >>> nt.einsum("batch seq d, d h -> batch seq h", x, w).sizes
    {'batch': 2, 'seq': 3, 'h': 5}
    >>> nt.einsum("-> batch seq h", x, w).sizes    # short form: just the output
    {'batch': 2, 'seq': 3, 'h': 5}
    >>> nt.einsum("batch seq d, d h -> h", x, w).tolist()   # lone names summed: full form
    [24.0, 24.0, 24.0, 24.0, 24.0]
    >>> nt.einsum("... d, d h -> ... h", x, w).sizes        # any rank: ... is batch seq
    {'batch': 2, 'seq': 3, 'h': 5}
    >>> nt.einsum("batch seq d, batch seq' d -> seq seq'", x, x.prime("seq")).sizes
    {'seq': 3, "seq'": 3}

    Args:
        spec: the spec string.
        *tensors: NamedTensors (0-d tensors and scalars allowed).
        optimize: opt_einsum's strategy (``"auto"``, ``"greedy"``, ``"optimal"``,
            ``"dp"``, ...), a bool, or an explicit path such as ``[(0, 1), (0, 1)]``.

    Returns:
        A NamedTensor with axes in the order of ``out``.

    Raises:
        TypeError: ``spec`` is not a str, ``optimize`` has a wrong type, or an
            operand is not a tensor or a scalar.
        SpecError: a malformed spec, one that does not match the operands, or a
            bad explicit path.
        AxisSizeError: a name has different sizes in two operands.
        DeviceMismatchError: operands are committed to different devices.
    """
    op = "nt.einsum"
    named = _operands(tensors, op, spec)
    return _run(named, _lookup(plan, spec, named, optimize, op), op)


def dot(*tensors: Operand, over: Names, optimize: Optimize = "auto") -> NamedTensor:
    """Sum over the names in ``over``; keep every other name (shared ones are batched).

    With two or more operands, every name in ``over`` must be in at least two of
    them (a lone name is a ``SpecError``: sum it first with ``t.sum(name)``); with
    one operand ``dot`` is a plain sum. Output order: first appearance across the
    operands.

    >>> import namedtensor as nt
    >>> a = nt.tensor([[1.0, 2.0], [3.0, 4.0]], "i k")
    >>> b = nt.tensor([1.0, 1.0], "k")
    >>> nt.dot(a, b, over="k").tolist()
    [3.0, 7.0]

    Args:
        *tensors: NamedTensors (0-d tensors and scalars allowed).
        over: a name, or a sequence of names.
        optimize: as in :func:`einsum`.

    Returns:
        A NamedTensor with every name not in ``over``, in order of first appearance.
    """
    op = "nt.dot"
    group = V.name_group(over, op, "over")
    named = _operands(tensors, op)
    return _run(named, _lookup(plan, "", named, optimize, op, group), op)  # spec from over


# one pairwise step of a contraction: ((input names, ...), output names)
Step: TypeAlias = tuple[tuple[tuple[str, ...], ...], tuple[str, ...]]


class Explanation(NamedTuple):
    """What ``nt.explain`` found: ``str()`` gives a readable report."""
    steps: tuple[Step, ...]  # ((input names, ...), output names) per pairwise step
    naive_flops: int
    optimized_flops: int
    largest_intermediate: tuple[tuple[str, ...], int]  # (names, element count)

    def __str__(self) -> str:
        lines = [f"contraction in {len(self.steps)} step(s):"]
        for i, (inputs, out) in enumerate(self.steps, 1):
            lines.append(f"  {i}. " + " , ".join(" ".join(x) or "()" for x in inputs)
                         + " -> " + (" ".join(out) or "()"))
        speedup = self.naive_flops / max(self.optimized_flops, 1)
        names, size = self.largest_intermediate
        lines += [f"naive FLOPs:     {self.naive_flops:.4g}",
                  f"optimized FLOPs: {self.optimized_flops:.4g}  ({speedup:.3g}x fewer)",
                  f"largest intermediate: ({' '.join(names)}) with {size} elements"]
        return "\n".join(lines)


def explain(spec: str, *tensors: Operand, optimize: Optimize = "auto") -> Explanation:
    """Report the contraction order (in axis names), FLOP counts and largest intermediate.

    It checks its arguments exactly as :func:`einsum` does.

    >>> import namedtensor as nt
    >>> a, b = nt.ones({"i": 8, "j": 512}), nt.ones({"j": 512, "k": 512})
    >>> c = nt.ones({"k": 512, "l": 8})
    >>> print(nt.explain("i j, j k, k l -> i l", a, b, c))  # doctest: +NORMALIZE_WHITESPACE
    contraction in 2 step(s):
      1. j k , i j -> k i
      2. k i , k l -> i l
    naive FLOPs:     5.033e+07
    optimized FLOPs: 4.26e+06  (11.8x fewer)
    largest intermediate: (k i) with 4096 elements
    """
    op = "nt.explain"
    return _lookup(_explanation, spec, _operands(tensors, op, spec), optimize, op)


@cached(256)
def _explanation(spec: str, names: AllNames, shapes: AllShapes,
                 dtypes: AllDtypes, optimize: HashableOptimize,
                 op: str) -> Explanation:
    p = plan(spec, names, shapes, dtypes, optimize, op)
    name = p.names.__getitem__  # every symbol has a name
    steps: list[Step] = []
    largest: tuple[tuple[str, ...], int] = ((), 0)
    for step in p.info.contraction_list:
        lhs, out = step[2].split("->")
        entry = (tuple(tuple(name(s) for s in term) for term in lhs.split(",")),
                 tuple(name(s) for s in out))
        steps.append(entry)
        size = 1
        for s in out:
            size *= p.info.size_dict[s]
        if size > largest[1] or not largest[0]:
            largest = (entry[1], size)
    return Explanation(tuple(steps), int(p.info.naive_cost), int(p.info.opt_cost), largest)
