"""The TraX server under the real VOT toolkit client (`vot test`) on a generated sequence."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from streams.vot_writer import write_vot_sequence
from tests.tracker_doubles import moving_target_scene

REPO = Path(__file__).resolve().parents[1]
# The toolkit lives in its own environment (it pulls opencv-python); `make test` passes its path.
VOT = Path(os.environ.get("HETEROTRACK_VOT", REPO / ".venv-vot" / "bin" / "vot"))
VOT = VOT if VOT.is_absolute() else (REPO / VOT)  # the client runs from a workspace folder


@pytest.mark.slow
def test_vot_toolkit_runs_heterotrack_over_trax(tmp_path):
    if not VOT.exists():
        pytest.skip(f"the VOT toolkit client is not installed at {VOT} (make vot-client)")
    frames, gt = moving_target_scene(n=8)
    seq = write_vot_sequence(tmp_path / "seq", [(f, b, None) for f, b in zip(frames, gt)])
    ws = tmp_path / "ws"
    ws.mkdir()
    heterotrack = Path(sys.executable).with_name("heterotrack")
    (ws / "trackers.ini").write_text(
        f"[HeteroTrack]\nlabel = HeteroTrack\nprotocol = trax\ncommand = {heterotrack} trax --classic\n")
    env = {**os.environ, "MPLBACKEND": "Agg"}
    out = subprocess.run([str(VOT), "test", "HeteroTrack", "--sequence", str(seq)], cwd=ws, env=env,
                         capture_output=True, text=True, timeout=240)
    log = out.stdout + out.stderr
    assert out.returncode == 0, log[-3000:]
    assert "Test concluded successfuly" in log, log[-3000:]
    states = [ln for ln in log.splitlines() if ln.startswith("@@TRAX:state")]
    assert len(states) == 8, log[-3000:]  # the init reply plus 7 frames
    assert "state=tracking" in states[-1]
    shutil.rmtree(ws, ignore_errors=True)


def test_server_exits_cleanly_when_the_client_disconnects():
    pytest.importorskip("trax", reason="vot-trax (the vot extra) is not installed")
    server = Path(sys.executable).with_name("heterotrack")
    proc = subprocess.Popen([str(server), "trax", "--classic"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    try:
        assert proc.stdout.readline().startswith(b"@@TRAX:hello")
        proc.stdin.close()  # the client goes away before initialising
        assert proc.wait(timeout=60) == 0
        assert b"client disconnected" in proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()
