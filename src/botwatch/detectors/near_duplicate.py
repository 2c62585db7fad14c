"""Near-duplicate and templated texts posted by several accounts.

For each platform, every item with text is normalised (:mod:`botwatch.text.normalize`: case, homoglyphs,
Kazakh Latin, links, mentions, emoji, punctuation, numbers). Texts with fewer than ``min_tokens`` tokens are
skipped: "Спасибо!" or "Молодец" are repeated by people too and say nothing about coordination. Identical
normalised texts are merged; the distinct ones are shingled (word ``shingle_size``-grams), MinHashed with
``num_perm`` permutations drawn from the run's seed, and paired by LSH banding tuned to ``threshold``
(:mod:`botwatch.text.minhash`). Candidate pairs are kept when their exact shingle Jaccard is at least
``threshold``, and union-find over the kept pairs gives the word-set components ("families": a component with
two or more items).

**Paraphrase pass** (``paraphrase``, on by default): copies reworded by swapping clauses, dropping words,
changing inflections (заботится/позаботился, народ/народа/народу) or mixing in Kazakh words fall out of their
family's word set. Each distinct text also gets an order-free set of *terms* (:mod:`botwatch.text.paraphrase`:
Russian lemmas from pymorphy3, the first ``paraphrase_prefix`` letters of Kazakh and other words, stop-words
dropped); texts with fewer than ``paraphrase_min_terms`` terms take no part. A second MinHash-LSH pass over the
term sets, verified by their exact Jaccard (at least ``paraphrase_threshold``), links texts; two families
linked this way merge, and a lone text (posted once, with no near-duplicate) joins the one family it is most
similar to. Two lone texts are never joined by the paraphrase pass alone: organic comments on one subject do
not chain into a cluster. A cluster is reported when at least ``min_accounts`` distinct accounts posted in it.

For each cluster the medoid (the text most similar to the rest by word sets, weighted by how often each text
occurs) is the reference, and its family is the cluster's core: ``cluster_items.similarity`` is each core
item's word-set Jaccard with the medoid (in [0, 1]); an item that joined through the paraphrase pass has
**minus** its term-set Jaccard with the medoid (in [-1, -0.001]), so ``similarity < 0`` marks it. The template
(:mod:`botwatch.text.template`) is aligned on the core items only. Clusters are numbered ``T1, T2, …`` by
number of accounts (descending), then first appearance.

The defaults (word sets, ``threshold`` 0.6, ``min_tokens`` 4, ``min_accounts`` 3) were chosen on the synthetic
demo investigation and planted templates with word substitutions; ``paraphrase_threshold`` 0.45 and
``paraphrase_min_terms`` 6 on half of the templates of ``benchmarks/paraphrase.py`` (see
docs/methods/near_duplicate.md for the measurements and the trade-offs).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from botwatch.detectors.base import Detector, Interval, IsBool, RunContext, Setting
from botwatch.parallel import release_memory
from botwatch.text.minhash import (
    Shingles,
    choose_bands,
    connected_components,
    jaccard_pairs,
    near_duplicate_pairs,
    shingle_texts,
    sorted_unique,
)
from botwatch.text.normalize import SWITCH_HELP, SWITCHES, normalize_texts
from botwatch.text.paraphrase import attach_paraphrases, paraphrase_links, term_sets
from botwatch.text.template import extract_template

MEDOID_CANDIDATES = 60  # distinct texts considered as a cluster's medoid (the most frequent ones)
TEMPLATE_TEXTS = 300  # items aligned for a cluster's template (the earliest ones)
EXAMPLE_CHARS = 1000
PARAPHRASE_SIMILARITY_FLOOR = 0.001  # |similarity| of an item joined through the paraphrase pass, at least
STAT_KEYS = (
    "n_texts",
    "n_texts_compared",
    "n_distinct_texts",
    "n_pairs",
    "n_paraphrase_pairs",
    "n_paraphrase_items",
)


@dataclass
class _Groups:
    """The components large enough to report (``big``) with, per eligible item, its time, id and account."""

    big: np.ndarray
    n_accounts: np.ndarray  # per component
    members_of: list[np.ndarray]  # eligible items of each large component
    created: np.ndarray
    item_ids: np.ndarray
    account_ids: np.ndarray


@dataclass
class _Texts:
    """Per large component: (medoid text, members' similarity), core mask, template items, medoid item; the raw
    texts read again and the display texts of the template items."""

    medoids: list[tuple[int, np.ndarray]]
    cores: list[np.ndarray]
    template_members: list[np.ndarray]
    medoid_items: list
    raw: dict[str, str]
    display_of: dict[int, str]


class NearDuplicateDetector(Detector):
    name = "near_duplicate"
    description = "Clusters of near-identical or templated texts posted by several accounts (MinHash LSH)."
    tables = ("text_clusters", "cluster_items")
    settings = (
        Setting(
            "threshold",
            0.6,
            Interval(float, 0.0, 1.0),
            "word-set Jaccard at which two texts are near-duplicates",
        ),
        Setting("num_perm", 64, Interval(int, 4, 1024), "MinHash permutations per text (precision vs time)"),
        Setting("shingle_size", 1, Interval(int, 1, 8), "words per shingle (1: order-free word sets)"),
        Setting(
            "min_tokens", 4, Interval(int, 1, None), 'texts with fewer words are not compared ("Спасибо!")'
        ),
        Setting(
            "min_accounts", 3, Interval(int, 1, None), "distinct accounts a cluster needs to be reported"
        ),
        Setting(
            "max_bucket",
            50,
            Interval(int, 2, None),
            "LSH buckets larger than this are linked as a star and chain, not all pairs",
        ),
        Setting(
            "paraphrase", True, IsBool(), "second pass over order-free lemma/stem sets for reworded copies"
        ),
        Setting(
            "paraphrase_threshold", 0.45, Interval(float, 0.0, 1.0), "term-set Jaccard of the paraphrase pass"
        ),
        Setting(
            "paraphrase_min_terms", 6, Interval(int, 1, None), "texts with fewer terms take no part in it"
        ),
        Setting(
            "paraphrase_prefix", 5, Interval(int, 2, 32), "letters kept of a Kazakh or other non-Russian word"
        ),
        *(
            Setting(switch, True, IsBool(), f"normalisation: fold {SWITCH_HELP[switch]}")
            for switch in SWITCHES
        ),
    )

    def run(self, ctx: RunContext) -> dict:
        self.validate_params()
        started = time.perf_counter()
        con = ctx.con
        con.execute("DELETE FROM text_clusters WHERE run_id = ?", [ctx.run_id])
        con.execute("DELETE FROM cluster_items WHERE run_id = ?", [ctx.run_id])
        platforms = [
            r[0]
            for r in con.execute(
                "SELECT DISTINCT platform FROM items WHERE text IS NOT NULL AND trim(text) <> '' ORDER BY 1"
            ).fetchall()
        ]
        clusters: list[dict] = []
        stats = dict.fromkeys(STAT_KEYS, 0)
        for platform in platforms:
            found, platform_stats = self._cluster_platform(platform, int(ctx.seed), con)
            clusters.extend(found)
            for key, value in platform_stats.items():
                stats[key] += value
        clusters.sort(key=lambda c: (-c["n_accounts"], c["first_at"], c["platform"], c["medoid_item"]))
        self._write(con, ctx.run_id, clusters)
        bands, rows = choose_bands(float(self.params["threshold"]), int(self.params["num_perm"]))
        summary = {
            "n_clusters": len(clusters),
            "n_items": sum(c["n_items"] for c in clusters),
            "n_accounts": len({(c["platform"], a) for c in clusters for a in c["account_id"]}),
            **stats,
            "lsh_bands": bands,
            "lsh_rows": rows,
            "seconds": round(time.perf_counter() - started, 3),
            "parameters": self.get_params(),
        }
        self.summary_ = summary
        return summary

    # -- one platform ------------------------------------------------------------------------------------------
    def _switches(self) -> dict:
        return {switch: bool(self.params[switch]) for switch in SWITCHES}

    def _read_normalised(self, con, platform: str) -> tuple[pa.Table, pa.Array]:
        """Ids, accounts and times of the platform's items with text, and their normalised texts; the raw texts
        are dropped once normalised (the few shown are read again at the end: memory at 1M)."""
        items = con.sql(
            "SELECT item_id, account_id, created_at, text FROM items "
            "WHERE platform = ? AND text IS NOT NULL AND trim(text) <> '' ORDER BY item_id",
            params=[platform],
        ).to_arrow_table()
        norm = (
            normalize_texts(items["text"], **self._switches())
            if items.num_rows
            else pa.array([], pa.string())
        )
        items = items.drop_columns(["text"])
        release_memory()
        return items, norm

    def _cluster_platform(self, platform: str, seed: int, con) -> tuple[list[dict], dict]:
        """One platform's clusters and counts: eligible distinct texts, their word-set families merged by the
        paraphrase pass, the components of enough accounts, then each one's medoid, core and template."""
        items, norm = self._read_normalised(con, platform)
        stats = {**dict.fromkeys(STAT_KEYS, 0), "n_texts": items.num_rows}
        found = self._distinct_eligible(norm, stats)
        del norm  # the distinct texts are all that is needed from here on (memory at 1M)
        release_memory()
        if found is None:
            return [], stats
        eligible, distinct, text_of = found
        shingles, word_component, terms, distinct_component = self._components(distinct, text_of, seed, stats)
        component = distinct_component[text_of]  # per eligible item
        groups = self._large_components(items, eligible, component, len(distinct))
        if groups is None:
            return [], stats
        texts = self._cluster_texts(con, platform, shingles, word_component, text_of, groups)
        clusters = [
            self._cluster_record(platform, groups, texts, terms, text_of, n, stats)
            for n in range(len(groups.big))
        ]
        return clusters, stats

    def _distinct_eligible(
        self, norm: pa.Array, stats: dict
    ) -> tuple[np.ndarray, pa.Array, np.ndarray] | None:
        """The items with at least ``min_tokens`` tokens (indices), their distinct normalised texts, and the
        distinct text of each eligible item; None when fewer than two are eligible."""
        if len(norm) == 0:
            return None
        n_tok = pc.list_value_length(pc.utf8_split_whitespace(norm)).to_numpy(zero_copy_only=False)
        n_tok = np.where(pc.utf8_length(norm).to_numpy(zero_copy_only=False) == 0, 0, n_tok)
        eligible = np.flatnonzero(n_tok >= int(self.params["min_tokens"]))
        stats["n_texts_compared"] = len(eligible)
        if len(eligible) < 2:
            return None
        encoded = pc.dictionary_encode(norm.take(pa.array(eligible)))
        distinct = encoded.dictionary
        text_of = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)  # eligible item -> distinct
        stats["n_distinct_texts"] = len(distinct)
        return eligible, distinct, text_of

    def _components(self, distinct: pa.Array, text_of: np.ndarray, seed: int, stats: dict) -> tuple:
        """Shingles of the distinct texts, their word-set components (MinHash-LSH pairs verified at
        ``threshold``), their term sets (None without the paraphrase pass) and the components after it."""
        p = self.params
        shingles = shingle_texts(distinct, k=int(p["shingle_size"]))
        release_memory()
        pairs, _ = near_duplicate_pairs(
            shingles,
            threshold=float(p["threshold"]),
            num_perm=int(p["num_perm"]),
            seed=seed,
            max_bucket=int(p["max_bucket"]),
        )
        stats["n_pairs"] = len(pairs)
        release_memory()
        word_component = connected_components(len(distinct), pairs)  # per distinct text
        if not p["paraphrase"]:
            return shingles, word_component, None, word_component
        terms = term_sets(
            distinct, prefix=int(p["paraphrase_prefix"]), min_terms=int(p["paraphrase_min_terms"])
        )
        release_memory()
        occurrences = np.bincount(text_of, minlength=len(distinct))
        links, sim = paraphrase_links(
            terms,
            word_component,
            occurrences,
            threshold=float(p["paraphrase_threshold"]),
            num_perm=int(p["num_perm"]),
            seed=seed,
            max_bucket=int(p["max_bucket"]),
        )
        distinct_component, n_links = attach_paraphrases(word_component, occurrences, links, sim)
        stats["n_paraphrase_pairs"] = n_links
        release_memory()
        return shingles, word_component, terms, distinct_component

    def _large_components(
        self, items: pa.Table, eligible: np.ndarray, component: np.ndarray, n_distinct: int
    ) -> _Groups | None:
        """The components with at least ``min_accounts`` distinct accounts and two items, and the members,
        times, ids and accounts of the eligible items; None when there is none."""
        accounts = pc.dictionary_encode(items["account_id"].take(pa.array(eligible))).combine_chunks()
        account_code = accounts.indices.to_numpy(zero_copy_only=False).astype(np.int64)
        pair_code = sorted_unique(component * (len(accounts.dictionary) + 1) + account_code)
        n_accounts = np.bincount(pair_code // (len(accounts.dictionary) + 1), minlength=n_distinct)
        big = np.flatnonzero(n_accounts >= max(int(self.params["min_accounts"]), 1))
        n_items_per = np.bincount(component, minlength=n_distinct)
        big = big[n_items_per[big] >= 2]
        if len(big) == 0:
            return None
        order = np.argsort(component, kind="stable")
        starts = np.searchsorted(component[order], big)
        return _Groups(
            big=big,
            n_accounts=n_accounts,
            members_of=[order[s : s + n_items_per[c]] for s, c in zip(starts, big)],
            created=items["created_at"].take(pa.array(eligible)).to_numpy(zero_copy_only=False),
            item_ids=np.asarray(items["item_id"].take(pa.array(eligible)).to_pylist(), dtype=object),
            account_ids=np.asarray(accounts.dictionary.to_pylist(), dtype=object)[account_code],
        )

    def _cluster_texts(
        self, con, platform: str, shingles, word_component, text_of, groups: _Groups
    ) -> _Texts:
        """The medoid of each cluster (by word sets) and its word-set component: the cluster's core. Items
        outside the core joined through the paraphrase pass; the template is aligned on core items only, in a
        display normalisation that keeps numbers, for the earliest ``TEMPLATE_TEXTS`` core items."""
        item_ids, created, members_of = groups.item_ids, groups.created, groups.members_of
        medoids = [_medoid_and_similarity(shingles, text_of[members]) for members in members_of]
        cores = [
            word_component[text_of[m]] == word_component[medoid]
            for m, (medoid, _) in zip(members_of, medoids)
        ]
        template_members = [
            m[core][np.lexsort((item_ids[m[core]].astype(str), created[m[core]]))][:TEMPLATE_TEXTS]
            for m, core in zip(members_of, cores)
        ]
        medoid_items = [
            at[np.lexsort((item_ids[at].astype(str), created[at]))][0]
            for at in (m[text_of[m] == medoid] for m, (medoid, _) in zip(members_of, medoids))
        ]
        flat = np.concatenate(template_members)
        raw = _raw_texts(con, platform, item_ids[np.concatenate([flat, medoid_items])])
        display_switches = {**self._switches(), "numbers": False}
        display = normalize_texts(
            pa.array([raw[i] for i in item_ids[flat]], pa.string()), **display_switches
        ).to_pylist()
        return _Texts(medoids, cores, template_members, medoid_items, raw, dict(zip(flat.tolist(), display)))

    @staticmethod
    def _cluster_record(platform: str, groups: _Groups, texts: _Texts, terms, text_of, n: int, stats) -> dict:
        """Cluster ``n`` as a row: its template, counts, times, example and members with their similarity
        (minus the term-set Jaccard with the medoid for an item that joined through the paraphrase pass)."""
        c, members, core = groups.big[n], groups.members_of[n], texts.cores[n]
        medoid_text, similarity = texts.medoids[n]
        medoid_item = texts.medoid_items[n]
        if not core.all():
            outside = text_of[members[~core]]
            joined = jaccard_pairs(terms, np.stack([np.full(len(outside), medoid_text), outside], axis=1))
            similarity = similarity.copy()
            similarity[~core] = -np.maximum(joined, PARAPHRASE_SIMILARITY_FLOOR)
            stats["n_paraphrase_items"] += int((~core).sum())
        tmpl_texts = [texts.display_of[i] for i in texts.template_members[n].tolist()]
        medoid_display = texts.display_of.get(int(medoid_item))
        medoid_pos = tmpl_texts.index(medoid_display) if medoid_display in tmpl_texts else None
        template = extract_template(tmpl_texts, medoid=medoid_pos)
        example = texts.raw[groups.item_ids[medoid_item]] or ""
        return {
            "platform": platform,
            "template": template.text,
            "slots": json.dumps(template.slots, ensure_ascii=False),
            "n_items": len(members),
            "n_accounts": int(groups.n_accounts[c]),
            "first_at": groups.created[members].min(),
            "last_at": groups.created[members].max(),
            "example_text": example[:EXAMPLE_CHARS],
            "medoid_item": str(groups.item_ids[medoid_item]),
            "item_id": groups.item_ids[members].tolist(),
            "account_id": groups.account_ids[members].tolist(),
            "similarity": similarity.tolist(),
        }

    # -- output ------------------------------------------------------------------------------------------------
    @staticmethod
    def _write(con, run_id: int, clusters: list[dict]) -> None:
        if not clusters:
            return
        ids = [f"T{i + 1}" for i in range(len(clusters))]
        head = pa.table(
            {
                "run_id": pa.array([run_id] * len(clusters), pa.int32()),
                "cluster_id": ids,
                "platform": [c["platform"] for c in clusters],
                "template": [c["template"] for c in clusters],
                "slots": [c["slots"] for c in clusters],
                "n_items": pa.array([c["n_items"] for c in clusters], pa.int64()),
                "n_accounts": pa.array([c["n_accounts"] for c in clusters], pa.int64()),
                "first_at": pa.array([c["first_at"] for c in clusters], pa.timestamp("us")),
                "last_at": pa.array([c["last_at"] for c in clusters], pa.timestamp("us")),
                "example_text": [c["example_text"] for c in clusters],
            }
        )
        sizes = [c["n_items"] for c in clusters]
        members = pa.table(
            {
                "run_id": pa.array([run_id] * sum(sizes), pa.int32()),
                "cluster_id": np.repeat(np.asarray(ids, dtype=object), sizes).tolist(),
                "platform": np.repeat(
                    np.asarray([c["platform"] for c in clusters], dtype=object), sizes
                ).tolist(),
                "item_id": [i for c in clusters for i in c["item_id"]],
                "account_id": [a for c in clusters for a in c["account_id"]],
                "similarity": pa.array([s for c in clusters for s in c["similarity"]], pa.float64()),
            }
        )
        con.register("_nd_clusters", head)
        con.register("_nd_members", members)
        try:
            con.execute(
                "INSERT INTO text_clusters BY NAME SELECT run_id, cluster_id, platform, template, "
                "slots::JSON AS slots, n_items, n_accounts, first_at, last_at, example_text FROM _nd_clusters"
            )
            con.execute(
                "INSERT INTO cluster_items BY NAME SELECT run_id, cluster_id, platform, item_id, account_id, similarity "
                "FROM _nd_members ORDER BY cluster_id, item_id"
            )
        finally:
            con.unregister("_nd_clusters")
            con.unregister("_nd_members")


def _raw_texts(con, platform: str, item_ids) -> dict[str, str]:
    """The stored text of each of ``item_ids`` (of one platform), read again from the case."""
    wanted = pa.table({"item_id": pa.array(sorted(set(item_ids.tolist())), pa.string())})
    con.register("_nd_wanted", wanted)
    try:
        return dict(
            con.execute(
                "SELECT i.item_id, i.text FROM items i JOIN _nd_wanted w USING (item_id) WHERE i.platform = ?",
                [platform],
            ).fetchall()
        )
    finally:
        con.unregister("_nd_wanted")


def _medoid_and_similarity(shingles: Shingles, text_ids: np.ndarray) -> tuple[int, np.ndarray]:
    """The medoid distinct text of a cluster (given the distinct text of each member item) and every
    member's exact Jaccard with it. Candidates are the ``MEDOID_CANDIDATES`` most frequent distinct texts."""
    distinct, counts = np.unique(text_ids, return_counts=True)
    top = distinct[np.lexsort((distinct, -counts))][:MEDOID_CANDIDATES]
    top_counts = counts[np.searchsorted(distinct, top)]
    if len(top) == 1:
        medoid = int(top[0])
    else:
        a, b = np.meshgrid(np.arange(len(top)), np.arange(len(top)), indexing="ij")
        sim = jaccard_pairs(shingles, np.stack([top[a.ravel()], top[b.ravel()]], axis=1)).reshape(
            len(top), -1
        )
        np.fill_diagonal(sim, 1.0)
        score = sim @ top_counts - 1.0  # weighted by how often each text occurs, not counting the item itself
        medoid = int(top[int(np.argmax(score))])
    others = np.stack([np.full(len(distinct), medoid), distinct], axis=1)
    sim_distinct = jaccard_pairs(shingles, others)
    sim_distinct[distinct == medoid] = 1.0
    return medoid, sim_distinct[np.searchsorted(distinct, text_ids)]
