"""The architecture ablation: train each matcher variant on the same budget, score it with eval-match.

A variant is a set of ``MatcherConfig`` changes from a base model. Each one is
trained by ``training.run`` in its own run directory under the ablation root,
then evaluated on the same queries and pairs as every other variant (plus the
CFOG baseline once, and the base model within one modality as the homologous
reference row). Rows are appended to ``rows.jsonl`` as they finish, and the
Markdown and JSON reports are rewritten after each row, so an interrupted
ablation keeps every finished row and a rerun of the same command skips them
(a half-trained variant resumes from its last checkpoint).
"""
from __future__ import annotations

import itertools
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping

from evaluation.match_eval import HOMOLOGOUS_LABELS, MethodRun, run_method, summarise
from evaluation.queries import PairStore, Query
from models.config import BACKBONE_CHOICES, FUSION_CHOICES, STRATEGY_CHOICES

#: One factor at a time around the base model: each strategy, backbone and fusion, and multi-feature fusion.
ONE_FACTOR: tuple[tuple[str, dict[str, Any]], ...] = (
    ("base", {}),
    *((f"strategy={s}", {"strategy": s}) for s in STRATEGY_CHOICES),
    *((f"backbone={b}", {"backbone": b}) for b in BACKBONE_CHOICES),
    *((f"fusion={f}", {"fusion": f}) for f in FUSION_CHOICES),
    ("multi_feature", {"multi_feature": True}),
)


def grid() -> tuple[tuple[str, dict[str, Any]], ...]:
    """Every strategy × backbone × fusion (30 variants)."""
    return tuple((f"{s}/{b}/{f}", {"strategy": s, "backbone": b, "fusion": f})
                 for s, b, f in itertools.product(STRATEGY_CHOICES, BACKBONE_CHOICES, FUSION_CHOICES))


@dataclass(frozen=True)
class Variant:
    name: str
    model: dict[str, Any]  # the full model table (base + changes)

    @property
    def slug(self) -> str:
        return self.name.replace("/", "__").replace("=", "-")


def variants(kind: str, base_model: Mapping[str, Any]) -> list[Variant]:
    """The variants of ``kind`` (``one-factor`` or ``grid``), each a full model table over ``base_model``.

    Variants that end up with the same configuration as an earlier one (the
    base model's own strategy, backbone or fusion) are dropped.
    """
    from core.config import config_to_dict
    from models.config import MatcherConfig

    table = ONE_FACTOR if kind == "one-factor" else grid()
    out, seen = [], set()
    for name, change in table:
        key = MatcherConfig(**{**base_model, **change})
        if key in seen:
            continue
        seen.add(key)
        out.append(Variant(name, config_to_dict(key)))
    return out


def read_rows(path: Path) -> list[dict[str, Any]]:
    """The finished rows of ``rows.jsonl`` (a torn last line, from a crash mid-write, is ignored)."""
    rows = []
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError:
                continue
    return rows


