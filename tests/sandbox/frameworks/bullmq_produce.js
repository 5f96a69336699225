// Producer of the wq-bullmq scenario, with bullmq's own Queue.addBulk:
//
//   node bullmq_produce.js --host 127.0.0.1 --port 16379 --queue bull-tasks --count 30 [--fail 7,19] [--delayed]
//
// adds COUNT jobs named "task" with data {n} (those numbered in --fail have
// data.fail and fail, attempts 1), and with --delayed one job delayed an hour
// (bull:<q>:delayed).
'use strict';
const { Queue } = require('bullmq');

const args = {};
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i];
  if (a === '--delayed') args.delayed = true;
  else args[a.replace(/^--/, '')] = process.argv[++i];
}
(async () => {
  const connection = { host: args.host || '127.0.0.1', port: Number(args.port || 6379) };
  const queue = new Queue(args.queue, { connection });
  const fail = new Set((args.fail || '').split(',').filter(Boolean).map(Number));
  const count = Number(args.count || 30);
  const jobs = [];
  for (let n = 1; n <= count; n++) {
    jobs.push({ name: 'task', data: fail.has(n) ? { n, fail: true } : { n }, opts: { attempts: 1 } });
  }
  await queue.addBulk(jobs);
  if (args.delayed) await queue.add('later', { n: 0 }, { delay: 3600 * 1000 });
  console.log(`added ${count} jobs to ${args.queue}`);
  await queue.close();
})().catch(e => { console.error(e); process.exit(1); });
