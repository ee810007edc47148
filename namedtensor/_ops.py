"""Elementwise math, reductions and axis-wise functions, stamped out from tables.

Each op's body is one line in a table; the generators below add name
resolution, broadcasting by name, error messages and a docstring with a
runnable example. The frontend never branches on the backend's name: ordinary
math goes through the backend's array-API namespace ``b.xp``, the rest through
the backend interface (``b.erf``, ``b.logsumexp``, ...).

Each op runs as one kernel per backend, made once and cached (:func:`kernel`):
NumPy's own function, or a compiled JAX call that is one dispatch eagerly and
under eager ``grad``, and is inlined when traced.
"""


import builtins
import functools
import math
from collections.abc import Callable, Sequence
from typing import Any, NoReturn, Protocol, TypeAlias, cast

import jax
import numpy as np

from . import _validate as V
from ._caches import cached, memo
from ._errors import AxisSizeError, NamedTensorError
from ._names import Alignment, alignment, broadcast, fmt_sizes, index_of, reduce_names
from ._tensor import NamedTensor, make
from ._tensor import _convert as convert
from ._types import (
    Array,
    AxisOp,
    BinaryOp,
    DdofReductionOp,
    Names,
    Operand,
    ReductionOp,
    Scalar,
    Shape,
    UnaryOp,
)
from .backends import Backend, backend_of, get_backend

_new = NamedTensor._new
_SCALARS = (bool, int, float, complex, np.number, np.bool_)
# a table's op body: ``impl(backend, *arrays, ...) -> array``, or the name of the backend's
# function (``"sigmoid"``) or, failing that, of its namespace's (``"exp"``: ``b.xp.exp``)
Impl: TypeAlias = Callable[..., Array] | str
# a check of the operands' arrays before an op runs: ``check(arrays, op) -> arrays``
ArrayCheck: TypeAlias = Callable[[list[Array], str], list[Array]]


def _positional_error(x: Array, op: str) -> TypeError:
    # "jax.Array" for every JAX array: the same message eagerly, under jit and nt.check
    kind = "jax.Array" if isinstance(x, jax.Array) else f"{type(x).__module__}.{type(x).__name__}"
    return TypeError(
        f"{op}: got a positional {kind} of shape "
        f"{tuple(x.shape)}; named operations need names for every axis: wrap it with "
        f"nt.tensor(x, names), e.g. nt.tensor(x, {' '.join(f'ax{i}' for i in range(x.ndim))!r})")


def as_operand(x: object, op: str) -> Operand:
    """A NamedTensor, or a Python/NumPy scalar (kept weakly typed); else a TypeError."""
    if isinstance(x, (NamedTensor, *_SCALARS)):
        return x
    if isinstance(x, (np.ndarray, jax.Array)):
        if jax.numpy.issubdtype(x.dtype, jax.dtypes.prng_key) or x.dtype.kind not in "biufc":
            raise TypeError(f"{op}: cannot use an array of dtype {x.dtype} as an operand; "
                            f"namedtensor computes on bools and numbers (a random key is "
                            f"used through nt.random)")
        if x.ndim == 0:
            return _new(x, (), backend_of(x))
        raise _positional_error(x, op)
    if V.is_symbolic(x):  # a symbolic size inside nt.export (t.sizes["batch"]): an int
        return _new(jax.numpy.asarray(x), (), get_backend("jax"))
    raise TypeError(f"{op}: cannot use a {type(x).__name__} as an operand; expected a "
                    f"NamedTensor or a scalar")


def as_tensor(x: object, op: str) -> NamedTensor:
    """Like :func:`as_operand`, but a scalar becomes a 0-d JAX tensor."""
    operand = as_operand(x, op)
    if isinstance(operand, NamedTensor):
        return operand
    return make(operand, (), None, None, "jax", op)


def common_backend(tensors: Sequence[NamedTensor]) -> Backend:
    """The backend of an operation over ``tensors``: JAX if any is on JAX (or there are
    none), else NumPy. A NumPy operand mixed with a JAX one gives a JAX result."""
    # builtins.all: this module's own ``all`` is the reduction from the table below
    numpy = tensors and builtins.all(t._backend.name == "numpy" for t in tensors)
    return get_backend("numpy" if numpy else "jax")


def data_on(t: NamedTensor, backend: Backend, op: str = "namedtensor") -> Array:
    """``t``'s array on ``backend`` (moved only when ``t`` lives elsewhere): NumPy data
    moved onto JAX is checked as ``nt.tensor`` checks it (no int64 wrapped to int32)."""
    if t._backend is backend:
        return t._data
    return convert(t._data, None, backend, op)


