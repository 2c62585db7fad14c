"""Text coordination: account pairs that repeatedly write texts of the same rare template, whatever their timing.

Items that other items of the case answer (a page's own posts) are left out: cross-posted press releases are
not engagement. The unit of evidence is an *occasion*: a post an account commented under
(``coalesce(root_id, parent_id)``), or,
for items that answer no post, a calendar day. For every account ``a``, ``o_a`` is the number of its occasions
with text, and for every text cluster ``c`` that the near_duplicate detector wrote (or, when it wrote none, every
group of identical texts of at least ``min_chars`` characters), ``x_ac`` is the number of ``a``'s occasions on
which it wrote a text of ``c``. Posting the template ten times under one post counts once; posting it under ten
posts counts ten times.

**Depth.** Each cluster ``c`` has a popularity::

    pi_c = max(sum_a x_ac / sum_a o_a,  word_rarity ** d_c)

where ``d_c`` is the number of distinct words of the cluster's example text (its medoid; not of the template,
whose fixed part shrinks as slots and rewording grow): the second term is the chance that two people type the
same ``d_c`` words independently, so short or stock texts are never rare however seldom they occur in the case.
For a pair, ``k`` = posts under which both commented with a text of ``c`` and ``n_ab`` = posts under which both
commented at all; under independence ``p = P(Poisson(n_ab * pi_c^2) >= k)``, tested when ``k >= min_weight``.
Only comments count: an account posting its own submissions in a fixed format shares no post with anyone.

**Breadth.** Pairs sharing many different rare clusters (see :meth:`TextCoordinationDetector._breadth_tests`).

**Multiplicity.** Depth: every pair of accounts that commented with a cluster (``sum_c C(A_c, 2)``); breadth:
every pair of accounts with ``min_shared_templates`` rare clusters. Benjamini-Yekutieli within each test at
``fdr / 2``; an edge is ``significant`` when ``2 * min(q_depth, q_breadth) <= fdr``.

**Where it fails.** Accounts that post a template once (one-shot campaigns) give no edge here; scoring's
template-of-a-discovered-group rule and timing (coaction's ``co_reply``) have to carry them. Automated feeds that
post app-generated texts share many rare texts and are found by the breadth test. See
docs/methods/text_coordination.md.
"""

from __future__ import annotations

import pyarrow as pa

from botwatch.detectors.base import Detector, Interval, Layer, OneOf, RunContext, Setting
from botwatch.detectors.significance import fdr_qvalues, poisson_sf
from botwatch.store.sql import distinct_words_expr

LAYER = "co_text"
EVIDENCE_TEMPLATES = 3  # shared clusters per edge that its evidence items and lead/lag are drawn from
VIEW_ROWS_PER_PASS = 5_000_000  # evidence rows of the views summarised in one pass (memory at 1M)
EDGE_PAIRS_PER_PASS = (
    25_000  # pairs whose edge rows are built in one pass (memory at 1M: the DuckDB limit is 1 GB)
)

_TEMP_TABLES = (
    "_tc_occ",
    "_tc_k",
    "_tc_half",
    "_tc_kpi",
    "_tc_ap",
    "_tc_common",
    "_tc_kn",
    "_tc_acc",
    "_tc_cells",
    "_tc_clusters",
    "_tc_pairs",
    "_tc_ev",
    "_tc_first",
    "_tc_pi",
    "_tc_pckey",
    "_tc_pk",
    "_tc_keys",
    "_tc_vrows",
    "_tc_views",
    "_tc_kc",
    "_tc_vitems",
    "_tc_vposts",
    "_tc_aid",
    "_tc_cid",
)


