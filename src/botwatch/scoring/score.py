"""Explainable account scores and a flag that rests on significance, not on hand-set weights.

**The flag.** Every layer's detector tests account pairs against a null model and controls its false-discovery
rate (``fdr`` of each detector; ``text_coordination`` uses Benjamini-Yekutieli because pairs that share accounts
are dependent). An account is flagged when it belongs to at least one pair that is a discovery *and* whose
evidence is more than timing:

* a significant edge in a layer that is not timing-only (``co_text``: repeated use of the same rare template;
  ``co_link``, ``co_repost``, ``co_hashtag``, ``co_avatar``), or
* a significant timing edge (``co_reply``) with a partner who wrote the same template of their group: a
  cross-account text cluster in which at least ``template_group_share`` (half) of the accounts have a significant
  timing partner inside the cluster (the template belongs to accounts that act together in time, not to a crowd).

* mostly writing a template *of a discovered group* (see :func:`_group_template_writers`): how members who wrote a
  campaign's template once or twice, too seldom for any pair test, are found.

Edges of a layer its detector declares untested (``Layer.tested`` false, the rule-based ``co_avatar``) and edges
without a q-value never flag alone: only together with a shared informative template.
A profile picture found in one of the investigator's reference galleries flags (``gallery_flags``): that
reference is the investigator's own evidence, not a pattern among accounts. A *face* resembling one of a gallery
(``detect --faces``) is evidence only, never a flag.
So every flag cites at least one pair discovered at the layer's stated false-discovery rate (1 % by default),
directly or through the template its discovered writers own.
Timing alone, campaign membership and the per-account signals (registration cohorts, generated names, focus
and rhythm: every :class:`~botwatch.detectors.Signal` not declared ``flags_alone``) never flag an account
(``timing_alone_flags`` lifts the first rule for investigations that want it); the per-account signals add
evidence and score only next to a flagging layer.

**The score** orders accounts (flagged ones and leads) in [0, 1]: the noisy-OR ``1 - prod(1 - s_i)`` of the
strengths of the account's signals. An edge layer's strength is ``1 - q`` of the account's most significant edge
in it; a template share and campaign membership add the small fixed strengths below, a significant per-account
signal ``account_signal_strength * (1 - q)``. The score explains and ranks; it does not decide the flag. Every signal is written as an ``evidence``
row whose sentence cites the items behind it.
"""

from __future__ import annotations

import json
from collections import defaultdict

from botwatch.detectors import Layer, declared_layers, declared_signals
from botwatch.detectors.significance import poisson_sf
from botwatch.settings import Interval, IsBool, Setting, constraints_of, defaults_of
from botwatch.store.rows import insert_rows
from botwatch.store.sql import distinct_words_expr

SCORING_SETTINGS = (
    Setting(
        "campaign_member", 0.2, Interval(float, 0, 1), "score strength of campaign membership (never flags)"
    ),
    Setting(
        "template_share", 0.2, Interval(float, 0, 1), "score strength of writing cross-account templates"
    ),
    Setting(
        "account_signal_strength",
        0.1,
        Interval(float, 0, 1),
        "score strength of a significant per-account signal, times 1 - q (next to a flagging layer only)",
    ),
    Setting(
        "template_max_accounts", 5000, Interval(int, 2, None), "clusters of more accounts are mass phrases"
    ),
    Setting("timing_alone_flags", False, IsBool(), "let a significant timing-only edge flag on its own"),
    Setting(
        "template_group_share",
        0.5,
        Interval(float, 0, 1),
        "share of a cluster's accounts with a timing partner in it that makes it their group's template",
    ),
    Setting(
        "timing_template_item_share",
        0.1,
        Interval(float, 0, 1),
        "share of an account's texts in informative templates that lets timing + a shared template flag it",
    ),
    Setting(
        "template_min_words", 6, Interval(int, 1, None), "distinct words a template needs to carry a flag"
    ),
    Setting(
        "group_template_use_share",
        0.2,
        Interval(float, 0, 1),
        "share of a template's uses by linked accounts that makes it a discovered group's",
    ),
    Setting("group_template_min_linked", 5, Interval(int, 2, None), "linked accounts such a template needs"),
    Setting(
        "group_template_strength", 0.75, Interval(float, 0, 1), "score strength of writing a group's template"
    ),
    Setting(
        "untested_layer_strength", 0.5, Interval(float, 0, 1), "score strength of a rule-based layer's edge"
    ),
    Setting(
        "group_template_item_share",
        0.5,
        Interval(float, 0, 1, closed="right"),
        "share of an account's texts in group templates that flags it",
    ),
    Setting(
        "template_recurrence_alpha",
        0.01,
        Interval(float, 0, 1),
        "family-wise level of the recurrence test of templates (0: off)",
    ),
    Setting(
        "gallery_match",
        0.9,
        Interval(float, 0, 1),
        "score strength of a picture found in a reference gallery",
    ),
    Setting("gallery_flags", True, IsBool(), "let a reference-gallery match flag the account on its own"),
    Setting(
        "face_match",
        0.3,
        Interval(float, 0, 1),
        "score strength of a face resembling one of a reference gallery (detect --faces; never flags)",
    ),
)
SCORING_PARAMETERS = defaults_of(SCORING_SETTINGS)
SCORING_CONSTRAINTS = constraints_of(SCORING_SETTINGS)
SCORING_TABLES = ("account_scores", "evidence")  # written per run

