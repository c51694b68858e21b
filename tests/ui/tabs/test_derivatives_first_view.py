"""The Derivatives tab's shipped first view (issue 19): drawn without SymPy, the same as the ordinary view, and
hydrated into the ordinary one when the window builds its other tabs or when an input needs SymPy."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from calclab.resource_files import resource
from calclab.state.derivatives import DerivativesState
from calclab.ui.tabs.derivatives import first_view

WAIT_MS = 20_000


def _shipped() -> dict:
    return json.loads(resource(*first_view.SHIPPED).read_text(encoding="utf-8"))


def test_the_shipped_first_view_is_what_the_tab_shows_now(qtbot, worker):
    """A stale file (a changed formula, step text, critical point or default state) fails here until it is rebuilt
    with `python -m calclab.ui.tabs.derivatives.first_view --build`."""
    from calclab.ui.tabs.derivatives.tab import DerivativesTab

    document = _shipped()
    if document["versions"] != first_view.versions():
        pytest.skip(f"shipped with {document['versions']}, here {first_view.versions()}: the file is not used here")
    tab = DerivativesTab(worker)
    qtbot.addWidget(tab)
    tab.resize(1400, 900)
    tab.show()
    qtbot.waitUntil(lambda: not tab.is_busy() and tab._slots[0].analysis is not None, timeout=WAIT_MS)
    assert not tab.is_first_view()   # SymPy is loaded in this process: the ordinary way
    assert first_view.capture(tab, DerivativesState().to_dict()) == document


def test_its_curves_compile_without_sympy_to_the_same_numbers_as_with_it():
    """Each shipped source, compiled with NumPy's names only, against the same f built by SymPy here."""
    import sympy as sp

    view = first_view.from_json(_shipped())
    x = sp.Symbol(view.wrt)
    f = sp.sympify(view.state["expression"].replace("^", "**"))
    expected = [f, sp.diff(f, x, view.order), sp.diff(f, x)]
    expected += [sp.diff(f, x, k) for k in range(len(view.ladder))]
    xs = np.linspace(-7.5, 7.5, 301)
    for function, expr in zip((*view.functions(), *view.ladder_functions()), expected, strict=True):
        want = sp.lambdify(x, expr, "numpy")(xs) * np.ones_like(xs)
        assert np.allclose(function(xs), want, rtol=1e-12, atol=1e-12), expr


@pytest.mark.parametrize("damage", ["not json", '{"format": 1}', '{"format": 1, "sources": 3}', "[]"])
def test_a_damaged_file_means_the_ordinary_view(monkeypatch, tmp_path, damage):
    bad = tmp_path / "view.json"
    bad.write_text(damage, encoding="utf-8")
    monkeypatch.setattr("calclab.resource_files.resource", lambda *_parts: bad)
    monkeypatch.delitem(sys.modules, "sympy", raising=False)   # as at launch (put back after the test)
    assert first_view.load(DerivativesState().to_dict()) is None


def test_another_state_or_a_loaded_sympy_means_the_ordinary_view(monkeypatch):
    import sympy  # noqa: F401 - loaded, as in most of this process

    assert first_view.load(DerivativesState().to_dict()) is None     # SymPy loaded: the ordinary way
    monkeypatch.delitem(sys.modules, "sympy")
    assert first_view.load(DerivativesState().to_dict()) is not None
    assert first_view.load(DerivativesState(expression="x^3").to_dict()) is None
    assert first_view.load(DerivativesState(x0=2.0).to_dict()) is None


