// A BullMQ worker of the sandbox's wq-bullmq scenario, started by the worker
// simulator for pods labelled sandbox.batchtop.dev/worker=bullmq:
//
//   node bullmq_worker.js      (NODE_PATH = the cache's node_modules)
//
// Env (the pod's, host translated by the simulator): REDIS_HOST, REDIS_PORT,
// BULLMQ_QUEUE, WORKER_NAME (the pod's name), SB_WORK_MS (1000-2000), and
// optionally BULLMQ_LOCK_DURATION_MS (default 10000), BULLMQ_STALLED_INTERVAL_MS
// (default 30000), BULLMQ_MAX_STALLED_COUNT (default 1), BULLMQ_SKIP_STALLED_CHECK=1.
//
// A real bullmq Worker, concurrency 1; each job sleeps 1-2 s, a job with
// data.fail fails (attempts 1: to bull:<q>:failed). The process exits 0 once
// nothing is waiting, prioritized, or active (a drained queue), exits 1 on a
// fatal error. SIGTERM closes the worker gracefully; SIGKILL (a deleted pod)
// leaves its job in bull:<q>:active with a lock key that expires after
// lockDuration, until some worker's stalled-job check moves it back to wait.
'use strict';
const { Worker, Queue } = require('bullmq');

const env = process.env;
const queueName = env.BULLMQ_QUEUE;
if (!queueName) { console.error('BULLMQ_QUEUE is not set'); process.exit(2); }
const connection = { host: env.REDIS_HOST || '127.0.0.1', port: Number(env.REDIS_PORT || 6379), maxRetriesPerRequest: null };
const [lo, hi] = (env.SB_WORK_MS || '1000-2000').split('-').map(Number);
const workMs = () => lo + Math.random() * ((hi || lo) - lo);
const sleep = ms => new Promise(r => setTimeout(r, ms));

const opts = {
  connection,
  concurrency: 1,
  name: env.WORKER_NAME,
  lockDuration: Number(env.BULLMQ_LOCK_DURATION_MS || 10000),
  stalledInterval: Number(env.BULLMQ_STALLED_INTERVAL_MS || 30000),
  maxStalledCount: Number(env.BULLMQ_MAX_STALLED_COUNT || 1),
  skipStalledCheck: env.BULLMQ_SKIP_STALLED_CHECK === '1',
};
const worker = new Worker(queueName, async job => {
  console.log(`Working on job ${job.id} ${job.name} ${JSON.stringify(job.data)}`);
  await sleep(workMs());
  if (job.data && job.data.fail) throw new Error(`job ${job.id} failed on purpose`);
  return { n: job.data && job.data.n };
}, opts);
const queue = new Queue(queueName, { connection });

worker.on('failed', (job, err) => console.log(`Job ${job && job.id} failed: ${err.message}`));
worker.on('error', err => console.error(`worker error: ${err.message}`));
console.log(`BullMQ worker ${opts.name} on queue ${queueName} (lockDuration ${opts.lockDuration} ms, stalledInterval ${opts.stalledInterval} ms)`);

let exiting = false;
async function exit(code, why) {
  if (exiting) return;
  exiting = true;
  console.log(why);
  try { await worker.close(); await queue.close(); } catch (e) { console.error(e.message); }
  process.exit(code);
}

// Drained: nothing left to take and nobody working on anything. A job
// stalled in active (its worker killed) keeps the others waiting until the
// stalled check hands it back to wait and one of them does it.
async function check() {
  if (exiting) return;
  try {
    const c = await queue.getJobCounts('waiting', 'prioritized', 'active', 'waiting-children');
    if (c.waiting + c.prioritized + c.active + c['waiting-children'] === 0) {
      await exit(0, 'Queue drained, exiting');
    }
  } catch (e) {
    console.error(`counting jobs: ${e.message}`);
  }
}
worker.on('drained', check);
setInterval(check, 2000);
process.on('SIGTERM', () => exit(0, 'SIGTERM: closing the worker'));
