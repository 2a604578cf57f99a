"""Every kind of room message: its type (the same string in the log and on the wire), who receives
it, and the model of its `data`. `record()` builds a message's data from its model, so a service
cannot send one type with another's fields; `/docs` lists them from here."""

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict

from app.annotations.models import AnnotationPublic
from app.events.models import EventStatus
from app.phases.models import BoardFilterPublic, PhasePublic, TimerPublic
from app.voting.models import VotingStatus


class MessageType(StrEnum):
    ANNOTATION_ADDED = "annotation.added"
    ANNOTATION_UPDATED = "annotation.updated"
    ANNOTATION_REMOVED = "annotation.removed"
    ANNOTATION_HIDDEN = "annotation.hidden"
    ANNOTATION_UNHIDDEN = "annotation.unhidden"
    ANNOTATIONS_REVEALED = "annotations.revealed"
    SUPPORT_REQUESTED = "support.requested"
    SUPPORT_HANDLED = "support.handled"
    BOARD_LINK_CHANGED = "board_link.changed"
    TEAMS_CHANGED = "teams.changed"
    EVENT_STATUS = "event.status"
    PHASE_CHANGED = "phase.changed"
    AGENDA_CHANGED = "agenda.changed"
    TIMER_CHANGED = "timer.changed"
    SPOTLIGHT_CHANGED = "spotlight.changed"
    READINESS_CHANGED = "readiness.changed"
    BOARD_CHANGED = "board.changed"
    IMPROVEMENTS_CHANGED = "improvements.changed"
    VOTING_CHANGED = "voting.changed"
    VOTES_CHANGED = "votes.changed"
    ACTIONS_CHANGED = "actions.changed"
    # Never logged: what a participant receives in place of a message only facilitators may see.
    PRIVATE = "private"


ANNOTATION_TYPES = frozenset(
    {
        MessageType.ANNOTATION_ADDED,
        MessageType.ANNOTATION_UPDATED,
        MessageType.ANNOTATION_REMOVED,
        MessageType.ANNOTATION_HIDDEN,
        MessageType.ANNOTATION_UNHIDDEN,
    }
)
# Private to facilitators: participants receive only that something private happened.
FACILITATOR_ONLY_TYPES = frozenset(
    {MessageType.SUPPORT_REQUESTED, MessageType.SUPPORT_HANDLED, MessageType.BOARD_LINK_CHANGED}
)
# What participants never receive of an annotation: whether it is hidden, or still private.
FACILITATOR_ONLY_FIELDS = ("hidden", "private")


