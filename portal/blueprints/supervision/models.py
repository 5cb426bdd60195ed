"""Supervising the property company (物业监管): what is checked, the inspections,
and the rectifications (整改) the logistics center asks for."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal import timeutil
from portal.cache import watch
from portal.db import AwareDateTime, db, enum_column
from portal.files import StoredFile
from portal.i18n import lazy_gettext as _l
from portal.labels import LabelledEnum
from portal.models import User


class Area(LabelledEnum):
    """The services the contract buys (安全保卫、清洁卫生、绿化养护、水电维修、会议服务)."""

    CLEANING = "cleaning", _l("Cleaning"), "info"
    GREENING = "greening", _l("Greening"), "ok"
    SECURITY = "security", _l("Security"), "warn"
    MEETING = "meeting", _l("Meeting service"), "neutral"
    REPAIRS = "repairs", _l("Repair service"), "muted"


class RectificationStatus(LabelledEnum):
    OPEN = "open", _l("To be rectified"), "danger"
    REPORTED = "reported", _l("Reported done, to verify"), "warn"
    CLOSED = "closed", _l("Verified and closed"), "ok"


class CheckItem(db.Model):
    """One thing an inspector checks in an area, with its weight in the area's score."""

    __tablename__ = "supervision_check_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    area: Mapped[Area] = mapped_column(enum_column(Area), index=True)
    text: Mapped[str] = mapped_column(String(120))
    weight: Mapped[int] = mapped_column(Integer, default=1)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)


