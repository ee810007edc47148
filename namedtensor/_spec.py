"""Einsum spec parsing into an immutable, cached recipe.

``"batch seq d_model, d_model d_ff -> batch seq d_ff"`` parses to
``Spec(inputs=(("batch", "seq", "d_model"), ("d_model", "d_ff")),
output=("batch", "seq", "d_ff"))``. The short form ``"-> out"`` has
``inputs=None``: the operands' own names are used. ``...`` (with or without spaces
around it: ``"...d"``) is kept as the entry :data:`ELLIPSIS`; the plan expands it
against the operands' names (``"... d_model, d_model d_ff -> ... d_ff"``).
"""

from collections.abc import Iterable
from typing import NamedTuple

from ._caches import cached
from ._errors import SpecError
from ._names import IDENTIFIER, did_you_mean, name_problem, prime_hint

ELLIPSIS = "..."


class Spec(NamedTuple):
    inputs: tuple[tuple[str, ...], ...] | None  # None: the short form "-> out"
    output: tuple[str, ...]


def letters_hint(spec: str, names: Iterable[str] | None = None) -> str:
    """For a NumPy-style spec (``"bse,eh->bsh"``): a hint that names are space-separated
    words, with the spec rewritten that way; ``""`` for anything else.

    ``names``: the operands' axis names, when known; every letter must be one of them.
    """
    left, arrow, right = spec.partition("->")
    entries = left.split(",") if left.strip() else []
    words = [e.split() for e in entries + [right]]
    if not arrow or any(len(w) > 1 for w in words):
        return ""
    flat = [w[0] for w in words if w]
    if not any(len(w) > 1 for w in flat) or not all(w.isascii() and w.isalpha() for w in flat):
        return ""
    known = set(names) if names is not None else {c for w in words[:-1] for c in "".join(w)}
    if not {c for w in flat for c in w} <= known:
        return ""
    spaced = ", ".join(" ".join(w[0]) if w else "" for w in words[:-1])
    spaced = (spaced + " -> " if entries else "-> ") + (" ".join(words[-1][0]) if words[-1] else "")
    return (f"; names are space-separated words, not single letters as in np.einsum: "
            f"did you mean {spaced.strip()!r}?")


def _entry(text: str, where: str, spec: str, op: str) -> tuple[str, ...]:
    names = tuple(text.replace(ELLIPSIS, f" {ELLIPSIS} ").split())
    if names.count(ELLIPSIS) > 1:
        raise SpecError(f"{op}: {where} of spec {spec!r} has '...' more than once; '...' "
                        f"stands for all the names the entry does not write")
    problem = name_problem(tuple(n for n in names if n != ELLIPSIS))
    if problem and problem[0] == "invalid":
        raise SpecError(f"{op}: invalid axis name {problem[1]!r} in {where} of spec {spec!r}; "
                        f"names are separated by spaces, and {IDENTIFIER}")
    if problem:
        raise SpecError(f"{op}: {where} of spec {spec!r} repeats {problem[1]}; each name "
                        f"appears once per operand (there are no diagonals)"
                        f"{prime_hint(problem[1][0])}")
    return names


def parse(spec: object, op: str = "nt.einsum") -> Spec:
    """Parse ``spec`` once; later calls with the same string are a cache hit.

    A spec that is not a ``str`` is a ``TypeError`` naming ``op``; a malformed one a
    :class:`SpecError`.
    """
    if not isinstance(spec, str):
        first = (" (the spec comes first: nt.einsum('a b, b c -> a c', x, y))"
                 if hasattr(type(spec), "names") else "")
        raise TypeError(f"{op}: spec must be a str such as 'a b, b c -> a c', got "
                        f"{type(spec).__name__}{first}")
    return _parse(spec, op)


@cached(1024)
def _parse(spec: str, op: str) -> Spec:
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
    if ELLIPSIS in seen:  # a name may come from an operand's "...": checked by the plan
        return Spec(inputs, output)
    for n in output:
        if n not in seen and n != ELLIPSIS:
            raise SpecError(f"{op}: output name {n!r} of spec {spec!r} is in no operand"
                            f"{letters_hint(spec) or did_you_mean(n, seen)}")
    return Spec(inputs, output)