def backend_error(args: Sequence[object], op: str, error: Exception) -> NoReturn:
    """Re-raise an error of the backend at the public boundary: operands on different
    devices are a DeviceMismatchError; any other is named after ``op``, without values."""
    if isinstance(error, NamedTensorError):
        raise error
    V.devices_agree([a for a in args if isinstance(a, NamedTensor)], op)
    dtypes = ", ".join(str(a.dtype) if hasattr(a, "dtype") else type(a).__name__ for a in args)
    if isinstance(error, TypeError):
        raise TypeError(f"{op}: not defined for operands of dtype {dtypes}") from None
    reason = str(error).splitlines()[0] if str(error) else type(error).__name__
    raise NamedTensorError(f"{op}: cannot compute on operands of dtype {dtypes}: "
                           f"{reason}") from None


def _int_scalar(value: int, dtype: "np.dtype[Any]", op: str) -> Scalar:
    """A Python int beside a tensor of ``dtype``: refused where it would wrap (SPEC 15);
    beside a float tensor, an int beyond 32 bits is given as a float."""
    kind = np.dtype(dtype).kind
    if kind in "fc":
        if -2**31 <= value < 2**31:
            return value
        try:
            return float(value)
        except OverflowError:
            raise NamedTensorError(f"{op}: a Python int operand is too large for any "
                                   f"float") from None
    V.fits(value, dtype if kind in "iu" else V.default_int(), op,
           "Python int operand")
    # beyond int32 (uint32, or 64 bits on NumPy and with x64) JAX would parse a Python int
    # as int32 and overflow: give it as a scalar of the tensor's own dtype
    return value if -2**31 <= value < 2**31 or kind not in "iu" else np.dtype(dtype).type(value)


def _fit_scalars(args: list[Operand], op: str) -> list[Operand]:
    named = [a for a in args if isinstance(a, NamedTensor)]
    if not named or not builtins.any(isinstance(a, (int, np.integer)) and
                                     not isinstance(a, (bool, np.bool_)) for a in args):
        return args
    try:
        dtype = np.result_type(*(t._data.dtype for t in named))
    except TypeError:  # dtypes NumPy cannot promote (float16 with bfloat16)
        raise TypeError(f"{op}: operands of dtypes "
                        f"{', '.join(str(t.dtype) for t in named)} have no common dtype; "
                        f"cast one with t.astype(...)") from None
    jax_target = common_backend(named).name == "jax"
    out: list[Operand] = []
    for a in args:
        if type(a) is int:
            a = _int_scalar(a, dtype, op)
        elif isinstance(a, np.integer) and jax_target:  # JAX keeps 32 bits without x64
            V.fits(int(a), jax.dtypes.canonicalize_dtype(a.dtype), op, "NumPy integer operand")
        out.append(a)
    return out


# --- dtype rules (SPEC 15): which dtypes an op is defined for, on both backends ----------
_FLOAT_MATH = {"exp", "log", "log1p", "expm1", "sqrt", "rsqrt", "sin", "cos", "tan", "tanh",
               "sigmoid", "gelu", "softplus", "erf", "softmax", "log_softmax", "logsumexp"}
_REAL_ONLY = {"sigmoid", "relu", "gelu", "softplus", "erf", "floor", "ceil", "round",
              "maximum", "minimum", "less", "less_equal", "greater", "greater_equal",
              "floor_divide", "remainder", "max", "min", "argmax", "argmin", "softmax",
              "log_softmax", "logsumexp", "clip", "sort", "argsort", "top_k"}
_NO_BOOL = {"negative", "abs", "sign", "square", "relu", "floor", "ceil", "round", "subtract",
            "floor_divide", "remainder", "power", "clip"}
_BITWISE = {"bitwise_and", "bitwise_or", "bitwise_xor", "invert"}
_HINTS = {"negative": "; use ~t or nt.logical_not for bools",
          "subtract": "; use ^ (xor) for bools, or cast with t.astype('int32')",
          "invert": "; use nt.logical_not or a comparison for floats"}


class DTypeRule(Protocol):
    """What :func:`dtype_rule` returns: a check of the operands' arrays, and the dtype
    kinds it passes unchanged."""

    ok: str

    def __call__(self, arrays: Sequence[Array], op: str) -> list[Array]: ...


