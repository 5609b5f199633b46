"""Hostile drawing files, generated in the test (never stored): fake DWGs and PDFs carrying
JavaScript, a launch action or an attachment."""

from __future__ import annotations

import io
import random

from pypdf import PdfWriter
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    NameObject,
    NumberObject,
    TextStringObject,
)

ALERT = "app.alert('hello');"


def fake_dwg(seed: int = 11, size: int = 20_000) -> bytes:
    """A valid R2018 magic followed by random bytes."""
    return b"AC1032" + random.Random(seed).randbytes(size)


def _pdf(build: object = None) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    if callable(build):
        build(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def plain_pdf() -> bytes:
    return _pdf()


def _action(kind: str, **entries: str) -> DictionaryObject:
    action = DictionaryObject({NameObject("/S"): NameObject(kind)})
    for key, value in entries.items():
        action[NameObject(f"/{key}")] = TextStringObject(value)
    return action


def pdf_with_document_js() -> bytes:
    """A document-level script in the catalogue's /Names /JavaScript tree."""

    def build(writer: PdfWriter) -> None:
        script = writer._add_object(_action("/JavaScript", JS=ALERT))
        tree = DictionaryObject(
            {NameObject("/Names"): ArrayObject([TextStringObject("greeting"), script])}
        )
        writer.root_object[NameObject("/Names")] = DictionaryObject(
            {NameObject("/JavaScript"): writer._add_object(tree)}
        )

    return _pdf(build)


def pdf_with_open_action_js() -> bytes:
    def build(writer: PdfWriter) -> None:
        writer.root_object[NameObject("/OpenAction")] = _action("/JavaScript", JS=ALERT)

    return _pdf(build)


def pdf_with_attachment() -> bytes:
    return _pdf(lambda w: w.add_attachment("payload.exe", b"MZ" + b"\x00" * 64))


def pdf_with_launch_link() -> bytes:
    def build(writer: PdfWriter) -> None:
        link = DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Annot"),
                NameObject("/Subtype"): NameObject("/Link"),
                NameObject("/Rect"): ArrayObject([NumberObject(v) for v in (0, 0, 100, 100)]),
                NameObject("/A"): _action("/Launch", F="cmd.exe"),
            }
        )
        writer.add_annotation(0, link)

    return _pdf(build)
