"""The main job, end to end: ingest, detect (detectors, campaigns, scores), report.

The CLI's ``detect``, ``run`` and ``demo`` call these functions.
"""

from __future__ import annotations

import datetime as dt
import json
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from botwatch._version import __version__
from botwatch.campaigns.assemble import CAMPAIGN_SETTINGS, CAMPAIGN_TABLES, assemble_campaigns
from botwatch.campaigns.leads import extract_leads
from botwatch.detectors import RunContext, declared_tables, detector_names, get_detector_class, run_order
from botwatch.errors import BotwatchError
from botwatch.ingest import IngestOptions, IngestSummary, ingest
from botwatch.parallel import release_memory
from botwatch.scoring.learned import MODEL_SETTINGS, apply_model, load_model
from botwatch.scoring.score import SCORING_SETTINGS, SCORING_TABLES, score_accounts
from botwatch.settings import resolve
from botwatch.store.case import Case, check_case_path
from botwatch.store.sql import sql_str

DEFAULT_SEED = 20171  # recorded with every run; pass --seed to change it
DETECT_MEMORY_LIMIT = (
    "1GB"  # DuckDB's limit while detecting, unless BOTWATCH_MEMORY_LIMIT or Case(memory_limit=) set one
)


def load_config(path: str | Path | None) -> dict:
    """Read detector parameters from TOML or JSON: ``{"seed": 7, "near_duplicate": {"threshold": 0.6}, ...}``."""
    if path is None:
        return {}
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
        return tomllib.loads(text) if path.suffix.lower() == ".toml" else json.loads(text)
    except (OSError, UnicodeDecodeError, ValueError, tomllib.TOMLDecodeError) as exc:
        raise BotwatchError(f"cannot read config {path}: {exc}; write TOML (.toml) or JSON") from None


def _check_seed(seed) -> int:
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**63:
        raise BotwatchError(f"seed must be a whole number from 0 to 2**63 - 1, not {seed!r}")
    return seed


def _check_sections(cfg: dict, detectors: list[str]) -> None:
    known = {"seed", "campaigns", "scoring", "model", *detectors}
    unknown = sorted(set(cfg) - known)
    if unknown:
        raise BotwatchError(
            f"config: unknown section(s) {', '.join(unknown)}; sections are: {', '.join(sorted(known - {'seed'}))} "
            "(and seed); see docs/settings.md"
        )


def _section(cfg: dict, name: str) -> dict:
    value = cfg.get(name, {})
    if not isinstance(value, dict):
        raise BotwatchError(f"config [{name}] must be a table of parameters, not {type(value).__name__}")
    return value


@dataclass
class DetectResult:
    run_id: int
    seed: int
    detectors: dict = field(default_factory=dict)
    campaigns: dict = field(default_factory=dict)
    scores: dict = field(default_factory=dict)
    seconds: float = 0.0
    required: dict = field(default_factory=dict)  # detector run because the chosen ones require it -> those

    def summary_text(self) -> str:
        lines = [f"run {self.run_id} (seed {self.seed}) in {self.seconds:.1f} s"]
        for name, by in self.required.items():
            lines.append(f"  also ran {name}: required by {', '.join(by)}")

        def scalars(d: dict) -> str:
            return ", ".join(f"{k}={v}" for k, v in d.items() if not isinstance(v, dict | list))

        for name, s in self.detectors.items():
            lines.append(f"  {name}: {scalars(s)}")
            for layer, stats in s.items():
                if layer != "parameters" and isinstance(stats, dict):
                    lines.append(f"    {layer}: {scalars(stats)}")
        c = self.campaigns
        lines.append(f"  campaigns: {c.get('campaigns', 0)} ({c.get('accounts', 0)} accounts)")
        if "leads" in c:
            lines.append(
                f"  leads (not flagged): {c['leads']} ({c.get('account_group_leads', 0)} account groups, "
                f"{c.get('campaign_writers_leads', 0)} campaigns' other writers, "
                f"{c.get('text_cluster_leads', 0)} templates)"
            )
        if "model" in self.scores:
            m = self.scores["model"]
            lines.append(
                f"  model {m['model']} (sha256 {m['sha256'][:12]}): {m['flagged']} of {m['scored']} accounts flagged"
                f" (hand-set rules: {self.scores.get('flagged', 0)})"
            )
            return "\n".join(lines)
        lines.append(
            f"  accounts flagged: {self.scores.get('flagged', 0)} of {self.scores.get('scored', 0)} with any signal"
        )
        return "\n".join(lines)


