"""Run several botwatch commands in one Python process (one import instead of one per command), for tests that
must run the CLI inside a namespace: ``python tests/hardening_driver.py NAME ARGS_JSON ...`` prints,
for each, ``== NAME``, the command's output and ``rc=N``. A traceback would show in the output."""

from __future__ import annotations

import json
import sys
import traceback

from click.testing import CliRunner

from botwatch.cli import cli


def main(argv: list[str]) -> None:
    runner = CliRunner()
    for name, args in zip(argv[::2], argv[1::2]):
        result = runner.invoke(cli, json.loads(args))
        print(f"== {name}")
        print(result.output, end="")
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            print("".join(traceback.format_exception(result.exception)))
        print(f"rc={result.exit_code}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
