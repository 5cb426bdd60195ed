from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import lru_cache, partial
from io import BytesIO
from typing import Any

from flask import abort, flash, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import get_locale, ngettext
from flask_login import current_user
from markupsafe import Markup, escape

from portal import files, timeutil
from portal.blueprints.supervision import PATROL_VIEWERS, VIEWERS, bp, patrols, scoring
from portal.blueprints.supervision.export import build_workbook
from portal.blueprints.supervision.forms import (
    ItemForm,
    RectificationForm,
    ReplyForm,
    ReviewForm,
    RouteForm,
    SurveyForm,
    inspection_form,
    meeting_form,
    round_form,
)
from portal.blueprints.supervision.logtables import LogWords, days_markup
from portal.blueprints.supervision.meetings import (
    decided_items,
    decisions_for,
    find_meeting,
    item_key,
    meetings_query,
    pack,
    record_meeting,
)
from portal.blueprints.supervision.models import (
    Area,
    CheckItem,
    MeetingItem,
    PatrolRoute,
    Rectification,
    RectificationStatus,
)
from portal.blueprints.supervision.services import (
    GUARDS,
    RESPONDENTS,
    active_routes,
    add_item,
    add_route,
    all_routes_query,
    find_round,
    finish_round,
    open_rounds_of,
    patrol_log,
    rectifications_of_round,
    retire_route,
    start_round,
    answer_survey,
    has_answered,
    all_items_query,
    checklist,
    evaluation,
    find_inspection,
    find_result_photo,
    find_rectification,
    inspection_percent,
    inspections_query,
    month_score,
    rectification_counts,
    rectifications_of,
    rectifications_query,
    recent_inspections,
    record_inspection,
    report_done,
    request_rectification,
    review,
    set_item_active,
)
from portal.cache import cached, kept_page
from portal.db import db
from portal.forms import EmptyForm, form_status
from portal.htmx import redirect_to, render
from portal.labels import badge
from portal.models import Role
from portal.requestargs import arg_date, arg_enum, arg_int, arg_page, paginate
from portal.rules import BadArgument, RuleViolation
from portal.spreadsheets import workbook_bytes
from portal.security import ADMINS, roles_required

FIRST_YEAR, LAST_YEAR = 2000, 2100
# What the kept pages are drawn from: the evaluation counts the repairs data too; the
# inspectors' and guards' names come from the accounts ("building": units and people).
SUPERVISION_DATA = ("supervision", "repairs", "building")
PATROL_DATA = ("supervision", "building")


def _page(template: str, partial: Any = None, **context: Any):
    context.setdefault("is_admin", current_user.has_role(*ADMINS))
    context.setdefault("is_property", current_user.has_role(Role.PROPERTY))
    context.setdefault("is_guard", current_user.has_role(*GUARDS))
    context.setdefault("sees_supervision", current_user.has_role(*VIEWERS))
    context.update(Area=Area, RectificationStatus=RectificationStatus, today=timeutil.today(),
                   inspection_percent=inspection_percent, Component=scoring.Component, WEIGHTS=scoring.WEIGHTS)
    return render(template, partial, **context)


@bp.route("/")
@kept_page(SUPERVISION_DATA, signed_in=True)
@roles_required(*VIEWERS)
def index():
    now = timeutil.now()
    # This month's score, shared by every viewer within the minute while the data is unchanged. Only the
    # month: the page shows no quarter or year, and a month not yet settled is counted afresh each time;
    # nor the patrol rounds beside the score, which its table does not show.
    minute = timeutil.floor_to(now, timedelta(minutes=1))
    score = cached(SUPERVISION_DATA, ("month score", minute),
                   lambda: month_score(now.year, now.month, now=now, patrols=False))
    return _page(
        "supervision/index.html",
        score=score,
        counts=rectification_counts(now.date()),
        recent=recent_inspections(5),
    )


# --- checklists --------------------------------------------------------------------------------


@bp.route("/items", methods=["GET", "POST"])
@roles_required(*ADMINS)
def items():
    form = ItemForm()
    if form.validate_on_submit():
        try:
            add_item(form.to_draft(), actor=current_user, now=timeutil.now())
        except RuleViolation as error:
            db.session.rollback()
            error.show_on(form)
        else:
            db.session.commit()
            flash(_("The item was added to the checklist."), "success")
            return redirect_to(url_for("supervision.items", area=form.area.data))
    area = arg_enum("area", Area)
    if request.method == "GET" and area is not None:
        form.area.data = area.value
    return _page("supervision/items.html", form=form, area=area, page=paginate(all_items_query(area), per_page=50),
                 toggle=EmptyForm(), status=form_status(form))


