"""Only app/ may import Qt; models/ and tracker/ must not import tracker/app/training upward."""
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
QT_FREE = ["core", "streams", "synth", "models", "tracker", "training", "evaluation"]


def _modules(package: str) -> list[str]:
    root = REPO / package
    return sorted(
        ".".join(p.relative_to(REPO).with_suffix("").parts).removesuffix(".__init__")
        for p in root.rglob("*.py")
    )


def _imported_after(modules: list[str]) -> set[str]:
    code = textwrap.dedent(
        f"""
        import importlib, sys
        for name in {modules!r}:
            importlib.import_module(name)
        print("\\n".join(sorted(sys.modules)))
        """
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return set(out.stdout.split())


@pytest.mark.parametrize("package", QT_FREE)
def test_package_never_imports_qt(package):
    loaded = _imported_after(_modules(package))
    qt = sorted(m for m in loaded if m.split(".")[0] in {"PyQt6", "PyQt5", "PySide6", "pyqtgraph"})
    assert not qt, f"{package}/ imported Qt modules: {qt[:5]}"


@pytest.mark.parametrize("package,forbidden", [
    ("models", {"tracker", "app", "training", "evaluation", "commands"}),
    ("tracker", {"app", "training", "commands"}),
    ("streams", {"models", "tracker", "app", "training", "synth"}),
    ("core", {"streams", "models", "tracker", "app", "training", "synth", "evaluation"}),
])
def test_imports_flow_downwards(package, forbidden):
    loaded = {m.split(".")[0] for m in _imported_after(_modules(package))}
    assert not (loaded & forbidden), f"{package}/ imports {sorted(loaded & forbidden)}"
