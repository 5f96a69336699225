"""Producer of the wq-celery scenario: `send_task` of COUNT tasks sb.work(n)
onto QUEUE of the broker at URL (celery's own client, so the messages are
Celery's message protocol v2 in kombu's Redis layout).

    python celery_produce.py --url redis://127.0.0.1:16379/0 --queue celery-tasks --count 30 [--fail N,...]
"""

import argparse

from sb_celery import app


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--queue", required=True)
    ap.add_argument("--count", type=int, default=30)
    ap.add_argument("--fail", default="", help="comma-separated task numbers that fail")
    a = ap.parse_args()
    fail = {int(x) for x in a.fail.split(",") if x}
    app.conf.broker_url = a.url
    with app.connection_for_write() as conn:
        for n in range(1, a.count + 1):
            app.send_task("sb.work", args=[n], kwargs={"fail": n in fail}, queue=a.queue, connection=conn)
    print(f"sent {a.count} tasks sb.work to {a.queue}")


if __name__ == "__main__":
    main()
