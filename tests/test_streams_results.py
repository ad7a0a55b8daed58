"""Results files: one flushed x,y,w,h line per frame, 0,0,0,0 for no box, read back as NaN."""
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from core.errors import InputError
from streams.results import ResultsWriter, read_results, write_results
from tests.conftest import REPO


def test_lines_are_written_and_flushed_frame_by_frame(tmp_path):
    path = tmp_path / "out" / "seq.txt"  # parent folders are created
    with ResultsWriter(path) as writer:
        writer.write((1, 2, 3, 4))
        assert path.read_text() == "1.00,2.00,3.00,4.00\n"  # visible before close
        writer.write(None)
        writer.write(np.array([np.nan] * 4))
        writer.write(np.array([10.126, 5.5, 7.25, 8.0]))
        assert writer.count == 4
    assert writer.closed
    assert path.read_text().splitlines() == ["1.00,2.00,3.00,4.00", "0,0,0,0", "0,0,0,0", "10.13,5.50,7.25,8.00"]
    back = read_results(path)
    assert back.shape == (4, 4)
    assert np.isnan(back[1]).all() and np.isnan(back[2]).all()
    np.testing.assert_allclose(back[3], [10.13, 5.5, 7.25, 8.0])


def test_fsync_mode_and_bulk_write(tmp_path):
    with ResultsWriter(tmp_path / "a.txt", fsync=True) as writer:
        writer.write([1, 1, 2, 2])
    assert read_results(tmp_path / "a.txt").tolist() == [[1, 1, 2, 2]]
    boxes = np.array([[1, 2, 3, 4], [np.nan] * 4])
    back = read_results(write_results(tmp_path / "b.txt", boxes))
    np.testing.assert_array_equal(np.isnan(back), np.isnan(boxes))


def test_a_crash_keeps_every_frame_written(tmp_path):
    path = tmp_path / "crash.txt"
    script = textwrap.dedent(f"""
        import os
        from streams.results import ResultsWriter
        writer = ResultsWriter({str(path)!r})
        for i in range(3):
            writer.write((i, i, 5, 5))
        os._exit(1)  # no close, no interpreter clean-up
    """)
    proc = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, timeout=60)
    assert proc.returncode == 1
    assert read_results(path).tolist() == [[0, 0, 5, 5], [1, 1, 5, 5], [2, 2, 5, 5]]


def test_empty_results_and_errors(tmp_path):
    ResultsWriter(tmp_path / "empty.txt").close()
    assert read_results(tmp_path / "empty.txt").shape == (0, 4)
    writer = ResultsWriter(tmp_path / "x.txt")
    with pytest.raises(ValueError, match="needs 4 numbers"):
        writer.write([1, 2, 3])
    writer.close()
    writer.close()
    with pytest.raises(ValueError, match="closed"):
        writer.write([1, 2, 3, 4])
    (tmp_path / "blocker").write_text("a file, not a folder")
    with pytest.raises(InputError, match="cannot write results"):
        ResultsWriter(tmp_path / "blocker" / "r.txt")
    (tmp_path / "bad.txt").write_text("1,2,3,4\n1,2,oops,4\n")
    with pytest.raises(InputError, match=r"bad\.txt:2: '1,2,oops,4' is not a list of numbers"):
        read_results(tmp_path / "bad.txt")