@bp.route("/items/<int:item_id>/toggle", methods=["POST"])
@roles_required(*ADMINS)
def toggle_item(item_id: int):
    item = db.session.get(CheckItem, item_id) or abort(404)
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    set_item_active(item, not item.active, actor=current_user, now=timeutil.now())
    db.session.commit()
    flash(_("The item is checked again.") if item.active else _("The item is no longer checked."), "success")
    return redirect_to(url_for("supervision.items", area=item.area.value))


# --- inspections -----------------------------------------------------------------------------


@bp.route("/inspect", methods=["GET", "POST"])
@roles_required(*ADMINS)
def inspect():
    """Inspect an area on a phone: each item pass or fail, a note for what failed."""
    area = arg_enum("area", Area)
    if area is None:
        return _page("supervision/inspect_choose.html")
    items_ = checklist(area)
    form = inspection_form(area, items_)
    status = form_status(form)
    if form.validate_on_submit():
        try:
            inspection = record_inspection(form.to_draft(), actor=current_user, now=timeutil.now())
        except RuleViolation as error:
            db.session.rollback()
            error.show_on(form)
            status = error.status
        else:
            db.session.commit()
            if inspection.failed:
                flash(_("Inspection saved: %(num)s item(s) failed. Request a rectification below.",
                        num=len(inspection.failed)), "warning")
            else:
                flash(_("Inspection saved: every item passed."), "success")
            return redirect_to(url_for("supervision.inspection", inspection_id=inspection.id))
    if request.method == "POST" and form.has_photos():
        form.form_errors.append(_("Nothing was saved, and a browser cannot keep chosen photos: choose them again."))
    return _page("supervision/inspect.html", form=form, area=area, status=status)


@bp.route("/inspections")
@roles_required(*VIEWERS)
def inspections():
    area = arg_enum("area", Area)
    return _page("supervision/inspections.html", "supervision/_inspections_table.html",
                 page=paginate(inspections_query(area)), area=area)


@bp.route("/inspections/<int:inspection_id>")
@roles_required(*VIEWERS)
def inspection(inspection_id: int):
    found = find_inspection(inspection_id) or abort(404)
    rectifications = rectifications_of(found)
    return _page("supervision/inspection.html", inspection=found, rectifications=rectifications)


@bp.route("/inspections/results/<int:result_id>/photo")
@roles_required(*VIEWERS)
def result_photo(result_id: int):
    """The photo taken with one item of an inspection: whoever sees the inspection sees it."""
    return files.send(find_result_photo(result_id) or abort(404))


# --- rectifications -------------------------------------------------------------------------


@bp.route("/rectifications")
@roles_required(*VIEWERS)
def rectifications():
    status = arg_enum("status", RectificationStatus)
    area = arg_enum("area", Area)
    return _page("supervision/rectifications.html", "supervision/_rectifications_table.html",
                 page=paginate(rectifications_query(status, area)), status_filter=status, area=area)


@bp.route("/rectifications/new", methods=["GET", "POST"])
@roles_required(*ADMINS)
def new_rectification():
    """A rectification request, from an inspection's failed items, a patrol round's findings, or on its own."""
    inspection_id = arg_int("inspection")
    patrol_id = arg_int("patrol")
    source = patrol = None
    if inspection_id is not None:
        source = find_inspection(inspection_id) or abort(404)
    elif patrol_id is not None:
        patrol = find_round(patrol_id) or abort(404)
    form = RectificationForm()
    if request.method == "GET":
        form.deadline.data = timeutil.today() + timedelta(days=3)
        if source is not None:
            form.area.data = source.area.value
            lines = [f"{r.text}：{r.note}" for r in source.failed]
            if source.place:
                lines.insert(0, source.place)
            form.description.data = "\n".join(lines)
        elif patrol is not None:
            form.area.data = Area.SECURITY.value
            form.description.data = "\n".join([patrol.route.name] + [f"{c.checkpoint}：{c.finding}"
                                                                       for c in patrol.findings])
    if form.validate_on_submit():
        try:
            item = request_rectification(form.to_draft(inspection_id, patrol.id if patrol else None),
                                         actor=current_user, now=timeutil.now())
        except RuleViolation as error:
            db.session.rollback()
            error.show_on(form)
        else:
            db.session.commit()
            flash(_("Rectification no. %(id)s was sent to the property company.", id=item.id), "success")
            return redirect_to(url_for("supervision.rectification", rectification_id=item.id))
    return _page("supervision/rectification_new.html", form=form, source=source, patrol=patrol,
                 status=form_status(form))


