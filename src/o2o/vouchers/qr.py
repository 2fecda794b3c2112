"""QR images (segno). A voucher's QR holds its signed payload (vouchers.offline,
docs/offline-counter.md) so a counter can check it offline; a pick-up code's QR holds
the bare code, which QR's alphanumeric mode encodes compactly."""

from __future__ import annotations

import io

import segno


def _qr(code: str) -> segno.QRCode:
    return segno.make_qr(code, error="m")


def svg(code: str, scale: int = 8) -> bytes:
    buf = io.BytesIO()
    _qr(code).save(buf, kind="svg", scale=scale, border=4, xmldecl=True)
    return buf.getvalue()


def png(code: str, scale: int = 8) -> bytes:
    buf = io.BytesIO()
    _qr(code).save(buf, kind="png", scale=scale, border=4)
    return buf.getvalue()
