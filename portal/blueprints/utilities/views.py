from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from io import BytesIO

from flask import abort, current_app, flash, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import case, false, func, or_, select
from sqlalchemy.orm import joinedload, selectinload
from wtforms import SelectChoice

from portal import timeutil
from portal.blueprints.utilities import BILL_READERS, EVERYONE_HERE, MANAGERS, READERS, bp, services, xlsx
from portal.blueprints.utilities.forms import (
    AdjustmentForm,
    CloseMonthForm,
    ImportForm,
    InvoiceForm,
    MeterForm,
    ReplaceMeterForm,
    without_control_characters,
)
from portal.blueprints.utilities.models import (
    AllocationKey,
    BillingMonth,
    CommonArea,
    FixedRatio,
    Invoice,
    Meter,
    MeterKind,
    MeterReading,
    MonthStatus,
    Supply,
    UnitBill,
)
from portal.blueprints.utilities.readings import (
    MeterSpan,
    ReadingError,
    add_months,
    is_jump,
    month_start,
    parse_reading,
    span_usage,
)
from portal.blueprints.utilities.services import MeterRow, UtilityError
from portal.db import db
from portal.forms import EmptyForm
from portal.htmx import redirect_to, render
from portal.models import Role, Unit
from portal.security import roles_required

# --- loading with 404/403 -------------------------------------------------


def is_manager() -> bool:
    return current_user.has_role(*MANAGERS)


def load_period(text: str) -> date:
    """A month in the URL (``2025-07``); 404 for nonsense and for the future."""
    period = services.parse_period(text)
    if period is None or not services.period_is_open_for_reading(period, timeutil.today()):
        abort(404)
    return period


def load_meter(meter_id: int) -> Meter:
    meter = db.session.scalar(
        select(Meter).options(joinedload(Meter.unit), joinedload(Meter.parent)).where(Meter.id == meter_id)
    )
    if meter is None:
        abort(404)
    return meter


def load_bill(bill_id: int) -> UnitBill:
    """A bill its viewer may see: managers see all, unit administrators their own unit's."""
    bill = db.session.scalar(
        select(UnitBill)
        .options(
            joinedload(UnitBill.month).selectinload(BillingMonth.invoices),
            joinedload(UnitBill.unit),
            selectinload(UnitBill.lines),
            selectinload(UnitBill.adjustments),
        )
        .where(UnitBill.id == bill_id)
    )
    if bill is None:
        abort(404)
    if not is_manager() and (current_user.unit_id is None or bill.unit_id != current_user.unit_id):
        abort(403)
    return bill


def page_size() -> int:
    return current_app.config["PAGE_SIZE"]


def xlsx_response(data: bytes, filename: str):
    return send_file(BytesIO(data), mimetype=xlsx.XLSX_MIMETYPE, as_attachment=True, download_name=filename)


def fail(error: UtilityError, form) -> None:
    """Nothing of a refused change stays in the session; the form says why."""
    db.session.rollback()
    form.form_errors.append(error.message)


# --- overview -------------------------------------------------------------


def work_periods(today: date) -> list[date]:
    """Months that may still need readings: open ones, last month, this month."""
    periods = set(db.session.scalars(select(BillingMonth.period).where(BillingMonth.status == MonthStatus.OPEN)))
    this_month = month_start(today)
    last_month = add_months(this_month, -1)
    closed = services.get_month(last_month)
    if closed is None or not closed.closed:
        periods.add(last_month)
    periods.add(this_month)
    return sorted(periods)


def month_counts(month_ids: list[int]) -> dict[int, int]:
    if not month_ids:
        return {}
    rows = db.session.execute(
        select(MeterReading.month_id, func.count()).where(MeterReading.month_id.in_(month_ids)).group_by(MeterReading.month_id)
    )
    return {key: value for key, value in rows}


@bp.route("/")
@roles_required(*EVERYONE_HERE)
def index():
    context: dict[str, object] = {"months": None, "unit_bills": None}
    if current_user.has_role(*READERS):
        query = select(BillingMonth).options(selectinload(BillingMonth.invoices)).order_by(BillingMonth.period.desc())
        months = db.paginate(query, per_page=page_size(), error_out=False)
        context.update(
            months=months,
            reading_counts=month_counts([m.id for m in months.items]),
            work_periods=work_periods(timeutil.today()),
        )
    if current_user.has_role(Role.UNIT_ADMIN):
        unit_id = current_user.unit_id or 0
        context["unit_bills"] = db.session.scalars(services.bills_query(unit_id=unit_id).limit(6)).all()
    return render("utilities/index.html", "utilities/_months_table.html", is_manager=is_manager(), **context)


