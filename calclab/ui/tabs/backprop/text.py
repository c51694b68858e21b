"""Words and numbers for the Backprop tab (no Qt): neuron and edge read-outs with the chain-rule products
behind each gradient, the per-phase explanation, and the loss formula with its numbers.

Everything is read from the model's MLP: z, a, dz (= δ = dL/dz), da (= dL/da) and grads per layer. The batch is
the whole training set, so a weight's gradient is a sum over the samples; the read-outs show that sum and the
chosen sample's term of it.
"""

from __future__ import annotations

import math
import re

import numpy as np

from calclab.engine.numbers import MINUS, SUPERSCRIPTS, format_number
from calclab.ui.tabs.backprop.model import BackpropModel

_FROM_SUPERSCRIPT = {v: k for k, v in SUPERSCRIPTS.items()}
_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
FUNCTION = {"tanh": "tanh", "sigmoid": "σ", "relu": "relu", "linear": "id"}
SLOPE = {"tanh": "1 − a²", "sigmoid": "a(1 − a)", "relu": "1 if z > 0 else 0", "linear": "1"}


def fmt(value: float, digits: int = 3) -> str:
    """`digits` significant digits in the app's one number style (−0.25, 2.23×10⁻⁵): engine.numbers."""
    return format_number(value, digits)


def short(value: float) -> str:
    """A value for inside a circle: two decimals while small."""
    value = float(value)
    if not math.isfinite(value):
        return str(value)
    return f"{value:.2f}".replace("-", MINUS) if abs(value) < 9.995 else format_number(value, 3)


def paren(value: float) -> str:
    return f"({fmt(value)})"


def neuron_name(sizes: list[int], l: int, j: int) -> str:
    """HTML name: x_j for inputs, h_{l,j} for hidden neurons, ŷ for the output."""
    if l == 0:
        return f"x<sub>{j + 1}</sub>"
    if l == len(sizes) - 1:
        return "ŷ" if sizes[-1] == 1 else f"ŷ<sub>{j + 1}</sub>"
    return f"h<sub>{l},{j + 1}</sub>"


def circle_label(sizes: list[int], l: int, j: int) -> str:
    """Plain name for inside a circle (the column title says which layer)."""
    if l == 0:
        return f"x{j + 1}".translate(_SUB)
    if l == len(sizes) - 1:
        return "ŷ"
    return f"h{j + 1}".translate(_SUB)


def layer_titles(model: BackpropModel) -> list[str]:
    sizes, net = model.net.sizes, model.net
    titles = ["input\n"]
    for l in range(1, len(sizes) - 1):
        titles.append(f"hidden {l}\n{net.activation}")
    titles.append(f"output\n{net.output}")
    return titles


def used_params(model: BackpropModel):
    """The weights the last forward and backward pass used (before a manual update changed them)."""
    if model.phase == "update" and model.params_before is not None:
        return model.params_before
    return model.net.params


def plain_sgd(model: BackpropModel) -> bool:
    """The update is w ← w − η ∂L/∂w exactly (sgd without weight decay), so the read-outs may write it so."""
    return model.trainer.optimizer == "sgd" and not model.trainer.hyper.get("weight_decay")


def shows_values(model: BackpropModel) -> bool:
    """The forward pass's numbers belong to the current weights (not after an update)."""
    return model.phase in ("forward", "loss", "backward")


def shows_gradients(model: BackpropModel) -> bool:
    """Gradients are on screen after Backward, and after a manual Update (as the ones it used)."""
    return model.phase == "backward" or (model.phase == "update" and model.params_before is not None)


# -- the diagram ---------------------------------------------------------------------------------------------

