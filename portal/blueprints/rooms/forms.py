from __future__ import annotations

from datetime import date, time

from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import (
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from portal.blueprints.rooms.models import Recurrence, TaskState
from portal.blueprints.rooms.services import ARRANGEMENT_FIELDS, MAX_OCCURRENCES, BookingChange, BookingDraft, slot_times
from portal.blueprints.rooms.tasks import TaskUpdate
from portal.forms import Form, MultiCheckboxField
from portal.i18n import lazy_gettext as _l
from portal.models import Equipment, Room, Unit


def reasonable_date(form, field) -> None:
    if field.data is not None and not (date(2000, 1, 1) <= field.data <= date(2100, 12, 31)):
        raise ValidationError(_l("Enter a date between 2000 and 2100."))


def iso_dates(form, field) -> None:
    """The chosen dates of a planned series: each an ISO date (the service ignores any not in the series)."""
    try:
        field.parsed = frozenset(date.fromisoformat(value) for value in field.data or ())
    except (TypeError, ValueError):
        raise ValidationError(_l("Choose the dates from the list.")) from None


def time_choices(*, starts: bool) -> list[SelectChoice]:
    times = slot_times()
    times = times[:-1] if starts else times[1:]
    return [SelectChoice(t.strftime("%H:%M"), t.strftime("%H:%M")) for t in times]


def parse_time(value: str | None) -> time | None:
    try:
        return time.fromisoformat(value or "")
    except ValueError:
        return None


class RoomFilterForm(Form):
    """The free-room search (GET; nothing changes, so no CSRF)."""

    class Meta:
        csrf = False

    date = DateField(_l("Date"), validators=[Optional(), reasonable_date])
    start = SelectField(_l("From"), validators=[Optional()])
    end = SelectField(_l("To"), validators=[Optional()])
    attendees = IntegerField(_l("Attendees"), validators=[Optional(), NumberRange(min=1, max=1000)])
    equipment = MultiCheckboxField(_l("Equipment"), validators=[Optional()])

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.start.choices = [SelectChoice("", "—"), *time_choices(starts=True)]
        self.end.choices = [SelectChoice("", "—"), *time_choices(starts=False)]
        self.equipment.choices = Equipment.choices()


class BookingForm(Form):
    room_id = SelectField(_l("Meeting room"), coerce=int, validators=[InputRequired()])
    day = DateField(_l("Date"), validators=[InputRequired(), reasonable_date])
    start = SelectField(_l("Start"), validators=[InputRequired()])
    end = SelectField(_l("End"), validators=[InputRequired()])
    title = StringField(_l("Meeting title"), validators=[InputRequired(), Length(max=100)])
    unit_id = SelectField(_l("Organizing unit"), coerce=int, validators=[Optional()])
    contact_name = StringField(_l("Contact person"), validators=[InputRequired(), Length(max=40)])
    contact_phone = StringField(
        _l("Contact phone"),
        validators=[
            InputRequired(),
            Length(max=30),
            Regexp(r"^[0-9+()\- 转]{3,30}$", message=_l("Enter a phone number or extension (digits, +, -, spaces).")),
        ],
    )
    attendees = IntegerField(_l("Attendees"), validators=[InputRequired(), NumberRange(min=1, max=1000)])
    is_public = BooleanField(
        _l("Public meeting: the title may be shown on the lobby screen and the door sign"), default=True
    )
    tea_count = IntegerField(_l("Tea for (people)"), default=0, validators=[Optional(), NumberRange(min=0, max=1000)])
    needs_audio = BooleanField(_l("Sound system"))
    needs_projector = BooleanField(_l("Projector"))
    banner_text = StringField(_l("Banner text"), validators=[Optional(), Length(max=200)])
    name_cards = TextAreaField(_l("Name cards (one name per line)"), validators=[Optional(), Length(max=2000)])
    welcome_text = StringField(_l("Welcome screen text"), validators=[Optional(), Length(max=200)])
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=1000)])
    request_reason = TextAreaField(_l("Why this room (required for the VIP reception room)"),
                                   validators=[Optional(), Length(max=300)])
    repeat = SelectField(_l("Repeat"), default="", validators=[Optional()])
    repeat_until = DateField(_l("Repeat until"), validators=[Optional(), reasonable_date])
    repeat_count = IntegerField(
        _l("Number of meetings"), validators=[Optional(), NumberRange(min=2, max=MAX_OCCURRENCES)]
    )
    # Planning a series: "check dates" lists every date; the ticked ones (``dates``) are booked once ``planned``.
    check_dates = SubmitField(_l("Check the dates"))
    planned = HiddenField()
    dates = SelectMultipleField(_l("Dates to book"), validate_choice=False, validators=[iso_dates])

    def __init__(self, *args, rooms: list[Room] = (), units: list[Unit] = (), any_unit: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.start.choices = time_choices(starts=True)
        self.end.choices = time_choices(starts=False)
        self.repeat.choices = [SelectChoice("", _l("Does not repeat")), *Recurrence.choices()]
        self.room_id.choices = [SelectChoice(r.id, f"{r.label} {r.name}（{r.capacity or '—'}）") for r in rooms]
        # Only the logistics center names any unit (or none); everyone else books for their own unit.
        none = [SelectChoice(0, "—")] if any_unit or not units else []
        self.unit_id.choices = none + [SelectChoice(u.id, u.name) for u in units]

    def to_draft(self, room: Room) -> BookingDraft:
        """The one copy of the form's fields into what the service books."""
        return BookingDraft(
            room=room,
            day=self.day.data,
            start=time.fromisoformat(self.start.data),
            end=time.fromisoformat(self.end.data),
            title=self.title.data,
            attendees=self.attendees.data,
            unit_id=self.unit_id.data or None,
            contact_name=self.contact_name.data,
            contact_phone=self.contact_phone.data,
            is_public=self.is_public.data,
            tea_count=self.tea_count.data or 0,
            needs_audio=self.needs_audio.data,
            needs_projector=self.needs_projector.data,
            banner_text=self.banner_text.data or "",
            name_cards=self.name_cards.data or "",
            welcome_text=self.welcome_text.data or "",
            notes=self.notes.data or "",
            request_reason=self.request_reason.data or "",
            recurrence=Recurrence(self.repeat.data) if self.repeat.data else None,
            until=self.repeat_until.data,
            count=self.repeat_count.data,
            days=self.dates.parsed if self.planned.data == "1" and self.repeat.data else None,
        )


class ChangeForm(Form):
    """Change a booking: room and time, attendees, meeting arrangements."""

    room_id = SelectField(_l("Meeting room"), coerce=int, validators=[InputRequired()])
    day = DateField(_l("Date"), validators=[InputRequired(), reasonable_date])
    start = SelectField(_l("Start"), validators=[InputRequired()])
    end = SelectField(_l("End"), validators=[InputRequired()])
    attendees = IntegerField(_l("Attendees"), validators=[InputRequired(), NumberRange(min=1, max=1000)])
    tea_count = IntegerField(_l("Tea for (people)"), default=0, validators=[Optional(), NumberRange(min=0, max=1000)])
    needs_audio = BooleanField(_l("Sound system"))
    needs_projector = BooleanField(_l("Projector"))
    banner_text = StringField(_l("Banner text"), validators=[Optional(), Length(max=200)])
    name_cards = TextAreaField(_l("Name cards (one name per line)"), validators=[Optional(), Length(max=2000)])
    welcome_text = StringField(_l("Welcome screen text"), validators=[Optional(), Length(max=200)])
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=1000)])

    def __init__(self, *args, rooms: list[Room] = (), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.start.choices = time_choices(starts=True)
        self.end.choices = time_choices(starts=False)
        self.room_id.choices = [SelectChoice(r.id, f"{r.label} {r.name}（{r.capacity or '—'}）") for r in rooms]

    def fill(self, booking, day: date, start: time, end: time) -> None:
        """The booking as it is (GET)."""
        self.room_id.data, self.day.data, self.attendees.data = booking.room_id, day, booking.attendees
        self.start.data, self.end.data = start.strftime("%H:%M"), end.strftime("%H:%M")
        for name in ARRANGEMENT_FIELDS:
            getattr(self, name).data = getattr(booking, name)

    def to_change(self, room: Room) -> BookingChange:
        """The one copy of the form's fields into what the service changes."""
        arrangements = {name: getattr(self, name).data for name in ARRANGEMENT_FIELDS}
        arrangements["tea_count"] = arrangements["tea_count"] or 0
        for name in ("banner_text", "name_cards", "welcome_text", "notes"):
            arrangements[name] = arrangements[name] or ""
        return BookingChange(room=room, day=self.day.data, start=time.fromisoformat(self.start.data),
                             end=time.fromisoformat(self.end.data), attendees=self.attendees.data,
                             arrangements=arrangements)


class RejectForm(Form):
    reason = TextAreaField(_l("Reason"), validators=[InputRequired(), Length(max=300)])


class DecisionForm(Form):
    """One decision on several requests (the approval queue's checkboxes) or a whole series."""

    booking_ids = MultiCheckboxField(_l("Requests"), coerce=int, validate_choice=False)
    decision = SelectField(_l("Decision"), choices=[SelectChoice("approve", _l("Approve")), SelectChoice("reject", _l("Reject"))],
                           validators=[InputRequired()])
    reason = TextAreaField(_l("Reason for rejection"), validators=[Optional(), Length(max=300)])

    @property
    def approves(self) -> bool:
        return self.decision.data == "approve"


class CancelForm(Form):
    scope = SelectField(
        _l("Cancel"),
        default="one",
        choices=[SelectChoice("one", _l("Only this meeting")), SelectChoice("rest", _l("This and all later meetings of the series"))],
    )


class ClosureForm(Form):
    room_id = SelectField(_l("Meeting room"), coerce=int, validators=[Optional()])
    start_day = DateField(_l("From date"), validators=[InputRequired(), reasonable_date])
    start = SelectField(_l("From time"), default="08:00", validators=[InputRequired()])
    end_day = DateField(_l("To date"), validators=[InputRequired(), reasonable_date])
    end = SelectField(_l("To time"), default="21:00", validators=[InputRequired()])
    reason = StringField(_l("Reason"), validators=[InputRequired(), Length(max=200)])

    def __init__(self, *args, rooms: list[Room] = (), all_rooms_label: object = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.start.choices = time_choices(starts=True)
        self.end.choices = time_choices(starts=False)
        self.room_id.choices = [SelectChoice(0, all_rooms_label)] + [
            SelectChoice(r.id, f"{r.label} {r.name}（{r.capacity or '—'}）") for r in rooms
        ]

    def period(self):
        from portal.timeutil import local

        return (local(self.start_day.data, time.fromisoformat(self.start.data)),
                local(self.end_day.data, time.fromisoformat(self.end.data)))


class RoomPolicyForm(Form):
    requires_approval = BooleanField(_l("Bookings need approval by the logistics center"))
    allowed_roles = MultiCheckboxField(_l("Who may request this room: roles"), validators=[Optional()])
    allowed_unit_ids = MultiCheckboxField(_l("Who may request this room: units"), coerce=int, validators=[Optional()])
    second_approval = BooleanField(_l("A second approval by another person"))
    reason_required = BooleanField(_l("A request must say why it needs this room"))
    release_no_shows = BooleanField(_l("Release the room when a meeting is not checked in"), default=True)
    no_show_grace_minutes = IntegerField(
        _l("Grace time (minutes after the start)"), default=15, validators=[Optional(), NumberRange(min=5, max=120)]
    )


class StatisticsForm(Form):
    """The statistics period (GET; nothing changes, so no CSRF)."""

    class Meta:
        csrf = False

    start = DateField(_l("From"), validators=[InputRequired(), reasonable_date])
    end = DateField(_l("To"), validators=[InputRequired(), reasonable_date])


class TaskForm(Form):
    """One meeting-service item: its state and who prepares it."""

    state = SelectField(_l("State"), validators=[InputRequired()])
    assignee_id = SelectField(_l("Assigned to"), coerce=int, validators=[Optional()])

    def __init__(self, *args, staff=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.state.choices = TaskState.choices()
        self.assignee_id.choices = [(0, "—"), *((u.id, u.display_name) for u in staff)]

    def to_update(self) -> TaskUpdate:
        return TaskUpdate(TaskState(self.state.data), self.assignee_id.data or None)


class PrintedForm(Form):
    day = DateField(_l("Date"), validators=[InputRequired(), reasonable_date])


class BookNowForm(Form):
    """Book a free room at its door sign (one form: how long, for how many, what)."""

    minutes = SelectField(_l("For"), coerce=int, validators=[InputRequired()])
    attendees = IntegerField(_l("Attendees"), default=2, validators=[InputRequired(), NumberRange(min=1, max=1000)])
    title = StringField(_l("Meeting title"), validators=[Optional(), Length(max=100)])

    def __init__(self, *args, options=(30, 60), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.minutes.choices = [(m, _l("%(num)s minutes", num=m)) for m in options]