def detect_case(
    case,
    config=None,
    only=None,
    seed: int | None = None,
    model: str | None = None,
    timezone: str | None = None,
    faces: bool = False,
) -> DetectResult:
    """Run the detectors (each after those it requires), assemble campaigns and score accounts (with the stored
    model ``model`` when given, see :mod:`botwatch.scoring.learned`); record the run. ``timezone`` (the case's
    local zone) fills the ``timezone`` setting of every detector that declares one, unless the config sets it;
    ``faces`` switches on the ``faces`` setting of every detector that declares one (face matching against the
    reference galleries, off by default).

    ``only`` names the detectors to run; the detectors they ``require`` run too (their tables are written per
    run, so an earlier run's cannot serve), and the result says so (``DetectResult.required``)."""
    plan = _plan(config, only, seed, model, timezone, faces)
    own = not isinstance(case, Case)
    if own:
        check_case_path(Path(case), must_exist=True)  # never create an empty case to detect on
    c = Case(case) if own else case
    try:
        con = c.con
        if model is not None:
            load_model(con, model)  # a missing or untrusted model stops the run before the detectors start
        run_id = con.execute("SELECT coalesce(max(run_id), 0) + 1 FROM runs").fetchone()[0]
        result = DetectResult(run_id=run_id, seed=plan.seed, required=plan.required)
        if not c.memory_limit_chosen:
            # the text stages hold large arrays beside DuckDB: give DuckDB less than an ingest gets, so the whole
            # step stays under 2 GB at 1M comments (DuckDB spills what does not fit)
            con.execute(f"SET memory_limit={sql_str(DETECT_MEMORY_LIMIT)}")
        con.execute("BEGIN")
        try:
            _run_plan(con, plan, result)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        finally:
            con.execute(f"SET memory_limit={sql_str(c.memory_limit)}")  # what the case was opened with
        return result
    finally:
        if own:
            c.close()


@dataclass
class _Plan:
    """What a detect run will do, checked before the case is opened."""

    seed: int
    detectors: list
    required: dict[str, list[str]]
    campaign_params: dict
    scoring_params: dict
    model: str | None = None
    model_params: dict = field(default_factory=dict)


def _plan(config, only, seed, model=None, timezone: str | None = None, faces: bool = False) -> _Plan:
    """Read and check the config, seed and detector choice; instantiate and validate the detectors (``timezone``
    fills the ``timezone`` setting of those that declare one, unless the config sets it; ``faces`` sets their
    ``faces`` setting to true)."""
    cfg = config if isinstance(config, dict) else load_config(config)
    seed = _check_seed(seed if seed is not None else cfg.get("seed", DEFAULT_SEED))
    names = detector_names()
    _check_sections(cfg, names)
    required: dict[str, list[str]] = {}
    if only:
        bad = [n for n in only if n not in names]
        if bad:
            raise BotwatchError(f"unknown detector(s) {', '.join(bad)}; detectors are: {', '.join(names)}")
        required = _requirements(list(only), names)
        names = [n for n in names if n in only or n in required]
    detectors = []
    for name in run_order(names):
        cls = get_detector_class(name)
        section = _section(cfg, name)
        if timezone is not None and "timezone" in cls.parameters and "timezone" not in section:
            section = {**section, "timezone": timezone}
        if faces and "faces" in cls.parameters:
            section = {**section, "faces": True}
        det = cls(**section)
        det.validate_params()
        detectors.append(det)
    if faces and not any("faces" in d.parameters for d in detectors):
        raise BotwatchError("--faces: none of the chosen detectors matches faces; add --only face_gallery")
    return _Plan(
        seed=seed,
        detectors=detectors,
        required=required,
        campaign_params=resolve("campaigns", CAMPAIGN_SETTINGS, _section(cfg, "campaigns")),
        scoring_params=resolve("scoring", SCORING_SETTINGS, _section(cfg, "scoring")),
        model=model,
        model_params=resolve("model", MODEL_SETTINGS, _section(cfg, "model")),
    )


def _requirements(only: list[str], names: list[str]) -> dict[str, list[str]]:
    """The detectors that ``only`` require, directly or through each other, and are not in ``only``: name ->
    the chosen or required detectors that need it. A requirement no installed detector meets is left to
    ``run_order`` to refuse."""
    required: dict[str, list[str]] = {}
    pending = list(only)
    while pending:
        name = pending.pop(0)
        for need in get_detector_class(name).requires:
            if need in only or need not in names:
                continue
            if need not in required:
                required[need] = []
                pending.append(need)
            if name not in required[need]:
                required[need].append(name)
    return required


