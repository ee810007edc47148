"""Contraction by name: names -> opt_einsum symbols, cached plans, explain.

A plan depends only on (spec, names, sizes, dtypes, optimize): it is computed
once (path search included) and cached; the backend executes its order.
"""

from typing import NamedTuple

import opt_einsum

from ._caches import cached
from ._errors import AxisNameError, SpecError
from ._names import broadcast, did_you_mean, fmt_sizes
from ._ops import as_tensor, common_backend, data_on
from ._spec import parse
from ._tensor import NamedTensor

__all__ = ["einsum", "dot", "explain"]

_STRATEGIES = ("auto", "auto-hq", "optimal", "dp", "greedy", "random-greedy",
               "random-greedy-128", "branch-all", "branch-2", "branch-1", "eager")


def symbols(names):
    """The one place names become einsum symbols: name -> ``opt_einsum.get_symbol(i)``."""
    return {n: opt_einsum.get_symbol(i) for i, n in enumerate(names)}


class Plan(NamedTuple):
    subscripts: str  # in symbols, operands in their stored axis order
    path: tuple  # opt_einsum's pairwise contraction order
    output: tuple  # output names
    info: object  # opt_einsum.PathInfo (for explain)
    names: dict  # symbol -> name


def _check_operands(spec, parsed, names, shapes, op):
    if parsed.inputs is None:
        return
    if len(parsed.inputs) != len(names):
        raise SpecError(f"{op}: spec {spec!r} has {len(parsed.inputs)} operand(s) but "
                        f"{len(names)} tensor(s) were given")
    for i, (want, have, shape) in enumerate(zip(parsed.inputs, names, shapes)):
        if set(want) != set(have):
            missing = [n for n in want if n not in have]
            extra = [n for n in have if n not in want]
            hint = "".join(did_you_mean(m, extra) for m in missing[:1])
            raise SpecError(
                f"{op}: operand {i} is {fmt_sizes(have, shape)} but spec {spec!r} says "
                f"{list(want) or '(0-d)'}: the tensor lacks {missing} and has extra {extra}"
                f"{hint}")


@cached(1024)
def plan(spec, names, shapes, dtypes, optimize, op="nt.einsum"):
    """The cached contraction recipe for operands with these names and shapes."""
    parsed = parse(spec, op)
    _check_operands(spec, parsed, names, shapes, op)
    broadcast(tuple(zip(names, shapes)), op)  # equal names must have equal sizes
    every = tuple(dict.fromkeys(n for ns in names for n in ns))
    for n in parsed.output:
        if n not in every:
            raise SpecError(f"{op}: output name {n!r} of spec {spec!r} is in no operand; "
                            f"operands are {', '.join(fmt_sizes(ns, s) for ns, s in zip(names, shapes))}"
                            f"{did_you_mean(n, every)}")
    to_symbol = symbols(every)
    subscripts = ",".join("".join(to_symbol[n] for n in ns) for ns in names)
    subscripts += "->" + "".join(to_symbol[n] for n in parsed.output)
    if isinstance(optimize, str) and optimize not in _STRATEGIES:
        raise SpecError(f"{op}: unknown optimize={optimize!r}; choose one of "
                        f"{list(_STRATEGIES)}, a bool, or an explicit path")
    try:
        path, info = opt_einsum.contract_path(
            subscripts, *shapes, shapes=True,
            optimize=list(optimize) if isinstance(optimize, tuple) else optimize)
    except (ValueError, TypeError, KeyError) as e:
        raise SpecError(f"{op}: opt_einsum could not plan spec {spec!r} with "
                        f"optimize={optimize!r}: {e}") from None
    return Plan(subscripts, tuple(map(tuple, path)), parsed.output, info,
                {s: n for n, s in to_symbol.items()})


def _prepare(spec, tensors, optimize, op):
    tensors = [t if type(t) is NamedTensor else as_tensor(t, op) for t in tensors]
    if not tensors:
        raise SpecError(f"{op}: needs at least one tensor")
    return tensors, plan(*_key(spec, tensors, optimize), op)


def _key(spec, tensors, optimize):
    """The cache key (spec, names, sizes, dtypes, optimize); lists become tuples."""
    if isinstance(optimize, list):
        optimize = tuple(map(tuple, optimize))
    return (spec, tuple(t._names for t in tensors), tuple(t._data.shape for t in tensors),
            tuple(t._data.dtype for t in tensors), optimize)


