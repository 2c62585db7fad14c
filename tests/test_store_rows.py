"""Results are written by column name: a value lands in its column whatever the order of the table's columns."""

import pytest

from botwatch import Case
from botwatch.detectors import RunContext
from botwatch.detectors.shared_avatar import SharedAvatarDetector
from botwatch.store.rows import insert_rows

PHOTO = "https://sun1-1.userapi.com/s/v1/ig2/stolenphotoAAA.jpg?size=200x200"


def _columns(con, table):
    return [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()]


def test_insert_rows_matches_names_not_positions(tmp_path):
    with Case(tmp_path / "c.duckdb") as case:
        rows = [
            {"account_id": "a1", "run_id": 3, "campaign_id": "C1", "platform": "vk"},
            {"platform": "tg", "account_id": "b2", "run_id": 3},  # no campaign: NULL
        ]
        insert_rows(case.con, "campaign_accounts", rows)
        got = case.con.execute(
            "SELECT run_id, campaign_id, platform, account_id FROM campaign_accounts ORDER BY account_id"
        ).fetchall()
        assert got == [(3, "C1", "vk", "a1"), (3, None, "tg", "b2")]
        with pytest.raises(ValueError, match="campaign_accounts has no column acount_id"):
            insert_rows(case.con, "campaign_accounts", [{"acount_id": "x"}])


def test_shared_avatar_edges_land_in_their_columns_when_the_table_is_reordered(tmp_path):
    """The old writer passed 19-tuples in the schema's order; with the columns reversed they would land in the
    wrong columns (or fail to cast)."""
    with Case(tmp_path / "c.duckdb") as case:
        con = case.con
        columns = con.execute("DESCRIBE edges").fetchall()
        con.execute("DROP TABLE edges")
        con.execute(f"CREATE TABLE edges ({', '.join(f'{n} {t}' for n, t, *_ in reversed(columns))})")
        con.executemany(
            "INSERT INTO accounts (platform, account_id, avatar_url) VALUES ('vk', ?, ?)",
            [("1", PHOTO), ("2", PHOTO)],
        )
        SharedAvatarDetector().run(RunContext(con, run_id=7, seed=0))
        cur = con.execute("SELECT * FROM edges")
        names = [d[0] for d in cur.description]
        [row] = [dict(zip(names, r)) for r in cur.fetchall()]
    assert row == {
        "run_id": 7,
        "platform": "vk",
        "account_a": "1",
        "account_b": "2",
        "layer": "co_avatar",
        "weight": 1,
        "window_s": None,
        "first_at": None,
        "last_at": None,
        "a_leads": 0,
        "b_leads": 0,
        "median_lag_s": None,
        "expected": None,
        "p_value": None,
        "q_value": None,
        "significant": True,
        "null_model": "rule: identical non-default avatar",
        "targets": ["path:/s/v1/ig2/stolenphotoAAA.jpg"],
        "evidence_item_ids": [],
    }


def test_named_lists_names_ranks_by_position_in_sliced_chunks_and_keeps_nulls():
    import pyarrow as pa

    from botwatch.store.rows import named_lists

    names = pa.array(["a", "b", "c", "d"])
    ranks = pa.array([[1, 2], None, [], [4, 4, 3], [2]], pa.list_(pa.int64()))
    got = named_lists(pa.chunked_array([ranks.slice(0, 2), ranks.slice(2)]), names)
    assert got.to_pylist() == [["a", "b"], None, [], ["d", "d", "c"], ["b"]]
    inner = named_lists(pa.chunked_array([ranks.slice(1, 3)]), names)  # sliced, starting with a null
    assert inner.to_pylist() == [None, [], ["d", "d", "c"]]
    outside = pa.array([[0], [1]], pa.list_(pa.int64())).slice(1)  # the child holds a 0 outside the slice
    assert named_lists(pa.chunked_array([outside]), names).to_pylist() == [["a"]]
    no_nulls = ranks.slice(2)  # a sliced chunk without nulls: offsets into the whole child array
    assert named_lists(pa.chunked_array([no_nulls]), names).to_pylist() == [[], ["d", "d", "c"], ["b"]]
