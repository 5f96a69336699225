"""The job function of the sandbox's wq-rq scenario (imported by name,
`sb_rq.work`, by the real `rq worker` processes the worker simulator starts
for pods labelled sandbox.batchtop.dev/worker=rq)."""

import os
import random
import time


def _work_seconds():
    lo, _, hi = os.environ.get("SB_WORK_MS", "1000-2000").partition("-")
    lo = int(lo)
    hi = int(hi or lo)
    return random.uniform(min(lo, hi), max(lo, hi)) / 1000.0


def work(n, fail=False):
    """One job: 1-2 s of "work"; fail=True raises (the job goes to rq:failed:<queue>)."""
    time.sleep(_work_seconds())
    if fail:
        raise RuntimeError(f"job {n} failed on purpose")
    return n