def neuron_labels(model: BackpropModel) -> tuple[list[list[str]], list[np.ndarray] | None, list[float],
                                                 list[list[str]]]:
    """(labels, fills, scales, notes) for NetworkView.set_neurons."""
    net, sizes, n = model.net, model.net.sizes, model.row
    if not shows_values(model):
        labels = [[circle_label(sizes, l, j) for j in range(size)] for l, size in enumerate(sizes)]
        notes = [[""] * size for size in sizes]
        if model.phase == "update" and model.params_before is not None:   # each bias before → after
            for l in range(1, len(sizes)):
                old, new = model.params_before[l - 1][1], net.params[l - 1][1]
                notes[l] = [f"b {fmt(old[j], 2)}→{fmt(new[j], 2)}" for j in range(sizes[l])]
        return labels, None, [1.0] * len(sizes), notes
    values = [net.a[l][n] for l in range(len(sizes))]
    labels = [[short(v) for v in layer] for layer in values]
    bounded = ["tanh", "sigmoid"]
    scales = [1.0 if l > 0 and model.net.layer_activations[l - 1] in bounded
              else max(1.0, float(np.max(np.abs(layer)))) for l, layer in enumerate(values)]
    notes = [[""] * size for size in sizes]
    if model.phase == "loss":
        notes[-1] = [f"y = {fmt(v)}" for v in model.y_train[model.sample]]
    if model.phase == "backward":
        for l in range(1, len(sizes)):
            notes[l] = [f"δ {fmt(d, 2)}" for d in net.dz[l - 1][n]]
    return labels, values, scales, notes


def edge_values(model: BackpropModel) -> tuple[list[np.ndarray], str]:
    """What the edges show now, and the legend's name for it."""
    if model.phase == "backward":
        return [dW for dW, _db in model.net.grads], "gradients ∂L/∂w"
    if model.phase == "update" and model.params_before is not None:
        return [W for W, _b in model.net.params], "updated weights"
    return [W for W, _b in model.net.params], "weights"


def edge_tooltips(model: BackpropModel) -> list[list[list[str]]]:
    """For each weight: its value, its gradient as a sum over the batch and the chosen sample's chain-rule term."""
    return [[[edge_tooltip(model, l, i, j) for j in range(W.shape[1])] for i in range(W.shape[0])]
            for l, (W, _b) in enumerate(model.net.params)]


def edge_tooltip(model: BackpropModel, l: int, i: int, j: int) -> str:
    """The read-out of weight W_{l+1}[i, j] (one hovered edge is all a training frame writes)."""
    net, sizes, n = model.net, model.net.sizes, model.row
    W, before = net.params[l][0], model.params_before
    src, dst = neuron_name(sizes, l, i), neuron_name(sizes, l + 1, j)
    lines = [f"<b>weight {src} → {dst}</b> (W<sub>{l + 1}</sub>[{i + 1},{j + 1}])"]
    if shows_gradients(model):
        g = net.grads[l][0][i, j]
        a_i, d_j = net.a[l][n, i], net.dz[l][n, j]
        if before is not None:
            lines.append(f"w: {step_words(model, before[l][0][i, j], W[i, j], g)}")
        else:
            lines.append(f"w = {fmt(W[i, j])}")
        lines.append(f"∂L/∂w = Σ<sub>n</sub> δ<sub>{dst}</sub> · a<sub>{src}</sub> over the {len(model.rows)} "
                     f"samples = {fmt(g)}")
        lines.append(f"sample #{model.sample + 1}: δ<sub>{dst}</sub> · a<sub>{src}</sub> = {paren(d_j)}"
                     f"{paren(a_i)} = {fmt(d_j * a_i)}")
    else:
        lines.append(f"w = {fmt(W[i, j])}")
    return "<br>".join(lines)


def neuron_tooltips(model: BackpropModel) -> list[list[str]]:
    """For each neuron: what the forward pass computed, then δ as the chain-rule product that gave it."""
    return [[neuron_tooltip(model, l, j) for j in range(size)] for l, size in enumerate(model.net.sizes)]


