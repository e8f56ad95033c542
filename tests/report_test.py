#!/usr/bin/env python3
"""report_test.py BINARY - the support-case report (Markdown and HTML) and --redact.

Every check compares the report with what --format=json says for the same
captures (the bundled samples/, plus captures crafted here with
tests/lib/pcapgen.py and `openssl req`), so a report that drops or changes a
diagnosis fails.  The HTML page is opened in headless Chromium (Debian
package chromium) with a clean profile: no network request, no console
message, one <svg> per failed connection with the failing message marked;
a screenshot is kept in build/report-screenshot.png.
Ends with "report: N passed, N failed".
"""
import glob
import hashlib
import html
import html.parser
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
import pcapgen as pg  # noqa: E402
import schema_check  # noqa: E402
from harness import test  # noqa: E402
import harness  # noqa: E402

BIN = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "./tlsanalyze")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SAMPLES = sorted(glob.glob(os.path.join(ROOT, "samples", "*.pcap")))
TMP = tempfile.mkdtemp(prefix="tlsa-report-")




def tmp(name):
    return os.path.join(TMP, name)


def run(*args, stdin=None, timeout=120):
    p = subprocess.run([BIN, "--quiet", *args], input=stdin, capture_output=True,
                       timeout=timeout)
    return p.returncode, p.stdout.decode("utf-8", "strict"), p.stderr.decode("utf-8", "replace")


def json_doc(*args):
    rc, out, err = run("--format=json", *args)
    assert rc in (0, 1), err
    doc = json.loads(out)
    schema_check.check_document(doc)
    return rc, doc


def all_conns(doc):
    for cap in doc["captures"]:
        for c in cap["connections"]:
            yield cap["file"], c


def failed(c):
    return any(d["severity"] == "error" for d in c["diagnoses"])


# ------------------------------------------------------------ crafted captures

HOSTILE_SNI = b"<script>alert(1)</script>.example"
CN_HOLD = "HTML-CN-PLACEHOLDER-0123456789"
HOSTILE_CN = b"<script>alert(2)</script>"


def hostile_capture():
    """A TLS 1.2 handshake whose SNI and certificate CN hold <script>, ended
    by the client with bad_certificate: a failed connection with a section."""
    path = tmp("hostile-html.pcap")
    if os.path.exists(path):
        return path
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-keyout", tmp("k.pem"),
                    "-subj", "/CN=%s/O=Hostile Org" % CN_HOLD,
                    "-addext", "subjectAltName=DNS:www.hostile.example,IP:10.9.8.7",
                    "-days", "30", "-outform", "DER", "-out", tmp("c.der")],
                   check=True, capture_output=True, timeout=60)
    der = open(tmp("c.der"), "rb").read()
    der = der.replace(CN_HOLD.encode(), HOSTILE_CN + b"." * (len(CN_HOLD) - len(HOSTILE_CN)))
    p = pg.Pcap()
    c = pg.Conn(p, cip=(10, 1, 2, 3), sip=(10, 4, 5, 6))
    c.handshake()
    c.send(True, pg.record(22, pg.client_hello(sni=HOSTILE_SNI)))
    cert_msg = pg.u8(11) + pg.vec24(pg.vec24(pg.vec24(der)))
    c.send(False, pg.record(22, pg.server_hello() + cert_msg))
    c.send(True, pg.alert(2, 42))
    c.close(True)
    p.write(path)
    return path


def many_failures_capture(n):
    """|n| connections, each refused by the server with handshake_failure."""
    path = tmp("many-%d.pcap" % n)
    p = pg.Pcap()
    for i in range(n):
        c = pg.Conn(p, cport=20000 + i % 40000, cip=(10, i // 62500, i // 250 % 250,
                                                     i % 250 + 1), sip=(10, 99, 0, 1))
        c.handshake()
        c.send(True, pg.record(22, pg.client_hello(sni=b"svc%d.example" % i)))
        c.send(False, pg.alert(2, 40))
        c.close(False)
    p.write(path)
    return path


# ------------------------------------------------------------ HTML parsing

