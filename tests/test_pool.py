"""The worker pool: a hanging or ballooning file costs only itself."""

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