def dtype_rule(name: str) -> DTypeRule | None:
    """A check ``rule(arrays, op) -> arrays`` for the op ``name`` (``None``: any dtype).

    Refused dtypes raise a TypeError naming the op; for the transcendental functions
    integers and bools are computed in float32 (float64 with x64) on both backends.
    ``rule.ok`` holds the dtype kinds that pass unchanged: callers test ``kind in rule.ok``
    first, so that the common case costs one attribute lookup."""
    allowed = "biu" if name in _BITWISE else \
        "".join(k for k in "biufc" if not (k == "b" and name in _NO_BOOL)
                and not (k == "c" and name in _REAL_ONLY))
    to_float = name in _FLOAT_MATH
    if allowed == "biufc" and not to_float:
        return None

    def rule(arrays: Sequence[Array], op: str) -> list[Array]:
        out = []
        for x in arrays:
            if hasattr(x, "dtype"):
                kind = x.dtype.kind
                if kind not in allowed and kind != "V":  # "V": bfloat16 and other ml_dtypes
                    raise TypeError(f"{op}: not defined for {np.dtype(x.dtype)} tensors"
                                    f"{_HINTS.get(name, '')}")
                if to_float and kind in "biu":
                    x = x.astype(V.default_float())
            out.append(x)
        return out

    checked = cast(DTypeRule, rule)  # a function with an attribute: set on the next line
    checked.ok = "".join(k for k in allowed if not (to_float and k in "biu"))
    return checked


def elementwise(impl: Impl, args: Sequence[object], op: str,
                rule: ArrayCheck | None = None) -> NamedTensor:
    """Apply ``impl(backend, *arrays)`` after aligning every operand by name.

    Result names: the first operand's names, then each later operand's new
    names, in order. A NumPy operand mixed with a JAX one gives a JAX result.
    """
    operands: Sequence[Operand] = _fit_scalars([as_operand(a, op) for a in args], op)
    named = [a for a in operands if isinstance(a, NamedTensor)]
    if not named:  # only scalars: make them 0-d tensors, checked like nt.tensor(x, ())
        operands = named = [as_tensor(a, op) for a in operands]
    backend = common_backend(named)
    names, _ = broadcast(tuple((t._names, tuple(t._data.shape)) for t in named), op)
    arrays: list[Array] = []
    plans: list[Alignment | None] = []
    for a in operands:
        if isinstance(a, NamedTensor):
            data = data_on(a, backend, op)
            arrays.append(data)
            plans.append(alignment(a._names, tuple(data.shape), names))
        else:
            arrays.append(a)
            plans.append(None)
    if rule is not None:
        arrays = rule(arrays, op)
    try:
        if not builtins.any(plans):
            return _new(kernel(backend, impl)(*arrays), names, backend)
        return _new(aligned(backend, impl, tuple(plans))(*arrays), names, backend)
    except (ValueError, TypeError) as e:
        backend_error(operands, op, e)


def bind(backend: Backend, impl: Impl) -> Callable[..., Array]:
    """``impl`` as a function of arrays alone, on ``backend``."""
    if isinstance(impl, str):
        found: Callable[..., Array] | None = getattr(backend, impl, None)
        return found if found is not None else getattr(backend.xp, impl)
    return functools.partial(impl, backend)


@cached(1024)
def kernel(backend: Backend, impl: Impl, *static: Any) -> Callable[..., Array]:
    """``impl`` on ``backend`` as one dispatch, made once: NumPy's own function (no
    wrapper at all for a named one), or a compiled JAX call, which skips jax.numpy's
    argument handling eagerly and is one linearization under eager grad. ``static``
    arguments (axes, ddof) follow the arrays and are part of the key."""
    if not static:
        return backend.fuse(bind(backend, impl))
    if isinstance(impl, str):
        named = bind(backend, impl)

        def fn(*arrays: Array) -> Array:
            return named(*arrays, *static)
    else:
        body = impl

        def fn(*arrays: Array) -> Array:
            return body(backend, *arrays, *static)
    return backend.fuse(fn)


@cached(4096)
def _broadcasting(backend: Backend, impl: Impl, names: tuple[str, ...], shape: Shape,
                  other: tuple[str, ...], other_shape: Shape, op: str
                  ) -> tuple[tuple[str, ...], Callable[..., Array]]:
    """A binary op's result names and kernel for two tensors of one backend whose names or
    sizes differ: one cached lookup on the hot path, instead of elementwise's general one."""
    out, _ = broadcast(((names, shape), (other, other_shape)), op)
    plans = (alignment(names, shape, out), alignment(other, other_shape, out))
    return out, aligned(backend, impl, plans) if builtins.any(plans) else kernel(backend, impl)


@cached(1024)
def aligned(backend: Backend, impl: Impl, plans: tuple["Alignment | None", ...]
            ) -> Callable[..., Array]:
    """``impl`` over operands laid out by ``plans`` (transpose, then reshape to insert
    size-1 axes), as one dispatch: on JAX the layout and the op are one compiled call,
    as ``jnp.add`` broadcasts inside its own, instead of three."""
    xp, fn = backend.xp, bind(backend, impl)

    def run(*arrays: Array) -> Array:
        laid = []
        for x, plan in zip(arrays, plans):
            if plan is not None:
                perm, shape = plan
                x = x if perm is None else xp.transpose(x, perm)
                x = x if shape is None else xp.reshape(x, shape)
            laid.append(x)
        return fn(*laid)
    return backend.fuse(run)