class Page(html.parser.HTMLParser):
    """The parts of the report the tests read: articles with their rules,
    summaries' text, svg elements, script tags, and every URL attribute."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.articles = []        # {"file","conn","rules","summaries":[...],"svgs":[...]}
        self.scripts = 0
        self.urls = []
        self.text = []
        self._in_summary = 0
        self._summary = []
        self._in_svg = False
        self._svg = None
        self._in_fail_text = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for k in ("src", "href", "action", "data", "poster", "xlink:href"):
            if k in a and a[k] is not None and not a[k].startswith("#"):
                self.urls.append(a[k])
        if tag == "script":
            self.scripts += 1
        if tag == "article":
            self.articles.append({"file": a.get("data-file"), "conn": int(a["data-conn"]),
                                  "rules": a.get("data-rules", "").split(), "summaries": [],
                                  "svgs": []})
        if tag == "span" and "summary" in (a.get("class") or "").split():
            self._in_summary = 1
            self._summary = []
        elif self._in_summary and tag == "span":
            self._in_summary += 1
        if tag == "svg":
            self._in_svg = True
            self._svg = {"fail_texts": [], "fail_lines": 0, "conn": a.get("data-conn")}
        if self._in_svg and "fail" in (a.get("class") or "").split():
            if tag == "text":
                self._in_fail_text = True
            elif tag == "line":
                self._svg["fail_lines"] += 1

    def handle_endtag(self, tag):
        if tag == "span" and self._in_summary:
            self._in_summary -= 1
            if self._in_summary == 0 and self.articles:
                self.articles[-1]["summaries"].append("".join(self._summary))
        if tag == "text":
            self._in_fail_text = False
        if tag == "svg" and self._in_svg:
            self._in_svg = False
            if self.articles:
                self.articles[-1]["svgs"].append(self._svg)

    def handle_data(self, data):
        self.text.append(data)
        if self._in_summary:
            self._summary.append(data)
        if self._in_fail_text:
            self._svg["fail_texts"].append(data)


def parse_html(text):
    p = Page()
    p.feed(text)
    p.close()
    return p


def md_unescape(s):
    s = re.sub(r"\\([\\`*_\[\]|~])", r"\1", s)
    return s.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def md_sections(text):
    """{(file, id): section text} of the failed-connection sections."""
    out = {}
    for part in text.split('<a id="c')[1:]:
        m = re.search(r"### Connection #(\d+): ", part)
        f = re.search(r"\nCapture (.*?), frames \d+", part)
        out[(md_unescape(f.group(1)), int(m.group(1)))] = part
    return out


def expected_failed(doc):
    return {(f, c["id"]): c for f, c in all_conns(doc) if failed(c)}


# ------------------------------------------------------------ tests

@test
def html_has_the_diagnoses_of_json():
    rc_j, doc = json_doc(*SAMPLES)
    rc, out, err = run("--format=html", *SAMPLES)
    assert rc == rc_j == 1, (rc, rc_j, err)
    page = parse_html(out)
    want = expected_failed(doc)
    got = {(a["file"], a["conn"]): a for a in page.articles}
    assert set(got) == set(want), (sorted(set(got) ^ set(want)))
    for key, c in want.items():
        a = got[key]
        assert a["rules"] == [d["rule"] for d in c["diagnoses"]], (key, a["rules"])
        assert a["summaries"] == [d["summary"] for d in c["diagnoses"]], (key, a["summaries"])
        assert len(a["svgs"]) == 1, key
    others = sum(1 for _, c in all_conns(doc) if not failed(c))
    assert "Other connections (%d)" % others in out
    assert page.scripts == 0 and page.urls == [], (page.scripts, page.urls)


@test
def markdown_has_the_diagnoses_of_json():
    _, doc = json_doc(*SAMPLES)
    rc, out, err = run("--format=markdown", *SAMPLES)
    assert rc == 1, err
    sections = md_sections(out)
    want = expected_failed(doc)
    assert set(sections) == set(want), sorted(set(sections) ^ set(want))
    for key, c in want.items():
        sec = md_unescape(sections[key])
        root = c["diagnoses"][0]
        assert "— `%s`" % root["rule"] in sec, key
        for d in c["diagnoses"]:
            assert d["summary"] in sec, (key, d["rule"])
        assert "```mermaid" in sec
        assert "tcp.stream eq %d && tls" % c["id"] in sec
        if c.get("alert", {}).get("frame"):
            assert "frame.number == %d" % c["alert"]["frame"] in sec, key
            assert re.search(r"-x[CS]: frame %d, .*handshake failed here" % c["alert"]["frame"],
                             sec), key
    assert "## Failed connections (%d)" % len(want) in out
    # The other connections, grouped by outcome, version and suite.
    groups = {}
    for _, c in all_conns(doc):
        if not failed(c):
            sh = c["server_hello"] or {}
            key = (c["outcome"], sh.get("version") or "-", sh.get("cipher_suite") or "-")
            groups[key] = groups.get(key, 0) + 1
    for (outcome, version, suite), n in groups.items():
        assert "| %s | %s | %s | %d |" % (outcome, version, suite, n) in out, (outcome, suite)


@test
def markdown_tables_are_well_formed():
    """GFM: every row of a table has the header's number of cells (an
    unescaped | in a name would add one), and code fences pair up."""
    _, out, _ = run("--format=markdown", hostile_capture(), *SAMPLES)
    lines = out.split("\n")
    i = 0
    tables = 0
    while i < len(lines):
        if lines[i].startswith("|") and i + 1 < len(lines) and re.match(r"^\|[-:|]+\|$",
                                                                         lines[i + 1]):
            cells = len(re.findall(r"(?<!\\)\|", lines[i]))
            tables += 1
            j = i + 2
            while j < len(lines) and lines[j].startswith("|"):
                assert len(re.findall(r"(?<!\\)\|", lines[j])) == cells, lines[j]
                j += 1
            i = j
        else:
            i += 1
    assert tables > 20, tables
    assert sum(1 for ln in lines if ln.startswith("```")) % 2 == 0


class GfmPage(html.parser.HTMLParser):
    """cmark-gfm's HTML: the text of each paragraph and table cell, tables,
    raw elements that only unescaped input could make."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.blocks = []
        self.tables = 0
        self.raw = []
        self._cur = None

    def handle_starttag(self, tag, attrs):
        if tag in ("p", "td", "li", "h3"):
            self._cur = []
        if tag == "table":
            self.tables += 1
        if tag in ("script", "img", "svg", "iframe", "style"):
            self.raw.append(tag)

    def handle_endtag(self, tag):
        if tag in ("p", "td", "li", "h3") and self._cur is not None:
            self.blocks.append("".join(self._cur))
            self._cur = None

    def handle_data(self, data):
        if self._cur is not None:
            self._cur.append(data)


