"""TrackerConfig.heterologous_second: a second matcher's maps mixed into heterologous searches."""
import numpy as np
import pytest

from core.errors import ConfigError
from core.geometry import iou
from tests.tracker_doubles import NccBackend, moving_target_scene
from tracker.backends import Response
from tracker.classic_backend import CfogBackend
from tracker.config import TrackerConfig
from tracker.tracker import Tracker

# the bare box only: no banded twin, no silhouette, so the mix can be checked exactly
PLAIN = dict(heterologous_context=0.0, heterologous_silhouette=0.0, heterologous_mask=0.0, auto_align=False)


class PeakSecond:
    """A second matcher on NccBackend's grid that always puts a peak of logit 6 at cell (row, col)."""

    name = "test-peak"
    has_box_head = False
    has_attention = False

    def __init__(self, row: int = 12, col: int = 12, origin: float = 32.0):
        self.row, self.col, self.origin = row, col, origin
        self.encoded: list[str] = []
        self.searched: list[str] = []

    def encode(self, crop, modality, target=None):
        self.encoded.append(modality)
        return modality

    def match(self, template, crops, modality, want=()):
        self.searched.append(modality)
        score = np.full((len(crops), 25, 25), -4.0, np.float32)
        score[:, self.row, self.col] = 6.0
        return Response(score=score, origin=self.origin, stride=8.0)


class DescriptorLike(CfogBackend):
    """Stands for the learned descriptor backend: a CfogBackend subclass."""


def _cfg(**kw) -> TrackerConfig:
    return TrackerConfig(**{**PLAIN, **kw})


def test_cross_mode_mixes_the_second_matchers_logits_into_the_bare_box_template():
    frames, boxes = moving_target_scene(n=2)
    second = PeakSecond(row=5, col=20)
    tracker = Tracker(NccBackend(), _cfg(mode="cross", heterologous_second=0.4), second=second)
    tracker.init(frames[0], boxes[0], "visible")
    assert set(tracker.state.second) == {"infrared"} and second.encoded == ["visible"]
    side = tracker._search_side(tracker.state)
    crops = tracker._search_crops(frames[1].infrared, "infrared", tuple(tracker.state.center), [side])
    bare = tracker.backend.match(tracker.state.templates["infrared"][0], crops, "infrared")
    mixed = tracker._blend(tracker.state, "infrared", crops, bare)
    expected = 0.6 * bare.score + 0.4 * second.match(None, crops, "infrared").score
    assert np.allclose(mixed.score, expected, atol=1e-5)
    # the second matcher's peak pulls the mixed map's maximum to its cell
    assert np.unravel_index(int(np.argmax(mixed.score[0])), (25, 25)) == (5, 20)


def test_homologous_searches_never_ask_the_second_matcher():
    frames, boxes = moving_target_scene(n=4)
    second = PeakSecond()
    tracker = Tracker(NccBackend(), _cfg(mode="fused", heterologous_second=0.5), second=second)
    tracker.init(frames[0], boxes[0], "visible")
    for f in frames[1:]:
        tracker.update(f)
    assert tracker.state.second == {} and second.encoded == [] and second.searched == []


def test_cfog_beside_a_backend_built_on_it_and_never_beside_cfog_or_another_backend():
    frames, boxes = moving_target_scene(n=2)
    assert TrackerConfig().heterologous_second == 0.3
    assert Tracker(DescriptorLike(), _cfg(mode="cross", heterologous_second=0.0)).second is None
    assert isinstance(Tracker(DescriptorLike(), _cfg(mode="cross")).second, CfogBackend)
    assert Tracker(NccBackend(), _cfg(mode="cross")).second is None
    tracker = Tracker(CfogBackend(), _cfg(mode="cross", heterologous_second=0.5))
    assert tracker.second is None
    tracker.init(frames[0], boxes[0], "visible")
    assert tracker.state.second == {}


def test_a_second_matcher_on_another_grid_is_refused_at_init_naming_the_field():
    frames, boxes = moving_target_scene(n=2)
    tracker = Tracker(NccBackend(), _cfg(mode="cross", heterologous_second=0.5), second=PeakSecond(origin=31.5))
    with pytest.raises(ConfigError, match="heterologous_second"):
        tracker.init(frames[0], boxes[0], "visible")


class CountingCfog(CfogBackend):
    calls = 0

    def match(self, *args, **kw):
        self.calls += 1
        return super().match(*args, **kw)


def test_cross_mode_tracks_across_polarity_inversion_with_a_second_opinion():
    """CFOG as both matchers (the same grid): the mix follows the target from a visible template through an
    inverted IR stream, and the second matcher is asked on every frame."""
    frames, boxes = moving_target_scene(n=16)
    second = CountingCfog()
    tracker = Tracker(CfogBackend(), TrackerConfig(mode="cross", heterologous_second=0.5), second=second)
    tracker.init(frames[0], boxes[0], "visible")
    assert set(tracker.state.second) == {"infrared"}
    before = second.calls
    for f, truth in zip(frames[1:], boxes[1:]):
        result = tracker.update(f)
        assert result.state == "tracking"
        assert iou(result.box[None], truth[None])[0] > 0.5
    assert second.calls - before >= 15


@pytest.mark.parametrize("value", [-0.1, 1.5])
def test_the_weight_is_validated(value):
    with pytest.raises(ConfigError, match="heterologous_second"):
        TrackerConfig(heterologous_second=value)