class Inspection(db.Model):
    """One inspection of an area: every active item of the area marked pass or fail.

    ``points`` and ``possible`` are the sums of the weights of the passed and
    of all the checked items, kept when the inspection is recorded, so a later
    change of the checklist does not change past scores.
    """

    __tablename__ = "supervision_inspection"
    __table_args__ = (Index("ix_supervision_inspection_area_at", "area", "inspected_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    area: Mapped[Area] = mapped_column(enum_column(Area))
    place: Mapped[str] = mapped_column(String(80), default="")
    inspected_at: Mapped[datetime] = mapped_column(AwareDateTime, default=timeutil.now, index=True)
    inspector_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(Text, default="")
    points: Mapped[int] = mapped_column(Integer, default=0)
    possible: Mapped[int] = mapped_column(Integer, default=0)

    inspector: Mapped[User | None] = relationship()
    results: Mapped[list[InspectionResult]] = relationship(
        back_populates="inspection", order_by="InspectionResult.id", cascade="all, delete-orphan"
    )

    @property
    def failed(self) -> list[InspectionResult]:
        return [r for r in self.results if not r.passed]


class InspectionResult(db.Model):
    __tablename__ = "supervision_inspection_result"

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("supervision_inspection.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("supervision_check_item.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(String(120))  # the item as it read that day
    weight: Mapped[int] = mapped_column(Integer)
    passed: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str] = mapped_column(String(300), default="")
    photo_id: Mapped[int | None] = mapped_column(ForeignKey("stored_file.id", ondelete="SET NULL"), unique=True)

    inspection: Mapped[Inspection] = relationship(back_populates="results")
    item: Mapped[CheckItem | None] = relationship()
    photo: Mapped[StoredFile | None] = relationship()


class Rectification(db.Model):
    """A rectification request (整改通知) to the property company, with a deadline.

    The property company reports it done; the logistics center verifies and
    closes it, or sends it back. On time means reported done by the deadline
    and then closed.
    """

    __tablename__ = "supervision_rectification"
    __table_args__ = (Index("ix_supervision_rectification_status_deadline", "status", "deadline"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    area: Mapped[Area] = mapped_column(enum_column(Area))
    inspection_id: Mapped[int | None] = mapped_column(
        ForeignKey("supervision_inspection.id", ondelete="SET NULL"), index=True
    )
    description: Mapped[str] = mapped_column(Text)
    deadline: Mapped[date] = mapped_column(Date)
    status: Mapped[RectificationStatus] = mapped_column(
        enum_column(RectificationStatus), default=RectificationStatus.OPEN
    )
    created_at: Mapped[datetime] = mapped_column(AwareDateTime, default=timeutil.now)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    reply: Mapped[str] = mapped_column(Text, default="")
    reported_at: Mapped[datetime | None] = mapped_column(AwareDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(AwareDateTime)
    returned_count: Mapped[int] = mapped_column(Integer, default=0)
    review_note: Mapped[str] = mapped_column(String(500), default="")

    patrol_round_id: Mapped[int | None] = mapped_column(
        ForeignKey("supervision_patrol_round.id", ondelete="SET NULL"), index=True
    )

    inspection: Mapped[Inspection | None] = relationship()
    patrol_round: Mapped[PatrolRound | None] = relationship()
    created_by: Mapped[User | None] = relationship()

    def is_overdue(self, today: date) -> bool:
        return self.status is RectificationStatus.OPEN and today > self.deadline

    @property
    def on_time(self) -> bool | None:
        """Closed, and reported done by the end of the deadline day; None while still open."""
        if self.status is not RectificationStatus.CLOSED or self.reported_at is None:
            return None
        return timeutil.to_local(self.reported_at).date() <= self.deadline


class Satisfaction(LabelledEnum):
    """A staff member's verdict on one service area, and the points it counts for."""

    SATISFIED = "satisfied", _l("Satisfied"), "ok"
    FAIRLY = "fairly", _l("Fairly satisfied"), "warn"
    DISSATISFIED = "dissatisfied", _l("Dissatisfied"), "danger"


SATISFACTION_POINTS = {Satisfaction.SATISFIED: 100, Satisfaction.FAIRLY: 60, Satisfaction.DISSATISFIED: 0}


class SurveyParticipation(db.Model):
    """That someone answered a month's survey (one answer per person per month).

    The ratings themselves (:class:`SurveyRating`) carry no link to the person
    nor a time, so nobody, the logistics center included, can tell who gave which.
    """

    __tablename__ = "supervision_survey_participation"
    __table_args__ = (UniqueConstraint("respondent_id", "year", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    respondent_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    year: Mapped[int] = mapped_column(Integer)
    month: Mapped[int] = mapped_column(Integer)


class SurveyRating(db.Model):
    __tablename__ = "supervision_survey_rating"
    __table_args__ = (Index("ix_supervision_survey_rating_month", "year", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    month: Mapped[int] = mapped_column(Integer)
    area: Mapped[Area] = mapped_column(enum_column(Area))
    rating: Mapped[Satisfaction] = mapped_column(enum_column(Satisfaction))


class PatrolRoute(db.Model):
    """A security patrol route: its checkpoints in order and the clock times a round is expected.

    ``times`` holds the expected times as ``HH:MM`` separated by spaces; a round
    started within ``tolerance_minutes`` either side of one counts for it. A
    route is retired rather than changed, so past days keep what was expected.
    """

    __tablename__ = "supervision_patrol_route"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    checkpoints: Mapped[str] = mapped_column(Text)  # one per line, in walking order
    times: Mapped[str] = mapped_column(String(400))
    tolerance_minutes: Mapped[int] = mapped_column(Integer, default=30)
    created_at: Mapped[datetime] = mapped_column(AwareDateTime, default=timeutil.now)
    retired_at: Mapped[datetime | None] = mapped_column(AwareDateTime)

    @property
    def checkpoint_list(self) -> list[str]:
        return [line.strip() for line in self.checkpoints.splitlines() if line.strip()]

    @property
    def time_list(self) -> list[time]:
        return [time.fromisoformat(t) for t in self.times.split()]

    @property
    def tolerance(self) -> timedelta:
        return timedelta(minutes=self.tolerance_minutes)


class PatrolRound(db.Model):
    """One round walked by a guard: started and ended at the moments the guard pressed the buttons."""

    __tablename__ = "supervision_patrol_round"
    __table_args__ = (
        Index("ix_supervision_patrol_round_route_started", "route_id", "started_at"),
        Index("ix_supervision_patrol_round_guard_open", "guard_id", "ended_at"),  # a guard's rounds not yet finished
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    route_id: Mapped[int] = mapped_column(ForeignKey("supervision_patrol_route.id", ondelete="CASCADE"))
    guard_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    started_at: Mapped[datetime] = mapped_column(AwareDateTime, index=True)
    ended_at: Mapped[datetime | None] = mapped_column(AwareDateTime)
    note: Mapped[str] = mapped_column(Text, default="")

    route: Mapped[PatrolRoute] = relationship()
    guard: Mapped[User | None] = relationship()
    checks: Mapped[list[PatrolCheck]] = relationship(
        back_populates="round", order_by="PatrolCheck.position", cascade="all, delete-orphan"
    )

    @property
    def findings(self) -> list[PatrolCheck]:
        return [c for c in self.checks if c.finding]


class PatrolCheck(db.Model):
    """A checkpoint of a round: reached or not, with what the guard found there."""

    __tablename__ = "supervision_patrol_check"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("supervision_patrol_round.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    checkpoint: Mapped[str] = mapped_column(String(80))  # as the route read that day
    checked: Mapped[bool] = mapped_column(Boolean)
    finding: Mapped[str] = mapped_column(String(300), default="")

    round: Mapped[PatrolRound] = relationship(back_populates="checks")


class MeetingItem(LabelledEnum):
    """What a half-monthly meeting decides about."""

    SUGGESTION = "suggestion", _l("Staff feedback")
    RECTIFICATION = "rectification", _l("Rectification")


class Meeting(db.Model):
    """A half-monthly meeting of the logistics center and the property company (物业例会)."""

    __tablename__ = "supervision_meeting"

    id: Mapped[int] = mapped_column(primary_key=True)
    held_on: Mapped[date] = mapped_column(Date, index=True)
    attendees: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(AwareDateTime, default=timeutil.now)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    decisions: Mapped[list[MeetingDecision]] = relationship(
        back_populates="meeting", order_by="MeetingDecision.id", cascade="all, delete-orphan"
    )


class MeetingDecision(db.Model):
    """What a meeting decided about one item (a staff feedback or a rectification), with an owner and deadline."""

    __tablename__ = "supervision_meeting_decision"
    __table_args__ = (
        UniqueConstraint("meeting_id", "item_kind", "item_id"),
        Index("ix_supervision_meeting_decision_item", "item_kind", "item_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("supervision_meeting.id", ondelete="CASCADE"))
    item_kind: Mapped[MeetingItem] = mapped_column(enum_column(MeetingItem))
    item_id: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(80), default="")
    deadline: Mapped[date | None] = mapped_column(Date)

    meeting: Mapped[Meeting] = relationship(back_populates="decisions")


# The pages kept per data version of this area (see views.SUPERVISION_DATA).
watch("supervision", CheckItem, Inspection, InspectionResult, Rectification, SurveyParticipation, SurveyRating,
      PatrolRoute, PatrolRound, PatrolCheck, Meeting, MeetingDecision)
