"""Public conformance checks for adapters and detectors, in the spirit of scikit-learn's ``check_estimator``.

Third-party plugins run the same checks as the built-ins::

    from botwatch.testing import check_adapter, check_detector
    check_detector(MyDetector)
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from botwatch.detectors.base import Detector, RunContext
from botwatch.errors import BotwatchError
from botwatch.ingest.base import Adapter, SourceFile
from botwatch.store.case import Case

RESULT_TABLES = ("edges", "text_clusters", "cluster_items", "evidence")


def assert_counts_add_up(summary) -> None:
    """An ingest summary loses nothing: every record read was stored, quarantined or a duplicate."""
    assert summary.records_read == (
        summary.items_stored + summary.accounts_stored + summary.quarantined + summary.duplicates
    ), summary


def check_adapter(cls: type[Adapter]) -> None:
    """An adapter has a name and description, and its sniff rejects foreign samples without raising."""
    adapter = cls()
    assert isinstance(cls.name, str) and cls.name, "adapter needs a non-empty name"
    assert cls.description, f"{cls.name}: needs a description"
    assert isinstance(cls.priority, int)
    with tempfile.TemporaryDirectory() as d:
        for i, sample in enumerate([b"", b"\x00\x01\x02garbage\xff", b"just some words\n", b"%PDF-1.4\n"]):
            p = Path(d) / f"s{i}"
            p.write_bytes(sample or b" ")
            got = adapter.sniff(sample, SourceFile(p))
            assert got is None or isinstance(got, str), (
                f"{cls.name}: sniff must return a reason string or None"
            )
            if sample in (b"", b"%PDF-1.4\n", b"\x00\x01\x02garbage\xff"):
                assert got is None, f"{cls.name}: sniff claimed a foreign sample {sample[:10]!r}"


def _tiny_case(path: Path) -> Case:
    case = Case(path)
    t0 = dt.datetime(2024, 5, 6, 10, 0, 0)
    rows = []
    texts = [
        "Президент заботится о народе и всегда думает о людях, спасибо ему",
        "Президент заботится о народе и всегда думает о людях, спасибо!",
        "Президент заботится о народе и всегда думает о нас, спасибо ему",
        "Погода сегодня хорошая, пойду гулять в парк с детьми",
        "Когда починят дорогу на нашей улице, уже третий год ждём",
    ]
    for i in range(40):
        acct = f"u{i % 8}"
        rows.append(
            (
                "test",
                f"i{i}",
                acct,
                "comment",
                f"p{i % 3}",
                f"p{i % 3}",
                "Page",
                t0 + dt.timedelta(seconds=37 * i),
                texts[i % len(texts)],
            )
        )
    case.con.executemany(
        "INSERT INTO items (platform, item_id, account_id, kind, parent_id, root_id, channel, created_at, text) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    return case


def check_detector(cls: type[Detector]) -> None:
    """A detector declares its parameters and constraints, stores them in __init__, rejects bad values with the
    uniform message, runs on an empty and a tiny case, writes rows only for its run_id, cites on each edge only
    items its two accounts wrote, and is deterministic."""
    assert cls.name and cls.description, "detector needs a name and a description"
    assert set(cls.constraints) <= set(cls.parameters), f"{cls.name}: constraints for undeclared parameters"
    missing = set(cls.parameters) - set(cls.constraints)
    assert not missing, f"{cls.name}: parameters without constraints: {sorted(missing)}"
    det = cls()
    assert det.get_params() == cls.parameters
    det.validate_params()
    try:
        cls(no_such_parameter=1)
    except BotwatchError as exc:
        assert "unknown parameter" in str(exc)
    else:
        raise AssertionError(f"{cls.name}: accepted an unknown parameter")
    for key in cls.constraints:
        bad = cls(**{key: "not-a-valid-value"})
        try:
            bad.validate_params()
        except BotwatchError as exc:
            assert str(exc).startswith(f"The {key!r} parameter of {cls.name} must be"), str(exc)
        else:
            raise AssertionError(f"{cls.name}: accepted {key}='not-a-valid-value'")

    with tempfile.TemporaryDirectory() as d:
        empty = Case(Path(d) / "empty.duckdb")
        summary = det.run(RunContext(empty.con, run_id=1, seed=1))
        assert isinstance(summary, dict)
        empty.close()

        case = _tiny_case(Path(d) / "tiny.duckdb")
        snapshots = []
        for run_id in (5, 6):
            det.run(RunContext(case.con, run_id=run_id, seed=3))
            snap = {}
            for table in RESULT_TABLES:
                other = case.con.execute(
                    f"SELECT count(*) FROM {table} WHERE run_id NOT IN (5, 6)"
                ).fetchone()[0]
                assert other == 0, f"{cls.name}: wrote {table} rows for a run it was not given"
                cols = [r[0] for r in case.con.execute(f"DESCRIBE {table}").fetchall() if r[0] != "run_id"]
                snap[table] = sorted(
                    map(
                        repr,
                        case.con.execute(
                            f"SELECT {', '.join(cols)} FROM {table} WHERE run_id = {run_id}"
                        ).fetchall(),
                    )
                )
            snapshots.append(snap)
            foreign = case.con.execute(
                f"""SELECT count(*) FROM (SELECT platform, account_a, account_b, unnest(evidence_item_ids) AS item_id
                                          FROM edges WHERE run_id = {run_id}) e
                    JOIN items i USING (platform, item_id) WHERE i.account_id NOT IN (e.account_a, e.account_b)"""
            ).fetchone()[0]
            assert foreign == 0, f"{cls.name}: an edge cites an item neither of its accounts wrote"
        assert snapshots[0] == snapshots[1], f"{cls.name}: two runs with the same seed differ"
        case.close()
