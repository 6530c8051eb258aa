import numpy as np

from xraylab import leaderboard

LABELS = np.array([0, 0, 1, 1])


def result(kind: str, val: list[float], test: list[float]) -> dict:
    return leaderboard.model_result(kind, 0.5, LABELS, np.array(val), LABELS, np.array(test))


def test_best_is_chosen_on_val_never_on_test():
    results = {
        "net_a": result("network", val=[0.1, 0.2, 0.8, 0.9], test=[0.6, 0.6, 0.4, 0.4]),
        "net_b": result("network", val=[0.6, 0.2, 0.8, 0.1], test=[0.1, 0.2, 0.8, 0.9]),
        "forest": result("classic", val=[0.4, 0.2, 0.6, 0.7], test=[0.1, 0.2, 0.8, 0.9]),
        "dummy": result("dummy", val=[0.5] * 4, test=[0.5] * 4),
    }
    board = leaderboard.build(results, "roc_auc")
    assert board["best_model"] == "net_a"  # perfect on val (tied with forest, listed first), worst on test
    assert board["best_network"] == "net_a"
    assert board["test"]["net_a"]["accuracy"] == 0.0
    assert set(board["test"]) == set(results)


def test_markdown_table_lists_every_model_and_marks_the_choice():
    results = {"net": result("network", [0.1, 0.2, 0.8, 0.9], [0.1, 0.2, 0.8, 0.9]),
               "dummy": result("dummy", [0.5] * 4, [0.5] * 4)}
    table = leaderboard.markdown(leaderboard.build(results, "accuracy"))
    assert "| **net** (chosen on val) | 1.000 | 1.000 | 1.000 | 1.000 | 1.000 |" in table
    assert "| dummy | 0.500 |" in table