# texts (non-empty) per account: the denominator of every "share of its texts" rule
_TEXTS_PER_ACCOUNT = """SELECT platform, account_id, count(*) AS n_all FROM items
                        WHERE text IS NOT NULL AND trim(text) <> '' GROUP BY 1, 2"""
CITED_ITEMS = 100  # an evidence row lists at most this many of the account's items (the count says how many)
EXCLUDED_DAYS = 3  # the recurrence test leaves out a template's busiest three days (a holiday, a viral post)

# how an edge's targets are counted in an evidence sentence, by what the layer declares its targets are
_TARGET_WORDS = {"posts": " under {n} post(s)", "templates": " ({n} template(s))", "none": ""}


def format_seconds(s: float | None) -> str:
    """A duration for a sentence: "45 s", "12 min", "3.5 h"."""
    if s is None:
        return "?"
    s = float(s)
    if s < 120:
        return f"{s:.0f} s"
    if s < 7200:
        return f"{s / 60:.0f} min"
    return f"{s / 3600:.1f} h"


def score_accounts(con, run_id: int, params: dict | None = None) -> dict:
    """Write ``account_scores`` and ``evidence`` rows for ``run_id`` and return a summary."""
    p = {**SCORING_PARAMETERS, **(params or {})}
    con.execute("DELETE FROM account_scores WHERE run_id = ?", [run_id])
    con.execute("DELETE FROM evidence WHERE run_id = ?", [run_id])
    signals: dict[tuple[str, str], list[tuple[str, float, str, list[str]]]] = defaultdict(list)

    _edge_signals(con, run_id, p, signals)
    _template_signals(con, run_id, p, signals)
    flag_basis, member = _flags_and_membership(con, run_id, p, signals)
    _gallery_signals(con, run_id, p, signals, flag_basis)
    _face_signals(con, run_id, p, signals)
    _account_signals(con, run_id, p, signals, flag_basis)

    # combine
    score_rows, evidence_rows = [], []
    for key, sigs in signals.items():
        platform, acct = key
        prod = 1.0
        for _, s, _, _ in sigs:
            prod *= 1 - max(0.0, min(1.0, s))
        score = round(1 - prod, 4)
        flagged = key in flag_basis
        ordered = sorted(sigs, key=lambda t: -t[1])
        reasons = [t[2] for t in ordered if t[1] > 0]
        features = {t[0]: round(t[1], 4) for t in ordered}
        score_rows.append(
            {
                "run_id": run_id,
                "platform": platform,
                "account_id": acct,
                "score": score,
                "flagged": flagged,
                "campaign_id": member.get(key),
                "reasons": reasons,
                "features": json.dumps(features),
            }
        )
        for n, (kind, s, text, ids) in enumerate(ordered, 1):
            evidence_rows.append(
                {
                    "run_id": run_id,
                    "evidence_id": f"E-{platform}-{acct}-{n}",
                    "platform": platform,
                    "account_id": acct,
                    "campaign_id": member.get(key),
                    "detector": kind,
                    "description": text,
                    "item_ids": ids,
                    "weight": s,
                }
            )
    if score_rows:
        insert_rows(con, "account_scores", score_rows)
        insert_rows(con, "evidence", evidence_rows)
    # every other account scores 0
    con.execute(
        f"""INSERT INTO account_scores (run_id, platform, account_id, score, flagged, campaign_id, reasons, features)
            SELECT {run_id}, a.platform, a.account_id, 0.0, false, NULL, []::VARCHAR[], '{{}}'::JSON FROM accounts a
            WHERE NOT EXISTS (SELECT 1 FROM account_scores s WHERE s.run_id = {run_id}
                              AND s.platform = a.platform AND s.account_id = a.account_id)"""
    )
    n_flagged = sum(1 for r in score_rows if r["flagged"])
    return {"scored": len(score_rows), "flagged": n_flagged}


