"""What is installed, in one place: every setting by config section (detectors found through their entry points,
then campaigns, scoring and the learned model). The config check, the report's settings table and ``docs/settings.md`` read it."""

from __future__ import annotations

from botwatch.campaigns.assemble import CAMPAIGN_SETTINGS
from botwatch.detectors import loadable_detectors, run_order
from botwatch.scoring.learned import MODEL_SETTINGS
from botwatch.scoring.score import SCORING_SETTINGS
from botwatch.settings import Setting


def settings_table() -> dict[str, tuple[Setting, ...]]:
    """Every setting, by config section: each registered detector (in run order), then ``campaigns``,
    ``scoring`` and ``model`` (the learned scorer: ``botwatch train`` and ``detect --model``)."""
    loaded = {cls.name: cls for cls in loadable_detectors()}
    table = {name: loaded[name].settings for name in run_order(list(loaded))}
    return {**table, "campaigns": CAMPAIGN_SETTINGS, "scoring": SCORING_SETTINGS, "model": MODEL_SETTINGS}


def setting_help(dotted: str) -> str:
    """The help line of a setting named as in a run's recorded config (``detectors.near_duplicate.threshold``,
    ``scoring.fdr``), or ``""``."""
    parts = dotted.split(".")
    if parts and parts[0] == "detectors":
        parts = parts[1:]
    if len(parts) != 2:
        return ""
    for s in settings_table().get(parts[0], ()):
        if s.name == parts[1]:
            return s.help
    return ""


__all__ = ["setting_help", "settings_table"]
