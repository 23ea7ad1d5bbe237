"""RFC 2397 data URLs, the way the JSON API carries uploaded files."""

from __future__ import annotations

import base64
import binascii
import re
from urllib.parse import unquote, unquote_to_bytes

from flask_babel import gettext

from .uploads import UploadedFile

_MEDIA_TYPE = re.compile(r"^[A-Za-z0-9!#$&^_.+-]+/[A-Za-z0-9!#$&^_.+-]+$")
_BASE64_BODY = re.compile(r"^[A-Za-z0-9+/]*={0,2}$")


class DataURLError(ValueError):
    """A malformed data URL; the message is a translated sentence fit for a field error."""


def parse_data_url(text: str, default_filename: str = "upload") -> UploadedFile:
    """Decode `data:<type>[;name=<name>][;base64],<data>` into an `UploadedFile`.

    The `name` parameter is percent-decoded; without it the file is called `default_filename`.
    Raise `DataURLError` when the prefix, the comma, the media type or the base64 data is wrong.
    """
    if not isinstance(text, str) or not text[:5].lower() == "data:":
        raise DataURLError(gettext("Send the file as a data URL, such as data:application/pdf;base64,…"))
    header, comma, body = text[5:].partition(",")
    if not comma:
        raise DataURLError(gettext("The data URL has no comma between its header and the file data; send "
                                   "data:application/pdf;base64, followed by the file in base64."))

    parts = header.split(";")
    media_type = parts[0].strip().lower() or "text/plain"
    if not _MEDIA_TYPE.match(media_type):
        raise DataURLError(gettext("The data URL has an invalid media type: %(type)s; use application/pdf, "
                                   "image/jpeg or image/png.", type=parts[0][:60]))

    filename = default_filename
    is_base64 = False
    for index, parameter in enumerate(parts[1:], start=1):
        key, equals, value = parameter.partition("=")
        key = key.strip().lower()
        if not equals:
            # Only the last parameter may be the bare `base64` token (RFC 2397 section 3).
            if key == "base64" and index == len(parts) - 1:
                is_base64 = True
                continue
            raise DataURLError(gettext("The data URL has an invalid parameter: %(parameter)s; keep only "
                                       "name=<file name> and base64.", parameter=parameter[:60]))
        if key in ("name", "filename"):
            filename = _safe_filename(unquote(value.strip())) or default_filename

    if is_base64:
        content = _decode_base64(body)
    else:
        content = unquote_to_bytes(body)
    return UploadedFile(filename=filename, content=content, media_type_declared=media_type)


def _not_base64_message() -> str:
    return gettext("The file data in the data URL is not valid base64; encode the whole file in base64 again.")


def _decode_base64(body: str) -> bytes:
    # Browsers and JSON encoders may wrap long lines or percent-encode the padding.
    compact = "".join(unquote(body).split())
    if len(compact) % 4:
        compact += "=" * (-len(compact) % 4)
    if not _BASE64_BODY.match(compact):
        raise DataURLError(_not_base64_message())
    try:
        return base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError) as error:
        raise DataURLError(_not_base64_message()) from error


def _safe_filename(name: str) -> str:
    # Keep the last path segment only: the name is shown to users, never used as a path.
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(character for character in name if character.isprintable()).strip()[:255]