def neuron_tooltip(model: BackpropModel, l: int, j: int) -> str:
    """The read-out of neuron j of layer l."""
    net, sizes, n = model.net, model.net.sizes, model.row
    values, grads = shows_values(model), shows_gradients(model)
    last = len(sizes) - 1
    name = neuron_name(sizes, l, j)
    kind = "input" if l == 0 else "output" if l == last else f"hidden layer {l}, neuron {j + 1}"
    lines = [f"<b>{name}</b> · {kind} · sample #{model.sample + 1}"]
    if l == 0:
        if values or grads:
            lines.append(f"{name} = {fmt(net.a[0][n, j])} (data: never updated)")
        if grads:
            lines.append(_weighted_sum(f"∂L/∂{name}", model, l, j, n))
    else:
        lines += _bias_lines(model, l, j, model.params_before)
        if values or grads:
            lines += _forward_lines(model, l, j, n)
        if grads:
            lines += _delta_lines(model, l, j, n)
    return "<br>".join(lines)


def _bias_lines(model: BackpropModel, l: int, j: int, before) -> list[str]:
    b = model.net.params[l - 1][1][j]
    if before is not None and shows_gradients(model):
        b0, g = before[l - 1][1][j], model.net.grads[l - 1][1][j]
        return [f"bias b: {step_words(model, b0, b, g)}"]
    return [f"bias b = {fmt(b)}"]


def _forward_lines(model: BackpropModel, l: int, j: int, n: int) -> list[str]:
    net = model.net
    W, b = used_params(model)[l - 1]
    a_prev, z, a = net.a[l - 1][n], net.z[l - 1][n, j], net.a[l][n, j]
    terms = " + ".join(f"{paren(a_prev[i])}{paren(W[i, j])}" for i in range(len(a_prev)))
    sum_text = terms + f" + {paren(b[j])}" if len(a_prev) <= 3 else "Σ<sub>i</sub> a<sub>i</sub> w<sub>i</sub> + b"
    act = net.layer_activations[l - 1]
    act_text = "a = z (linear output)" if act == "linear" else f"a = {FUNCTION[act]}(z)"
    lines = [f"z = {sum_text} = {fmt(z)}", f"{act_text} = {fmt(a)}"]
    if l == len(net.sizes) - 1:
        lines.append(f"target y = {fmt(model.y_train[model.sample, j])}")
    return lines


def _delta_lines(model: BackpropModel, l: int, j: int, n: int) -> list[str]:
    net, count = model.net, len(model.X_train)
    d, act = net.dz[l - 1][n, j], net.layer_activations[l - 1]
    if l == len(net.sizes) - 1:
        y_hat, y = net.a[l][n, j], model.y_train[model.sample, j]
        if net.loss_name == "bce":
            lines = [f"δ = ∂L/∂z = (ŷ − y)/N = ({fmt(y_hat)} − {fmt(y)})/{count} = {fmt(d)}",
                     "(σ′(z) = ŷ(1 − ŷ) cancels the 1/(ŷ(1 − ŷ)) of ∂L/∂ŷ)"]
        else:
            da = net.da[l][n, j]
            y_text = fmt(y) if y >= 0 else paren(y)
            lines = [f"∂L/∂ŷ = 2(ŷ − y)/N = 2({fmt(y_hat)} − {y_text})/{count} = {fmt(da)}",
                     f"δ = ∂L/∂z = ∂L/∂ŷ · 1 = {fmt(d)}"]
    else:
        da, a = net.da[l][n, j], net.a[l][n, j]
        slope = {"tanh": 1 - a * a, "sigmoid": a * (1 - a), "relu": float(net.z[l - 1][n, j] > 0)}[act]
        lines = [_weighted_sum("∂L/∂a", model, l, j, n),
                 f"δ = ∂L/∂z = ∂L/∂a · {FUNCTION[act]}′(z) = {paren(da)}{paren(slope)} = {fmt(d)}, "
                 f"where {FUNCTION[act]}′(z) = {SLOPE[act]}"]
    lines.append(f"∂L/∂b = Σ<sub>n</sub> δ over the {count} samples = {fmt(net.grads[l - 1][1][j])}")
    return lines


