"""Immutable records: what `@dataclass(frozen=True)` gives convcalc (named fields with defaults,
inheritance, equality, hashing, a readable repr, `replace`), at a fraction of its cost.

Measured on Python 3.11 (docs/performance.md): defining convcalc's 31 frozen dataclasses took
26–44 ms of a 270 ms start-up, because each class compiles half a dozen methods; and a frozen
dataclass's `__init__` stores every field through `object.__setattr__`, 3–4× slower than writing
the instance dictionary — paid millions of times for a 100,000-layer network. Here one small
`__init__` is compiled per class, and the other methods are shared.
"""

from __future__ import annotations

_MISSING = object()


class FrozenError(AttributeError):
    """A record's fields cannot be changed: make a new one with `replace`."""


def _setattr(self, name, value):
    raise FrozenError(f"cannot assign to field '{name}' of an immutable {type(self).__name__}")


def _delattr(self, name):
    raise FrozenError(f"cannot delete field '{name}' of an immutable {type(self).__name__}")


def _values(self) -> tuple:
    values = self.__dict__
    return tuple(values[name] for name in self.__record_fields__)


def _eq(self, other):
    if other.__class__ is not self.__class__:
        return NotImplemented
    return _values(self) == _values(other)


def _hash(self):
    return hash(_values(self))


def _repr(self):
    fields = ", ".join(f"{name}={value!r}" for name, value in
                       zip(self.__record_fields__, _values(self)))
    return f"{type(self).__qualname__}({fields})"


def record(cls):
    """Make `cls` an immutable record whose fields are its annotated names (a base record's
    fields first); a class attribute gives a field its default."""
    names = list(getattr(cls, "__record_fields__", ()))
    names += [name for name in cls.__dict__.get("__annotations__", {}) if name not in names]
    defaults = {name: getattr(cls, name, _MISSING) for name in names}
    params, seen_default = [], False
    for name in names:
        if defaults[name] is _MISSING:
            if seen_default:
                raise TypeError(f"{cls.__name__}: field '{name}' without a default follows one"
                                " with a default")
            params.append(name)
        else:
            seen_default = True
            params.append(f"{name}=__defaults[{name!r}]")
    body = "".join(f"\n    d[{name!r}] = {name}" for name in names) or "\n    pass"
    source = f"def __init__(self, {', '.join(params)}):\n    d = self.__dict__{body}"
    namespace: dict = {}
    exec(source, {"__defaults": defaults}, namespace)  # noqa: S102 - our own generated code
    init = namespace["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    cls.__init__ = init
    cls.__record_fields__ = tuple(names)
    cls.__setattr__, cls.__delattr__ = _setattr, _delattr
    cls.__eq__, cls.__hash__ = _eq, _hash
    if "__repr__" not in cls.__dict__:
        cls.__repr__ = _repr
    return cls


class computed_once:  # noqa: N801 - used as a decorator, like property
    """A property of a record worked out on first use and kept in the instance, beside (not
    among) its fields. functools.cached_property does the same, but in Python 3.11 takes a lock
    on every first use: a shape's element count is first asked for once per layer."""

    def __init__(self, func):
        self.func, self.name, self.__doc__ = func, func.__name__, func.__doc__

    def __get__(self, obj, cls=None):
        if obj is None:
            return self
        value = obj.__dict__[self.name] = self.func(obj)  # later look-ups find it there
        return value


def fields(obj) -> tuple[str, ...]:
    """The field names of a record (or record class), in order."""
    return obj.__record_fields__


def replace(obj, **changes):
    """A copy of record `obj` with some fields changed."""
    unknown = set(changes) - set(obj.__record_fields__)
    if unknown:
        raise TypeError(f"{type(obj).__name__} has no field {', '.join(sorted(unknown))}")
    values = {name: obj.__dict__[name] for name in obj.__record_fields__}
    values.update(changes)
    return type(obj)(**values)