def _groups_sql(run_id: int, use_clusters: bool, min_chars: int) -> str:
    """SELECT platform, cluster_id, item_id, template for every clustered item of the run."""
    if use_clusters:
        return f"""SELECT ci.platform, ci.cluster_id, ci.item_id, coalesce(tc.example_text, tc.template) AS template,
                          tc.n_accounts
                   FROM cluster_items ci JOIN text_clusters tc
                     ON tc.run_id = ci.run_id AND tc.cluster_id = ci.cluster_id AND tc.platform = ci.platform
                   WHERE ci.run_id = {int(run_id)} AND ci.cluster_id IS NOT NULL"""
    return f"""SELECT platform, 'text:' || md5(lower(trim(text))) AS cluster_id, item_id, lower(trim(text)) AS template,
                      count(DISTINCT account_id) OVER (PARTITION BY platform, lower(trim(text))) AS n_accounts
               FROM items WHERE text IS NOT NULL AND length(trim(text)) >= {int(min_chars)}"""


def _numbered_pairs(con, table: str, pairs_sql: str, extra: str = "") -> None:
    """``table``: the rows of ``pairs_sql`` (with ``platform``, ``account_a``, ``account_b``) with their accounts'
    numbers from ``_tc_aid`` as ``aa`` and ``ab``, and ``extra`` columns (SQL over ``p.aa`` and ``b.aid``, ending in
    a comma) first. One account per statement: joining both at once let DuckDB pair every two accounts of a
    platform first."""
    con.execute(f"""
        CREATE TEMP TABLE _tc_half AS SELECT p.*, a.aid AS aa FROM ({pairs_sql}) p
        JOIN _tc_aid a ON a.platform = p.platform AND a.account_id = p.account_a""")
    con.execute(f"""
        CREATE TEMP TABLE {table} AS SELECT {extra} p.*, b.aid AS ab FROM _tc_half p
        JOIN _tc_aid b ON b.platform = p.platform AND b.account_id = p.account_b""")
    con.execute("DROP TABLE _tc_half")


