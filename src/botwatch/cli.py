"""The command line: each command parses options, calls one library function and prints the result."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from botwatch import __version__
from botwatch.errors import BotwatchError, system_error_message
from botwatch.ingest.base import IngestOptions


def _ingest_options(fn):
    fn = click.option(
        "--format", "fmt", default=None, help="Input format; detected from the file when omitted."
    )(fn)
    fn = click.option(
        "--timezone", default=None, help="IANA zone of timestamps that carry no offset, e.g. Asia/Almaty."
    )(fn)
    fn = click.option("--platform", default=None, help="Platform name for formats that do not carry one.")(fn)
    fn = click.option(
        "--map",
        "mapping",
        multiple=True,
        metavar="FIELD=COLUMN",
        help="Map a canonical field to an input column (repeatable); 'preset=NAME' picks a CSV preset.",
    )(fn)
    return fn


def _options(fmt, timezone, platform, mapping) -> IngestOptions:
    pairs = []
    for m in mapping:
        if "=" not in m:
            raise click.UsageError(f"--map {m!r}: expected FIELD=COLUMN, e.g. --map account_id=author")
        k, v = m.split("=", 1)
        pairs.append((k.strip(), v.strip()))
    return IngestOptions(format=fmt, timezone=timezone, platform=platform, mapping=tuple(pairs))


class _Group(click.Group):
    """Turns BotwatchError (and a full disk, an unwritable folder or DuckDB out of memory) into a one-line
    message and exit code 1; the help ends with the installed formats, detectors and report sections (plugins included)."""

    def format_epilog(self, ctx, formatter):
        from botwatch.plugins import plugin_entry_points

        rows = []
        for kind, label in (
            ("adapters", "Formats"),
            ("detectors", "Detectors"),
            ("report_sections", "Report sections"),
        ):
            try:
                eps = plugin_entry_points(kind)
            except BotwatchError as exc:
                rows.append((label, str(exc)))
                continue
            names = [
                n if ep.dist is None or ep.dist.name == "botwatch" else f"{n} ({ep.dist.name})"
                for n, ep in eps.items()
            ]
            rows.append((label, ", ".join(names)))
        with formatter.section("Installed (plugins register as entry points, see docs/architecture.md)"):
            formatter.write_dl(rows)

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except BotwatchError as exc:
            click.echo(f"Error: {_one_line(str(exc))}", err=True)
            sys.exit(1)
        except BrokenPipeError:  # `botwatch info CASE | head -1`: the reader left; nothing to report
            _quiet_stdout()
            sys.exit(0)
        except (
            Exception
        ) as exc:  # a full disk, an unwritable folder, out of memory: one line, not a traceback
            message = system_error_message(exc)
            if message is None:
                raise
            click.echo(f"Error: {_one_line(message)}", err=True)
            sys.exit(1)


@click.group(cls=_Group)
@click.version_option(__version__, prog_name="botwatch")
def cli():
    """botwatch: find fake accounts and coordinated inauthentic campaigns in social-media exports.

    \b
    Environment variables:
      BOTWATCH_MEMORY_LIMIT           DuckDB memory limit of a case (default 1500MB), e.g. 4GB
      BOTWATCH_THREADS                threads for text work (default: every core)
      BOTWATCH_MAX_INPUT_BYTES        decompressed size of one input (default 64GB)
      BOTWATCH_MAX_COMPRESSION_RATIO  decompressed per compressed byte (default 200)
      BOTWATCH_MAX_LINE_BYTES         one line or CSV field (default 64MB)
      BOTWATCH_MAX_BAD_LINES          unparseable lines per file (default 1000000)
      BOTWATCH_PIPE_TIMEOUT           seconds to wait for a FIFO's writer (default 30)
    """


def _print_summaries(summaries) -> None:
    for s in summaries:
        if s.status != "ingested":
            click.echo(f"{s.file}: {s.status}")
            continue
        click.echo(
            f"{s.file}: {s.format} ({s.format_reason}); read {s.records_read} = stored {s.items_stored} items"
            f" + {s.accounts_stored} accounts + quarantined {s.quarantined} + duplicates {s.duplicates}"
        )
        for reason, n in (s.quarantine_reasons or {}).items():
            click.echo(f"  quarantined {n}: {reason}")


@cli.command()
@click.argument("case", type=click.Path(dir_okay=False))
@click.argument("inputs", nargs=-1, type=click.Path())
@_ingest_options
@click.option(
    "--avatars",
    type=click.Path(exists=True),
    default=None,
    help="Profile pictures: a folder of <account_id>.<ext> files or one with a map.csv (account_id,file), or "
    "a 4CAT image download (its .zip or folder, with .metadata.json); their perceptual hashes are stored, "
    "never the images.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the per-file summaries as JSON.")
def ingest(case, inputs, fmt, timezone, platform, mapping, avatars, as_json):
    """Ingest INPUT files into the CASE database (created when missing). An INPUT may be '-' (standard input)
    or a pipe; it is read once into a temporary file beside the case. A Telegram Desktop export folder (or its
    result.json) also gives the profile pictures it holds. --avatars hashes the pictures of the accounts in the
    case (after the INPUTs). Pictures are counted: matched to accounts, and unmatched with the reason."""
    from botwatch.images.avatars import hash_avatars
    from botwatch.pipeline import ingest_inputs
    from botwatch.store.case import Case

    if not inputs and not avatars:
        raise click.UsageError("give at least one INPUT file, or --avatars DIR")
    with Case(case) as c:
        summaries, pictures = (
            ingest_inputs(c, inputs, _options(fmt, timezone, platform, mapping)) if inputs else ([], [])
        )
        if avatars:
            pictures.append(hash_avatars(c.con, avatars))
    if as_json:
        click.echo(json.dumps([s.as_dict() for s in summaries], indent=2, default=str))
    else:
        _print_summaries(summaries)
    for report in pictures:
        click.echo(report.line(), err=as_json)


@cli.group()
def gallery():
    """Reference galleries: hashes (never the images) of photos known to be stolen or generated."""


@gallery.command("add")
@click.argument("case", type=click.Path(dir_okay=False))
@click.argument("folder", type=click.Path())
@click.option(
    "--name", required=True, help="Name of the gallery, cited in the evidence of matching accounts."
)
@click.option(
    "--faces",
    is_flag=True,
    help="Also store the face encodings (never the photos) of the faces in the photos, for detect --faces; "
    "needs botwatch[faces]. Biometric data: read docs/methods/faces.md first.",
)
def gallery_add(case, folder, name, faces):
    """Hash every picture in FOLDER (and below) into gallery NAME of CASE (a gallery of that name is
    replaced); accounts whose profile picture matches one are flagged at the next detect. FOLDER may instead be
    a .parquet file from 'botwatch export --what galleries' (another newsroom's hashes, and face encodings with
    --faces)."""
    from botwatch.images.avatars import IMAGE_LIMITS, add_gallery
    from botwatch.store.case import Case

    if faces:
        from botwatch.images.faces import add_gallery_faces, require_faces

        require_faces()  # before anything is written
    with Case(case) as c:
        c.con.execute("BEGIN")
        try:
            counts = add_gallery(c.con, folder, name)
            found = add_gallery_faces(c.con, folder, name, IMAGE_LIMITS) if faces else None
            c.con.execute("COMMIT")
        except BaseException:
            c.con.execute("ROLLBACK")
            raise
    click.echo(f"gallery {name}: {counts['hashed']} picture(s) hashed, {counts['refused']} refused")
    if found is not None:
        click.echo(
            f"gallery {name}: {found['faces']} face(s) encoded in {found['with_face']} of {found['photos']} "
            f"photo(s), {found['refused']} refused; matched only by detect --faces"
        )


@gallery.command("list")
@click.argument("case", type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def gallery_list(case, as_json):
    """The galleries of CASE with their numbers of pictures."""
    from botwatch.images.avatars import list_galleries
    from botwatch.store.case import Case, check_case_path

    check_case_path(Path(case), must_exist=True)
    with Case(case) as c:
        rows = list_galleries(c.con)
    if as_json:
        click.echo(json.dumps(rows, indent=2))
    for r in [] if as_json else rows:
        click.echo(
            f"{r['gallery']}: {r['hashed']} hashed, {r['refused']} refused, {r['faces']} face encoding(s), "
            f"added {r['added_at']}"
        )


@cli.command()
@click.argument("case", type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def info(case, as_json):
    """Counts per platform, kind, source and quarantine reason."""
    from botwatch.store.case import Case

    with Case(case, read_only=True) as c:
        data = c.info()
    if as_json:
        click.echo(json.dumps(data, indent=2, default=str))
        return
    click.echo(
        f"{data['case']}: {data['items']} items, {data['accounts']} accounts, {data['quarantined']} quarantined"
    )
    click.echo(f"time span (UTC): {data['time_span'][0]} .. {data['time_span'][1]}")
    for row in data["per_kind"]:
        click.echo(f"  {row['platform']:<12} {row['kind']:<8} {row['items']}")
    for row in data["per_source"]:
        click.echo(
            f"  source {row['source_id']}: {row['file_name']} [{row['format']}] read {row['records_read']}, "
            f"quarantined {row['quarantined']}, duplicates {row['duplicates']}"
        )
    for row in data["quarantine_reasons"]:
        click.echo(f"  quarantine {row['file_name']}: {row['records']} x {row['reason']}")


@cli.command()
@click.argument("case", type=click.Path(dir_okay=False))
@click.option(
    "--config", type=click.Path(exists=True, dir_okay=False), help="TOML or JSON file of detector parameters."
)
@click.option("--only", multiple=True, help="Run only these detectors (repeatable), and those they require.")
@click.option(
    "--seed", type=int, default=None, help="Seed for every randomised step (recorded with the run)."
)
@click.option(
    "--model",
    default=None,
    help="Score with this stored model (botwatch train) instead of the hand-set scorer.",
)
@click.option(
    "--timezone",
    default=None,
    help="Local time zone of the case (IANA name, e.g. Asia/Almaty) for office hours and weekdays; default: "
    "each source's ingest --timezone, or those signals are off.",
)
@click.option(
    "--faces",
    is_flag=True,
    help="Also search profile pictures for the faces of galleries added with --faces (off by default; "
    "evidence only, never a flag; docs/methods/faces.md).",
)
def detect(case, config, only, seed, model, timezone, faces):
    """Run the detectors, assemble campaigns and score accounts."""
    from botwatch.pipeline import detect_case
    from botwatch.store.case import check_case_path

    check_case_path(Path(case), must_exist=True)  # detect never creates a case
    result = detect_case(
        case, config=config, only=only or None, seed=seed, model=model, timezone=timezone, faces=faces
    )
    click.echo(result.summary_text())


@cli.command("export")
@click.argument("case", type=click.Path(dir_okay=False))
@click.option(
    "--what",
    type=click.Choice(
        ["accounts", "edges", "campaigns", "evidence", "items", "leads", "galleries", "signals"]
    ),
    required=True,
    help="The table; leads are groups and templates below the threshold, never flags; galleries are the "
    "hashes of reference photos. GEXF takes edges.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "parquet", "jsonl", "gexf", "sqlite"]),
    required=True,
    help="csv, parquet, jsonl: one table; gexf: the account network; sqlite: the whole case (Datasette).",
)
@click.option(
    "--out",
    type=click.Path(),
    required=True,
    help="A file, or a folder to write <what>.<ext> into; - writes to standard output (not sqlite).",
)
@click.option(
    "--pseudonymize", is_flag=True, help="Replace handles, names and ids with stable salted hashes."
)
@click.option(
    "--salt", default=None, help="Salt for --pseudonymize (default: a random salt stored in the case)."
)
def export_cmd(case, what, fmt, out, pseudonymize, salt):
    """Write accounts, edges, campaigns, evidence, items, leads or galleries to a file."""
    from botwatch.export import export

    if out == "-":  # the bytes go to standard output, and nothing else does
        export(case, what, fmt, out, pseudonymize, salt, stream=sys.stdout.buffer)
        return
    path = export(case, what=what, fmt=fmt, out=out, pseudonymize=pseudonymize, salt=salt)
    click.echo(f"wrote {path}")


@cli.command()
@click.argument("case", type=click.Path(dir_okay=False))
@click.option(
    "--labels",
    type=click.Path(exists=True, dir_okay=False),
    required=True,
    help="CSV with account_id,label[,group]; label 1/0 or bot/human.",
)
@click.option("--json", "as_json", is_flag=True)
@click.option(
    "--out",
    type=click.Path(dir_okay=False),
    default=None,
    help="Also write an HTML page with a reliability diagram.",
)
def evaluate(case, labels, as_json, out):
    """Precision, recall, F1, PR-AUC, precision at fixed recall, reliability and campaign purity against labels."""
    from botwatch.evaluate import evaluate_case, evaluation_text, write_evaluation

    result = evaluate_case(case, labels)
    if out:
        write_evaluation(result, out)
    click.echo(json.dumps(result, indent=2) if as_json else evaluation_text(result))
    if out and not as_json:
        click.echo(f"wrote {out}")


@cli.command()
@click.argument("case", type=click.Path(dir_okay=False))
@click.option(
    "--labels",
    type=click.Path(exists=True, dir_okay=False),
    required=True,
    help="CSV with account_id,label[,group][,platform]; label 1/0 or bot/human (as evaluate reads).",
)
@click.option("--name", default="default", show_default=True, help="Name of the model in the case.")
@click.option("--seed", type=int, default=None, help="Seed of the folds and the model (recorded with it).")
@click.option(
    "--config",
    type=click.Path(exists=True, dir_okay=False),
    help="TOML or JSON file; its [model] table applies.",
)
@click.option("--replace", is_flag=True, help="Replace a stored model of the same name.")
@click.option("--json", "as_json", is_flag=True, help="Print the stored record as JSON.")
def train(case, labels, name, seed, config, replace, as_json):
    """Fit a calibrated scorer on labelled accounts of the latest run, cross-validate it by account and store it
    in the CASE; use it with botwatch detect CASE --model NAME."""
    from botwatch.train import summary_text, train_case

    record = train_case(case, labels, name=name, seed=seed, config=config, replace=replace)
    click.echo(json.dumps(record, indent=2, default=str) if as_json else summary_text(record))


@cli.command()
@click.argument("case", type=click.Path(dir_okay=False))
@click.option("--out", type=click.Path(), required=True, help="Path of the HTML file to write.")
@click.option(
    "--pseudonymize",
    is_flag=True,
    help="Replace handles, names and ids with salted hashes; hide avatars, bios and file names.",
)
def report(case, out, pseudonymize):
    """Write the self-contained HTML investigation report."""
    from botwatch.report import write_report

    path = write_report(case, out, pseudonymize=pseudonymize)
    click.echo(f"wrote {path}")


@cli.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path())
@click.option(
    "--out", type=click.Path(file_okay=False), required=True, help="Folder for case.duckdb and the report."
)
@_ingest_options
@click.option(
    "--avatars",
    type=click.Path(file_okay=False, exists=True),
    default=None,
    help="Folder of profile pictures named <account_id>.<ext>, or listed in its map.csv (as ingest --avatars).",
)
@click.option("--seed", type=int, default=None)
def run(inputs, out, fmt, timezone, platform, mapping, avatars, seed):
    """The main job: ingest INPUTS into OUT/case.duckdb, detect, and write the report into OUT."""
    from botwatch.pipeline import run_pipeline

    options = _options(fmt, timezone, platform, mapping)
    result = run_pipeline(inputs, out, options, seed=seed, avatars=avatars)
    _print_summaries(result.ingest)
    for line in result.lines:
        click.echo(line)


@cli.command()
@click.option("--out", type=click.Path(file_okay=False), default="botwatch-demo", show_default=True)
@click.option("--seed", type=int, default=7, show_default=True)
@click.option("--size", type=click.Choice(["small", "medium"]), default="small", show_default=True)
def demo(out, seed, size):
    """Generate the synthetic demo investigation (with ground truth and profile pictures) and run it; then print
    the next steps: the victims' gallery, detection again, the report, the edges and the evaluation."""
    from botwatch.demo import generate_demo, walkthrough
    from botwatch.pipeline import run_pipeline

    out = Path(out)
    demo_files = generate_demo(out / "data", seed=seed, size=size)
    click.echo(f"demo data in {out / 'data'} (ground truth: {demo_files.truth})")
    options = IngestOptions(timezone=demo_files.timezone)
    result = run_pipeline(demo_files.inputs, out, options, seed=seed, avatars=demo_files.avatars)
    _print_summaries(result.ingest)
    for line in result.lines:
        click.echo(line)
    click.echo("\nnext steps:")
    for line in walkthrough(demo_files, out / "case.duckdb", seed):
        click.echo(f"  {line}")


def _one_line(message: str) -> str:
    """An error message on one line: line breaks inside it (a hostile file name) are shown as \\n."""
    return message.replace("\r", "\\r").replace("\n", "\\n")


def main() -> None:
    cli(prog_name="botwatch")


def _quiet_stdout() -> None:
    """Point stdout at /dev/null so that Python's exit flush does not fail again on the closed pipe."""
    import os

    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError):
        pass