def _render_rectification(item: Rectification, *, reply: ReplyForm | None = None, review_form: ReviewForm | None = None,
                          status: int = 200, error: str = ""):
    can_reply = current_user.has_role(Role.PROPERTY) and item.status is RectificationStatus.OPEN
    can_review = current_user.has_role(*ADMINS) and item.status is RectificationStatus.REPORTED
    return _page(
        "supervision/rectification.html", item=item, error=error, status=status,
        decisions=decisions_for(MeetingItem.RECTIFICATION, item.id),
        reply_form=reply or (ReplyForm(formdata=None) if can_reply else None),
        review_form=review_form or (ReviewForm(formdata=None) if can_review else None),
    )


@bp.route("/rectifications/<int:rectification_id>")
@roles_required(*VIEWERS)
def rectification(rectification_id: int):
    return _render_rectification(find_rectification(rectification_id) or abort(404))


@bp.route("/rectifications/<int:rectification_id>/report", methods=["POST"])
@roles_required(Role.PROPERTY)
def report(rectification_id: int):
    item = find_rectification(rectification_id) or abort(404)
    form = ReplyForm()
    if not form.validate_on_submit():
        return _render_rectification(item, reply=form, status=422)
    try:
        report_done(item, form.reply.data, actor=current_user, now=timeutil.now())
    except RuleViolation as error:
        db.session.rollback()
        if error.status != 422:
            return _render_rectification(item, status=error.status, error=str(error))
        error.show_on(form)
        return _render_rectification(item, reply=form, status=422)
    db.session.commit()
    flash(_("Reported done; the logistics center will verify it."), "success")
    return redirect_to(url_for("supervision.rectification", rectification_id=item.id))


@bp.route("/rectifications/<int:rectification_id>/review", methods=["POST"])
@roles_required(*ADMINS)
def review_rectification(rectification_id: int):
    item = find_rectification(rectification_id) or abort(404)
    form = ReviewForm()
    if not form.validate_on_submit():
        return _render_rectification(item, review_form=form, status=422)
    try:
        review(item, form.verdict.data == "accept", form.note.data or "", actor=current_user, now=timeutil.now())
    except RuleViolation as error:
        db.session.rollback()
        if error.status != 422:
            return _render_rectification(item, status=error.status, error=str(error))
        error.show_on(form)
        return _render_rectification(item, review_form=form, status=422)
    db.session.commit()
    if item.status is RectificationStatus.CLOSED:
        flash(_("Rectification no. %(id)s is closed.", id=item.id), "success")
    else:
        flash(_("Rectification no. %(id)s was sent back to the property company.", id=item.id), "success")
    return redirect_to(url_for("supervision.rectification", rectification_id=item.id))


# --- the evaluation --------------------------------------------------------------------------


def _month_arg() -> tuple[int, int]:
    now = timeutil.now()
    raw = (request.args.get("month") or "").strip()
    if not raw:
        return now.year, now.month
    year_text, _sep, month_text = raw.partition("-")
    if not (year_text.isascii() and year_text.isdigit() and month_text.isascii() and month_text.isdigit()) \
            or not FIRST_YEAR <= int(year_text) <= LAST_YEAR or not 1 <= int(month_text) <= 12:
        raise BadArgument(_("Give the month as YYYY-MM, e.g. 2026-11."), field="month")
    return int(year_text), int(month_text)


@bp.route("/scores")
@roles_required(*VIEWERS)
def scores():
    year, month = _month_arg()
    now = timeutil.now()
    return _page("supervision/scores.html", evaluation=evaluation(year, month, now=now), year=year, month=month,
                 month_value=f"{year:04d}-{month:02d}")


@bp.route("/scores.xlsx")
@roles_required(*VIEWERS)
def scores_xlsx():
    """The month's evaluation as a workbook, for the contract's payment discussion."""
    year, month = _month_arg()
    result = evaluation(year, month, now=timeutil.now())
    return send_file(BytesIO(workbook_bytes(build_workbook(result))),
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                     as_attachment=True, download_name=f"property-evaluation-{year:04d}-{month:02d}.xlsx")


