"""The .calclab session file: round trips for every tab's state, damaged files left byte for byte, autosave slots."""

from __future__ import annotations

import json
import os

import pytest

from calclab import session
from calclab.session import Autosave, load_session, parse_session, save_session, session_data


def _non_default_states() -> dict:
    """One state per tab with every field moved away from its default (as far as each tab's state allows)."""
    states = {}
    cls = session.state_class("derivatives")
    if cls is not None:
        states["derivatives"] = cls(expression="x^2 y + sin(y)", wrt="y", order=2, x0=-1.25, h=0.125,
                                    held={"x": 2.5}, x_range=(-2.0, 3.0), y_range=(-5.0, 5.0),
                                    show_derivative=False, show_tangent=False, show_secant=True)
    cls = session.state_class("gradients")
    if cls is not None:
        states["gradients"] = cls(expression="x^2 + 3 y z", x_variable="z", y_variable="y", x_range=(-1.0, 4.0),
                                  y_range=(-2.0, 2.0), point={"x": 0.5, "y": -1.5, "z": 2.0}, show_probe=False,
                                  show_field=False, show_contours=False, normalize_arrows=True, log_colors=True)
    cls = session.state_class("chain")
    if cls is not None:
        states["chain"] = cls(mode="parts", expression="sin(x^2)", outer="exp(u)", inner="3x - 1",
                              x_range=(-2.0, 2.5), x0=0.75)
    cls = session.state_class("descent")
    if cls is not None:
        states["descent"] = cls(expression="x^2 + 10y^2", start=[-3.0, 1.5], learning_rate=0.05, epochs=42,
                                optimizer="adam", momentum=0.8, alpha=0.95, beta1=0.85, beta2=0.995, eps=1e-6,
                                weight_decay=0.05, schedule="cosine", step_size=4, gamma=0.5, t_max=15,
                                eta_min=0.01, start_factor=0.2, warmup_epochs=3,
                                tolerance=1e-4, compare=True, compare_optimizers=["sgd", "rmsprop"],
                                show_internals=True, log_loss=True, speed=12.0, x_range=(-4.0, 4.0),
                                y_range=(-2.0, 2.0), preview=True)
    cls = session.state_class("backprop")
    if cls is not None:
        states["backprop"] = cls(dataset="moons", n_samples=300, noise=0.1, test_fraction=0.3, hidden=[8, 4],
                                 activation="relu", learning_rate=0.2, seed=7, epochs=1234, speed=10, sample=5)
    return states


def test_every_tab_has_a_state_class_with_to_and_from_dict():
    for tab in session.TAB_NAMES:
        cls = session.state_class(tab)
        if cls is None:
            pytest.skip(f"the {tab} tab has no state module yet")
        assert hasattr(cls, "to_dict") and hasattr(cls, "from_dict")


def test_save_then_open_gives_equal_states_for_every_tab(tmp_path):
    states = _non_default_states()
    defaults = session.default_states()
    for tab, state in states.items():
        assert state.to_dict() != defaults[tab].to_dict(), f"{tab}: the test state must differ from the default"
    path = tmp_path / "work.calclab"
    save_session(str(path), states, current_tab="descent")
    result = load_session(str(path))
    assert result.ok and result.message is None and result.reset_fields == []
    assert result.current_tab == "descent"
    for tab, state in states.items():
        assert result.states[tab] == state, tab
        assert type(result.states[tab]) is type(state)


def test_file_format_is_versioned_json(tmp_path):
    path = tmp_path / "s.calclab"
    save_session(str(path), _non_default_states(), current_tab="chain")
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["version"] == 1 and data["app"] == "calclab" and data["current_tab"] == "chain"
    assert set(data["tabs"]) == set(_non_default_states())
    assert data["tabs"]["chain"]["outer"] == "exp(u)" if "chain" in data["tabs"] else True


def test_missing_tabs_get_their_defaults_and_unknown_tabs_are_ignored(tmp_path):
    path = tmp_path / "partial.calclab"
    path.write_text(json.dumps({"version": 1, "tabs": {"integrals": {"a": 1}}}))
    result = load_session(str(path))
    assert result.ok and result.message is None
    assert {t: s.to_dict() for t, s in result.states.items()} == \
        {t: s.to_dict() for t, s in session.default_states().items()}