@test
def markdown_renders_with_github_cmark_gfm():
    """GitHub's own renderer (Debian cmark-gfm, raw HTML allowed): the
    tables are tables, no element comes from a capture string, and every
    diagnosis summary reads exactly as in the JSON."""
    cmark = shutil.which("cmark-gfm")
    assert cmark, "cmark-gfm is not installed (make check installs the Debian package)"
    files = [hostile_capture()] + SAMPLES
    _, doc = json_doc(*files)
    rc, md, err = run("--format=markdown", *files)
    r = subprocess.run([cmark, "-e", "table", "--unsafe"], input=md.encode(),
                       capture_output=True, timeout=60, check=True)
    page = GfmPage()
    page.feed(r.stdout.decode())
    assert not page.raw, page.raw
    assert page.tables >= 3 + 2 * len(expected_failed(doc)), page.tables   # evidence, facts
    text = "\n".join(page.blocks)
    for key, c in expected_failed(doc).items():
        for d in c["diagnoses"]:
            # Code spans in a summary render as <code>: their text stays.
            assert d["summary"].replace("`", "") in text.replace("`", ""), (key, d["rule"])
        assert c["diagnoses"][0]["title"] in page.blocks, key
    assert HOSTILE_SNI.decode() in page.blocks, "the SNI cell"