# --- elementwise tables ---------------------------------------------------------
# name: (impl, summary, example input(s), example output)
_UNARY: dict[str, tuple[Impl, str, str, str]] = {
    "exp": ("exp", "e to the power of each element.", "[0.0]", "[1.0]"),
    "log": ("log", "Natural logarithm.", "[1.0]", "[0.0]"),
    "log1p": ("log1p", "log(1 + x), accurate near 0.", "[0.0]", "[0.0]"),
    "expm1": ("expm1", "exp(x) - 1, accurate near 0.", "[0.0]", "[0.0]"),
    "sqrt": ("sqrt", "Square root.", "[4.0]", "[2.0]"),
    "rsqrt": (lambda b, x: 1 / b.xp.sqrt(x), "1 / sqrt(x).", "[4.0]", "[0.5]"),
    "square": ("square", "x * x.", "[3.0]", "[9.0]"),
    "abs": ("abs", "Absolute value.", "[-2.0, 3.0]", "[2.0, 3.0]"),
    "sign": ("sign", "-1, 0 or 1 by sign.", "[-2.0, 0.0, 3.0]",
             "[-1.0, 0.0, 1.0]"),
    "negative": ("negative", "-x.", "[1.0]", "[-1.0]"),
    "sin": ("sin", "Sine.", "[0.0]", "[0.0]"),
    "cos": ("cos", "Cosine.", "[0.0]", "[1.0]"),
    "tan": ("tan", "Tangent.", "[0.0]", "[0.0]"),
    "tanh": ("tanh", "Hyperbolic tangent.", "[0.0]", "[0.0]"),
    "sigmoid": ("sigmoid", "Logistic sigmoid 1 / (1 + exp(-x)).", "[0.0]",
                "[0.5]"),
    "relu": ("relu", "max(x, 0).", "[-1.0, 2.0]", "[0.0, 2.0]"),
    "gelu": ("gelu", "Exact (erf-based) GELU, x * Phi(x).", "[0.0]", "[0.0]"),
    "softplus": ("softplus", "log(1 + exp(x)), computed stably.",
                 "[-200.0, 0.0]", "[0.0, 0.6931471824645996]"),
    "erf": ("erf", "The error function.", "[0.0]", "[0.0]"),
    "floor": ("floor", "Round down.", "[1.5]", "[1.0]"),
    "ceil": ("ceil", "Round up.", "[1.5]", "[2.0]"),
    "round": ("round", "Round to nearest, ties to even.",
              "[0.5, 1.5, 2.5]", "[0.0, 2.0, 2.0]"),
    "isnan": ("isnan", "True where NaN.", "[0.0, float('nan')]",
              "[False, True]"),
    "isfinite": ("isfinite", "True where finite.", "[1.0, float('inf')]",
                 "[True, False]"),
    "logical_not": ("logical_not", "Logical not.", "[True, False]",
                    "[False, True]"),
    "invert": ("invert", "Bitwise not (logical not on bools); ``~t``.",
               "[True, False]", "[False, True]"),
}

_BINARY: dict[str, tuple[Impl, str, str, str, str]] = {
    "add": ("add", "x + y.", "[1, 2]", "[10, 20]", "[11, 22]"),
    "subtract": ("subtract", "x - y.", "[5, 5]", "[1, 2]", "[4, 3]"),
    "multiply": ("multiply", "x * y.", "[2, 3]", "[4, 5]", "[8, 15]"),
    "divide": ("divide", "x / y (true division).", "[1.0, 3.0]",
               "[2.0, 4.0]", "[0.5, 0.75]"),
    "floor_divide": ("floor_divide", "x // y (integer // 0 as in JAX).",
                     "[7, -7]", "[2, 2]", "[3, -4]"),
    "remainder": ("remainder", "x % y (sign of y; integer % 0 is 0).",
                  "[7, -7]", "[3, 3]", "[1, 2]"),
    "power": ("power", "x ** y.", "[2, 3]", "[3, 2]", "[8, 9]"),
    "maximum": ("maximum", "Elementwise maximum.", "[1, 5]",
                "[3, 2]", "[3, 5]"),
    "minimum": ("minimum", "Elementwise minimum.", "[1, 5]",
                "[3, 2]", "[1, 2]"),
    "equal": ("equal", "x == y.", "[1, 2]", "[1, 3]",
              "[True, False]"),
    "not_equal": ("not_equal", "x != y.", "[1, 2]", "[1, 3]",
                  "[False, True]"),
    "less": ("less", "x < y.", "[1, 2]", "[2, 2]", "[True, False]"),
    "less_equal": ("less_equal", "x <= y.", "[1, 3]", "[2, 2]",
                   "[True, False]"),
    "greater": ("greater", "x > y.", "[3, 2]", "[2, 2]",
                "[True, False]"),
    "greater_equal": ("greater_equal", "x >= y.", "[2, 1]", "[2, 2]",
                      "[True, False]"),
    "bitwise_and": ("bitwise_and", "x & y (logical and on bools).",
                    "[True, True]", "[True, False]", "[True, False]"),
    "bitwise_or": ("bitwise_or", "x | y (logical or on bools).",
                   "[True, False]", "[False, False]", "[True, False]"),
    "bitwise_xor": ("bitwise_xor", "x ^ y (xor on bools).",
                    "[True, True]", "[True, False]", "[False, True]"),
}


