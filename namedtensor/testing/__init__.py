"""Testing helpers for named code: :func:`assert_allclose` and hypothesis ``strategies``.

>>> import namedtensor as nt
>>> from namedtensor.testing import assert_allclose
>>> t = nt.tensor([[1.0, 2.0]], "a b")
>>> assert_allclose(t.align_to("b", "a"), t)
"""

import numpy as np

from .._tensor import NamedTensor

__all__ = ["assert_allclose", "strategies"]


def _as_named(x, like, which):
    if isinstance(x, NamedTensor):
        return x
    if np.ndim(x) == 0:
        return None if like.ndim else x
    raise AssertionError(f"assert_allclose: {which} is a positional {type(x).__name__} of "
                         f"shape {np.shape(x)}; compare NamedTensors so that names are checked")


def assert_allclose(actual, desired, rtol=1e-6, atol=0, *, err_msg=""):
    """Assert two named tensors are equal up to tolerance, whatever their axis order.

    Names must be equal as sets and sizes must agree; the failure message
    lists missing/extra names and size differences before any value difference.
    Values are compared after aligning ``desired`` to ``actual``'s axis order.

    >>> import namedtensor as nt
    >>> from namedtensor.testing import assert_allclose
    >>> assert_allclose(nt.tensor([1.0, 2.0], "x"), nt.tensor([1.0, 2.0 + 1e-9], "x"))
    >>> try:
    ...     assert_allclose(nt.zeros({"x": 2}), nt.zeros({"y": 2}))
    ... except AssertionError as e:
    ...     print(str(e).splitlines()[0])
    names differ: actual (x=2) has extra ['x'] and lacks ['y']

    Args:
        actual, desired: NamedTensors (a scalar is accepted for a 0-d comparison).
        rtol, atol: tolerances as in ``numpy.testing.assert_allclose``.
        err_msg: extra text for the failure message.
    """
    a = actual if isinstance(actual, NamedTensor) else None
    d = desired if isinstance(desired, NamedTensor) else None
    if a is None and d is None:
        np.testing.assert_allclose(actual, desired, rtol=rtol, atol=atol, err_msg=err_msg)
        return
    if a is None:
        return assert_allclose(desired, actual, rtol, atol, err_msg=err_msg)
    d = _as_named(desired, a, "desired")
    if d is None:
        raise AssertionError(f"assert_allclose: desired is a scalar but actual has axes "
                             f"{a.sizes}")
    if not isinstance(d, NamedTensor):
        np.testing.assert_allclose(a.numpy(), d, rtol=rtol, atol=atol, err_msg=err_msg)
        return
    sa, sd = a.sizes, d.sizes
    header = f"actual {_fmt(sa)} vs desired {_fmt(sd)}"
    if set(sa) != set(sd):
        extra = sorted(set(sa) - set(sd))
        missing = sorted(set(sd) - set(sa))
        raise AssertionError(f"names differ: actual {_fmt(sa)} has extra {extra} and lacks "
                             f"{missing}\n{header}\n{err_msg}".rstrip())
    sizes = {n: (sa[n], sd[n]) for n in sa if sa[n] != sd[n]}
    if sizes:
        raise AssertionError(f"sizes differ (actual, desired): {sizes}\n{header}\n"
                             f"{err_msg}".rstrip())
    np.testing.assert_allclose(
        a.numpy(), d.align_to(*a.names).numpy(), rtol=rtol, atol=atol,
        err_msg=f"values differ; axes in order {a.names}. {err_msg}".strip())


def _fmt(sizes):
    return "(" + ", ".join(f"{n}={s}" for n, s in sizes.items()) + ")"


def __getattr__(name):  # hypothesis is an optional dependency: import strategies lazily
    if name == "strategies":
        import importlib
        return importlib.import_module(f"{__name__}.strategies")
    raise AttributeError(name)
