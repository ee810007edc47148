"""Fuzz-table entries of the display surface (SPEC section 17): ``t._repr_html_``,
``t.plot`` and treescope's two hooks on NamedTensor.

``_fuzz_table`` imports this module at its bottom, so ``entries()`` imports it inside.
"""


def _plot(self, ax):
    """``t.plot(ax)`` on the Agg backend, every figure closed afterwards (none leaks)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    try:
        return self.plot(ax)
    finally:
        plt.close("all")


def _render_to_text(self):
    import treescope
    return treescope.render_to_text(self)


def _render_array(self):
    import treescope
    return treescope.render_array(self)


def entries():
    """The display entries: each a method-style call (args[0] is the tensor)."""
    from _fuzz_table import Entry, _method

    def add(name, build, words, covers, kinds=()):
        e.append(Entry(name, words, build, covers, kinds, method=True))

    e = []
    add("t._repr_html_", lambda f: (_method("_repr_html_"), (f.t,), {}), ("_repr_html_",),
        ("nt.NamedTensor._repr_html_",))
    add("t.plot", lambda f: (_plot, (f.t, None), {}), ("plot",), ("nt.NamedTensor.plot",),
        ("", "ax"))
    add("treescope.render_to_text(t)", lambda f: (_render_to_text, (f.t,), {}),
        ("treescope", "NamedTensor"), ("nt.NamedTensor.__treescope_repr__",))
    add("treescope.render_array(t)", lambda f: (_render_array, (f.t,), {}),
        ("render_array",), ("nt.NamedTensor.__treescope_ndarray_adapter__",))
    return e
