"""calclab's QSettings in one place: the user's settings, or a file under CALCLAB_HOME (tests, portable use)."""

from __future__ import annotations

import os

from PySide6.QtCore import QSettings

from calclab.session import HOME_ENV

ORGANIZATION = "calclab"
APPLICATION = "calclab"


def app_settings() -> QSettings:
    """The settings store: $CALCLAB_HOME/settings.ini when that is set, else the platform's usual place."""
    home = os.environ.get(HOME_ENV)
    if home:
        return QSettings(os.path.join(home, "settings.ini"), QSettings.Format.IniFormat)
    return QSettings(ORGANIZATION, APPLICATION)


def read_bool(settings: QSettings, key: str, default: bool) -> bool:
    """A boolean setting (INI files give the strings 'true'/'false' back)."""
    value = settings.value(key, default)
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


def read_str_list(settings: QSettings, key: str) -> list[str]:
    """A list of strings (QSettings returns a bare string for a one-element list in INI files)."""
    value = settings.value(key, [])
    if isinstance(value, str):
        return [value] if value else []
    if isinstance(value, list | tuple):
        return [str(v) for v in value if isinstance(v, str) and v]
    return []
