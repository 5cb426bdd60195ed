from __future__ import annotations

from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from portal.blueprints.supervision.meetings import DecisionDraft, MeetingDraft, item_key
from portal.blueprints.supervision.models import Area, CheckItem, MeetingItem, PatrolRoute, Satisfaction
from portal.blueprints.supervision.services import (
    MAX_WEIGHT,
    MIN_WEIGHT,
    CheckMark,
    InspectionDraft,
    ItemDraft,
    Mark,
    RectificationDraft,
    RoundDraft,
    RouteDraft,
)
from portal.forms import Form
from portal.i18n import lazy_gettext as _l

PASS, FAIL = "pass", "fail"


def area_choices() -> list[SelectChoice]:
    return [SelectChoice("", _l("— choose —"))] + [SelectChoice(v, label) for v, label in Area.choices()]


class ItemForm(Form):
    area = SelectField(_l("Service area"), choices=area_choices(), validators=[InputRequired(message=_l("Choose a service area."))])
    text = StringField(_l("What is checked"), validators=[InputRequired(), Length(max=120)],
                       description=_l("e.g. “卫生间地面无积水、无异味”."))
    weight = IntegerField(_l("Weight"), default=1,
                          validators=[InputRequired(message=_l("A weight is a whole number from 1 to 10.")),
                                      NumberRange(MIN_WEIGHT, MAX_WEIGHT, message=_l("A weight is a whole number from 1 to 10."))],
                          description=_l("1 to 10: how much this item counts in the area's score."))

    def to_draft(self) -> ItemDraft:
        return ItemDraft(area=self.area.data or "", text=self.text.data or "", weight=self.weight.data)


class InspectionBase(Form):
    place = StringField(_l("Where"), validators=[Optional(), Length(max=80)],
                        description=_l("e.g. “主楼3楼东侧卫生间”, “北门岗”."))
    note = TextAreaField(_l("Overall note"), validators=[Optional(), Length(max=1000)], render_kw={"rows": 2, "maxlength": 1000})

    area_value: Area
    items: list[CheckItem]

    def item_fields(self):
        for item in self.items:
            yield item, self[f"item_{item.id}"], self[f"note_{item.id}"], self[f"photo_{item.id}"]

    def has_photos(self) -> bool:
        return any(photo.data is not None for *_, photo in self.item_fields())

    def to_draft(self) -> InspectionDraft:
        marks = {}
        for item, verdict, note, photo in self.item_fields():
            passed = {PASS: True, FAIL: False}.get(verdict.data or "")
            marks[item.id] = Mark(passed=passed, note=note.data or "", photo=photo.data)
        return InspectionDraft(area=self.area_value, place=self.place.data or "", note=self.note.data or "", marks=marks)


def inspection_form(area: Area, items: list[CheckItem], **kwargs) -> InspectionBase:
    """A form with a pass/fail choice and a note for each item of the area's checklist."""

    class InspectionForm(InspectionBase):
        pass

    for item in items:
        setattr(InspectionForm, f"item_{item.id}", RadioField(
            item.text, choices=[SelectChoice(PASS, _l("Pass")), SelectChoice(FAIL, _l("Fail"))],
            validators=[InputRequired(message=_l("Mark every item pass or fail."))],
        ))
        setattr(InspectionForm, f"note_{item.id}", StringField(
            _l("Note"), validators=[Optional(), Length(max=300)], render_kw={"maxlength": 300},
        ))
        setattr(InspectionForm, f"photo_{item.id}", FileField(
            _l("Photo"), description=_l("Optional: JPG or PNG; all the photos of one inspection together at most 10 MB."),
            render_kw={"accept": "image/*", "capture": "environment"},
        ))
    form = InspectionForm(**kwargs)
    form.area_value = area
    form.items = items
    return form


class RectificationForm(Form):
    area = SelectField(_l("Service area"), choices=area_choices(), validators=[InputRequired(message=_l("Choose a service area."))])
    description = TextAreaField(_l("What must be put right"), validators=[InputRequired(), Length(max=2000)],
                                render_kw={"rows": 4, "maxlength": 2000})
    deadline = DateField(_l("Deadline"), validators=[InputRequired(message=_l("Give a deadline."))])

    def to_draft(self, inspection_id: int | None, patrol_round_id: int | None = None) -> RectificationDraft:
        return RectificationDraft(area=self.area.data or "", description=self.description.data or "",
                                  deadline=self.deadline.data, inspection_id=inspection_id,
                                  patrol_round_id=patrol_round_id)


class ReplyForm(Form):
    reply = TextAreaField(_l("What was put right"), validators=[InputRequired(), Length(max=2000)],
                          render_kw={"rows": 3, "maxlength": 2000})


class ReviewForm(Form):
    verdict = RadioField(_l("Verdict"), choices=[SelectChoice("accept", _l("Acceptable: close it")),
                                                 SelectChoice("return", _l("Not acceptable: send it back"))],
                         validators=[InputRequired(message=_l("Choose whether to close it or send it back."))])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=500)], render_kw={"rows": 2, "maxlength": 500},
                         description=_l("Required when sending it back: what is still not acceptable."))