def _unary(name: str, impl: Impl, summary: str, example: str, expected: str) -> UnaryOp:
    op = f"nt.{name}"
    rule = dtype_rule(name)
    ok = None if rule is None else rule.ok
    table: dict[Backend, Callable[..., Array]] = memo()  # kernel by backend, for the hot path

    def fn(t: Operand) -> NamedTensor:
        if type(t) is not NamedTensor:
            t = as_tensor(t, op)
        x = t._data
        if ok is not None and x.dtype.kind not in ok:
            assert rule is not None  # ok is set only with a rule
            (x,) = rule((x,), op)
        try:
            try:
                run = table[t._backend]
            except KeyError:
                run = table[t._backend] = kernel(t._backend, impl)
            return _new(run(x), t._names, t._backend)
        except (ValueError, TypeError) as e:
            backend_error((t,), op, e)

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


def _binary(name: str, impl: Impl, summary: str, x: str, y: str, expected: str) -> BinaryOp:
    op = f"nt.{name}"
    rule = dtype_rule(name) if name != "power" else _power_rule(dtype_rule(name))
    ok = None if rule is None else rule.ok
    table: dict[Backend, Callable[..., Array]] = memo()  # kernel by backend, for the hot path
    # a Python int exponent stays a Python int (jnp.power makes it lax.integer_pow: exact,
    # and a simpler gradient); a kernel would make it a traced argument
    static_int = name == "power"

    def fn(a: Operand, b: Operand) -> NamedTensor:
        y: Array
        if type(a) is NamedTensor:
            names, backend, run = a._names, a._backend, None
            if type(b) is NamedTensor:
                if backend is not b._backend:
                    return elementwise(impl, (a, b), op, rule)
                if names != b._names or a._data.shape != b._data.shape:  # broadcast by name
                    names, run = _broadcasting(backend, impl, names, a._data.shape, b._names,
                                               b._data.shape, op)
                y = b._data
            elif type(b) is float or type(b) is bool:
                y = b
            elif type(b) is int:
                y = _int_scalar(b, a._data.dtype, op)
                if static_int and type(y) is int:  # t ** 2: lax.integer_pow, as jnp does
                    run = bind(backend, impl)
            else:
                return elementwise(impl, (a, b), op, rule)
            x = a._data
            if ok is not None and (x.dtype.kind not in ok or
                                   getattr(y, "dtype", x.dtype).kind not in ok):
                assert rule is not None  # ok is set only with a rule
                x, y = rule((x, y), op)
            try:
                if run is None:
                    try:
                        run = table[backend]
                    except KeyError:
                        run = table[backend] = kernel(backend, impl)
                return _new(run(x, y), names, backend)
            except (ValueError, TypeError) as e:
                backend_error((a, b), op, e)
        return elementwise(impl, (a, b), op, rule)

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


def _power_rule(dtypes: DTypeRule | None) -> DTypeRule:
    """power's dtype rule, then its exponent check: an integer to a negative integer power
    has no integer result (JAX returns garbage and NumPy raises). Concrete exponents are
    checked (traced ones cannot be); ``ok`` lets only floats skip it."""
    assert dtypes is not None  # power refuses bools

    def rule(arrays: Sequence[Array], op: str) -> list[Array]:
        x, y = dtypes(arrays, op)
        if _kind(x) in "iu" and _kind(y) in "iu" and not isinstance(y, jax.core.Tracer) \
                and np.any(np.asarray(y) < 0):
            raise NamedTensorError(f"{op}: an integer to a negative integer power has no "
                                   f"integer result; cast to float first (t.astype('float32'))")
        return [x, y]

    checked = cast(DTypeRule, rule)
    checked.ok = "".join(k for k in dtypes.ok if k not in "iu")
    return checked


