from __future__ import annotations

from flask import abort, current_app, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from portal import timeutil
from portal.blueprints.notifications import bp, services, smtp_settings
from portal.blueprints.notifications.forms import ProfileForm, WebhookForm
from portal.blueprints.notifications.models import WebhookTarget
from portal.cache import kept_page, session_account_id
from portal.confirm import confirmation_page, confirmed
from portal.db import db
from portal.forms import EmptyForm, form_status
from portal.htmx import redirect_to, render
from portal.models import Unit
from portal.requestargs import arg_page, paginate, parse_int
from portal.rules import RuleViolation
from portal.security import ADMINS, login_required, roles_required


def _inbox_version() -> str | None:
    """The viewer's inbox as it stands (messages have no data area: see services.inbox_version)."""
    account = session_account_id()
    return services.inbox_version(account) if account is not None else None


@bp.route("/")
@kept_page((), signed_in=True, version=_inbox_version)
@login_required
def inbox():
    page = services.inbox_page(current_user.id, arg_page(), current_app.config["PAGE_SIZE"])
    return render("notifications/inbox.html", "notifications/_inbox_list.html", page=page,
                  entries=page.items, form=EmptyForm())


@bp.route("/count")
@login_required
def count():
    return render("notifications/_count.html", count=services.open_count(current_user.id))


@bp.route("/read", methods=["POST"])
@login_required
def mark_read():
    form = EmptyForm()
    if not form.validate():
        abort(400)
    if request.form.get("all") == "1":
        ids = None
    else:
        # Bounded like every id: a number past the database's integers is a clear 400, not a 500.
        ids = [i for i in (parse_int(value, name="notification", minimum=1) for value in request.form.getlist("notification"))
               if i is not None]
    changed = services.mark_read(current_user, ids, now=timeutil.now())
    db.session.commit()
    if changed:
        flash(_("Marked as read."), "success")
    return redirect_to(url_for("notifications.inbox"))


@bp.route("/settings", methods=["GET", "POST"])
@login_required
def settings():
    profile = services.profile_for(current_user)
    form = ProfileForm(obj=profile)
    if request.method == "GET" and profile.email_kinds is None:
        form.email_kinds.data = [choice.value for choice in form.email_kinds.choices]
    if form.validate_on_submit():
        try:
            services.save_profile(current_user, form.to_draft(), actor=current_user, now=timeutil.now())
        except RuleViolation as error:
            db.session.rollback()
            error.show_on(form)
        else:
            db.session.commit()
            flash(_("Your notification settings are saved."), "success")
            return redirect_to(url_for("notifications.settings"))
    return render("notifications/settings.html", form=form, status=form_status(form))


@bp.route("/webhooks/")
@roles_required(*ADMINS)
def webhooks():
    targets = paginate(select(WebhookTarget).order_by(WebhookTarget.name, WebhookTarget.id))
    return render("notifications/webhooks.html", page=targets, smtp_problems=smtp_settings().problems(),
                  form=EmptyForm())


def _units():
    return db.session.scalars(select(Unit).order_by(Unit.sort_order, Unit.name)).all()


@bp.route("/webhooks/new", methods=["GET", "POST"])
@bp.route("/webhooks/<int:target_id>", methods=["GET", "POST"])
@roles_required(*ADMINS)
def webhook_form(target_id: int | None = None):
    target = db.get_or_404(WebhookTarget, target_id) if target_id is not None else None
    form = WebhookForm(obj=target, units=_units())
    if request.method == "GET" and target is not None:
        form.unit_id.data = target.unit_id or 0
        form.role.data = target.role.value if target.role else ""
    if form.validate_on_submit():
        try:
            services.save_target(target, form.to_draft(), actor=current_user, now=timeutil.now())
        except RuleViolation as error:
            db.session.rollback()
            error.show_on(form)
        else:
            db.session.commit()
            flash(_("The group robot is saved."), "success")
            return redirect_to(url_for("notifications.webhooks"))
    return render("notifications/webhook_form.html", form=form, target=target, status=form_status(form))


@bp.route("/webhooks/<int:target_id>/delete", methods=["POST"])
@roles_required(*ADMINS)
def delete_webhook(target_id: int):
    target = db.get_or_404(WebhookTarget, target_id)
    if not EmptyForm().validate():
        abort(400)
    if not confirmed():
        return confirmation_page(_("Remove the group robot “%(name)s”?", name=target.name),
                                 detail=_("Messages waiting for it are not sent."), button=_("Remove"),
                                 cancel_url=url_for("notifications.webhooks"))
    services.delete_target(target, actor=current_user, now=timeutil.now())
    db.session.commit()
    flash(_("The group robot is removed."), "success")
    return redirect_to(url_for("notifications.webhooks"))


@bp.route("/webhooks/<int:target_id>/test", methods=["POST"])
@roles_required(*ADMINS)
def test_webhook(target_id: int):
    target = db.get_or_404(WebhookTarget, target_id)
    if not EmptyForm().validate():
        abort(400)
    services.send_test_message(target, actor=current_user, now=timeutil.now())
    db.session.commit()
    flash(_("A test message is queued; it is sent within a minute."), "success")
    return redirect_to(url_for("notifications.webhooks"))
