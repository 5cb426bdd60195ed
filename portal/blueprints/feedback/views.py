from __future__ import annotations

from typing import Any

from flask import abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal import timeutil
from portal.blueprints.feedback import bp
from portal.blueprints.feedback.forms import AnswerForm, FeedbackForm, InHandForm, ReceiptForm
from portal.blueprints.feedback.models import Feedback, Kind, Status, Topic
from portal.blueprints.feedback.services import (
    HANDLERS,
    answer,
    can_view,
    find,
    find_by_receipt,
    is_handler,
    manage_query,
    mine_query,
    published_query,
    submit,
    take_in_hand,
)
from portal.db import db
from portal.forms import form_status
from portal.htmx import redirect_to, render
from portal.requestargs import arg_enum, paginate
from portal.rules import RuleViolation
from portal.security import STAFF, roles_required


def _page(template: str, partial: Any = None, **context: Any):
    context.setdefault("is_handler", is_handler(current_user))
    context.update(Status=Status, Kind=Kind, Topic=Topic)
    return render(template, partial, **context)


def load(feedback_id: int) -> Feedback:
    item = find(feedback_id)
    if item is None:
        abort(404)
    if not can_view(current_user, item):
        abort(403)
    return item


@bp.route("/")
@roles_required(*STAFF)
def index():
    """Answers published to all staff, and my own feedback."""
    topic = arg_enum("topic", Topic)
    return _page("feedback/index.html", "feedback/_published.html", page=paginate(published_query(topic)), topic=topic,
                 mine=paginate(mine_query(current_user), per_page=10), receipt=ReceiptForm(formdata=None))


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*STAFF)
def new():
    form = FeedbackForm()
    if form.validate_on_submit():
        try:
            item, code = submit(form.to_draft(), actor=current_user, now=timeutil.now())
        except RuleViolation as error:
            db.session.rollback()
            error.show_on(form)
        else:
            db.session.commit()
            flash(_("Thank you. Your receipt code is %(code)s: keep it to follow your feedback.", code=code), "success")
            if item.anonymous:
                return redirect_to(url_for("feedback.receipt"))
            return redirect_to(url_for("feedback.detail", feedback_id=item.id))
    return _page("feedback/new.html", form=form, status=form_status(form))


@bp.route("/receipt", methods=["GET", "POST"])
@roles_required(*STAFF)
def receipt():
    """Follow feedback by its receipt code (how an anonymous sender reads the answer).

    The code travels in the form body, never in a URL, so no server log pairs it with an account."""
    form = ReceiptForm()
    item = None
    status = 200
    if form.validate_on_submit():
        item = find_by_receipt(form.code.data or "")
        if item is None:
            form.code.errors = [_("No feedback has this receipt code.")]
            status = 404
    elif request.method == "POST":
        status = 422
    return _page("feedback/receipt.html", form=form, item=item, status=status)


@bp.route("/<int:feedback_id>")
@roles_required(*STAFF)
def detail(feedback_id: int):
    return _render_detail(load(feedback_id))


def _render_detail(item: Feedback, *, in_hand: InHandForm | None = None, answer_form: AnswerForm | None = None,
                   status: int = 200, error: str = ""):
    handler = is_handler(current_user)
    if handler and in_hand is None and item.status is Status.NEW:
        in_hand = InHandForm(formdata=None, data={"topic": item.topic.value})
    if handler and answer_form is None:
        answer_form = AnswerForm(formdata=None, data={"answer": item.answer, "publish": item.published})
    return _page("feedback/detail.html", item=item, in_hand=in_hand, answer_form=answer_form, status=status, error=error,
                 is_sender=item.sender_id is not None and item.sender_id == current_user.id)


@bp.route("/manage")
@roles_required(*HANDLERS)
def manage():
    status = arg_enum("status", Status)
    kind = arg_enum("kind", Kind)
    return _page("feedback/manage.html", "feedback/_manage_table.html", page=paginate(manage_query(status, kind)),
                 status_filter=status, kind=kind)


@bp.route("/<int:feedback_id>/in-hand", methods=["POST"])
@roles_required(*HANDLERS)
def in_hand(feedback_id: int):
    item = load(feedback_id)
    form = InHandForm()
    if not form.validate_on_submit():
        return _render_detail(item, in_hand=form, status=422)
    try:
        take_in_hand(item, form.note.data or "", form.topic.data, actor=current_user, now=timeutil.now())
    except RuleViolation as error:
        db.session.rollback()
        if error.status != 422:
            return _render_detail(item, status=error.status, error=str(error))
        error.show_on(form)
        return _render_detail(item, in_hand=form, status=422)
    db.session.commit()
    flash(_("Feedback no. %(id)s is being handled.", id=item.id), "success")
    return redirect_to(url_for("feedback.detail", feedback_id=item.id))


@bp.route("/<int:feedback_id>/answer", methods=["POST"])
@roles_required(*HANDLERS)
def answer_view(feedback_id: int):
    item = load(feedback_id)
    form = AnswerForm()
    if not form.validate_on_submit():
        return _render_detail(item, answer_form=form, status=422)
    try:
        answer(item, form.answer.data or "", bool(form.publish.data), actor=current_user, now=timeutil.now())
    except RuleViolation as error:
        db.session.rollback()
        error.show_on(form)
        return _render_detail(item, answer_form=form, status=error.status)
    db.session.commit()
    flash(_("The answer to feedback no. %(id)s is saved.", id=item.id), "success")
    return redirect_to(url_for("feedback.detail", feedback_id=item.id))