@test
def capture_strings_are_escaped():
    path = hostile_capture()
    _, doc = json_doc(path)
    conn = doc["captures"][0]["connections"][0]
    assert conn["client_hello"]["sni"] == HOSTILE_SNI.decode(), conn["client_hello"]["sni"]
    assert conn["certificates"][0]["cn"].startswith("<script>alert(2)</script>")
    assert failed(conn), conn["diagnoses"]
    rc, out, err = run("--format=html", path)
    assert rc == 1, err
    assert "<script" not in out.lower(), "raw <script> in the HTML"
    page = parse_html(out)
    assert page.scripts == 0
    text = "".join(page.text)
    # The subject comes in OpenSSL's RFC 2253 form (\< for <), escaped once more.
    assert HOSTILE_SNI.decode() in text and conn["certificates"][0]["subject"] in text
    rc, md, err = run("--format=markdown", path)
    # Outside code (fenced blocks and `spans`, which GFM shows literally) no
    # raw HTML at all: every < is an entity.
    prose = re.sub(r"`[^`\n]*`", "", re.sub(r"(?ms)^```.*?^```$", "", md))
    assert "<script" not in prose.lower(), "raw <script> in the Markdown"
    assert "<" not in re.sub(r'<a id="c\d+-\d+"></a>', "", prose), "raw < in the Markdown"
    assert "```sh\nopenssl s_client -connect 10.4.5.6:443 -servername '<script>" in md
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in md
    # The follow-up command quotes the name for the shell.
    assert "-servername '<script>alert(1)</script>.example'" in md


@test
def report_file_beside_text_output():
    rc, out, err = run("--report", tmp("case.md"), SAMPLES[0])
    assert rc == 1 and out.startswith(os.path.relpath(SAMPLES[0], os.getcwd())) or \
        SAMPLES[0] in out, out[:200]
    md = open(tmp("case.md"), encoding="utf-8").read()
    assert md.startswith("# TLS handshake report")
    rc, out, err = run("--report", tmp("case.html"), "--format=json", SAMPLES[0])
    json.loads(out)
    assert open(tmp("case.html"), encoding="utf-8").read().startswith("<!DOCTYPE html>")
    rc, out, err = run("--report", tmp("case.txt"), SAMPLES[0])
    assert rc == 2 and "--report wants a file name ending in .md or .html" in err, err
    rc, out, err = run("--report", "/nonexistent-dir/x.html", SAMPLES[0])
    assert rc == 2 and "/nonexistent-dir/x.html: cannot write the report" in err, err


@test
def metadata_hashes_and_counts():
    files = [os.path.join(ROOT, "samples", n) for n in ("incomplete-chain.pcap",
                                                        "tls13-ok.pcap")]
    _, doc = json_doc(*files)
    bad = tmp("not-a-capture.pcap")
    with open(bad, "w") as f:
        f.write("garbage")
    rc, out, err = run("--format=markdown", bad, *files)
    assert rc == 2, err
    assert "**Could not be read:** %s: not a pcap or pcapng capture" % bad in md_unescape(out), \
        out[:1500]
    rc, out, err = run("--format=markdown", *files)
    for f, cap in zip(files, doc["captures"]):
        digest = hashlib.sha256(open(f, "rb").read()).hexdigest()
        row = [ln for ln in out.split("\n") if ln.startswith("| " + cap["file"] + " |")]
        assert row, cap["file"]
        assert "`%s` | %d |" % (digest, cap["packets"]) in row[0], row[0]
        span_ms = (cap["last_time"] - cap["first_time"]) * 1000
        assert "| %.1f ms |" % span_ms in row[0], (row[0], span_ms)
        assert ", ".join(cap["linktypes"]) in row[0]
    assert "tlsanalyze --quiet --format=markdown " + " ".join(files) in out
    data = open(files[0], "rb").read()
    rc, out, err = run("--format=markdown", "-", stdin=data)
    assert "standard input: not hashed" in out, out[:800]


@test
def section_cap_is_said():
    path = many_failures_capture(105)
    rc, out, err = run("--format=html", path)
    assert rc == 1, err
    page = parse_html(out)
    assert len(page.articles) == 100, len(page.articles)
    assert "Only the first 100 failed connections are shown in detail (5 more failed)" in out
    assert "Failed connections (105)" in out


