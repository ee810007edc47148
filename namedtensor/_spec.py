"""Einsum spec parsing into an immutable, cached recipe.

``"batch seq d_model, d_model d_ff -> batch seq d_ff"`` parses to
``Spec(inputs=(("batch", "seq", "d_model"), ("d_model", "d_ff")),
output=("batch", "seq", "d_ff"))``. The short form ``"-> out"`` has
``inputs=None``: the operands' own names are used.
"""

from typing import NamedTuple, Optional

from ._caches import cached
from ._errors import SpecError
from ._names import did_you_mean, name_problem


class Spec(NamedTuple):
    inputs: Optional[tuple]
    output: tuple


def _entry(text, where, spec, op):
    names = tuple(text.split())
    problem = name_problem(names)
    if problem and problem[0] == "invalid":
        raise SpecError(f"{op}: invalid axis name {problem[1]!r} in {where} of spec {spec!r}; "
                        f"names are Python identifiers separated by spaces")
    if problem:
        raise SpecError(f"{op}: {where} of spec {spec!r} repeats {problem[1]}; each name "
                        f"appears once per operand (there are no diagonals)")
    return names


@cached(1024)
def parse(spec, op="nt.einsum"):
    """Parse ``spec`` once; later calls with the same string are a cache hit."""
    if not isinstance(spec, str):
        raise SpecError(f"{op}: spec must be a string such as 'a b, b c -> a c', "
                        f"got {type(spec).__name__}")
    if spec.count("->") != 1:
        raise SpecError(f"{op}: spec {spec!r} must contain exactly one '->' "
                        f"(found {spec.count('->')})")
    left, right = spec.split("->")
    output = _entry(right, "the output", spec, op)
    if not left.strip():
        return Spec(None, output)
    inputs = tuple(_entry(part, f"operand {i}", spec, op)
                   for i, part in enumerate(left.split(",")))
    seen = {n for names in inputs for n in names}
    for n in output:
        if n not in seen:
            raise SpecError(f"{op}: output name {n!r} of spec {spec!r} is in no operand"
                            f"{did_you_mean(n, seen)}")
    return Spec(inputs, output)
