"""Elementwise math, reductions and axis-wise functions, stamped out from tables.

Each op's body is one line in a table; the generators below add name
resolution, broadcasting by name, error messages and a docstring with a
runnable example. The frontend never branches on the backend's name: ordinary
math goes through the backend's array-API namespace ``b.xp``, the rest through
the backend interface (``b.erf``, ``b.logsumexp``, ...).
"""


import builtins

import numpy as np

from .backends import backend_of, get_backend
from ._caches import cached
from ._errors import AxisSizeError, DeviceMismatchError, NamedTensorError
from ._names import alignment, broadcast, fmt_sizes, index_of, reduce_names
from ._tensor import NamedTensor

_new = NamedTensor._new
_SCALARS = (bool, int, float, complex, np.generic)


def _positional_error(x, op):
    return TypeError(
        f"{op}: got a positional {type(x).__module__}.{type(x).__name__} of shape "
        f"{tuple(x.shape)}; named operations need names for every axis: wrap it with "
        f"nt.tensor(x, names), e.g. nt.tensor(x, {' '.join(f'ax{i}' for i in range(x.ndim))!r})")


def as_operand(x, op):
    """A NamedTensor, or a Python/NumPy scalar (kept weakly typed); else a TypeError."""
    if isinstance(x, (NamedTensor, *_SCALARS)):
        return x
    if hasattr(x, "shape") and hasattr(x, "dtype"):
        if len(x.shape) == 0:
            return _new(x, (), backend_of(x))
        raise _positional_error(x, op)
    raise TypeError(f"{op}: cannot use a {type(x).__name__} as an operand; expected a "
                    f"NamedTensor or a scalar")


def as_tensor(x, op):
    """Like :func:`as_operand`, but a scalar becomes a 0-d JAX tensor."""
    x = as_operand(x, op)
    if isinstance(x, NamedTensor):
        return x
    return _new(get_backend("jax").asarray(x), (), get_backend("jax"))


def common_backend(tensors):
    """The backend of an operation over ``tensors``: JAX if any is on JAX (or there are
    none), else NumPy. A NumPy operand mixed with a JAX one gives a JAX result."""
    # builtins.all: this module's own ``all`` is the reduction from the table below
    numpy = tensors and builtins.all(t._backend.name == "numpy" for t in tensors)
    return get_backend("numpy" if numpy else "jax")


def data_on(t, backend):
    """``t``'s array on ``backend`` (moved only when ``t`` lives elsewhere)."""
    return t._data if t._backend is backend else backend.asarray(t._data)


def _device_check(tensors, op, error):
    devices = {t.device for t in tensors if isinstance(t, NamedTensor)}
    if len(devices) > 1:
        raise DeviceMismatchError(
            f"{op}: operands live on different devices {sorted(devices)}; move them "
            f"together with t.to(device)") from None
    raise NamedTensorError(f"{op}: {error}") from None


def elementwise(impl, args, op):
    """Apply ``impl(backend, *arrays)`` after aligning every operand by name.

    Result names: the first operand's names, then each later operand's new
    names, in order. A NumPy operand mixed with a JAX one gives a JAX result.
    """
    args = [as_operand(a, op) for a in args]
    named = [a for a in args if isinstance(a, NamedTensor)]
    backend = common_backend(named)
    names, _ = broadcast(tuple((t._names, tuple(t._data.shape)) for t in named), op)
    xp = backend.xp
    arrays = []
    for a in args:
        if isinstance(a, NamedTensor):
            data = data_on(a, backend)
            plan = alignment(a._names, tuple(data.shape), names)
            if plan is not None:
                perm, shape = plan
                data = data if perm is None else xp.transpose(data, perm)
                data = data if shape is None else xp.reshape(data, shape)
            a = data
        arrays.append(a)
    try:
        return _new(impl(backend, *arrays), names, backend)
    except ValueError as e:
        _device_check(args, op, e)


