"""Per-account features for the learned scorer, from a registry of declared feature sources.

A :class:`FeatureSource` declares its features (name, one line of help, and whether a model flag may rest on
it) and one SQL query that returns ``platform, account_id`` and one column per feature. :func:`feature_matrix`
left-joins every registered source onto the ``accounts`` table in one DuckDB query, so every account gets a row
and an account a source says nothing about gets the feature's ``missing`` value (0, or NaN for "unknown", which
gradient boosting handles natively and the logistic model imputes).

botwatch's own sources are registered as entry points in the group ``botwatch.features`` (``pyproject.toml``),
exactly as a plugin package registers its own; :func:`register_feature_source` adds one at run time (tests,
notebooks). A source whose features depend on the case (one group per declared edge layer, one per evidence
kind) returns them from ``features(con, run_id)``; a model remembers the features it was trained on, and one
that a later case lacks reads as its ``missing`` value.

**Flags.** ``Feature.flags`` says whether a model flag may rest on the feature: timing-only layers, campaign
membership, creation dates and batches, office hours and the hand-set score (which mixes them) are declared
``flags=False``, so a model never flags an account on them alone (see :mod:`botwatch.scoring.learned`).
Evidence kinds that no source declares (a new signal written by another module) default to ``flags=False``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from botwatch.detectors import declared_layers, declared_signals
from botwatch.errors import BotwatchError
from botwatch.plugins import load_plugin, plugin_entry_points
from botwatch.store.schema import ITEM_KINDS

LOG_CAP = 300.0  # -log10 q of a q-value of 0 (or below 1e-300)
FLAGGING_EVIDENCE = ("template", "group_template")  # hand-set evidence kinds that are more than timing


@dataclass(frozen=True)
class Feature:
    """One numeric per-account feature. ``missing``: its value for an account the source has no row for."""

    name: str
    help: str
    flags: bool = True
    missing: float = 0.0


class FeatureSource:
    """A named group of features with one query; subclasses set ``name``, ``description`` and either a static
    ``declared`` tuple or their own :meth:`features`, and implement :meth:`sql`."""

    name: str = ""
    description: str = ""
    declared: tuple[Feature, ...] = ()

    def features(self, con, run_id: int) -> tuple[Feature, ...]:
        """The features this source gives in this case and run (static by default)."""
        return self.declared

    def sql(self, con, run_id: int, features: tuple[Feature, ...]) -> str:
        """SQL returning ``platform, account_id`` and one column named after each feature, one row per account
        (accounts without a row get each feature's ``missing`` value)."""
        raise NotImplementedError


_extra: dict[str, FeatureSource] = {}


def register_feature_source(source: FeatureSource) -> FeatureSource:
    """Add a feature source at run time; installed packages use the ``botwatch.features`` entry points."""
    _extra[source.name] = source
    return source


def feature_sources() -> list[FeatureSource]:
    """Every registered source: the installed entry points (botwatch's own included), then run-time ones."""
    out = []
    for name in plugin_entry_points("features"):
        obj = load_plugin("features", name)
        source = obj() if isinstance(obj, type) else obj
        if not isinstance(source, FeatureSource) or source.name != name:
            raise BotwatchError(f"feature plugin {name!r} is not a FeatureSource named {name!r}")
        out.append(source)
    return out + [s for n, s in _extra.items() if n not in {s.name for s in out}]


@dataclass
class FeatureMatrix:
    """Rows: ``keys`` (platform, account_id), sorted; columns: ``features``; values: ``X`` (float64)."""

    keys: list[tuple[str, str]]
    features: list[Feature]
    X: np.ndarray

    @property
    def names(self) -> list[str]:
        return [f.name for f in self.features]

    def columns(self, names: list[str], missing: dict[str, float]) -> np.ndarray:
        """The matrix with exactly ``names`` as columns, in that order; a name this case lacks reads as
        ``missing[name]``."""
        index = {n: i for i, n in enumerate(self.names)}
        out = np.empty((len(self.keys), len(names)))
        for j, n in enumerate(names):
            out[:, j] = self.X[:, index[n]] if n in index else missing.get(n, 0.0)
        return out


def feature_matrix(con, run_id: int) -> FeatureMatrix:
    """Every registered source's features for every account of the case, from the results of ``run_id``."""
    parts, features, seen = [], [], set()
    for n, source in enumerate(feature_sources()):
        declared = tuple(source.features(con, run_id))
        if not declared:
            continue
        clash = [f.name for f in declared if f.name in seen]
        if clash:
            raise BotwatchError(f"feature source {source.name!r} repeats feature(s) {', '.join(clash)}")
        seen.update(f.name for f in declared)
        parts.append((f"s{n}", source.sql(con, run_id, declared), declared))
        features.extend(declared)
    cols = [
        f"coalesce(CAST({alias}.{_q(f.name)} AS DOUBLE), {_num(f.missing)})"
        for alias, _, declared in parts
        for f in declared
    ]
    con.execute("SET enable_progress_bar = false")  # a long query's bar would land in `train --json` output
    joins = " ".join(f"LEFT JOIN ({sql}) {alias} USING (platform, account_id)" for alias, sql, _ in parts)
    rel = con.execute(
        f"SELECT platform, account_id, {', '.join(cols) or '0.0'} FROM accounts {joins} ORDER BY 1, 2"
    ).fetchnumpy()
    names = list(rel)
    keys = list(zip(rel[names[0]].tolist(), rel[names[1]].tolist()))
    X = np.column_stack([np.asarray(rel[c], dtype=np.float64) for c in names[2:]]) if features else None
    if X is None:
        X = np.zeros((len(keys), 0))
    return FeatureMatrix(keys, features, X)


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _num(v: float) -> str:
    return "'NaN'::DOUBLE" if np.isnan(v) else repr(float(v))


NAN = float("nan")


class ActivitySource(FeatureSource):
    """What an account posts and how much: counts (log1p), kinds, breadth, links, repetition."""

    name = "activity"
    description = "counts, kinds, breadth, links and self-repetition of an account's items"
    declared = (
        Feature("items_log1p", "log(1 + items)"),
        *(Feature(f"share_{k}", f"share of its items that are {k}s") for k in ITEM_KINDS),
        Feature("active_days_log1p", "log(1 + days with an item)"),
        Feature("items_per_active_day", "items per day with an item"),
        Feature("span_days", "days from its first to its last item"),
        Feature("posts_per_item", "distinct posts it answered, per item"),
        Feature("channels_log1p", "log(1 + distinct pages/channels)"),
        Feature("share_with_link", "share of items with a link"),
        Feature("share_with_hashtag", "share of items with a hashtag"),
        Feature("share_with_mention", "share of items with a mention"),
        Feature("share_with_media", "share of items with media"),
        Feature("text_chars_log1p", "log(1 + mean characters of its texts)"),
        Feature("share_without_text", "share of items without text"),
        Feature("distinct_text_share", "distinct texts per text (low: it repeats itself)"),
    )

    def sql(self, con, run_id, features):
        kinds = ", ".join(f"avg(CAST(kind = '{k}' AS DOUBLE)) AS share_{k}" for k in ITEM_KINDS)
        return f"""
            SELECT platform, account_id, ln(1 + count(*)) AS items_log1p, {kinds},
                   ln(1 + count(DISTINCT CAST(created_at AS DATE))) AS active_days_log1p,
                   count(*) / count(DISTINCT CAST(created_at AS DATE)) AS items_per_active_day,
                   date_diff('second', min(created_at), max(created_at)) / 86400.0 AS span_days,
                   count(DISTINCT coalesce(root_id, parent_id)) / count(*) AS posts_per_item,
                   ln(1 + count(DISTINCT channel)) AS channels_log1p,
                   avg(CAST(len(coalesce(links, [])) > 0 AS DOUBLE)) AS share_with_link,
                   avg(CAST(len(coalesce(hashtags, [])) > 0 AS DOUBLE)) AS share_with_hashtag,
                   avg(CAST(len(coalesce(mentions, [])) > 0 AS DOUBLE)) AS share_with_mention,
                   avg(CAST(len(coalesce(media, [])) > 0 AS DOUBLE)) AS share_with_media,
                   ln(1 + coalesce(avg(length(text)) FILTER (WHERE trim(text) <> ''), 0)) AS text_chars_log1p,
                   avg(CAST(text IS NULL OR trim(text) = '' AS DOUBLE)) AS share_without_text,
                   coalesce(count(DISTINCT text) FILTER (WHERE trim(text) <> '')
                            / nullif(count(*) FILTER (WHERE trim(text) <> ''), 0), 1) AS distinct_text_share
            FROM items GROUP BY 1, 2"""


class ProfileSource(FeatureSource):
    """What the profile says: completeness, audience, and when the account was created (never flags)."""

    name = "profile"
    description = "profile completeness, audience counts and account age"
    declared = (
        Feature("has_handle", "1 when it has a handle"),
        Feature("has_display_name", "1 when it has a display name"),
        Feature("has_bio", "1 when it has a bio"),
        Feature("has_avatar", "1 when it has a profile picture (URL or file)"),
        Feature("followers_log1p", "log(1 + followers), NaN when unknown", missing=NAN),
        Feature("following_log1p", "log(1 + accounts it follows), NaN when unknown", missing=NAN),
        Feature(
            "posts_count_log1p", "log(1 + posts the profile says it made), NaN when unknown", missing=NAN
        ),
        Feature("age_at_first_item_days", "days from creation to its first item", flags=False, missing=NAN),
        Feature("age_at_last_item_days", "days from creation to its last item", flags=False, missing=NAN),
    )

    def sql(self, con, run_id, features):
        return """
            SELECT a.platform, a.account_id,
                   CAST(coalesce(a.handle, '') <> '' AS DOUBLE) AS has_handle,
                   CAST(coalesce(a.display_name, '') <> '' AS DOUBLE) AS has_display_name,
                   CAST(coalesce(a.bio, '') <> '' AS DOUBLE) AS has_bio,
                   CAST(coalesce(a.avatar_url, a.avatar_path, '') <> '' AS DOUBLE) AS has_avatar,
                   CASE WHEN a.followers IS NOT NULL THEN ln(1 + greatest(a.followers, 0)) END AS followers_log1p,
                   CASE WHEN a.following IS NOT NULL THEN ln(1 + greatest(a.following, 0)) END AS following_log1p,
                   CASE WHEN a.posts_count IS NOT NULL THEN ln(1 + greatest(a.posts_count, 0)) END AS posts_count_log1p,
                   date_diff('second', a.created_at, i.first_at) / 86400.0 AS age_at_first_item_days,
                   date_diff('second', a.created_at, i.last_at) / 86400.0 AS age_at_last_item_days
            FROM accounts a LEFT JOIN (SELECT platform, account_id, min(created_at) AS first_at,
                                              max(created_at) AS last_at FROM items GROUP BY 1, 2) i
                 USING (platform, account_id)"""


class TextClusterSource(FeatureSource):
    """How much of an account's writing is shared with other accounts (the run's text clusters)."""

    name = "text_clusters"
    description = "shares of an account's items in cross-account text clusters"
    declared = (
        Feature("cluster_item_share", "share of its items in cross-account text clusters"),
        Feature("clusters_log1p", "log(1 + distinct text clusters it wrote in)"),
        Feature("cluster_accounts_log1p", "log(1 + accounts of the largest cluster it wrote in)"),
    )

    def sql(self, con, run_id, features):
        run = int(run_id)
        return f"""
            SELECT ci.platform, ci.account_id, count(DISTINCT ci.item_id) / any_value(t.n) AS cluster_item_share,
                   ln(1 + count(DISTINCT ci.cluster_id)) AS clusters_log1p,
                   ln(1 + max(c.n_accounts)) AS cluster_accounts_log1p
            FROM cluster_items ci
            JOIN text_clusters c ON c.run_id = ci.run_id AND c.platform = ci.platform AND c.cluster_id = ci.cluster_id
            JOIN (SELECT platform, account_id, count(*) AS n FROM items GROUP BY 1, 2) t
                 ON t.platform = ci.platform AND t.account_id = ci.account_id
            WHERE ci.run_id = {run} GROUP BY 1, 2"""


class LayerSource(FeatureSource):
    """Per edge layer (every declared layer, and any other in the run): significant partners, significant edges
    and the strongest edge as ``-log10 q``; timing-only and undeclared layers never flag."""

    name = "layers"
    description = "per edge layer: partners, edges and -log10 q of the strongest significant edge"

    def features(self, con, run_id):
        declared = declared_layers()
        present = [
            r[0]
            for r in con.execute(
                "SELECT DISTINCT layer FROM edges WHERE run_id = ? ORDER BY 1", [int(run_id)]
            ).fetchall()
        ]
        out = []
        for layer in sorted(set(declared) | set(present)):
            flags = layer in declared and not declared[layer].timing_only
            out += [
                Feature(f"{layer}_partners_log1p", f"log(1 + significant {layer} partners)", flags),
                Feature(f"{layer}_edges_log1p", f"log(1 + significant {layer} edges)", flags),
                Feature(f"{layer}_neglog10_q", f"-log10 q of its strongest {layer} edge (0: none)", flags),
            ]
        return tuple(out)

    def sql(self, con, run_id, features):
        layers = sorted({f.name.rsplit("_", 2)[0] for f in features if f.name.endswith("_partners_log1p")})
        cols = []
        for layer in layers:
            lit = "'" + layer.replace("'", "''") + "'"
            cols += [
                f"ln(1 + count(DISTINCT other) FILTER (WHERE layer = {lit})) AS {_q(layer + '_partners_log1p')}",
                f"ln(1 + count(*) FILTER (WHERE layer = {lit})) AS {_q(layer + '_edges_log1p')}",
                f"coalesce(max(least(-log10(greatest(q_value, 1e-300)), {LOG_CAP})) FILTER (WHERE layer = {lit}), "
                f"0) AS {_q(layer + '_neglog10_q')}",
            ]
        run = int(run_id)
        return f"""
            WITH s AS (SELECT platform, account_a AS account_id, account_b AS other, layer, q_value FROM edges
                       WHERE run_id = {run} AND significant
                       UNION ALL SELECT platform, account_b, account_a, layer, q_value FROM edges
                       WHERE run_id = {run} AND significant)
            SELECT platform, account_id, {", ".join(cols)} FROM s GROUP BY 1, 2"""


class HandScoreSource(FeatureSource):
    """The hand-set scorer's verdict and its evidence: its score and flag, campaign membership and size, and the
    strength of each evidence kind it wrote (other than edge layers, which :class:`LayerSource` covers)."""

    name = "hand_score"
    description = "the hand-set score, flag, campaign and the strength of each hand-set evidence kind"

    def features(self, con, run_id):
        layers = set(declared_layers())
        kinds = [
            r[0]
            for r in con.execute(
                "SELECT DISTINCT detector FROM evidence WHERE run_id = ? AND detector <> 'model' ORDER BY 1",
                [int(run_id)],
            ).fetchall()
        ]
        return (
            Feature("hand_score", "the hand-set score (noisy-OR of its signals)", flags=False),
            Feature("hand_flagged", "1 when the hand-set rules flag it (a significant non-timing pair)"),
            Feature("campaign_accounts_log1p", "log(1 + accounts of its campaign), 0 outside", flags=False),
            *(
                Feature(
                    f"evidence_{k}", f"strength of its hand-set '{k}' evidence", flags=k in FLAGGING_EVIDENCE
                )
                for k in kinds
                if k not in layers
            ),
        )

    def sql(self, con, run_id, features):
        run = int(run_id)
        kinds = [f.name.removeprefix("evidence_") for f in features if f.name.startswith("evidence_")]
        cols = "".join(
            f", max(e.weight) FILTER (WHERE e.detector = '{k.replace(chr(39), chr(39) * 2)}') AS {_q('evidence_' + k)}"
            for k in kinds
        )
        return f"""
            SELECT s.platform, s.account_id,
                   coalesce(TRY_CAST(json_extract_string(any_value(s.features), '$.hand_score') AS DOUBLE),
                            any_value(s.score)) AS hand_score,
                   CAST(coalesce(TRY_CAST(json_extract_string(any_value(s.features), '$.hand_flagged') AS BOOLEAN),
                                 any_value(s.flagged)) AS DOUBLE) AS hand_flagged,
                   ln(1 + coalesce(any_value(c.n_accounts), 0)) AS campaign_accounts_log1p{cols}
            FROM account_scores s
            LEFT JOIN campaigns c ON c.run_id = s.run_id AND c.campaign_id = s.campaign_id
            LEFT JOIN evidence e ON e.run_id = s.run_id AND e.platform = s.platform AND e.account_id = s.account_id
            WHERE s.run_id = {run} GROUP BY 1, 2"""


__all__ = [
    "ActivitySource",
    "Feature",
    "FeatureMatrix",
    "FeatureSource",
    "HandScoreSource",
    "LayerSource",
    "ProfileSource",
    "TextClusterSource",
    "feature_matrix",
    "feature_sources",
    "register_feature_source",
]


class AccountSignalSource(FeatureSource):
    """The per-account signals (``account_signals``: registration cohorts, generated names, focus and rhythm,
    any plugin's): each signal's value, and ``-log10 p`` for a tested one. A signal not declared ``flags_alone``
    never flags."""

    name = "account_signals"
    description = "per-account signals: value and -log10 p of each declared signal"

    def features(self, con, run_id):
        out = []
        for name, decl in declared_signals().items():
            out.append(
                Feature(name, f"value of the {name} signal (NaN: not measured)", decl.flags_alone, NAN)
            )
            if decl.tested:
                out.append(
                    Feature(
                        f"{name}_log10p", f"-log10 p of the {name} signal (0: untested)", decl.flags_alone
                    )
                )
        return tuple(out)

    def sql(self, con, run_id, features):
        return _signal_columns_sql(int(run_id), "account_signals s", "s.platform, s.account_id")


def _signal_columns_sql(run_id: int, source: str, keys: str) -> str:
    """One column per declared signal (its value) and per tested signal (``<signal>_log10p``), grouped by
    ``keys`` over ``source`` (which names ``account_signals`` as ``s``)."""
    cols = []
    for name, decl in declared_signals().items():
        lit = "'" + name.replace("'", "''") + "'"
        cols.append(f"max(s.value) FILTER (WHERE s.signal = {lit}) AS {_q(name)}")
        if decl.tested:
            cols.append(
                f"coalesce(max(CASE WHEN s.p_value IS NOT NULL THEN least({LOG_CAP}, -log10(greatest(s.p_value, "
                f"1e-300))) END) FILTER (WHERE s.signal = {lit}), 0.0) AS {_q(name + '_log10p')}"
            )
    where = f"WHERE s.run_id = {run_id}" if source.startswith("account_signals") else ""
    return f"SELECT {keys}, {', '.join(cols) or 'NULL AS none'} FROM {source} {where} GROUP BY {keys}"


def account_feature_table(con, run_id: int | None = None) -> pa.Table:
    """The per-account signal table of ``run_id`` (default: the latest run with account signals): one row per
    account of the case, ``platform``, ``account_id``, then one column per declared signal (its value; NULL when
    not measured) and ``<signal>_log10p`` per tested signal (0 when untested for that account, capped at 300).
    Columns come from the signals the registered detectors declare, so a plugin's signals appear too."""
    if run_id is None:
        run_id = con.execute("SELECT max(run_id) FROM account_signals").fetchall()[0][0] or 0
    source = (
        f"accounts a LEFT JOIN account_signals s ON s.platform = a.platform AND s.account_id = a.account_id "
        f"AND s.run_id = {int(run_id)}"
    )
    sql = _signal_columns_sql(int(run_id), source, "a.platform, a.account_id")
    return con.sql(f"{sql} ORDER BY a.platform, a.account_id").to_arrow_table()
