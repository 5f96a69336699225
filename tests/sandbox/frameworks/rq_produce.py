"""Producer of the wq-rq scenario, with RQ's own client:

    python rq_produce.py --url redis://127.0.0.1:16379/0 --queue rq-tasks --count 30 [--fail 7,19] [--extras]

enqueues COUNT jobs sb_rq.work(n) (job ids task-<n>; those numbered in
--fail raise), and with --extras also one job scheduled an hour ahead
(rq:scheduled:<queue>; no scheduler runs, so it stays) and one job that
depends on it (rq:deferred:<queue>).
"""

import argparse
from datetime import timedelta

from redis import Redis
from rq import Queue


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--queue", required=True)
    ap.add_argument("--count", type=int, default=30)
    ap.add_argument("--fail", default="")
    ap.add_argument("--extras", action="store_true")
    ap.add_argument("--id-prefix", default="task-", help="job ids are PREFIX<n> (RQ job ids are global)")
    a = ap.parse_args()
    fail = {int(x) for x in a.fail.split(",") if x}
    q = Queue(a.queue, connection=Redis.from_url(a.url))
    for n in range(1, a.count + 1):
        q.enqueue("sb_rq.work", n, fail=n in fail, job_id=f"{a.id_prefix}{n}", description=f"task-{n}")
    if a.extras:
        later = q.enqueue_in(timedelta(hours=1), "sb_rq.work", 0, job_id="task-later")
        q.enqueue("sb_rq.work", -1, job_id="task-after-later", depends_on=later)
    print(f"enqueued {a.count} jobs on {a.queue}")


if __name__ == "__main__":
    main()
