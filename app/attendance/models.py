from sqlmodel import Field, SQLModel


class Attendance(SQLModel, table=True):
    """Who to pay for their time. Typed by the facilitator and kept apart from participation:
    no link to tokens, teams or anything anyone wrote."""

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="event.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=120)
    hours: float = 0
    payment_method: str = Field(default="", max_length=120)
    notes: str = Field(default="", max_length=500)
