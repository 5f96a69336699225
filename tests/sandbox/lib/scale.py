#!/usr/bin/env python3
"""The scale profile's objects and its churn, for tests/sandbox/sandbox scale.

  scale.py objects JOBS NAMESPACES CRONJOBS NODES   a kubectl List (JSON) per line:
                                                    the nodes, then one per namespace
  scale.py churn SERVER PKI_DIR RATE SECONDS COUNT  toggles the Ready condition of running
                                                    scale pods, RATE changes a second, until
                                                    SECONDS or COUNT is reached (whichever first)

Objects are generated here rather than with kubectl templates so 2,000 Jobs are
one List per namespace (one kubectl process each). Every scale object carries
the label sandbox.batchtop.dev/scale=true; the scale nodes are tainted with it,
so no other scenario's pod lands on them and scale pods land nowhere else.
"""
import http.client
import json
import ssl
import sys
import time

LABEL = "sandbox.batchtop.dev/scale"
TAINT = {"key": LABEL, "value": "true", "effect": "NoSchedule"}


def node(i):
    name = f"kwok-scale-{i}"
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": name,
            "labels": {
                "type": "kwok",
                LABEL: "true",
                "kubernetes.io/hostname": name,
                "kubernetes.io/os": "linux",
                "kubernetes.io/arch": "amd64",
            },
            "annotations": {"kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0"},
        },
        "spec": {"taints": [TAINT]},
    }


def pod_template(failing):
    labels = {LABEL: "true"}
    if failing:
        # kwok's pod-container-running-failed stage (stages/pods.yaml) fails the pod.
        labels["pod-container-running-failed.stage.kwok.x-k8s.io"] = "true"
    return {
        "metadata": {
            "labels": labels,
            # Long enough that the pods stay Running through a benchmark.
            "annotations": {"sandbox.batchtop.dev/run-duration": "24h"},
        },
        "spec": {
            "restartPolicy": "Never",
            "terminationGracePeriodSeconds": 0,
            "nodeSelector": {LABEL: "true"},
            "tolerations": [{"key": LABEL, "operator": "Equal", "value": "true", "effect": "NoSchedule"}],
            "containers": [{"name": "main", "image": "busybox", "command": ["sleep", "86400"]}],
        },
    }


def job(ns, i):
    """Job i of the profile; its pattern comes from i so every run holds the same mix."""
    kind = i % 40
    spec = {"completions": 5, "parallelism": 5, "backoffLimit": 6}
    pattern = "fixed"
    if kind == 0:
        pattern, spec["suspend"] = "suspended", True
    elif kind == 1:
        pattern, spec = "failed", {"completions": 1, "parallelism": 1, "backoffLimit": 0}
    elif i % 10 in (2, 3):
        pattern, spec["completionMode"] = "indexed", "Indexed"
    elif i % 10 == 4:
        # Work queue: no completions, the workers decide (parallelism 10).
        pattern, spec = "work-queue", {"parallelism": 10, "backoffLimit": 6}
    spec["template"] = pod_template(pattern == "failed")
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": f"{pattern}-{i:04d}", "namespace": ns, "labels": {LABEL: "true", "pattern": pattern}},
        "spec": spec,
    }


# Every minute to weekly; the frequent ones suspended so the Job count holds
# still during a benchmark; `0 0 30 2 *` is valid to the API and never fires.
SCHEDULES = [
    ("* * * * *", True, None),
    ("*/5 * * * *", True, None),
    ("0 * * * *", False, None),
    ("30 2 * * *", False, "Europe/Berlin"),
    ("0 9 * * 1-5", False, "America/New_York"),
    ("0 0 * * 0", False, None),
    ("15 3 1 * *", False, "Asia/Tokyo"),
    ("0 0 30 2 *", False, None),
]