def _kind(v: Array) -> str:
    return v.dtype.kind if hasattr(v, "dtype") else "i" if type(v) is int else "f"


globals().update({name: _unary(name, *row) for name, row in _UNARY.items()})
globals().update({name: _binary(name, *row) for name, row in _BINARY.items()})


def where(cond: Operand, x: Operand, y: Operand) -> NamedTensor:
    """``x`` where ``cond`` is true, else ``y``; all three broadcast by name.

    >>> import namedtensor as nt
    >>> c = nt.tensor([True, False], "x")
    >>> nt.where(c, nt.tensor([1, 2], "x"), 0).tolist()
    [1, 0]
    """
    return elementwise(_where, (cond, x, y), "nt.where", _where_rule)


def identity(b: Backend, x: Array) -> Array:
    """The impl that returns its operand: :func:`aligned` with it only lays data out."""
    return x


def _where(b: Backend, c: Array, u: Array, v: Array) -> Array:
    return b.xp.where(c, u, v)


def _where_rule(arrays: list[Array], op: str) -> list[Array]:
    cond = arrays[0]
    if hasattr(cond, "dtype") and cond.dtype.kind != "b":
        raise TypeError(f"{op}: cond must be a bool tensor (a comparison such as t > 0), got "
                        f"{np.dtype(cond.dtype)}; compare it explicitly, e.g. t != 0")
    return arrays


def clip(t: Operand, low: Operand | None = None, high: Operand | None = None) -> NamedTensor:
    """Limit ``t`` to ``[low, high]``; bounds are scalars or tensors, broadcast by name.

    >>> import namedtensor as nt
    >>> nt.clip(nt.tensor([-2.0, 0.5, 3.0], "x"), 0.0, 1.0).tolist()
    [0.0, 0.5, 1.0]
    """
    op = "nt.clip"
    args = [as_tensor(t, op)] + [v for v in (low, high) if v is not None]
    return elementwise(_CLIPS[low is not None, high is not None], args, op,
                       dtype_rule("clip"))


# one impl per choice of bounds (elementwise caches its compiled layouts on the impl)
_CLIPS: dict[tuple[bool, bool], Impl] = {
    (False, False): identity,
    (True, False): lambda b, x, lo: b.xp.maximum(x, lo),
    (False, True): lambda b, x, hi: b.xp.minimum(x, hi),
    (True, True): lambda b, x, lo, hi: b.xp.minimum(b.xp.maximum(x, lo), hi),
}


# --- reductions -------------------------------------------------------------------
# name: (impl(b, x, axes, ...) or the namespace function's name, called with the axes as
# its second argument; summary, needs a non-empty axis, example input, output)
_EX = "[[1.0, 2.0], [3.0, 4.0]]"
_REDUCTIONS: dict[str, tuple[Impl, str, bool, str, str]] = {
    "sum": ("sum", "Sum", False, _EX, "[3.0, 7.0]"),
    "mean": ("mean", "Mean", False, _EX, "[1.5, 3.5]"),
    "prod": ("prod", "Product", False, _EX, "[2.0, 12.0]"),
    "max": ("max", "Maximum", True, _EX, "[2.0, 4.0]"),
    "min": ("min", "Minimum", True, _EX, "[1.0, 3.0]"),
    "std": (lambda b, x, ax, ddof=0: b.xp.std(x, axis=ax, ddof=ddof),
            "Standard deviation (``ddof=0``: population)", False, _EX, "[0.5, 0.5]"),
    "var": (lambda b, x, ax, ddof=0: b.xp.var(x, axis=ax, ddof=ddof),
            "Variance (``ddof=0``: population)", False, _EX, "[0.25, 0.25]"),
    "any": ("any", "Logical or", False,
            "[[True, False], [False, False]]", "[True, False]"),
    "all": ("all", "Logical and", False,
            "[[True, True], [True, False]]", "[True, False]"),
    "logsumexp": (lambda b, x, ax: b.logsumexp(x, ax), "log(sum(exp(x))), computed stably",
                  False, "[[0.0, 0.0], [1.0, 1.0]]", "[0.6931471824645996, 1.6931471824645996]"),
}


@cached(4096)
def _reduce_plan(names: tuple[str, ...], shape: Shape, which: str | tuple[str, ...] | None,
                 nonempty: bool, op: str) -> tuple[tuple[int, ...], tuple[str, ...]]:
    axes = reduce_names(names, which, op, shape)
    if nonempty:
        empty = [names[a] for a in axes if shape[a] == 0]
        if empty:
            raise AxisSizeError(f"{op}: cannot reduce over axis {empty[0]!r} of size 0 in "
                                f"{fmt_sizes(names, shape)} (this reduction has no identity)")
    return axes, tuple(n for i, n in enumerate(names) if i not in axes)


