"""``mask_outside``: a peak that would put the target's centre outside the image is never followed."""
import numpy as np

from core.geometry import iou
from tests.tracker_doubles import NccBackend, moving_target_scene
from tracker.backends import Response
from tracker.config import TrackerConfig
from tracker.tracker import Tracker


class CornerBump(NccBackend):
    """The test matcher (scoring the target at about 0.7) plus a sure peak at cell (4, 4) of every crop,
    standing in for a weak template that locks on to the edge of a crop's mean padding."""

    def __init__(self):
        super().__init__(bias=-7.0)

    def match(self, template, crops, modality, want=()):
        r = super().match(template, crops, modality, want)
        score = r.score.copy()
        score[:, 4, 4] = 20.0
        return Response(score=score, origin=r.origin, stride=r.stride)


def _corner_scene():
    # A target near the top-left corner: cell (4, 4) puts the centre about 40 px up and left, off the image.
    return moving_target_scene(n=5, box=(8, 6, 40, 40), velocity=(0.0, 0.0))


def test_peaks_outside_the_image_are_masked():
    frames, gt = _corner_scene()
    results = {}
    for mask in (True, False):
        tracker = Tracker(CornerBump(), TrackerConfig(mode="visible", mask_outside=mask, window_influence=0.176))
        tracker.init(frames[0], gt[0], "visible")
        results[mask] = [tracker.update(f) for f in frames[1:]]
    masked = np.array([r.box for r in results[True]])
    assert iou(masked, gt[1:]).min() > 0.7  # it follows the target
    assert iou(np.array([r.box for r in results[False]]), gt[1:]).min() < 0.3  # without the mask: the bump
    first = results[True][0].score_maps["visible"]
    assert (first[:, 4, 4] == 0).all()  # the map shows the masked cells as zero


def test_inside_mask_geometry():
    frames, gt = moving_target_scene(n=2)
    tracker = Tracker(NccBackend(), TrackerConfig(mode="visible"))
    tracker.init(frames[0], gt[0], "visible")
    r = Response(score=np.zeros((2, 25, 25), np.float32), origin=32.0, stride=8.0)
    w, h = tracker.state.image_size
    mask = tracker._inside([(0.0, 0.0), (w / 2, h / 2)], [255.0, 255.0], r)
    # crop px (origin + stride * j) - 127.5 is the offset from the crop centre, 1 reference px per crop px here
    offsets = 32.0 + 8.0 * np.arange(25) - 127.5
    assert (mask[0] == np.outer(offsets >= 0, offsets >= 0)).all()
    assert mask[1].all()  # a crop centred in the image: every cell is inside
    assert Tracker(NccBackend(), TrackerConfig(mask_outside=False))._inside([(0.0, 0.0)], [255.0], r) == 1.0
