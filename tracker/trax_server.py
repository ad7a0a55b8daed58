"""A TraX server so the VOT toolkit can run HeteroTrack (rectangle regions, path images, color + ir).

Needs the ``vot`` extra (``pip install -e '.[vot]'``, which brings ``vot-trax``).
Each frame's ``color`` and ``ir`` paths are read into a :class:`FramePair`;
the first object's region (a rectangle, or the bounds of a polygon) starts
the tracker; every reply carries the box and the confidence as a property.
"""
from __future__ import annotations

import sys
from typing import Callable

import numpy as np

from core.errors import HeteroTrackError, InputError
from streams.frames import FramePair
from streams.imageio import read_infrared, read_visible
from tracker.tracker import Tracker


def _frames(images: dict, index: int) -> FramePair:
    vis = images.get("color")
    ir = images.get("ir")
    if vis is None and ir is None:
        raise InputError(f"frame {index}: the client sent neither a 'color' nor an 'ir' image")
    visible = read_visible(vis.path(), index) if vis is not None else None
    infrared = read_infrared(ir.path(), index) if ir is not None else None
    return FramePair(index, visible, infrared)


def _region_box(region) -> np.ndarray:
    bounds = region.bounds()
    if len(bounds) == 4 and region.type == "rectangle":
        return np.array(bounds, float)
    x1, y1, x2, y2 = bounds  # polygon bounds are (left, top, right, bottom)
    return np.array([x1, y1, x2 - x1, y2 - y1], float)


def serve(make_tracker: Callable[[], Tracker], log: str | None = None) -> int:
    """Answer TraX requests until the client quits. Returns a process exit code."""
    try:
        from trax import Image, Region, TraxException, TraxStatus
        from trax.region import Rectangle
        from trax.server import Server
    except ImportError:
        raise HeteroTrackError("the TraX server needs vot-trax: pip install -e '.[vot]'") from None

    tracker = make_tracker()
    index = 0
    with Server([Region.RECTANGLE, Region.POLYGON], [Image.PATH], ["color", "ir"],
                tracker_name="HeteroTrack", tracker_family="heterotrack", log=log or False) as server:
        while True:
            try:
                request = server.wait()
            except TraxException as exc:  # the client went away: nothing left to answer
                print(f"heterotrack trax: client disconnected ({exc}); exiting", file=sys.stderr)
                return 0
            if request.type == TraxStatus.QUIT:
                break
            if request.type == TraxStatus.INITIALIZE:
                index = 0
                box = _region_box(request.objects[0][0])
                tracker.init(_frames(request.image, index), box, "visible")
                server.status([(Rectangle.create(*box), {"confidence": "1"})])
            elif request.type == TraxStatus.FRAME:
                index += 1
                result = tracker.update(_frames(request.image, index))
                x, y, w, h = (float(v) for v in result.box)
                server.status([(Rectangle.create(x, y, w, h),
                                {"confidence": f"{result.confidence:.4f}", "state": result.state})])
    return 0