class Payload(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# The API's public schemas (SQLModel) made strict the same way: SQLModel types its config as its
# own kind of dict, and pydantic merges this one into it.
_STRICT: Any = ConfigDict(extra="forbid")


class AnnotationSnapshot(AnnotationPublic):
    """An annotation as facilitators receive it: the annotations API's fields, always with
    `hidden` and `private`."""

    model_config = _STRICT
    hidden: bool
    private: bool


class AnnotationForParticipants(AnnotationPublic):
    """An annotation as participants receive it: never whether it is hidden or still private."""

    model_config = _STRICT


class AnnotationRemoved(Payload):
    """Gone from this screen: withdrawn, or (for this audience) hidden or still private."""

    id: int | None
    touchpoint_id: int | None


class AnnotationsRevealed(Payload):
    count: int
    annotations: list[AnnotationSnapshot]


class AnnotationsRevealedToParticipants(Payload):
    count: int
    annotations: list[AnnotationForParticipants]


class SupportRequestRef(Payload):
    id: int


class BoardLink(Payload):
    """Boards opened with an older link version close."""

    version: int


class TeamName(Payload):
    id: int
    name: str


class TeamsChanged(Payload):
    teams: list[TeamName]
    removed: list[int]


class EventStatusChanged(Payload):
    status: EventStatus


class PhaseChanged(Payload):
    phase: str
    name: str
    private_writing: bool


class AgendaChanged(Payload):
    phases: list[PhasePublic]


class TimerChanged(TimerPublic):
    """The timer as the timer API answers it."""

    model_config = _STRICT


class SpotlightChanged(Payload):
    touchpoint_id: int | None
    stage_id: int | None
    name: str | None


class ReadinessChanged(Payload):
    phase: str
    ready: int


class BoardChanged(Payload):
    view: str
    filter: BoardFilterPublic | None


class ImprovementsChanged(Payload):
    ids: list[int]


class VotingChanged(Payload):
    status: VotingStatus
    dots_per_participant: int
    max_dots_per_improvement: int
    revealed: bool
    participants_may_group: bool


class ActionChanged(Payload):
    id: int
    improvement_id: int


EVERYONE = "everyone"
FACILITATORS = "facilitators only (participants receive `private` instead)"
_ANNOTATION_RULE = (
    "everyone; participants receive it without `hidden` and `private`. Words still private reach"
    " everyone as `annotation.removed` (`annotations.revealed` carries them later), and hidden words"
    " reach participants as `annotation.removed`"
)


@dataclass(frozen=True)
class MessageSpec:
    about: str
    receivers: str
    payload: type[BaseModel] | None
    # What participants receive, when it differs from `payload`.
    for_participants: type[BaseModel] | None = None


SPECS: dict[MessageType, MessageSpec] = {
    MessageType.ANNOTATION_ADDED: MessageSpec(
        "A participant added an annotation, or one was typed in from paper.",
        _ANNOTATION_RULE,
        AnnotationSnapshot,
        AnnotationForParticipants,
    ),
    MessageType.ANNOTATION_UPDATED: MessageSpec(
        "Its author changed an annotation.", _ANNOTATION_RULE, AnnotationSnapshot, AnnotationForParticipants
    ),
    MessageType.ANNOTATION_REMOVED: MessageSpec(
        "An annotation was withdrawn (or this audience may no longer see it).",
        EVERYONE,
        AnnotationRemoved,
    ),
    MessageType.ANNOTATION_HIDDEN: MessageSpec(
        "A facilitator hid an annotation.",
        "facilitators; participants receive `annotation.removed` instead",
        AnnotationSnapshot,
    ),
    MessageType.ANNOTATION_UNHIDDEN: MessageSpec(
        "A facilitator showed a hidden annotation again.",
        "facilitators; participants receive `annotation.added` instead",
        AnnotationSnapshot,
    ),
    MessageType.ANNOTATIONS_REVEALED: MessageSpec(
        "Everything written in private became visible at once.",
        "everyone; participants receive the annotations without `hidden` and `private`, and"
        " never a hidden one",
        AnnotationsRevealed,
        AnnotationsRevealedToParticipants,
    ),
    MessageType.SUPPORT_REQUESTED: MessageSpec(
        "A participant asked for a break or support.", FACILITATORS, SupportRequestRef
    ),
    MessageType.SUPPORT_HANDLED: MessageSpec(
        "A facilitator dealt with a call for support.", FACILITATORS, SupportRequestRef
    ),
    MessageType.BOARD_LINK_CHANGED: MessageSpec(
        "The board link was made again or revoked.", FACILITATORS, BoardLink
    ),
    MessageType.TEAMS_CHANGED: MessageSpec(
        "Teams were added, renamed, reordered, re-paired or removed.", EVERYONE, TeamsChanged
    ),
    MessageType.EVENT_STATUS: MessageSpec("The event was opened or closed.", EVERYONE, EventStatusChanged),
    MessageType.PHASE_CHANGED: MessageSpec("The room moved to another phase.", EVERYONE, PhaseChanged),
    MessageType.AGENDA_CHANGED: MessageSpec("The agenda's phases were edited.", EVERYONE, AgendaChanged),
    MessageType.TIMER_CHANGED: MessageSpec(
        "The timer was started, paused or extended.", EVERYONE, TimerChanged
    ),
    MessageType.SPOTLIGHT_CHANGED: MessageSpec(
        "A stage or touchpoint was spotlit, or the spotlight cleared.", EVERYONE, SpotlightChanged
    ),
    MessageType.READINESS_CHANGED: MessageSpec(
        "How many participants said they are done with this phase.", EVERYONE, ReadinessChanged
    ),
    MessageType.BOARD_CHANGED: MessageSpec("The board shows another view or filter.", EVERYONE, BoardChanged),
    MessageType.IMPROVEMENTS_CHANGED: MessageSpec(
        "Improvements were added, changed, grouped or removed.", EVERYONE, ImprovementsChanged
    ),
    MessageType.VOTING_CHANGED: MessageSpec(
        "Voting was opened, closed, revealed or its rules changed.", EVERYONE, VotingChanged
    ),
    MessageType.VOTES_CHANGED: MessageSpec("Someone placed or took back dots.", EVERYONE, None),
    MessageType.ACTIONS_CHANGED: MessageSpec(
        "An action of the plan was added, changed or removed.", EVERYONE, ActionChanged
    ),
    MessageType.PRIVATE: MessageSpec(
        "Something only facilitators may see happened (it keeps the participant's seq gap-free).",
        "participants only",
        None,
    ),
}


def payload_data(type: MessageType, data: BaseModel | None) -> dict[str, Any] | None:
    """The message's `data` as it is logged and sent, refusing a payload of another type's model."""
    expected = SPECS[type].payload
    if type == MessageType.PRIVATE:
        raise ValueError("`private` is never recorded: participants receive it in place of another message.")
    if expected is None:
        if data is not None:
            raise TypeError(f"{type} carries no data, not {data.__class__.__name__}.")
        return None
    if data.__class__ is not expected:
        raise TypeError(f"{type} carries {expected.__name__}, not {data.__class__.__name__}.")
    return data.model_dump(mode="json")


def model_for(type: MessageType, audience: str) -> type[BaseModel] | None:
    """The model of the `data` that `audience` ('facilitator' or 'participant') receives."""
    spec = SPECS[type]
    return spec.for_participants or spec.payload if audience == "participant" else spec.payload


def catalogue() -> list[dict[str, Any]]:
    """Every message type for the API's documentation: who receives it, its fields, and the JSON
    schema of its `data` (for facilitators, and for participants when it differs)."""
    listed = []
    for type, spec in SPECS.items():
        entry: dict[str, Any] = {
            "type": type.value,
            "about": spec.about,
            "receivers": spec.receivers,
            "data": spec.payload.model_json_schema() if spec.payload else None,
            "fields": _fields(spec.payload.model_json_schema()) if spec.payload else [],
        }
        if spec.for_participants:
            entry["participant_data"] = spec.for_participants.model_json_schema()
            entry["participant_fields"] = _fields(entry["participant_data"])
        listed.append(entry)
    return listed


def _fields(
    schema: dict[str, Any], prefix: str = "", defs: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    """A schema's fields as plain rows, nested objects' fields under `name.` or `name[].`."""
    defs = schema.get("$defs", {}) if defs is None else defs
    required = set(schema.get("required", []))
    rows = []
    for name, prop in schema.get("properties", {}).items():
        rows.append(
            {
                "name": prefix + name,
                "type": _type_name(prop, defs),
                "required": name in required,
                "about": prop.get("description", ""),
            }
        )
        nested, path = _nested(prop, defs)
        if nested is not None:
            rows += _fields(nested, f"{prefix}{name}{path}.", defs)
    return rows


def _resolve(prop: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    ref = prop.get("$ref")
    resolved: dict[str, Any] = defs[ref.rsplit("/", 1)[-1]] if ref else prop
    return resolved


def _nested(prop: dict[str, Any], defs: dict[str, Any]) -> tuple[dict[str, Any] | None, str]:
    for option in prop.get("anyOf", [prop]):
        option = _resolve(option, defs)
        if option.get("type") == "array":
            item = _resolve(option.get("items", {}), defs)
            if "properties" in item:
                return item, "[]"
        if "properties" in option:
            return option, ""
    return None, ""


def _type_name(prop: dict[str, Any], defs: dict[str, Any]) -> str:
    if "anyOf" in prop:
        return " or ".join(_type_name(option, defs) for option in prop["anyOf"])
    prop = _resolve(prop, defs)
    if "enum" in prop:
        return "one of " + ", ".join(f'"{v}"' for v in prop["enum"])
    if prop.get("type") == "array":
        return f"list, each {_type_name(prop.get('items', {}), defs)}"
    if "properties" in prop:
        return "object"
    if prop.get("format") == "date-time":
        return "date and time (ISO 8601)"
    kind = str(prop.get("type", "any"))
    return {"integer": "whole number", "string": "text", "boolean": "true or false"}.get(kind, kind)