def test_a_descent_session_from_before_schedules_loads_with_the_new_defaults(tmp_path):
    """Files written before weight decay, schedules, AdamW and Newton: every old field kept, no message."""
    if session.state_class("descent") is None:
        pytest.skip("no descent state yet")
    old = {"expression": "x^2 + 10y^2", "start": [-3.0, 1.5], "learning_rate": 0.05, "epochs": 42,
           "optimizer": "adam", "momentum": 0.8, "alpha": 0.95, "beta1": 0.85, "beta2": 0.995, "eps": 1e-6,
           "tolerance": 1e-4, "compare": True, "compare_optimizers": ["sgd", "rmsprop"], "compare_lrs": {},
           "show_internals": True, "log_loss": True, "speed": 12.0, "x_range": [-4.0, 4.0], "y_range": [-2.0, 2.0]}
    path = tmp_path / "old.calclab"
    path.write_text(json.dumps({"version": 1, "app": "calclab", "tabs": {"descent": old}}))
    result = load_session(str(path))
    assert result.ok and result.message is None and result.reset_fields == []
    state = result.states["descent"]
    assert {key: value for key, value in state.to_dict().items() if key in old} == old
    assert (state.weight_decay, state.schedule, state.gamma, state.t_max) == (None, "constant", None, None)
    assert state.lr_schedule() is None and "weight_decay" not in state.hyper()   # the optimizer's own default
    assert state.preview is False and state.surface is False                      # saved before they existed


def test_bad_descent_schedule_values_are_reset_and_named(tmp_path):
    if session.state_class("descent") is None:
        pytest.skip("no descent state yet")
    data = session_data(_non_default_states())
    data["tabs"]["descent"].update({"schedule": "onecycle", "step_size": 2.5, "gamma": 0.0, "t_max": -3,
                                    "weight_decay": "lots", "optimizer": "newton"})
    path = tmp_path / "bad.calclab"
    path.write_text(json.dumps(data))
    result = load_session(str(path))
    state, default = result.states["descent"], session.state_class("descent")()
    assert state.optimizer == "newton" and state.eta_min == 0.01            # good values kept, new methods too
    assert (state.schedule, state.step_size, state.gamma, state.t_max, state.weight_decay) == (
        default.schedule, default.step_size, default.gamma, default.t_max, default.weight_decay)
    assert set(result.reset_fields) == {f"descent.{key}" for key in ("schedule", "step_size", "gamma", "t_max",
                                                                      "weight_decay")}


def test_non_finite_numbers_are_written_as_null_not_invalid_json(tmp_path):
    path = tmp_path / "nan.calclab"
    save_session(str(path), {"chain": {"x0": float("nan"), "x_range": [float("-inf"), 1.0]}})
    text = path.read_text()
    assert "NaN" not in text and "Infinity" not in text
    assert json.loads(text)["tabs"]["chain"] == {"x0": None, "x_range": [None, 1.0]}


