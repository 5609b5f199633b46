"""QR codes for sheet revisions (the URL resolves to "is there a newer revision?")."""

from __future__ import annotations

import io

import qrcode
import qrcode.image.svg
from qrcode.constants import ERROR_CORRECT_M


def qr_png(url: str, *, box_size: int = 8) -> bytes:
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=box_size, border=4)
    code.add_data(url)
    code.make(fit=True)
    buffer = io.BytesIO()
    code.make_image().save(buffer)
    return buffer.getvalue()


def qr_svg(url: str) -> bytes:
    code = qrcode.QRCode(
        error_correction=ERROR_CORRECT_M, border=4, image_factory=qrcode.image.svg.SvgPathImage
    )
    code.add_data(url)
    code.make(fit=True)
    buffer = io.BytesIO()
    code.make_image().save(buffer)
    return buffer.getvalue()
