"""meta.json and calibration.json, the files Python hands the page: one typed contract (xraylab/serve/contract.py),
its JSON Schemas in docs/schema/, and both sides held to it."""
import json
import re

import pytest

from conftest import REPO
from xraylab.serve import contract

DOCS = REPO / "docs"
# What docs/app.js calls each record when it reads one: `meta` (and `state.meta`) a PageMeta, `part` one of its
# external sets, `own` and `independent` scores measured outside the project, `calibration` a site calibration.
PAGE_NAMES = {
    r"(?:state\.)?meta": contract.PageMeta,
    r"(?:state\.)?meta\.gate": contract.GateChecks,
    r"meta\.replaces": contract.Replaced,
    r"part": contract.ExternalSet,
    r"own": contract.Independent,
    r"independent": contract.Independent,
    r"calibration": contract.Calibration,
}


def test_the_committed_schemas_are_the_contracts():
    for name, kind in contract.SCHEMAS.items():
        committed = json.loads((DOCS / "schema" / name).read_text())
        assert committed == kind.model_json_schema(), f"docs/schema/{name} is stale: run python -m xraylab.serve.contract"


@pytest.mark.parametrize("path", ["docs/model/meta.json", "docs/release/meta.json", "release/meta.json"])
def test_every_committed_meta_json_keeps_the_contract(path: str):
    meta = contract.PageMeta.model_validate_json((REPO / path).read_text())
    assert meta.threshold == json.loads((REPO / path).read_text())["threshold"]


def page_reads() -> dict[str, set[str]]:
    """{record name in app.js: the fields the page reads of it}, from `name.field` in its source."""
    source = (DOCS / "app.js").read_text()
    source = re.sub(r"\$\{folder\}(meta|calibration)\.json|`(meta|calibration)\.json", "", source)  # file names
    reads = {}
    for name in PAGE_NAMES:
        fields = set(re.findall(rf"(?<![\w./]){name}\.(\w+)", source))
        reads[name] = fields - {"json"}
    return reads


def test_the_page_reads_only_what_the_schemas_declare():
    reads = page_reads()
    assert {"threshold", "model_digest", "heatmap", "gate", "external"} <= reads[r"(?:state\.)?meta"]
    assert {"threshold", "model_digest", "films", "images", "rule"} <= reads["calibration"]
    for name, kind in PAGE_NAMES.items():
        undeclared = reads[name] - set(kind.model_fields)
        assert not undeclared, f"docs/app.js reads {name}.{sorted(undeclared)}, which {kind.__name__} does not declare"


def test_python_refuses_to_write_what_the_contract_lacks():
    meta = json.loads((DOCS / "model" / "meta.json").read_text())
    contract.checked(contract.PageMeta, meta, "docs/model/meta.json")
    with pytest.raises(ValueError, match=r"meta.json does not match PageMeta .*threshold_note: Extra inputs"):
        contract.checked(contract.PageMeta, {**meta, "threshold_note": "new"}, "meta.json")
    with pytest.raises(ValueError, match=r"class_names: Field required"):
        contract.checked(contract.PageMeta, {key: value for key, value in meta.items() if key != "class_names"},
                         "meta.json")
    with pytest.raises(ValueError, match=r"threshold: Input should be less than or equal to 1"):
        contract.checked(contract.PageMeta, {**meta, "threshold": 1.5}, "meta.json")