# --- elementwise tables ---------------------------------------------------------
# name: (impl, summary, example input(s), example output)
_UNARY = {
    "exp": (lambda b, x: b.xp.exp(x), "e to the power of each element.", "[0.0]", "[1.0]"),
    "log": (lambda b, x: b.xp.log(x), "Natural logarithm.", "[1.0]", "[0.0]"),
    "log1p": (lambda b, x: b.xp.log1p(x), "log(1 + x), accurate near 0.", "[0.0]", "[0.0]"),
    "expm1": (lambda b, x: b.xp.expm1(x), "exp(x) - 1, accurate near 0.", "[0.0]", "[0.0]"),
    "sqrt": (lambda b, x: b.xp.sqrt(x), "Square root.", "[4.0]", "[2.0]"),
    "rsqrt": (lambda b, x: 1 / b.xp.sqrt(x), "1 / sqrt(x).", "[4.0]", "[0.5]"),
    "square": (lambda b, x: b.xp.square(x), "x * x.", "[3.0]", "[9.0]"),
    "abs": (lambda b, x: b.xp.abs(x), "Absolute value.", "[-2.0, 3.0]", "[2.0, 3.0]"),
    "sign": (lambda b, x: b.xp.sign(x), "-1, 0 or 1 by sign.", "[-2.0, 0.0, 3.0]",
             "[-1.0, 0.0, 1.0]"),
    "negative": (lambda b, x: b.xp.negative(x), "-x.", "[1.0]", "[-1.0]"),
    "sin": (lambda b, x: b.xp.sin(x), "Sine.", "[0.0]", "[0.0]"),
    "cos": (lambda b, x: b.xp.cos(x), "Cosine.", "[0.0]", "[1.0]"),
    "tan": (lambda b, x: b.xp.tan(x), "Tangent.", "[0.0]", "[0.0]"),
    "tanh": (lambda b, x: b.xp.tanh(x), "Hyperbolic tangent.", "[0.0]", "[0.0]"),
    "sigmoid": (lambda b, x: b.sigmoid(x), "Logistic sigmoid 1 / (1 + exp(-x)).", "[0.0]",
                "[0.5]"),
    "relu": (lambda b, x: b.relu(x), "max(x, 0).", "[-1.0, 2.0]", "[0.0, 2.0]"),
    "gelu": (lambda b, x: b.gelu(x), "Exact (erf-based) GELU, x * Phi(x).", "[0.0]", "[0.0]"),
    "softplus": (lambda b, x: b.softplus(x), "log(1 + exp(x)), computed stably.",
                 "[-200.0, 0.0]", "[0.0, 0.6931471824645996]"),
    "erf": (lambda b, x: b.erf(x), "The error function.", "[0.0]", "[0.0]"),
    "floor": (lambda b, x: b.xp.floor(x), "Round down.", "[1.5]", "[1.0]"),
    "ceil": (lambda b, x: b.xp.ceil(x), "Round up.", "[1.5]", "[2.0]"),
    "round": (lambda b, x: b.xp.round(x), "Round to nearest, ties to even.",
              "[0.5, 1.5, 2.5]", "[0.0, 2.0, 2.0]"),
    "isnan": (lambda b, x: b.xp.isnan(x), "True where NaN.", "[0.0, float('nan')]",
              "[False, True]"),
    "isfinite": (lambda b, x: b.xp.isfinite(x), "True where finite.", "[1.0, float('inf')]",
                 "[True, False]"),
    "logical_not": (lambda b, x: b.xp.logical_not(x), "Logical not.", "[True, False]",
                    "[False, True]"),
    "invert": (lambda b, x: b.xp.invert(x), "Bitwise not (logical not on bools); ``~t``.",
               "[True, False]", "[False, True]"),
}

