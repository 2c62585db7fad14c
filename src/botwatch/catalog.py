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


SEED_HELP = "seed of every randomised step (or botwatch detect --seed)"


def config_name(dotted: str) -> tuple[str, str] | None:
    """Where a key of a run's recorded config is set in a ``--config`` file, as ``(section, name)``:
    ``detectors.near_duplicate.threshold`` is ``("near_duplicate", "threshold")``, ``scoring.fdr`` is
    ``("scoring", "fdr")`` and ``seed`` (top level) is ``("", "seed")``; ``None`` for what a run records but
    nobody sets (detector summaries, versions)."""
    parts = dotted.split(".")
    if parts == ["seed"]:
        return "", "seed"
    if parts[0] == "detectors":
        parts = parts[1:]
    elif parts[0] not in ("campaigns", "scoring"):
        return None
    return (parts[0], parts[1]) if len(parts) == 2 else None


def setting_help(section: str, name: str, table: dict | None = None) -> str:
    """The help line of setting ``name`` of config ``section`` (``""`` for the top level), or ``""``.
    ``table`` is :func:`settings_table`'s answer, when the caller already has it."""
    if (section, name) == ("", "seed"):
        return SEED_HELP
    for s in (table if table is not None else settings_table()).get(section, ()):
        if s.name == name:
            return s.help
    return ""


__all__ = ["config_name", "setting_help", "settings_table"]
