"""The HTML report over a small case with known results (see tests/report_case.py)."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from report_case import build_report_case

from botwatch.privacy import Pseudonymizer
from botwatch.report import ReportLimits, collect_report_data, embed_json, write_report
from botwatch.report.identity import Identities
from botwatch.report.render import safe_url, show, template_html
from botwatch.store.case import Case

PAYLOADS = json.loads(
    (Path(__file__).parent / "fixtures" / "report" / "xss_payloads.json").read_text("utf-8")
)


class Page(HTMLParser):
    """Tags, ids, fragment links and attributes of a page."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.ids: set[str] = set()
        self.fragments: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append((tag, a))
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "a" and (a.get("href") or "").startswith("#"):
            self.fragments.append(a["href"][1:])


@pytest.fixture(scope="module")
def case_path(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("report")
    build_report_case(root / "case.duckdb", avatar_dir=root / "avatars")
    return root / "case.duckdb"


@pytest.fixture(scope="module")
def html(case_path) -> str:
    out = write_report(case_path, case_path.parent / "out" / "report.html")
    return out.read_text("utf-8")


def test_overview_counts_known_answers(html):
    assert '<b id="n-campaigns">2</b>' in html
    assert '<b id="n-flagged">6</b>' in html
    assert '<b id="share-flagged">50.0%</b>' in html
    assert '<dd id="run-id">2</dd>' in html and '<dd id="run-seed">7</dd>' in html
    assert "<tr><td>missing account id</td><td>2</td></tr>" in html
    assert "comments.csv" in html and "Asia/Almaty" in html
    assert "stale-run-9" not in html and "OLDCAMP9" not in html  # run 1's results do not show


def test_every_fragment_link_resolves(html):
    page = Page(html)
    assert len(page.fragments) > 40
    missing = sorted(set(page.fragments) - page.ids)
    assert missing == []
    for anchor in ["account-bot1", "account-bot6", "item-c1", "item-c10", "item-ghost-item"]:
        assert anchor in page.ids
    assert all(re.fullmatch(r"[A-Za-z0-9_.-]+", i) for i in page.ids)


def test_page_is_self_contained_and_locked_down(html):
    page = Page(html)
    csp = next(
        a["content"] for t, a in page.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"
    )
    assert "default-src 'none'" in csp and "http" not in csp and "unsafe" not in csp
    assert not any(t in ("link", "iframe", "object", "embed", "base") for t, _ in page.tags)
    assert [a.get("type") for t, a in page.tags if t == "script"] == [
        "application/json",
        "application/json",
        None,
        None,
    ]
    for tag, attrs in page.tags:
        assert not any(k.startswith("on") for k in attrs), (tag, attrs)
        assert "style" not in attrs, tag  # inline styles would need 'unsafe-inline'
        if tag == "img":
            assert attrs["src"].startswith("data:image/png;base64,")
        if tag == "a" and not attrs["href"].startswith("#"):
            assert attrs["href"].startswith("https://") and attrs["rel"] == "noopener noreferrer"


def test_campaign_views(html):
    assert '<mark class="slot">{Акиму/мэру}</mark>' in html
    assert html.count('<section class="campaign"') == 2
    # each of the two campaigns draws its three charts (not the "no data" text)
    assert html.count('aria-label="activity timeline: campaign versus organic comments"') == 2
    assert html.count('aria-label="hour-of-week activity heatmap"') == 2
    assert html.count('aria-label="account creation dates"') == 2
    # bot1's small local avatar is embedded once; bot3's is over 200 KB; bot2's remote URL is text only
    assert html.count("data:image/png;base64,") == 1
    assert "https://cdn.example.org/bot2.jpg" in html and 'src="https://cdn' not in html


def test_impact_per_page(html):
    # news_official: 8 of 15 comments flagged, 8 of 29 reactions; city_news: 2 of 5
    row = re.search(
        r"<td>news_official</td><td>15</td><td>8</td><td>53\.3%.*?</td><td>29</td><td>27\.6%", html
    )
    assert row, "news_official impact row"
    assert re.search(r"<td>city_news</td><td>5</td><td>2</td><td>40\.0%", html)


def test_network_data(html):
    data = json.loads(re.search(r'id="bw-network-data">(.*?)</script>', html).group(1))
    assert len(data["nodes"]) == 6 and len(data["edges"]) == 7  # the edge to unflagged h1 is left out
    colours = {n["id"]: n["colour"] for n in data["nodes"]}
    assert colours["account-bot1"] == colours["account-bot4"] != colours["account-bot5"]


def test_caps_are_announced_and_links_still_resolve(case_path, tmp_path):
    limits = ReportLimits(rows_per_table=1, comments_per_template=2, evidence_items=3, account_sections=2)
    text = write_report(case_path, tmp_path / "r.html", limits=limits).read_text("utf-8")
    page = Page(text)
    assert set(page.fragments) <= page.ids
    assert "Showing the first 2 of 8 matching comments" in text
    assert "Showing the first 2 of 6 accounts" in text
    assert "further evidence items are not listed" in text
    assert len([i for i in page.ids if i.startswith("item-")]) == 3


def test_capped_campaign_evidence_says_how_many_items_are_left_out(case_path, tmp_path):
    text = write_report(case_path, tmp_path / "r.html", limits=ReportLimits(items_per_evidence=1)).read_text()
    sections = re.findall(r'<section class="campaign".*?</section>', text, re.S)
    assert len(sections) == 2
    c1 = next(s for s in sections if "<h3>Campaign C1 " in s)
    evidence = c1[c1.index("<h4>Campaign evidence</h4>") : c1.index("<h4>Pages and posts worked</h4>")]
    assert '<span class="cap">(+1 more items)</span>' in evidence  # ev-c1 cites c1 and c5, one is shown


def test_case_without_detection_run(tmp_path):
    path = tmp_path / "empty.duckdb"
    Case(path).close()
    text = write_report(path, tmp_path / "r.html").read_text("utf-8")
    assert "No detection run in this case yet" in text


def test_payloads_stay_text(tmp_path, html):
    path = tmp_path / "case.duckdb"
    build_report_case(path, payloads=PAYLOADS)
    text = write_report(path, tmp_path / "r.html").read_text("utf-8")
    page = Page(text)
    # the payloads add no element type the clean report does not have, and no script
    assert {t for t, _ in page.tags} <= {t for t, _ in Page(html).tags}
    assert sum(1 for t, _ in page.tags if t == "script") == 4
    for _tag, attrs in page.tags:
        assert not any(k.startswith("on") for k in attrs)
    assert set(page.fragments) <= page.ids
    hrefs = [a["href"] for t, a in page.tags if t == "a"]
    assert all(h.startswith(("#", "https://", "http://")) for h in hrefs)
    assert "javascript:" not in "".join(hrefs).lower()
    for block in re.findall(r'<script type="application/json"[^>]*>(.*?)</script>', text, re.S):
        assert "<" not in block and "\u2028" not in block
        json.loads(block)


def test_embed_json_cannot_close_its_element():
    text = embed_json({"a": "</script><!--\u2028&"})
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text
    assert json.loads(text) == {"a": "</script><!--\u2028&"}


def test_urls_and_text_helpers():
    assert safe_url("https://example.org/a?b=1") == "https://example.org/a?b=1"
    for bad in [
        "javascript:alert(1)",
        " https://x.org",
        "data:text/html,x",
        'https://x.org/"a',
        "//x.org",
        "http:/x",
    ]:
        assert safe_url(bad) is None, bad
    assert show("<b>\u202e") == "&lt;b&gt;[U+202E]"
    assert show("שלום <") == "<bdi>שלום &lt;</bdi>"
    assert template_html("a {x/y} <b>") == 'a <mark class="slot">{x/y}</mark> &lt;b&gt;'


def test_anchors_are_safe_and_unique():
    ids = Identities()
    assert ids.account_anchor("vk", "123") == "account-123"
    weird = ids.account_anchor("vk", '1" onclick="x')
    assert re.fullmatch(r"account-[A-Za-z0-9_.-]+", weird)
    assert ids.account_anchor("vk", "1_ onclick_x") != weird
    assert ids.account_anchor("tg", "123") != "account-123"


class FakePseudonymizer:
    def account(self, platform, account_id):
        return "acct_" + str(abs(hash((platform, account_id))) % 10**8)

    def name(self, text):
        return "name_" + str(abs(hash(text)) % 10**6)

    def text(self, text):
        return re.sub(r"bot\d|h\d", "[user]", text)


def test_pseudonymized_report_hides_identities(case_path):
    with Case(case_path, read_only=True) as case:
        data = collect_report_data(case.con, pseudonymizer=FakePseudonymizer(), case_path=case_path)
    from botwatch.report import build_report

    text = build_report(data)
    for secret in [
        "@bot1",
        "Name bot1",
        "bio of bot1",
        "account-bot1",
        ">bot1<",
        "cdn.example.org",
        "data:image",
    ]:
        assert secret not in text, secret
    page = Page(text)
    assert set(page.fragments) <= page.ids and "pseudonymised" in text


def test_write_report_pseudonymize_with_privacy_module(case_path, tmp_path):
    text = write_report(case_path, tmp_path / "p.html", pseudonymize=True).read_text("utf-8")
    assert "@bot1" not in text and "Name bot1" not in text and "data:image" not in text
    assert "account-bot1" not in text and "item-c1" not in text
    page = Page(text)
    assert set(page.fragments) <= page.ids


def test_pseudonymized_report_hides_post_ids(case_path, html, tmp_path):
    posts = ["<td>p1</td>", "<td>p2</td>", "<td>p3</td>"]
    assert all(p in html for p in posts)  # the plain report names the posts
    text = write_report(case_path, tmp_path / "p.html", pseudonymize=True).read_text("utf-8")
    assert not any(p in text for p in posts)
    with Case(case_path, read_only=True) as case:
        pz = Pseudonymizer.for_case(case.con)
    assert f"<td>{pz.item('vk', 'p1')}</td>" in text


def test_pseudonymized_report_hides_handles_in_links(tmp_path):
    path = tmp_path / "case.duckdb"
    build_report_case(path)
    with Case(path) as case:
        case.con.execute("UPDATE items SET links = ['https://t.me/official/5'] WHERE item_id = 'c1'")
    text = write_report(path, tmp_path / "p.html", pseudonymize=True).read_text("utf-8")
    assert "t.me/official" not in text
    with Case(path, read_only=True) as case:
        pz = Pseudonymizer.for_case(case.con)
    shared = pz.text("https://t.me/official/5")  # "official" is the handle and id of the posting account
    assert shared.startswith("https://t.me/acct_") and shared in text  # the link stays, pseudonymised


def test_pseudonymized_report_with_a_given_salt_only_reads_the_case(case_path, tmp_path):
    with Case(case_path, read_only=True):  # a writable open of the same file would be refused meanwhile
        text = write_report(case_path, tmp_path / "p.html", pseudonymize=True, salt="s3cret").read_text()
    assert f"<td>{Pseudonymizer('s3cret').item('vk', 'p1')}</td>" in text


# -- leads, and campaigns built by the pipeline's own steps (tests/leads_case.py) ------------------------------
@pytest.fixture(scope="module")
def led_case(tmp_path_factory) -> Path:
    from leads_case import build_leads_case, score_by_hand

    from botwatch.campaigns import assemble_campaigns
    from botwatch.campaigns.leads import extract_leads

    path = tmp_path_factory.mktemp("leads") / "case.duckdb"
    case = build_leads_case(path)
    assemble_campaigns(case.con, 1, seed=7)
    score_by_hand(case.con)
    extract_leads(case.con, 1)
    case.close()
    return path


@pytest.fixture(scope="module")
def led_html(led_case) -> str:
    return write_report(led_case, led_case.parent / "report.html").read_text("utf-8")


def _part(text: str, start: str, end: str) -> str:
    i = text.index(start)
    return text[i : text.index(end, i)]


def _campaign_sections(text: str) -> dict[str, str]:
    sections = re.findall(r'<section class="campaign".*?</section>', text, re.S)
    return {re.search(r"<h3>Campaign (\S+) ", s).group(1): s for s in sections}


def test_campaign_evidence_shows_the_edges_and_templates_behind_it(led_html):
    # scoring writes evidence per account only: the section used to say "No evidence recorded." for every campaign
    campaigns = _campaign_sections(led_html)
    assert set(campaigns) == {"C1", "C2"}
    evidence = {
        c: _part(s, "<h4>Campaign evidence</h4>", "<h4>Pages and posts worked</h4>")
        for c, s in campaigns.items()
    }
    assert all("No evidence recorded." not in e for e in evidence.values())
    c1 = evidence["C1"]
    assert (
        '<span class="det">co_reply</span> 15 significant pair(s) link 6 of its 6 accounts within 60 s: 60 co-action(s)'
        in c1
    )
    assert '<span class="det">co_text</span> 15 significant pair(s) link 6 of its 6 accounts' in c1
    assert (
        '<span class="det">template</span> 6 of its 6 accounts posted 6 comments matching template(s) T2'
        in c1
    )
    assert 'href="#item-i-a0-1"' in c1 and 'href="#item-i-a0-2"' in c1  # the cited items, linked
    assert (
        '<span class="det">co_avatar</span> 3 of its 3 accounts use the same profile picture (3 pair(s)'
        in evidence["C2"]
    )


def test_campaign_linked_by_avatar_shows_its_members_items(led_html):
    c2 = _campaign_sections(led_html)["C2"]
    # it used to say "items 0" and "across 0 page(s)" beside charts full of comments
    assert "<dt>items</dt><dd>6</dd>" in c2 and "<dt>pages</dt><dd>PageV</dd>" in c2
    assert "3 accounts acting together (co_avatar) across 1 page(s)" in c2
    assert "0 page(s)" not in led_html


def test_leads_section_is_apart_ranked_and_explained(led_html):
    page = Page(led_html)
    assert set(page.fragments) <= page.ids
    assert '<b id="n-leads">2</b>' in led_html and '<a href="#leads">Leads (not flagged)</a>' in led_html
    assert '<b id="n-campaigns">2</b>' in led_html  # the group without a flagged account is no campaign
    leads = _part(led_html, '<section id="leads" class="leads">', '<section id="impact">')
    assert "<h2>Leads (not flagged)</h2>" in leads and "<b>Leads are not flags.</b>" in leads
    assert '<span class="flag">' not in leads  # the red flag badge never marks a lead
    assert leads.count('<span class="notflag">not flagged</span>') == 2
    assert leads.index('id="lead-L1"') < leads.index('id="lead-L2"')
    l1 = _part(leads, 'id="lead-L1"', "</section>")
    assert "rank 1 · account group · score\n0.45" in l1
    assert "<li>they share text template(s) T6</li>" in l1
    assert "so this community is a lead, not a campaign</li>" in l1
    assert 'template T6 <mark class="slot">{a/b}</mark>' in l1
    assert re.findall(r"\b(b\d) <span", l1) == ["b0", "b1", "b2", "b3"]
    l2 = _part(leads, 'id="lead-L2"', "</section>")
    assert (
        "4 accounts share templates T1, T5 (8 comments on 1 page(s)); no significant coordination edge" in l2
    )
    assert "cluster T1:" in l2 and "cluster T5:" in l2 and 'href="#item-i-h0-1"' in l2
    # lead accounts are in no campaign section
    assert not any(re.search(r"\bb0\b", s) for s in _campaign_sections(led_html).values())


def test_leads_capped_and_pseudonymised(led_case, tmp_path):
    limits = ReportLimits(leads=1, accounts_per_lead=2)
    text = write_report(led_case, tmp_path / "p.html", pseudonymize=True, limits=limits).read_text("utf-8")
    leads = _part(text, '<section id="leads" class="leads">', '<section id="impact">')
    assert "Showing the first 1 of 2 leads" in leads and "(+2 more accounts)" in leads
    with Case(led_case, read_only=True) as case:
        pz = Pseudonymizer.for_case(case.con)
    assert pz.account("vk", "b0") in leads
    shown = re.sub(r"<[^>]*>", " ", leads)
    assert not re.search(r"\b[abhv]\d\b", shown)  # no raw account id or item id (i-b0-1) left
    assert set(Page(text).fragments) <= Page(text).ids


def test_lead_payloads_stay_text(tmp_path, html):
    path = tmp_path / "case.duckdb"
    known = build_report_case(path, payloads=PAYLOADS)
    with Case(path) as case:
        for i, p in enumerate(PAYLOADS, 1):
            case.con.execute(
                """INSERT INTO leads VALUES (2, ?, ?, 'vk', ?, 0.3, 0.4, 2, 2, NULL, NULL, ?, ['T1', ?], [?], [?], 0,
                   NULL, ['c1', ?], ?, [?, 'why ' || ?])""",
                [
                    f"L{i}",
                    p if i % 2 else "text_cluster",
                    i,
                    [known["accounts"]["h4"], p],
                    p,
                    p,
                    p,
                    p,
                    p,
                    p,
                    p,
                ],
            )
    text = write_report(path, tmp_path / "r.html", limits=ReportLimits(leads=len(PAYLOADS))).read_text(
        "utf-8"
    )
    page = Page(text)
    assert {t for t, _ in page.tags} <= {t for t, _ in Page(html).tags}
    assert sum(1 for t, _ in page.tags if t == "script") == 4
    for _tag, attrs in page.tags:
        assert not any(k.startswith("on") for k in attrs)
    assert set(page.fragments) <= page.ids
    assert all(a["href"].startswith(("#", "https://", "http://")) for t, a in page.tags if t == "a")
    leads = _part(text, '<section id="leads" class="leads">', '<section id="impact">')
    assert leads.count('<section class="lead"') == len(PAYLOADS)
    assert "&lt;script&gt;window.__xss=1&lt;/script&gt;" in leads and "<script" not in leads


def test_campaign_template_rows_say_whether_each_writer_is_flagged_or_a_member(tmp_path):
    from leads_case import FLAGGED, build_leads_case, score_by_hand

    from botwatch.campaigns import assemble_campaigns
    from botwatch.campaigns.leads import extract_leads

    case = build_leads_case(tmp_path / "c.duckdb")
    # h9, outside the campaign, also writes C1's template T2; a5 is a member of C1 but not flagged
    case.con.execute("INSERT INTO cluster_items VALUES (1, 'T2', 'vk', 'i-h9-1', 'h9', 0.9)")
    assemble_campaigns(case.con, 1, seed=7)
    score_by_hand(case.con, flagged=FLAGGED - {"a5"})
    extract_leads(case.con, 1)
    case.close()
    html = write_report(tmp_path / "c.duckdb", tmp_path / "r.html").read_text("utf-8")
    c1 = _campaign_sections(html)["C1"]
    rows = re.findall(r"<tr><td>[^<]*</td><td>(?:<a [^>]*>)?(\w+)(?:</a>)?</td><td>([^<]*)</td>", c1)
    writers = dict(rows)
    assert writers["a0"] == "flagged" and writers["a5"] == "member, not flagged"
    assert writers["h9"] == "not in the campaign"


def test_shared_avatars_section_groups_accounts_by_picture(led_html):
    part = _part(led_html, '<section id="avatars">', "</section>")
    # v0-v2 share one picture (co_avatar edges): one group of three, none of its pictures loaded from afar
    assert "<h3>3 accounts, one picture</h3>" in part
    assert all(f'href="#account-v{i}"' in part or f">v{i}<" in part for i in range(3))
    assert "<img" not in part  # the case holds no picture files
    assert 'href="#avatars"' in led_html  # in the page's navigation