def _run(tensors, p):
    backend = common_backend(tensors)
    arrays = [data_on(t, backend) for t in tensors]
    return NamedTensor._new(backend.einsum(p.subscripts, p.path, *arrays), p.output, backend)


def einsum(spec, *tensors, optimize="auto"):
    """Contract tensors by axis name.

    ``spec`` is ``"names_1, names_2, ... -> out"``: operand ``i``'s names must
    equal ``tensors[i].names`` as a set (the tensors' own order is used; the
    spec checks, it does not reorder). Names in ``out`` are kept (and batched
    when several operands have them); every other name is summed. ``"-> out"``
    gives only the output; an empty entry stands for a 0-d operand.

    The contraction order comes from opt_einsum and is cached per (spec,
    names, sizes, dtypes, optimize), so a repeated call does no path search.

    >>> import namedtensor as nt
    >>> x = nt.ones({"batch": 2, "seq": 3, "d": 4})
    >>> w = nt.ones({"d": 4, "h": 5})
    >>> nt.einsum("batch seq d, d h -> batch seq h", x, w).sizes
    {'batch': 2, 'seq': 3, 'h': 5}
    >>> nt.einsum("-> h", x, w).tolist()
    [24.0, 24.0, 24.0, 24.0, 24.0]

    Args:
        spec: the spec string.
        *tensors: NamedTensors (0-d tensors and scalars allowed).
        optimize: opt_einsum's strategy (``"auto"``, ``"greedy"``, ``"optimal"``,
            ``"dp"``, ...) or an explicit path.

    Returns:
        A NamedTensor with axes in the order of ``out``.
    """
    return _run(*_prepare(spec, tensors, optimize, "nt.einsum"))


def dot(*tensors, over, optimize="auto"):
    """Sum over the names in ``over``; keep every other name (shared ones are batched).

    Output order: first appearance across the operands.

    >>> import namedtensor as nt
    >>> a = nt.tensor([[1.0, 2.0], [3.0, 4.0]], "i k")
    >>> b = nt.tensor([1.0, 1.0], "k")
    >>> nt.dot(a, b, over="k").tolist()
    [3.0, 7.0]
    """
    op = "nt.dot"
    tensors = [as_tensor(t, op) for t in tensors]
    over = (over,) if isinstance(over, str) else tuple(over)
    every = tuple(dict.fromkeys(n for t in tensors for n in t._names))
    for n in over:
        if n not in every:
            raise AxisNameError(f"{op}: cannot sum over {n!r}: no operand has it; operands "
                                f"are {', '.join(str(t) .splitlines()[0] for t in tensors)}"
                                f"{did_you_mean(n, every)}")
    spec = "-> " + " ".join(n for n in every if n not in over)
    return _run(*_prepare(spec, tensors, optimize, op))


class Explanation(NamedTuple):
    """What ``nt.explain`` found: ``str()`` gives a readable report."""
    steps: tuple  # ((input names, ...), output names) per pairwise step
    naive_flops: int
    optimized_flops: int
    largest_intermediate: tuple  # (names, element count)

    def __str__(self):
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


def explain(spec, *tensors, optimize="auto"):
    """Report the contraction order (in axis names), FLOP counts and largest intermediate.

    >>> import namedtensor as nt
    >>> a, b, c = nt.ones({"i": 8, "j": 512}), nt.ones({"j": 512, "k": 512}), nt.ones({"k": 512, "l": 8})
    >>> print(nt.explain("i j, j k, k l -> i l", a, b, c))  # doctest: +NORMALIZE_WHITESPACE
    contraction in 2 step(s):
      1. j k , i j -> k i
      2. k i , k l -> i l
    naive FLOPs:     5.033e+07
    optimized FLOPs: 4.26e+06  (11.8x fewer)
    largest intermediate: (k i) with 4096 elements
    """
    return _explanation(*_key(spec, [as_tensor(t, "nt.explain") for t in tensors], optimize))


@cached(256)
def _explanation(spec, names, shapes, dtypes, optimize):
    p = plan(spec, names, shapes, dtypes, optimize, "nt.explain")
    name = p.names.get
    steps, largest = [], ((), 0)
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