def _weighted_sum(what: str, model: BackpropModel, l: int, j: int, n: int) -> str:
    """dL/da_j = sum_k w_jk δ_k over the next layer, written out when short."""
    net, W = model.net, used_params(model)[l][0]
    total = net.da[l][n, j]
    if W.shape[1] > 4:
        return f"{what} = Σ<sub>k</sub> w<sub>k</sub> δ<sub>k</sub> (next layer) = {fmt(total)}"
    terms = " + ".join(f"{paren(W[j, k])}{paren(net.dz[l][n, k])}" for k in range(W.shape[1]))
    return f"{what} = Σ<sub>k</sub> w<sub>k</sub> δ<sub>k</sub> = {terms} = {fmt(total)}"


# -- the loss formula --------------------------------------------------------------------------------------

def penalty_latex(net) -> str:
    """The regularisation term added to the data loss ("" without one): on the weights, not the biases."""
    if net.l1:
        return r" + \lambda\sum|w|"
    if net.l2:
        return r" + \frac{\lambda}{2}\sum w^2"
    return ""


def loss_latex(model: BackpropModel) -> tuple[str, str]:
    """(the mean loss, this sample's term) as mathtext LaTeX, with numbers once the loss is computed. With L1 or
    L2 the mean's line is the mean of the terms ℓ_n plus the penalty, with the two parts apart (data loss +
    penalty = L): the whole sum and the penalty on one line did not fit 1100 pixels, and a line of its own for
    ℓ_n squeezed the diagram; the sample's line (once there are numbers) shows what a term is."""
    net, count, n = model.net, len(model.rows), model.row
    has_loss = model.phase in ("loss", "backward") and net.loss_value is not None
    if net.loss_name == "bce":
        term = r"-\left[y_n\log\hat{y}_n + (1-y_n)\log(1-\hat{y}_n)\right]"
    else:
        term = r"\left(\hat{y}_n - y_n\right)^2"
    penalty = penalty_latex(net)
    if penalty:
        mean = rf"L = \frac{{1}}{{N}}\sum_{{n=1}}^{{N}}\ell_n{penalty}"
    else:
        sign, inner = ("-", term[1:]) if term.startswith("-") else ("", term)
        mean = rf"L = {sign}\frac{{1}}{{N}}\sum_{{n=1}}^{{N}}{inner}"
    if not has_loss:
        return mean, ""
    if penalty and net.data_loss is not None and net.penalty is not None:
        mean += rf" = {tex(net.data_loss)} + {tex(net.penalty)}"
    mean += rf" = {tex(net.loss_value)}\quad(N = {count})"
    y, y_hat, z = float(model.y_train[model.sample, 0]), float(net.a[-1][n, 0]), float(net.z[-1][n, 0])
    if net.loss_name == "bce":
        value = -(y * max(-np.logaddexp(0.0, -z), -100.0) + (1 - y) * max(-np.logaddexp(0.0, z), -100.0))
        sample = (rf"\ell_{{{model.sample + 1}}} = -\left[{tex(y)}\,\log {tex(y_hat)} + (1-{tex(y)})\,"
                  rf"\log(1-{tex(y_hat)})\right] = {tex(value)}")
    else:
        sample = (rf"\ell_{{{model.sample + 1}}} = \left({tex(y_hat)} - {tex_paren(y)}\right)^2 = "
                  rf"{tex((y_hat - y) ** 2)}")
    return mean, sample


def tex(value: float) -> str:
    """fmt() for mathtext: 2.23×10⁻⁵ becomes 2.23\\times10^{-5}, the minus sign a TeX one."""
    text = fmt(value).replace(MINUS, "-")
    match = re.fullmatch(r"(-?[\d.]+)×10([⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+)", text)
    if not match:
        return text
    exponent = match.group(2).translate(_FROM_SUPERSCRIPT)
    return rf"{match.group(1)}\times10^{{{exponent}}}"


def tex_paren(value: float) -> str:
    return f"({tex(value)})" if value < 0 else tex(value)


# -- while training ----------------------------------------------------------------------------------------

