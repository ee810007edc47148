"""Name-aware gradients: thin wrappers over JAX's transforms.

NamedTensor is a JAX pytree whose names are static, so gradients come back
with their primal's names; these wrappers add what JAX cannot know: a 0-d
output check that names the offending axes, realignment of tangents and
cotangents by name (order is layout, not meaning), and decorator use with or
without arguments.

>>> import namedtensor as nt
>>> from namedtensor.grad import grad
>>> @grad
... def loss(w):
...     return (w * w).sum()
>>> g = loss(nt.tensor([1.0, 2.0], "feat"))
>>> g.names, g.tolist()
(('feat',), [2.0, 4.0])
"""

import functools

import jax
import numpy as np

from namedtensor._errors import AxisNameError, NamedTensorError
from namedtensor._names import fmt_sizes
from namedtensor._tensor import NamedTensor
from namedtensor._transforms import realign

__all__ = ["grad", "value_and_grad", "vjp", "jvp", "check_grads"]


def _is_named(x):
    return isinstance(x, NamedTensor)


def _scalar_output(out, op):
    if isinstance(out, NamedTensor):
        if out.names:
            raise AxisNameError(
                f"{op}: f must return a 0-d tensor or a scalar, but it returned a tensor with "
                f"axes {fmt_sizes(out.names, out.shape)}; reduce them first, e.g. "
                f"out.sum() or out.mean({list(out.names)!r})")
        return out.data
    if np.ndim(out) != 0:
        raise NamedTensorError(f"{op}: f must return a 0-d tensor or a scalar, got a "
                               f"{type(out).__name__} of shape {np.shape(out)}")
    return out


def _check_inexact(args, argnums, op):
    for i in (argnums,) if isinstance(argnums, int) else argnums:
        for leaf in jax.tree_util.tree_leaves(args[i], is_leaf=_is_named):
            dtype = np.result_type(leaf.dtype if hasattr(leaf, "dtype") else type(leaf))
            if not np.issubdtype(dtype, np.inexact):
                what = fmt_sizes(leaf.names, leaf.shape) if _is_named(leaf) else type(leaf).__name__
                raise TypeError(f"{op}: argument {i} {what} has dtype {dtype}; gradients need "
                                f"float inputs (use t.astype('float32'))")


def value_and_grad(f=None, argnums=0, has_aux=False):
    """``f``'s value (as ``f`` returned it) and its gradient; gradients keep their primal's names.

    >>> import namedtensor as nt
    >>> from namedtensor.grad import value_and_grad
    >>> value, g = value_and_grad(lambda w: (w * 3.0).sum())(nt.ones({"x": 2}))
    >>> value.names, float(value), g.tolist()
    ((), 6.0, [3.0, 3.0])

    Usable as ``@value_and_grad`` or ``@value_and_grad(argnums=1, has_aux=True)``.
    """
    if f is None:
        return functools.partial(value_and_grad, argnums=argnums, has_aux=has_aux)
    op = "value_and_grad"

    def split(*args, **kwargs):
        out = f(*args, **kwargs)
        value, aux = out if has_aux else (out, None)
        return _scalar_output(value, op), (value, aux)

    inner = jax.value_and_grad(split, argnums=argnums, has_aux=True)

    @functools.wraps(f)
    def wrapped(*args, **kwargs):
        _check_inexact(args, argnums, op)
        (_, (value, aux)), grads = inner(*args, **kwargs)
        return ((value, aux) if has_aux else value), grads

    return wrapped


def grad(f=None, argnums=0, has_aux=False):
    """The gradient of a function returning a 0-d tensor (or scalar).

    Python control flow on values works (eager tracing, as in ``jax.grad``): branch on a
    comparison such as ``if (y.sum() > 0):``. JAX refuses ``float()`` of a value being
    differentiated, since that would silently drop its gradient.

    >>> import namedtensor as nt
    >>> from namedtensor.grad import grad
    >>> def f(w, x):
    ...     y = nt.einsum("feat, batch feat -> batch", w, x)
    ...     return nt.relu(y).sum() if y.sum() > 0 else (y * y).sum()
    >>> grad(f)(nt.ones({"feat": 2}), nt.ones({"batch": 3, "feat": 2})).tolist()
    [3.0, 3.0]

    Args:
        f: the function; with no ``f``, returns a decorator.
        argnums: which positional argument(s) to differentiate.
        has_aux: ``f`` returns ``(value, aux)``; then ``(grads, aux)`` is returned.
    """
    if f is None:
        return functools.partial(grad, argnums=argnums, has_aux=has_aux)
    both = value_and_grad(f, argnums=argnums, has_aux=has_aux)

    @functools.wraps(f)
    def wrapped(*args, **kwargs):
        value, grads = both(*args, **kwargs)
        return (grads, value[1]) if has_aux else grads

    return wrapped


def vjp(f, *primals):
    """``(f(*primals), vjp_fn)``; ``vjp_fn(cotangent)`` accepts the cotangent in any axis order.

    >>> import namedtensor as nt
    >>> from namedtensor.grad import vjp
    >>> out, back = vjp(lambda w: w * 2.0, nt.ones({"a": 2, "b": 3}))
    >>> (g,) = back(nt.ones({"b": 3, "a": 2}))
    >>> g.names, float(g.sum())
    (('a', 'b'), 12.0)
    """
    out, inner = jax.vjp(f, *primals)

    def vjp_fn(cotangent):
        return inner(realign(out, cotangent, "vjp", "cotangent", check_dtype=False))

    return out, vjp_fn


def jvp(f, primals, tangents):
    """``(f(*primals), directional derivative)``; tangents may use any axis order.

    >>> import namedtensor as nt
    >>> from namedtensor.grad import jvp
    >>> out, tangent = jvp(lambda w: (w * w).sum(), (nt.ones({"x": 3}),), (nt.ones({"x": 3}),))
    >>> float(out), float(tangent)
    (3.0, 6.0)
    """
    primals, tangents = tuple(primals), tuple(tangents)
    return jax.jvp(f, primals, realign(primals, tangents, "jvp", "tangents", check_dtype=False))


def check_grads(f, args, order=1, modes=("fwd", "rev"), atol=None, rtol=None, eps=None):
    """Check ``f``'s derivatives against finite differences (``jax.test_util.check_grads``).

    Raises ``AssertionError`` when they disagree. Use float64 inputs (``jax_enable_x64``)
    or loose tolerances for tight checks; float32 default tolerances are JAX's.

    >>> import namedtensor as nt
    >>> from namedtensor.grad import check_grads
    >>> check_grads(lambda w: nt.tanh(w).sum(), (nt.tensor([0.1, -0.3], "x"),), eps=1e-2,
    ...             atol=1e-2, rtol=1e-2)
    """
    from jax.test_util import check_grads as jax_check_grads
    jax_check_grads(f, tuple(args), order, modes=modes, atol=atol, rtol=rtol, eps=eps)