def _edge_signals(con, run_id: int, p: dict, signals) -> None:
    """One signal per account and layer of significant edges: strength ``1 - q`` of its best edge."""
    layers = declared_layers()
    for platform, acct, layer, partners, events, window_s, lag, n_targets, n_items, item_ids, q in _edge_rows(
        con, run_id
    ):
        key = (platform, acct)
        decl = layers.get(layer) or Layer(layer, f"acted together ({layer}) with")
        # a layer declared untested (rule-based) and an edge without a q-value: a fixed strength, never a flag
        tested = decl.tested and q is not None
        strength = 1.0 - float(q) if tested else float(p["untested_layer_strength"])
        phrase = decl.phrase.format(w=format_seconds(window_s))
        mine = list(item_ids or [])  # its first CITED_ITEMS cited items, in item id order, of n_items
        where = _TARGET_WORDS.get(decl.targets, " on {n} occasion(s)").format(n=n_targets)
        if decl.targets == "none":
            text = f"{phrase} {partners} other account(s)"
        elif decl.targets == "templates":
            text = (
                f"{phrase} {partners} other account(s){where}; {events} shared occasion(s); "
                f"{f'q = {float(q):.2g}' if tested else 'not tested'}; {n_items} of its items cited"
            )
        else:
            text = (
                f"{phrase} {partners} other account(s){where}; median gap {format_seconds(lag)}; "
                f"{events} co-occurrence(s), {n_items} of its items cited"
            )
        signals[key].append((layer, strength, text, mine))


def _edge_rows(con, run_id: int) -> list[tuple]:
    """Per account and layer of significant edges: partners, events, widest window, median lag, targets, cited
    items (its own, in id order) and the best q. An edge cites only items its two accounts wrote (the layer
    contract, checked by :func:`botwatch.testing.check_detector`), so an account's cited items in a layer are the
    distinct items the layer's edges cite that it wrote: each distinct (layer, item) is looked up once (on a
    burst-template 1M case 14M citations name 79k items; probing authors with every citation, then making them
    distinct, was most of the step)."""
    return con.execute(
        f"""
        WITH s AS (
          SELECT platform, account_a AS acct, account_b AS other, layer, weight, window_s, median_lag_s, targets,
                 evidence_item_ids, q_value FROM edges WHERE run_id = {run_id} AND significant
          UNION ALL
          SELECT platform, account_b, account_a, layer, weight, window_s, median_lag_s, targets, evidence_item_ids,
                 q_value FROM edges WHERE run_id = {run_id} AND significant),
        base AS (
          SELECT platform, acct, layer, count(DISTINCT other) AS partners, sum(weight) AS events,
                 max(window_s) AS window_s, median(median_lag_s) AS lag, min(q_value) AS q
          FROM s GROUP BY 1, 2, 3),
        t AS (
          SELECT platform, acct, layer, count(DISTINCT target) AS n_targets
          FROM (SELECT platform, acct, layer, unnest(targets) AS target FROM s) GROUP BY 1, 2, 3),
        cited AS (
          SELECT DISTINCT platform, layer, unnest(evidence_item_ids) AS item_id FROM edges
          WHERE run_id = {run_id} AND significant),
        e AS (
          SELECT c.platform, i.account_id AS acct, c.layer, count(*) AS n_items,
                 list_slice(list(c.item_id ORDER BY c.item_id), 1, {CITED_ITEMS}) AS item_ids
          FROM cited c JOIN items i ON i.platform = c.platform AND i.item_id = c.item_id
          GROUP BY 1, 2, 3)
        SELECT b.platform, b.acct, b.layer, b.partners, b.events, b.window_s, b.lag,
               coalesce(t.n_targets, 0), coalesce(e.n_items, 0), coalesce(e.item_ids, []), b.q
        FROM base b LEFT JOIN t USING (platform, acct, layer) LEFT JOIN e USING (platform, acct, layer)
        ORDER BY 1, 2, 3"""
    ).fetchall()


