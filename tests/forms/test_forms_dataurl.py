"""RFC 2397 data URLs carrying uploads in the JSON API."""

from __future__ import annotations

import base64

import pytest
from form_samples import load_sample, make_context

from forms import (
    DataURLError,
    Form,
    InvalidUpload,
    UploadedFile,
    parse_data_url,
    parse_json,
    validate,
)

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
PDF_BASE64 = base64.b64encode(PDF).decode()
UNPADDED = base64.b64encode(PDF + b"!").decode().rstrip("=")


@pytest.mark.parametrize(
    ("url", "filename", "media_type", "content"),
    [
        (f"data:application/pdf;name=certificat.pdf;base64,{PDF_BASE64}", "certificat.pdf", "application/pdf", PDF),
        (f"data:application/pdf;base64,{PDF_BASE64}", "upload", "application/pdf", PDF),
        (f"data:image/png;name=scan%20du%20certificat.png;base64,{PDF_BASE64}", "scan du certificat.png", "image/png", PDF),
        (f"DATA:Application/PDF;NAME=a.pdf;BASE64,{PDF_BASE64}", "a.pdf", "application/pdf", PDF),
        (f"data:application/pdf;name=..%2F..%2Fetc%2Fpasswd;base64,{PDF_BASE64}", "passwd", "application/pdf", PDF),
        ("data:,hello%20world", "upload", "text/plain", b"hello world"),
        (f"data:application/pdf;base64,{UNPADDED}", "upload", "application/pdf", PDF + b"!"),
        (f"data:application/pdf;base64,{PDF_BASE64[:8]}\n{PDF_BASE64[8:]}", "upload", "application/pdf", PDF),
    ],
)
def test_data_url_decodes(url, filename, media_type, content):
    upload = parse_data_url(url)

    assert upload.filename == filename
    assert upload.media_type_declared == media_type
    assert upload.content == content


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("application/pdf;base64,JVBERi0x", "Send the file as a data URL"),
        ("data:application/pdf;base64 JVBERi0x", "no comma"),
        ("data:application/pdf;base64,JVBE*Ri0x", "not valid base64"),
        ("data:application/pdf;base64,JVBERi0xA", "not valid base64"),
        ("data:application/pdf;base64,=JVBERi0x", "not valid base64"),
        ("data:not a type;base64,JVBERi0x", "invalid media type"),
        ("data:application/pdf;charset;base64,JVBERi0x", "invalid parameter"),
    ],
)
def test_data_url_rejects_malformed(url, message):
    with pytest.raises(DataURLError, match=message):
        parse_data_url(url)


def certificate_form() -> Form:
    schema, ui_schema = load_sample("medical_certificate")
    return Form.build(schema, ui_schema, make_context())


def test_parse_json_turns_data_url_into_upload():
    form = certificate_form()

    data = parse_json(form, {"certificate": f"data:application/pdf;name=certificat%20initial.pdf;base64,{PDF_BASE64}"})

    assert data["certificate"] == UploadedFile("certificat initial.pdf", PDF, "application/pdf")


def test_parse_json_keeps_document_reference():
    data = parse_json(certificate_form(), {"certificate": "document:42"})

    assert data["certificate"] == "document:42"


def test_malformed_data_url_is_field_error():
    form = certificate_form()
    payload = {"certificate_date": "2026-11-04", "doctor_name": "Dr Benali", "certificate": "data:application/pdf;base64,%%%"}

    data = parse_json(form, payload)
    _, errors = validate(form, data)

    assert isinstance(data["certificate"], InvalidUpload)
    assert errors == {"certificate": ["The file data in the data URL is not valid base64; encode the whole file in "
                                      "base64 again."]}


def test_data_url_missing_comma_is_field_error():
    form = certificate_form()

    _, errors = validate(form, parse_json(form, {"certificate": "data:application/pdf;base64"}))

    assert errors["certificate"] == ["The data URL has no comma between its header and the file data; send "
                                       "data:application/pdf;base64, followed by the file in base64."]


@pytest.mark.parametrize("value", ["JVBERi0x", "https://example.org/a.pdf", "document:", "document:1/../2"])
def test_file_value_neither_data_url_nor_reference(value):
    form = certificate_form()

    _, errors = validate(form, parse_json(form, {"certificate": value}))

    assert errors["certificate"]