# --- a month --------------------------------------------------------------


def month_context(period: date, close_form: CloseMonthForm | None = None) -> dict[str, object]:
    review = services.review_month(period)
    month = review.month
    context: dict[str, object] = {
        "period": period,
        "label": f"{period:%Y-%m}",
        "review": review,
        "month": month,
        "final": services.is_final(period),
        "is_manager": is_manager(),
        "bills": None,
        "preview": None,
        "invoices": {},
        "close_form": None,
    }
    if not is_manager():
        return context
    invoices = {invoice.supply: invoice for invoice in month.invoices} if month is not None else {}
    context["invoices"] = invoices
    if month is not None and month.closed:
        context["bills"] = db.paginate(services.bills_query(month_id=month.id), per_page=page_size(), error_out=False)
    elif not context["final"]:
        context["close_form"] = close_form or CloseMonthForm()
        if not review.blocking and invoices:
            context["preview"] = preview_rows(services.draft_allocation(review, invoices))
    return context


def preview_rows(allocations: list[services.SupplyAllocation]) -> list[dict[str, object]]:
    """The draft bills, one row per unit, for checking before the month is closed."""
    unit_ids = sorted({unit_id for a in allocations for unit_id in a.shares})
    units = db.session.scalars(select(Unit).where(Unit.id.in_(unit_ids)).order_by(Unit.sort_order, Unit.id)).all()
    rows = []
    for unit in units:
        shares = {a.supply: a.shares[unit.id] for a in allocations if unit.id in a.shares}
        old = [a.old[unit.id].total for a in allocations if a.old is not None and unit.id in a.old]
        rows.append(
            {
                "unit": unit,
                "shares": shares,
                "total": sum((s.total for s in shares.values()), Decimal("0.00")),
                "old": sum(old, Decimal("0.00")) if len(old) == len(shares) else None,
            }
        )
    return rows


@bp.route("/months/<period>")
@roles_required(*READERS)
def month(period: str):
    return render("utilities/month.html", **month_context(load_period(period)))


@bp.route("/months/<period>/close", methods=["POST"])
@roles_required(*MANAGERS)
def close_month(period: str):
    when = load_period(period)
    form = CloseMonthForm()
    if form.validate_on_submit():
        try:
            services.close_month(
                when,
                actor=current_user,
                at=timeutil.now(),
                confirm_warnings=form.confirm_warnings.data,
                note=form.note.data or "",
            )
        except UtilityError as error:
            fail(error, form)
        else:
            db.session.commit()
            flash(_("%(month)s is closed and the bills are ready.", month=f"{when:%Y-%m}"), "success")
            return redirect_to(url_for("utilities.month", period=f"{when:%Y-%m}"))
    return render("utilities/month.html", status=422, **month_context(when, close_form=form))


@bp.route("/months/<period>/bills.xlsx")
@roles_required(*MANAGERS)
def month_bills_xlsx(period: str):
    when = load_period(period)
    month = services.get_month(when)
    if month is None or not month.closed:
        abort(404)
    bills = db.session.scalars(services.bills_query(month_id=month.id)).all()
    return xlsx_response(xlsx.bills_workbook(month.label, bills), f"bills-{month.label}.xlsx")


# --- readings -------------------------------------------------------------


def parse_grid(rows: list[MeterRow], formdata: Mapping[str, str]):
    """The grid's values by meter id, and the errors by meter id. A meter
    missing from the form (added since the page was loaded) is left alone."""
    values: dict[int, Decimal | None] = {}
    errors: dict[int, object] = {}
    posted: dict[int, str] = {}
    for row in rows:
        name = f"m-{row.meter.id}"
        if not row.needs_reading or name not in formdata:
            continue
        posted[row.meter.id] = formdata[name]
        try:
            values[row.meter.id] = parse_reading(formdata[name], row.meter.rollover_at)
        except ReadingError as error:
            errors[row.meter.id] = error.message
    return values, errors, posted


