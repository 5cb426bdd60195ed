"""The official cars' fuel is a consumption source of the statistics (issue 24 → 23)."""

from datetime import timedelta
from decimal import Decimal

from portal import timeutil
from portal.blueprints.energy import sources
from portal.blueprints.vehicles import services as vehicles


def test_the_cars_petrol_and_diesel_are_counted_in_litres_by_month(demo):
    today = timeutil.today()
    first = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    last = today.replace(day=1)
    fuel = vehicles.monthly_fuel(first, today)
    assert fuel, "the demo's cars made trips last month"
    for code, fuel_type in (("vehicle_petrol", "petrol"), ("vehicle_diesel", "diesel")):
        source = sources.source(code)
        assert source is not None and source.is_energy and source.unit_symbol == "L"
        counted = {}
        for usage in source.usage(first, last):
            assert usage.unit_id is None and usage.source == code
            counted[usage.period] = counted.get(usage.period, Decimal(0)) + usage.quantity
        expected = {period: by_type[fuel_type] for period, by_type in fuel.items() if by_type.get(fuel_type)}
        assert counted == expected


def test_electric_cars_are_not_counted_twice():
    assert not [s for s in sources.sources() if s.code.startswith("vehicle_") and s.unit_symbol == "kWh"]