LAUNCH = textwrap.dedent("""
    import json, os, sys, tempfile, time
    os.environ["CALCLAB_HOME"] = tempfile.mkdtemp()
    from PySide6.QtCore import QCoreApplication, QEvent, Qt
    from PySide6.QtGui import QKeyEvent
    from PySide6.QtWidgets import QApplication
    app = QApplication([])
    from calclab.ui.main_window import MainWindow
    from calclab.ui.tabs.base import TabBase
    from calclab.ui.worker import SymbolicWorker
    TabBase.shipped_first_view = True      # as calclab.app.run_gui does

    def spin(done, limit=30.0):
        end = time.monotonic() + limit
        while not done() and time.monotonic() < end:
            QCoreApplication.processEvents()
            time.sleep(0.005)
        return done()

    def seen(tab):
        plot = tab.plot
        return {"box": tab.expression_box.text(), "wrt": tab.combo_wrt.currentText(),
                "legend": [plot.curve_f.name(), plot.curve_derivative.name()], "view": plot.view_range(),
                "f_at_x0": tab.reading().value, "slope": tab.reading().slope, "steps": tab.steps_view.lines(),
                "markers": [(m.x, m.kind, m.x_text) for m, _color in tab.markers()],
                "critical": tab.critical_panel.label_list.text(), "copy": tab.header._copy,
                "f": [list(map(float, part)) for part in tab.plot.curve_f.getData()]}

    window = MainWindow(SymbolicWorker(), eager_tabs=sys.argv[1] == "eager")
    window.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen)
    window.resize(1400, 900)
    window.show()
    if sys.argv[1] == "paint":     # what each event-loop pass paints once the tab is built
        from PySide6.QtCore import QObject

        class Paints(QObject):
            def __init__(self):
                super().__init__()
                self.seen = []

            def eventFilter(self, obj, event):
                if event.type() == QEvent.Type.Paint:
                    self.seen.append(type(obj).__name__ + ":" + obj.objectName())
                return False

        paints = Paints()
        app.installEventFilter(paints)
        QCoreApplication.processEvents()   # the shell
    window.ensure_started()
    tab = window.tab("derivatives")
    out = {"first": tab.is_first_view(), "sympy_at_first_view": "sympy" in sys.modules}
    if sys.argv[1] == "paint":
        from calclab.ui.tabs.derivatives.numeric import sample_count
        out["visible_at_once"] = tab.isVisible()
        passes = []
        for _ in range(6):
            paints.seen.clear()
            spin(lambda: False, 0.05)
            passes.append(list(paints.seen))
        out["passes"] = passes
        out["samples"] = len(tab.plot.curve_f.getData()[0])
        out["wanted"] = sample_count(tab.plot.panel.pixel_width())
        window.worker.shutdown()
        print(json.dumps(out))
        sys.exit(0)
    spin(lambda: False, 0.3)
    out["busy"] = tab.is_busy()
    if sys.argv[1] == "eager":     # the window builds its other tabs: the tab hydrates first
        out["hydrated"] = spin(lambda: not tab.is_first_view() and tab.result() is not None and not tab.is_busy())
    else:
        out["before"] = seen(tab)
        if sys.argv[1] == "key":   # a key in the box hydrates the tab, and then is typed
            box = tab.expression_box.line_edit
            box.setFocus()
            box.end(False)
            for key, text in ((Qt.Key.Key_Plus, "+"), (Qt.Key.Key_1, "1")):
                QApplication.sendEvent(box, QKeyEvent(QEvent.Type.KeyPress, key, Qt.KeyboardModifier.NoModifier, text))
            out["hydrated"] = not tab.is_first_view()
            spin(lambda: tab.result() is not None and "1" in tab.result().derivative_text + tab.expression_box.text()
                 and not tab.is_busy())
            out["typed"] = tab.expression_box.text()
        else:
            tab.hydrate()
            spin(lambda: tab.result() is not None and not tab.is_busy() and tab.updatesEnabled())
            spin(lambda: False, 0.3)
            out["after"] = seen(tab)
        out["sympy_after"] = "sympy" in sys.modules
    window.worker.shutdown()
    print(json.dumps(out))
""")


def _launch(mode: str) -> dict:
    done = subprocess.run([sys.executable, "-c", LAUNCH, mode], capture_output=True, text=True, timeout=180,
                          env={**__import__("os").environ, "QT_QPA_PLATFORM": "offscreen"})
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_window_opens_on_the_first_view_without_sympy_and_hydrates_to_the_same_view():
    out = _launch("hydrate")
    assert out["first"] and not out["sympy_at_first_view"] and not out["busy"]
    assert out["sympy_after"]
    before, after = out["before"], out["after"]
    assert before["box"] == after["box"] == "x^2"
    for key in ("wrt", "legend", "view", "steps", "markers", "critical", "copy"):
        assert before[key] == after[key], key
    assert before["f_at_x0"] == after["f_at_x0"] == 1.0 and before["slope"] == after["slope"] == 2.0
    for shown in (before, after):   # the f curve drawn is x^2 over the view, both times
        xs, ys = (np.array(part) for part in shown["f"])
        assert len(xs) > 200 and xs.min() <= -3.9 and xs.max() >= 3.9
        assert np.allclose(ys, xs**2, rtol=1e-12, atol=1e-12)


def test_a_key_on_the_first_view_hydrates_the_tab_then_types():
    out = _launch("key")
    assert out["hydrated"] and out["sympy_after"]
    assert out["typed"] == "x^2+1"


def test_the_window_hydrates_the_first_view_when_it_builds_the_other_tabs():
    out = _launch("eager")
    assert out["first"] and out["hydrated"]


def test_the_first_view_is_painted_whole_in_one_pass():
    """The tab shown and laid out before the window's next paint: its rows, toolbar buttons, axis widths and curves
    sampled for the plot's width are all in that paint, none follows it with a second, full one."""
    out = _launch("paint")
    assert out["first"] and out["visible_at_once"]
    first, later = out["passes"][0], [name for names in out["passes"][1:] for name in names]
    big = ("PlotPanel:", "SidePanel:", "StepsView:", "_Tree:tree_steps", "QSplitter:")   # the plot, the side, the steps
    assert all(name in first for name in big)
    assert not any(name in later for name in big), later
    assert out["samples"] == out["wanted"]   # sampled at the laid-out plot's width, not the width before


def test_the_versions_read_without_importlib_metadata_are_its_own():
    from importlib.metadata import version

    from calclab.ui.tabs.derivatives import first_view

    assert first_view._sympy_version() == version("sympy")
    assert first_view.versions() == {"calclab": first_view.__version__, "sympy": version("sympy"),
                                     "numpy": version("numpy")}
