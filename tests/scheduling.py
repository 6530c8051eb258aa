"""How pytest-xdist spreads the suite over its workers (tests/conftest.py installs it for `--dist loadgroup`).

The suite is a few long end-to-end runs (tests/e2e/, one to six minutes each) and a few hundred short tests.
xdist's own load-group scheduler hands out work in collection order and tops a worker up whenever it holds two
tests or fewer, so one worker could be handed two or three long runs in a row while the other ran out of short
tests and sat idle: the run lasted as long as that worker's pile. Here the long runs go out longest first, a
worker is given a long run only when it holds none, and short tests fill the gaps: the classic longest-first
rule for spreading jobs over machines. Every long run starts from the shared pipeline run (tests/conftest.py
`reproduced`), which the first worker to need it builds; until it is built, the other workers run short tests
rather than wait for it.
"""
from __future__ import annotations

from pathlib import Path

from xdist.scheduler import LoadGroupScheduling

SHARED_RUN = "reproduced"  # conftest.py `reproduced` builds the shared pipeline run in this folder of the run's
SHARED_RUN_DONE = "log.txt"  # temporary folder and writes this file last

# Seconds each long run took on this project's 2-core machine (`pytest --durations` of a fresh clone's suite at
# 4d79ed6, 2026-12-04): only the order matters. A test under tests/e2e/ not listed here counts as a one-minute run.
MEASURED = {
    "test_docs.py::test_every_documented_command_runs[docs]": 100,
    "test_docs.py::test_every_documented_command_runs[readme]": 223,
    "test_pr_job.py": 300,
    "test_repro_three_class.py": 170,  # three classes, mixed precision and a transfer network: one run, two tests
    "test_repro_mura.py": 60,  # estimates: now to evaluate only
    "test_repro_resume.py": 55,  # and four epochs at 32 px (unloaded: 43 s, 52 s)
    "test_profile_queue.py": 9,
    "test_docs.py::test_commands_left_out_are_still_documented": 0,  # reads the docs only: a short test
    "test_docs.py::test_the_readme_is_short": 0,  # reads the README only
}
LONG_RUNS = "tests/e2e/"


def seconds(scope: str, nodeids: list[str]) -> int:
    """The expected length of a unit of work (one test, or an xdist_group); 0 for a short one."""
    if not any(nodeid.startswith(LONG_RUNS) for nodeid in nodeids):
        return 0
    return max((value for name, value in MEASURED.items() for nodeid in nodeids if name in nodeid), default=60)


def shared_run_built(basetemp: Path) -> bool:
    """Whether the shared pipeline run of this test run (conftest.py `reproduced`) is complete."""
    return (basetemp / SHARED_RUN / SHARED_RUN_DONE).is_file()


class LongestFirst(LoadGroupScheduling):
    """xdist's load-group scheduling, with long runs handed out longest first and one at a time per worker."""

    def _holds_long_run(self, node) -> bool:
        return any(seconds(scope, list(unit)) and not all(unit.values())
                   for scope, unit in self.assigned_work.get(node, {}).items())

    def _shared_run_pending(self, node) -> bool:
        """Another worker is building the shared pipeline run (conftest.py `reproduced`): not built yet."""
        basetemp = self.config._tmp_path_factory.getbasetemp()  # the workers' basetemps are inside it
        return any(self._holds_long_run(other) for other in self.assigned_work if other is not node) \
            and not shared_run_built(basetemp)

    def _assign_work_unit(self, node) -> None:
        assert self.workqueue
        units = list(self.workqueue.items())
        short = [scope for scope, unit in units if not seconds(scope, list(unit))]
        if short and (self._holds_long_run(node) or self._shared_run_pending(node)):
            scope = short[0]
        else:
            scope = max(units, key=lambda item: seconds(item[0], list(item[1])))[0]  # ties: queue order
        work_unit = self.workqueue.pop(scope)
        self.assigned_work.setdefault(node, {})[scope] = work_unit
        collection = self.registered_collections[node]
        node.send_runtest_some([collection.index(nodeid) for nodeid, done in work_unit.items() if not done])