def _hashable(which: Names | None, op: str) -> str | tuple[str, ...] | None:
    """A reduction's ``names`` as a cache key: None, one name, or a tuple of names."""
    if which is None or type(which) is str:
        return which
    return V.name_group(which, op)


def _ddof(t: NamedTensor, axes: tuple[int, ...], ddof: object, op: str) -> int:
    n = V.integer(ddof, op, "ddof", low=0)
    count = math.prod(t._data.shape[a] for a in axes)
    if isinstance(count, (int, np.integer)) and n >= count:  # symbolic (nt.export): unknown
        raise AxisSizeError(f"{op}: ddof={n} needs more than {n} element(s) per result, "
                            f"but reducing {[t._names[a] for a in axes]} of "
                            f"{fmt_sizes(t._names, t._data.shape)} leaves {count}")
    return n


def _reduction(name: str, impl: Impl, summary: str, nonempty: bool, example: str,
               expected: str) -> ReductionOp:
    op = f"nt.{name}"
    has_ddof = name in ("std", "var")
    rule = dtype_rule(name)
    ok = None if rule is None else rule.ok

    def reduce(t: Operand, names: Names | None, ddof: object = 0) -> NamedTensor:
        if type(t) is not NamedTensor:
            t = as_tensor(t, op)
        axes, keep = _reduce_plan(t._names, t._data.shape, _hashable(names, op), nonempty, op)
        x = t._data
        if ok is not None and x.dtype.kind not in ok:
            assert rule is not None  # ok is set only with a rule
            (x,) = rule((x,), op)
        static = (axes, _ddof(t, axes, ddof, op)) if has_ddof else (axes,)
        try:
            return _new(kernel(t._backend, impl, *static)(x), keep, t._backend)
        except (ValueError, TypeError) as e:
            backend_error((t,), op, e)

    def plain(t: Operand, names: Names | None = None) -> NamedTensor:
        return reduce(t, names)

    def with_ddof(t: Operand, names: Names | None = None, ddof: int = 0) -> NamedTensor:
        return reduce(t, names, ddof)

    fn = with_ddof if has_ddof else plain

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"""{summary} over the named axes, which disappear.

    >>> import namedtensor as nt
    >>> nt.{name}(nt.tensor({example}, "a b"), "b").tolist()
    {expected}

    Args:
        t: a NamedTensor.
        names: one name, a sequence of names, or ``None`` for all axes.{'''
        ddof: delta degrees of freedom (divide by ``N - ddof``).''' if has_ddof else ''}

    Returns:
        A NamedTensor with the remaining names, in their order.
    """
    return fn


globals().update({name: _reduction(name, *row) for name, row in _REDUCTIONS.items()})


# --- axis-wise functions: one name in, names kept (or dropped for arg*) ------------
_AXISWISE: dict[str, tuple[Impl, str, bool, str, str]] = {
    "softmax": (lambda b, x, a: b.softmax(x, a), "Softmax along one axis", True,
                "[[0.0, 0.0]]", "[[0.5, 0.5]]"),
    "log_softmax": (lambda b, x, a: b.log_softmax(x, a), "Log of softmax along one axis",
                    True, "[[0.0, 0.0]]", "[[-0.6931471824645996, -0.6931471824645996]]"),
    "cumsum": (lambda b, x, a: b.xp.cumsum(x, axis=a, dtype=x.dtype),
               "Cumulative sum along one axis", True, "[[1, 2, 3]]", "[[1, 3, 6]]"),
    "argmax": (lambda b, x, a: b.xp.argmax(x, axis=a), "Index of the maximum along one axis",
               False, "[[1, 5, 3]]", "[1]"),
    "argmin": (lambda b, x, a: b.xp.argmin(x, axis=a), "Index of the minimum along one axis",
               False, "[[1, 5, 3]]", "[0]"),
}


def _axiswise(name: str, impl: Impl, summary: str, keeps: bool, example: str,
              expected: str) -> AxisOp:
    op = f"nt.{name}"
    rule = dtype_rule(name)
    ok = None if rule is None else rule.ok
    accumulate = name == "cumsum"
    what = {"argmax": "maximum", "argmin": "minimum"}.get(name)

    def fn(t: Operand, name: str) -> NamedTensor:
        t = as_tensor(t, op)
        if not isinstance(name, str):
            raise TypeError(f"{op}: takes exactly one axis name (a str), got "
                            f"{type(name).__name__}")
        axis = index_of(t._names, name, op, t._data.shape)
        if not keeps and t._data.shape[axis] == 0:
            raise AxisSizeError(f"{op}: axis {name!r} of {fmt_sizes(t._names, t._data.shape)}"
                                f" is empty; an empty axis has no {what}")
        names = t._names if keeps else t._names[:axis] + t._names[axis + 1:]
        x = t._data
        if ok is not None and x.dtype.kind not in ok:
            assert rule is not None  # ok is set only with a rule
            (x,) = rule((x,), op)
        if accumulate and x.dtype.kind in "biu":
            x = x.astype(V.accumulation_dtype(x.dtype))  # as sum does: no int8 wrap-around
        try:
            return _new(kernel(t._backend, impl, axis)(x), names, t._backend)
        except (ValueError, TypeError) as e:
            backend_error((t,), op, e)

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