@bp.route("/survey", methods=["GET", "POST"])
@roles_required(*RESPONDENTS)
def survey():
    """This month's satisfaction survey: one question per service area, once a month, anonymous."""
    now = timeutil.now()
    answered = has_answered(current_user, now.year, now.month)
    form = SurveyForm()
    if not answered and form.validate_on_submit():
        try:
            answer_survey(form.answers(), actor=current_user, now=now)
        except RuleViolation as error:
            db.session.rollback()
            error.show_on(form)
        else:
            db.session.commit()
            flash(_("Thank you. Your answers are counted without your name."), "success")
            return redirect_to(url_for("supervision.survey"))
    status = form_status(form)
    if answered and request.method == "POST":
        status = 409
        flash(_("You have already answered this month's survey. Thank you."), "warning")
    return _page("supervision/survey.html", form=form, answered=answered, status=status,
                 month_label=f"{now.year}-{now.month:02d}")


# --- security patrols -------------------------------------------------------------------------


@bp.route("/patrols")
@kept_page(PATROL_DATA, signed_in=True)
@roles_required(*PATROL_VIEWERS)
def patrols_log():
    """The patrol log by day (a week a page), the missed rounds marked; a guard starts a round here."""
    now = timeutil.now()
    guard = current_user.has_role(*GUARDS)
    return _page("supervision/patrols.html", page=patrol_log(arg_page(), now=now), log_days=days_markup,
                 words=_log_words(), routes=active_routes() if guard else [],
                 open_rounds=open_rounds_of(current_user) if guard else [],
                 start_form=EmptyForm(formdata=None) if guard else None)


_EXPECTED_HEAD = Markup('    <caption>{}</caption>\n    <thead><tr><th scope="col">{}</th><th scope="col">{}</th>'
                        '<th scope="col">{}</th></tr></thead>\n')
_RECORDED_HEAD = Markup('    <caption>{}</caption>\n    <thead><tr><th scope="col">{}</th><th scope="col">{}</th>'
                        '<th scope="col">{}</th><th scope="col">{}</th></tr></thead>\n')


@lru_cache(maxsize=64)
def _missed_rounds(locale: str, count: int) -> Markup:
    """"3 missed rounds" in ``locale`` (the request's language, which ngettext reads: the argument keys the cache)."""
    return escape(ngettext("%(num)s missed round", "%(num)s missed rounds", count))


@lru_cache(maxsize=8)
def _log_texts(locale: str) -> tuple[Markup, Markup, Callable[[int], Markup], dict[patrols.SlotStatus, Markup],
                                     Markup, Markup, Markup]:
    """The log's own words in one language: translated once (the catalogs do not change while the portal runs),
    as the status badges are (a page of the log has thirteen; translating them took a fifth of a millisecond)."""
    return (_EXPECTED_HEAD.format(_("Expected rounds"), _("Time"), _("Patrol route"), _("Status")),
            _RECORDED_HEAD.format(_("Rounds recorded"), _("Started"), _("Patrol route"), _("Guard"), _("Findings")),
            partial(_missed_rounds, locale), {status: badge(status) for status in patrols.SlotStatus},
            escape(_("started %(time)s")) % {"time": "%s"}, escape(_("Being walked")), escape(_("No rounds recorded.")))


def _log_words() -> LogWords:
    """What the log says besides its rounds, in the reader's language, and where a round's page is."""
    return LogWords(*_log_texts(str(get_locale())), escape(url_for("supervision.patrol_round", round_id=0)[:-1]))


@bp.route("/patrols/routes/<int:route_id>/start", methods=["POST"])
@roles_required(*GUARDS)
def start_patrol(route_id: int):
    route = db.session.get(PatrolRoute, route_id) or abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        patrol_round = start_round(route, actor=current_user, now=timeutil.now())
    except RuleViolation as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect_to(url_for("supervision.patrols_log"))
    db.session.commit()
    flash(_("Round started at %(time)s. Tick each checkpoint as you pass it, then finish the round.",
            time=timeutil.to_local(patrol_round.started_at).strftime("%H:%M")), "success")
    return redirect_to(url_for("supervision.patrol_round", round_id=patrol_round.id))


