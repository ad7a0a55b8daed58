"""`heterotrack ablate`: variants, the resumable row file, the report, and a tiny end-to-end run."""
import json

import pytest

from evaluation.ablation import ONE_FACTOR, grid, markdown, read_rows, variants
from evaluation.queries import make_queries, write_queries, PairStore
from main import main
from tests.test_eval_match import pairs  # noqa: F401  (fixture)


def test_one_factor_variants_drop_duplicates_of_the_base():
    chosen = variants("one-factor", {"structure_bins": 8})
    names = [v.name for v in chosen]
    # The base already is low-sep-high-share / resnet / light-attention: those three rows would repeat it.
    assert names == ["base", "strategy=shared", "strategy=independent", "backbone=mobilenet", "fusion=attention",
                     "fusion=xcorr", "fusion=dwxcorr", "fusion=acm", "multi_feature"]
    assert all(v.model["structure_bins"] == 8 for v in chosen)
    assert chosen[0].model["fusion"] == "light-attention" and chosen[5].model["fusion"] == "xcorr"
    assert len(ONE_FACTOR) == 12 and len(grid()) == 30
    assert len({v.slug for v in variants("grid", {})}) == 30


def test_read_rows_ignores_a_torn_last_line(tmp_path):
    path = tmp_path / "rows.jsonl"
    path.write_text(json.dumps({"variant": "a"}) + "\n" + '{"variant": "b", "metr')
    assert read_rows(path) == [{"variant": "a"}]
    assert read_rows(tmp_path / "absent.jsonl") == []


def test_markdown_rows():
    metrics = {"vis→IR": {"miou": 0.5, "p50": 0.6, "p70": 0.3, "ms_per_query": 10.0, "n": 2},
               "IR→vis": {"miou": 0.7, "p50": 0.8, "p70": 0.5, "ms_per_query": 12.0, "n": 2},
               "all": {"miou": 0.6, "p50": 0.7, "p70": 0.4, "ms_per_query": 11.0, "n": 4}}
    rows = [{"variant": "cfog", "model": None, "metrics": metrics, "params": None, "flops": None, "training": {}},
            {"variant": "base", "model": {"strategy": "shared", "backbone": "resnet", "fusion": "xcorr",
                                          "multi_feature": False},
             "metrics": metrics, "params": 1234, "flops": 5.5e8, "training": {"steps": 300, "minutes": 4.25}}]
    text = markdown(rows, "header line")
    assert text.startswith("header line\n")
    assert "| cfog | — | — | — | — | 0.500 | 0.700 | 0.600 | 0.700 | 0.400 | 11.0 | — | — | — | — |" in text
    assert "| base | shared | resnet | xcorr | no | 0.500 | 0.700 | 0.600 | 0.700 | 0.400 | 11.0 | 1234 | 0.55 | 300 | 4.2 |" \
        in text


@pytest.mark.slow
def test_tiny_ablation_end_to_end_and_rerun_skips_finished_rows(pairs, tmp_path, capsys):  # noqa: F811
    queries = tmp_path / "q.csv"
    write_queries(queries, make_queries(PairStore(pairs), ["a", "b"], 2, seed=0, template_modality="both"))
    argv = ["ablate", "--queries", str(queries), "--pairs", str(pairs), "--out", str(tmp_path / "report"),
            "--root", str(tmp_path / "root"), "--preset", "tiny", "--synthetic-only", "--set", "steps=2",
            "--set", "model.width=0.5", "--only", "base", "fusion=xcorr", "--no-progress"]
    assert main(argv) == 0
    rows = read_rows(tmp_path / "root" / "rows.jsonl")
    assert [r["variant"] for r in rows] == ["cfog", "base", "base (vis→vis)", "fusion=xcorr"]
    base = rows[1]
    assert base["model"]["width"] == 0.5 and base["training"]["steps"] == 2 and base["params"] > 0
    assert set(base["metrics"]) == {"vis→IR", "IR→vis", "all"}
    assert set(rows[2]["metrics"]) == {"vis→vis"} and rows[2]["homologous"] == "visible"
    assert rows[3]["model"]["fusion"] == "xcorr"
    md = (tmp_path / "report.md").read_text()
    assert "| base (vis→vis) |" in md and "| fusion=xcorr |" in md
    assert json.loads((tmp_path / "report.json").read_text())["rows"][1]["variant"] == "base"
    capsys.readouterr()
    # A rerun trains and scores nothing again.
    assert main(argv) == 0
    assert len(read_rows(tmp_path / "root" / "rows.jsonl")) == 4
    assert "already scored, skipped" in capsys.readouterr().err


def test_ablation_refuses_queries_from_training_pairs(pairs, tmp_path, capsys):  # noqa: F811
    queries = tmp_path / "q.csv"
    write_queries(queries, make_queries(PairStore(pairs), ["a"], 1, seed=0, template_modality="visible"))
    train_list = tmp_path / "train.txt"
    train_list.write_text("a\n")
    code = main(["ablate", "--queries", str(queries), "--pairs", str(pairs), "--out", str(tmp_path / "r"),
                 "--root", str(tmp_path / "root"), "--train-list", str(train_list), "--no-progress"])
    assert code == 2
    assert "is in the training list" in capsys.readouterr().err


def test_unknown_variant_and_setting_are_clear_errors(tmp_path, capsys):
    base = ["ablate", "--queries", "q.csv", "--out", str(tmp_path / "r")]
    assert main([*base, "--only", "fusion=magic"]) == 2
    assert "fusion=magic: no such variant" in capsys.readouterr().err
    assert main([*base, "--set", "stepz=3"]) == 2
    assert "unknown key 'stepz'" in capsys.readouterr().err
    assert main([*base, "--list"]) == 0
    assert "fusion=acm" in capsys.readouterr().out