_BINARY = {
    "add": (lambda b, x, y: b.xp.add(x, y), "x + y.", "[1, 2]", "[10, 20]", "[11, 22]"),
    "subtract": (lambda b, x, y: b.xp.subtract(x, y), "x - y.", "[5, 5]", "[1, 2]", "[4, 3]"),
    "multiply": (lambda b, x, y: b.xp.multiply(x, y), "x * y.", "[2, 3]", "[4, 5]", "[8, 15]"),
    "divide": (lambda b, x, y: b.xp.divide(x, y), "x / y (true division).", "[1.0, 3.0]",
               "[2.0, 4.0]", "[0.5, 0.75]"),
    "floor_divide": (lambda b, x, y: b.xp.floor_divide(x, y), "x // y.", "[7, -7]", "[2, 2]",
                     "[3, -4]"),
    "remainder": (lambda b, x, y: b.xp.remainder(x, y), "x % y (sign of y).", "[7, -7]",
                  "[3, 3]", "[1, 2]"),
    "power": (lambda b, x, y: b.xp.power(x, y), "x ** y.", "[2, 3]", "[3, 2]", "[8, 9]"),
    "maximum": (lambda b, x, y: b.xp.maximum(x, y), "Elementwise maximum.", "[1, 5]",
                "[3, 2]", "[3, 5]"),
    "minimum": (lambda b, x, y: b.xp.minimum(x, y), "Elementwise minimum.", "[1, 5]",
                "[3, 2]", "[1, 2]"),
    "equal": (lambda b, x, y: b.xp.equal(x, y), "x == y.", "[1, 2]", "[1, 3]",
              "[True, False]"),
    "not_equal": (lambda b, x, y: b.xp.not_equal(x, y), "x != y.", "[1, 2]", "[1, 3]",
                  "[False, True]"),
    "less": (lambda b, x, y: b.xp.less(x, y), "x < y.", "[1, 2]", "[2, 2]", "[True, False]"),
    "less_equal": (lambda b, x, y: b.xp.less_equal(x, y), "x <= y.", "[1, 3]", "[2, 2]",
                   "[True, False]"),
    "greater": (lambda b, x, y: b.xp.greater(x, y), "x > y.", "[3, 2]", "[2, 2]",
                "[True, False]"),
    "greater_equal": (lambda b, x, y: b.xp.greater_equal(x, y), "x >= y.", "[2, 1]", "[2, 2]",
                      "[True, False]"),
    "bitwise_and": (lambda b, x, y: b.xp.bitwise_and(x, y), "x & y (logical and on bools).",
                    "[True, True]", "[True, False]", "[True, False]"),
    "bitwise_or": (lambda b, x, y: b.xp.bitwise_or(x, y), "x | y (logical or on bools).",
                   "[True, False]", "[False, False]", "[True, False]"),
    "bitwise_xor": (lambda b, x, y: b.xp.bitwise_xor(x, y), "x ^ y (xor on bools).",
                    "[True, True]", "[True, False]", "[False, True]"),
}


def _unary(name, impl, summary, example, expected):
    op = f"nt.{name}"

    def fn(t):
        if type(t) is not NamedTensor:
            t = as_tensor(t, op)
        return _new(impl(t._backend, t._data), t._names, t._backend)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"""{summary}

    >>> import namedtensor as nt
    >>> nt.{name}(nt.tensor({example}, "x")).tolist()
    {expected}

    Args:
        t: a NamedTensor (or a scalar).

    Returns:
        A NamedTensor with the same names.
    """
    return fn


def _binary(name, impl, summary, x, y, expected):
    op = f"nt.{name}"

    def fn(a, b):
        if type(a) is NamedTensor:
            if type(b) is NamedTensor:
                if a._names == b._names and a._backend is b._backend and \
                        a._data.shape == b._data.shape:
                    try:
                        return _new(impl(a._backend, a._data, b._data), a._names, a._backend)
                    except ValueError as e:
                        _device_check((a, b), op, e)
            elif type(b) in (int, float, bool):
                return _new(impl(a._backend, a._data, b), a._names, a._backend)
        return elementwise(impl, (a, b), op)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"""{summary} Broadcast by name.

    The result's names are ``a``'s names, then ``b``'s names that ``a`` lacks.
    Equal names must have equal sizes.

    >>> import namedtensor as nt
    >>> nt.{name}(nt.tensor({x}, "x"), nt.tensor({y}, "x")).tolist()
    {expected}

    Args:
        a, b: NamedTensors or scalars.

    Returns:
        A NamedTensor over the union of the operands' names.
    """
    return fn


