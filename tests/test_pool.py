"""The worker pool: a hanging or ballooning file costs only itself."""

import collections
import time

from indexer.pool import run


def job(item: str):
    if item == "hang":
        time.sleep(60)
    if item == "balloon":
        return len(bytearray(2 * 1024**3))
    if item == "boom":
        raise ValueError("bad xref")
    return item.upper()


def test_every_item_gets_an_outcome_and_the_bad_ones_a_reason():
    started = time.monotonic()
    outcomes = {
        o.item: o
        for o in run(
            job, ["a", "hang", "b", "balloon", "boom", "c"], jobs=2, timeout=2, memory_mb=512
        )
    }
    assert time.monotonic() - started < 30
    assert {k: o.value for k, o in outcomes.items() if o.error is None} == {
        "a": "A",
        "b": "B",
        "c": "C",
    }
    assert outcomes["hang"].error.startswith("timeout")
    assert "memory" in outcomes["balloon"].error
    assert outcomes["boom"].error.startswith("damaged (ValueError")


def test_no_items_no_workers():
    assert list(run(job, [], jobs=4, timeout=1)) == []


class Keeper:
    """A job that keeps what it did until `finish` (as a worker's index segment does)."""

    def __init__(self):
        self.kept: list[str] = []

    def job(self, item: str):
        if item == "hang":
            time.sleep(60)
        self.kept.append(item)
        return item

    def finish(self):
        kept, self.kept = self.kept, []
        return kept


def test_each_worker_hands_over_what_it_kept_once_the_queue_is_empty():
    keeper = Keeper()
    outcomes = list(run(keeper.job, list("abcdef"), jobs=2, timeout=10, finish=keeper.finish))
    items = [o for o in outcomes if not o.finished]
    finished = [o for o in outcomes if o.finished]
    assert sorted(o.item for o in items) == list("abcdef")
    assert len(finished) == 2 and {o.worker for o in finished} == {o.worker for o in items}
    for f in finished:  # after its own items, maybe before the other worker's
        assert all(outcomes.index(f) > outcomes.index(i) for i in items if i.worker == f.worker)
    for done in finished:  # each hands over exactly the items it did
        assert sorted(done.value) == sorted(o.item for o in items if o.worker == done.worker)
    assert sorted(x for done in finished for x in done.value) == list("abcdef")


def test_a_killed_worker_says_what_it_kept_is_lost_and_queued_work_is_done_again():
    keeper = Keeper()
    queue = collections.deque(["a", "hang", "b", "c"])
    done_by: dict[int, list[str]] = collections.defaultdict(list)
    handed: list[str] = []
    lost = []
    for outcome in run(keeper.job, queue, jobs=1, timeout=1, finish=keeper.finish):
        if outcome.lost:
            lost.append(outcome)
            queue.extend(done_by.pop(outcome.worker, []))  # "a": again, on a new worker
        elif outcome.finished:
            handed += outcome.value
        else:
            done_by[outcome.worker].append(outcome.item)
    assert [(o.item, o.error[:7]) for o in lost] == [("hang", "timeout")]
    assert sorted(handed) == ["a", "b", "c"]
