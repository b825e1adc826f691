"""QR codes for the feed link on a doctor's own page, drawn by segno as inline SVG."""

from __future__ import annotations

import io

import segno


def qr_svg(text: str, scale: int = 4) -> str:
    """An SVG image (no XML declaration, fit to embed in a page) that encodes `text`."""
    buf = io.BytesIO()
    segno.make(text, error="m").save(
        buf, kind="svg", scale=scale, xmldecl=False, svgns=True, title="QR-kode for kalenderlenken"
    )
    return buf.getvalue().decode("utf-8")
