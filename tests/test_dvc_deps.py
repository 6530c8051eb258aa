"""dvc.yaml declares the code every stage runs: an edit to a module a stage imports, directly or through other
modules, anywhere in a function body included, makes `dvc status` see that stage as changed."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
import yaml

from conftest import REPO

PACKAGE = "xraylab"


def module_file(name: str) -> Path | None:
    """The file of module `name` (dotted) in this repository, or None when it is not one of ours."""
    parts = name.split(".")
    if parts[0] != PACKAGE:
        return None
    base = REPO.joinpath(*parts)
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def imported_files(source: Path) -> set[Path]:
    """Our modules that `source` imports anywhere in its body (the packages on the way included)."""
    found = set()
    for node in ast.walk(ast.parse(source.read_text(), filename=str(source))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # `from xraylab import evaluation` imports a module; `from xraylab.saved import load` a name.
            names = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
        else:
            continue
        for name in names:
            parts = name.split(".")
            for end in range(1, len(parts) + 1):  # importing a.b.c runs a/__init__ and a/b/__init__ first
                path = module_file(".".join(parts[:end]))
                if path is not None:
                    found.add(path)
    return found


def code_run_by(script: Path) -> set[Path]:
    """`script` and every module of ours it imports, followed through."""
    seen, todo = set(), [script]
    while todo:
        path = todo.pop()
        if path not in seen:
            seen.add(path)
            todo.extend(imported_files(path) - seen)
    return seen


def stages() -> dict[str, tuple[Path, list[str]]]:
    """{stage: (its script, its declared deps)} from dvc.yaml (a matrix stage once: its deps are the same)."""
    declared = yaml.safe_load((REPO / "dvc.yaml").read_text())["stages"]
    found = {}
    for name, stage in declared.items():
        script = re.search(r"python (stages/\w+\.py)", stage["cmd"]).group(1)
        found[name] = (REPO / script, [dep for dep in stage.get("deps", []) if "${" not in dep])
    return found


def covered(path: Path, deps: list[str]) -> bool:
    relative = path.relative_to(REPO)
    return any(relative == Path(dep) or Path(dep) in relative.parents for dep in deps)


@pytest.mark.parametrize("stage", sorted(stages()))
def test_every_module_a_stage_runs_is_a_dependency(stage):
    script, deps = stages()[stage]
    missing = sorted(str(path.relative_to(REPO)) for path in code_run_by(script) if not covered(path, deps))
    assert not missing, f"dvc.yaml stage {stage} runs code it does not list in deps: {missing}"


def test_the_import_walk_follows_imports_inside_functions_and_through_modules(tmp_path):
    script = tmp_path / "stage.py"
    script.write_text("def main():\n    from xraylab.evaluation import scoring\n")
    found = {str(path.relative_to(REPO)) for path in code_run_by(script) if path != script}
    # scoring.py from inside the function, bootstrap.py through it, and the packages' __init__ on the way.
    assert {"xraylab/__init__.py", "xraylab/evaluation/__init__.py", "xraylab/evaluation/scoring.py",
            "xraylab/evaluation/bootstrap.py"} <= found