DAMAGED = {
    "truncated": lambda good: good[: len(good) // 2],
    "empty": lambda good: b"",
    "not json": lambda good: b"calclab session\n",
    "binary": lambda good: bytes(range(256)),
    "a list": lambda good: b"[1, 2, 3]",
    "no version": lambda good: json.dumps({"tabs": {}}).encode(),
    "version as text": lambda good: json.dumps({"version": "1", "tabs": {}}).encode(),
    "version 99": lambda good: good.replace(b'"version": 1', b'"version": 99'),
    "version 0": lambda good: good.replace(b'"version": 1', b'"version": 0'),
    "tabs as a list": lambda good: json.dumps({"version": 1, "tabs": [1, 2]}).encode(),
    "a tab as a number": lambda good: json.dumps({"version": 1, "tabs": {"descent": 5}}).encode(),
    "deeply nested": lambda good: b"[" * 100_000 + b"]" * 100_000,
}


@pytest.mark.parametrize("kind", list(DAMAGED))
def test_damaged_file_gives_defaults_a_message_and_stays_byte_for_byte(tmp_path, kind):
    good = tmp_path / "good.calclab"
    save_session(str(good), _non_default_states())
    damaged = tmp_path / "damaged.calclab"
    content = DAMAGED[kind](good.read_bytes())
    damaged.write_bytes(content)
    stat = os.stat(damaged)
    result = load_session(str(damaged))
    assert not result.ok
    assert result.message and "\n" not in result.message and "damaged.calclab" in result.message
    assert {t: s.to_dict() for t, s in result.states.items()} == \
        {t: s.to_dict() for t, s in session.default_states().items()}
    assert damaged.read_bytes() == content
    assert os.stat(damaged).st_mtime_ns == stat.st_mtime_ns
    if kind == "version 99":
        assert "newer calclab" in result.message and "99" in result.message
    if kind == "truncated":
        assert "ends too early" in result.message


def test_wrong_value_types_fall_back_per_field_and_are_named(tmp_path):
    if session.state_class("descent") is None:
        pytest.skip("no descent state yet")
    path = tmp_path / "types.calclab"
    data = session_data(_non_default_states())
    data["tabs"]["descent"]["learning_rate"] = "fast"
    data["tabs"]["descent"]["epochs"] = [1]
    content = json.dumps(data).encode()
    path.write_bytes(content)
    result = load_session(str(path))
    assert result.ok
    default = session.state_class("descent")()
    assert result.states["descent"].learning_rate == default.learning_rate
    assert result.states["descent"].epochs == default.epochs
    assert result.states["descent"].optimizer == "adam"                 # the good fields are kept
    assert set(result.reset_fields) == {"descent.learning_rate", "descent.epochs"}
    assert "descent.learning_rate" in result.message
    assert path.read_bytes() == content


def test_missing_file_and_folder_are_messages_not_exceptions(tmp_path):
    assert "no such file" in load_session(str(tmp_path / "nope.calclab")).message
    assert "folder" in load_session(str(tmp_path)).message


def test_unwritable_save_is_a_session_error_and_keeps_the_old_file(tmp_path):
    with pytest.raises(session.SessionError, match="does not exist"):
        save_session(str(tmp_path / "no" / "s.calclab"), {})
    target = tmp_path / "s.calclab"
    target.write_bytes(b"old")
    (tmp_path / "s.calclab.d").mkdir()
    with pytest.raises(session.SessionError, match="is a folder"):
        save_session(str(tmp_path / "s.calclab.d"), {})
    assert target.read_bytes() == b"old"
    assert not [n for n in os.listdir(tmp_path) if n.endswith(".part")]


def test_parse_session_accepts_bytes_from_anywhere():
    assert parse_session(b'{"version": 1}').ok
    assert not parse_session(b'{"version": 1', "x").ok


# -- autosave ------------------------------------------------------------------------------------------------------

def test_autosave_writes_its_own_slot_and_restores_it(tmp_path):
    autosave = Autosave(str(tmp_path))
    assert autosave.restore() is None                       # first start: nothing to restore
    states = _non_default_states()
    assert autosave.write(states, "gradients")
    assert autosave.path == str(tmp_path / "autosave.calclab")
    assert not autosave.write(states, "gradients")          # unchanged: not rewritten
    autosave.close()                                        # the window exits
    restored = Autosave(str(tmp_path)).restore()
    assert restored.ok and restored.current_tab == "gradients"
    assert restored.states == {**session.default_states(), **states}


def test_autosave_never_overwrites_a_damaged_autosave(tmp_path):
    damaged = tmp_path / "autosave.calclab"
    damaged.write_bytes(b'{"version": 1, "tabs": {"descent": {"expre')
    before = damaged.read_bytes()
    autosave = Autosave(str(tmp_path))
    result = autosave.restore()
    assert result is not None and not result.ok and "damaged" in result.message
    autosave.write(_non_default_states())
    autosave.write({}, "chain")
    assert damaged.read_bytes() == before
    assert autosave.path == str(tmp_path / "autosave-1.calclab")
    autosave.close()
    # next start: the good autosave is found, and the damaged one is still reported and kept
    again = Autosave(str(tmp_path))
    result = again.restore()
    assert result.ok and result.current_tab == "chain"
    assert again.path == str(tmp_path / "autosave-1.calclab")
    assert damaged.read_bytes() == before


def test_autosave_skips_a_slot_damaged_after_it_was_chosen(tmp_path):
    autosave = Autosave(str(tmp_path))
    slot = tmp_path / "autosave.calclab"
    slot.write_bytes(b"garbage")
    autosave.write({}, "chain")
    assert slot.read_bytes() == b"garbage"
    assert load_session(autosave.path).ok


def test_autosave_never_writes_to_an_opened_file(tmp_path):
    """A damaged file the user opened stays untouched: the autosave only ever writes its own slots."""
    opened = tmp_path / "mine.calclab"
    opened.write_bytes(b"{ broken")
    assert not load_session(str(opened)).ok
    autosave = Autosave(str(tmp_path / "home"))
    autosave.write(session.default_states())
    assert opened.read_bytes() == b"{ broken"
    assert os.path.dirname(autosave.path) == str(tmp_path / "home")


def test_home_dir_follows_calclab_home(tmp_path, monkeypatch):
    monkeypatch.setenv("CALCLAB_HOME", str(tmp_path / "h"))
    assert session.home_dir() == str(tmp_path / "h") and (tmp_path / "h").is_dir()


def test_the_data_folder_is_found_without_qt(monkeypatch, tmp_path):
    """session.py stays Qt-free: the autosave folder follows XDG like Qt's GenericDataLocation, without Qt."""
    monkeypatch.delenv(session.HOME_ENV, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert session.home_dir() == str(tmp_path / "data" / "calclab")
    monkeypatch.setenv("XDG_DATA_HOME", "relative/ignored")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert session.data_home() == str(tmp_path / ".local" / "share")
