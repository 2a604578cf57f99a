"""Turning form posts into the same validated schemas the JSON API uses."""

from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ValidationError

from app.errors import Invalid

M = TypeVar("M", bound=BaseModel)
# A yes/no field that a form may leave out: "" keeps the setting as it is.
Flag = Literal["", "true", "false"]

LABELS = {
    "text": "What you noticed",
    "principles": "Principles",
    "kind": "Kind",
    "title": "Title",
    "name": "Name",
    "join_code": "Join code",
    "touchpoint_id": "Touchpoint",
    "team_id": "Team",
    "summary": "Summary",
    "annotation_ids": "Contributions",
    "add_annotation_ids": "Contributions",
    "remove_annotation_ids": "Contributions",
    "driver": "Roadmap driver",
    "into": "Merge into",
    "what": "What will be done",
    "owner": "Owner (a role)",
    "due": "By when",
    "review": "Review date",
    "dots_per_participant": "Dots per participant",
    "max_dots_per_improvement": "Most dots on one improvement",
}


def validate(model: type[M], data: dict[str, Any]) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        parts = []
        for err in exc.errors():
            field = str(err["loc"][0]) if err["loc"] else ""
            label = LABELS.get(field, field.replace("_", " ").capitalize())
            parts.append(f"{label}: {err['msg'].rstrip('.')}." if label else f"{err['msg']}.")
        raise Invalid(" ".join(parts)) from None


def optional_int(value: str | None) -> int | None:
    value = (value or "").strip()
    if not value:
        return None
    if not value.isdigit() or len(value) > 12:
        raise Invalid("Choose one of the options.")
    return int(value)


def flag(value: Flag) -> bool | None:
    """A yes/no field: None when the form left it out."""
    return None if not value else value == "true"
