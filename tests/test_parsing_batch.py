"""Resume batches that survive hostile files: lying-size ZIP bombs, files that run too long, dead workers."""

from __future__ import annotations

import io
import os
import signal
import struct
import time
import zipfile

import pytest

import workbench.parsing.api as api
from workbench.parsing import ParseError, parse_many
from workbench.parsing.readers import check_zip


def _lying_zip(real: int, claimed: int = 1000) -> bytes:
    """A ZIP whose one entry inflates to ``real`` bytes while its headers claim ``claimed``."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("word/document.xml", b"\0" * real)
    data = bytearray(buf.getvalue())
    local, central = data.find(b"PK\x03\x04"), data.find(b"PK\x01\x02")
    struct.pack_into("<I", data, local + 22, claimed)
    struct.pack_into("<I", data, central + 24, claimed)
    return bytes(data)


def test_a_lying_size_zip_bomb_is_refused_before_it_inflates():
    """The headers claim 1,000 bytes; the stream check inflates only what is claimed (one chunk at a time),
    finds the CRC wrong and refuses the file, before python-docx would inflate it whole."""
    import tracemalloc

    data = _lying_zip(12 * 2**20)
    assert zipfile.ZipFile(io.BytesIO(data)).infolist()[0].file_size == 1000  # the headers lie
    tracemalloc.start()
    with pytest.raises(ParseError, match="corrupt ZIP container|zip bomb"):
        check_zip(data, "bomb.docx", max_unzipped=4 * 2**20)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 8 * 2**20


def test_an_honest_bomb_over_the_limit_is_refused():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        z.writestr("word/document.xml", b"x" * (3 * 2**20))
    with pytest.raises(ParseError, match="zip bomb"):
        check_zip(buf.getvalue(), "big.docx", max_unzipped=2 * 2**20)


def test_an_honest_small_zip_passes():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("a.xml", b"<w/>" * 100)
    check_zip(buf.getvalue(), "ok.docx")


def _files(tmp_path, n=3):
    paths = []
    for i in range(n):
        p = tmp_path / f"cv{i}.txt"
        p.write_text(f"Person {i}\nSales Manager, Acme Inc. 2019 - 2021\n", encoding="utf-8")
        paths.append(p)
    return paths


def test_a_worker_killed_from_outside_is_that_files_error_and_the_batch_goes_on(tmp_path, monkeypatch):
    paths = _files(tmp_path)
    real = api._work

    def work(job):
        if job[0].endswith("cv1.txt"):
            os.kill(os.getpid(), signal.SIGKILL)  # as the OOM killer does
        return real(job)

    monkeypatch.setattr(api, "_work", work)
    results, failures = parse_many(paths, workers=2, progress=False)
    assert len(results) == 2
    assert [f for f, _ in failures] == [str(paths[1])] and "worker died" in failures[0][1]


def test_a_file_that_runs_too_long_is_stopped(tmp_path, monkeypatch):
    paths = _files(tmp_path, 2)
    real = api._work

    def work(job):
        if job[0].endswith("cv0.txt"):
            time.sleep(30)
        return real(job)

    monkeypatch.setattr(api, "_work", work)
    t0 = time.perf_counter()
    results, failures = parse_many(paths, workers=1, progress=False, seconds=1)
    assert time.perf_counter() - t0 < 20
    assert len(results) == 1 and "longer than 1 s" in failures[0][1]
