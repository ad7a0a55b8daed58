"""Image files and raw OpenCV frames to HeteroTrack's image convention.

Visible frames become ``H×W×3`` uint8 **RGB**; infrared frames become ``H×W``
uint8 grey (a 3-channel IR file or frame is converted to grey). BGR exists
only inside the OpenCV calls here. Folders are listed in natural order, so
``img2.jpg`` comes before ``img10.jpg``.
"""
from __future__ import annotations

import re
from pathlib import Path

import cv2
import numpy as np

from core.errors import InputError

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp", ".pgm", ".ppm")

_DIGITS = re.compile(r"(\d+)")


def natural_key(name: str) -> tuple[list[int | str], str]:
    """Sort key that orders embedded numbers by value: ``img2`` < ``img10`` (ties broken by the name)."""
    return [int(part) if part.isdigit() else part.lower() for part in _DIGITS.split(name)], name


def list_images(folder: str | Path, what: str = "image folder") -> list[Path]:
    """The image files directly inside ``folder``, in natural order.

    Raises :class:`InputError` when the folder is missing, is not a folder,
    or holds no image (the message lists the extensions looked for).
    """
    folder = Path(folder)
    if not folder.exists():
        raise InputError(f"{folder}: {what} not found")
    if not folder.is_dir():
        raise InputError(f"{folder}: {what} is not a folder")
    files = [
        p for p in folder.iterdir()
        if p.is_file() and not p.name.startswith(".") and p.suffix.lower() in IMAGE_EXTENSIONS
    ]
    if not files:
        raise InputError(f"{folder}: {what} holds no images (looked for {', '.join(IMAGE_EXTENSIONS)})")
    return sorted(files, key=lambda p: natural_key(p.name))


def _decode(path: Path, flag: int, index: int | None) -> np.ndarray:
    where = f"{path}: frame {index}" if index is not None else f"{path}"
    try:
        data = np.fromfile(str(path), dtype=np.uint8)
    except FileNotFoundError:
        raise InputError(f"{where}: image file not found") from None
    except OSError as exc:
        raise InputError(f"{where}: cannot read image ({exc.strerror})") from None
    image = cv2.imdecode(data, flag) if data.size else None
    if image is None:
        raise InputError(f"{where}: not a readable image (empty, corrupt or unsupported format)")
    return image


def read_visible(path: str | Path, index: int | None = None) -> np.ndarray:
    """Read an image file as ``H×W×3`` uint8 RGB (grey files are expanded)."""
    return cv2.cvtColor(_decode(Path(path), cv2.IMREAD_COLOR, index), cv2.COLOR_BGR2RGB)


def read_infrared(path: str | Path, index: int | None = None) -> np.ndarray:
    """Read an image file as ``H×W`` uint8 grey (colour files are converted)."""
    return _decode(Path(path), cv2.IMREAD_GRAYSCALE, index)


def _to_uint8(frame: np.ndarray) -> np.ndarray:
    if frame.dtype == np.uint8:
        return frame
    if frame.dtype == np.uint16:
        return (frame >> 8).astype(np.uint8)
    return np.clip(frame, 0, 255).astype(np.uint8)


def bgr_to_visible(frame: np.ndarray) -> np.ndarray:
    """An OpenCV capture frame (BGR, BGRA or grey) as ``H×W×3`` uint8 RGB."""
    frame = _to_uint8(frame)
    if frame.ndim == 2 or (frame.ndim == 3 and frame.shape[2] == 1):
        return cv2.cvtColor(frame, cv2.COLOR_GRAY2RGB)
    if frame.shape[2] == 4:
        return cv2.cvtColor(frame, cv2.COLOR_BGRA2RGB)
    return cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)


def bgr_to_infrared(frame: np.ndarray) -> np.ndarray:
    """An OpenCV capture frame (grey, BGR or BGRA) as ``H×W`` uint8 grey."""
    frame = _to_uint8(frame)
    if frame.ndim == 2:
        return frame
    if frame.shape[2] == 1:
        return frame[:, :, 0]
    if frame.shape[2] == 4:
        return cv2.cvtColor(frame, cv2.COLOR_BGRA2GRAY)
    return cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)


def convert_frame(frame: np.ndarray, modality: str) -> np.ndarray:
    """Convert a raw OpenCV frame for ``modality`` ('visible' or 'infrared')."""
    if modality == "visible":
        return bgr_to_visible(frame)
    if modality == "infrared":
        return bgr_to_infrared(frame)
    raise ValueError(f"unknown modality {modality!r}")


def read_image(path: str | Path, modality: str, index: int | None = None) -> np.ndarray:
    """Read an image file for ``modality`` ('visible' or 'infrared')."""
    if modality == "visible":
        return read_visible(path, index)
    if modality == "infrared":
        return read_infrared(path, index)
    raise ValueError(f"unknown modality {modality!r}")
