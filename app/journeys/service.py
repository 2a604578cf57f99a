"""Journey maps: templates loaded from data files, and each event's own editable copy."""

import time
import tomllib
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session, col, delete, select

from app.errors import Invalid, found
from app.journeys.files import StageIn, TouchpointIn
from app.journeys.models import MAX_STAGES, MAX_TOUCHPOINTS_PER_STAGE, JourneyMap, Stage, Touchpoint


class NamePayload(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    name: str = Field(min_length=1, max_length=120)
    description: str = Field(default="", max_length=500)


@dataclass
class StageView:
    stage: Stage
    touchpoints: list[Touchpoint]


def load_templates(session: Session, folder: Path) -> int:
    """Refresh template maps from their files. Events keep their own copies, so this is safe.
    A file's `order` places it in the library (the default map first); templates imported or saved
    by facilitators have no slug and are left alone."""
    files = [(path, tomllib.loads(path.read_text(encoding="utf-8"))) for path in folder.glob("*.toml")]
    files.sort(key=lambda item: (item[1].get("order", 100), item[0].name))
    for path, raw in files:
        slug = raw.get("slug") or path.stem
        journey = session.exec(select(JourneyMap).where(JourneyMap.slug == slug)).first()
        if journey is None:
            journey = JourneyMap(slug=slug, name=raw["name"], is_template=True)
        journey.name = raw["name"]
        journey.description = raw.get("description", "")
        session.add(journey)
        session.flush()
        write_stages(
            session,
            journey.id or 0,
            [
                StageIn(
                    name=raw_stage["name"],
                    description=raw_stage.get("description", ""),
                    touchpoints=[
                        TouchpointIn(name=tp["name"], prompt=tp.get("prompt", ""))
                        for tp in raw_stage.get("touchpoints", [])
                    ],
                )
                for raw_stage in raw.get("stages", [])
            ],
        )
    return len(files)


def write_stages(session: Session, map_id: int, new_stages: list[StageIn]) -> None:
    """Replace every stage and touchpoint of the map with these, in this order."""
    session.execute(delete(Touchpoint).where(col(Touchpoint.journey_map_id) == map_id))
    session.execute(delete(Stage).where(col(Stage.journey_map_id) == map_id))
    for s_pos, spec in enumerate(new_stages):
        stage = Stage(journey_map_id=map_id, position=s_pos, name=spec.name, description=spec.description)
        session.add(stage)
        session.flush()
        for t_pos, tp in enumerate(spec.touchpoints):
            session.add(
                Touchpoint(
                    journey_map_id=map_id,
                    stage_id=stage.id or 0,
                    position=t_pos,
                    name=tp.name,
                    prompt=tp.prompt,
                )
            )
    session.flush()


def stage_specs(session: Session, map_id: int) -> list[StageIn]:
    """The map as plain stages and touchpoints: what an export writes and a template copies."""
    return [
        StageIn(
            name=v.stage.name,
            description=v.stage.description,
            touchpoints=[TouchpointIn(name=tp.name, prompt=tp.prompt) for tp in v.touchpoints],
        )
        for v in stages(session, map_id)
    ]


def get_map(session: Session, map_id: int) -> JourneyMap:
    return found(session.get(JourneyMap, map_id), "There is no such journey map.")


def add_template(
    session: Session, new_stages: list[StageIn], *, name: str, description: str = ""
) -> JourneyMap:
    """A new template in the library, from an imported file or from an event's edited map."""
    name = name.strip()
    if not 1 <= len(name) <= 120:
        raise Invalid("Give the template a name of 1 to 120 characters.")
    journey = JourneyMap(name=name, description=description[:1000], is_template=True)
    session.add(journey)
    session.flush()
    write_stages(session, journey.id or 0, new_stages)
    return journey


def import_template(session: Session, new_stages: list[StageIn], *, filename: str, name: str) -> JourneyMap:
    """An imported file as a new template, named as asked or else after the file."""
    stem = filename.rsplit("/", 1)[-1].rsplit(".", 1)[0].replace("_", " ").strip()
    return add_template(session, new_stages, name=name.strip() or stem[:120] or "Imported map")


def save_as_template(session: Session, map_id: int, *, name: str) -> JourneyMap:
    source = get_map(session, map_id)
    return add_template(session, stage_specs(session, map_id), name=name, description=source.description)


def list_templates(session: Session) -> list[JourneyMap]:
    return list(
        session.exec(select(JourneyMap).where(col(JourneyMap.is_template)).order_by(col(JourneyMap.id)))
    )


def get_template(session: Session, map_id: int) -> JourneyMap:
    journey = session.get(JourneyMap, map_id)
    if journey is None or not journey.is_template:
        raise Invalid("Choose one of the journey-map templates.")
    return journey


def copy_map(session: Session, template: JourneyMap) -> JourneyMap:
    journey = JourneyMap(name=template.name, description=template.description)
    session.add(journey)
    session.flush()
    for view in stages(session, template.id or 0):
        stage = Stage(
            journey_map_id=journey.id or 0,
            position=view.stage.position,
            name=view.stage.name,
            description=view.stage.description,
        )
        session.add(stage)
        session.flush()
        for tp in view.touchpoints:
            session.add(
                Touchpoint(
                    journey_map_id=journey.id or 0,
                    stage_id=stage.id or 0,
                    position=tp.position,
                    name=tp.name,
                    prompt=tp.prompt,
                )
            )
    session.flush()
    return journey


# Maps that can no longer change (their event is open or closed), read once a minute per process
# rather than for every live render. Copies, in no session, shared: read-only.
_fixed: dict[Hashable, tuple[float, list[StageView]]] = {}
_FIXED_MAX = 256
_FIXED_SECONDS = 60.0


def stages(session: Session, map_id: int, *, fixed_key: Hashable | None = None) -> list[StageView]:
    """The map's stages with their touchpoints, in order. Pass `fixed_key` (unique to this map, e.g.
    its event's id and creation time) only for a map that can no longer be edited: the answer may
    then be a shared copy read earlier, to be treated as read-only."""
    key = (map_id, fixed_key)
    if fixed_key is not None:
        cached = _fixed.get(key)
        if cached is not None and time.monotonic() - cached[0] < _FIXED_SECONDS:
            return cached[1]
    stage_rows = session.exec(
        select(Stage).where(Stage.journey_map_id == map_id).order_by(col(Stage.position), col(Stage.id))
    ).all()
    tps = session.exec(
        select(Touchpoint)
        .where(Touchpoint.journey_map_id == map_id)
        .order_by(col(Touchpoint.position), col(Touchpoint.id))
    ).all()
    if fixed_key is not None:
        stage_rows = [Stage(**s.model_dump()) for s in stage_rows]
        tps = [Touchpoint(**tp.model_dump()) for tp in tps]
    by_stage: dict[int, list[Touchpoint]] = {}
    for tp in tps:
        by_stage.setdefault(tp.stage_id, []).append(tp)
    views = [StageView(stage=s, touchpoints=by_stage.get(s.id or 0, [])) for s in stage_rows]
    if fixed_key is not None:
        if len(_fixed) >= _FIXED_MAX and key not in _fixed:
            _fixed.pop(next(iter(_fixed)), None)
        _fixed[key] = (time.monotonic(), views)
    return views


MapPart = TypeVar("MapPart", Stage, Touchpoint)


def _of_map(session: Session, model: type[MapPart], map_id: int, part_id: int) -> MapPart:
    part = session.get(model, part_id)
    what = model.__name__.lower()
    return found(
        part if part is not None and part.journey_map_id == map_id else None,
        f"That {what} is not part of this event's journey map.",
    )


def get_touchpoint(session: Session, map_id: int, touchpoint_id: int) -> Touchpoint:
    return _of_map(session, Touchpoint, map_id, touchpoint_id)


def get_stage(session: Session, map_id: int, stage_id: int) -> Stage:
    return _of_map(session, Stage, map_id, stage_id)


def _append(
    session: Session, part: MapPart, siblings: Sequence[MapPart], most: int, too_many: str
) -> MapPart:
    """Adds a stage or touchpoint after its siblings, refused once there are `most` of them."""
    if len(siblings) >= most:
        raise Invalid(too_many)
    part.position = max((s.position for s in siblings), default=-1) + 1
    session.add(part)
    session.flush()
    return part


def add_stage(session: Session, map_id: int, data: NamePayload) -> Stage:
    existing = session.exec(select(Stage).where(Stage.journey_map_id == map_id)).all()
    stage = Stage(journey_map_id=map_id, name=data.name, description=data.description)
    return _append(
        session, stage, existing, MAX_STAGES, f"A journey map can have at most {MAX_STAGES} stages."
    )


def add_touchpoint(session: Session, map_id: int, stage_id: int, data: NamePayload) -> Touchpoint:
    stage = get_stage(session, map_id, stage_id)
    existing = session.exec(select(Touchpoint).where(Touchpoint.stage_id == stage.id)).all()
    tp = Touchpoint(journey_map_id=map_id, stage_id=stage_id, name=data.name, prompt=data.description)
    most = MAX_TOUCHPOINTS_PER_STAGE
    return _append(session, tp, existing, most, f"A stage can have at most {most} touchpoints.")


def _rename(session: Session, part: MapPart, data: NamePayload) -> MapPart:
    part.name = data.name
    # What a stage calls its description is, on a touchpoint, the lens question phones show.
    if isinstance(part, Stage):
        part.description = data.description
    else:
        part.prompt = data.description
    session.add(part)
    return part


def rename_stage(session: Session, map_id: int, stage_id: int, data: NamePayload) -> Stage:
    return _rename(session, get_stage(session, map_id, stage_id), data)


def rename_touchpoint(session: Session, map_id: int, touchpoint_id: int, data: NamePayload) -> Touchpoint:
    return _rename(session, get_touchpoint(session, map_id, touchpoint_id), data)


def remove_stage(session: Session, map_id: int, stage_id: int) -> None:
    session.delete(get_stage(session, map_id, stage_id))


def remove_touchpoint(session: Session, map_id: int, touchpoint_id: int) -> None:
    session.delete(get_touchpoint(session, map_id, touchpoint_id))


def move_stage(session: Session, map_id: int, stage_id: int, offset: int) -> None:
    ordered = [view.stage for view in stages(session, map_id)]
    _move(ordered, get_stage(session, map_id, stage_id), offset)
    for position, stage in enumerate(ordered):
        stage.position = position
        session.add(stage)


def move_touchpoint(session: Session, map_id: int, touchpoint_id: int, offset: int) -> None:
    tp = get_touchpoint(session, map_id, touchpoint_id)
    siblings = next(v.touchpoints for v in stages(session, map_id) if v.stage.id == tp.stage_id)
    _move(siblings, tp, offset)
    for position, sibling in enumerate(siblings):
        sibling.position = position
        session.add(sibling)


def _move(items: list[Any], item: object, offset: int) -> None:
    index = items.index(item)
    target = min(max(index + offset, 0), len(items) - 1)
    items.insert(target, items.pop(index))
