"""The synonym table that logistics and unit administrators edit (issue 20): the
search uses it from the next query on, without a restart."""

from sqlalchemy import select

from portal import timeutil
from portal.blueprints.directory.models import Synonym
from portal.blueprints.directory.search import search
from portal.blueprints.directory.synonyms import DEMO_SYNONYMS
from portal.db import db
from portal.models import AuditLog, Role


def labels(text, **kwargs):
    return [hit.label for hit in search(text, include_staff=False, **kwargs).ranked]


def fragment(client, q):
    return client.get("/directory/search", query_string={"q": q}, headers={"HX-Request": "true"}).get_data(as_text=True)


def test_an_added_synonym_is_found_by_the_next_search(client, small_building, create_item, login_as_role):
    create_item(small_building.minzheng, name="最低生活保障申请", category="社会救助")
    assert "最低生活保障申请" not in fragment(client, "吃低保")  # cached by the page as it was
    login_as_role("logistics_admin")
    response = client.post("/directory/admin/synonyms/new", data={"word": "吃低保", "targets": "最低生活保障申请", "unit_id": "0"})
    assert response.status_code == 303
    assert "最低生活保障申请" in fragment(client, "吃低保")
    assert labels("吃低保")[0] == "最低生活保障申请"
    synonym = db.session.scalar(select(Synonym).where(Synonym.word == "吃低保"))
    assert synonym.unit_id is None and synonym.updated_by.username and synonym.target_list == ["最低生活保障申请"]
    [entry] = db.session.scalars(select(AuditLog).where(AuditLog.action == "synonym.create")).all()
    assert entry.after["word"] == "吃低保"


def test_an_edited_synonym_changes_the_next_search_and_a_deleted_one_stops(client, small_building, login_as_role):
    login_as_role("logistics_admin")
    client.post("/directory/admin/synonyms/new", data={"word": "救助站", "targets": "民政局", "unit_id": "0"})
    synonym = db.session.scalar(select(Synonym).where(Synonym.word == "救助站"))
    synonym_id = synonym.id
    assert labels("救助站")[0] == "县民政局"
    response = client.post(f"/directory/admin/synonyms/{synonym.id}", data={"word": "救助站", "targets": "人社局、 社保", "unit_id": "0"})
    assert response.status_code == 303
    assert fragment(client, "救助站").count("县人力资源和社会保障局") >= 1 and "县民政局" not in fragment(client, "救助站")
    db.session.refresh(synonym)
    assert synonym.target_list == ["人社局", "社保"]
    # Delete: a confirmation page first (without JavaScript too), then gone.
    page = client.post(f"/directory/admin/synonyms/{synonym_id}/delete", data={})
    assert page.status_code == 200 and 'name="confirmed"' in page.get_data(as_text=True)
    assert db.session.get(Synonym, synonym_id) is not None
    assert client.post(f"/directory/admin/synonyms/{synonym_id}/delete", data={"confirmed": "1"}).status_code == 303
    db.session.expire_all()
    assert db.session.get(Synonym, synonym_id) is None
    assert "县人力资源和社会保障局" not in fragment(client, "救助站")
    actions = db.session.scalars(select(AuditLog.action).where(AuditLog.action.like("synonym.%")).order_by(AuditLog.id)).all()
    assert actions == ["synonym.create", "synonym.update", "synonym.delete"]


def test_a_duplicate_word_and_empty_targets_are_refused_with_a_message(client, small_building, login_as_role):
    login_as_role("logistics_admin")
    client.post("/directory/admin/synonyms/new", data={"word": "社保局", "targets": "人社局"})
    response = client.post("/directory/admin/synonyms/new", data={"word": "社 保 局", "targets": "民政局"})
    assert response.status_code == 422 and "社保局" in response.get_data(as_text=True)
    response = client.post("/directory/admin/synonyms/new", data={"word": "失业", "targets": "，、 失业"})
    assert response.status_code == 422
    response = client.post("/directory/admin/synonyms/new", data={"word": "x", "targets": "人社局"})
    assert response.status_code == 422
    assert db.session.scalars(select(Synonym.word)).all() == ["社保局"]


def test_unit_admins_keep_their_own_units_entries_only(client, small_building, make_user, auth):
    sb = small_building
    db.session.add(Synonym(word="婚姻", targets="民政局", unit_id=None, updated_at=timeutil.now()))
    db.session.commit()
    building_wide = db.session.scalar(select(Synonym).where(Synonym.word == "婚姻"))
    admin = make_user(roles=[Role.EMPLOYEE, Role.UNIT_ADMIN], username="ua", unit=sb.renshe)
    auth.login_as(admin)
    # Their entry belongs to their unit whatever the form says.
    response = client.post("/directory/admin/synonyms/new", data={"word": "就业补贴", "targets": "就业", "unit_id": str(sb.minzheng.id)})
    assert response.status_code == 303
    own = db.session.scalar(select(Synonym).where(Synonym.word == "就业补贴"))
    assert own.unit_id == sb.renshe.id and own.updated_by_id == admin.id
    page = client.get("/directory/admin/synonyms/").get_data(as_text=True)
    assert "就业补贴" in page and "婚姻" not in page
    assert client.get(f"/directory/admin/synonyms/{own.id}").status_code == 200
    assert client.get(f"/directory/admin/synonyms/{building_wide.id}").status_code == 403
    assert client.post(f"/directory/admin/synonyms/{building_wide.id}", data={"word": "婚姻", "targets": "人社局"}).status_code == 403
    assert client.post(f"/directory/admin/synonyms/{building_wide.id}/delete", data={"confirmed": "1"}).status_code == 403
    db.session.refresh(building_wide)
    assert building_wide.targets == "民政局"


def test_the_list_pages_and_searches(client, app, small_building, login_as_role):
    db.session.add_all(Synonym(word=f"词语{n:03d}", targets="民政局", updated_at=timeutil.now()) for n in range(60))
    db.session.add(Synonym(word="社保局", targets="人社局", updated_at=timeutil.now()))
    db.session.commit()
    login_as_role("logistics_admin")
    per_page = app.config["PAGE_SIZE"]
    first = client.get("/directory/admin/synonyms/").get_data(as_text=True)
    assert first.count(">词语0") == per_page - 1 and "社保局" in first and "page=2" in first  # by word: 社 before 词
    found = client.get("/directory/admin/synonyms/", query_string={"q": "人社"}).get_data(as_text=True)
    assert "社保局" in found and "词语001" not in found
    assert client.get("/directory/admin/synonyms/?page=99999999999").status_code == 400


def test_the_demo_table_holds_the_obvious_words_and_the_code_none(demo):
    import portal.blueprints.directory.search as search_module

    assert not hasattr(search_module, "SYNONYMS")  # one source of truth: the table
    stored = dict(db.session.execute(select(Synonym.word, Synonym.targets)).all())
    assert set(DEMO_SYNONYMS) <= set(stored)
    assert db.session.scalar(select(Synonym.unit_id).where(Synonym.word == "低保")) is not None  # 民政局's own
    assert labels("二手房过户")[0] == "不动产转移登记（二手房买卖）"
