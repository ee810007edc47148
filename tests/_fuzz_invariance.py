"""Fuzz-table entries for namedtensor.testing.check_invariance (wired into
_fuzz_table.ENTRIES, which imports this module at its bottom: import it lazily)."""


class _Draw:
    """A stand-in for the fuzz test's ``st.data()``: draws with ``_fuzz_table.DRAW``
    (``data.draw`` inside the fuzz's ``@given``, ``strategy.example()`` outside)."""

    def draw(self, strategy, label=None):
        from _fuzz_table import DRAW
        return DRAW[0](strategy)


def entries():
    import namedtensor.testing as ntt
    from _fuzz_table import Entry, _double

    name = "namedtensor.testing.check_invariance"
    # check_invariance documents AssertionError for a function whose result depends on
    # the inputs' axis order or names. It draws through data= (never nesting @given in
    # the fuzz's own); a huge number of examples is a long run, not a bad input.
    return [Entry(name, ("check_invariance", "multiply"), lambda f: (
        ntt.check_invariance, (_double, f.t),
        dict(examples=2, data=_Draw(), rtol=1e-4, atol=1e-5)), (name,),
        allow=(AssertionError,), exclude=(("examples", "2**70"),))]
