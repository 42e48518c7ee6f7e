"""Text encodings of record files: UTF-16 with BOM (Excel's Unicode text), UTF-8 with or without BOM,
GBK/GB18030 — also after a stray UTF-8 BOM some tools write in front of GBK text."""
from __future__ import annotations

from junheng.errors import InputError
from junheng.i18n import Msg


def _decode(data: bytes, name: str) -> tuple[str, str]:
    """(text, encoding): UTF-16 with BOM (Excel's Unicode text), UTF-8 (BOM or not), GBK/GB18030 — also
    after a UTF-8 BOM some tools write in front of GBK text (encoding ``gb18030+bom``)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            pass
    bom = data.startswith(b"\xef\xbb\xbf")
    body = data[3:] if bom else data
    for enc in ("utf-8", "gb18030"):
        try:
            return body.decode(enc), enc if not (bom and enc != "utf-8") else enc + "+bom"
        except UnicodeDecodeError:
            continue
    raise InputError(Msg("read.encoding", name=name))
