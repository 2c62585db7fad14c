"""Co-action layers: pairs of accounts that act on the same target within a short time of each other.

Each layer maps items to a *target* and links two accounts when they act on the same target within ``window_s``
seconds:

``co_reply``    comments/replies under the same post (``coalesce(root_id, parent_id)``);
``co_link``     the same normalised URL (empty strings ignored: "no link" is not a shared link);
``co_repost``   reposts of the same item (``repost_of``);
``co_hashtag``  the same ordered sequence of two or more hashtags.

Pairs are generated without an N x N self-join: items are grouped by (platform, target) and cut into time
buckets of ``window_s``; an item is joined only with items of its own and the next bucket of the same target, so
the cost is O(items x neighbours). Accounts and targets are interned to integers first, so the per-meeting rows
stay small. An edge's ``weight`` is the number of distinct targets where the pair met; for each such target the
closest meeting counts, giving ``a_leads``/``b_leads`` (who acted first; exact ties count for neither),
``median_lag_s`` and ``evidence_item_ids`` (the two items of each closest meeting, capped).

Every pair with ``weight >= min_weight`` is tested against the target-permutation null of
:mod:`botwatch.detectors.significance`; only tested pairs are stored, so every stored edge carries ``expected``,
``p_value``, ``q_value``, ``significant`` and ``null_model``. Pairs below ``min_weight`` count as untested
hypotheses (p = 1) and cannot be significant. Meeting details (first and last meeting, who led, the median
lag, the targets and the cited items) are kept for significant edges only: a tested pair that is not significant
is stored with its count and its test (``weight``, ``expected``, ``p_value``, ``q_value``) and NULL details, found
by a second pass over the events of the accounts in significant pairs (on hot posts most pairs that meet are
ordinary, and listing their meetings was most of the layer's time).
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa

from botwatch.detectors.base import Detector, Interval, Layer, OneOf, RunContext, Setting
from botwatch.detectors.significance import fdr_qvalues, poisson_sf
from botwatch.detectors.text_coordination import LAYER as TEXT_LAYER
from botwatch.store.rows import named_lists

LAYERS = ("co_reply", "co_link", "co_repost", "co_hashtag")

MEETINGS_PER_CHUNK = 8_000_000  # item pairs (estimated) per pass; more meetings than this take several passes
EDGE_TARGETS_PER_PASS = 1_000_000  # (pair, target) rows aggregated into edges per pass

DEFAULT_WINDOWS = {
    "co_reply": 90.0,
    "co_link": 600.0,
    "co_repost": 600.0,
    "co_hashtag": 600.0,
}


@dataclass(frozen=True)
class Scales:
    """A list/tuple of distinct window lengths in seconds, each within ``[low, high]`` (may be empty)."""

    low: float
    high: float

    def accepts(self, value: Any) -> bool:
        return (
            isinstance(value, list | tuple)
            and all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
            and all(self.low <= v <= self.high for v in value)
            and len(set(value)) == len(value)
        )

    def describe(self) -> str:
        return f"a list of distinct window lengths in seconds within [{self.low:g}, {self.high:g}]"


@dataclass(frozen=True)
class SubsetOf:
    """A list/tuple whose members are all among ``options`` (no duplicates)."""

    options: tuple

    def accepts(self, value: Any) -> bool:
        return (
            isinstance(value, list | tuple)
            and all(isinstance(v, str) and v in self.options for v in value)
            and len(set(value)) == len(value)
        )

    def describe(self) -> str:
        return "a list of distinct values among " + ", ".join(repr(o) for o in self.options)


_LAYER_TARGETS = {
    "co_reply": "posts",
    "co_link": "links",
    "co_repost": "reposted items",
    "co_hashtag": "hashtag sequences",
}


def _layer_settings() -> tuple[Setting, ...]:
    out = []
    for layer in LAYERS:
        what = _LAYER_TARGETS[layer]
        out.append(
            Setting(
                f"{layer}_window_s",
                DEFAULT_WINDOWS[layer],
                Interval(float, 0, 30 * 86400, closed="right"),
                f"{layer}: seconds within which two accounts acting on the same {what} meet",
            )
        )
        out.append(
            Setting(
                f"{layer}_min_weight",
                2,
                Interval(int, 1, None),
                f"{layer}: distinct {what} a pair must meet on",
            )
        )
    return tuple(out)


_URL_SCHEME = r"^[A-Za-z][A-Za-z0-9+.-]*://"


@contextmanager
def _joins_as_written(con):
    """Within the block, DuckDB joins tables in the order the statement names them and builds each join's hash
    table on the table joined (the right side). Its estimates for temp tables made by joins are far off (a few
    rows for millions), and for a walk of many rows through lookup tables it then hashes the walk."""
    con.execute("SET disabled_optimizers = 'join_order,build_side_probe_side'")
    try:
        yield
    finally:
        con.execute("RESET disabled_optimizers")


def normalised_url_sql(u: str) -> str:
    """SQL for a URL's comparison key: scheme and ``www.`` dropped, host lower-cased, fragment and trailing
    slashes dropped; path and query kept as they are (they can be case-sensitive)."""
    return f"""(CASE WHEN regexp_matches({u}, '{_URL_SCHEME}') THEN
        regexp_replace(lower(regexp_extract({u}, '{_URL_SCHEME}([^/?#]*)', 1)), '^www\\.', '')
        || regexp_replace(regexp_extract({u}, '{_URL_SCHEME}[^/?#]*([^#]*)', 1), '/+$', '')
      ELSE regexp_replace(lower(trim({u})), '/+$', '') END)"""


def _events_sql(layer: str) -> str:
    """SELECT platform, target, account_id, item_id, created_at for one layer."""
    if layer == "co_reply":
        return """SELECT platform, coalesce(root_id, parent_id) AS target, account_id, item_id, created_at
                  FROM items WHERE kind IN ('comment', 'reply') AND coalesce(root_id, parent_id) IS NOT NULL"""
    if layer == "co_link":
        return f"""SELECT DISTINCT platform, {normalised_url_sql("u")} AS target, account_id, item_id, created_at
                   FROM (SELECT platform, account_id, item_id, created_at, unnest(links) AS u
                         FROM items WHERE links IS NOT NULL AND len(links) > 0)
                   WHERE u IS NOT NULL AND trim(u) <> '' AND {normalised_url_sql("u")} <> ''"""
    if layer == "co_repost":
        return """SELECT platform, repost_of AS target, account_id, item_id, created_at
                  FROM items WHERE repost_of IS NOT NULL AND trim(repost_of) <> ''"""
    if layer == "co_hashtag":
        tags = "list_filter(hashtags, lambda h: h IS NOT NULL AND trim(h) <> '')"
        return f"""SELECT platform, lower(replace(array_to_string({tags}, ' '), '#', '')) AS target,
                          account_id, item_id, created_at
                   FROM items WHERE hashtags IS NOT NULL AND len({tags}) >= 2"""
    raise ValueError(layer)


class CoActionDetector(Detector):
    """Account pairs acting on the same targets within short windows, tested against chance.

    Parameters (per layer ``L`` in ``layers``): ``L_window_s`` (seconds within which two actions on the same
    target count as a meeting) and ``L_min_weight`` (minimum number of distinct targets where a pair met for it
    to be tested and stored). ``fdr`` is the false-discovery rate per layer; ``fdr_method`` is ``"bh"`` or
    ``"by"``; ``co_reply_scales_s`` are the longer windows co_reply is also tested at (see :meth:`_run_scales`); ``max_targets`` and
    ``max_evidence_items`` cap the lists stored on each edge. ``hypotheses``: ``"selected"`` (default) tests
    each stored pair with the selective p-value ``P(K >= k | K >= min_weight)`` and counts the tested pairs as
    the hypotheses; ``"all"`` uses the unconditional tail and bounds the number of pairs that could have met.
    """

    name = "coaction"
    description = (
        "Pairs of accounts acting on the same posts, texts, links, reposts or hashtags within seconds"
    )
    requires = ("near_duplicate", "text_coordination")
    layers = (
        Layer("co_reply", "commented under the same posts within {w} of", timing_only=True, targets="posts"),
        Layer("co_link", "shared the same links within {w} as"),
        Layer("co_repost", "reposted the same items within {w} as"),
        Layer("co_hashtag", "used the same hashtag sequences within {w} as"),
    )
    tables = ("edges",)
    settings = (
        Setting("layers", LAYERS, SubsetOf(LAYERS), "which co-action layers to test"),
        *_layer_settings(),
        Setting(
            "co_reply_scales_s",
            (600.0, 3600.0, 21600.0),
            Scales(1.0, 30 * 86400.0),
            "longer co_reply windows, tested over the writers of coordinated templates",
        ),
        Setting("fdr", 0.01, Interval(float, 0, 1, closed="neither"), "false-discovery rate per layer"),
        Setting("fdr_method", "bh", OneOf(("bh", "by")), "Benjamini-Hochberg or -Yekutieli"),
        Setting(
            "hypotheses",
            "selected",
            OneOf(("selected", "all")),
            "selective p-values over the pairs that met, or unconditional ones over all that could have",
        ),
        Setting("null", "jitter", OneOf(("jitter", "exchangeable")), "null model of the base window"),
        Setting(
            "screen",
            "accounts",
            OneOf(("accounts", "none")),
            "also test pairs of accounts that burst with others",
        ),
        Setting(
            "burst_alpha", 0.01, Interval(float, 0, 1, closed="neither"), "level at which a target is a burst"
        ),
        Setting("jitter_factor", 10.0, Interval(float, 1, None), "jitter null's bin, in windows"),
        Setting("max_targets", 20, Interval(int, 1, 10_000), "targets listed per edge"),
        Setting("max_evidence_items", 50, Interval(int, 2, 10_000), "item ids cited per edge"),
    )

    def run(self, ctx: RunContext) -> dict:
        self.validate_params()
        con = ctx.con
        layer_list = ", ".join(f"'{name}'" for name in LAYERS)
        con.execute(f"DELETE FROM edges WHERE run_id = ? AND layer IN ({layer_list})", [ctx.run_id])
        summary = {}
        for layer in self.params["layers"]:
            started = time.perf_counter()
            if layer == "co_reply" and self.params["co_reply_scales_s"]:
                stats = self._run_scales(con, ctx.run_id)
            else:
                stats = self._run_layer(con, ctx.run_id, layer, _events_sql(layer), self._window(layer))
            stats["seconds"] = round(time.perf_counter() - started, 3)
            summary[layer] = stats
        self.summary_ = summary
        return summary

    # while co_reply's longer scales run: the exchangeable null, only pairs significant at the scale alone are
    # kept, and their rows go to _ca_edges (see _run_scales)
    _at_longer_scale = False
    _scale_factor = (
        0  # co_reply's number of scales (p and q are multiplied by it: Bonferroni); 0 outside them
    )

    @property
    def _null(self) -> str:
        """The null of the layer being tested: ``null``, or ``exchangeable`` at co_reply's longer scales."""
        return "exchangeable" if self._at_longer_scale else self.params["null"]

    def _window(self, layer: str) -> float:
        return float(self.params[f"{layer}_window_s"])

    # -- co_reply at several time scales ----------------------------------------------------------------------
    def _run_scales(self, con, run_id: int) -> dict:
        """co_reply at ``co_reply_window_s`` over every comment, then at each of ``co_reply_scales_s`` over the
        comments of *candidate* accounts (accounts that wrote a *coordinated* template: a text cluster cited by a
        significant ``co_text`` edge of this run, so text_coordination must run first; a
        long window over every comment of a hot post would compare millions of item pairs), under the exchangeable
        null: comments cluster within hours of a post anyway, so only a pair closer than the post's own comments
        are to each other is remarkable (the jitter null's smoothing is for bursts of seconds). Each pair keeps the
        scale where its q-value is smallest; p and q are multiplied by the number of scales (Bonferroni over
        scales), so a pair is significant at ``fdr`` whichever scale it is strongest at. Every pair tested at the
        base window is stored, straight into ``edges``; a longer scale adds only the pairs it finds significant
        before the correction, and its row replaces the pair's base row where its q-value is smaller (building
        edge rows for every pair tested at every scale took most of the time at 1M)."""
        base = self._window("co_reply")
        scales = sorted({float(s) for s in self.params["co_reply_scales_s"]} - {base})
        candidates = f"""(platform, account_id) IN (
            SELECT DISTINCT ci.platform, ci.account_id FROM cluster_items ci
            JOIN (SELECT DISTINCT platform, unnest(targets) AS cluster_id FROM edges
                  WHERE run_id = {int(run_id)} AND layer = '{TEXT_LAYER}' AND significant) t
              ON t.platform = ci.platform AND t.cluster_id = ci.cluster_id
            WHERE ci.run_id = {int(run_id)})"""
        try:
            # the candidates' comments, selected once for every scale; without candidates there are no others,
            # and the number of scales tested is the correction every row gets
            con.execute(
                f"CREATE TEMP TABLE _ca_cand AS SELECT * FROM ({_events_sql('co_reply')}) WHERE {candidates}"
            )
            if con.execute("SELECT count(*) FROM _ca_cand").fetchall()[0][0] == 0:
                scales = []
            self._scale_factor = 1 + len(scales)
            per_scale = {
                f"{base:g}s": self._run_layer(con, run_id, "co_reply", _events_sql("co_reply"), base)
            }
            con.execute("CREATE TEMP TABLE _ca_edges AS SELECT * FROM edges LIMIT 0")
            self._at_longer_scale = True
            for w in scales:
                per_scale[f"{w:g}s"] = self._run_layer(con, run_id, "co_reply", "SELECT * FROM _ca_cand", w)
            self._keep_best_scale(con, run_id)
        finally:
            self._at_longer_scale, self._scale_factor = False, 0
            con.execute("DROP TABLE IF EXISTS _ca_cand")
            con.execute("DROP TABLE IF EXISTS _ca_edges")
        by_scale = dict(
            con.execute(
                f"SELECT window_s, count(*) FROM edges WHERE run_id = {int(run_id)} AND layer = 'co_reply' "
                "AND significant GROUP BY 1 ORDER BY 1"
            ).fetchall()
        )
        return {
            "scales": per_scale,
            "pairs_tested": con.execute(
                f"SELECT count(*) FROM edges WHERE run_id = {int(run_id)} AND layer = 'co_reply'"
            ).fetchall()[0][0],
            "significant": int(sum(by_scale.values())),
            "significant_by_scale_s": {f"{k:g}": v for k, v in by_scale.items()},
        }

    @staticmethod
    def _keep_best_scale(con, run_id: int) -> None:
        """Each pair of ``_ca_edges`` (rows of the longer scales) keeps its row with the smallest (q, p, window)
        among them and its base row in ``edges``: the base row is replaced where a longer scale beat it, and a
        pair the base window did not test is added. The values compared are the corrected ones (x the number of
        scales, at most 1): a longer scale's row has q <= fdr before the correction, so with fdr below 1 / (number
        of scales) none is cut at 1 and the order is that of the uncorrected values."""
        if con.execute("SELECT count(*) FROM _ca_edges").fetchall()[0][0] == 0:
            return
        con.execute("""
            CREATE OR REPLACE TEMP TABLE _ca_edges AS SELECT * FROM _ca_edges
            QUALIFY row_number() OVER (PARTITION BY platform, account_a, account_b
                                       ORDER BY q_value, p_value, window_s) = 1""")
        same = f"""e.run_id = {int(run_id)} AND e.layer = 'co_reply' AND e.platform = b.platform
                   AND e.account_a = b.account_a AND e.account_b = b.account_b"""
        con.execute(f"""
            DELETE FROM edges e USING _ca_edges b
            WHERE {same} AND (b.q_value, b.p_value, b.window_s) < (e.q_value, e.p_value, e.window_s)""")
        con.execute(f"""
            INSERT INTO edges BY NAME
            SELECT * FROM _ca_edges b WHERE NOT EXISTS (SELECT 1 FROM edges e WHERE {same})
            ORDER BY platform, account_a, account_b""")

    # -- one layer --------------------------------------------------------------------------------------------
    def _run_layer(self, con, run_id: int, layer: str, events: str, w: float) -> dict:
        min_weight = int(self.params[f"{layer}_min_weight"])
        try:
            return self._pairs_and_tests(con, run_id, layer, events, w, min_weight)
        finally:
            for t in (
                "_ca_ev",
                "_ca_acc",
                "_ca_tgt",
                "_ca_meet",
                "_ca_trip",
                "_ca_pw",
                "_ca_sig",
                "_ca_sev",
                "_ca_close",
                "_ca_met",
                "_ca_pt",
                "_ca_tested",
                "_ca_at",
                "_ca_lam",
                "_ca_oriented",
                "_ca_accq",
            ):
                con.execute(f"DROP TABLE IF EXISTS {t}")
            try:
                con.unregister("_ca_pv")
            except Exception:
                pass

    def _null_name(self, layer: str) -> str:
        """What the stored p-values were computed under, e.g. ``jitter(15 min)+screen``."""
        p = self.params
        if self._null == "jitter":
            base = f"jitter({p['jitter_factor'] * p[layer + '_window_s']:g}s)"
        else:
            base = "target_permutation"
        scales = f" min of {self._scale_factor} scales" if self._scale_factor else ""
        return base + ("+account_screen" if p["screen"] == "accounts" else "+selective") + scales

    def _account_screen(self, con) -> None:
        """Which accounts act in bursts with others more often than chance -> table _ca_accq(acc, q).

        Per account and target: ``m`` = accounts it met there, ``mu = n_a,t * (n_t - n_a,t) * f_t`` the number
        expected under the null; the target is a *burst* for the account when ``P(Poisson(mu) >= m) <=
        burst_alpha``. Under the null each target is a burst with probability at most ``burst_alpha``, so an
        account with ``T`` targets expects at most ``burst_alpha * T`` bursts; ``p = P(Poisson(burst_alpha * T)
        >= bursts)``, then BH over the accounts of the layer. A bystander who lands next to a coordinated burst
        once or twice stays unremarkable; an account that is part of the burst target after target does not.
        """
        alpha = float(self.params["burst_alpha"])
        per = con.sql("""
            WITH per AS (SELECT tgt, acc, count(*) AS n_at FROM _ca_ev GROUP BY 1, 2),
            met AS (SELECT tgt, acc, sum(m) AS m FROM _ca_met GROUP BY 1, 2)
            SELECT per.acc, coalesce(met.m, 0) AS m,
                   least(t.n_acc - 1, per.n_at * (t.n_items - per.n_at) * t.f) AS mu
            FROM per JOIN _ca_tgt t USING (tgt) LEFT JOIN met USING (tgt, acc)
            ORDER BY per.acc, per.tgt""").to_arrow_table()
        if per.num_rows == 0:
            con.execute("CREATE TEMP TABLE _ca_accq (acc BIGINT, q DOUBLE)")
            return
        acc = per.column("acc").to_numpy()
        burst = poisson_sf(per.column("m").to_numpy(), per.column("mu").to_numpy()) <= alpha
        accounts, first = np.unique(acc, return_index=True)
        n_targets = np.diff(np.r_[first, len(acc)])
        n_bursts = np.add.reduceat(burst.astype(np.int64), first)
        q = fdr_qvalues(poisson_sf(n_bursts, alpha * n_targets), len(accounts), self.params["fdr_method"])
        con.register("_ca_accq_arrow", pa.table({"acc": pa.array(accounts, pa.int64()), "q": pa.array(q)}))
        con.execute("CREATE TEMP TABLE _ca_accq AS SELECT * FROM _ca_accq_arrow")
        con.unregister("_ca_accq_arrow")

    @staticmethod
    def _expected_meetings(con) -> None:
        """``_ca_lam(lo, hi, lam)``: expected meetings of each tested pair under the null, summed over every
        target both accounts joined, walking the targets of the account with fewer of them. One statement with
        its joins in the written order (:func:`_joins_as_written`): the walked rows stream through lookups in
        ``_ca_at``, so memory holds the two lookup tables and one sum per pair, however long the walk (planned by
        DuckDB, the walk itself became the hash table: 8.1 s in three passes on a hot 1M case, 2.3 s so)."""
        con.execute("""
            CREATE TEMP TABLE _ca_oriented AS
            WITH acc_n AS (SELECT DISTINCT acc, n_targets FROM _ca_at)
            SELECT p.lo, p.hi, CASE WHEN na.n_targets <= nb.n_targets THEN p.lo ELSE p.hi END AS s,
                   CASE WHEN na.n_targets <= nb.n_targets THEN p.hi ELSE p.lo END AS o
            FROM _ca_tested p JOIN acc_n na ON na.acc = p.lo JOIN acc_n nb ON nb.acc = p.hi""")
        with _joins_as_written(con):
            # exact fixed-point sum: deterministic whatever the order of the rows
            con.execute("""
                CREATE TEMP TABLE _ca_lam AS
                SELECT o.lo, o.hi,
                       CAST(sum(CAST(round(least(1.0, t.f * a.n * b.n) * 1099511627776) AS HUGEINT)) AS DOUBLE)
                         / 1099511627776 AS lam
                FROM _ca_oriented o JOIN _ca_at a ON a.acc = o.s
                JOIN _ca_at b ON b.acc = o.o AND b.tgt = a.tgt
                JOIN _ca_tgt t ON t.tgt = a.tgt
                GROUP BY o.lo, o.hi""")
        con.execute("DROP TABLE _ca_oriented")

    @staticmethod
    def _meeting_chunks(con, events: str) -> int:
        """How many passes the meetings over ``events`` need so one pass holds about ``MEETINGS_PER_CHUNK`` item
        pairs: the estimate counts, per target, the item pairs of each time bucket and of each bucket with the
        next."""
        estimate = con.execute(f"""
            WITH b AS (SELECT tgt, bkt, count(*) AS n FROM {events} GROUP BY 1, 2)
            SELECT coalesce(sum(b.n * (b.n - 1) / 2 + b.n * coalesce(b2.n, 0)), 0)
            FROM b LEFT JOIN b b2 ON b2.tgt = b.tgt AND b2.bkt = b.bkt + 1""").fetchall()[0][0]
        return max(1, -(-int(estimate) // MEETINGS_PER_CHUNK))

    @staticmethod
    def _meeting_sql(events: str, w: float, chunk: int, n_chunks: int) -> str:
        """Every item pair of a target within ``w`` seconds, once (y after x in (t, eid) order), as rows
        (tgt, ax, ay, ex, ey, tx, ty), for the account pairs of ``chunk`` (least(acc) % n_chunks == chunk);
        same-account pairs included (they count for the exchangeable null's f_t only)."""
        only = f"AND least(x.acc, y.acc) % {n_chunks} = {chunk}" if n_chunks > 1 else ""
        return f"""
            SELECT x.tgt, x.acc AS ax, y.acc AS ay, x.eid AS ex, y.eid AS ey, x.t AS tx, y.t AS ty
            FROM {events} x CROSS JOIN (VALUES (0), (1)) d(k)
            JOIN {events} y ON y.tgt = x.tgt AND y.bkt = x.bkt + d.k
            WHERE y.eid > x.eid AND y.t - x.t <= {w} {only}"""

    @staticmethod
    def _account_pair_sql(events: str, w: float, chunk: int, n_chunks: int) -> str:
        """Every item pair of a target within ``w`` seconds written by two *different* accounts, once (x's
        account before y's), as rows (tgt, lo, hi), for the pairs whose lower account is in ``chunk``
        (lo % n_chunks == chunk). The chunk filter is on x alone, so it is applied before the join and the
        passes split the join's work instead of repeating it (filtering on least(acc) after the join made every
        pass build every item pair)."""
        only = f"WHERE x.acc % {n_chunks} = {chunk}" if n_chunks > 1 else ""
        return f"""
            SELECT x.tgt, x.acc AS lo, y.acc AS hi
            FROM (SELECT * FROM {events} x {only}) x CROSS JOIN (VALUES (-1), (0), (1)) d(k)
            JOIN {events} y ON y.tgt = x.tgt AND y.bkt = x.bkt + d.k
            WHERE y.acc > x.acc AND abs(y.t - x.t) <= {w}"""

    def _meetings(self, con, w: float, min_weight: int, chunk: int, n_chunks: int) -> int:
        """One pass over the meetings of the account pairs in ``chunk``: adds to ``_ca_close`` (close item
        pairs per target; exchangeable null only), ``_ca_met`` (accounts met per target and account; for the
        account screen) and ``_ca_tested`` (pairs that met at ``min_weight`` targets or more). Returns the number
        of account pairs that met. Meetings are reduced to distinct (target, pair) rows at once; the item pairs
        themselves are only kept (in ``_ca_meet``) when the exchangeable null needs their count per target."""
        if self._null == "exchangeable":  # needs every close item pair per target, same-account ones included
            meet = self._meeting_sql("_ca_ev", w, chunk, n_chunks)
            con.execute(f"CREATE TEMP TABLE _ca_meet AS {meet}")
            con.execute("INSERT INTO _ca_close SELECT tgt, count(*) FROM _ca_meet GROUP BY tgt")
            pairs = "SELECT tgt, least(ax, ay) AS lo, greatest(ax, ay) AS hi FROM _ca_meet WHERE ax <> ay"
        else:
            pairs = self._account_pair_sql("_ca_ev", w, chunk, n_chunks)
        con.execute(f"CREATE TEMP TABLE _ca_trip AS SELECT DISTINCT tgt, lo, hi FROM ({pairs})")
        con.execute("DROP TABLE IF EXISTS _ca_meet")
        if self.params["screen"] == "accounts":
            con.execute("""
            INSERT INTO _ca_met
            SELECT tgt, acc, count(*) FROM (SELECT tgt, lo AS acc FROM _ca_trip UNION ALL SELECT tgt, hi FROM _ca_trip)
            GROUP BY 1, 2""")
        # Distinct targets per met pair; only pairs with k >= min_weight are tested.
        con.execute("CREATE TEMP TABLE _ca_pw AS SELECT lo, hi, count(*) AS k FROM _ca_trip GROUP BY lo, hi")
        pairs_met = con.execute("SELECT count(*) FROM _ca_pw").fetchall()[0][0]
        con.execute(f"INSERT INTO _ca_tested SELECT lo, hi, k FROM _ca_pw WHERE k >= {min_weight}")
        con.execute("DROP TABLE _ca_pw")
        con.execute("DROP TABLE _ca_trip")
        return pairs_met

    def _pairs_and_tests(self, con, run_id, layer, events, w, min_weight) -> dict:
        """Intern the events, count the meetings, test the pairs, store the edges (see the module docstring)."""
        self._intern_events(con, events, w)
        n_events = con.execute("SELECT count(*) FROM _ca_ev").fetchall()[0][0]
        empty = {"events": n_events, "pairs_met": 0, "hypotheses": 0, "pairs_tested": 0, "edges_kept": 0}
        if n_events == 0:
            return {**empty, "significant": 0}
        n_chunks = self._meeting_chunks(con, "_ca_ev")
        # Tables filled chunk by chunk; a chunk holds the account pairs with least(acc) % n_chunks == c, so every
        # pair's meetings are in one chunk and the per-pair and per-(target, account) counts simply add up.
        con.execute("CREATE TEMP TABLE _ca_close (tgt BIGINT, close_pairs BIGINT)")
        con.execute("CREATE TEMP TABLE _ca_met (tgt BIGINT, acc BIGINT, m BIGINT)")
        con.execute("CREATE TEMP TABLE _ca_tested (lo BIGINT, hi BIGINT, k BIGINT)")
        pairs_met = sum(self._meetings(con, w, min_weight, c, n_chunks) for c in range(n_chunks))
        self._target_rates(con, w)
        m = self._hypotheses_bound(con, min_weight, pairs_met)
        n_tested = con.execute("SELECT count(*) FROM _ca_tested").fetchall()[0][0]
        if n_tested == 0:
            return {
                **empty,
                "pairs_met": pairs_met,
                "hypotheses": m,
                "significant": 0,
                "meeting_passes": n_chunks,
            }
        qv = self._test_pairs(con, min_weight, m, n_tested)
        for table in ("_ca_met", "_ca_close", "_ca_lam", "_ca_at"):  # not needed any more: free the memory
            con.execute(f"DROP TABLE IF EXISTS {table}")
        self._meeting_details(con, w)
        self._store_edges(con, run_id, layer, w)
        return {
            "events": n_events,
            "meeting_passes": n_chunks,
            "pairs_met": pairs_met,
            "hypotheses": m if self.params["hypotheses"] == "all" else n_tested,
            "pairs_tested": n_tested,
            "edges_kept": n_tested,
            "significant": int(np.count_nonzero(qv <= self.params["fdr"])),
        }

    @staticmethod
    def _intern_events(con, events: str, w: float) -> None:
        """``_ca_ev``: the layer's events with accounts, targets and items interned to integers (acc ranks follow
        (platform, account_id), so acc order is account_id order) and cut into time buckets of ``w``;
        ``_ca_acc``: acc -> (platform, account_id). Accounts and targets are ranked once each, then joined
        (ranking every event by its strings was three sorts of the events)."""
        con.execute(f"""
            CREATE TEMP TABLE _ca_ev AS
            WITH raw AS ({events}),
            accs AS (SELECT platform, account_id, row_number() OVER (ORDER BY platform, account_id) AS acc
                     FROM (SELECT DISTINCT platform, account_id FROM raw)),
            tgts AS (SELECT platform, target, row_number() OVER (ORDER BY platform, target) AS tgt
                     FROM (SELECT DISTINCT platform, target FROM raw))
            SELECT a.acc, g.tgt,
                   row_number() OVER (ORDER BY g.tgt, r.created_at, a.acc, r.item_id) AS eid,
                   epoch(r.created_at) AS t, CAST(floor(epoch(r.created_at) / {w}) AS BIGINT) AS bkt,
                   r.platform, r.account_id, r.item_id, r.target
            FROM raw r JOIN accs a USING (platform, account_id) JOIN tgts g USING (platform, target)""")
        con.execute("CREATE TEMP TABLE _ca_acc AS SELECT DISTINCT acc, platform, account_id FROM _ca_ev")

    def _target_rates(self, con, w: float) -> None:
        """``_ca_tgt(tgt, n_items, n_acc, f)``: f is the chance that two given items of a target land within
        ``w`` under the null (see significance.py): "exchangeable" uses the target's own timestamps (exact close
        pairs / all pairs); "jitter" smooths them into bins of ``jitter_factor * w`` first, so a burst finer than
        the bins (the coordination itself) does not count as the background rate."""
        h = w * float(self.params["jitter_factor"])
        r = min(1.0, w / h)
        p_same, p_adj = 2 * r - r * r, r * r / 2
        close = "coalesce(j.jp, 0)" if self._null == "jitter" else "coalesce(c.close_pairs, 0)"
        con.execute(f"""
            CREATE TEMP TABLE _ca_tgt AS
            WITH n AS (SELECT tgt, count(*) AS n_items, count(DISTINCT acc) AS n_acc FROM _ca_ev GROUP BY tgt),
                 c AS (SELECT tgt, sum(close_pairs) AS close_pairs FROM _ca_close GROUP BY tgt),
                 b AS (SELECT tgt, CAST(floor(t / {h}) AS BIGINT) AS jb, count(*) AS nb FROM _ca_ev GROUP BY 1, 2),
                 j AS (SELECT b.tgt, sum(b.nb * (b.nb - 1) / 2.0) * {p_same}
                                     + sum(b.nb * coalesce(b2.nb, 0)) * {p_adj} AS jp
                       FROM b LEFT JOIN b b2 ON b2.tgt = b.tgt AND b2.jb = b.jb + 1 GROUP BY b.tgt)
            SELECT n.tgt, n.n_items, n.n_acc,
                   CASE WHEN n.n_items < 2 THEN 0.0
                        ELSE least(1.0, {close} / (n.n_items * (n.n_items - 1) / 2.0)) END AS f
            FROM n LEFT JOIN c USING (tgt) LEFT JOIN j USING (tgt)""")

    @staticmethod
    def _hypotheses_bound(con, min_weight: int, pairs_met: int) -> int:
        """Pairs that share at least ``min_weight`` targets (only they can reach k >= min_weight; membership is
        fixed under the null), bounded above by sum_t C(n_acc_t, 2) / min_weight and by C(A, 2)."""
        m = con.execute(f"""
            SELECT least((SELECT floor(sum(n_acc * (n_acc - 1) / 2) / {min_weight}) FROM _ca_tgt),
                         (SELECT count(DISTINCT acc) * (count(DISTINCT acc) - 1) / 2 FROM _ca_ev))""").fetchall()
        return max(int(m[0][0] or 0), pairs_met)

    def _test_pairs(self, con, min_weight: int, m: int, n_tested: int) -> np.ndarray:
        """Test every pair of ``_ca_tested``; register ``_ca_pv(lo, hi, k, expected, p_value, q_value,
        significant)`` (at co_reply's longer scales only the pairs significant at that scale before the
        correction over scales) and return the q-values."""
        p = self.params
        if p["screen"] == "accounts":
            self._account_screen(con)
        # Expected meetings under the null, over ALL targets both accounts joined (not only where they met).
        # The join walks the targets of the pair's account with fewer targets.
        con.execute("""
            CREATE TEMP TABLE _ca_at AS
            SELECT acc, tgt, count(*) AS n, count(*) OVER (PARTITION BY acc) AS n_targets
            FROM _ca_ev GROUP BY acc, tgt""")
        self._expected_meetings(con)
        tested = con.sql("""
            SELECT p.lo, p.hi, p.k, coalesce(l.lam, 0.0) AS lam
            FROM _ca_tested p LEFT JOIN _ca_lam l USING (lo, hi)""").to_arrow_table()
        k = tested.column("k").to_numpy()
        lam = tested.column("lam").to_numpy()
        pv = poisson_sf(k, lam)
        # Selective test: only pairs with k >= min_weight are tested, so condition on that selection:
        # p = P(K >= k | K >= min_weight) under the null, and the tested pairs are the hypotheses.
        p_sel = np.minimum(1.0, pv / np.maximum(poisson_sf(np.full_like(k, min_weight), lam), 1e-300))
        if p["hypotheses"] == "selected":
            q_sel = fdr_qvalues(p_sel, n_tested, p["fdr_method"])
        else:
            q_sel = fdr_qvalues(pv, m, p["fdr_method"])
        if p["screen"] == "accounts":
            qv = self._screened_q(con, tested, k, pv, q_sel, min_weight)
        else:
            qv = q_sel
            if p["hypotheses"] == "selected":
                pv = p_sel  # the p-value that decided
        n = max(
            1, self._scale_factor
        )  # Bonferroni over co_reply's scales: significant after it, details then
        pv_table = pa.table(
            {
                "lo": tested.column("lo"),
                "hi": tested.column("hi"),
                "k": tested.column("k"),
                "expected": pa.array(lam),
                "p_value": pa.array(np.minimum(1.0, pv * n) if n > 1 else pv),
                "q_value": pa.array(np.minimum(1.0, qv * n) if n > 1 else qv),
                "significant": pa.array(qv * n <= p["fdr"]),
            }
        )
        if self._at_longer_scale:  # keep what is significant at this scale alone
            pv_table = pv_table.filter(pa.array(qv <= p["fdr"]))
        con.register("_ca_pv", pv_table)
        return qv

    def _screened_q(self, con, tested, k, pv, q_sel, min_weight: int) -> np.ndarray:
        """Screened test: a pair is a hypothesis only when both accounts act in bursts with others more often
        than chance (see _account_screen); pairs that met more often than selection requires (k > min_weight)
        are tested with their unconditional p-value, BH over the screened pairs. An edge is significant when
        either test finds it, each run at fdr / 2, so the union keeps the false-discovery rate at fdr:
        q_value = min(1, 2 * min(q_selective, q_screened))."""
        p = self.params
        accq = con.sql("SELECT acc, q FROM _ca_accq").to_arrow_table()
        lo, hi = tested.column("lo").to_numpy(), tested.column("hi").to_numpy()
        acc_q = np.ones(int(max(lo.max(), hi.max())) + 1)  # acc ranks are small integers: q by acc, 1 if none
        known = accq.column("acc").to_numpy()
        inside = known < len(acc_q)
        acc_q[known[inside]] = accq.column("q").to_numpy()[inside]
        screened = (acc_q[lo] <= p["fdr"] / 2) & (acc_q[hi] <= p["fdr"] / 2)
        q_scr = np.ones(len(pv))
        if screened.any():
            q_scr[screened] = fdr_qvalues(
                np.where(k > min_weight, pv, 1.0)[screened], int(screened.sum()), p["fdr_method"]
            )
        return np.minimum(1.0, 2 * np.minimum(q_sel, q_scr))

    def _meeting_details(self, con, w: float) -> None:
        """``_ca_pt(lo, hi, tgt, m)``: the closest meeting per target of every *significant* pair (lag > 0 means
        the lower account, account_a, acted first), found by a second pass over the events of the accounts in
        significant pairs only: on a hot post most pairs that meet are tested and ordinary, and listing their
        meetings was most of the layer's time."""
        con.execute("CREATE TEMP TABLE _ca_sig AS SELECT lo, hi FROM _ca_pv WHERE significant")
        con.execute(
            "CREATE TEMP TABLE _ca_pt (lo BIGINT, hi BIGINT, tgt BIGINT, "
            "m STRUCT(lag DOUBLE, t0 DOUBLE, t1 DOUBLE, e0 BIGINT, e1 BIGINT))"
        )
        con.execute("""
            CREATE TEMP TABLE _ca_sev AS
            SELECT * FROM _ca_ev WHERE acc IN (SELECT lo FROM _ca_sig UNION SELECT hi FROM _ca_sig)""")
        n_chunks = self._meeting_chunks(con, "_ca_sev")
        for chunk in range(n_chunks):
            con.execute(f"""
            INSERT INTO _ca_pt
            SELECT lo, hi, tgt,
                   arg_min(struct_pack(lag := CASE WHEN ax < ay THEN ty - tx ELSE tx - ty END,
                                       t0 := tx, t1 := ty, e0 := ex, e1 := ey),
                           struct_pack(d := ty - tx, ex := ex, ey := ey)) AS m
            FROM (SELECT least(ax, ay) AS lo, greatest(ax, ay) AS hi, *
                  FROM ({self._meeting_sql("_ca_sev", w, chunk, n_chunks)}) WHERE ax <> ay) mt
            SEMI JOIN _ca_sig USING (lo, hi)
            GROUP BY lo, hi, tgt""")
        con.execute("DROP TABLE _ca_sev")

    def _store_edges(self, con, run_id: int, layer: str, w: float) -> None:
        """Insert the tested pairs of ``_ca_pv`` into ``edges`` (``_ca_edges`` at co_reply's longer scales): significant pairs with their meeting details
        (first/last meeting, who led, median lag, targets, evidence items; in passes of
        ``EDGE_TARGETS_PER_PASS`` rows of ``_ca_pt``), the others with their count and test only. A pair's
        targets and cited items are listed as numbers (target and event ranks) and named afterwards by position
        in two name arrays: lists of strings built per pair were most of the step."""
        max_t, max_e = int(self.params["max_targets"]), int(self.params["max_evidence_items"])
        null_name = self._null_name(layer)
        table = "_ca_edges" if self._at_longer_scale else "edges"
        n_rows = con.execute("SELECT count(*) FROM _ca_pt").fetchall()[0][0]
        edge_passes = max(1, -(-int(n_rows) // EDGE_TARGETS_PER_PASS))
        if n_rows:
            # tgt and eid are ranks 1..n (see _intern_events); within a platform tgt order is target order
            target_names = con.sql("""
                SELECT t.target FROM range(1, (SELECT max(tgt) + 1 FROM _ca_ev)) r(tgt)
                LEFT JOIN (SELECT DISTINCT tgt, target FROM _ca_ev) t USING (tgt) ORDER BY tgt""")
            target_names = target_names.to_arrow_table().column(0).combine_chunks()
            item_names = con.sql("SELECT item_id FROM _ca_ev ORDER BY eid").to_arrow_table().column(0)
            item_names = item_names.combine_chunks()
        for c in range(edge_passes if n_rows else 0):
            only = f"WHERE lo % {edge_passes} = {c}" if edge_passes > 1 else ""
            agg = con.sql(f"""
                WITH per_pair AS (
                  SELECT lo, hi, count(*) AS weight, min(least(m.t0, m.t1)) AS first_t,
                         max(greatest(m.t0, m.t1)) AS last_t, count_if(m.lag > 0) AS a_leads,
                         count_if(m.lag < 0) AS b_leads, median(abs(m.lag)) AS median_lag_s,
                         -- one row per target: (t_first, tgt) orders a pair's rows totally; sorting the list
                         -- is cheaper than DuckDB's ordered aggregates
                         list_sort(list(struct_pack(t := least(m.t0, m.t1), g := tgt, i0 := m.e0, i1 := m.e1)))
                           AS rows
                  FROM _ca_pt {only} GROUP BY lo, hi)
                SELECT * EXCLUDE (rows), list_slice(list_transform(rows, lambda r: r.g), 1, {max_t}) AS targets,
                       list_slice(flatten(list_transform(rows, lambda r: [r.i0, r.i1])), 1, {max_e}) AS evidence
                FROM per_pair""").to_arrow_table()
            agg = agg.set_column(
                agg.schema.get_field_index("targets"),
                "targets",
                named_lists(agg.column("targets"), target_names),
            )
            agg = agg.set_column(
                agg.schema.get_field_index("evidence"),
                "evidence",
                named_lists(agg.column("evidence"), item_names),
            )
            con.register("_ca_agg", agg)
            try:
                con.execute(f"""
                INSERT INTO {table} BY NAME
                SELECT {int(run_id)} AS run_id, a.platform, a.account_id AS account_a, b.account_id AS account_b,
                       '{layer}' AS layer, g.weight, {w} AS window_s,
                       make_timestamp(CAST(g.first_t * 1e6 AS BIGINT)) AS first_at,
                       make_timestamp(CAST(g.last_t * 1e6 AS BIGINT)) AS last_at,
                       g.a_leads, g.b_leads, g.median_lag_s, v.expected, v.p_value, v.q_value, v.significant,
                       '{null_name}' AS null_model, g.targets, g.evidence AS evidence_item_ids
                FROM _ca_agg g JOIN _ca_pv v USING (lo, hi)
                JOIN _ca_acc a ON a.acc = g.lo JOIN _ca_acc b ON b.acc = g.hi
                ORDER BY a.account_id, b.account_id""")
            finally:
                con.unregister("_ca_agg")
        con.execute(f"""
            INSERT INTO {table} BY NAME
            SELECT {int(run_id)} AS run_id, a.platform, a.account_id AS account_a, b.account_id AS account_b,
                   '{layer}' AS layer, v.k AS weight, {w} AS window_s, v.expected, v.p_value, v.q_value,
                   v.significant, '{null_name}' AS null_model
            FROM _ca_pv v JOIN _ca_acc a ON a.acc = v.lo JOIN _ca_acc b ON b.acc = v.hi
            WHERE NOT v.significant
            ORDER BY a.account_id, b.account_id""")
