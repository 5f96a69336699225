"""The Celery app of the sandbox's wq-celery scenario: producer and workers.

Workers are real `celery worker` processes the worker simulator starts for
pods labelled sandbox.batchtop.dev/worker=celery:

    python -m celery -A sb_celery worker -Q $CELERY_QUEUE -c 1 -n <pod>@sandbox

with CELERY_BROKER_URL (the pod's, its host translated to the sandbox's
Redis) in their environment. Settings that shape what Redis holds:

- task_acks_late + worker_prefetch_multiplier 1: a worker reserves one
  message at a time and acks it after the task ran, so the message being
  worked on sits in kombu's `unacked` hash / `unacked_index` zset meanwhile
  (a killed worker leaves it there);
- broker_transport_options visibility_timeout 15 s: an unacked message older
  than that is due to be restored to its queue by the next restore scan of a
  living worker (kombu 5.7: at worker start, then every
  unacked_restore_interval 10 s x unacked_restore_throttle 10 = 100 s).
"""

import os
import random
import time

from celery import Celery

VISIBILITY_TIMEOUT = int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "15"))

app = Celery("sb_celery")
app.conf.update(
    broker_url=os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0"),
    broker_transport_options={"visibility_timeout": VISIBILITY_TIMEOUT},
    broker_connection_retry_on_startup=True,
    task_default_queue=os.environ.get("CELERY_QUEUE", "celery"),
    task_acks_late=True,
    worker_prefetch_multiplier=1,
    task_ignore_result=True,
    worker_hijack_root_logger=True,
)


def _work_seconds():
    lo, _, hi = os.environ.get("SB_WORK_MS", "1000-2000").partition("-")
    lo = int(lo)
    hi = int(hi or lo)
    return random.uniform(min(lo, hi), max(lo, hi)) / 1000.0


@app.task(name="sb.work")
def work(n, fail=False):
    """One task: 1-2 s of "work"; fail=True raises (the task fails, and is acked)."""
    time.sleep(_work_seconds())
    if fail:
        raise RuntimeError(f"task {n} failed on purpose")
    return n