def render_readings(
    period: date,
    review: services.MonthReview,
    *,
    form: EmptyForm | None = None,
    import_form: ImportForm | None = None,
    errors: Mapping[int, object] | None = None,
    posted: Mapping[int, str] | None = None,
    import_problems: list | None = None,
    status: int = 200,
):
    return render(
        "utilities/readings.html",
        period=period,
        label=f"{period:%Y-%m}",
        review=review,
        month=review.month,
        final=services.is_final(period),
        form=form or EmptyForm(),
        import_form=import_form or ImportForm(),
        errors=errors or {},
        posted=posted or {},
        import_problems=import_problems or [],
        status=status,
    )


@bp.route("/months/<period>/readings", methods=["GET", "POST"])
@roles_required(*READERS)
def readings(period: str):
    when = load_period(period)
    review = services.review_month(when)
    form = EmptyForm()
    if request.method == "GET":
        return render_readings(when, review, form=form)
    errors: dict[int, object] = {}
    posted: dict[int, str] = {}
    if form.validate_on_submit():
        values, errors, posted = parse_grid(review.rows, request.form)
        if errors:
            form.form_errors.append(
                _("%(count)s readings need correcting; nothing was saved.", count=len(errors))
            )
        else:
            try:
                changes = services.save_readings(
                    when, values, actor=current_user, at=timeutil.now(), clear_missing=True
                )
            except UtilityError as error:
                fail(error, form)
            else:
                db.session.commit()
                if changes.any:
                    flash(
                        _("Readings saved: %(added)s new, %(changed)s changed, %(cleared)s cleared.",
                          added=changes.added, changed=changes.changed, cleared=changes.cleared),
                        "success",
                    )
                else:
                    flash(_("Nothing had changed."), "info")
                return redirect_to(url_for("utilities.readings", period=f"{when:%Y-%m}"))
    return render_readings(when, review, form=form, errors=errors, posted=posted, status=422)


@bp.route("/months/<period>/readings/<int:meter_id>/check")
@roles_required(*READERS)
def check_reading(period: str, meter_id: int):
    """What a typed reading means (use, rollover, anomaly), for the grid as you type."""
    when = load_period(period)
    review = services.review_month(when)
    row = next((r for r in review.rows if r.meter.id == meter_id and r.needs_reading), None)
    if row is None:
        abort(404)
    raw = request.args.get(f"m-{meter_id}", "")
    error = None
    usage = None
    jump = None
    try:
        value = parse_reading(raw, row.meter.rollover_at)
    except ReadingError as problem:
        value, error = None, problem.message
    if value is not None:
        usage = span_usage(MeterSpan(row.start, value, row.meter.multiplier, row.meter.rollover_at))
        line = review.lines[row.line]
        if usage.usage is not None and len(line.rows) == 1:
            jump = is_jump(usage.usage, line.history)
    return render(
        "utilities/reading_check.html",
        "utilities/_reading_check.html",
        row=row,
        raw=raw,
        value=value,
        usage=usage,
        jump=jump,
        error=error,
        label=f"{when:%Y-%m}",
    )


@bp.route("/months/<period>/readings.xlsx")
@roles_required(*READERS)
def readings_xlsx(period: str):
    when = load_period(period)
    review = services.review_month(when)
    rows = [row for row in review.rows if row.needs_reading]
    return xlsx_response(xlsx.readings_sheet(f"{when:%Y-%m}", rows), f"readings-{when:%Y-%m}.xlsx")


@bp.route("/months/<period>/import", methods=["POST"])
@roles_required(*READERS)
def import_readings(period: str):
    when = load_period(period)
    review = services.review_month(when)
    import_form = ImportForm()
    problems: list[xlsx.ImportProblem] = []
    if import_form.validate_on_submit():
        meters = {row.meter.code: row.meter for row in review.rows if row.needs_reading}
        result = xlsx.parse_readings_workbook(
            import_form.workbook.data.read(),
            meters,
            xlsx.accepted_headers(xlsx.CODE_HEADER),
            xlsx.accepted_headers(xlsx.READING_HEADER),
        )
        problems = result.problems
        if not problems and not result.values:
            problems = [xlsx.ImportProblem(None, "", _l("The sheet has no readings to import."))]
        if not problems:
            try:
                changes = services.save_readings(
                    when, result.values, actor=current_user, at=timeutil.now(), clear_missing=False
                )
            except UtilityError as error:
                db.session.rollback()
                problems = [xlsx.ImportProblem(None, "", error.message)]
            else:
                db.session.commit()
                flash(
                    _("Imported %(count)s readings: %(added)s new, %(changed)s changed.",
                      count=len(result.values), added=changes.added, changed=changes.changed),
                    "success",
                )
                return redirect_to(url_for("utilities.readings", period=f"{when:%Y-%m}"))
    return render_readings(when, review, import_form=import_form, import_problems=problems, status=422)


