"""Fuzz-table entries for ``nt.check`` (issue 13); ``_fuzz_table`` adds them to ENTRIES.

The imports from ``_fuzz_table`` are inside :func:`entries`: that module imports this one
at its bottom, after ``Entry`` and the helpers exist.
"""

import namedtensor as nt


def _concat_layer(x, ws):
    """Only library calls on its arguments: a bad value is the library's to refuse."""
    w = nt.concat(ws, "b")
    return {"out": nt.tanh(nt.dot(x, w, over="a")), "norm": [nt.sum(w * w), 2]}


def entries():
    from _fuzz_table import Entry, _double, _loss

    e = []

    def add(name, words, build, covers, kinds=(), backends=("jax", "numpy"), **kw):
        e.append(Entry(name, words, build, covers, kinds, backends=backends, **kw))

    add("nt.check", ("check", "multiply"),
        lambda f: (nt.check, (_double, f.t), {}), ("nt.check",))
    add("nt.check(spec)", ("check", "multiply"),
        lambda f: (nt.check, (_double, nt.TensorSpec({"a": None, "b": 3})), {}), ("nt.check",))
    add("nt.check(tree)", ("check", "dot", "tanh", "multiply", "sum", "concat"), lambda f: (
        nt.check, (_concat_layer, nt.TensorSpec({"batch": None, "a": 2}),
                 [nt.TensorSpec({"a": 2, "b": 3}), f.t]), {}), ("nt.check",))
    add("nt.check(nt.jit(grad))", ("check", "multiply", "sum", "grad", "jit"), lambda f: (
        nt.check, (nt.jit(nt.grad(_loss)), f.t), {}), ("nt.check",))
    return e
