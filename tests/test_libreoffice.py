"""The sample's Word and Excel outputs open in LibreOffice, convert to PDF in good time, and print a sane number of pages.

Slow (a whole ``ipe run`` and three conversions). ``.ci/run`` installs LibreOffice and poppler when missing, so this
runs in CI rather than skipping: a missing ``soffice`` fails here.
"""

import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from ipe.run import run

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent
# (file under the reports folder, seconds allowed, fewest pages, most pages)
OUTPUTS = [
    ("tables/findings-tables.docx", 120, 15, 150),
    ("sense-check-pack.docx", 60, 5, 80),
    ("tables/findings-tables.xlsx", 420, 20, 1500),
]


@pytest.fixture(scope="module")
def reports(tmp_path_factory, monkeypatch_module):
    monkeypatch_module.chdir(ROOT)
    out = tmp_path_factory.mktemp("reports")
    run(out=out)
    return out


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as mp:
        yield mp


def _pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))


@pytest.mark.parametrize("name, seconds, fewest, most", OUTPUTS)
def test_converts_to_pdf_in_time_with_sane_page_count(reports, tmp_path, name, seconds, fewest, most):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    assert soffice, "LibreOffice is not installed (.ci/run installs it with apt-get)"
    assert shutil.which("pdfinfo"), "poppler-utils is not installed (.ci/run installs it with apt-get)"
    source = reports / name
    started = time.monotonic()
    # A private profile, so a LibreOffice already open elsewhere neither blocks nor is disturbed.
    subprocess.run([soffice, f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(source)],
                   check=True, capture_output=True, timeout=seconds + 60)
    took = time.monotonic() - started
    pdf = tmp_path / (source.stem + ".pdf")
    assert pdf.is_file()
    assert took < seconds, f"{name} took {took:.0f} s to convert"
    assert fewest <= _pages(pdf) <= most
