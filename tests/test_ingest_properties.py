"""Properties of ingest: idempotent, independent of file order, and all-or-nothing when a run dies."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from botwatch.ingest import ingest, registry
from botwatch.ingest.base import Adapter, Chunk, IngestOptions
from botwatch.store.case import Case
from botwatch.testing import assert_counts_add_up

HEADER = ["item_id", "account_id", "handle", "created_at", "text", "parent_id"]
TIMES = ["2024-03-01T10:00:00Z", "2024-03-01T10:00:05+05:00", "1709287200", "1999-01-01T00:00:00Z", "soon"]

row = st.fixed_dictionaries(
    {
        "item_id": st.sampled_from(["1", "2", "3", "4", "5", "6", ""]),
        "account_id": st.sampled_from(["a", "b", "c", ""]),
        "handle": st.sampled_from(["", "ann", "bob", "Анна"]),
        "created_at": st.sampled_from(TIMES),
        "text": st.sampled_from(
            ["", "hi", "спасибо #молодцы", "see https://x.example/a @bob", 'a "quoted", text']
        ),
        "parent_id": st.sampled_from(["", "1", "p9"]),
    }
)
rows = st.lists(row, min_size=0, max_size=12)
SETTINGS = settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _csv(records: list[dict]) -> bytes:
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=HEADER, lineterminator="\n")
    w.writeheader()
    w.writerows(records)
    return out.getvalue().encode()


def _snapshot(case: Case, with_provenance: bool = True) -> dict:
    """Every table's rows, sorted; without provenance columns when comparing different ingest orders."""
    drop = {
        "items": set() if with_provenance else {"source_id", "position"},
        "accounts": set() if with_provenance else {"source_ids"},
        "account_observations": set(),
        "sources": {"ingested_at"},
        "quarantine": set(),
    }
    if not with_provenance:
        drop["account_observations"] = {"source_id", "position"}
        del drop["sources"], drop["quarantine"]
    out = {}
    for table, skip in drop.items():
        cols = [r[0] for r in case.con.execute(f"DESCRIBE {table}").fetchall() if r[0] not in skip]
        sel = ", ".join(f'"{c}"' for c in cols)
        out[table] = sorted(case.con.execute(f"SELECT {sel} FROM {table}").fetchall(), key=repr)
    return out


def _ingest(case: Case, path, **opts):
    [s] = ingest(case, [str(path)], IngestOptions(format="csv", **opts))
    assert_counts_add_up(s)
    return s


@pytest.mark.slow
@SETTINGS
@given(records=rows)
def test_ingest_is_idempotent(tmp_path_factory, records):
    tmp = tmp_path_factory.mktemp("idem")
    path = tmp / "a.csv"
    path.write_bytes(_csv(records))
    with Case(tmp / "case.duckdb") as case:
        _ingest(case, path)
        before = _snapshot(case)
        before_without_provenance = _snapshot(case, with_provenance=False)
        s = _ingest(case, path)
        assert s.status.startswith("already ingested")
        assert _snapshot(case) == before
        # the same records in another order are a different file, but change neither items nor accounts
        other = tmp / "a_reversed.csv"
        other.write_bytes(_csv(records[::-1]))
        s = _ingest(case, other)
        assert s.items_stored == 0
        after = _snapshot(case, with_provenance=False)
        assert after["items"] == before_without_provenance["items"]
        assert after["accounts"] == before_without_provenance["accounts"]


@pytest.mark.slow
@SETTINGS
@given(first=rows, second=rows)
def test_ingest_does_not_depend_on_file_order(tmp_path_factory, first, second):
    tmp = tmp_path_factory.mktemp("order")
    a, b = tmp / "a.csv", tmp / "b.csv"
    a.write_bytes(_csv(first))
    b.write_bytes(_csv(second))
    snaps = []
    for order, name in (((a, b), "ab.duckdb"), ((b, a), "ba.duckdb")):
        with Case(tmp / name) as case:
            for path in order:
                _ingest(case, path)
            snaps.append(_snapshot(case, with_provenance=False))
    assert snaps[0] == snaps[1]


def test_order_independence_with_conflicting_copies(tmp_path):
    """One id, two different contents and handles: both orders keep the same copy and the same account."""
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_bytes(_csv([dict(zip(HEADER, ["1", "u", "old_name", TIMES[0], "first text", ""]))]))
    b.write_bytes(_csv([dict(zip(HEADER, ["1", "u", "new_name", TIMES[0], "edited text", ""]))]))
    results = []
    for order, name in (((a, b), "ab.duckdb"), ((b, a), "ba.duckdb")):
        with Case(tmp_path / name) as case:
            summaries = [_ingest(case, p) for p in order]
            assert [s.items_stored for s in summaries] == [1, 0]
            assert [s.duplicates for s in summaries] == [0, 1]
            results.append(
                (
                    case.con.execute("SELECT text FROM items").fetchall(),
                    case.con.execute("SELECT handle, n_items FROM accounts").fetchall(),
                )
            )
    assert results[0] == results[1]
    assert len(results[0][0]) == 1 and results[0][1][0][1] == 1


class _DiesHalfWay(Adapter):
    """Yields one good chunk, then fails as a crash or Ctrl-C would."""

    name = "dies-half-way"
    error: type[BaseException] = RuntimeError

    def sniff(self, sample, source):
        return None

    def read(self, source, options):
        good = [
            {
                "platform": "t",
                "item_id": "x1",
                "account_id": "a",
                "created_at_epoch": 1709287200.0,
                "position": 1,
            }
        ]
        yield Chunk(items=good)
        raise self.error("killed half-way")


@pytest.mark.parametrize("error", [RuntimeError, KeyboardInterrupt])
def test_run_killed_half_way_leaves_case_unchanged(tmp_path, monkeypatch, error):
    monkeypatch.setitem(registry._extra, _DiesHalfWay.name, _DiesHalfWay)
    monkeypatch.setattr(_DiesHalfWay, "error", error)
    good = tmp_path / "good.csv"
    good.write_bytes(_csv([dict(zip(HEADER, ["1", "u", "ann", TIMES[0], "hello", ""]))]))
    with Case(tmp_path / "case.duckdb") as case:
        _ingest(case, good)
        before = _snapshot(case)
        with pytest.raises(error, match="killed half-way"):
            ingest(case, [str(good)], IngestOptions(format=_DiesHalfWay.name))
        assert _snapshot(case) == before
        other = tmp_path / "other.csv"
        other.write_bytes(_csv([dict(zip(HEADER, ["2", "v", "bob", TIMES[0], "next", ""]))]))
        s = _ingest(case, other)
        assert (s.items_stored, s.source_id) == (1, 2)
        assert [r[0] for r in case.con.execute("SELECT item_id FROM items ORDER BY 1").fetchall()] == [
            "1",
            "2",
        ]