def _template_signals(con, run_id: int, p: dict, signals) -> None:
    """The share of the account's comments in cross-account clusters (not the mass ones)."""
    for platform, acct, n_in, n_all, clusters, channels, ids in con.execute(
        f"""
        WITH ci AS (SELECT platform, account_id, item_id, cluster_id FROM cluster_items WHERE run_id = {run_id}
                    AND cluster_id NOT IN (SELECT cluster_id FROM text_clusters WHERE run_id = {run_id}
                                           AND n_accounts > {int(p["template_max_accounts"])})),
        tot AS (SELECT platform, account_id, count(*) AS n_all FROM items GROUP BY 1, 2)
        SELECT ci.platform, ci.account_id, count(DISTINCT ci.item_id), any_value(tot.n_all),
               list(DISTINCT ci.cluster_id ORDER BY TRY_CAST(substr(ci.cluster_id, 2) AS INTEGER), ci.cluster_id), list(DISTINCT i.channel) FILTER (WHERE i.channel IS NOT NULL),
               list(DISTINCT ci.item_id)
        FROM ci JOIN tot USING (platform, account_id)
        LEFT JOIN items i ON i.platform = ci.platform AND i.item_id = ci.item_id
        GROUP BY 1, 2"""
    ).fetchall():
        share = n_in / max(n_all, 1)
        strength = p["template_share"] * min(1.0, share / 0.5)
        chan = f" on {len(channels)} page(s) ({', '.join(sorted(channels)[:3])})" if channels else ""
        text = f"{n_in} of its {n_all} items match cross-account template(s) {', '.join(clusters[:5])}{chan}"
        signals[(platform, acct)].append(("template", strength, text, sorted(ids)[:100]))


def _flags_and_membership(con, run_id: int, p: dict, signals) -> tuple[set, dict]:
    """Flags, templates of discovered groups (their writers join the campaign holding most of the template's
    accounts), then campaign membership with the sizes after those joins. Returns (flagged keys, campaign of
    each member)."""
    flag_basis = _flag_basis(con, run_id, p)
    in_campaign = {
        (r[0], r[1])
        for r in con.execute(
            f"SELECT platform, account_id FROM campaign_accounts WHERE run_id = {int(run_id)}"
        ).fetchall()
    }
    writers = _group_template_writers(con, run_id, p)
    recurrent = set(con.execute("SELECT platform, cluster_id FROM recurrent_templates").fetchall())
    for platform, acct, n_in, n_all, clusters, ids, cid in writers:
        key = (platform, acct)
        flag_basis.add(key)
        joins = ""
        if key not in in_campaign and cid is not None:
            joins = "; joins the campaign whose members wrote most of it"
            con.execute(
                "INSERT INTO campaign_accounts (run_id, campaign_id, platform, account_id) VALUES (?, ?, ?, ?)",
                [run_id, cid, platform, acct],
            )
        if any((platform, c) in recurrent for c in clusters):
            why = "it recurs under the same posts: several accounts wrote it together on several days, beyond chance"
        else:
            why = (
                "most of the template's uses come from accounts linked by significant template-sharing edges"
            )
        text = (
            f"{n_in} of its {n_all} items match template(s) {', '.join(clusters[:5])} of a discovered group "
            f"({why}){joins}"
        )
        signals[key].append(("group_template", float(p["group_template_strength"]), text, ids[:100]))
    con.execute(f"""UPDATE campaigns c SET n_accounts = (SELECT count(*) FROM campaign_accounts ca
                    WHERE ca.run_id = c.run_id AND ca.campaign_id = c.campaign_id) WHERE c.run_id = {int(run_id)}""")
    member = {}
    for platform, acct, cid, size in con.execute(
        f"""SELECT ca.platform, ca.account_id, ca.campaign_id, c.n_accounts FROM campaign_accounts ca
            JOIN campaigns c USING (run_id, campaign_id) WHERE ca.run_id = {run_id}"""
    ).fetchall():
        member[(platform, acct)] = cid
        signals[(platform, acct)].append(
            ("campaign", p["campaign_member"], f"member of campaign {cid} ({size} accounts)", [])
        )

    return flag_basis, member


