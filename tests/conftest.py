import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REPO = Path(__file__).resolve().parents[1]
ROADSCENE = REPO.parent / "shared" / "data" / "roadscene"


@pytest.fixture
def roadscene() -> Path:
    """The real RoadScene pairs, or a skip with the reason when they are absent."""
    if not (ROADSCENE / "visible").is_dir() or not (ROADSCENE / "infrared").is_dir():
        pytest.skip(f"real RoadScene pairs not found at {ROADSCENE}")
    return ROADSCENE


@pytest.fixture
def one_thread():
    """The machine is shared: keep a test on one torch thread (use with ``pytest.mark.usefixtures``)."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
