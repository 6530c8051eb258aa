from pathlib import Path

import pytest

from conftest import REPO
from xraylab.commands import blocks
from xraylab.errors import UserError


def test_a_block_is_replaced_and_must_exist(tmp_path: Path):
    document = tmp_path / "README.md"
    document.write_text("# x\n<!-- table:start -->\nold\n<!-- table:end -->\nrest\n")
    assert blocks.replace(document, "table", "| new |\n") is True
    assert document.read_text() == "# x\n<!-- table:start -->\n| new |\n<!-- table:end -->\nrest\n"
    assert blocks.replace(document, "table", "| new |\n") is False
    document.write_text("# no block\n")
    with pytest.raises(UserError, match="has no <!-- table:start --> ... <!-- table:end --> block"):
        blocks.replace(document, "table", "| new |\n")


def test_the_epoch_times_in_reproducing_are_what_the_benchmark_printed():
    # docs/reproducing.md's "Expected" figures are derived from this block; bench/run_all.py writes it.
    import sys

    sys.path.insert(0, str(REPO / "bench"))
    import run_all

    section = run_all.kept_sections((REPO / "bench" / "results.md").read_text(), {"epoch_times"})["epoch_times"]
    start, end = blocks.markers("epoch-times")
    quoted = (REPO / "docs" / "reproducing.md").read_text().split(start + "\n")[1].split(end)[0]
    assert quoted == run_all.epoch_times_block(section)
    assert "vgg16                128 px" in quoted