def _group_template_writers(con, run_id: int, p: dict) -> list[tuple]:
    """Accounts whose texts are mostly templates *of a discovered group*: clusters of at least
    ``template_min_words`` distinct words of which at least ``group_template_use_share`` of the uses (items) come
    from at least ``group_template_min_linked`` accounts with a significant ``co_text`` partner citing that
    cluster (one false pair must not pull a whole cluster in). An account qualifies when at least
    ``group_template_item_share`` of its texts are in such clusters; it is then flagged (a one-off member of a
    campaign that wrote its template once) and joins the campaign holding most of those templates' accounts.
    A cluster also counts as a group's template when it *recurs* (:func:`_recurrent_templates`).
    Rows: (platform, account, items in the templates, texts, clusters, item ids, campaign id or None)."""
    run = int(run_id)
    _recurrent_templates(con, run, p)
    return con.execute(f"""
        WITH ct AS (SELECT platform, account_a, account_b, unnest(targets) AS cluster_id FROM edges
                    WHERE run_id = {run} AND {_is_layer("layer", targets="templates", tested=True)} AND significant),
        linked AS (SELECT DISTINCT platform, cluster_id, acct FROM (
                     SELECT platform, cluster_id, account_a AS acct FROM ct
                     UNION ALL SELECT platform, cluster_id, account_b FROM ct)),
        uses AS (SELECT ci.platform, ci.cluster_id, count(*) AS n_uses,
                        count(*) FILTER (WHERE l.acct IS NOT NULL) AS n_linked,
                        count(DISTINCT l.acct) AS n_linked_accounts
                 FROM cluster_items ci LEFT JOIN linked l ON l.platform = ci.platform
                  AND l.cluster_id = ci.cluster_id AND l.acct = ci.account_id
                 WHERE ci.run_id = {run} GROUP BY 1, 2),
        tpl AS (SELECT platform, cluster_id FROM ({_informative_clusters_sql(run, p)}) i
                JOIN uses u USING (platform, cluster_id)
                WHERE u.n_linked >= {float(p["group_template_use_share"])} * u.n_uses
                  AND u.n_linked_accounts >= {int(p["group_template_min_linked"])}
                UNION SELECT platform, cluster_id FROM recurrent_templates),
        mine AS (SELECT ci.platform, ci.account_id, count(DISTINCT ci.item_id) AS n_in,
                        list(DISTINCT ci.cluster_id ORDER BY TRY_CAST(substr(ci.cluster_id, 2) AS INTEGER), ci.cluster_id) AS clusters,
                        list(DISTINCT ci.item_id ORDER BY ci.item_id) AS ids
                 FROM cluster_items ci SEMI JOIN tpl USING (platform, cluster_id) WHERE ci.run_id = {run} GROUP BY 1, 2),
        tot AS ({_TEXTS_PER_ACCOUNT}),
        writers AS (SELECT m.*, t.n_all FROM mine m JOIN tot t USING (platform, account_id)
                    WHERE m.n_in >= {float(p["group_template_item_share"])} * t.n_all),
        home AS (SELECT ci.platform, ci.cluster_id, ca.campaign_id, count(DISTINCT ca.account_id) AS n
                 FROM cluster_items ci SEMI JOIN tpl USING (platform, cluster_id)
                 JOIN campaign_accounts ca ON ca.run_id = {run} AND ca.platform = ci.platform
                  AND ca.account_id = ci.account_id
                 WHERE ci.run_id = {run} GROUP BY 1, 2, 3),
        pick AS (SELECT w.platform, w.account_id, first(h.campaign_id ORDER BY h.n DESC, h.campaign_id) AS campaign_id
                 FROM writers w, unnest(w.clusters) AS u(cluster_id)
                 JOIN home h ON h.platform = w.platform AND h.cluster_id = u.cluster_id GROUP BY 1, 2)
        SELECT w.platform, w.account_id, w.n_in, w.n_all, w.clusters, w.ids, pick.campaign_id
        FROM writers w LEFT JOIN pick USING (platform, account_id) ORDER BY 1, 2""").fetchall()


