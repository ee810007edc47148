# ruff: noqa: F722, F821  (nt.T["a b"] holds names, not forward references)
"""Fuzz-table entries for ``nt.typed`` (the decorator applied, then the function called) and
``nt.T[...]``; ``_fuzz_table`` adds them to its ENTRIES."""

import namedtensor as nt


def _typed_mix(x: nt.T["a b"], w: nt.T["b"]) -> nt.T["a b"]:
    return x * w


def _typed_tree(xs: dict[str, nt.T["a b"]],
                pair: tuple[nt.T["a ..."], ...]) -> tuple[nt.T["a ..."], ...]:
    return pair


def _annotation(key):
    return nt.T[key]


def entries():
    from _fuzz_table import Entry, _t  # that module imports this one at its bottom

    return [
        Entry("nt.typed(f)(x, w)", ("_typed_mix", "typed"), lambda f: (
            lambda fn, x, w: nt.typed(fn)(x, w), (_typed_mix, f.t, _t(f.backend, {"b": 3})),
            {}), ("nt.typed",), ("", "", "")),
        Entry("nt.typed(f)(pytree)", ("_typed_tree", "typed"), lambda f: (
            nt.typed(_typed_tree), ({"x": f.t}, (f.t, _t(f.backend, {"a": 2}))), {}),
              ("nt.typed",)),
        Entry("nt.T[names]", ("nt.T",), lambda f: (_annotation, ("a b ...",), {}), ("nt.T",),
              ("names",), backends=("jax",)),
        Entry("nt.T[names, dtype]", ("nt.T",), lambda f: (_annotation, (("a b", "float32"),),
                                                          {}), ("nt.T",), backends=("jax",)),
    ]
