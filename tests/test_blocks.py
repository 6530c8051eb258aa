from pathlib import Path

import pytest

from xraylab import blocks
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
