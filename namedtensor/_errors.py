"""The exception hierarchy. Every error a user can provoke is one of these.

Messages name the operation, the axes and the sizes on each side, and never
contain array values.
"""

__all__ = [
    "NamedTensorError",
    "AxisNameError",
    "AxisSizeError",
    "SpecError",
    "DeviceMismatchError",
    "FormatError",
]


class NamedTensorError(ValueError):
    """Base class of every namedtensor error (a ``ValueError``)."""


class AxisNameError(NamedTensorError):
    """An unknown, duplicate or invalid axis name, or a wrong number of names."""


class AxisSizeError(NamedTensorError):
    """Sizes of the same name disagree, or an index is out of range."""


class SpecError(NamedTensorError):
    """A malformed einsum spec, or one that does not match its operands."""


class DeviceMismatchError(NamedTensorError):
    """Operands are committed to different devices."""


class FormatError(NamedTensorError):
    """A saved file is malformed, truncated or hostile."""