def _recurrent_templates(con, run: int, p: dict) -> None:
    """Fill the temporary table ``recurrent_templates`` with the informative clusters that several accounts write
    together under the same posts, day after day: the birthday-problem test of a campaign's template.

    An *occasion* is the post a comment answers (``coalesce(root_id, parent_id)``); items that answer no post take
    no part (a channel's house format, such as a forum's "looking for group" posts, recurs daily by design, and a
    day has no context that the null could know). For cluster ``c`` let ``k_o`` be the number of distinct
    accounts that wrote ``c`` on occasion ``o`` and ``u = sum_o k_o``. ``S = sum_o C(k_o, 2)`` counts the pairs of
    different writers that met on one occasion. If the ``u`` uses fell on occasions independently, in proportion
    to each occasion's number of items ``n_o`` (``N`` in all), ``S`` would be close to Poisson with mean
    ``C(u, 2) * sum_o (n_o / N)^2`` (the Poisson approximation of the birthday problem).

    The statistic leaves out the ``EXCLUDED_DAYS`` (3) consecutive days (by an occasion's first item) with the
    most pairs, and the pairs left must fall on at least two other days: a greeting that hundreds post once under
    the holiday posts of several channels over a holiday of up to three days, or a quote under one viral post,
    never counts; a template has to bring several writers together on two days outside its busiest three.
    (A week-long window was tried: it lost the sparse campaigns of the scenario family, recall 0.75-0.83.) Tested with Bonferroni over the informative clusters at ``template_recurrence_alpha``
    (0 turns the test off). Assumes writers choose occasions independently of each other; fails (too
    permissive) where organic readers of one page answer a series of posts on a running topic with the same
    informative sentence on several days (a slogan of a protest movement, a recurring petition text).
    """
    con.execute("CREATE OR REPLACE TEMP TABLE recurrent_templates (platform VARCHAR, cluster_id VARCHAR)")
    if float(p["template_recurrence_alpha"]) <= 0:
        return
    rows = con.execute(f"""
        WITH informative AS ({_informative_clusters_sql(run, p)}),
        occ AS (SELECT platform, item_id, created_at, coalesce(root_id, parent_id) AS o FROM items
                WHERE text IS NOT NULL AND coalesce(root_id, parent_id) IS NOT NULL),
        sizes AS (SELECT platform, o, count(*) AS n, CAST(min(created_at) AS DATE) AS day FROM occ GROUP BY 1, 2),
        norm AS (SELECT platform, sum(n * n) / (sum(n) * sum(n)) AS concentration FROM sizes GROUP BY 1),
        k AS (SELECT ci.platform, ci.cluster_id, oc.o, count(DISTINCT ci.account_id) AS k
              FROM cluster_items ci SEMI JOIN informative USING (platform, cluster_id)
              JOIN occ oc ON oc.platform = ci.platform AND oc.item_id = ci.item_id
              WHERE ci.run_id = {run} GROUP BY 1, 2, 3),
        d AS (SELECT k.platform, k.cluster_id, s.day, sum(k.k) AS u, sum(k.k * (k.k - 1) // 2) AS pairs
              FROM k JOIN sizes s USING (platform, o) GROUP BY 1, 2, 3),
        win AS (SELECT platform, cluster_id, day AS w0,
                       sum(pairs) OVER (PARTITION BY platform, cluster_id ORDER BY day
                                        RANGE BETWEEN CURRENT ROW AND INTERVAL {EXCLUDED_DAYS - 1} DAYS FOLLOWING) AS w
                FROM d),
        busiest AS (SELECT platform, cluster_id, arg_max(w0, w) AS w0 FROM win GROUP BY 1, 2)
        SELECT d.platform, d.cluster_id, sum(d.u) AS u,
               sum(d.pairs) FILTER (WHERE d.day NOT BETWEEN b.w0 AND b.w0 + {EXCLUDED_DAYS - 1}) AS s,
               count(*) FILTER (WHERE d.pairs > 0 AND d.day NOT BETWEEN b.w0 AND b.w0 + {EXCLUDED_DAYS - 1}),
               any_value(norm.concentration)
        FROM d JOIN busiest b USING (platform, cluster_id) JOIN norm USING (platform) GROUP BY 1, 2""").fetchall()
    if not rows:
        return
    threshold = float(p["template_recurrence_alpha"]) / len(rows)
    keep = [
        (platform, cluster_id)
        for platform, cluster_id, u, s, other_days, concentration in rows
        if other_days >= 2 and poisson_sf(s or 0, u * (u - 1) / 2 * concentration) <= threshold
    ]
    if keep:
        con.executemany("INSERT INTO recurrent_templates VALUES (?, ?)", keep)


