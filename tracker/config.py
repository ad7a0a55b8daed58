"""Tracker parameters: one frozen dataclass, SiamFC defaults."""
from __future__ import annotations

import math
from dataclasses import dataclass

from core.errors import ConfigError

MODES = ("visible", "infrared", "cross", "fused")


@dataclass(frozen=True)
class TrackerConfig:
    """Parameters of the SiamFC-style loop (defaults follow SiamFC).

    ``mode``: ``visible`` or ``infrared`` track in one modality; ``cross``
    takes the template from the init modality and searches the other;
    ``fused`` (default) searches both with their own frozen templates and
    mixes the score maps by reliability.
    """

    mode: str = "fused"
    exemplar_size: int = 127
    instance_size: int = 255
    context: float = 0.5
    scales: int = 3
    scale_step: float = 1.0375
    scale_penalty: float = 0.9745
    scale_lr: float = 0.59
    # Whether a heterologous search lets the backend describe the pyramid's middle crop only and resample it for
    # the other scales (``accepts_factors``; homologous searches always do). Off: a heterologous map's scale
    # curve is broad, and the resampled descriptors bias it towards the smaller box (a zoom-in traced on
    # FLIR_00311 of the real development set shrank the box 28 -> 20 px while the truth grew to 50 px; with
    # each crop described it stayed near its size). Cross SR, on -> off: real dev 0.646 -> 0.676, synthetic dev
    # 301-305 0.381 -> 0.380, 401-405 0.342 -> 0.348; cross mode slower (benchmark, 640x512: 40.0 fps
    # before this session, 18.5 and 26.4 in two runs with the new defaults; docs/TRACKER.md, "Fifteenth session").
    heterologous_share_pyramid: bool = False
    # A heterologous frame takes its scale factor at the vertex of a parabola (in log scale) through the 3
    # scales' fused scores at the chosen cell, within the pyramid's range, instead of the best scale after the
    # scale penalty: its scale curve is too broad for the penalty to let the size follow a zoom (FLIR_00311 of
    # the real development set: the box held 27-30 px while the truth grew to 50; fitted, 39 px). Scores that
    # are not concave keep the discrete choice. Cross SR, off -> on: real dev 0.676 -> 0.696, synthetic dev
    # 301-305 0.380 -> 0.380, 401-405 0.348 -> 0.369 (docs/TRACKER.md, "Fifteenth session").
    heterologous_scale_fit: bool = True
    # SiamFC uses 0.176; 0.45 suits our broader probability maps (docs/TRACKER.md, "Motion prior and the window").
    window_influence: float = 0.45
    # ... and on frames whose every map comes from a heterologous template (cross mode): those maps are
    # noisier, and the motion prior is worth more (docs/TRACKER.md, seventh session; 0.6 -> 0.85 in the
    # twelfth, once the banded template was mixed in).
    heterologous_window: float = 0.85
    # Camera motion compensation (tracker/camera_motion.py): each frame, the searched streams' frame-to-frame
    # similarity (corner flow + RANSAC, the target's neighbourhood left out) moves the state's centre and size
    # before the search, so the prior follows the background and the velocity is the target's own. An estimate
    # needs ``camera_motion_min_inliers`` inliers, else the frame is searched uncompensated. "heterologous": for
    # a target searched with the other modality's template (cross mode, and fused mode without a usable second
    # image at init); "all": always; "off" (true and false mean "all" and "off"). Cross SR, off -> heterologous
    # (with ``camera_velocity_decay`` below): synthetic dev 301-305 0.481 -> 0.506, 401-405 0.418 -> 0.469, real
    # dev 0.707 -> 0.736; benchmark 0.588 -> 0.645 (docs/TRACKER.md, "Seventeenth session").
    camera_motion: str | bool = "heterologous"
    camera_motion_min_inliers: int = 20
    # ... and on frames it compensates, the velocity, then the target's own over the ground, decays by this per
    # unseen frame instead of ``velocity_decay`` (also with "all", which the older ``true`` means): a walker
    # behind a pillar walks on while the camera pans, and a coast that slows down in the image ran the box off
    # the target (docs/TRACKER.md, "Sixteenth session").
    camera_velocity_decay: float = 1.0
    response_up: int = 16
    total_stride: int = 8
    # Box head refinement: damped blend of the head's size into the scale estimate.
    box_refine: bool = True
    box_lr: float = 0.3
    # Target size limits relative to the initial size.
    min_scale: float = 0.2
    max_scale: float = 5.0
    # Confidence (fused peak probability) below which a frame counts as weak;
    # after ``lost_patience`` weak frames in a row the tracker is ``lost``.
    lost_threshold: float = 0.25
    lost_patience: int = 3
    # A frame is also weak when its confidence falls below ``relative_weak`` times the median confidence of
    # the latest ``relative_window`` tracking frames (0 = off): an occluded target's look-alike seldom scores
    # as the target did, so the tracker coasts and re-detects instead of following it (docs/TRACKER.md).
    relative_weak: float = 0.7
    relative_window: int = 8
    # A heterologous template (cross mode, or fused without a usable second image at init) can score well
    # below ``lost_threshold`` on the very target it was cut for: ``init`` measures that score on the init
    # frame, and frames are weak only below ``reference_weak`` times it where that is the lower bar (0 = off).
    reference_weak: float = 0.5
    reacquire_threshold: float = 0.45
    # Re-detection also needs ``relative_reacquire`` times the median confidence of the latest tracking frames
    # before the loss (0 = off; the same ``relative_window``).
    relative_reacquire: float = 0.8
    # That extra bar falls linearly to nothing over ``reacquire_relax`` scanned lost frames (0 = never), for
    # a peak within ``reacquire_near`` mean sides of the predicted position (0 = anywhere): a target that
    # comes back from behind an occluder, where the tracker coasted, can score below what it did before.
    reacquire_relax: int = 60
    reacquire_near: float = 1.5
    # A heterologous re-detection (every template searched in the other modality) takes only peaks within
    # ``heterologous_reacquire_gate + heterologous_reacquire_growth * frames lost`` mean target sides of the
    # coasted position (0 = anywhere): a structure about 110 px off, taken 3 frames after the loss, was followed for
    # the rest of the benchmark's ``misaligned`` scene. Chosen together with ``heterologous_second`` (below).
    heterologous_reacquire_gate: float = 1.0
    heterologous_reacquire_growth: float = 0.1
    # While lost the search area grows by this factor per frame up to ``max_search_growth``,
    # then the whole frame is scanned.
    search_growth: float = 1.5
    max_search_growth: float = 3.0
    # Constant-velocity prior (tracker/motion.py): the search is centred on the last position plus the
    # smoothed velocity; ``velocity_lr`` 0 turns it off (plain SiamFC). It is learnt on confident frames
    # only, decays by ``velocity_decay`` on each frame the target is not seen, and one frame's predicted
    # move is capped at ``velocity_max_step`` times the target's mean side.
    velocity_lr: float = 0.3
    velocity_decay: float = 0.97
    velocity_max_step: float = 0.5
    # One frame's displacement pulls the velocity at most this many mean sides away from its current value
    # (0 = no cap), so that a jump to a look-alike does not set the target coasting after it. Off: over two
    # synthetic development sets (80 scenes) 0.25 moved fused SR by +0.015 and cross SR by -0.010, within noise
    # (docs/TRACKER.md, "Tenth session").
    velocity_max_innovation: float = 0.0
    # On a weak frame keep the predicted position (and size) instead of following a peak that is not trusted.
    coast_weak: bool = True
    # Streams without a calibration file are taken as aligned. With ``auto_align`` (cross and fused modes)
    # ``init`` looks for the init template in the other stream around the box, and when the match has at
    # least ``align_min_confidence`` and is off by at least ``align_min_shift`` times the target's mean
    # side, it shifts the mapping by that offset before cutting the other template, provided the other
    # stream's template cut there leads back to within ``align_cycle_tolerance`` of the size of the box.
    auto_align: bool = True
    align_min_confidence: float = 0.85
    align_min_shift: float = 0.15
    align_cycle_tolerance: float = 0.25
    # While lost, at most ``scan_tiles`` search crops per modality and frame (the first every frame, the
    # others in turn over the following frames), so a lost frame costs about
    # what a tracking frame costs (tiles cannot share the descriptor as the pyramid's crops do); 0 scans
    # every tile of the region each frame.
    scan_tiles: int = 2
    # ... and the crop searched every frame is centred on the prediction itself, not on the grid point nearest
    # to it: a crop's response covers only its middle (half to three quarters of its side), and a grid point
    # up to half a step off left a target returning beside the prediction outside it (docs/TRACKER.md,
    # "Ninth session").
    scan_at_prediction: bool = True
    # ... and the first crop is also searched at these factors of the target's size (1 is
    # always searched; () = the last size only).
    scan_scales: tuple[float, ...] = ()
    # While a heterologous target is followed at under ``verify_below`` times its init-frame score (the median
    # of the latest tracking frames; 0 = off), ``verify_tiles`` more crops of the frame are searched each frame
    # in turn, away from the followed position, and the tracker moves to a peak that scores ``verify_margin``
    # above what it follows (docs/TRACKER.md, "Seventeenth session").
    verify_below: float = 0.0
    verify_tiles: int = 2
    verify_margin: float = 0.2
    # Move the grid peak to the maximum of the matcher's own dense response within one grid step
    # (tracker/refine.py): "on", "off", or "auto" = where the backend asks for it (``refine_peaks``: the
    # learned descriptor, whose broad peaks the grid resampling biases; not CFOG, which lost SR by it).
    peak_refine: str = "auto"
    # Score only the placements that put the target's centre inside the image (a crop's mean padding has an
    # artificial edge that a weak template can match; docs/TRACKER.md, "Seventh session").
    mask_outside: bool = True
    # A heterologous template (searched in the other modality) is cut with a band of ``heterologous_context``
    # mean target sides of its surroundings on every side, as eval-match's learned descriptor is
    # (models/classic/context.py); the exemplar crop bounds it (SiamFC's context 0.5 gives at most the whole
    # exemplar). 0 = the box alone.
    heterologous_context: float = 1.0
    # ... and with ``heterologous_blend`` < 1 both templates are searched, the bare box and the banded one, and
    # their logit maps mixed as (1 - blend) * box + blend * band: the band votes against look-alikes while the
    # box keeps a target that walks away from its background in view. 1 = the banded template alone. 1 / 0.3
    # raised cross SR on all three development sets (0.247 -> 0.301, 0.237 -> 0.269, real 0.593 -> 0.618) and
    # on the benchmark 0.453 -> 0.547; the band alone lost on the synthetic ones (docs/TRACKER.md, "Eleventh
    # session").
    heterologous_blend: float = 0.3
    # ... and the init box's colour silhouette (its foreground probabilities) is matched by NCC against the
    # searched modality's intensity, its logits mixed in at this weight (tracker/silhouette.py; 0 = off): a
    # person is a region of one temperature with the same outline in both streams. Used only where the box's
    # colours set it apart from its ring by ``heterologous_silhouette_separation`` and where, on the init
    # frame, the silhouette scores ``heterologous_silhouette_min`` at the known position and its best match in
    # the search crop is within a grid step of it (a cold target, or a patch of scene, fails that). Cross SR,
    # off -> 0.15: synthetic dev 301-305 0.346 -> 0.381, 401-405 0.290 -> 0.342, real dev 0.648 -> 0.646
    # (docs/TRACKER.md, "Fifteenth session").
    heterologous_silhouette: float = 0.15
    heterologous_silhouette_min: float = 0.4
    heterologous_silhouette_separation: float = 0.15
    # ... and the bare box template is also searched with a second matcher (the hand-crafted CFOG one, beside the
    # learned descriptor; none when the tracker runs on CFOG), its logits mixed into the bare box's at this
    # weight (0 = off): the two describe structure differently, and a background edge that one of them
    # matches with confidence the other seldom does. Cross SR with the re-detection gate above, off -> 0.3
    # (same sitting): synthetic dev 301-305 0.385 -> 0.413, 401-405 0.361 -> 0.375, real dev 0.665 -> 0.707;
    # benchmark 0.567 -> 0.563, cross mode about 0.8 times the speed (docs/TRACKER.md, "Sixteenth session").
    heterologous_second: float = 0.3
    # ... and the bare box template's pixels are weighed in its NCC by ``(1 - k) + k * p``, p being how much likelier
    # the pixel's colour is inside the box than in the ring around it on the init frame, k = ``heterologous_mask``
    # (tracker/foreground.py; 0 = evenly): a walker that fills under half of its box is matched more by its own
    # outline than by the hedge and kerb behind it ...
    heterologous_mask: float = 1.0
    # ... at full strength only where the colours set the box apart from its ring by at least this much
    # (``separation``, the mean p inside the box minus outside; below it k falls in proportion; 0 = always full).
    # Cross SR, evenly -> mask 1 -> mask 1 with 0.2 here: synthetic dev 301-305 0.331 -> 0.342 -> 0.346, 401-405
    # 0.280 -> 0.289 -> 0.290, real dev 0.626 -> 0.636 -> 0.648; benchmark 0.507 -> 0.525 -> 0.527
    # (docs/TRACKER.md, "Fourteenth session").
    heterologous_mask_separation: float = 0.2
    # The same colour weights for a template searched in its own modality (fused mode, and the visible and
    # infrared modes), with the same separation gate; 0 = evenly. Off: fused SR 0 -> 1 rose on the synthetic
    # development sets (0.486 -> 0.512, 0.461 -> 0.484; real dev 0.926 -> 0.926) but fell on the benchmark
    # (0.731 -> 0.723), where the dropout scene lost 0.167 against its clean twin (the issue allows 0.05), at
    # about 0.8 times the speed (docs/TRACKER.md, "Fourteenth session").
    homologous_mask: float = 0.0
    # The reported box's left and right edges are moved to those of the target's pixels in the searched image
    # (tracker/extent.py): a walker's tight box is 20 px wide with its legs together and 50 px in
    # mid-stride, and the search keeps one width. "heterologous": for heterologous searches only (cross mode,
    # and a fused modality searched with the other's template); "all": every search (the most trusted
    # modality's image); "off". Only the reported box changes: the search keeps its own size. Used for a
    # target only where, on the init frame, the searched image's measurement of the known box overlaps it by
    # ``extent_check`` (IoU) at least. Cross SR, off -> on: synthetic dev 301-305 0.413 -> 0.481, real dev 0.707 ->
    # 0.707; benchmark 0.563 -> 0.588. Fused SR, heterologous -> all: synthetic dev 0.482 -> 0.560 and 0.470 ->
    # 0.534, real dev 0.926 -> 0.926; benchmark 0.715 -> 0.746 (docs/TRACKER.md, "Seventeenth session").
    box_extent: str = "all"
    extent_check: float = 0.7
    # ... and only for an upright target, whose init box is at least this many times as tall as it is wide (0 =
    # any): a walker's width changes with its pose, a vehicle's box only scales, which the search follows, and
    # on the synthetic development sets the measurement cost the car scenes (day) 0.05 SR each.
    extent_aspect: float = 1.5
    # Fused mode: search the two modalities at once, the second on a worker thread (same results).
    parallel_modalities: bool = True
    # Modality health: a frame is unusable when blank, saturated or frozen.
    blank_std: float = 2.0
    saturated_fraction: float = 0.9
    frozen_mad: float = 0.05
    # Reliability weighting of the per-modality maps in fused mode.
    reliability: str = "apce"
    min_modality_weight: float = 0.05

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ConfigError(f"TrackerConfig.mode: '{self.mode}' is not one of {', '.join(MODES)}")
        if self.scales < 1 or self.scales % 2 == 0:
            raise ConfigError(f"TrackerConfig.scales: must be an odd number >= 1, got {self.scales}")
        if self.peak_refine not in ("auto", "on", "off"):
            raise ConfigError(f"TrackerConfig.peak_refine: '{self.peak_refine}' is not one of auto, on, off")
        if self.box_extent not in ("off", "heterologous", "all"):
            raise ConfigError(f"TrackerConfig.box_extent: '{self.box_extent}' is not one of off, heterologous, all")
        if isinstance(self.camera_motion, bool) or str(self.camera_motion).lower() in ("true", "false"):
            # the older flag, also from a settings file or ``--set``
            on = self.camera_motion if isinstance(self.camera_motion, bool) else self.camera_motion.lower() == "true"
            object.__setattr__(self, "camera_motion", "all" if on else "off")
        if self.camera_motion not in ("off", "heterologous", "all"):
            raise ConfigError(f"TrackerConfig.camera_motion: '{self.camera_motion}' is not one of off, "
                              "heterologous, all")
        if self.reliability not in ("apce", "psr", "peak"):
            raise ConfigError(f"TrackerConfig.reliability: '{self.reliability}' is not one of apce, psr, peak")
        for name in ("scale_lr", "window_influence", "heterologous_window", "heterologous_blend", "heterologous_mask",
                     "homologous_mask", "heterologous_silhouette", "heterologous_second",
                     "heterologous_silhouette_min", "extent_check", "verify_below", "verify_margin",
                     "camera_velocity_decay", "box_lr", "velocity_lr", "velocity_decay", "relative_weak",
                     "reference_weak", "relative_reacquire"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ConfigError(f"TrackerConfig.{name}: must be within [0, 1], got {value}")
        for name in ("velocity_max_step", "velocity_max_innovation", "align_min_shift", "align_cycle_tolerance",
                     "reacquire_near", "heterologous_context", "heterologous_mask_separation",
                     "heterologous_silhouette_separation", "heterologous_reacquire_gate",
                     "heterologous_reacquire_growth", "extent_aspect"):
            if getattr(self, name) < 0:
                raise ConfigError(f"TrackerConfig.{name}: must be >= 0, got {getattr(self, name)}")
        if not all(isinstance(f, (int, float)) and 0.2 <= f <= 5.0 for f in self.scan_scales):
            raise ConfigError(f"TrackerConfig.scan_scales: factors must be within [0.2, 5], got {self.scan_scales}")
        if isinstance(self.reacquire_relax, bool) or not isinstance(self.reacquire_relax, int) \
                or self.reacquire_relax < 0:
            raise ConfigError(f"TrackerConfig.reacquire_relax: must be an integer >= 0, got {self.reacquire_relax!r}")
        if not math.isfinite(self.reacquire_near):
            raise ConfigError(f"TrackerConfig.reacquire_near: must be a finite number, got {self.reacquire_near}")
        if isinstance(self.camera_motion_min_inliers, bool) or not isinstance(self.camera_motion_min_inliers, int) \
                or self.camera_motion_min_inliers < 3:
            raise ConfigError("TrackerConfig.camera_motion_min_inliers: must be an integer >= 3, "
                              f"got {self.camera_motion_min_inliers!r}")
        if isinstance(self.verify_tiles, bool) or not isinstance(self.verify_tiles, int) or self.verify_tiles < 0:
            raise ConfigError(f"TrackerConfig.verify_tiles: must be an integer >= 0, got {self.verify_tiles!r}")
        if self.relative_window < 1:
            raise ConfigError(f"TrackerConfig.relative_window: must be >= 1, got {self.relative_window}")
        if self.response_up < 1 or self.total_stride < 1:
            raise ConfigError("TrackerConfig.response_up and total_stride must be positive")

    @property
    def scale_factors(self) -> tuple[float, ...]:
        """Pyramid factors, e.g. (1/1.0375, 1, 1.0375) for 3 scales."""
        half = (self.scales - 1) // 2
        return tuple(self.scale_step ** k for k in range(-half, half + 1))