def peak_rss_kib(binary, *args):
    """VmHWM of the running tool, read from /proc until it exits (ru_maxrss
    would also count this Python process, which the child starts as)."""
    with open(os.devnull, "wb") as null:
        p = subprocess.Popen([binary, "--quiet", *args], stdout=null, stderr=null)
        peak = 0
        while p.poll() is None:
            try:
                with open("/proc/%d/status" % p.pid) as f:
                    for ln in f:
                        if ln.startswith("VmHWM:"):
                            peak = max(peak, int(ln.split()[1]))
            except OSError:
                pass
            time.sleep(0.005)
    assert p.returncode == 1, p.returncode
    return peak


@test
def report_memory_does_not_grow_with_connections():
    """1,000 and 10,000 failed connections: the report keeps 100 sections in
    a temporary file and only counts the rest, so peak RSS stays (release
    build; the sanitizer build's RSS says nothing)."""
    rel = os.path.join(ROOT, "tlsanalyze")
    small, large = many_failures_capture(1000), many_failures_capture(10000)
    a = peak_rss_kib(rel, "--format=html", small)
    b = peak_rss_kib(rel, "--format=html", large)
    print("     html: 1,000 failed connections %d KiB, 10,000: %d KiB" % (a, b))
    assert 0 < b < a * 1.5, (a, b)
    rc, out, err = run("--format=markdown", large)
    assert "Failed connections (10000)" in out and "(9900 more failed)" in out


def originals(doc, files):
    """Every address and name the unredacted facts hold."""
    names = set()
    ips = set()

    def dn_values(dn):
        for part in re.split(r"(?<!\\),", dn):
            if "=" in part:
                names.add(part.split("=", 1)[1])

    def walk(o, key=None):
        if isinstance(o, dict):
            for k, v in o.items():
                walk(v, k)
        elif isinstance(o, list):
            for v in o:
                walk(v, key)
        elif isinstance(o, str):
            if key in ("client", "server") and ":" in o:
                ips.add(o.rsplit(":", 1)[0].strip("[]"))
            elif key in ("sni", "cn"):
                names.add(o)
            elif key in ("subject", "issuer"):
                dn_values(o)
            elif key == "san":
                t, v = o.split(":", 1)
                (ips if t == "IP" else names).add(v)
    for f, c in all_conns(doc):
        walk(c)
    for f in files:
        names.add(f)
        names.add(os.path.basename(f))
    return ips, {n for n in names if n}


# Key logs and certificate extraction add decrypted TLS 1.3 certificates and
# file names made of capture names and fingerprints: redaction must cover them.
KEYLOGS = [a for k in sorted(glob.glob(os.path.join(ROOT, "samples", "*.keys")))
           for a in ("--keylog", k)]


def redaction_targets(files):
    _, doc = json_doc(*KEYLOGS, "--extract-certs", tmp("certs"), *files)
    ips, names = originals(doc, files)
    for f in files:   # --extract-certs names chain files after the capture
        names.add(os.path.basename(f).rsplit(".", 1)[0] + "-0-chain")
    for _, c in all_conns(doc):
        names.update(x["sha256"] for x in c.get("certificates", []))
    assert "127.0.0.1" in ips and "::1" in ips and "10.1.2.3" in ips, ips
    assert "api.example.com" in names and "Sample Intermediate CA" in names, names
    assert "Hostile Org" in names and "www.hostile.example" in names, names
    return doc, ips, names


def leaks(text, ips, names):
    found = []
    for ip in ips:
        # As an address: not inside a longer number or a pseudonym.
        if re.search(r"(?<![0-9A-Za-z:.])%s(?![0-9A-Za-z])" % re.escape(ip), text):
            found.append(ip)
    for n in names:
        if n.lower() in text.lower():
            found.append(n)
    return found


@test
def redaction_leaves_no_address_or_name():
    files = [hostile_capture()] + SAMPLES
    doc, ips, names = redaction_targets(files)
    for fmt in ("markdown", "html", "json", "ndjson", "text"):
        rc, out, err = run("--redact", "--format=" + fmt, "-f", "host 127.0.0.1 or net 10.0.0.0/8",
                           *KEYLOGS, "--extract-certs", tmp("certs"), *files)
        assert rc == 1, (fmt, err)
        found = leaks(out, ips, names)
        assert not found, (fmt, found[:10])
    rc, out, err = run("--redact", "--report", tmp("redacted.html"), *files)
    assert not leaks(open(tmp("redacted.html"), encoding="utf-8").read(), ips, names)
    assert not leaks(out, ips, names)