# --- invoices -------------------------------------------------------------


@bp.route("/months/<period>/invoices/<supply>", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def invoice(period: str, supply: str):
    when = load_period(period)
    try:
        kind = Supply(supply)
    except ValueError:
        abort(404)
    month = services.get_month(when)
    current = None
    if month is not None:
        current = db.session.scalar(select(Invoice).where(Invoice.month_id == month.id, Invoice.supply == kind))
    form = InvoiceForm(obj=current)
    review = services.review_month(when)
    main_usage = review.total(kind, MeterKind.MAIN)
    if request.method == "GET" and current is None and main_usage:
        form.consumption.data = main_usage  # the utility reads the same main meter
    if form.validate_on_submit():
        try:
            services.save_invoice(
                when,
                kind,
                amount=form.amount.data,
                consumption=form.consumption.data,
                allocation_key=AllocationKey(form.allocation_key.data),
                invoice_no=(form.invoice_no.data or "").strip(),
                actor=current_user,
                at=timeutil.now(),
            )
        except UtilityError as error:
            fail(error, form)
        else:
            db.session.commit()
            flash(_("The %(supply)s invoice for %(month)s is saved.", supply=kind.label, month=f"{when:%Y-%m}"), "success")
            return redirect_to(url_for("utilities.month", period=f"{when:%Y-%m}"))
    return render(
        "utilities/invoice_form.html",
        form=form,
        supply=kind,
        label=f"{when:%Y-%m}",
        month=month,
        final=services.is_final(when),
        main_usage=main_usage,
        status=422 if request.method == "POST" else 200,
    )


# --- meters ---------------------------------------------------------------

KIND_SORT = case({MeterKind.MAIN.value: 0, MeterKind.UNIT.value: 1, MeterKind.COMMON.value: 2}, value=Meter.kind)


@bp.route("/meters/")
@roles_required(*READERS)
def meters():
    q = without_control_characters(request.args.get("q", "")).strip()[:40]
    supply = request.args.get("supply", "")
    kind = request.args.get("kind", "")
    status = request.args.get("status", "active")
    query = (
        select(Meter)
        .outerjoin(Unit, Meter.unit_id == Unit.id)
        .options(joinedload(Meter.unit), joinedload(Meter.parent))
        .order_by(Meter.supply, KIND_SORT, Unit.sort_order, Meter.code)
    )
    if q:
        like = f"%{q}%"
        query = query.where(or_(Meter.code.ilike(like), Meter.name.ilike(like), Unit.name.ilike(like), Unit.short_name.ilike(like)))
    if supply in {s.value for s in Supply}:
        query = query.where(Meter.supply == Supply(supply))
    if kind in {k.value for k in MeterKind}:
        query = query.where(Meter.kind == MeterKind(kind))
    if status == "active":
        query = query.where(Meter.removed_on.is_(None))
    elif status == "removed":
        query = query.where(Meter.removed_on.is_not(None))
    page = db.paginate(query, per_page=page_size(), error_out=False)
    return render(
        "utilities/meters.html",
        "utilities/_meters_table.html",
        page=page,
        q=q,
        supply=supply,
        kind=kind,
        in_service=status,
        is_manager=is_manager(),
    )


@bp.route("/meters/<int:meter_id>")
@roles_required(*READERS)
def meter(meter_id: int):
    meter = load_meter(meter_id)
    book = services.MeterBook.load()
    chain = book.chain(book.by_id[meter.id])
    history = db.paginate(
        select(MeterReading)
        .join(BillingMonth, MeterReading.month_id == BillingMonth.id)
        .options(joinedload(MeterReading.month), joinedload(MeterReading.entered_by))
        .where(MeterReading.meter_id == meter.id)
        .order_by(BillingMonth.period.desc()),
        per_page=page_size(),
        error_out=False,
    )
    values = dict(
        db.session.execute(
            select(BillingMonth.period, MeterReading.value)
            .join(MeterReading, MeterReading.month_id == BillingMonth.id)
            .where(MeterReading.meter_id == meter.id)
        ).all()
    )
    readings = {(meter.id, period): value for period, value in values.items()}
    first = {meter.id: min(values)} if values else {}
    usage = {
        reading.id: services.meter_row(meter, reading.month.period, readings, first, meter.id).usage
        for reading in history.items
    }
    return render(
        "utilities/meter.html",
        meter=meter,
        chain=chain,
        history=history,
        usage=usage,
        locked=services.meter_is_locked(meter),
        is_manager=is_manager(),
    )


def meter_choices(form: MeterForm) -> None:
    mains = db.session.scalars(
        select(Meter).where(Meter.kind == MeterKind.MAIN, Meter.removed_on.is_(None)).order_by(Meter.supply, Meter.code)
    )
    form.parent_id.choices = [SelectChoice("0", "—")] + [
        SelectChoice(str(m.id), f"{m.code} {m.name} ({m.supply.label})") for m in mains
    ]
    units = db.session.scalars(select(Unit).order_by(Unit.sort_order, Unit.name))
    form.unit_id.choices = [SelectChoice("0", "—")] + [SelectChoice(str(u.id), u.name) for u in units]


@bp.route("/meters/new", methods=["GET", "POST"])
@bp.route("/meters/<int:meter_id>/edit", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def edit_meter(meter_id: int | None = None):
    meter = load_meter(meter_id) if meter_id is not None else None
    locked = services.meter_is_locked(meter) if meter is not None else False
    form = MeterForm(obj=meter)
    if locked:
        for name in services.LOCKED_FIELDS:
            delattr(form, name)
    else:
        meter_choices(form)
    if request.method == "GET" and meter is None:
        form.installed_on.data = timeutil.today()
    if form.validate_on_submit():
        data: dict[str, object] = {
            "code": form.code.data.strip(),
            "name": form.name.data.strip(),
            "serial_no": (form.serial_no.data or "").strip(),
            "area": CommonArea(form.area.data) if form.area.data else None,
            "note": form.note.data or "",
        }
        if not locked:
            data.update(
                supply=Supply(form.supply.data),
                kind=MeterKind(form.kind.data),
                unit_id=form.unit_id.data or None,
                parent_id=form.parent_id.data or None,
                multiplier=form.multiplier.data,
                rollover_at=form.rollover_at.data,
                installed_on=form.installed_on.data,
                initial_reading=form.initial_reading.data,
            )
        try:
            if meter is None:
                meter = services.create_meter(Meter(**data), actor=current_user, today=timeutil.today())
            else:
                services.update_meter(meter, data, actor=current_user, today=timeutil.today())
        except UtilityError as error:
            fail(error, form)
            if meter is not None and meter.id is None:
                meter = None
        else:
            db.session.commit()
            flash(_("Meter %(code)s saved.", code=meter.code), "success")
            return redirect_to(url_for("utilities.meter", meter_id=meter.id))
    return render(
        "utilities/meter_form.html",
        form=form,
        meter=meter,
        locked=locked,
        status=422 if request.method == "POST" else 200,
    )


@bp.route("/meters/<int:meter_id>/replace", methods=["GET", "POST"])
@roles_required(*READERS)
def replace_meter(meter_id: int):
    meter = load_meter(meter_id)
    form = ReplaceMeterForm()
    if request.method == "GET":
        form.removed_on.data = timeutil.today()
        form.multiplier.data = meter.multiplier
        form.rollover_at.data = meter.rollover_at
    if meter.active and form.validate_on_submit():
        try:
            successor = services.replace_meter(
                meter,
                services.Replacement(
                    removed_on=form.removed_on.data,
                    final_reading=form.final_reading.data,
                    code=form.code.data.strip(),
                    serial_no=(form.serial_no.data or "").strip(),
                    multiplier=form.multiplier.data,
                    rollover_at=form.rollover_at.data,
                    initial_reading=form.initial_reading.data,
                ),
                actor=current_user,
                today=timeutil.today(),
            )
        except UtilityError as error:
            fail(error, form)
        else:
            db.session.commit()
            flash(_("Meter %(old)s is replaced by %(new)s.", old=meter.code, new=successor.code), "success")
            return redirect_to(url_for("utilities.meter", meter_id=successor.id))
    elif not meter.active and request.method == "POST":
        form.form_errors.append(_("This meter has already been taken out of service."))
    return render(
        "utilities/replace_form.html",
        form=form,
        meter=meter,
        status=422 if request.method == "POST" else 200,
    )


# --- bills ----------------------------------------------------------------


def closed_months() -> list[BillingMonth]:
    return db.session.scalars(
        select(BillingMonth).where(BillingMonth.status == MonthStatus.CLOSED).order_by(BillingMonth.period.desc())
    ).all()


@bp.route("/bills/")
@roles_required(*BILL_READERS)
def bills():
    months = closed_months()
    chosen_month = request.args.get("month", "")
    month_id = next((m.id for m in months if m.label == chosen_month), None)
    units: list[Unit] = []
    if is_manager():
        units = db.session.scalars(select(Unit).order_by(Unit.sort_order, Unit.name)).all()
        unit_id = request.args.get("unit", type=int)
    else:
        unit_id = current_user.unit_id or 0  # no unit: no bills
    query = services.bills_query(unit_id=unit_id, month_id=month_id)
    if chosen_month and month_id is None:
        query = query.where(false())
    page = db.paginate(query, per_page=page_size(), error_out=False)
    return render(
        "utilities/bills.html",
        "utilities/_bills_list.html",
        page=page,
        months=months,
        chosen_month=chosen_month,
        units=units,
        unit_id=unit_id if is_manager() else None,
        is_manager=is_manager(),
    )


@bp.route("/bills/<int:bill_id>")
@roles_required(*BILL_READERS)
def bill(bill_id: int):
    bill = load_bill(bill_id)
    invoices = {invoice.supply: invoice for invoice in bill.month.invoices}
    return render("utilities/bill.html", bill=bill, invoices=invoices, is_manager=is_manager())


@bp.route("/bills/<int:bill_id>.xlsx")
@roles_required(*BILL_READERS)
def bill_xlsx(bill_id: int):
    bill = load_bill(bill_id)
    invoices = {invoice.supply: invoice for invoice in bill.month.invoices}
    return xlsx_response(xlsx.bill_workbook(bill, invoices), f"{bill.number}.xlsx")


@bp.route("/bills/<int:bill_id>/adjust", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def adjust_bill(bill_id: int):
    bill = load_bill(bill_id)
    form = AdjustmentForm()
    form.supply.choices = [SelectChoice(line.supply.value, line.supply.label) for line in bill.lines]
    if form.validate_on_submit():
        try:
            services.add_adjustment(
                bill,
                Supply(form.supply.data),
                form.amount.data,
                form.reason.data,
                actor=current_user,
                at=timeutil.now(),
            )
        except UtilityError as error:
            fail(error, form)
            bill = load_bill(bill_id)
        else:
            db.session.commit()
            flash(_("The correction is added to bill %(number)s.", number=bill.number), "success")
            return redirect_to(url_for("utilities.bill", bill_id=bill.id))
    return render(
        "utilities/adjust_form.html", form=form, bill=bill, status=422 if request.method == "POST" else 200
    )


# --- the comparison with the old fixed ratios ------------------------------


def comparison_range() -> tuple[date, date, int | None, list[int]]:
    """The months compared: a calendar year, or the last twelve closed months."""
    periods = db.session.scalars(
        select(BillingMonth.period).where(BillingMonth.status == MonthStatus.CLOSED).order_by(BillingMonth.period)
    ).all()
    years = sorted({p.year for p in periods}, reverse=True)
    year = request.args.get("year", type=int)
    if year in years:
        return date(year, 1, 1), date(year, 12, 1), year, years
    last = periods[-1] if periods else month_start(timeutil.today())
    return add_months(last, -11), last, None, years


def comparison_filters() -> tuple[date, date, int | None, list[int], Supply | None, int | None]:
    first, last, year, years = comparison_range()
    supply_text = request.args.get("supply", "")
    supply = Supply(supply_text) if supply_text in {s.value for s in Supply} else None
    unit_id = None if is_manager() else (current_user.unit_id or 0)
    return first, last, year, years, supply, unit_id


@bp.route("/comparison/")
@roles_required(*BILL_READERS)
def comparison():
    first, last, year, years, supply, unit_id = comparison_filters()
    ranked, rows_for = services.comparison_rows(first, last, supply, unit_id)
    page = db.paginate(ranked, per_page=page_size(), error_out=False)
    return render(
        "utilities/comparison.html",
        "utilities/_comparison_table.html",
        page=page,
        rows=rows_for(page.items),
        totals=services.comparison_totals(first, last, supply, unit_id),
        first=first,
        last=last,
        year=year,
        years=years,
        supply=supply,
        is_manager=is_manager(),
    )


@bp.route("/comparison.xlsx")
@roles_required(*BILL_READERS)
def comparison_xlsx():
    first, last, _year, _years, supply, unit_id = comparison_filters()
    ranked, rows_for = services.comparison_rows(first, last, supply, unit_id)
    rows = rows_for(db.session.scalars(ranked).all())
    title = _("Metered vs. old fixed ratio, %(first)s – %(last)s", first=f"{first:%Y-%m}", last=f"{last:%Y-%m}")
    data = xlsx.comparison_workbook(title, rows, services.comparison_totals(first, last, supply, unit_id))
    return xlsx_response(data, f"comparison-{first:%Y%m}-{last:%Y%m}.xlsx")


# --- the old ratios -------------------------------------------------------


@bp.route("/ratios/")
@roles_required(*MANAGERS)
def ratios():
    page = db.paginate(select(Unit).order_by(Unit.sort_order, Unit.id), per_page=page_size(), error_out=False)
    ids = [u.id for u in page.items]
    found = db.session.execute(
        select(FixedRatio.unit_id, FixedRatio.supply, FixedRatio.percent).where(FixedRatio.unit_id.in_(ids))
    )
    percent = {(unit_id, supply): value for unit_id, supply, value in found}
    totals = dict(
        db.session.execute(select(FixedRatio.supply, func.sum(FixedRatio.percent)).group_by(FixedRatio.supply)).all()
    )
    return render(
        "utilities/ratios.html", "utilities/_ratios_table.html", page=page, percent=percent, totals=totals,
        supplies=list(Supply),
    )


@bp.route("/ratios/<supply>", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def edit_ratios(supply: str):
    """Every unit's old percentage of one supply, on one form (37 units): they must add up to 100."""
    if supply not in Supply._value2member_map_:
        abort(404)
    the_supply = Supply(supply)
    units = db.session.scalars(select(Unit).order_by(Unit.sort_order, Unit.id)).all()
    stored = dict(db.session.execute(
        select(FixedRatio.unit_id, FixedRatio.percent).where(FixedRatio.supply == the_supply)
    ).all())
    form = EmptyForm()
    typed = {u.id: "" if stored.get(u.id) is None else str(stored[u.id]) for u in units}
    problems: dict[int, object] = {}
    if request.method == "POST":
        typed = {u.id: request.form.get(f"percent-{u.id}", "")[:20] for u in units}
        if form.validate_on_submit():
            percents, problems = services.check_ratio_entries(typed)
            if not problems:
                services.save_fixed_ratios(the_supply, percents, actor=current_user)
                db.session.commit()
                flash(_("The old %(supply)s percentages are saved.", supply=the_supply.label), "success")
                return redirect_to(url_for("utilities.ratios"))
    status = 422 if request.method == "POST" else 200
    return render("utilities/ratios_form.html", form=form, supply=the_supply, units=units, typed=typed,
                  problems=problems, status=status)


# --- home page ------------------------------------------------------------


def home_panel() -> str | None:
    if not current_user.is_authenticated or not current_user.has_role(*EVERYONE_HERE):
        return None
    context: dict[str, object] = {"periods": [], "bill": None}
    if current_user.has_role(*READERS):
        context["periods"] = work_periods(timeutil.today())
    if current_user.has_role(Role.UNIT_ADMIN) and current_user.unit_id:
        context["bill"] = db.session.scalars(services.bills_query(unit_id=current_user.unit_id).limit(1)).first()
    return render_template("utilities/_home_panel.html", **context)

