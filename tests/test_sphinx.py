"""The Sphinx extension (``derive.sphinx_ext``): a small Sphinx + MyST course site built with the real
``sphinx-build``, its page rendered by headless Chromium with MathJax served locally.

The page of a correct proof builds under ``-W``, with its chains, reasons, verdict marks and the
counterexample of its erratum; a page with a wrong step warns (naming the proof's file and line) and
fails under ``-W``; in the browser every formula renders and none is a MathJax error.
"""

from __future__ import annotations

import functools
import http.server
import os
import re
import shutil
import subprocess
import sys
import threading
from html.parser import HTMLParser
from pathlib import Path

import pytest
from scratch_proofs import JACOBIAN, WRONG, scratch_repository

CONF = '''\
project = "Course notes"
extensions = ["myst_parser", "derive.sphinx_ext"]
mathjax_path = "mathjax/tex-chtml.js"   # served with the site: no network
html_static_path = ["_static"]
'''
GOOD = '''\
# The softmax Jacobian

```{derivation} softmax-jacobian
```
'''
BAD = '''\
# A diagonal with a slip

```{derivation} wrong-diagonal
```
'''
SCREENSHOT = Path(os.environ.get("DERIVE_SCREENSHOTS", "/tmp")) / "derive-sphinx-page.png"


def _missing(why: str):
    if os.environ.get("CI") == "true":
        pytest.fail(f"{why} under CI: .ci/run installs it")
    pytest.skip(why)


def _sphinx_build() -> list[str]:
    pytest.importorskip("myst_parser") if os.environ.get("CI") != "true" else None
    script = Path(sys.executable).parent / "sphinx-build"
    if not script.exists():
        _missing("sphinx-build is not installed (pip install 'derive-verifier[sphinx]')")
    return [str(script)]


def _mathjax() -> Path:
    """MathJax 3's es5 folder: $DERIVE_MATHJAX, or where .ci/run installs it with npm."""
    for folder in (os.environ.get("DERIVE_MATHJAX"),
                   Path.home() / ".cache" / "derive-tests" / "mathjax3" / "node_modules" / "mathjax" / "es5"):
        if folder and (Path(folder) / "tex-chtml.js").is_file():
            return Path(folder)
    _missing("MathJax 3 is not installed (npm install --prefix ~/.cache/derive-tests/mathjax3 mathjax@3)")


def site(root: Path, page: str) -> Path:
    """A course repository with the scratch proofs and a Sphinx + MyST site in docs/."""
    scratch_repository(root, **{"jacobian.py": JACOBIAN, "wrong.py": WRONG})
    docs = root / "docs"
    (docs / "_static").mkdir(parents=True)
    (docs / "conf.py").write_text(CONF, encoding="utf-8")
    (docs / "index.md").write_text(page, encoding="utf-8")
    return docs


