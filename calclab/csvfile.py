"""CSV text for exported tables (Qt-free: `calclab export descent --out run.csv` writes one without a window)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """CSV text (UTF-8, one header row); floats are written with every digit (repr)."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([repr(value) if isinstance(value, float) else value for value in row])
    return text.getvalue().encode("utf-8")
