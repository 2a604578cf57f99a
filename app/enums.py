"""Choices that carry the words people read: each member is written once, with its label."""

from enum import StrEnum
from typing import Self


class LabelledEnum(StrEnum):
    """A `StrEnum` whose members are written `member = "value", "Label"`: the value is what is
    stored and sent, `member.label` what a page, an export or a phone shows."""

    _value_: str
    label: str

    def __new__(cls, value: str, label: str = "") -> Self:
        # `label` has a default only for the type checker: `Kind("idea")` looks a member up by value.
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member

    @classmethod
    def labels(cls) -> dict[Self, str]:
        """Member -> label. A member is its value as a string, so the value looks it up too."""
        return {member: member.label for member in cls}

    @classmethod
    def labels_by_value(cls) -> dict[str, str]:
        """Value -> label, for templates and exports that hold the plain value."""
        return {member.value: member.label for member in cls}
