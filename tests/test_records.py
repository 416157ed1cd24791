"""The immutable records every result is made of: frozen, compared and hashed by value."""

import pytest

from convcalc.records import FrozenError, computed_once, fields, record, replace


@record
class Point:
    x: int
    y: int = 0


@record
class Labelled(Point):
    label: str = ""


def test_fields_defaults_and_keywords():
    assert (Point(1).x, Point(1).y) == (1, 0)
    assert Point(y=2, x=1) == Point(1, 2)
    assert fields(Labelled) == ("x", "y", "label")
    assert Labelled(1, 2, "a").label == "a"


def test_records_cannot_change():
    p = Point(1, 2)
    with pytest.raises(FrozenError):
        p.x = 3
    with pytest.raises(FrozenError):
        del p.y
    assert p == Point(1, 2)


def test_equal_by_value_and_class_and_hashable():
    assert Point(1, 2) == Point(1, 2) and Point(1, 2) != Point(2, 1)
    assert Point(1, 0) != Labelled(1, 0)  # another class, even with equal fields
    assert len({Point(1, 2), Point(1, 2), Point(3, 4)}) == 2


def test_replace_makes_a_changed_copy():
    p = Labelled(1, 2, "a")
    assert replace(p, label="b") == Labelled(1, 2, "b") and p.label == "a"
    with pytest.raises(TypeError, match="no field z"):
        replace(p, z=1)


def test_repr_names_the_fields():
    assert repr(Point(1, 2)) == "Point(x=1, y=2)"


def test_missing_and_misordered_fields_are_errors():
    with pytest.raises(TypeError):
        Point()
    with pytest.raises(TypeError, match="without a default follows"):
        @record
        class Bad:
            a: int = 0
            b: int


def test_a_value_computed_once_is_kept_beside_the_fields():
    calls = []

    @record
    class Box:
        w: int
        h: int

        @computed_once
        def area(self) -> int:
            """w × h"""
            calls.append(1)
            return self.w * self.h

    box = Box(3, 4)
    assert box.area == 12 and box.area == 12 and len(calls) == 1  # worked out on first use only
    assert Box.area.__doc__ == "w × h"
    # not a field: equality, hashing, repr and replace see only w and h
    assert box == Box(3, 4) and hash(box) == hash(Box(3, 4)) and repr(box).endswith("Box(w=3, h=4)")
    assert replace(box, w=5).area == 20