def _is_layer(column: str, **declared) -> str:
    """SQL test that ``column`` names a declared layer whose declaration has the given values, e.g.
    ``timing_only=True``; ``false`` when no layer has them (``x NOT IN (NULL)`` would never be true)."""
    names = [
        f"'{name}'"
        for name, layer in declared_layers().items()
        if all(getattr(layer, k) == v for k, v in declared.items())
    ]
    return f"{column} IN ({', '.join(names)})" if names else "false"


def _informative_clusters_sql(run: int, p: dict) -> str:
    """Text clusters that can carry a flag: at least ``template_min_words`` distinct words in the example text and
    at most ``template_max_accounts`` accounts."""
    words = distinct_words_expr("coalesce(example_text, template)")
    return f"""SELECT platform, cluster_id FROM text_clusters WHERE run_id = {int(run)}
               AND n_accounts <= {int(p["template_max_accounts"])} AND {words} >= {int(p["template_min_words"])}"""


def _flag_basis(con, run_id: int, p: dict) -> set[tuple[str, str]]:
    """Accounts in at least one significant pair whose evidence is more than timing (see the module doc).

    Edges of a layer declared untested (``Layer.tested`` false: rule-based layers such as ``co_avatar``) and edges
    without a q-value never flag alone, whatever their ``significant`` column says; such a pair counts when both
    accounts also wrote the same informative template (a cluster as below), unless the layer is also timing-only
    (then it never counts). A timing pair counts when
    both accounts wrote a template *of their group*: a cross-account text cluster of at least
    ``template_min_words`` words and at most ``template_max_accounts`` accounts in which at least
    ``template_group_share`` of the accounts have a significant timing partner inside the cluster. A holiday
    greeting that hundreds post, two of them superfans who comment early on every post, is not."""
    run = int(run_id)
    timing, untested = _is_layer("s.layer", timing_only=True), _is_layer("s.layer", tested=False)
    timing_ok = "true" if p["timing_alone_flags"] else "false"
    rows = con.execute(f"""
        WITH sig AS (SELECT platform, account_a, account_b, layer, q_value FROM edges WHERE run_id = {run} AND significant),
        informative AS ({_informative_clusters_sql(run, p)}),
        clus AS (SELECT DISTINCT platform, account_id, cluster_id FROM cluster_items
                 SEMI JOIN informative USING (platform, cluster_id) WHERE run_id = {run}),
        written AS (SELECT platform, account_id, count(DISTINCT item_id) AS n_in FROM cluster_items
                    SEMI JOIN informative USING (platform, cluster_id) WHERE run_id = {run} GROUP BY 1, 2),
        tot AS ({_TEXTS_PER_ACCOUNT}),
        templated AS (SELECT platform, account_id FROM written JOIN tot USING (platform, account_id)
                      WHERE n_in >= {float(p["timing_template_item_share"])} * n_all),
        tp AS (SELECT DISTINCT s.platform, s.account_a, s.account_b, ca.cluster_id FROM sig s
               JOIN clus ca ON ca.platform = s.platform AND ca.account_id = s.account_a
               JOIN clus cb ON cb.platform = s.platform AND cb.account_id = s.account_b AND cb.cluster_id = ca.cluster_id
               SEMI JOIN templated ta ON ta.platform = s.platform AND ta.account_id = s.account_a
               SEMI JOIN templated tb ON tb.platform = s.platform AND tb.account_id = s.account_b
               WHERE {timing} AND NOT {untested}),
        inside AS (SELECT platform, cluster_id, count(DISTINCT acct) AS n_in FROM (
                     SELECT platform, cluster_id, account_a AS acct FROM tp
                     UNION ALL SELECT platform, cluster_id, account_b FROM tp) GROUP BY 1, 2),
        size AS (SELECT platform, cluster_id, count(*) AS n FROM clus GROUP BY 1, 2),
        own AS (SELECT platform, cluster_id FROM inside JOIN size USING (platform, cluster_id)
                WHERE n_in >= {float(p["template_group_share"])} * n),
        rule_pair AS (SELECT DISTINCT s.platform, s.account_a, s.account_b FROM sig s
               JOIN clus ca ON ca.platform = s.platform AND ca.account_id = s.account_a
               JOIN clus cb ON cb.platform = s.platform AND cb.account_id = s.account_b AND cb.cluster_id = ca.cluster_id
               WHERE (s.q_value IS NULL OR {untested}) AND NOT {timing}),
        basis AS (SELECT platform, account_a, account_b FROM sig s
                  WHERE q_value IS NOT NULL AND NOT {untested} AND (NOT {timing} OR {timing_ok})
                  UNION SELECT platform, account_a, account_b FROM tp SEMI JOIN own USING (platform, cluster_id)
                  UNION SELECT * FROM rule_pair)
        SELECT platform, account_a FROM basis UNION SELECT platform, account_b FROM basis""").fetchall()
    return {(platform, acct) for platform, acct in rows}


