"""The core's file storage: what it keeps, what it refuses, how it sends a file back."""

from __future__ import annotations

import zipfile
from datetime import datetime
from io import BytesIO

import pytest
from sqlalchemy import func, select

from portal import files
from portal.db import db
from portal.files import StoredFile
from portal.models import AuditLog
from portal.rules import RuleViolation
from portal.timeutil import LOCAL_TZ

NOW = datetime(2026, 12, 3, 9, 30, tzinfo=LOCAL_TZ)
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32


def _office(*members: str) -> bytes:
    out = BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        for member in members:
            archive.writestr(member, "<x/>")
    return out.getvalue()


@pytest.mark.parametrize(("data", "name", "kind", "mimetype"), [
    (PDF, "说明书.pdf", "pdf", "application/pdf"),
    (PNG, "photo.PNG", "png", "image/png"),
    (JPEG, "现场.jpeg", "jpeg", "image/jpeg"),
    (_office("word/document.xml"), "合同.docx", "docx",
     "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    (_office("xl/workbook.xml"), "台账.xlsx", "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 32, "旧表格.xls", "xls", "application/vnd.ms-excel"),
])
def test_a_known_kind_is_kept_with_its_type_from_the_content(app, make_user, data, name, kind, mimetype):
    actor = make_user()
    stored = files.store((data, name), actor=actor, now=NOW)
    db.session.commit()
    db.session.expire_all()
    stored = db.session.get(StoredFile, stored.id)
    assert (stored.name, stored.kind, stored.mimetype, stored.size) == (name, kind, mimetype, len(data))
    assert files.open_file(stored).read() == data
    assert stored.uploaded_by == actor and stored.uploaded_at == NOW
    assert db.session.scalar(select(AuditLog.action).where(AuditLog.object_type == "stored_file")) == "file.store"


@pytest.mark.parametrize(("data", "name", "message"), [
    (b"MZ\x90\x00 an executable", "manual.pdf", "只能保存这些类型的文件：PDF, JPG, PNG, DOCX, XLSX, DOC, XLS。"),
    (b"<html><script>alert(1)</script></html>", "page.png", "只能保存这些类型的文件"),
    (_office("content.xml"), "odf.docx", "只能保存这些类型的文件"),  # a zip, but no Office file
    (b"PK\x03\x04 not really a zip", "x.xlsx", "只能保存这些类型的文件"),
    (PDF, "report.exe", "文件内容与文件名（.exe）不符。"),
    (PNG, "photo.pdf", "文件内容与文件名（.pdf）不符。"),
    (b"", "empty.pdf", "文件是空的。"),
])
def test_a_bad_file_is_refused_with_a_message_and_nothing_kept(app, data, name, message):
    with pytest.raises(RuleViolation) as refused:
        files.store((data, name), actor=None, now=NOW)
    assert message in str(refused.value) and refused.value.status == 422 and refused.value.field == "file"
    assert db.session.scalar(select(func.count()).select_from(StoredFile)) == 0


def test_a_file_over_the_limit_is_refused_as_too_large(app):
    app.config["FILE_MAX_BYTES"] = 2 * 1024 * 1024
    with pytest.raises(RuleViolation) as refused:
        files.store((PDF + b"0" * (2 * 1024 * 1024), "big.pdf"), actor=None, now=NOW)
    assert refused.value.status == 413 and "文件太大（最大 2 MB）" in str(refused.value)
    stored = files.store((PDF + b"0" * (2 * 1024 * 1024 - len(PDF)), "just.pdf"), actor=None, now=NOW)
    assert stored.size == 2 * 1024 * 1024


@pytest.mark.parametrize(("given", "kept"), [
    ("../../etc/passwd.pdf", "passwd.pdf"),
    ("C:\\Users\\李\\桌面\\电梯 合格证.pdf", "电梯 合格证.pdf"),
    ("/tmp/.hidden.pdf", "hidden.pdf"),
    ("a\x00b\r\n.pdf", "ab.pdf"),
    ("README", "README.pdf"),
    ("", "file.pdf"),
    ("长" * 200 + ".pdf", "长" * 116 + ".pdf"),
])
def test_the_name_loses_folders_and_control_characters(app, given, kept):
    assert files.store((PDF, given), actor=None, now=NOW).name == kept


def test_only_the_kinds_asked_for_are_kept(app):
    with pytest.raises(RuleViolation, match="：JPG, PNG。"):
        files.store((PDF, "a.pdf"), actor=None, now=NOW, kinds=files.IMAGES)
    assert files.store((PNG, "a.png"), actor=None, now=NOW, kinds=files.IMAGES).kind == "png"


def test_a_download_is_an_attachment_with_the_name_encoded_and_no_sniffing(app):
    stored = files.store((PDF, "电梯 检验报告;\".pdf"), actor=None, now=NOW)
    with app.test_request_context():
        response = files.send(stored)
        response.direct_passthrough = False
        assert response.get_data() == PDF
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''%E7%94%B5%E6%A2%AF%20%E6%A3%80%E9%AA%8C%E6%8A%A5%E5%91%8A%3B%22.pdf" in disposition
    assert response.mimetype == "application/pdf"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response.headers["Content-Security-Policy"]


def test_delete_removes_the_file_and_is_audited(app):
    stored = files.store((PDF, "a.pdf"), actor=None, now=NOW)
    files.delete(stored, actor=None, now=NOW)
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(StoredFile)) == 0
    assert db.session.scalar(select(AuditLog.summary).where(AuditLog.action == "file.delete")) == "a.pdf"


def test_a_request_over_the_body_limit_gets_a_clear_413(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    response = client.post("/login", data={"username": "x" * 2048}, headers={"Accept-Language": "en"})
    assert response.status_code == 413
    assert "a file may have at most 10 MB" in response.get_data(as_text=True)
