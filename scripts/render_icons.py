"""Render resources/icons/calclab.svg to the PNGs beside it (calclab-16.png ... calclab-512.png).

Run after changing the SVG:  QT_QPA_PLATFORM=offscreen python scripts/render_icons.py
The PNGs are committed, so nobody needs an SVG renderer to install calclab.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

ICONS = Path(__file__).resolve().parent.parent / "resources" / "icons"
SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)   # the hicolor theme's usual sizes


def render(svg: Path, size: int) -> QImage:
    """The SVG drawn into a size x size transparent image, antialiased."""
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    QSvgRenderer(str(svg)).render(painter)
    painter.end()
    return image


def main() -> int:
    QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    svg = ICONS / "calclab.svg"
    for size in SIZES:
        target = ICONS / f"calclab-{size}.png"
        if not render(svg, size).save(str(target), "PNG"):
            print(f"error: cannot write {target}", file=sys.stderr)
            return 1
        print(target.relative_to(ICONS.parent.parent))
    return 0


if __name__ == "__main__":
    sys.exit(main())