def _run_plan(con, plan: _Plan, result: DetectResult) -> None:
    """Detectors, campaigns, scores and leads for ``result.run_id``; record the run and prune older results
    (inside the caller's transaction)."""
    run_id, seed = result.run_id, plan.seed
    started = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    t0 = time.perf_counter()
    ctx = RunContext(con=con, run_id=run_id, seed=seed)
    for det in plan.detectors:
        t = time.perf_counter()
        summary = det.run(ctx) or {}
        summary.setdefault("seconds", round(time.perf_counter() - t, 2))
        result.detectors[det.name] = summary
        release_memory()
    campaign_params, scoring_params = plan.campaign_params, plan.scoring_params
    result.campaigns = assemble_campaigns(con, run_id, seed, **campaign_params)
    result.scores = score_accounts(con, run_id, scoring_params)
    if plan.model is not None:
        result.scores["model"] = apply_model(con, run_id, plan.model, plan.model_params)
    result.campaigns.update(
        extract_leads(
            con,
            run_id,
            min_accounts=campaign_params["min_accounts"],
            max_accounts=scoring_params["template_max_accounts"],
        )
    )
    result.seconds = time.perf_counter() - t0
    _record_run(con, plan, result, started)
    # only the latest run's results are kept; the runs table keeps the history of parameters
    for table in (*declared_tables(), *CAMPAIGN_TABLES, *SCORING_TABLES):
        con.execute(f"DELETE FROM {table} WHERE run_id <> ?", [run_id])


def _record_run(con, plan: _Plan, result: DetectResult, started: dt.datetime) -> None:
    """The ``runs`` row: times, version, seed, every parameter, the detectors' summaries and library versions."""
    run_config = {
        "seed": plan.seed,
        "detectors": {d.name: d.get_params() for d in plan.detectors},
        "campaigns": plan.campaign_params,
        "scoring": plan.scoring_params,
        **({"model": {**result.scores["model"], **plan.model_params}} if plan.model is not None else {}),
        "summaries": result.detectors,
        "versions": _versions(),
    }
    con.execute(
        "INSERT INTO runs (run_id, started_at, finished_at, botwatch_version, seed, config, detectors) "
        "VALUES (?, ?, ?, ?, ?, ?::JSON, ?)",
        [
            result.run_id,
            started,
            dt.datetime.now(dt.UTC).replace(tzinfo=None),
            __version__,
            plan.seed,
            json.dumps(run_config, default=str),
            [d.name for d in plan.detectors],
        ],
    )


def _versions() -> dict:
    import duckdb
    import igraph
    import leidenalg
    import numpy
    import pyarrow
    import sklearn

    return {
        "botwatch": __version__,
        "duckdb": duckdb.__version__,
        "pyarrow": pyarrow.__version__,
        "numpy": numpy.__version__,
        "igraph": igraph.__version__,
        "leidenalg": leidenalg.version,
        "scikit-learn": sklearn.__version__,
    }


def ingest_inputs(
    case: Case, inputs, options: IngestOptions | None = None
) -> tuple[list[IngestSummary], list]:
    """Ingest ``inputs`` (a Telegram Desktop export folder counts as its ``result.json``) and hash the profile
    pictures each Telegram Desktop export holds (:mod:`botwatch.images.telegram_export`); returns the ingest
    summaries and one :class:`~botwatch.images.pictures.PictureReport` per export that names pictures."""
    from botwatch.images.telegram_export import export_file, hash_export_pictures

    paths = []
    for raw in inputs:
        path = Path(raw)
        if str(raw) != "-" and path.is_dir():
            result = export_file(path)
            if result is None:
                raise BotwatchError(
                    f"{path} is a folder without result.json; pass the export files inside it, or a Telegram "
                    "Desktop export folder (JSON format)"
                )
            path = result
        paths.append(path)
    summaries = ingest(case, paths, options or IngestOptions())
    reports = []
    for path, summary in zip(paths, summaries):
        if summary.format == "telegram-desktop" and str(path) != "-" and path.is_file():
            report = hash_export_pictures(case.con, path)
            if report is not None:
                reports.append(report)
    return summaries, reports


@dataclass
class RunResult:
    case_path: Path
    ingest: list[IngestSummary] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)


def run_pipeline(
    inputs,
    out,
    options: IngestOptions | None = None,
    seed: int | None = None,
    config=None,
    report: bool = True,
    avatars=None,
) -> RunResult:
    """Ingest ``inputs`` into ``out/case.duckdb`` (and the profile pictures of the folder ``avatars``, as
    ``ingest --avatars``), detect, and write the report into ``out``."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    case_path = out / "case.duckdb"
    result = RunResult(case_path=case_path)
    with Case(case_path) as case:
        result.ingest, pictures = ingest_inputs(case, inputs, options)
        result.lines += [r.line() for r in pictures]
        if avatars is not None:
            from botwatch.images.avatars import hash_avatars

            result.lines.append(hash_avatars(case.con, avatars).line())
        info = case.info()
        result.lines.append(
            f"case: {case_path} ({info['items']} items, {info['accounts']} accounts, "
            f"{info['quarantined']} quarantined)"
        )
        detected = detect_case(case, config=config, seed=seed)
        result.lines.append(detected.summary_text())
    if report:
        from botwatch.report import write_report

        path = write_report(case_path, out / "report.html")
        result.lines.append(f"report: {path}")
    return result
