"""How pytest-xdist spreads the suite over its workers (tests/conftest.py installs it for `--dist loadgroup`).

The suite is a few long end-to-end runs (tests/e2e/, one to six minutes each) and a few hundred short tests.
xdist's own load-group scheduler hands out work in collection order and tops a worker up whenever it holds two
tests or fewer, so one worker could be handed two or three long runs in a row while the other ran out of short
tests and sat idle: the run lasted as long as that worker's pile. Here the long runs go out longest first, a
worker is given a long run only when it holds none, and short tests fill the gaps: the classic longest-first
rule for spreading jobs over machines.
"""
from __future__ import annotations

from xdist.scheduler import LoadGroupScheduling

# Seconds each long run took on this project's 2-core machine (`pytest --durations`, 2026-12-02): only the
# order matters. A test under tests/e2e/ not listed here counts as a one-minute run.
MEASURED = {
    "test_docs.py::test_every_documented_command_runs[bottleneck]": 385,
    "test_docs.py::test_every_documented_command_runs[docs]": 366,
    "test_docs.py::test_every_documented_command_runs[readme]": 259,
    "test_pr_job.py": 200,
    "test_repro_resume.py": 65,
}
LONG_RUNS = "tests/e2e/"


def seconds(scope: str, nodeids: list[str]) -> int:
    """The expected length of a unit of work (one test, or an xdist_group); 0 for a short one."""
    if not any(nodeid.startswith(LONG_RUNS) for nodeid in nodeids):
        return 0
    return max((value for name, value in MEASURED.items() for nodeid in nodeids if name in nodeid), default=60)


class LongestFirst(LoadGroupScheduling):
    """xdist's load-group scheduling, with long runs handed out longest first and one at a time per worker."""

    def _assign_work_unit(self, node) -> None:
        assert self.workqueue
        units = list(self.workqueue.items())
        holds_long_run = any(seconds(scope, list(unit)) and not all(unit.values())
                             for scope, unit in self.assigned_work.get(node, {}).items())
        short = [scope for scope, unit in units if not seconds(scope, list(unit))]
        if holds_long_run and short:
            scope = short[0]
        else:
            scope = max(units, key=lambda item: seconds(item[0], list(item[1])))[0]  # ties: queue order
        work_unit = self.workqueue.pop(scope)
        self.assigned_work.setdefault(node, {})[scope] = work_unit
        collection = self.registered_collections[node]
        node.send_runtest_some([collection.index(nodeid) for nodeid, done in work_unit.items() if not done])
