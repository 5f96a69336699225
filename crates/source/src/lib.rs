//! Everything batchtop reads from the outside world, and nothing that writes.
//!
//! Each source runs as tokio tasks and sends model updates over a channel;
//! none of them touches the console's state or the terminal:
//! - [`cluster`]: kubeconfig + context → a kube client, one clear error per failure;
//! - [`kube`]: watches of Jobs, Pods, CronJobs, Nodes, Services and Events,
//!   projected into the model's compact types ([`model::Update`]);
//! - [`logs`]: pod and merged Job log streams ([`model::logs::buffer::LogEvent`]);
//! - [`queues`]: one read-only poller per broker (Redis, RabbitMQ)
//!   ([`model::queue::QueueUpdate`]);
//! - [`keda`]: KEDA ScaledJob triggers that link Jobs to queues;
//! - [`secrets`]: the Secret keys a Job's queue env refers to (only with `allow_secrets`);
//! - [`task`]: why a background task ended, so a dead one shows as failed.

pub mod batch;
pub mod cluster;
pub mod error;
pub mod keda;
pub mod kube;
pub mod logs;
pub mod queues;
pub mod secrets;
pub mod task;