def append_row(path: Path, row: Mapping[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(row, ensure_ascii=False) + "\n")
        handle.flush()


def row_from_run(variant: str, run: MethodRun, model: Mapping[str, Any] | None, training: Mapping[str, Any],
                 homologous: str | None = None) -> dict[str, Any]:
    """One table row: the model settings, the per-direction metrics and the cost of ``run``."""
    metrics = {}
    for r in summarise([run], homologous):
        metrics[r.direction] = {"miou": r.metrics.miou, "p50": r.metrics.p50, "p70": r.metrics.p70,
                                "ms_per_query": r.metrics.ms_per_query, "n": r.metrics.n}
    flops = max(run.flops.values()) if run.flops else None
    return {"variant": variant, "method": run.method, "model": dict(model) if model else None,
            "homologous": homologous, "metrics": metrics, "params": run.params, "flops": flops,
            "training": dict(training)}


def _fmt(value: float | None, digits: int = 3) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def markdown(rows: list[dict[str, Any]], header: str = "") -> str:
    """The ablation table: one line per row, cross-modal directions, overall, cost and training budget."""
    lines = [header.rstrip() + "\n"] if header else []
    lines += [
        "| variant | strategy | backbone | fusion | multi | vis→IR mIoU | IR→vis mIoU | mIoU | P0.5 | P0.7 | "
        "ms/query | params | GFLOP | steps | train min |",
        "|---|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        m, model, training = row["metrics"], row.get("model") or {}, row.get("training") or {}
        overall = m.get("all") or next(iter(m.values()))
        label = row["variant"]
        vis_ir = m.get("vis→IR", {}).get("miou") if not row.get("homologous") else None
        ir_vis = m.get("IR→vis", {}).get("miou") if not row.get("homologous") else None
        lines.append(
            f"| {label} | {model.get('strategy', '—')} | {model.get('backbone', '—')} | {model.get('fusion', '—')} | "
            f"{'yes' if model.get('multi_feature') else ('no' if model else '—')} | {_fmt(vis_ir)} | {_fmt(ir_vis)} | "
            f"{_fmt(overall['miou'])} | {_fmt(overall['p50'])} | {_fmt(overall['p70'])} | "
            f"{overall['ms_per_query']:.1f} | {row['params'] if row['params'] is not None else '—'} | "
            f"{_fmt(row['flops'] / 1e9 if row['flops'] else None, 2)} | {training.get('steps', '—')} | "
            f"{_fmt(training.get('minutes'), 1)} |"
        )
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class AblationPlan:
    root: Path  # run directories and rows.jsonl
    queries: list[Query]
    queries_path: Path
    pairs: Path
    sets: tuple[str, ...]  # training --set items shared by every variant (model.* ones give the base model)
    preset: str
    variants: list[Variant]
    report_md: Path
    report_json: Path
    homologous: str | None = "visible"  # modality of the base model's homologous row; None: no such row


def run_ablation(plan: AblationPlan, train_variant: Callable[[Variant, Path], dict[str, Any]],
                 load_model: Callable[[Path], Any], baseline: Any | None, progress: bool = True,
                 say: Callable[[str], None] = print) -> list[dict[str, Any]]:
    """Train and score every variant not yet in ``rows.jsonl``; returns all rows in table order.

    ``train_variant(variant, run_dir)`` trains (or resumes, or finds finished)
    and returns the training summary with the weights path under ``"weights"``;
    ``load_model(weights)`` gives a ``TemplateMatcher``; ``baseline`` (CFOG) is
    scored once as a reference row.
    """
    rows_path = plan.root / "rows.jsonl"
    store = PairStore(plan.pairs)
    done = {row["variant"] for row in read_rows(rows_path)}

    def publish() -> list[dict[str, Any]]:
        rows = order(read_rows(rows_path), plan)
        header = (f"Queries: `{plan.queries_path}` ({len(plan.queries)}), pairs `{plan.pairs}`; training: "
                  f"`--preset {plan.preset}` " + " ".join(f"`--set {s}`" for s in plan.sets) + ".")
        plan.report_md.parent.mkdir(parents=True, exist_ok=True)
        plan.report_md.write_text(markdown(rows, header), encoding="utf-8")
        plan.report_json.write_text(json.dumps({"queries": str(plan.queries_path), "pairs": str(plan.pairs),
                                                "preset": plan.preset, "sets": list(plan.sets), "rows": rows},
                                               indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        return rows

    if baseline is not None and baseline.name not in done:
        run = run_method(baseline, plan.queries, store, plan.root / "preds" / f"{baseline.name}.csv",
                         progress=progress, source=plan.queries_path)
        append_row(rows_path, row_from_run(baseline.name, run, None, {}))
        publish()
    for index, variant in enumerate(plan.variants, start=1):
        homologous_name = homologous_row_name(variant, plan)
        wants_homologous = index == 1 and plan.homologous is not None
        if variant.name in done and (not wants_homologous or homologous_name in done):
            say(f"ablation: {variant.name}: already scored, skipped")
            continue
        say(f"ablation: [{index}/{len(plan.variants)}] {variant.name}")
        run_dir = plan.root / variant.slug
        start = time.perf_counter()
        training = train_variant(variant, run_dir)
        matcher = load_model(Path(training["weights"]))
        if variant.name not in done:
            run = run_method(matcher, plan.queries, store, plan.root / "preds" / f"{variant.slug}.csv",
                             progress=progress, source=plan.queries_path)
            append_row(rows_path, row_from_run(variant.name, run, variant.model, training))
            publish()
        if wants_homologous and homologous_name not in done:
            same = PairStore(plan.pairs, homologous=plan.homologous)
            run = run_method(matcher, plan.queries, same, plan.root / "preds" / f"{variant.slug}.homologous.csv",
                             progress=progress, source=plan.queries_path)
            append_row(rows_path, row_from_run(homologous_name, run, variant.model, training, plan.homologous))
            publish()
        say(f"ablation: {variant.name}: done in {(time.perf_counter() - start) / 60:.1f} min")
    return publish()


def homologous_row_name(variant: Variant, plan: AblationPlan) -> str:
    return f"{variant.name} ({HOMOLOGOUS_LABELS.get(plan.homologous or '', 'homologous')})"


def order(rows: list[dict[str, Any]], plan: AblationPlan) -> list[dict[str, Any]]:
    """Rows in table order: baseline first, then the variants in plan order (homologous row after the base);
    the last row of a variant wins if it was scored twice."""
    by_name = {row["variant"]: row for row in rows}
    names = [n for n in by_name if not any(n == v.name or n.startswith(v.name + " (") for v in plan.variants)]
    for variant in plan.variants:
        names += [n for n in (variant.name, homologous_row_name(variant, plan)) if n in by_name]
    return [by_name[n] for n in names]


def training_summary(meta: Mapping[str, Any], weights: Path, minutes: float | None) -> dict[str, Any]:
    """What the table says about a variant's training: steps, the validation it ended on, its time."""
    extra = meta.get("extra", {})
    return {"weights": str(weights), "steps": extra.get("steps"), "validation": extra.get("validation"),
            "minutes": minutes, "command": extra.get("command")}
