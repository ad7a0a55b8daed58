"""Training curves as a PNG (matplotlib's Agg canvas; no GUI backend is touched)."""
from __future__ import annotations

from pathlib import Path

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from training.metrics import read_metrics


def plot_curves(csv_path: str | Path, png_path: str | Path) -> Path:
    """Draw losses, learning rate and validation metrics from a metrics CSV into ``png_path``."""
    rows = read_metrics(csv_path)
    fig = Figure(figsize=(12, 4), dpi=80)
    FigureCanvasAgg(fig)
    ax_loss, ax_lr, ax_val = fig.subplots(1, 3)

    def series(key: str) -> tuple[list[float], list[float]]:
        pts = [(r["step"], r[key]) for r in rows if r.get(key) is not None and r.get("step") is not None]
        return [p[0] for p in pts], [p[1] for p in pts]

    for key in ("loss", "cls", "l1", "giou"):
        xs, ys = series(key)
        if xs:
            ax_loss.plot(xs, ys, label=key, linewidth=1.2 if key == "loss" else 0.8)
    ax_loss.set(title="training loss", xlabel="step")
    xs, ys = series("lr")
    ax_lr.plot(xs, ys, color="tab:gray")
    ax_lr.set(title="learning rate", xlabel="step")
    for tag, colour in (("vis2ir", "tab:blue"), ("ir2vis", "tab:orange")):
        for metric, style in (("miou", "-"), ("p50", "--")):
            xs, ys = series(f"val_{tag}_{metric}")
            if xs:
                ax_val.plot(xs, ys, style, color=colour, marker="o", markersize=3, label=f"{tag} {metric}")
    ax_val.set(title="validation (peak box)", xlabel="step", ylim=(0, 1))
    for ax in (ax_loss, ax_val):
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=8)
    for ax in (ax_loss, ax_lr, ax_val):
        ax.grid(alpha=0.3)
    fig.subplots_adjust(left=0.05, right=0.99, bottom=0.13, top=0.92, wspace=0.22)
    png_path = Path(png_path)
    png_path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(png_path)
    return png_path
