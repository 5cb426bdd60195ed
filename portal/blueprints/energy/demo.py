"""Demo energy data: last year's and this year's floor areas and headcounts
kept from the directory, the canteen's natural gas month by month, quotas for a
few units, and the lighting retrofit of April ("行政中心投资30多万元,进行了电效改造,
5、6 月与去年同期相比节约用电10%左右"). Idempotent."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from portal import timeutil
from portal.blueprints.energy import services
from portal.blueprints.energy.models import EnergyBasis, EnergyQuantity, EnergyQuota, SavingsMeasure
from portal.blueprints.utilities.readings import add_months, month_start
from portal.db import db
from portal.models import Unit

GAS_SEASON = {1: 1.3, 2: 1.1, 3: 1.0, 4: 0.95, 5: 0.9, 6: 0.85, 7: 0.8, 8: 0.8, 9: 0.9, 10: 1.0, 11: 1.1, 12: 1.25}
QUOTAS = {"审批局": (Decimal("260000"), Decimal("3600")), "县委办": (Decimal("60000"), Decimal("900")),
          "法工委": (Decimal("12000"), Decimal("200"))}


def seed_demo() -> None:
    now = timeutil.now()
    this_month = month_start(now.date())
    for year in (now.year - 1, now.year):
        if db.session.scalar(select(EnergyBasis.id).where(EnergyBasis.year == year).limit(1)) is None:
            services.keep_directory_basis(year, actor=None, now=now)
    period = add_months(this_month, -14)
    while period < this_month:
        exists = db.session.scalar(select(EnergyQuantity.id).where(
            EnergyQuantity.period == period, EnergyQuantity.source == "natural_gas", EnergyQuantity.unit_id.is_(None)))
        if exists is None:
            quantity = (Decimal(1450) * Decimal(str(GAS_SEASON[period.month]))).quantize(Decimal("0.01"))
            db.session.add(EnergyQuantity(period=period, source="natural_gas", unit_id=None, quantity=quantity,
                                          cost=(quantity * Decimal("3.45")).quantize(Decimal("0.01")), entered_at=now))
        period = add_months(period, 1)
    for short_name, (power, water) in QUOTAS.items():
        unit = db.session.scalar(select(Unit).where(Unit.short_name == short_name))
        if unit is None:
            continue
        for source, quantity in (("electricity", power), ("water", water)):
            found = db.session.scalar(select(EnergyQuota).where(
                EnergyQuota.year == now.year, EnergyQuota.unit_id == unit.id, EnergyQuota.source == source))
            if found is None:
                db.session.add(EnergyQuota(year=now.year, unit_id=unit.id, source=source, quantity=quantity, updated_at=now))
    started = date(now.year, 4, 1) if now.month > 4 else date(now.year - 1, 4, 1)
    if db.session.scalar(select(SavingsMeasure.id).where(SavingsMeasure.title == "照明节能改造")) is None:
        db.session.add(SavingsMeasure(title="照明节能改造", source="electricity", started=started,
                                      cost=Decimal("300000.00"), note="LED 灯具替换、走廊感应开关", created_at=now))
    db.session.flush()
