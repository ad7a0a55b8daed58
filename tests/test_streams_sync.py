"""The synchroniser on plain timestamp lists (no OpenCV)."""
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.errors import InputError
from streams.sync import (TimestampSync, choose_leader, default_tolerance, index_report, pair_by_index,
                          sync_timestamps)

VIS_30 = [k / 30 for k in range(60)]  # 2 s at 30 fps
IR_25 = [j / 25 for j in range(50)]   # 2 s at 25 fps


def test_30_fps_leader_25_fps_follower_duplicates_ten_infrared_frames():
    # Every 1/30 s tick has an IR frame within half an IR period (20 ms): all 60 pair,
    # the 50 IR frames are all used and 10 of them twice.
    pairs, r = sync_timestamps(VIS_30, IR_25, tolerance=0.5 / 25, leader="visible")
    assert len(pairs) == 60 and r.ticks == 60 and r.paired == 60
    assert (r.visible.total, r.visible.used, r.visible.dropped, r.visible.duplicated) == (60, 60, 0, 0)
    assert (r.infrared.total, r.infrared.used, r.infrared.dropped, r.infrared.duplicated) == (50, 50, 0, 10)
    # Distance from k/30 to the nearest j/25 is |5k - 6j| / 150 s; over a cycle of 6 ticks: 0,1,2,3,2,1.
    assert r.skew_mean == pytest.approx(float(Fraction(9, 6 * 150)))  # 10 ms
    assert r.skew_max == pytest.approx(3 / 150)                        # 20 ms
    # Tick 3 (t = 0.1 s) is exactly between IR frames 2 and 3: the earlier one wins.
    assert pairs[3] == (3, 2)
    assert [p[0] for p in pairs] == list(range(60))


def test_25_fps_leader_30_fps_follower_drops_ten_visible_frames():
    pairs, r = sync_timestamps(VIS_30, IR_25, tolerance=0.5 / 30, leader="infrared")
    assert r.ticks == 50 and r.paired == 50
    assert (r.visible.total, r.visible.used, r.visible.dropped, r.visible.duplicated) == (60, 50, 10, 0)
    assert (r.infrared.total, r.infrared.used, r.infrared.dropped, r.infrared.duplicated) == (50, 50, 0, 0)
    assert [p[1] for p in pairs] == list(range(50))
    assert r.skew_mean == pytest.approx(0.008)        # (0+1+2+2+1)/5 / 150 s
    assert r.skew_max == pytest.approx(2 / 150)


def test_tight_tolerance_pairs_only_coincident_frames():
    # Frames coincide only every 0.2 s (k multiple of 6, j multiple of 5): 10 of the 60 ticks pair.
    pairs, r = sync_timestamps(VIS_30, IR_25, tolerance=0.005, leader="visible")
    assert r.paired == 10
    assert [p for p in pairs if p[1] is not None] == [(6 * m, 5 * m) for m in range(10)]
    assert sum(p[1] is None for p in pairs) == 50
    assert (r.infrared.used, r.infrared.dropped, r.infrared.duplicated) == (10, 40, 0)
    assert r.skew_mean == pytest.approx(0.0, abs=1e-9) and r.skew_max == pytest.approx(0.0, abs=1e-9)


def test_follower_that_ends_early_gives_none_and_empty_follower_gives_all_none():
    pairs, r = sync_timestamps([0.0, 0.1, 0.2, 0.3], [0.0, 0.1], tolerance=0.02)
    assert pairs == [(0, 0), (1, 1), (2, None), (3, None)]
    assert r.paired == 2 and r.infrared.used == 2
    pairs, r = sync_timestamps([0.0, 0.1], [], tolerance=0.02)
    assert pairs == [(0, None), (1, None)] and r.skew_mean is None and r.skew_max is None


def test_follower_frames_after_the_last_tick_are_dropped():
    pairs, r = sync_timestamps([0.0], [0.0, 0.04, 0.08, 0.12], tolerance=0.01)
    assert pairs == [(0, 0)]
    # Only the frame read as look-ahead is known; it was not used.
    assert r.infrared.total == 2 and r.infrared.used == 1 and r.infrared.dropped == 1


def test_timestamps_going_back_or_nan_are_rejected():
    with pytest.raises(ValueError, match="infrared stream: frame 2: timestamp"):
        sync_timestamps([0.0, 0.1, 0.2, 0.3], [0.0, 0.1, 0.05], tolerance=0.02)
    with pytest.raises(ValueError, match="visible stream: frame 1: timestamp is NaN"):
        sync_timestamps([0.0, float("nan")], [0.0], tolerance=0.02)


def test_a_sync_runs_once_and_validates_its_arguments():
    sync = TimestampSync(0.01)
    list(sync.pairs([(0.0, "a")], [(0.0, "b")]))
    with pytest.raises(RuntimeError):
        list(sync.pairs([], []))
    with pytest.raises(ValueError):
        TimestampSync(-1.0)
    with pytest.raises(ValueError):
        TimestampSync(0.1, leader="thermal")