@test
def redaction_of_the_public_corpus():
    """Real captures (../shared/corpus, when present; every 6th file): no
    address and no name that could be told from our own words (8
    characters or more, or with a dot) survives --redact."""
    corpus = os.path.join(ROOT, "..", "shared", "corpus", "captures")
    files = sorted(f for f in glob.glob(os.path.join(corpus, "*", "*")) if os.path.isfile(f))
    if not files:
        print("     no ../shared/corpus: skipped")
        return
    files = files[::6]
    rc, doc = json_doc(*files)
    ips, names = originals(doc, [])
    names = {n for n in names if len(n) >= 8 or "." in n}
    assert len(ips) > 100 and len(names) > 100, (len(ips), len(names))
    for fmt in ("json", "html"):
        rc, out, err = run("--redact", "--format=" + fmt, *files, timeout=600)
        found = leaks(out, ips, names)
        assert not found, (fmt, found[:20])


@test
def redaction_keeps_versions_suites_alerts_dates_rules():
    files = [hostile_capture()] + SAMPLES
    _, plain = json_doc(*files)
    _, red = json_doc("--redact", *files)
    for (f1, a), (f2, b) in zip(all_conns(plain), all_conns(red)):
        assert a["id"] == b["id"] and a["outcome"] == b["outcome"]
        assert [d["rule"] for d in a["diagnoses"]] == [d["rule"] for d in b["diagnoses"]]
        for k in ("max_version", "cipher_suites", "supported_versions"):
            assert (a["client_hello"] or {}).get(k) == (b["client_hello"] or {}).get(k)
        for k in ("version", "cipher_suite"):
            assert (a["server_hello"] or {}).get(k) == (b["server_hello"] or {}).get(k)
        assert a["alerts"] == b["alerts"]
        for ca, cb in zip(a["certificates"], b["certificates"]):
            assert (ca["not_before"], ca["not_after"]) == (cb["not_before"], cb["not_after"])
            assert ca["sha256"] != cb["sha256"]
        assert b["client"].split(":")[-1] == a["client"].split(":")[-1]    # ports stay


@test
def redaction_is_stable_and_keyed():
    files = [os.path.join(ROOT, "samples", "multi.pcap"), hostile_capture()]
    _, a = json_doc("--redact-key", "case-1234", *files)
    _, b = json_doc("--redact-key", "case-1234", *files)
    _, c = json_doc("--redact-key", "case-5678", *files)
    _, d = json_doc("--redact", *files)
    conns_a = [x for _, x in all_conns(a)]
    assert conns_a == [x for _, x in all_conns(b)], "same key, different pseudonyms"
    assert conns_a != [x for _, x in all_conns(c)]
    assert conns_a != [x for _, x in all_conns(d)]
    # Same input, same pseudonym within a report: every connection of
    # multi.pcap has the same server address and SNI.
    multi = a["captures"][0]["connections"]
    assert len({x["server"].rsplit(":", 1)[0] for x in multi}) == 1
    assert len({x["client_hello"]["sni"] for x in multi}) == 1
    sni = multi[0]["client_hello"]["sni"]
    assert re.fullmatch(r"host-[0-9a-f]{10}", sni), sni
    # The SNI and the certificate name it matches get the same pseudonym.
    certs = [x for x in multi if x["certificates"]]
    assert any("DNS:" + sni in x["certificates"][0]["san"] for x in certs), certs[0]
    # The key is never printed.
    rc, out, err = run("--redact-key", "case-1234", "--format=markdown", *files)
    assert "case-1234" not in out and "--redact-key REDACTED" in out


@test
def redact_ips_keeps_names():
    files = [hostile_capture()] + SAMPLES
    doc, ips, names = redaction_targets(files)
    rc, out, err = run("--redact=ips", "--format=json", *files)
    assert not leaks(out, ips, set())
    red = json.loads(out)
    snis = {c["client_hello"]["sni"] for _, c in all_conns(red) if c["client_hello"]}
    assert "api.example.com" in snis, snis
    rc, out, err = run("--redact=names", SAMPLES[0])
    assert rc == 2 and "--redact wants all or ips" in err, err