class SurveyForm(Form):
    """One question per service area; each may be left unanswered (“I cannot say”)."""

    def answers(self) -> dict[Area, str]:
        return {area: self[f"area_{area.value}"].data or "" for area in Area}

    def area_fields(self):
        return [self[f"area_{area.value}"] for area in Area]


for _area in Area:
    setattr(SurveyForm, f"area_{_area.value}", RadioField(
        _area.label,
        choices=[SelectChoice(v, label) for v, label in Satisfaction.choices()] + [SelectChoice("", _l("Cannot say"))],
        default="", validators=[Optional()],
    ))
del _area



class RouteForm(Form):
    name = StringField(_l("Patrol route"), validators=[InputRequired(), Length(max=80)], description=_l("e.g. “主楼夜间巡逻”."))
    checkpoints = TextAreaField(_l("Checkpoints"), validators=[InputRequired()], render_kw={"rows": 5},
                                description=_l("One per line, in the order they are walked."))
    times = StringField(_l("Fixed round times"), validators=[Optional(), Length(max=400)],
                        description=_l("HH:MM separated by spaces, e.g. 08:00 12:00 17:30. Or leave empty and fill in "
                                       "the three fields below."))
    every_minutes = IntegerField(_l("Minutes between rounds"), validators=[Optional()],
                                 description=_l("e.g. 120 for every 2 hours."))
    start = TimeField(_l("First round"), validators=[Optional()])
    end = TimeField(_l("Last round"), validators=[Optional()],
                    description=_l("Earlier than the first round for a night schedule, e.g. 18:00 to 08:00."))
    tolerance_minutes = IntegerField(_l("Tolerance (minutes)"), default=30,
                                     validators=[InputRequired(message=_l("The tolerance is 5 to 120 minutes."))],
                                     description=_l("A round started this long before or after the time counts."))

    def to_draft(self) -> RouteDraft:
        return RouteDraft(name=self.name.data or "", checkpoints=self.checkpoints.data or "",
                          times=self.times.data or "", every_minutes=self.every_minutes.data, start=self.start.data,
                          end=self.end.data, tolerance_minutes=self.tolerance_minutes.data)


class RoundBase(Form):
    note = TextAreaField(_l("Note on the patrol"), validators=[Optional(), Length(max=1000)],
                         render_kw={"rows": 2, "maxlength": 1000})

    checkpoints: list[str]

    def checkpoint_fields(self):
        for position, name in enumerate(self.checkpoints):
            yield name, self[f"checked_{position}"], self[f"finding_{position}"]

    def to_draft(self) -> RoundDraft:
        return RoundDraft(
            marks={position: CheckMark(bool(checked.data), finding.data or "")
                   for position, (_name, checked, finding) in enumerate(self.checkpoint_fields())},
            note=self.note.data or "",
        )


def round_form(route: PatrolRoute, **kwargs) -> RoundBase:
    """A tick and a finding for each checkpoint of the route, in walking order."""

    class RoundForm(RoundBase):
        pass

    checkpoints = route.checkpoint_list
    for position, name in enumerate(checkpoints):
        setattr(RoundForm, f"checked_{position}", BooleanField(name, default=True))
        setattr(RoundForm, f"finding_{position}", StringField(
            _l("Finding"), validators=[Optional(), Length(max=300)], render_kw={"maxlength": 300},
        ))
    form = RoundForm(**kwargs)
    form.checkpoints = checkpoints
    return form


class MeetingBase(Form):
    held_on = DateField(_l("Date of the meeting"), validators=[InputRequired(message=_l("Give the date of the meeting."))])
    attendees = TextAreaField(_l("Who attended"), validators=[InputRequired(), Length(max=1000)],
                              render_kw={"rows": 2, "maxlength": 1000},
                              description=_l("Names and units, e.g. “后勤中心 李主任、富航物业 张经理”."))

    keys: list[tuple[MeetingItem, int]]

    def item_fields(self, kind: MeetingItem, item_id: int):
        key = item_key(kind, item_id)
        return self[f"decision_{key}"], self[f"owner_{key}"], self[f"deadline_{key}"]

    def to_draft(self) -> MeetingDraft:
        decisions = {}
        for kind, item_id in self.keys:
            text, owner, deadline = self.item_fields(kind, item_id)
            decisions[(kind, item_id)] = DecisionDraft(text.data or "", owner.data or "", deadline.data)
        return MeetingDraft(self.held_on.data, self.attendees.data or "", decisions)


def meeting_form(keys: list[tuple[MeetingItem, int]], **kwargs) -> MeetingBase:
    """The meeting's date and attendees, and a decision (with an optional owner and deadline) per pack item."""

    class MeetingForm(MeetingBase):
        pass

    for kind, item_id in keys:
        key = item_key(kind, item_id)
        setattr(MeetingForm, f"decision_{key}", TextAreaField(
            _l("Meeting decision"), validators=[Optional(), Length(max=1000)], render_kw={"rows": 2, "maxlength": 1000}))
        setattr(MeetingForm, f"owner_{key}", StringField(
            _l("Responsible"), validators=[Optional(), Length(max=80)], render_kw={"maxlength": 80}))
        setattr(MeetingForm, f"deadline_{key}", DateField(_l("Deadline"), validators=[Optional()]))
    form = MeetingForm(**kwargs)
    form.keys = keys
    return form