def test_ticks_carry_payloads_timestamps_and_skew():
    sync = TimestampSync(0.02)
    ticks = list(sync.pairs([(0.0, "v0"), (0.04, "v1")], [(0.01, "i0"), (0.05, "i1")]))
    assert [(t.visible.item, t.infrared.item) for t in ticks] == [("v0", "i0"), ("v1", "i1")]
    assert [t.t for t in ticks] == [0.0, 0.04]
    assert ticks[0].skew == pytest.approx(0.01)
    assert "2 ticks, 2 paired" in sync.report.summary()


def test_leader_and_tolerance_helpers():
    assert choose_leader(25, 30) == "infrared"
    assert choose_leader(30, 25) == "visible"
    assert choose_leader(30, 30) == "visible"
    assert choose_leader(None, None) == "visible"
    assert choose_leader(30, 25, "infrared") == "infrared"
    with pytest.raises(ValueError):
        choose_leader(30, 25, "slowest")
    assert default_tolerance(25) == pytest.approx(0.02)
    assert default_tolerance(None) == 0.05


def test_pair_by_index_names_both_counts_or_truncates_with_a_notice():
    assert pair_by_index(5, 5, "a", "b") == (5, [])
    with pytest.raises(InputError, match="a has 5 frames but b has 3"):
        pair_by_index(5, 3, "a", "b")
    n, notices = pair_by_index(5, 3, "a", "b", allow_length_mismatch=True)
    assert n == 3 and "using the first 3 frames" in notices[0]
    r = index_report(5, 3, 3)
    assert (r.visible.used, r.visible.dropped, r.infrared.dropped) == (3, 2, 0)


# ---- properties -----------------------------------------------------------------------------

gaps = st.lists(st.floats(min_value=0.0, max_value=0.2, allow_nan=False), min_size=0, max_size=40)


def _times(start: float, steps: list[float]) -> list[float]:
    out, t = [], start
    for step in steps:
        out.append(t)
        t += step
    return out


@settings(max_examples=200, deadline=None)
@given(gaps, gaps, st.floats(min_value=0.0, max_value=0.5), st.floats(min_value=0.0, max_value=0.1),
       st.sampled_from(["visible", "infrared"]))
def test_sync_properties(vis_steps, ir_steps, ir_start, tolerance, leader):
    tv, ti = _times(0.0, vis_steps), _times(ir_start, ir_steps)
    pairs, r = sync_timestamps(tv, ti, tolerance, leader)
    lead_t, follow_t = (tv, ti) if leader == "visible" else (ti, tv)
    li, fi = (0, 1) if leader == "visible" else (1, 0)
    # one tick per leader frame, in order, so output times never go back
    assert [p[li] for p in pairs] == list(range(len(lead_t)))
    out_t = [lead_t[p[li]] for p in pairs]
    assert out_t == sorted(out_t)
    emitted = [p[fi] for p in pairs if p[fi] is not None]
    for p in pairs:
        t = lead_t[p[li]]
        if p[fi] is not None:
            # every emitted pair lies within the tolerance ...
            assert abs(follow_t[p[fi]] - t) <= tolerance + 1e-9
        # ... and is the nearest follower frame among those read; None only if none is close enough
        read = follow_t[: r.visible.total if fi == 0 else r.infrared.total]
        if read:
            best = min(abs(x - t) for x in read)
            if p[fi] is None:
                assert best > tolerance - 1e-9
            else:
                assert abs(follow_t[p[fi]] - t) <= best + 1e-9
    # counts add up for each stream
    for counts in (r.visible, r.infrared):
        assert counts.used + counts.dropped == counts.total
    lead_c, follow_c = (r.visible, r.infrared) if leader == "visible" else (r.infrared, r.visible)
    assert lead_c.total == lead_c.used == len(lead_t) and lead_c.duplicated == 0
    assert follow_c.used == len(set(emitted))
    assert follow_c.duplicated == len(emitted) - len(set(emitted))
    assert r.paired == len(emitted) and r.ticks == len(pairs)
    if emitted:
        assert r.skew_max <= tolerance + 1e-9 and 0 <= r.skew_mean <= r.skew_max + 1e-12


@settings(max_examples=50, deadline=None)
@given(st.integers(1, 60), st.integers(1, 60), st.floats(1.0, 3.0))
def test_continuous_streams_at_any_rates_always_pair_with_the_default_tolerance(fps_v, fps_i, seconds):
    tv = [k / fps_v for k in range(int(seconds * fps_v))]
    ti = [j / fps_i for j in range(int(seconds * fps_i))]
    leader = choose_leader(fps_v, fps_i)
    follower_fps = fps_i if leader == "visible" else fps_v
    pairs, r = sync_timestamps(tv, ti, default_tolerance(follower_fps), leader)
    lead_t = tv if leader == "visible" else ti
    last_follow = (ti if leader == "visible" else tv)[-1]
    # every tick inside the follower's time span pairs
    inside = [p for p, t in zip(pairs, lead_t) if t <= last_follow + 0.5 / follower_fps]
    assert all(None not in p for p in inside)
    # with the faster stream leading, nothing of the slower stream is lost
    follow_c = r.infrared if leader == "visible" else r.visible
    assert follow_c.dropped == 0 or lead_t[-1] < last_follow