def _int_indices(i: Array) -> Array:
    """Indices as JAX gives them on both backends: int32 (int64 with x64)."""
    want = V.default_int()
    return i if i.dtype == want else i.astype(want)


# the same shape, for ordering along one axis (top_k, roll and flip are below)
_ORDERING: dict[str, tuple[Impl, str, bool, str, str]] = {
    "sort": (lambda b, x, a: b.xp.sort(x, axis=a), "Sort along one axis, smallest first, NaN "
             "last", True, "[[3, 1, 2]]", "[[1, 2, 3]]"),
    "argsort": (lambda b, x, a: _int_indices(b.xp.argsort(x, axis=a, stable=True)),
                "Indices that sort along one axis (stable: ties keep their order)", True,
                "[[3, 1, 3, 2]]", "[[1, 3, 0, 2]]"),
}

globals().update({name: _axiswise(name, *row)
                  for name, row in (*_AXISWISE.items(), *_ORDERING.items())})

UNARY, BINARY = tuple(_UNARY), tuple(_BINARY)
REDUCTIONS, AXISWISE, ORDERING = tuple(_REDUCTIONS), tuple(_AXISWISE), tuple(_ORDERING)

# --- the ops the tables define, declared for type checkers ----------------------------
# The generators' results are typed; these lines give each op its family's signature (the
# names shadow builtins on purpose: nt.abs, nt.round, nt.sum, ...). tests/test_type_surface.py
# checks that they and __all__ list exactly the tables' names.
exp: UnaryOp
log: UnaryOp
log1p: UnaryOp
expm1: UnaryOp
sqrt: UnaryOp
rsqrt: UnaryOp
square: UnaryOp
abs: UnaryOp
sign: UnaryOp
negative: UnaryOp
sin: UnaryOp
cos: UnaryOp
tan: UnaryOp
tanh: UnaryOp
sigmoid: UnaryOp
relu: UnaryOp
gelu: UnaryOp
softplus: UnaryOp
erf: UnaryOp
floor: UnaryOp
ceil: UnaryOp
round: UnaryOp
isnan: UnaryOp
isfinite: UnaryOp
logical_not: UnaryOp
invert: UnaryOp
add: BinaryOp
subtract: BinaryOp
multiply: BinaryOp
divide: BinaryOp
floor_divide: BinaryOp
remainder: BinaryOp
power: BinaryOp
maximum: BinaryOp
minimum: BinaryOp
equal: BinaryOp
not_equal: BinaryOp
less: BinaryOp
less_equal: BinaryOp
greater: BinaryOp
greater_equal: BinaryOp
bitwise_and: BinaryOp
bitwise_or: BinaryOp
bitwise_xor: BinaryOp
sum: ReductionOp
mean: ReductionOp
prod: ReductionOp
max: ReductionOp
min: ReductionOp
std: DdofReductionOp
var: DdofReductionOp
any: ReductionOp
all: ReductionOp
logsumexp: ReductionOp
softmax: AxisOp
log_softmax: AxisOp
cumsum: AxisOp
argmax: AxisOp
argmin: AxisOp
sort: AxisOp
argsort: AxisOp

# a literal list, which type checkers read for ``from ._ops import *`` (a computed one they ignore)
__all__ = [
    "exp", "log", "log1p", "expm1", "sqrt", "rsqrt", "square", "abs", "sign", "negative", "sin",
    "cos", "tan", "tanh", "sigmoid", "relu", "gelu", "softplus", "erf", "floor", "ceil", "round",
    "isnan", "isfinite", "logical_not", "invert", "add", "subtract", "multiply", "divide",
    "floor_divide", "remainder", "power", "maximum", "minimum", "equal", "not_equal", "less",
    "less_equal", "greater", "greater_equal", "bitwise_and", "bitwise_or", "bitwise_xor", "sum",
    "mean", "prod", "max", "min", "std", "var", "any", "all", "logsumexp", "softmax",
    "log_softmax", "cumsum", "argmax", "argmin", "where", "clip", "sort", "argsort",
]
