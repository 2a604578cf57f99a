from sqlmodel import Field, SQLModel

MAX_STAGES = 30
MAX_TOUCHPOINTS_PER_STAGE = 30


class JourneyMap(SQLModel, table=True):
    """A template (is_template) or one event's own editable copy of one."""

    __tablename__ = "journey_map"
    id: int | None = Field(default=None, primary_key=True)
    slug: str | None = Field(default=None, max_length=80, unique=True)
    name: str = Field(max_length=120)
    description: str = Field(default="", max_length=1000)
    is_template: bool = False


class Stage(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    journey_map_id: int = Field(foreign_key="journey_map.id", index=True, ondelete="CASCADE")
    position: int = 0
    name: str = Field(max_length=120)
    description: str = Field(default="", max_length=500)


class Touchpoint(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    journey_map_id: int = Field(foreign_key="journey_map.id", index=True, ondelete="CASCADE")
    stage_id: int = Field(foreign_key="stage.id", index=True, ondelete="CASCADE")
    position: int = 0
    name: str = Field(max_length=120)
    prompt: str = Field(default="", max_length=500)


# ---- what the JSON API answers ------------------------------------------------------------------


class TouchpointPublic(SQLModel):
    id: int
    name: str
    prompt: str
    position: int


class StagePublic(SQLModel):
    id: int
    name: str
    description: str
    position: int
    touchpoints: list[TouchpointPublic]


class StageSummary(SQLModel):
    """A stage of a map in the library: its name and its touchpoints' names."""

    name: str
    touchpoints: list[str]


class JourneyMapPublic(SQLModel):
    """A template in the journey-map library."""

    id: int
    slug: str | None
    name: str
    description: str
    stages: list[StageSummary]


class ImportedMap(SQLModel):
    """A map read from a spreadsheet: a new template, or (with `event_id`) a draft event's map."""

    id: int
    name: str
    is_template: bool
    event_id: int | None
    stages: list[StageSummary]


class SavedTemplate(SQLModel):
    """An event's map saved as a template."""

    id: int
    name: str
    stages: list[StageSummary]
