"""A small structural accessibility check of rendered pages: language, labels, names."""

from __future__ import annotations

from html.parser import HTMLParser

_UNLABELLED_TYPES = {"hidden", "submit", "button", "reset", "image"}


class _Scan(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.labels: set[str] = set()
        self.controls: list[dict[str, str | None]] = []
        self.lang: str | None = None
        self.images_without_alt = 0
        self._button_depth = 0
        self._button_text = ""
        self.empty_buttons = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "html":
            self.lang = a.get("lang")
        elif tag == "label" and a.get("for"):
            self.labels.add(str(a["for"]))
        elif tag in ("input", "select", "textarea"):
            if tag != "input" or (a.get("type") or "text") not in _UNLABELLED_TYPES:
                self.controls.append(a)
        elif tag == "img" and a.get("alt") is None:
            self.images_without_alt += 1
        elif tag == "button":
            self._button_depth, self._button_text = 1, a.get("aria-label") or ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "button" and self._button_depth:
            self._button_depth = 0
            if not self._button_text.strip():
                self.empty_buttons += 1

    def handle_data(self, data: str) -> None:
        if self._button_depth:
            self._button_text += data


def problems(html: str) -> list[str]:
    scan = _Scan()
    scan.feed(html)
    found = []
    if "<html" in html and scan.lang != "zh-CN":
        found.append(f"html lang is {scan.lang!r}")
    for control in scan.controls:
        labelled = control.get("id") in scan.labels or control.get("aria-label")
        if not labelled:
            found.append(f"control without a label: {control}")
    if scan.images_without_alt:
        found.append(f"{scan.images_without_alt} images without alt")
    if scan.empty_buttons:
        found.append(f"{scan.empty_buttons} buttons without a name")
    return found
