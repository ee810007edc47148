# ruff: noqa: F722, F821  (nt.T["a b"] holds names, not forward references)
"""What a checked signature costs per call: ``@nt.typed`` against the same function
unchecked, and jaxtyping + beartype on raw JAX arrays of the same shapes. Run:
``python benchmarks/typed.py``.

Target: at most 2 µs added per call by ``nt.typed`` once the names and sizes have been
seen (the check is a cached lookup). The functions do no work (they return an argument),
so the numbers are the checks' own cost; samples are interleaved, medians reported.

1. three tensor arguments and a result, by position (the cached fast path);
2. the same called with keywords (the general path: arguments bound to parameters);
3. a dict of three tensors (a pytree argument, checked leaf by leaf).
"""

import namedtensor as nt
from _harness import QUICK, Table, write_section

NOTE = ("Target: at most 2 µs added per cached call by nt.typed. A sample of the checked "
        "function lasts longer than one of the unchecked function, so on a loaded machine it is "
        "interrupted more often: the medians then overstate the cost, and the fastest samples "
        "are the better estimate.\n")
INNER = 200 if QUICK else 2000  # calls per sample: each call is around a microsecond
REPEAT = 40


# --- the functions -------------------------------------------------------------------------
def plain(x, w, b):
    return x


@nt.typed
def typed(x: nt.T["batch d"], w: nt.T["d h"], b: nt.T["h"]) -> nt.T["batch d"]:
    return x


def plain_tree(params, x):
    return x


@nt.typed
def typed_tree(params: dict[str, nt.T["d h"]], x: nt.T["batch d"]) -> nt.T["batch d"]:
    return x


def _jaxtyped():
    """The same functions under jaxtyping + beartype, or ``None`` if they are not installed."""
    try:
        from beartype import beartype
        from jaxtyping import Array, Float, jaxtyped
    except ImportError:
        return None

    @jaxtyped(typechecker=beartype)
    def checked(x: Float[Array, "batch d"], w: Float[Array, "d h"],
                b: Float[Array, " h"]) -> Float[Array, "batch d"]:
        return x

    @jaxtyped(typechecker=beartype)
    def checked_tree(params: dict[str, Float[Array, "d h"]],
                     x: Float[Array, "batch d"]) -> Float[Array, "batch d"]:
        return x

    return checked, checked_tree


def _loop(fn, *args, **kwargs):
    def run():
        for _ in range(INNER):
            fn(*args, **kwargs)
    return run


def main():
    x, w, b = nt.ones({"batch": 8, "d": 16}), nt.ones({"d": 16, "h": 32}), nt.ones({"h": 32})
    params = {"w1": w, "w2": w, "w3": w}
    ax, aw, ab = x.data, w.data, b.data
    arrays = {k: v.data for k, v in params.items()}
    other = _jaxtyped()
    table = Table(f"Per-call cost of a checked signature (a function that returns its "
                  f"argument; {INNER} calls per sample)", "unchecked")
    cases = {
        "3 tensors, by position": (
            _loop(plain, x, w, b), _loop(typed, x, w, b),
            other and _loop(other[0], ax, aw, ab), _loop(plain, ax, aw, ab)),
        "3 tensors, by keyword": (
            _loop(plain, x=x, w=w, b=b), _loop(typed, x=x, w=w, b=b),
            other and _loop(other[0], x=ax, w=aw, b=ab), _loop(plain, x=ax, w=aw, b=ab)),
        "dict of 3 tensors + 1": (
            _loop(plain_tree, params, x), _loop(typed_tree, params, x),
            other and _loop(other[1], arrays, ax), _loop(plain_tree, arrays, ax)),
    }
    lines = []
    print(f"(each timing below is one sample of {INNER} calls; RESULTS.md shows them per call)")
    for case, (unchecked, checked, jaxtyping_fn, unchecked_arrays) in cases.items():
        variants = {"unchecked": unchecked, "nt.typed": checked}
        if jaxtyping_fn is not None:
            variants["unchecked, raw arrays"] = unchecked_arrays
            variants["jaxtyping+beartype"] = jaxtyping_fn
        table.compare(case, variants, warmup=2, repeat=REPEAT)
    table.rows = [(c, v, nt.BenchmarkResult(r.median / INNER, r.min / INNER, r.max / INNER,
                                            tuple(t / INNER for t in r.times)))
                  for c, v, r in table.rows]
    medians = {(c, v): r.median for c, v, r in table.rows}
    mins = {(c, v): r.min for c, v, r in table.rows}
    for case in cases:
        added = (medians[(case, "nt.typed")] - medians[(case, "unchecked")]) * 1e6
        fastest = (mins[(case, "nt.typed")] - mins[(case, "unchecked")]) * 1e6
        line = f"- {case}: nt.typed adds **{added:.2f} µs** per call (fastest samples: " \
               f"{fastest:.2f} µs)"
        if (case, "jaxtyping+beartype") in medians:
            other_added = (medians[(case, "jaxtyping+beartype")]
                           - medians[(case, "unchecked, raw arrays")]) * 1e6
            line += f"; jaxtyping+beartype adds {other_added:.1f} µs ({other_added / added:.0f}×)"
        lines.append(line)
        print(line)
    note = "" if other else "\n(jaxtyping or beartype is not installed: their rows are left out.)\n"
    write_section("typed", "## Checked signatures: nt.typed\n\n" + table.markdown() + "\n"
                  + "\n".join(lines) + "\n\n" + NOTE + note)


if __name__ == "__main__":
    main()