for _name, _row in _UNARY.items():
    globals()[_name] = _unary(_name, *_row)
for _name, _row in _BINARY.items():
    globals()[_name] = _binary(_name, *_row)


def where(cond, x, y):
    """``x`` where ``cond`` is true, else ``y``; all three broadcast by name.

    >>> import namedtensor as nt
    >>> c = nt.tensor([True, False], "x")
    >>> nt.where(c, nt.tensor([1, 2], "x"), 0).tolist()
    [1, 0]
    """
    return elementwise(lambda b, c, u, v: b.xp.where(c, u, v), (cond, x, y), "nt.where")


def clip(t, low=None, high=None):
    """Limit ``t`` to ``[low, high]``; bounds are scalars or tensors, broadcast by name.

    >>> import namedtensor as nt
    >>> nt.clip(nt.tensor([-2.0, 0.5, 3.0], "x"), 0.0, 1.0).tolist()
    [0.0, 0.5, 1.0]
    """
    op = "nt.clip"
    args = [as_tensor(t, op)] + [v for v in (low, high) if v is not None]
    has_low, has_high = low is not None, high is not None

    def impl(b, x, *bounds):
        bounds = list(bounds)
        lo = bounds.pop(0) if has_low else None
        hi = bounds.pop(0) if has_high else None
        if lo is not None:
            x = b.xp.maximum(x, lo)
        return x if hi is None else b.xp.minimum(x, hi)

    return elementwise(impl, args, op)


# --- reductions -------------------------------------------------------------------
# name: (impl(b, x, axes, **kw), summary, needs a non-empty axis, example input, output)
_EX = "[[1.0, 2.0], [3.0, 4.0]]"
_REDUCTIONS = {
    "sum": (lambda b, x, ax: b.xp.sum(x, axis=ax), "Sum", False, _EX, "[3.0, 7.0]"),
    "mean": (lambda b, x, ax: b.xp.mean(x, axis=ax), "Mean", False, _EX, "[1.5, 3.5]"),
    "prod": (lambda b, x, ax: b.xp.prod(x, axis=ax), "Product", False, _EX, "[2.0, 12.0]"),
    "max": (lambda b, x, ax: b.xp.max(x, axis=ax), "Maximum", True, _EX, "[2.0, 4.0]"),
    "min": (lambda b, x, ax: b.xp.min(x, axis=ax), "Minimum", True, _EX, "[1.0, 3.0]"),
    "std": (lambda b, x, ax, ddof=0: b.xp.std(x, axis=ax, ddof=ddof),
            "Standard deviation (``ddof=0``: population)", False, _EX, "[0.5, 0.5]"),
    "var": (lambda b, x, ax, ddof=0: b.xp.var(x, axis=ax, ddof=ddof),
            "Variance (``ddof=0``: population)", False, _EX, "[0.25, 0.25]"),
    "any": (lambda b, x, ax: b.xp.any(x, axis=ax), "Logical or", False,
            "[[True, False], [False, False]]", "[True, False]"),
    "all": (lambda b, x, ax: b.xp.all(x, axis=ax), "Logical and", False,
            "[[True, True], [True, False]]", "[True, False]"),
    "logsumexp": (lambda b, x, ax: b.logsumexp(x, ax), "log(sum(exp(x))), computed stably",
                  False, "[[0.0, 0.0], [1.0, 1.0]]", "[0.6931471824645996, 1.6931471824645996]"),
}


@cached(4096)
def _reduce_plan(names, shape, which, nonempty, op):
    axes = reduce_names(names, which, op, shape)
    if nonempty:
        empty = [names[a] for a in axes if shape[a] == 0]
        if empty:
            raise AxisSizeError(f"{op}: cannot reduce over axis {empty[0]!r} of size 0 in "
                                f"{fmt_sizes(names, shape)} (this reduction has no identity)")
    return axes, tuple(n for i, n in enumerate(names) if i not in axes)