def build(docs: Path, *options: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env["PYTHONPATH"] = str(Path(__file__).resolve().parent.parent)
    return subprocess.run([*_sphinx_build(), "-b", "html", "-q", "-E", *options, str(docs), str(docs / "_build")],
                          cwd=docs.parent, env=env, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def good_site(tmp_path_factory) -> Path:
    docs = site(tmp_path_factory.mktemp("course"), GOOD)
    result = build(docs, "-W")
    assert result.returncode == 0, result.stdout + result.stderr
    return docs


def test_a_page_of_correct_proofs_builds_under_W_with_chains_marks_and_counterexamples(good_site):
    html = (good_site / "_build" / "index.html").read_text(encoding="utf-8")
    chains = re.findall(r'<div class="derive-chain math notranslate nohighlight">\s*\\\[(.*?)\\\]</div>', html, re.S)
    assert len(chains) == 3  # one per case
    assert all(chain.strip().startswith(r"\begin{aligned}") for chain in chains)
    assert r"\text{quotient rule}" in chains[0] and r"\text{factor out } p_j" in chains[0]
    assert chains[0].count(r"\checkmark") == 3 and r"\times" in chains[2]   # the erratum's line
    assert "Counterexample." in html and "Line 2 does not hold" in html
    assert re.search(r"equals <span class=\"math notranslate nohighlight\">\\\(-0\.25\\\)</span> but line 2 "
                     r"equals <span class=\"math notranslate nohighlight\">\\\(0\.25\\\)</span>", html)
    assert "What goes wrong on line 2." in html and "derive.css" in html


def test_a_wrong_step_is_a_warning_naming_its_line_and_fails_the_build_under_W(tmp_path):
    docs = site(tmp_path, BAD)
    warned = build(docs)
    assert warned.returncode == 0, warned.stderr
    line = next(n for n, text in enumerate(WRONG.splitlines(), 1) if "step(p[j] * (1 + p[j])" in text)
    warnings = [w for w in warned.stderr.splitlines() if "WARNING" in w]
    assert any(f"wrong.py:{line}" in w and "step 2" in w and "got REFUTED" in w and "index.md:3" in w
               for w in warnings), warned.stderr
    failed = build(docs, "-W")
    assert failed.returncode != 0
    assert "got REFUTED" in failed.stderr


def test_an_unknown_proof_is_a_warning(tmp_path):
    docs = site(tmp_path, "# Nothing\n\n```{derivation} no-such-proof\n```\n")
    result = build(docs)
    assert "derivation 'no-such-proof': no such proof" in result.stderr


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


class _Maths(HTMLParser):
    """Sphinx's math elements: how many there are, how many MathJax rendered, how many show an error.

    An error is a TeX error (``mjx-merror``, or an element with ``data-mjx-error``) or an undefined
    macro, which MathJax shows as red text (``mtext mathcolor="red"``).
    """

    def __init__(self):
        super().__init__()
        self.stack: list[tuple[str, dict | None]] = []
        self.formulas = 0
        self.rendered = 0
        self.errors = 0

    def _formula(self) -> dict | None:
        return next((found for _, found in reversed(self.stack) if found is not None), None)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        classes = (attributes.get("class") or "").split()
        formula = None
        if tag in ("span", "div") and "math" in classes:
            self.formulas += 1
            formula = {"rendered": False, "error": False}
        current = self._formula()
        if current is not None:
            if tag == "mjx-container" and not current["rendered"]:
                current["rendered"] = True
                self.rendered += 1
            error = tag == "mjx-merror" or attributes.get("data-mjx-error") is not None or \
                (tag == "mtext" and attributes.get("mathcolor") == "red")
            if error and not current["error"]:
                current["error"] = True
                self.errors += 1
        self.stack.append((tag, formula))

    def handle_endtag(self, tag):
        while self.stack:
            name, _ = self.stack.pop()
            if name == tag:
                break


def test_in_headless_chromium_every_formula_renders_without_a_maths_error(good_site, tmp_path):
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        _missing("chromium is not installed (apt-get install chromium)")
    built = good_site / "_build"
    shutil.copytree(_mathjax(), built / "_static" / "mathjax", dirs_exist_ok=True)
    page = (built / "index.html").read_text(encoding="utf-8")
    # the control: the same page with one formula MathJax cannot parse, which the count must catch
    wrong = ("\\(\\frac{1}{\\)", "\\(\\undefinedmacro x\\)", "\\(x^^2\\)")  # unbalanced, undefined, an error
    broken = page.replace("<p><strong>Claim.</strong>",
                          "".join(f'<p><span class="math notranslate nohighlight">{w}</span></p>' for w in wrong)
                          + "<p><strong>Claim.</strong>", 1)
    assert broken != page
    (built / "broken.html").write_text(broken, encoding="utf-8")
    handler = functools.partial(_QuietHandler, directory=str(built))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        browser = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                   f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=20000"]
        doms = {}
        for name in ("index", "broken"):
            dom = subprocess.run([*browser, "--dump-dom", f"{base}/{name}.html"], capture_output=True, text=True,
                                 timeout=120)
            assert dom.returncode == 0, dom.stderr[-2000:]
            doms[name] = dom.stdout
        subprocess.run([*browser, "--window-size=1100,1800", f"--screenshot={SCREENSHOT}", f"{base}/index.html"],
                       capture_output=True, timeout=120)
    finally:
        server.shutdown()
        server.server_close()
    source = _Maths()
    source.feed(page)
    maths = _Maths()
    maths.feed(doms["index"])
    assert maths.formulas == source.formulas > 20 and source.rendered == 0
    assert maths.rendered == maths.formulas, f"{maths.formulas - maths.rendered} formulas were not rendered"
    assert maths.errors == 0
    body = re.sub(r"<script.*?</script>|<style.*?</style>", "", doms["index"][doms["index"].find("<body"):],
                  flags=re.S)
    assert "\\(" not in body and "\\[" not in body and "\\begin{aligned}" not in body
    control = _Maths()
    control.feed(doms["broken"])
    assert control.formulas == maths.formulas + 3
    assert control.rendered == maths.formulas + 2 and control.errors == 2
    assert SCREENSHOT.is_file() and SCREENSHOT.stat().st_size > 10_000