def _gallery_signals(con, run_id: int, p: dict, signals, flag_basis: set) -> None:
    """A profile picture found in a reference gallery (``gallery_matches``, written by ``shared_avatar``): the
    investigator's own list of stolen or generated photos, so it flags when ``gallery_flags`` is on."""
    for platform, acct, gallery, file_name, distance, how in con.execute(
        """SELECT platform, account_id, gallery, file_name, distance, how FROM gallery_matches
           WHERE run_id = ? ORDER BY 1, 2, distance, 3, 4""",
        [run_id],
    ).fetchall():
        text = (
            f"profile picture matches photo {file_name!r} of reference gallery {gallery!r} "
            f"({how}, distance {distance} of 64 bits)"
        )
        signals[(platform, acct)].append(("gallery", float(p["gallery_match"]), text, []))
        if p["gallery_flags"]:
            flag_basis.add((platform, acct))


def _face_signals(con, run_id: int, p: dict, signals) -> None:
    """A face in the profile picture close to a face of a reference gallery (``face_matches``, written by
    ``face_gallery`` when ``detect --faces`` asks): evidence of strength ``face_match`` for the closest face of
    each gallery, never a flag (look-alikes, relatives and uneven accuracy across groups of people)."""
    if not con.execute("SELECT 1 FROM face_matches WHERE run_id = ? LIMIT 1", [run_id]).fetchall():
        return
    for platform, acct, gallery, file_name, face, distance, limit, n_faces in con.execute(
        """SELECT platform, account_id, gallery, arg_min(file_name, (distance, file_name, face)),
                  arg_min(face, (distance, file_name, face)), min(distance), any_value(max_distance),
                  any_value(faces_in_picture)
           FROM face_matches WHERE run_id = ? GROUP BY 1, 2, 3 ORDER BY 1, 2, 6, 3""",
        [run_id],
    ).fetchall():
        among = (
            f"one of {n_faces} faces in the profile picture"
            if n_faces > 1
            else "the face in the profile picture"
        )
        text = (
            f"{among} resembles face {face + 1} of photo {file_name!r} of reference gallery {gallery!r} "
            f"(face distance {distance:.2f}, threshold {limit:.2f}; a resemblance to check by eye, not a flag)"
        )
        signals[(platform, acct)].append(("gallery_face", float(p["face_match"]), text, []))


def _account_signals(con, run_id: int, p: dict, signals, flag_basis: set) -> None:
    """Significant rows of ``account_signals`` (registration cohorts, generated names, focus and rhythm) as
    evidence with strength ``account_signal_strength * (1 - q)``. A signal declared ``flags_alone`` flags the
    account; every other one is added only to an account that a flagging layer already links (flagged, or with a
    significant edge in a layer not declared ``timing_only``), so that on its own it neither flags nor scores."""
    declared = declared_signals()
    layers = declared_layers()
    linked = set(flag_basis)
    for key, sigs in signals.items():
        if any(kind in layers and not layers[kind].timing_only for kind, _, _, _ in sigs):
            linked.add(key)
    for platform, acct, name, q, text, ids in con.execute(
        """SELECT platform, account_id, signal, q_value, description, item_ids FROM account_signals
           WHERE run_id = ? AND significant ORDER BY 1, 2, 3""",
        [run_id],
    ).fetchall():
        key = (platform, acct)
        decl = declared.get(name)
        if decl is not None and decl.flags_alone:
            flag_basis.add(key)
        elif key not in linked:
            continue
        strength = float(p["account_signal_strength"]) * (1.0 - float(q or 0.0))
        signals[key].append((name, strength, text, list(ids or [])))
