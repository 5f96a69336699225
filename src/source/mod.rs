//! Everything that talks to the outside world. Each source sends updates over
//! a tokio mpsc channel; none of them touches the UI.

pub mod keda;
pub mod kube;
pub mod logs;
pub mod queues;
pub mod rabbitmq;
pub mod redis;
pub mod secrets;