def loss_parts(model: BackpropModel) -> str:
    """The training loss at the weights now, with data loss and penalty apart under L1/L2, and the test loss."""
    net = model.net
    total, data, penalty = model.train_losses[-1], model.data_losses[-1], model.penalties[-1]
    kind = "L1" if net.l1 else "L2" if net.l2 else ""
    line = (f"loss L = data loss {fmt(data)} + {kind} penalty {fmt(penalty)} = <b>{fmt(total)}</b>" if kind
            else f"loss L = <b>{fmt(total)}</b>")
    if model.has_test:
        line += f" · test loss {fmt(model.test_losses[-1])}"
    return line


def training_html(model: BackpropModel, run: tuple[int, int] | None = None) -> str:
    """The read-out of a training frame (cheap: a few numbers): epoch, batch k of n, the loss's parts."""
    count = model.batch_count
    head = f"<b>Training</b> with {model.trainer.optimizer} (η = {fmt(model.learning_rate)})"
    if run is not None:
        head += f": {run[0]} of {run[1]} epochs"
    where = f"epoch {model.epoch}"
    if count > 1:
        done = model.batches_done
        where = (f"epoch {model.epoch + 1}, batch {done} of {count} done" if done
                 else f"epoch {model.epoch} done ({count} batches)")
    return f"{head}.<br>Now: {where}<br>{loss_parts(model)} (at the end of epoch {model.epoch})"


# -- the phase explanation ---------------------------------------------------------------------------------

def details_html(model: BackpropModel) -> str:
    """What the last phase did, in words and numbers (the read-out under the diagram)."""
    net, n, count, phase = model.net, model.sample, len(model.rows), model.phase
    x = ", ".join(fmt(v) for v in model.X_train[n])
    sample = f"sample #{n + 1}: x = ({x}), target y = {fmt(model.y_train[n, 0])}"
    if phase == "init" and model.epoch > 0:
        return (f"<b>The weights after epoch {model.epoch}.</b> The edges show them; {loss_parts(model)}. Press "
                "<b>Forward</b> to push the data through the network again.")
    if phase == "init":
        return (f"<b>A fresh network.</b> Weights drawn at random (seed {model.seed}), biases 0; the edges "
                f"show the weights. The steps work on one batch: {model.batch_label()}. "
                "Press <b>Forward</b> to push the data through it.")
    if phase == "update" and model.params_before is None:
        return (f"<b>After {model.epoch} epochs of training.</b> The edges show the weights; {loss_parts(model)}. "
                "Press <b>Forward</b> to look inside the trained network, or train on.")
    if phase == "forward":
        rows = [f"<b>Forward pass</b> done for all {count} samples at once; the circles show {sample}."]
        for l in range(1, len(net.sizes)):
            name = "ŷ" if l == len(net.sizes) - 1 else f"h<sub>{l}</sub>"
            prev = "x" if l == 1 else f"h<sub>{l - 1}</sub>"
            vector = ", ".join(fmt(v) for v in net.a[l][model.row])
            rows.append(f"{name} = {FUNCTION[net.layer_activations[l - 1]]}({prev} W<sub>{l}</sub> + "
                        f"b<sub>{l}</sub>) = [{vector}]")
        rows.append("Next: <b>Loss</b> compares ŷ with y.")
        return "<br>".join(rows)
    if phase == "loss":
        kind = "binary cross-entropy" if net.loss_name == "bce" else "mean squared error"
        parts = f"data loss {fmt(net.data_loss)} + penalty {fmt(net.penalty)} = " if penalty_latex(net) else ""
        return (f"<b>Loss</b> ({kind}) over the {count} training samples: L = {parts}{fmt(net.loss_value)}. The "
                f"formula above shows the mean and the term of {sample}. Next: <b>Backward</b> sends ∂L back through "
                "the layers.")
    if phase == "backward":
        head = ("<b>Backward pass.</b> From the output back: δ = ∂L/∂z at the output, then layer by layer "
                "∂L/∂W<sub>l</sub> = a<sub>l−1</sub><sup>T</sup> δ<sub>l</sub> (summed over the batch) and "
                "δ<sub>l−1</sub> = (δ<sub>l</sub> W<sub>l</sub><sup>T</sup>) ⊙ f′(z<sub>l−1</sub>). Edges now show "
                "the gradients; circles the activations, with δ beside them. Next: <b>Update</b>.")
        return head + _parameter_table(model, with_after=False)
    head = (f"<b>Update.</b> {update_rule(model)} (epoch {model.epoch}). The table gives each parameter before, "
            "its gradient, after, and the step (after − before). Next: <b>Forward</b> with the new weights.")
    return head + _parameter_table(model, with_after=True)


