"""Exports of a case's results: CSV, JSON Lines, Parquet, GEXF (Gephi) and SQLite (Datasette).

``export(case, what, fmt, out)`` writes one table (``accounts``, ``edges``, ``campaigns``, ``evidence``,
``items``, ``leads`` or ``galleries``) as CSV, JSONL or Parquet; the account network as GEXF (``what`` = ``edges``); or the
whole case as one SQLite file (any ``what``). ``out="-"`` writes one table or network to standard output. Results always come from the latest run. With
``pseudonymize=True`` every id, handle and name becomes a salted token (see :mod:`botwatch.privacy`), so a file
can be shared without the people in it. Columns and attributes are listed in ``docs/exports.md``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import BinaryIO

from botwatch.errors import BotwatchError
from botwatch.export.atomic import atomic_output, write_text_atomic
from botwatch.export.flat import neutralize_formula, write_csv, write_jsonl, write_parquet
from botwatch.export.gexf import write_gexf
from botwatch.export.sqlite import write_sqlite
from botwatch.export.tables import EDGES, FLAT_TABLES, NETWORK_NODES, latest_run, read_batches, require_run
from botwatch.privacy import Pseudonymizer, open_case

WHATS = ("accounts", "edges", "campaigns", "evidence", "items", "leads", "galleries", "signals")
FORMATS = {"csv": ".csv", "jsonl": ".jsonl", "parquet": ".parquet", "gexf": ".gexf", "sqlite": ".db"}
FLAT_WRITERS = {"csv": write_csv, "jsonl": write_jsonl, "parquet": write_parquet}
GEXF_WHATS = ("edges",)  # GEXF holds the account network: its edges, with the accounts as nodes
STDOUT = "-"


def _target(out, case_path: Path, what: str, fmt: str, pseudonymize: bool) -> Path:
    as_folder = str(out).endswith(("/", os.sep))
    out = Path(out)
    if out.is_dir() or as_folder or not out.suffix:
        # a pseudonymised export does not carry the case's name, which may name a person
        stem = ("case" if pseudonymize else case_path.stem) if fmt == "sqlite" else what
        out = out / f"{stem}{FORMATS[fmt]}"
    return out


def export(
    case_path,
    what: str,
    fmt: str,
    out,
    pseudonymize: bool = False,
    salt: str | None = None,
    stream: BinaryIO | None = None,
) -> Path:
    """Write ``what`` from the case at ``case_path`` as ``fmt`` to ``out`` (a file, or a folder to write
    ``<what>.<ext>`` into) and return the path written.

    Parameters
    ----------
    what : {"accounts", "edges", "campaigns", "evidence", "items", "leads", "galleries", "signals"}
        The table (``signals``: the per-account signals, one row per account and signal; ``galleries``: the
        reference galleries' hashes). GEXF takes ``edges`` and writes the network; SQLite writes every table.
    fmt : {"csv", "jsonl", "parquet", "gexf", "sqlite"}
    out : path or "-"
        ``"-"`` writes the file's bytes to ``stream`` (standard output by default) instead and returns
        ``Path("-")``; not for SQLite, which writes a database and ``metadata.json``.
    pseudonymize : bool
        Replace ids, handles and names by salted tokens and drop avatars, bios, media and file paths.
    salt : str, optional
        The secret for the tokens; by default a random salt stored in the case, so exports of a case agree.
    """
    _check_choice(what, fmt, out)
    case_path = Path(case_path)
    if str(out) == STDOUT:
        return _export_to_stream(case_path, what, fmt, pseudonymize, salt, stream or sys.stdout.buffer)
    target = _target(out, case_path, what, fmt, pseudonymize)
    with open_case(case_path, pseudonymize, salt) as case, atomic_output(target) as partial:
        pz = Pseudonymizer.for_case(case.con, salt) if pseudonymize else None
        meta = _write(case.con, pz, case_path, what, fmt, partial, target.stem)
    if meta is not None:
        write_text_atomic(
            target.parent / "metadata.json", json.dumps(meta, indent=2, ensure_ascii=False) + "\n"
        )
    return target


def _check_choice(what: str, fmt: str, out) -> None:
    """One line for a table, format or output that cannot go together."""
    if what not in WHATS:
        raise BotwatchError(f"cannot export {what!r}; choose one of: {', '.join(WHATS)}")
    if fmt not in FORMATS:
        raise BotwatchError(f"unknown export format {fmt!r}; choose one of: {', '.join(FORMATS)}")
    if fmt == "gexf" and what not in GEXF_WHATS:
        raise BotwatchError(
            f"GEXF holds the account network, not {what}: use --what {' or '.join(GEXF_WHATS)} with --format "
            "gexf (accounts are its nodes); for a table of accounts use --format csv, jsonl or parquet"
        )
    if fmt == "sqlite" and str(out) == STDOUT:
        raise BotwatchError(
            "--out - (standard output) takes one table (csv, jsonl, parquet or gexf); SQLite writes a database "
            "file and metadata.json beside it: give --out a file or folder"
        )


def _export_to_stream(case_path: Path, what: str, fmt: str, pseudonymize: bool, salt, stream) -> Path:
    """Write the export into a temporary file, then copy its bytes to ``stream``."""
    with tempfile.TemporaryDirectory(prefix="botwatch-export-") as tmp:
        path = export(case_path, what, fmt, Path(tmp) / f"{what}{FORMATS[fmt]}", pseudonymize, salt)
        with open(path, "rb") as fh:
            shutil.copyfileobj(fh, stream)
    stream.flush()
    return Path(STDOUT)


def _write(con, pz, case_path: Path, what: str, fmt: str, partial: Path, db_name: str) -> dict | None:
    """Write the export into ``partial``; return Datasette's metadata for a SQLite export."""
    run_id = latest_run(con)
    if fmt in FLAT_WRITERS:
        spec = FLAT_TABLES[what]
        if spec.needs_run:
            require_run(run_id, case_path, what)
        schema, batches = read_batches(con, spec, run_id, pz)
        FLAT_WRITERS[fmt](schema, batches, partial)
        return None
    if fmt == "gexf":
        require_run(run_id, case_path, "a network")
        _, nodes = read_batches(con, NETWORK_NODES, run_id, pz)
        _, edges = read_batches(con, EDGES, run_id, pz)
        description = _description(case_path, run_id, pz)
        write_gexf(nodes, edges, partial, description=description, date=_run_date(con, run_id))
        return None
    title = "botwatch case" if pz else f"botwatch case {case_path.stem}"
    return write_sqlite(con, partial, run_id, pz, title=title, db_name=db_name)


def _run_date(con, run_id: int) -> dt.date:
    rows = con.execute(
        "SELECT coalesce(finished_at, started_at) FROM runs WHERE run_id = ?", [run_id]
    ).fetchall()
    return rows[0][0].date() if rows and rows[0][0] else dt.datetime.now(dt.UTC).date()


def _description(case_path: Path, run_id: int, pz) -> str:
    where = "a pseudonymised case" if pz else f"case {case_path.stem}"
    return (
        f"Coordination network of {where}, botwatch run {run_id}. Nodes are accounts; edges join two accounts "
        "that acted together, one edge per pair and layer (kind = layer, weight = co-actions). Times are UTC."
    )


__all__ = ["export", "neutralize_formula", "WHATS", "FORMATS"]
