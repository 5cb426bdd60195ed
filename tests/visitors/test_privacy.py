"""How much of a document number is kept, per storage mode, and the settings."""

import pytest
from cryptography.fernet import Fernet

from portal import create_app
from portal.blueprints.visitors.privacy import (
    ConfigError,
    IdStorage,
    decrypt_document,
    document_digest,
    id_cipher,
    mask_document,
    reduce_document,
)
from portal.blueprints.visitors.services import settings_from_config
from portal.blueprints.visitors.validation import IdType
from tests.conftest import make_test_config
from tests.visitors.conftest import make_resident_id

NUMBER = make_resident_id("510921", "19850612", "123")


def test_masking_keeps_region_code_and_last_four():
    assert mask_document(IdType.RESIDENT_ID, NUMBER) == "510921********" + NUMBER[-4:]
    assert mask_document(IdType.PASSPORT, "E12345678") == "*****5678"
    assert mask_document(IdType.OTHER, "123") == "***"


def test_none_keeps_nothing_of_the_number():
    stored = reduce_document(IdType.RESIDENT_ID, NUMBER, IdStorage.NONE, None)
    assert stored.masked == "" and stored.encrypted is None


def test_partial_keeps_only_the_masked_form():
    stored = reduce_document(IdType.RESIDENT_ID, NUMBER, IdStorage.PARTIAL, id_cipher(Fernet.generate_key().decode()))
    assert stored.masked == "510921********" + NUMBER[-4:]
    assert stored.encrypted is None


def test_full_encrypts_and_only_the_key_opens_it():
    key = Fernet.generate_key().decode()
    stored = reduce_document(IdType.RESIDENT_ID, NUMBER, IdStorage.FULL, id_cipher(key))
    assert NUMBER not in stored.encrypted and NUMBER[6:14] not in stored.encrypted
    assert decrypt_document(stored.encrypted, id_cipher(key)) == NUMBER
    assert decrypt_document(stored.encrypted, id_cipher(Fernet.generate_key().decode())) is None


def test_key_rotation_new_key_first_old_still_opens():
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    stored = reduce_document(IdType.RESIDENT_ID, NUMBER, IdStorage.FULL, id_cipher(old))
    assert decrypt_document(stored.encrypted, id_cipher(f"{new},{old}")) == NUMBER


def test_digest_is_keyed_and_stable():
    assert document_digest(IdType.RESIDENT_ID, NUMBER, "s1") == document_digest(IdType.RESIDENT_ID, NUMBER, "s1")
    assert document_digest(IdType.RESIDENT_ID, NUMBER, "s1") != document_digest(IdType.RESIDENT_ID, NUMBER, "s2")
    assert NUMBER not in document_digest(IdType.RESIDENT_ID, NUMBER, "s1")


# ---------------------------------------------------------------- settings


def _settings(**config):
    base = {"VISITOR_ID_STORAGE": "partial", "VISITOR_ID_KEY": "", "VISITOR_RETENTION_DAYS": "180",
            "VISITOR_CLOSING_TIME": "18:00", "SECRET_KEY": "s"}
    return settings_from_config(base | config)


def test_defaults_are_partial_storage_and_180_days(app):
    assert app.config["VISITOR_ID_STORAGE"] == "partial"
    assert int(app.config["VISITOR_RETENTION_DAYS"]) == 180
    settings = app.extensions["visitors"]
    assert settings.storage is IdStorage.PARTIAL and settings.retention_days == 180


def test_settings_come_from_the_environment(monkeypatch, database_url):
    key = Fernet.generate_key().decode()
    monkeypatch.setenv("PORTAL_VISITOR_ID_STORAGE", "full")
    monkeypatch.setenv("PORTAL_VISITOR_ID_KEY", key)
    monkeypatch.setenv("PORTAL_VISITOR_RETENTION_DAYS", "30")
    app = create_app(make_test_config(database_url))
    settings = app.extensions["visitors"]
    assert settings.storage is IdStorage.FULL and settings.retention_days == 30
    assert app.config["VISITOR_ID_KEY"] == key


def test_full_mode_without_a_key_refuses_to_start(monkeypatch, database_url):
    monkeypatch.setenv("PORTAL_VISITOR_ID_STORAGE", "full")
    monkeypatch.delenv("PORTAL_VISITOR_ID_KEY", raising=False)
    with pytest.raises(ConfigError, match="PORTAL_VISITOR_ID_KEY"):
        create_app(make_test_config(database_url))


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"VISITOR_ID_STORAGE": "everything"}, "must be one of none, partial, full"),
        ({"VISITOR_ID_STORAGE": "full", "VISITOR_ID_KEY": "not-a-key"}, "Fernet"),
        ({"VISITOR_RETENTION_DAYS": "0"}, "at least 1"),
        ({"VISITOR_RETENTION_DAYS": "half a year"}, "whole number"),
        ({"VISITOR_CLOSING_TIME": "late"}, "time of day"),
    ],
)
def test_bad_settings_stop_the_app_with_a_clear_message(database_url, config, message):
    with pytest.raises(ConfigError, match=message):
        create_app(make_test_config(database_url, **config))


def test_settings_parse_values():
    settings = _settings(VISITOR_ID_STORAGE=" None ", VISITOR_RETENTION_DAYS=90, VISITOR_CLOSING_TIME="17:30")
    assert settings.storage is IdStorage.NONE and settings.retention_days == 90
    assert settings.closing_time.hour == 17 and settings.closing_time.minute == 30
