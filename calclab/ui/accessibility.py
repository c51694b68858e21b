"""Keyboard and assistive technology, for every tab from one place.

- Tab order follows the layout (top to bottom, left to right as the layouts nest), not the order in which the
  widgets happened to be created.
- Every control and plot gets an accessible name and description where the tab gave none: from its own text,
  the label beside it (a form's label, or the label just before it in its layout), its tooltip, its
  placeholder, or its object name (`spin_learning_rate` -> "learning rate"); a plot from its title and axes.
- The stepping buttons get shortcuts (the Chain Rule graph's forward and backward steps, Backprop's four phases;
  Descent has its own Space / Ctrl+R).
"""

from __future__ import annotations

import re

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractScrollArea,
    QFormLayout,
    QGraphicsView,
    QGridLayout,
    QLabel,
    QLayout,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QWidget,
)

#: tab -> (button object name or text prefix, keys, what it does)
SHORTCUTS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "chain": (("Forward step", "Alt+Right", "forward step"), ("Forward all", "Alt+Shift+Right", "forward all"),
              ("◀ Backward step", "Alt+Left", "backward step"), ("◀◀ Backward all", "Alt+Shift+Left", "backward all"),
              ("Reset", "Alt+Home", "reset the graph")),
    "backprop": (("button_forward", "Alt+1", "forward pass"), ("button_loss", "Alt+2", "loss"),
                 ("button_backward", "Alt+3", "backward pass"), ("button_update", "Alt+4", "update")),
}


def focusable(widget: QWidget) -> bool:
    """A control the Tab key should stop at."""
    return bool(widget.focusPolicy() & Qt.FocusPolicy.TabFocus) and widget.focusProxy() is None


def layout_order(root: QWidget) -> list[QWidget]:
    """The focusable widgets under `root` in the order of its layouts (depth first)."""
    found: list[QWidget] = []
    seen: set[int] = set()

    def visit_widget(widget: QWidget) -> None:
        if id(widget) in seen or widget.isWindow() and widget is not root:
            return
        seen.add(id(widget))
        if widget is not root and focusable(widget):
            found.append(widget)
        for child in _children(widget):
            visit_widget(child)

    visit_widget(root)
    return found


def _children(widget: QWidget) -> list[QWidget]:
    """A widget's child widgets in layout order (then any the layouts do not hold, by position)."""
    ordered: list[QWidget] = []
    if isinstance(widget, QSplitter | QTabWidget | QStackedWidget):
        ordered = [widget.widget(i) for i in range(widget.count())]
        if isinstance(widget, QTabWidget):
            ordered = [widget.tabBar(), *ordered]
    elif isinstance(widget, QAbstractScrollArea):
        inner = getattr(widget, "widget", lambda: None)()
        ordered = [inner] if isinstance(inner, QWidget) else []
    elif widget.layout() is not None:
        ordered = _layout_widgets(widget.layout())
    rest = [child for child in widget.findChildren(QWidget, options=Qt.FindChildOption.FindDirectChildrenOnly)
            if child not in ordered and not child.isWindow()]
    rest.sort(key=lambda child: (child.y(), child.x()))
    if isinstance(widget, QAbstractScrollArea):   # its viewport and scroll bars: not stops of their own
        rest = [child for child in rest if not focusable(child)]
    return [w for w in ordered if w is not None] + rest


def _layout_widgets(layout: QLayout) -> list[QWidget]:
    out: list[QWidget] = []
    items = range(layout.count())
    if isinstance(layout, QGridLayout):   # row by row, whatever order the cells were added in
        items = sorted(items, key=lambda i: layout.getItemPosition(i)[:2])
    for index in items:
        item = layout.itemAt(index)
        if item.widget() is not None:
            out.append(item.widget())
        elif item.layout() is not None:
            out.extend(_layout_widgets(item.layout()))
    return out


def fix_tab_order(root: QWidget) -> list[QWidget]:
    """Chain the focusable widgets under `root` in layout order; returns that order."""
    order = layout_order(root)
    for first, second in zip(order, order[1:], strict=False):
        QWidget.setTabOrder(first, second)
    return order


# -- names ---------------------------------------------------------------------------------------------------

def _clean(text: str) -> str:
    text = re.sub(r"<[^>]+>", "", text or "").replace("&&", "\0").replace("&", "").replace("\0", "&")
    text = re.sub(r"[▸▶◀⟲…]+", "", text)
    return " ".join(text.split()).strip(" :=")


def _first_sentence(text: str) -> str:
    text = _clean(text)
    return re.split(r"(?<!e\.g\.)(?<!i\.e\.)(?<=[.:;])\s", text, maxsplit=1)[0].rstrip(".:;") if text else ""


