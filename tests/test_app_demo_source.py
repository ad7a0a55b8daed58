"""The built-in demo as a source: usable while it is generated, cached once complete."""
import dataclasses

import numpy as np
import pytest

from app.demo_source import COMPLETE, GeneratingDemo, demo_key, open_demo
from core.errors import SourceError
from streams.sequence import DatasetSequence
from synth.scene import PRESETS

SMALL = dataclasses.replace(PRESETS["demo"], frames=6, width=160, height=128)


def test_generates_then_caches(tmp_path):
    demo = open_demo(SMALL, tmp_path)
    assert isinstance(demo, GeneratingDemo) and len(demo) == 6 and demo.fps == 30
    first = demo.frame(0)
    assert first.visible.shape == (128, 160, 3) and first.infrared.shape == (128, 160)
    assert np.all(np.isfinite(demo.init_box))
    last = demo.frame(5)
    assert last.index == 5 and last.t_visible == pytest.approx(5 / 30)
    np.testing.assert_allclose(demo.groundtruth_visible[0], demo.init_box)
    with pytest.raises(IndexError):
        demo.frame(6)
    assert demo.progress == (6, 6)
    demo.close()
    final = tmp_path / f"demo-{demo_key(SMALL)}"
    assert (final / COMPLETE).is_file() and not list(tmp_path.glob("*.partial-*"))
    again = open_demo(SMALL, tmp_path)
    assert isinstance(again, DatasetSequence) and len(again) == 6
    np.testing.assert_allclose(again.init_box, demo.init_box, atol=0.01)
    again.close()


def test_closing_early_leaves_no_cache(tmp_path):
    demo = open_demo(dataclasses.replace(SMALL, frames=200), tmp_path)
    demo.frame(0)
    demo.close()
    assert not list(tmp_path.iterdir())
    with pytest.raises(SourceError, match="closed"):
        demo.frame(150)
