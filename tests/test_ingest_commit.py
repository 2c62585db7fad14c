"""ingest/commit.py: a failure at any step of the commit leaves the case as it was, and the next file is stored."""

import pytest

from botwatch import Case, IngestOptions
from botwatch.ingest import commit, ingest

TABLES = ("items", "accounts", "account_observations", "sources", "quarantine")
CSV = (
    "item_id,account_id,handle,created_at,text\n"
    "1,u,ann,2024-03-01T10:00:00Z,hello\n"
    "1,u,ann,2024-03-01T10:00:00Z,hello\n"  # a duplicate in the file
    "2,v,bob,1999-01-01T00:00:00Z,too early\n"  # quarantined
    "3,w,cy,2024-03-01T10:00:09Z,third\n"
)


def _tables(case):
    return {t: sorted(case.con.execute(f"SELECT * EXCLUDE (ingested_at) FROM {t}").fetchall(), key=repr)
            if t == "sources" else sorted(case.con.execute(f"SELECT * FROM {t}").fetchall(), key=repr)
            for t in TABLES}  # fmt: skip


@pytest.mark.parametrize(
    "step", ["_quarantine", "_store_items", "_store_observations", "_record_source", "rebuild_accounts"]
)
def test_a_failure_inside_the_commit_leaves_the_case_unchanged(tmp_path, monkeypatch, step):
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    first.write_text("item_id,account_id,created_at,text\n9,z,2024-02-01T00:00:00Z,before\n")
    second.write_text(CSV)
    with Case(tmp_path / "case.duckdb") as case:
        ingest(case, [first], IngestOptions(format="csv"))
        before = _tables(case)

        def dies(*args, **kwargs):
            raise KeyboardInterrupt(f"killed in {step}")

        with monkeypatch.context() as m:
            m.setattr(commit, step, dies)
            with pytest.raises(KeyboardInterrupt, match=step):
                ingest(case, [second], IngestOptions(format="csv"))
        assert _tables(case) == before
        [s] = ingest(case, [second], IngestOptions(format="csv"))
    assert (s.records_read, s.items_stored, s.quarantined, s.duplicates) == (4, 2, 1, 1)
    assert s.source_id == 2 and s.quarantine_reasons == {"timestamp before 2000: 1999-01-01 00:00:00": 1}