def _label_before(widget: QWidget) -> str:
    """The text of the label a form or row puts before `widget`."""
    parent = widget.parentWidget()
    layout = _layout_holding(parent.layout(), widget) if parent is not None and parent.layout() else None
    if layout is None:
        return ""
    if isinstance(layout, QFormLayout):
        label = layout.labelForField(widget)
        return _clean(label.text()) if isinstance(label, QLabel) else ""
    index = layout.indexOf(widget)
    if isinstance(layout, QGridLayout):
        row, column, _rows, _columns = layout.getItemPosition(index)
        item = layout.itemAtPosition(row, column - 1) if column > 0 else None
    else:
        item = layout.itemAt(index - 1) if index > 0 else None
    label = item.widget() if item is not None else None
    return _clean(label.text()) if isinstance(label, QLabel) else ""


def _layout_holding(layout: QLayout, widget: QWidget) -> QLayout | None:
    if layout.indexOf(widget) >= 0:
        return layout
    for index in range(layout.count()):
        inner = layout.itemAt(index).layout()
        if inner is not None:
            found = _layout_holding(inner, widget)
            if found is not None:
                return found
    return None


def derived_name(widget: QWidget) -> str:
    """A short name for `widget` from what the user sees next to it."""
    for buddy in widget.window().findChildren(QLabel):
        if buddy.buddy() is widget and _clean(buddy.text()):
            return _clean(buddy.text())
    if isinstance(widget, QAbstractButton) and _clean(widget.text()):
        return _clean(widget.text())
    before = _label_before(widget)
    if before:
        return before
    for text in (widget.toolTip(), getattr(widget, "placeholderText", lambda: "")()):
        if _first_sentence(text):
            return _first_sentence(text)[:80]
    name = re.sub(r"^(button|spin|combo|check|line|edit|slider|radio|label|box|plot)_", "", widget.objectName())
    if name:
        return name.replace("_", " ").strip()
    words = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", type(widget).__name__.removeprefix("Q")).lower()
    owner = widget.parentWidget()
    owner_name = owner.accessibleName() or _first_sentence(owner.toolTip()) if owner is not None else ""
    return f"{words} of {owner_name}" if owner_name else words


def plot_name(view: QGraphicsView) -> tuple[str, str]:
    """(name, description) of a plot or diagram: its title and axes where it has them."""
    title = ""
    panel = view.parentWidget()
    while panel is not None and not title:
        label = getattr(panel, "title_label", None)
        title = _clean(label.text()) if isinstance(label, QLabel) else ""
        panel = panel.parentWidget() if not title else panel
    axes = []
    plot_item = getattr(view, "getPlotItem", lambda: None)()
    if plot_item is not None:
        title = title or _clean(plot_item.titleLabel.text)
        for side, what in (("bottom", "across"), ("left", "up")):
            text = _clean(plot_item.getAxis(side).labelText)
            if text:
                axes.append(f"{text} {what}")
    kind = "plot" if plot_item is not None else "diagram"
    name = f"{title} ({kind})" if title else kind.capitalize()
    description = (f"A {kind}" + (f": {', '.join(axes)}" if axes else "") + ". Arrow keys and the mouse pan it.")
    return name, description


def name_controls(root: QWidget) -> None:
    """Give every focusable control and every plot under `root` an accessible name and description."""
    for widget in root.findChildren(QWidget):
        if isinstance(widget, QGraphicsView) and not widget.accessibleName():
            name, description = plot_name(widget)
            widget.setAccessibleName(name)
            if not widget.accessibleDescription():
                widget.setAccessibleDescription(description)
            continue
        if not focusable(widget):
            continue
        if not widget.accessibleName():
            widget.setAccessibleName(derived_name(widget))
        if not widget.accessibleDescription() and _clean(widget.toolTip()):
            widget.setAccessibleDescription(_clean(widget.toolTip()))


def add_shortcuts(tab: QWidget, name: str) -> list[QShortcut]:
    """The stepping buttons' shortcuts (SHORTCUTS), each named in its button's tooltip."""
    made = []
    buttons = tab.findChildren(QAbstractButton)
    for key, keys, what in SHORTCUTS.get(name, ()):
        button = next((b for b in buttons if b.objectName() == key), None) or \
            next((b for b in buttons if _clean(b.text()).startswith(_clean(key))), None)
        if button is None:
            continue
        shortcut = QShortcut(QKeySequence(keys), tab)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut.activated.connect(lambda b=button: b.animateClick() if b.isEnabled() and b.isVisible() else None)
        native = QKeySequence(keys).toString(QKeySequence.SequenceFormat.NativeText)
        if native not in button.toolTip():
            button.setToolTip(f"{button.toolTip()} ({native})" if button.toolTip() else f"{what} ({native})")
        made.append(shortcut)
    return made


def show_focus(root: QWidget) -> None:
    """A visible focus frame on every plot and diagram under `root` that Tab reaches (their style draws none)."""
    from calclab.ui.widgets.focus_ring import add_focus_ring

    for view in root.findChildren(QGraphicsView):
        if focusable(view):
            add_focus_ring(view)


def make_accessible(tab: QWidget, name: str) -> None:
    """Everything above for one freshly built tab."""
    add_shortcuts(tab, name)
    fix_tab_order(tab)
    name_controls(tab)
    show_focus(tab)