# ------------------------------------------------------------ headless Chromium

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--disable-default-apps", "--disable-extensions",
                  "--enable-logging=stderr", "--v=0"]
# Requests the browser makes for itself (updates, time, accounts): not the page's.
BROWSER_HOSTS = re.compile(r"^https?://([a-z0-9-]+\.)*(google\.com|googleapis\.com|gvt1\.com|"
                           r"gstatic\.com)(/|$)")


def chromium():
    for name in ("chromium", "chromium-browser"):
        if shutil.which(name):
            return shutil.which(name)
    raise AssertionError("chromium is not installed (make check installs the Debian package)")


def open_in_chromium(page, *extra):
    """Loads |page| with a clean profile; returns (dom, console messages,
    URLs the page requested)."""
    profile = tempfile.mkdtemp(prefix="profile-", dir=TMP)
    netlog = os.path.join(profile, "netlog.json")
    p = subprocess.run([chromium(), *CHROMIUM_FLAGS, "--user-data-dir=" + profile,
                        "--log-net-log=" + netlog, *extra, "file://" + page],
                       capture_output=True, timeout=180)
    err = p.stderr.decode("utf-8", "replace")
    console = [ln for ln in err.split("\n") if ":CONSOLE" in ln]
    urls = set()
    if os.path.exists(netlog):
        for u in re.findall(r'"url":"([^"]*)"', open(netlog, encoding="utf-8",
                                                     errors="replace").read()):
            if not u.startswith(("file:", "data:", "about:", "chrome:")) and \
                    not BROWSER_HOSTS.match(u):
                urls.add(u)
    return p.stdout.decode("utf-8", "replace"), console, urls


@test
def chromium_detects_requests_and_console_errors():
    """The check below must be able to fail: a page that fetches an image and
    logs an error is caught."""
    bad = tmp("bad.html")
    with open(bad, "w") as f:
        f.write('<!DOCTYPE html><html><body><img src="http://192.0.2.1/x.png">'
                '<script>console.error("console-check")</script></body></html>')
    dom, console, urls = open_in_chromium(bad, "--dump-dom")
    assert any("192.0.2.1" in u for u in urls), urls
    assert any("console-check" in c for c in console), console


@test
def html_report_in_headless_chromium():
    files = [hostile_capture()] + SAMPLES
    _, doc = json_doc(*files)
    page = tmp("samples-report.html")
    rc, out, err = run("--report", page, *files)
    assert rc == 1, err
    dom, console, urls = open_in_chromium(page, "--dump-dom")
    assert not urls, urls
    assert not console, console
    parsed = parse_html(dom)
    want = expected_failed(doc)
    arts = {(a["file"], a["conn"]): a for a in parsed.articles}
    assert set(arts) == set(want), sorted(set(arts) ^ set(want))
    for key, c in want.items():
        svgs = arts[key]["svgs"]
        assert len(svgs) == 1, key
        marked = " ".join(svgs[0]["fail_texts"])
        alert = c.get("alert") or {}
        if alert.get("frame"):
            what = "encrypted" if alert.get("encrypted") else alert["description"]
            assert "Alert" in marked and what in marked, (key, marked)
        elif c["outcome"] in ("reset", "closed", "not_tls"):
            assert "TCP RST" in marked or "TCP FIN" in marked, (key, marked)
        assert svgs[0]["fail_lines"] >= 1 or not marked, key
    assert parsed.scripts == 0
    os.makedirs(os.path.join(ROOT, "build"), exist_ok=True)
    shot = os.path.join(ROOT, "build", "report-screenshot.png")
    if os.path.exists(shot):
        os.unlink(shot)
    small = tmp("small.html")
    run("--report", small, os.path.join(ROOT, "samples", "incomplete-chain.pcap"))
    open_in_chromium(small, "--screenshot=" + shot, "--window-size=1000,2000",
                     "--hide-scrollbars")
    assert os.path.getsize(shot) > 10000, "no screenshot"
    assert open(shot, "rb").read(8) == b"\x89PNG\r\n\x1a\n"



if __name__ == "__main__":
    sys.exit(harness.run("report", TMP, 58))