def _hashable(which):
    return which if which is None or isinstance(which, str) else tuple(which)


def _reduction(name, impl, summary, nonempty, example, expected):
    op = f"nt.{name}"
    ddof = name in ("std", "var")

    def reduce(t, names, **kwargs):
        if type(t) is not NamedTensor:
            t = as_tensor(t, op)
        axes, keep = _reduce_plan(t._names, t._data.shape, _hashable(names), nonempty, op)
        return _new(impl(t._backend, t._data, axes, **kwargs), keep, t._backend)

    if ddof:
        def fn(t, names=None, ddof=0):
            return reduce(t, names, ddof=ddof)
    else:
        def fn(t, names=None):
            return reduce(t, names)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"""{summary} over the named axes, which disappear.

    >>> import namedtensor as nt
    >>> nt.{name}(nt.tensor({example}, "a b"), "b").tolist()
    {expected}

    Args:
        t: a NamedTensor.
        names: one name, a sequence of names, or ``None`` for all axes.{'''
        ddof: delta degrees of freedom (divide by ``N - ddof``).''' if ddof else ''}

    Returns:
        A NamedTensor with the remaining names, in their order.
    """
    return fn


for _name, _row in _REDUCTIONS.items():
    globals()[_name] = _reduction(_name, *_row)


# --- axis-wise functions: one name in, names kept (or dropped for arg*) ------------
_AXISWISE = {
    "softmax": (lambda b, x, a: b.softmax(x, a), "Softmax along one axis", True,
                "[[0.0, 0.0]]", "[[0.5, 0.5]]"),
    "log_softmax": (lambda b, x, a: b.log_softmax(x, a), "Log of softmax along one axis",
                    True, "[[0.0, 0.0]]", "[[-0.6931471824645996, -0.6931471824645996]]"),
    "cumsum": (lambda b, x, a: b.xp.cumsum(x, axis=a), "Cumulative sum along one axis", True,
               "[[1, 2, 3]]", "[[1, 3, 6]]"),
    "argmax": (lambda b, x, a: b.xp.argmax(x, axis=a), "Index of the maximum along one axis",
               False, "[[1, 5, 3]]", "[1]"),
    "argmin": (lambda b, x, a: b.xp.argmin(x, axis=a), "Index of the minimum along one axis",
               False, "[[1, 5, 3]]", "[0]"),
}


def _axiswise(name, impl, summary, keeps, example, expected):
    op = f"nt.{name}"

    def fn(t, name):
        t = as_tensor(t, op)
        if not isinstance(name, str):
            raise TypeError(f"{op}: takes exactly one axis name, got {name!r}")
        axis = index_of(t._names, name, op, t._data.shape)
        if not keeps and t._data.shape[axis] == 0:
            raise AxisSizeError(f"{op}: axis {name!r} of {fmt_sizes(t._names, t._data.shape)}"
                                f" is empty; there is no {name.removeprefix('arg')}")
        names = t._names if keeps else t._names[:axis] + t._names[axis + 1:]
        return _new(impl(t._backend, t._data, axis), names, t._backend)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"""{summary} ({'all names are kept' if keeps else 'the axis disappears'}).

    >>> import namedtensor as nt
    >>> nt.{name}(nt.tensor({example}, "a b"), "b").tolist()
    {expected}

    Args:
        t: a NamedTensor.
        name: the axis.

    Returns:
        A NamedTensor{' with the same names' if keeps else ' without ``name``'}.
    """
    return fn


for _name, _row in _AXISWISE.items():
    globals()[_name] = _axiswise(_name, *_row)

UNARY, BINARY = tuple(_UNARY), tuple(_BINARY)
__all__ = [*_UNARY, *_BINARY, *_REDUCTIONS, *_AXISWISE, "where", "clip"]
REDUCTIONS, AXISWISE = tuple(_REDUCTIONS), tuple(_AXISWISE)
abs = globals()["abs"]  # noqa: A001  (shadows the builtin on purpose, as nt.abs)
del _name, _row
