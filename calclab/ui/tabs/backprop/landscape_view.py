"""The landscape page of the Backprop tab: a Compute button, a line saying what is shown, and the LandscapePlot.

The 41x41 grid of full-loss evaluations runs in the tab's own numeric worker process (a SymbolicWorker with its
own time budget, started on first use, like the typesetting process), never on the GUI thread and never in the
shared symbolic worker, so the other tabs' jobs are not held up behind it.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from calclab.engine.jobs.backprop import landscape_job
from calclab.engine.landscape import Landscape
from calclab.ui.tabs.backprop.model import BackpropModel, copy_params
from calclab.ui.tabs.backprop.more_plots import LandscapePlot
from calclab.ui.worker import JobFailure, SymbolicWorker

LANDSCAPE_BUDGET_S = 20.0   # CPU seconds: about 10x what 41x41 losses of the largest network take here
_numeric: SymbolicWorker | None = None


def numeric_worker() -> SymbolicWorker:
    """The numeric worker process (its own budget), started on first use; GUI thread only."""
    global _numeric
    if _numeric is None:
        _numeric = SymbolicWorker(budget_s=LANDSCAPE_BUDGET_S, preload=("numpy", "calclab.engine.jobs.backprop"))
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(_numeric.shutdown)
        _numeric.start()
    return _numeric


def job_arguments(model: BackpropModel) -> tuple:
    """landscape_job's arguments for the model's network now (plain arrays: they are pickled)."""
    net = model.net
    shape = (list(net.sizes), net.activation, net.output, net.loss_name, net.seed)
    return (shape, net.l1, net.l2, copy_params(net.params), model.X_train, model.y_train, model.seed,
            list(model.weights_path))


class LandscapePanel(QWidget):
    """Compute, say, draw. `computed` is emitted with each landscape shown."""

    computed = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.button_compute = QPushButton("Compute landscape")
        self.button_compute.setToolTip("The loss on a plane through the weights, spanned by two random filter-"
                                       "normalised directions (Li et al. 2018), with the training path on it")
        self.label_status = QLabel("41 × 41 losses around the weights, computed in the background.")
        self.label_status.setWordWrap(True)
        self.plot = LandscapePlot()
        row = QHBoxLayout()
        row.addWidget(self.button_compute)
        row.addWidget(self.label_status, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 2, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.plot, 1)
        self._key = f"backprop.landscape.{id(self)}"
        self._out = False
        self._epoch = 0
        self.stale = True   # the weights changed since the landscape shown

    def is_busy(self) -> bool:
        return self._out

    def compute(self, model: BackpropModel) -> None:
        """Send the job for the model's weights now (a newer one supersedes an older one)."""
        args = job_arguments(model)
        self._out = True
        self.label_status.setText(f"Computing the landscape at epoch {model.epoch}…")
        numeric_worker().submit(self._key, landscape_job, *args, on_done=self._on_done, on_error=self._on_error)
        self._epoch = model.epoch

    def compute_now(self, model: BackpropModel) -> None:
        """The same, in this process (headless export, where nothing else waits)."""
        self._on_done(landscape_job(*job_arguments(model)), epoch=model.epoch)

    def _on_done(self, result: Landscape, epoch: int | None = None) -> None:
        self._out = False
        self.stale = False
        self.plot.set_landscape(result)
        shown = self._epoch if epoch is None else epoch
        self.label_status.setText(f"Epoch {shown}: ★ the weights, the white line the path there "
                                  f"({len(result.path)} epochs).")
        self.label_status.setToolTip("α and β are steps along two random directions, each neuron's part scaled to "
                                     "the size of that neuron's weights (filter normalisation, Li et al. 2018); the "
                                     "path is each epoch's weights projected onto the plane")
        self.computed.emit(result)

    def _on_error(self, failure: JobFailure) -> None:
        self._out = False
        self.label_status.setText(f"The landscape could not be computed: {failure.message}")

    def cancel(self) -> None:
        if _numeric is not None:
            _numeric.cancel(self._key)
        self._out = False