def cronjob(ns, i):
    schedule, suspend, tz = SCHEDULES[i % len(SCHEDULES)]
    spec = {
        "schedule": schedule,
        "suspend": suspend or i % 7 == 0,
        "concurrencyPolicy": "Forbid",
        "jobTemplate": {"spec": {"template": pod_template(False)}},
    }
    if tz:
        spec["timeZone"] = tz
    return {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": {"name": f"cron-{i:03d}", "namespace": ns, "labels": {LABEL: "true"}},
        "spec": spec,
    }


def objects(jobs, namespaces, cronjobs, nodes):
    print(json.dumps({"apiVersion": "v1", "kind": "List", "items": [node(i) for i in range(nodes)]}))
    for n in range(namespaces):
        ns = f"scale-{n:02d}"
        items = [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns, "labels": {LABEL: "true"}}}]
        items += [job(ns, i) for i in range(n, jobs, namespaces)]
        items += [cronjob(ns, i) for i in range(n, cronjobs, namespaces)]
        print(json.dumps({"apiVersion": "v1", "kind": "List", "items": items}))


class Api:
    """One kept-alive TLS connection to the API server with the admin client certificate."""

    def __init__(self, server, pki):
        self.host, port = server.removeprefix("https://").rsplit(":", 1)
        self.port = int(port)
        self.ctx = ssl.create_default_context(cafile=f"{pki}/ca.crt")
        self.ctx.load_cert_chain(f"{pki}/admin.crt", f"{pki}/admin.key")
        self.conn = self.connect()

    def connect(self):
        return http.client.HTTPSConnection(self.host, self.port, context=self.ctx, timeout=30)

    def call(self, method, path, body=None, content_type="application/json"):
        """The status and body; status 0 when the API server could not be reached (it may be
        restarting: other tests stop it), with a new connection for the next call."""
        headers = {"Content-Type": content_type} if body is not None else {}
        try:
            self.conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
            resp = self.conn.getresponse()
            return resp.status, resp.read()
        except (OSError, http.client.HTTPException):
            self.conn.close()
            self.conn = self.connect()
            return 0, b""


def running_pods(api):
    status, data = api.call("GET", f"/api/v1/pods?labelSelector={LABEL}%3Dtrue&fieldSelector=status.phase%3DRunning")
    if status != 200:
        sys.exit(f"listing the scale pods failed: HTTP {status}")
    return [(p["metadata"]["namespace"], p["metadata"]["name"]) for p in json.loads(data)["items"]]


def churn(server, pki, rate, seconds, count):
    api = Api(server, pki)
    pods = running_pods(api)
    if not pods:
        sys.exit("no running scale pods to churn (sandbox scale up first)")
    start = time.monotonic()
    done = failed = 0
    while done < count and time.monotonic() - start < seconds:
        ns, name = pods[done % len(pods)]
        # Each pass over the pods flips Ready the other way, so every PATCH is a change.
        ready = "False" if (done // len(pods)) % 2 == 0 else "True"
        now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        # A failing readiness probe as a kubelet reports it: the container and the pod not ready.
        patch = {
            "status": {
                "conditions": [{"type": "Ready", "status": ready, "lastTransitionTime": now}],
                "containerStatuses": [{"name": "main", "ready": ready == "True"}],
            }
        }
        status, _ = api.call(
            "PATCH", f"/api/v1/namespaces/{ns}/pods/{name}/status", patch, "application/strategic-merge-patch+json"
        )
        failed += status != 200
        done += 1
        # Paced against the start, so a slow response does not lower the rate.
        delay = start + done / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
    took = time.monotonic() - start
    print(f"churn: {done} pod status changes in {took:.1f}s ({done / took:.1f}/s asked {rate}/s), {failed} failed")
    return 0 if failed == 0 else 1


def main(argv):
    if argv[:1] == ["objects"] and len(argv) == 5:
        objects(*map(int, argv[1:]))
        return 0
    if argv[:1] == ["churn"] and len(argv) == 6:
        return churn(argv[1], argv[2], float(argv[3]), float(argv[4]), int(argv[5]))
    sys.exit(__doc__)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
