"""LazyModule: a module imported when one of its names is first used, not when the importing module loads.

For what a window's first view can do without: pyqtgraph for the window's shell, SymPy (through the engine's jobs)
for the Derivatives tab's shipped first view. `import_module` takes Python's import lock, as `import` does.
"""

from __future__ import annotations

import importlib
from typing import Any


class LazyModule:
    """Stands for module `name`; the first attribute read imports it (then Python's module cache answers)."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attribute: str) -> Any:
        return getattr(importlib.import_module(self._name), attribute)

    def __repr__(self) -> str:
        return f"<lazy module {self._name}>"
