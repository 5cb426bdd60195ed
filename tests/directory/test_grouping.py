"""The results page leads with the unit a query names, its guide items under it,
and keeps each family of guide items (不动产登记 …) together (issue 20)."""

import re

from sqlalchemy import select

from portal.blueprints.guide.models import GuideItem
from portal.db import db
from portal.models import Unit


def page(client, q):
    return client.get("/directory/search", query_string={"q": q}, headers={"HX-Request": "true"}).get_data(as_text=True)


def test_a_units_name_or_abbreviation_leads_with_the_unit_and_its_services(client, demo):
    renshe = db.session.scalar(select(Unit).where(Unit.short_name == "人社局"))
    services = db.session.scalars(select(GuideItem.name).where(GuideItem.unit_id == renshe.id)).all()
    assert services
    for q in ("人社局", "人力资源和社会保障局", "rsj"):
        html = page(client, q)
        lead = html.index("search-group--lead")
        assert lead < html.find("search-group--guide") if "search-group--guide" in html else True
        block = html[lead : html.index("</section>", lead)]
        assert renshe.name in re.sub(r"<[^>]+>", "", block), q
        assert any(name in block for name in services), q  # its services, grouped under it
    # 医保 names 医保局: the unit leads; the services that mention 医保 are its own, listed under it
    html = page(client, "医保")
    assert html.index("search-group--lead") < html.index("县医疗保障局") < html.index("异地就医备案")
    assert "search-group--guide" not in html


def test_a_service_query_does_not_lead_with_a_unit(client, demo):
    html = page(client, "结婚登记")
    assert "search-group--lead" not in html and "search-group--guide" in html


def test_a_family_of_services_is_shown_together_under_its_name(client, demo):
    html = page(client, "不动产登记")
    family = db.session.scalars(select(GuideItem.name).where(GuideItem.name.like("不动产%"))).all()
    assert len(family) >= 4
    start = html.index('<h3 class="search-family">不动产登记</h3>')
    end = html.find("<h3", start + 1)
    block = html[start : end if end != -1 else len(html)]
    for name in family:
        assert name in re.sub(r"<[^>]+>", "", block), name