KEPT = {"momentum": "velocity", "nesterov": "velocity", "adagrad": "running sum of squared gradients",
        "rmsprop": "running mean v of squared gradients", "adam": "moments m and v", "adamw": "moments m and v"}
HYPER_NAMES = {"beta1": "β₁", "beta2": "β₂", "eps": "ε", "alpha": "α", "momentum": "momentum",
               "weight_decay": "weight decay"}


def update_rule(model: BackpropModel) -> str:
    """The rule the last update applied, in words: gradient descent's formula only where it is the rule used."""
    trainer, lr = model.trainer, fmt(model.learning_rate)
    decay = trainer.hyper.get("weight_decay", 0.0)
    if plain_sgd(model):
        return f"Each weight and bias took one gradient-descent step, w ← w − η ∂L/∂w with η = {lr}"
    if trainer.optimizer == "sgd":   # torch's sgd with weight decay: the decay joins the gradient
        return (f"Each weight and bias took one sgd step with weight decay, w ← w − η (∂L/∂w + wd·w) with "
                f"η = {lr}, wd = {fmt(decay)}")   # λ is the regularisation's rate
    hyper = ", ".join(f"{HYPER_NAMES.get(k, k)} = {fmt(v)}" for k, v in trainer.hyper.items())
    kept = KEPT.get(trainer.optimizer, "state")
    return (f"Each weight and bias took one <b>{trainer.optimizer}</b> step (η = {lr}, {hyper}): its own rule "
            f"from the gradient and the {kept} it keeps for every parameter, so the step is not −η ∂L/∂w")


def step_words(model: BackpropModel, old: float, new: float, grad: float) -> str:
    """One parameter's update as a read-out line: the formula under plain sgd, else the optimizer and the step."""
    if plain_sgd(model):
        return f"{fmt(old)} → {fmt(new)} = {fmt(old)} − {fmt(model.learning_rate)} × {paren(grad)}"
    return f"{fmt(old)} → {fmt(new)} ({model.trainer.optimizer}'s step {fmt(new - old)})"


def _parameter_table(model: BackpropModel, with_after: bool) -> str:
    net, sizes = model.net, model.net.sizes
    before = model.params_before if with_after else net.params
    header = "<tr><th align=left>parameter</th><th>value</th><th>∂L/∂·</th>" + \
        ("<th>after</th><th>step</th>" if with_after else "") + "</tr>"
    rows = []
    for l, ((W, b), (dW, db)) in enumerate(zip(before, net.grads, strict=True)):
        after_W, after_b = net.params[l]
        for i in range(W.shape[0]):
            for j in range(W.shape[1]):
                cells = [f"{neuron_name(sizes, l, i)} → {neuron_name(sizes, l + 1, j)}", fmt(W[i, j]), fmt(dW[i, j])]
                if with_after:
                    cells += [fmt(after_W[i, j]), fmt(after_W[i, j] - W[i, j])]
                rows.append(cells)
        for j in range(len(b)):
            cells = [f"bias of {neuron_name(sizes, l + 1, j)}", fmt(b[j]), fmt(db[j])]
            if with_after:
                cells += [fmt(after_b[j]), fmt(after_b[j] - b[j])]
            rows.append(cells)
    body = "".join("<tr>" + "".join(f"<td{' align=right' if k else ''}>{c}</td>" for k, c in enumerate(r)) +
                   "</tr>" for r in rows)
    return f"<table cellspacing=0 cellpadding=2>{header}{body}</table>"