def _render_round(patrol_round, form=None, status: int = 200):
    if form is None and patrol_round.ended_at is None and patrol_round.guard_id == current_user.id:
        form = round_form(patrol_round.route, formdata=None)
    return _page("supervision/patrol_round.html", patrol_round=patrol_round, form=form, status=status,
                 rectifications=rectifications_of_round(patrol_round))


@bp.route("/patrols/rounds/<int:round_id>")
@roles_required(*PATROL_VIEWERS)
def patrol_round(round_id: int):
    return _render_round(find_round(round_id) or abort(404))


@bp.route("/patrols/rounds/<int:round_id>/finish", methods=["POST"])
@roles_required(*GUARDS)
def finish_patrol(round_id: int):
    found = find_round(round_id) or abort(404)
    form = round_form(found.route)
    if not form.validate_on_submit():
        return _render_round(found, form, status=422)
    try:
        finish_round(found, form.to_draft(), actor=current_user, now=timeutil.now())
    except RuleViolation as error:
        db.session.rollback()
        if error.status != 422:
            raise
        error.show_on(form)
        return _render_round(found, form, status=422)
    db.session.commit()
    flash(_("Round finished and recorded."), "success")
    return redirect_to(url_for("supervision.patrol_round", round_id=found.id))


@bp.route("/patrol-routes", methods=["GET", "POST"])
@roles_required(*ADMINS)
def patrol_routes():
    form = RouteForm()
    if form.validate_on_submit():
        try:
            add_route(form.to_draft(), actor=current_user, now=timeutil.now())
        except RuleViolation as error:
            db.session.rollback()
            error.show_on(form)
        else:
            db.session.commit()
            flash(_("The route was added; its rounds are expected from now on."), "success")
            return redirect_to(url_for("supervision.patrol_routes"))
    return _page("supervision/patrol_routes.html", form=form, page=paginate(all_routes_query(), per_page=50),
                 retire=EmptyForm(formdata=None), status=form_status(form))


@bp.route("/patrols/routes/<int:route_id>/retire", methods=["POST"])
@roles_required(*ADMINS)
def retire_patrol_route(route_id: int):
    route = db.session.get(PatrolRoute, route_id) or abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        retire_route(route, actor=current_user, now=timeutil.now())
    except RuleViolation as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(_("The route is retired; no more rounds are expected on it."), "success")
    return redirect_to(url_for("supervision.patrol_routes"))


# --- the half-monthly meeting ------------------------------------------------------------------


@bp.route("/meetings")
@roles_required(*VIEWERS)
def meetings():
    return _page("supervision/meetings.html", page=paginate(meetings_query()), day=timeutil.today())


@bp.route("/meetings/pack")
@roles_required(*VIEWERS)
def meeting_pack():
    """The pack for the meeting on a day, to print: open feedback, open rectifications, the scores since the last."""
    day = arg_date("date", timeutil.today())
    return _page("supervision/meeting_pack.html", pack=pack(day, viewer=current_user, now=timeutil.now()), form=None,
                 item_key=item_key, MeetingItem=MeetingItem)


@bp.route("/meetings/new", methods=["GET", "POST"])
@roles_required(*ADMINS)
def new_meeting():
    """Record the meeting: date, attendees, and a decision against each item of its pack."""
    day = arg_date("date", timeutil.today())
    found = pack(day, viewer=current_user, now=timeutil.now())
    keys = [(MeetingItem.SUGGESTION, f.id) for f in found.feedback] + \
        [(MeetingItem.RECTIFICATION, r.id) for r in found.rectifications]
    form = meeting_form(keys)
    if request.method == "GET":
        form.held_on.data = day
    if form.validate_on_submit():
        try:
            meeting = record_meeting(form.to_draft(), actor=current_user, now=timeutil.now())
        except RuleViolation as error:
            db.session.rollback()
            if error.status != 422:
                raise
            error.show_on(form)
        else:
            db.session.commit()
            flash(_("The meeting and its %(num)s decision(s) were recorded.", num=len(meeting.decisions)), "success")
            return redirect_to(url_for("supervision.meeting", meeting_id=meeting.id))
    return _page("supervision/meeting_new.html", form=form, pack=found, item_key=item_key, MeetingItem=MeetingItem,
                 status=form_status(form))


@bp.route("/meetings/<int:meeting_id>")
@roles_required(*VIEWERS)
def meeting(meeting_id: int):
    found = find_meeting(meeting_id) or abort(404)
    return _page("supervision/meeting.html", meeting=found, items=decided_items(found), MeetingItem=MeetingItem)
