"""Report benchmark: a synthetic case of 100k comments with 20 campaigns; time to write the report, its size,
and the time until it is ready in headless Chromium (Debian's, through Playwright).

    python benchmarks/report.py [--comments 100000] [--out /tmp/botwatch-report-bench] [--renders 5] [--no-browser]

Besides the wall time of ``write_report`` it prints the CPU seconds of its two steps, reading the case
(``collect_report_data``) and rendering the page (``build_report``, the best of ``--renders`` runs), so a change
to the templates can be measured on a loaded machine.

Targets: opens in under 5 s, weighs under 20 MB. Results are written down in benchmarks/results/report.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from pathlib import Path

from botwatch.report import build_report, collect_report_data, write_report
from botwatch.report.browser import CHROMIUM_ARGS, DEFAULT_CHROMIUM
from botwatch.store.case import Case


def build_case(path: Path, n_comments: int, n_campaigns: int = 20, bots_per_campaign: int = 100) -> None:
    """Comments under 500 posts by 20k organic accounts and ``n_campaigns`` × ``bots_per_campaign`` bots (30 %
    of comments), with campaigns, scores, templates, edges (all pairs within a campaign) and evidence."""
    if path.exists():
        path.unlink()
    n_bots = n_campaigns * bots_per_campaign
    with Case(path) as case:
        con = case.con
        con.execute("""
            INSERT INTO items (platform, item_id, account_id, kind, parent_id, root_id, channel, created_at, text,
                               reactions, source_id, position)
            SELECT 'vk', 'p' || i, 'page' || (i % 10), 'post', NULL, NULL, 'page' || (i % 10),
                   TIMESTAMP '2024-01-01' + INTERVAL (i * 3) HOUR, 'Post number ' || i || ' about the city', 100, 1, i
            FROM range(500) t(i)""")
        con.execute(f"""
            INSERT INTO items (platform, item_id, account_id, kind, parent_id, root_id, channel, created_at, text,
                               reactions, source_id, position)
            SELECT 'vk', 'c' || i,
                   CASE WHEN i % 10 < 3 THEN 'bot' || (hash(i) % {n_bots}) ELSE 'u' || (hash(i * 7) % 20000) END,
                   'comment', 'p' || (i % 500), 'p' || (i % 500), 'page' || ((i % 500) % 10),
                   TIMESTAMP '2024-01-01' + INTERVAL ((i % 500) * 3) HOUR + INTERVAL (hash(i) % 7200) SECOND,
                   CASE WHEN i % 10 < 3 THEN 'Спасибо акиму за новую дорогу номер ' || (i % 5) || '!'
                        ELSE 'Organic comment ' || i || ' with some words about what happened today' END,
                   hash(i) % 5, 1, i
            FROM range({n_comments}) t(i)""")
        con.execute(f"""
            INSERT INTO accounts (platform, account_id, handle, display_name, created_at, bio, avatar_url, n_items)
            SELECT 'vk', 'bot' || i, 'bot_handle_' || i, 'Bot Name ' || i, TIMESTAMP '2023-06-01' + INTERVAL (i % 5) DAY,
                   'bio', 'https://cdn.example.org/' || i || '.jpg', 15 FROM range({n_bots}) t(i)
            UNION ALL
            SELECT 'vk', 'u' || i, 'user_' || i, 'User ' || i, TIMESTAMP '2012-01-01' + INTERVAL (i % 3000) DAY,
                   NULL, NULL, 3 FROM range(20000) t(i)""")
        con.execute(
            "INSERT INTO sources (source_id, file_name, format, platform) VALUES (1, 'bench.jsonl', 'jsonl', 'vk')"
        )
        con.execute("INSERT INTO runs VALUES (1, now(), now(), '0.1.0', 7, '{\"seed\": 7}', ['bench'])")
        con.execute(f"""
            INSERT INTO campaigns (run_id, campaign_id, platform, n_accounts, n_items, layers, cluster_ids, description)
            SELECT 1, 'C' || c, 'vk', {bots_per_campaign}, 0, ['co_comment'], ['T' || c], 'campaign ' || c
            FROM range({n_campaigns}) t(c)""")
        con.execute(f"""
            INSERT INTO campaign_accounts SELECT 1, 'C' || (b // {bots_per_campaign}), 'vk', 'bot' || b
            FROM range({n_bots}) t(b)""")
        con.execute(f"""
            INSERT INTO account_scores (run_id, platform, account_id, score, flagged, campaign_id, reasons, features)
            SELECT 1, 'vk', 'bot' || b, 0.9, true, 'C' || (b // {bots_per_campaign}), ['templated text'], '{{}}'
            FROM range({n_bots}) t(b)
            UNION ALL SELECT 1, 'vk', 'u' || i, 0.1, false, NULL, [], '{{}}' FROM range(20000) t(i)""")
        con.execute(f"""
            INSERT INTO text_clusters (run_id, cluster_id, platform, template, n_items, n_accounts)
            SELECT 1, 'T' || c, 'vk', 'Спасибо акиму за новую дорогу номер {{0/1/2/3/4}}!', 0, {bots_per_campaign}
            FROM range({n_campaigns}) t(c)""")
        con.execute(f"""
            INSERT INTO cluster_items (run_id, cluster_id, platform, item_id, account_id, similarity)
            SELECT 1, 'T' || (CAST(substr(account_id, 4) AS INTEGER) // {bots_per_campaign}), 'vk', item_id,
                   account_id, 0.9 FROM items WHERE account_id LIKE 'bot%'""")
        con.execute(f"""
            INSERT INTO edges (run_id, platform, account_a, account_b, layer, weight, significant, evidence_item_ids)
            SELECT 1, 'vk', 'bot' || a, 'bot' || b, 'co_comment', 1 + (a + b) % 4, true, []
            FROM range({n_bots}) x(a), range({n_bots}) y(b)
            WHERE a < b AND a // {bots_per_campaign} = b // {bots_per_campaign}""")
        con.execute("""
            INSERT INTO evidence (run_id, evidence_id, platform, account_id, campaign_id, detector, description,
                                  item_ids, weight)
            SELECT 1, 'ev-' || account_id, 'vk', account_id, NULL, 'near_duplicate', 'posted the template',
                   list(item_id ORDER BY item_id)[:15], 1.0
            FROM items WHERE account_id LIKE 'bot%' GROUP BY account_id""")


def open_in_chromium(report: Path, chromium: str) -> tuple[float, float]:
    """Seconds until the page is ready (parsed, laid out, search built), and then until the network is drawn
    after scrolling to it."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        page = browser.new_page()
        started = time.perf_counter()
        page.goto(report.resolve().as_uri(), timeout=60_000)
        page.wait_for_selector("html[data-ready='1']", timeout=60_000)
        ready = time.perf_counter() - started
        started = time.perf_counter()
        page.locator("#bw-network").scroll_into_view_if_needed()
        page.wait_for_selector("html[data-network='1']", timeout=60_000)
        network = time.perf_counter() - started
        browser.close()
    return ready, network


def cpu_seconds(case_path: Path, renders: int) -> tuple[float, str]:
    """CPU seconds (this process, all threads) to read the report's data once, and to render the page: the
    best of ``renders`` runs and all of them."""
    with Case(case_path, read_only=True) as case:
        started = time.process_time()
        data = collect_report_data(case.con, case_path=case_path)
        collect = time.process_time() - started
    times = []
    for _ in range(max(1, renders)):
        started = time.process_time()
        build_report(data)
        times.append(time.process_time() - started)
    return collect, f"{min(times):.3f} ({', '.join(f'{t:.3f}' for t in times)})"


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem = int(
            next(
                x for x in Path("/proc/meminfo").read_text().splitlines() if x.startswith("MemTotal")
            ).split()[1]
        )
        mem_text = f"{mem / 1024 / 1024:.0f} GiB RAM"
    except (OSError, StopIteration, ValueError):
        mem_text = "unknown RAM"
    return f"{cpu}, {os.cpu_count()} cores visible, {mem_text}, {platform.system()} {platform.release()}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=int, default=100_000)
    parser.add_argument("--out", type=Path, default=Path("/tmp/botwatch-report-bench"))
    parser.add_argument("--chromium", default=DEFAULT_CHROMIUM)
    parser.add_argument("--renders", type=int, default=5, help="times build_report is timed (best is shown)")
    parser.add_argument("--no-browser", action="store_true", help="skip opening the page in Chromium")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    case_path = args.out / "case.duckdb"
    load_before = os.getloadavg()
    t0 = time.perf_counter()
    build_case(case_path, args.comments)
    t1 = time.perf_counter()
    report = write_report(case_path, args.out / "report.html")
    t2 = time.perf_counter()
    size_mb = report.stat().st_size / 1e6
    collect_cpu, render_cpu = cpu_seconds(case_path, args.renders)
    print(f"machine: {machine()}")
    print(f"load average before: {load_before}; after: {os.getloadavg()}")
    print(f"comments: {args.comments:,}; case built in {t1 - t0:.1f} s")
    print(f"write_report: {t2 - t1:.1f} s; report size: {size_mb:.1f} MB")
    print(
        f"CPU seconds: collect_report_data {collect_cpu:.2f}; build_report best of {args.renders}: {render_cpu}"
    )
    if args.no_browser:
        return
    opened = [open_in_chromium(report, args.chromium) for _ in range(3)]
    print(f"open in Chromium until ready (3 runs): {', '.join(f'{r:.2f} s' for r, _ in opened)}")
    print(f"then draw the network when scrolled to: {', '.join(f'{n:.2f} s' for _, n in opened)}")


if __name__ == "__main__":
    main()