class TextCoordinationDetector(Detector):
    """Account pairs that repeatedly post texts of the same rare template, tested against template rarity.

    Parameters: ``min_weight`` (posts under which both accounts of a pair commented with the template; pairs
    below it are not tested), ``min_shared_templates`` and ``breadth_max_accounts`` (the breadth test), ``word_rarity`` (chance that a second person independently types one given word
    of a template; ``word_rarity ** distinct_words`` floors each template's popularity), ``max_accounts``
    (clusters used by more accounts are mass phrases and ignored), ``fdr`` and ``fdr_method`` (``"bh"`` or
    ``"by"``), ``min_chars`` (shortest text compared when no near_duplicate clusters exist),
    ``max_targets``/``max_evidence_items`` (caps of the lists stored on each edge).
    """

    name = "text_coordination"
    description = "Pairs of accounts that repeatedly post the same rare template, whatever their timing"
    requires = ("near_duplicate",)
    layers = (Layer(LAYER, "repeatedly posted the same rare template(s) as", targets="templates"),)
    tables = ("edges",)
    settings = (
        Setting(
            "min_weight",
            2,
            Interval(int, 1, None),
            "posts (or days) a pair must share a template on to be tested",
        ),
        Setting(
            "min_shared_templates",
            3,
            Interval(int, 2, None),
            "distinct rare templates a pair shares (breadth test)",
        ),
        Setting(
            "breadth_max_accounts",
            50,
            Interval(int, 2, None),
            "templates of more accounts skip the breadth test",
        ),
        Setting(
            "word_rarity",
            0.3,
            Interval(float, 0, 1, closed="neither"),
            "chance a stranger types one given word; rarity^distinct words floors a template's popularity",
        ),
        Setting(
            "max_accounts",
            5000,
            Interval(int, 2, None),
            "templates of more accounts are mass phrases, not tested",
        ),
        Setting(
            "fdr", 0.01, Interval(float, 0, 1, closed="neither"), "false-discovery rate of the pair tests"
        ),
        Setting(
            "fdr_method", "by", OneOf(("bh", "by")), "Benjamini-Hochberg or -Yekutieli (dependent pairs)"
        ),
        Setting(
            "min_chars", 20, Interval(int, 1, None), "shortest text compared when there are no text clusters"
        ),
        Setting("max_targets", 20, Interval(int, 1, 10_000), "templates listed per edge"),
        Setting("max_evidence_items", 50, Interval(int, 2, 10_000), "item ids cited per edge"),
    )

    def run(self, ctx: RunContext) -> dict:
        self.validate_params()
        con = ctx.con
        con.execute("DELETE FROM edges WHERE run_id = ? AND layer = ?", [ctx.run_id, LAYER])
        use_clusters = (
            con.execute("SELECT count(*) FROM cluster_items WHERE run_id = ?", [ctx.run_id]).fetchall()[0][0]
            > 0
        )
        try:
            summary = self._run(con, ctx.run_id, use_clusters)
        finally:
            for table in _TEMP_TABLES:
                con.execute(f"DROP TABLE IF EXISTS {table}")
        summary["target_source"] = "cluster_items" if use_clusters else "exact_text"
        self.summary_ = summary
        return summary

    def _prepare(self, con, run_id: int, use_clusters: bool) -> None:
        """Occasions per account (``_tc_acc``), account x cluster cells (``_tc_cells``) and cluster rarity."""
        p = self.params
        # A post that others in the case answer is a page's own news, not engagement with it: a press release
        # that eight official pages publish is not what this detector looks for.
        con.execute("""
            CREATE TEMP TABLE _tc_occ AS
            WITH answered AS (SELECT DISTINCT platform, coalesce(root_id, parent_id) AS item_id FROM items
                              WHERE coalesce(root_id, parent_id) IS NOT NULL)
            SELECT platform, account_id, item_id, created_at, coalesce(root_id, parent_id) AS post,
                   coalesce(root_id, parent_id, 'day:' || strftime(created_at, '%Y-%m-%d')) AS occ
            FROM items i ANTI JOIN answered a USING (platform, item_id)
            WHERE text IS NOT NULL AND trim(text) <> ''""")
        con.execute("""
            CREATE TEMP TABLE _tc_acc AS
            SELECT platform, account_id, count(DISTINCT occ) AS o FROM _tc_occ GROUP BY 1, 2""")
        groups = _groups_sql(run_id, use_clusters, p["min_chars"])
        con.execute(f"""
            CREATE TEMP TABLE _tc_ev AS
            SELECT g.platform, g.cluster_id, g.template, o.account_id, o.item_id, o.occ, o.post,
                   epoch(o.created_at) AS t
            FROM ({groups}) g JOIN _tc_occ o USING (platform, item_id)
            WHERE g.n_accounts BETWEEN 2 AND {int(p["max_accounts"])}""")
        # accounts numbered once, for the depth test's common posts and the edges' pair ids
        con.execute("""
            CREATE TEMP TABLE _tc_aid AS SELECT platform, account_id, row_number() OVER (
              ORDER BY platform, account_id) AS aid FROM (SELECT DISTINCT platform, account_id FROM _tc_ev)""")
        con.execute(f"""
            CREATE TEMP TABLE _tc_clusters AS
            WITH tot AS (SELECT platform, sum(o) AS n_occ FROM _tc_acc GROUP BY 1),
            c AS (SELECT platform, cluster_id, any_value(template) AS template,
                         count(DISTINCT (account_id, occ)) AS uses FROM _tc_ev GROUP BY 1, 2)
            SELECT c.platform, c.cluster_id,
                   greatest(c.uses / tot.n_occ,
                            pow({float(p["word_rarity"])}, {distinct_words_expr("c.template")})) AS pi
            FROM c JOIN tot USING (platform)""")
        con.execute("""
            CREATE TEMP TABLE _tc_cells AS
            SELECT platform, cluster_id, account_id, count(DISTINCT occ) AS x FROM _tc_ev GROUP BY 1, 2, 3""")

    def _run(self, con, run_id: int, use_clusters: bool) -> dict:
        p = self.params
        self._prepare(con, run_id, use_clusters)
        depth, m_depth = self._depth_tests(con)
        breadth, m_breadth = self._breadth_tests(con)
        summary = {
            "hypotheses_depth": m_depth,
            "hypotheses_breadth": m_breadth,
            "pairs_tested_depth": depth.num_rows,
            "pairs_tested_breadth": breadth.num_rows,
        }
        if depth.num_rows + breadth.num_rows == 0:
            return {**summary, "pairs_tested": 0, "significant": 0}
        con.register("_tc_depth", depth)
        con.register("_tc_breadth", breadth)
        try:
            # either test may find a pair; each runs at fdr / 2, so q = min(1, 2 * min(q_depth, q_breadth))
            con.execute(f"""
                CREATE TEMP TABLE _tc_pairs AS
                SELECT platform, account_a, account_b,
                       greatest(coalesce(d.weight, 0), coalesce(b.weight, 0)) AS weight,
                       CASE WHEN coalesce(d.p_value, 1) <= coalesce(b.p_value, 1) THEN d.expected
                            ELSE b.expected END AS expected,
                       least(1.0, 2 * least(coalesce(d.p_value, 1), coalesce(b.p_value, 1))) AS p_value,
                       least(1.0, 2 * least(coalesce(d.q_value, 1), coalesce(b.q_value, 1))) AS q_value,
                       2 * least(coalesce(d.q_value, 1), coalesce(b.q_value, 1)) <= {float(p["fdr"])} AS significant,
                       list_filter(list_concat(coalesce(d.clusters, []), coalesce(b.clusters, [])),
                                   lambda c, i: list_position(list_concat(coalesce(d.clusters, []),
                                                                       coalesce(b.clusters, [])), c) = i) AS clusters,
                       CASE WHEN d.q_value IS NULL THEN 'template_rarity(breadth)'
                            WHEN b.q_value IS NULL THEN 'template_rarity(depth)'
                            ELSE 'template_rarity(depth+breadth)' END AS null_model
                FROM _tc_depth d FULL OUTER JOIN _tc_breadth b USING (platform, account_a, account_b)""")
        finally:
            con.unregister("_tc_depth")
            con.unregister("_tc_breadth")
        self._write_edges(con, run_id)
        n_pairs, n_sig = con.execute("SELECT count(*), count_if(significant) FROM _tc_pairs").fetchall()[0]
        return {**summary, "pairs_tested": int(n_pairs), "significant": int(n_sig)}

    def _depth_tests(self, con) -> tuple[pa.Table, int]:
        """Pairs that wrote the same template under the same posts again and again (see the module doc).

        ``k`` = posts under which both accounts commented with a text of cluster ``c``; under independence each
        of the ``n_ab`` posts both commented under holds such a pair of comments with probability ``pi_c^2``, so
        ``p = P(Poisson(n_ab * pi_c^2) >= k)``, tested when ``k >= min_weight``. Hypotheses: every pair of
        accounts that commented with ``c`` (``sum_c C(A_c, 2)``). Only comments count: an account that posts its
        own submissions in a fixed format (looking-for-group, trading, game logs) shares no post with others."""
        p = self.params
        min_weight = int(p["min_weight"])
        con.execute(f"""
            CREATE TEMP TABLE _tc_k AS
            WITH cp AS (SELECT DISTINCT platform, cluster_id, account_id, post FROM _tc_ev WHERE post IS NOT NULL)
            SELECT a.platform, a.cluster_id, a.account_id AS account_a, b.account_id AS account_b, count(*) AS k
            FROM cp a JOIN cp b ON b.platform = a.platform AND b.cluster_id = a.cluster_id
                               AND b.post = a.post AND b.account_id > a.account_id
            GROUP BY 1, 2, 3, 4 HAVING count(*) >= {min_weight}""")
        self._common_posts(con)
        # two tables per statement: with three, DuckDB joined the pairs to every cluster of their platform first
        con.execute("""
            CREATE TEMP TABLE _tc_kn AS SELECT k.*, c.n_ab FROM _tc_k k
            JOIN _tc_common c USING (platform, account_a, account_b)""")
        combos = con.sql("""
            SELECT k.platform, k.cluster_id, k.account_a, k.account_b, k.k, k.n_ab, cl.pi
            FROM _tc_kn k JOIN _tc_clusters cl USING (platform, cluster_id)
            ORDER BY 1, 3, 4, 2""").to_arrow_table()
        for table in ("_tc_k", "_tc_common", "_tc_kn"):
            con.execute(f"DROP TABLE {table}")
        m = con.execute(
            "SELECT coalesce(sum(n * (n - 1) // 2), 0) FROM (SELECT count(DISTINCT account_id) AS n "
            "FROM _tc_ev WHERE post IS NOT NULL GROUP BY platform, cluster_id)"
        ).fetchall()[0][0]
        k = combos.column("k").to_numpy()
        lam = combos.column("n_ab").to_numpy() * combos.column("pi").to_numpy() ** 2
        pv = poisson_sf(k, lam)
        qv = fdr_qvalues(pv, max(int(m), len(pv)), p["fdr_method"])
        combos_p = (
            combos.select(["platform", "cluster_id", "account_a", "account_b", "k"])
            .append_column("expected", pa.array(lam))
            .append_column("p_value", pa.array(pv))
            .append_column("q_value", pa.array(qv))
        )
        con.register("_tc_combos", combos_p)
        try:
            out = con.sql("""
                SELECT platform, account_a, account_b, sum(k) AS weight,
                       first(expected ORDER BY p_value, cluster_id) AS expected,
                       min(p_value) AS p_value, min(q_value) AS q_value,
                       list(cluster_id ORDER BY p_value, cluster_id) AS clusters
                FROM _tc_combos GROUP BY 1, 2, 3 ORDER BY 1, 2, 3""").to_arrow_table()
        finally:
            con.unregister("_tc_combos")
        return out, int(m)

    @staticmethod
    def _common_posts(con) -> None:
        """``_tc_common(platform, account_a, account_b, n_ab)``: for each pair of ``_tc_k``, the posts both
        accounts commented under, counted on numbered accounts and only over the posts of accounts in a pair
        (joined on strings, every pair with every post of its first account was most of the depth test)."""
        _numbered_pairs(con, "_tc_kpi", "SELECT DISTINCT platform, account_a, account_b FROM _tc_k")
        con.execute("""
            CREATE TEMP TABLE _tc_ap AS SELECT DISTINCT a.aid, o.post FROM _tc_occ o
            JOIN _tc_aid a USING (platform, account_id)
            WHERE o.post IS NOT NULL AND a.aid IN (SELECT aa FROM _tc_kpi UNION SELECT ab FROM _tc_kpi)""")
        con.execute("""
            CREATE TEMP TABLE _tc_common AS
            WITH n AS (SELECT p.aa, p.ab, count(*) AS n_ab FROM _tc_kpi p
                       JOIN _tc_ap a ON a.aid = p.aa JOIN _tc_ap b ON b.aid = p.ab AND b.post = a.post
                       GROUP BY 1, 2)
            SELECT p.platform, p.account_a, p.account_b, n.n_ab FROM _tc_kpi p JOIN n USING (aa, ab)""")
        for table in ("_tc_kpi", "_tc_ap"):
            con.execute(f"DROP TABLE {table}")

    def _breadth_tests(self, con) -> tuple[pa.Table, int]:
        """Pairs that share more distinct rare templates than their numbers of templates explain.

        Only templates used by at most ``breadth_max_accounts`` accounts count (sharing a popular one says
        little). Account ``a`` uses ``n_a`` of them; under independence it picks template ``c`` with probability
        about ``n_a * w_c`` (``w_c`` = the template's share of account-template uses), so two accounts share
        ``lambda = n_a * n_b * sum_c w_c^2`` templates on average and ``p = P(Poisson(lambda) >= K)`` for ``K``
        shared ones (tested when ``K >= min_shared_templates``; hypotheses: every pair of accounts with that many
        templates)."""
        p = self.params
        cap, k_min = int(p["breadth_max_accounts"]), int(p["min_shared_templates"])
        con.execute(f"""
            CREATE TEMP TABLE _tc_rare AS
            WITH w AS (SELECT platform, cluster_id FROM _tc_cells GROUP BY 1, 2 HAVING count(*) <= {cap}),
            cells AS (SELECT c.platform, c.cluster_id, c.account_id FROM _tc_cells c SEMI JOIN w USING (platform, cluster_id)),
            n AS (SELECT platform, account_id, count(*) AS n FROM cells GROUP BY 1, 2 HAVING n >= {k_min})
            SELECT c.*, n.n FROM cells c JOIN n USING (platform, account_id)""")
        try:
            m = con.execute(
                "SELECT coalesce(sum(a * (a - 1) // 2), 0) FROM "
                "(SELECT count(DISTINCT account_id) AS a FROM _tc_rare GROUP BY platform)"
            ).fetchall()[0][0]
            pairs = con.sql(f"""
                WITH s AS (SELECT platform, sum(a_c * a_c) / (sum(a_c) * sum(a_c)) AS s
                           FROM (SELECT platform, cluster_id, count(*) AS a_c FROM _tc_cells GROUP BY 1, 2
                                 HAVING count(*) <= {cap}) GROUP BY 1)
                SELECT a.platform, a.account_id AS account_a, b.account_id AS account_b, count(*) AS weight,
                       any_value(a.n) * any_value(b.n) * any_value(s.s) AS expected,
                       list(a.cluster_id ORDER BY a.cluster_id) AS clusters
                FROM _tc_rare a JOIN _tc_rare b ON b.platform = a.platform AND b.cluster_id = a.cluster_id
                                               AND b.account_id > a.account_id
                JOIN s ON s.platform = a.platform
                GROUP BY 1, 2, 3 HAVING count(*) >= {k_min} ORDER BY 1, 2, 3""").to_arrow_table()
        finally:
            con.execute("DROP TABLE IF EXISTS _tc_rare")
        pv = poisson_sf(pairs.column("weight").to_numpy(), pairs.column("expected").to_numpy())
        qv = fdr_qvalues(pv, max(int(m), len(pv)), p["fdr_method"])
        out = pairs.append_column("p_value", pa.array(pv)).append_column("q_value", pa.array(qv))
        return out.select(
            ["platform", "account_a", "account_b", "weight", "expected", "p_value", "q_value", "clusters"]
        ), int(m)

    def _write_edges(self, con, run_id: int) -> None:
        """One edge per tested pair: weight = shared occasions, targets = shared clusters (rarest first),
        evidence = both accounts' items in them (interleaved, capped); lead/lag from the posts both answered.
        Evidence and lead/lag come from the pair's ``EVIDENCE_TEMPLATES`` most significant shared clusters, each
        account contributing its earliest ``max_evidence_items / 2`` items per cluster: that bounds the work for
        prolific accounts sharing many templates (32k pairs x 18 templates at 1M).

        What one side of a pair contributes depends only on the account and the pair's set of evidence clusters
        (its *view*), and the members of a campaign share their templates: a view's items (in time order), first
        and last times and first answer per post are found once per view (thousands), not once per pair and
        side (243k pairs x 2 in a 1M scenario cell), and each pair only interleaves its two views' item lists and
        matches their posts. Accounts, clusters and pairs are numbered first, so the joins run on integers. Edge
        rows are built in passes of about ``EDGE_PAIRS_PER_PASS`` pairs, so memory stays bounded whatever the
        number of pairs."""
        con.execute("""
            CREATE TEMP TABLE _tc_cid AS SELECT platform, cluster_id, row_number() OVER (
              ORDER BY platform, cluster_id) AS cid FROM (SELECT DISTINCT platform, cluster_id FROM _tc_ev)""")
        n_aid = con.execute("SELECT count(*) FROM _tc_aid").fetchall()[0][0]
        _numbered_pairs(con, "_tc_pi", "SELECT * FROM _tc_pairs", f"p.aa * {int(n_aid) + 1} + b.aid AS pid, ")
        self._views(con)
        n_pairs = con.execute("SELECT count(*) FROM _tc_pi").fetchall()[0][0]
        passes = max(1, -(-int(n_pairs) // EDGE_PAIRS_PER_PASS))
        for c in range(passes):
            self._write_edge_pass(con, run_id, f"pid % {passes} = {c}" if passes > 1 else "true")

    def _views(self, con) -> None:
        """Each pair's set of evidence clusters (``_tc_pk``: pid -> kid) and, per view (kid, aid) that a pair
        uses: its items in (time, id) order, capped at ``max_evidence_items`` (a pair never cites more of one
        side), first and last times (``_tc_vitems``), and its earliest comment per post (``_tc_vposts``)."""
        max_e = int(self.params["max_evidence_items"])
        per_side = -(-max_e // 2)
        con.execute(f"""
            CREATE TEMP TABLE _tc_pckey AS
            WITH pc AS (SELECT pid, platform, unnest(list_slice(clusters, 1, {EVIDENCE_TEMPLATES})) AS cluster_id
                        FROM _tc_pi)
            SELECT pc.pid, list_sort(list(c.cid)) AS ckey FROM pc JOIN _tc_cid c USING (platform, cluster_id)
            GROUP BY pc.pid""")
        con.execute("""
            CREATE TEMP TABLE _tc_keys AS
            SELECT ckey, row_number() OVER (ORDER BY ckey) AS kid FROM (SELECT DISTINCT ckey FROM _tc_pckey)""")
        con.execute("CREATE TEMP TABLE _tc_pk AS SELECT pid, kid FROM _tc_pckey JOIN _tc_keys USING (ckey)")
        con.execute("DROP TABLE _tc_pckey")
        con.execute("""
            CREATE TEMP TABLE _tc_views AS
            SELECT DISTINCT pk.kid, unnest([pi.aa, pi.ab]) AS aid FROM _tc_pk pk JOIN _tc_pi pi USING (pid)""")
        con.execute("CREATE TEMP TABLE _tc_kc AS SELECT kid, unnest(ckey) AS cid FROM _tc_keys")
        # each account's earliest items per cluster, in the (cluster, account) cells some view reads
        con.execute(f"""
            CREATE TEMP TABLE _tc_first AS
            WITH cells AS (SELECT DISTINCT kc.cid, v.aid FROM _tc_views v JOIN _tc_kc kc USING (kid))
            SELECT c.cid, a.aid, e.item_id, e.post, e.t
            FROM _tc_ev e JOIN _tc_aid a USING (platform, account_id) JOIN _tc_cid c USING (platform, cluster_id)
            SEMI JOIN cells ON cells.cid = c.cid AND cells.aid = a.aid
            QUALIFY row_number() OVER (PARTITION BY c.cid, a.aid ORDER BY e.t, e.item_id) <= {per_side}""")
        rows = """SELECT v.kid, v.aid, f.item_id, f.post, f.t
            FROM _tc_views v JOIN _tc_kc kc USING (kid) JOIN _tc_first f ON f.cid = kc.cid AND f.aid = v.aid"""
        # views that share nothing (every pair its own clusters) hold as many rows as the pairs' evidence: passes,
        # sized from the rows per cell (without building the rows twice)
        n_rows = con.execute("""
            WITH n AS (SELECT cid, aid, count(*) AS n FROM _tc_first GROUP BY 1, 2)
            SELECT coalesce(sum(n.n), 0) FROM _tc_views v JOIN _tc_kc kc USING (kid)
            JOIN n ON n.cid = kc.cid AND n.aid = v.aid""").fetchall()[0][0]
        passes = max(1, -(-int(n_rows) // VIEW_ROWS_PER_PASS))
        con.execute(
            "CREATE TEMP TABLE _tc_vitems (kid BIGINT, aid BIGINT, first_t DOUBLE, last_t DOUBLE, items VARCHAR[])"
        )
        con.execute("CREATE TEMP TABLE _tc_vposts (kid BIGINT, aid BIGINT, post VARCHAR, t DOUBLE)")
        for c in range(passes):
            only = f"WHERE (v.kid * 1000003 + v.aid) % {passes} = {c}" if passes > 1 else ""
            con.execute(f"CREATE TEMP TABLE _tc_vrows AS {rows} {only}")
            con.execute(f"""
                INSERT INTO _tc_vitems
                SELECT kid, aid, min(t), max(t), list_slice(list(item_id ORDER BY t, item_id), 1, {max_e})
                FROM _tc_vrows GROUP BY 1, 2""")
            con.execute("""
                INSERT INTO _tc_vposts
                SELECT kid, aid, post, min(t) FROM _tc_vrows WHERE post IS NOT NULL GROUP BY 1, 2, 3""")
            con.execute("DROP TABLE _tc_vrows")
        for table in ("_tc_views", "_tc_kc", "_tc_first"):
            con.execute(f"DROP TABLE {table}")

    def _write_edge_pass(self, con, run_id: int, only: str) -> None:
        """The edge rows of the numbered pairs (``_tc_pi``) that ``only`` (a condition on ``pid``) keeps: side 0
        is account_a (the lower account id), side 1 account_b; the evidence alternates the two sides' items in
        time order (a1, b1, a2, b2, ..., then the longer side's rest)."""
        max_t, max_e = int(self.params["max_targets"]), int(self.params["max_evidence_items"])
        con.execute(f"""
            INSERT INTO edges BY NAME
            WITH pp AS (SELECT pi.pid, pi.aa, pi.ab, pk.kid FROM _tc_pi pi JOIN _tc_pk pk USING (pid)
                        WHERE {only}),
            lags AS (SELECT pp.pid, count_if(b.t - a.t > 0) AS a_leads, count_if(b.t - a.t < 0) AS b_leads,
                            median(abs(b.t - a.t)) AS median_lag_s
                     FROM pp JOIN _tc_vposts a ON a.kid = pp.kid AND a.aid = pp.aa
                     JOIN _tc_vposts b ON b.kid = pp.kid AND b.aid = pp.ab AND b.post = a.post
                     GROUP BY 1),
            items AS (SELECT pp.pid, least(a.first_t, b.first_t) AS first_t, greatest(a.last_t, b.last_t) AS last_t,
                             a.items AS ia, b.items AS ib
                      FROM pp LEFT JOIN _tc_vitems a ON a.kid = pp.kid AND a.aid = pp.aa
                      LEFT JOIN _tc_vitems b ON b.kid = pp.kid AND b.aid = pp.ab
                      WHERE a.items IS NOT NULL OR b.items IS NOT NULL)
            SELECT {int(run_id)} AS run_id, pr.platform, pr.account_a, pr.account_b, '{LAYER}' AS layer, pr.weight,
                   make_timestamp(CAST(i.first_t * 1e6 AS BIGINT)) AS first_at,
                   make_timestamp(CAST(i.last_t * 1e6 AS BIGINT)) AS last_at,
                   coalesce(l.a_leads, 0) AS a_leads, coalesce(l.b_leads, 0) AS b_leads, l.median_lag_s,
                   pr.expected, pr.p_value, pr.q_value, pr.significant, pr.null_model,
                   list_slice(pr.clusters, 1, {max_t}) AS targets,
                   list_slice(list_filter(flatten(list_transform(
                       range(1, greatest(len(i.ia), len(i.ib)) + 1), lambda k: [i.ia[k], i.ib[k]])),
                       lambda x: x IS NOT NULL), 1, {max_e}) AS evidence_item_ids
            FROM _tc_pi pr JOIN items i USING (pid)
            LEFT JOIN lags l USING (pid)
            WHERE {only}
            ORDER BY pr.platform, pr.account_a, pr.account_b""")
