//! The validated batchtop settings: what the config file says once checked
//! (`batchtop-config` reads and validates the file into these). Plain values:
//! nothing here reads a file or the environment.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use crate::redact::mask_url;
use crate::tasks::{Framework, Layout};

/// Default queue poll interval: queues have no watch API, so they are polled.
pub const DEFAULT_REFRESH: Duration = Duration::from_secs(2);
/// Default window over which queue rates and ETA are computed.
pub const DEFAULT_RATE_WINDOW: Duration = Duration::from_secs(60);
/// Default length of queue depth history kept for sparklines.
pub const DEFAULT_HISTORY: Duration = Duration::from_secs(600);
/// Default bound on how many rediswq processing items get their lease checked per poll.
pub const DEFAULT_MAX_LEASES: usize = 100;

/// A resolved, validated config.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// The file it came from, if any.
    pub path: Option<PathBuf>,
    /// Queue poll interval.
    pub refresh: Duration,
    /// Window for queue rates and ETA.
    pub rate_window: Duration,
    /// How much depth history to keep per queue.
    pub history: Duration,
    /// May batchtop read Secrets (a BROKER_URL given by secretKeyRef, for linking only)? Off by default.
    pub allow_secrets: bool,
    /// A running Job without a completion for this long is stalled; `None`:
    /// five times its median pod duration, at least ten minutes (`model::warnings`).
    pub stall_after: Option<Duration>,
    pub hosts: HostMap,
    pub discovery: Discovery,
    pub redis: Vec<RedisSource>,
    pub rabbitmq: Vec<RabbitSource>,
    pub links: Vec<Link>,
    /// Per kubeconfig context settings, by context name.
    pub contexts: BTreeMap<String, ContextSettings>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            path: None,
            refresh: DEFAULT_REFRESH,
            rate_window: DEFAULT_RATE_WINDOW,
            history: DEFAULT_HISTORY,
            allow_secrets: false,
            stall_after: None,
            hosts: HostMap::default(),
            discovery: Discovery::default(),
            redis: Vec::new(),
            rabbitmq: Vec::new(),
            links: Vec::new(),
            contexts: BTreeMap::new(),
        }
    }
}

impl Config {
    /// Is this kubeconfig context marked read-only (no dangerous action offered)?
    pub fn readonly_for(&self, context: &str) -> bool {
        self.contexts.get(context).is_some_and(|c| c.readonly)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContextSettings {
    pub readonly: bool,
}

/// Translations of cluster-internal addresses (`rabbitmq-service`,
/// `redis:6379`) to addresses reachable from the operator's machine.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HostMap {
    entries: BTreeMap<String, String>,
}

impl HostMap {
    pub fn new(entries: impl IntoIterator<Item = (String, String)>) -> Self {
        Self { entries: entries.into_iter().map(|(k, v)| (k.to_ascii_lowercase(), v)).collect() }
    }

    /// Maps `host:port`: an entry for `host:port` wins over one for `host`.
    /// A target without a port keeps the original port. Unmapped addresses
    /// come back unchanged.
    pub fn map(&self, host: &str, port: u16) -> (String, u16) {
        let host_l = host.to_ascii_lowercase();
        let target = self.entries.get(&format!("{host_l}:{port}")).or_else(|| self.entries.get(&host_l));
        match target {
            None => (host.to_string(), port),
            Some(t) => match split_host_port(t) {
                Some((h, Some(p))) => (h, p),
                Some((h, None)) => (h, port),
                None => (host.to_string(), port),
            },
        }
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Is there an entry for `host:port` or `host`?
    pub fn maps(&self, host: &str, port: u16) -> bool {
        let host = host.to_ascii_lowercase();
        self.entries.contains_key(&format!("{host}:{port}")) || self.entries.contains_key(&host)
    }
}

/// `host`, `host:port` or `[v6]:port` → (host, port).
pub fn split_host_port(s: &str) -> Option<(String, Option<u16>)> {
    if let Some(rest) = s.strip_prefix('[') {
        let (h, after) = rest.split_once(']')?;
        let port = match after.strip_prefix(':') {
            Some(p) => Some(p.parse().ok()?),
            None if after.is_empty() => None,
            None => return None,
        };
        return Some((h.to_string(), port));
    }
    match s.rsplit_once(':') {
        Some((h, p)) if !h.is_empty() && !h.contains(':') => Some((h.to_string(), Some(p.parse().ok()?))),
        None if !s.is_empty() => Some((s.to_string(), None)),
        Some(_) | None => None,
    }
}

/// Which pod-template environment variables link a Job to its queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Discovery {
    /// Link Jobs to queues from their pod template env at all.
    pub enabled: bool,
    /// Variables holding a broker URL (`amqp://`, `amqps://`, `redis://`, `rediss://`).
    pub url_env: Vec<String>,
    /// Variables holding a bare Redis host (rediswq-style workers).
    pub redis_host_env: Vec<String>,
    /// Variables holding the Redis port that goes with `redis_host_env`.
    pub redis_port_env: Vec<String>,
    /// Variables holding the queue (or Redis list) name.
    pub queue_env: Vec<String>,
    /// Variables holding the name of a Redis Stream (with a Redis URL or host variable).
    pub stream_env: Vec<String>,
    /// Each task framework's conventional variables.
    pub frameworks: Vec<FrameworkEnv>,
    /// Treat discovered Redis lists as rediswq queues (check `<q>:processing` and leases).
    pub rediswq: bool,
    /// Which discovered endpoints batchtop connects to.
    pub connect: DiscoveryConnect,
    /// At most this many discovered endpoints (not configured sources) are polled.
    pub max_endpoints: usize,
}

impl Discovery {
    /// Every variable that names a queue.
    pub fn queue_vars(&self) -> impl Iterator<Item = &String> {
        self.queue_env.iter().chain(&self.stream_env).chain(self.frameworks.iter().flat_map(|f| &f.queue_env))
    }

    /// Every variable linking looks at: broker URLs, Redis hosts and ports, queue names.
    pub fn linking_vars(&self) -> impl Iterator<Item = &String> {
        self.url_env
            .iter()
            .chain(&self.redis_host_env)
            .chain(&self.redis_port_env)
            .chain(self.frameworks.iter().flat_map(|f| &f.url_env))
            .chain(self.queue_vars())
    }
}

/// A task framework's conventional variables: the broker URL its workers
/// read and the queue they work.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrameworkEnv {
    pub framework: Framework,
    /// Variables holding the broker URL (the framework's own).
    pub url_env: Vec<String>,
    /// Variables holding the queue name (comma-separated for several).
    pub queue_env: Vec<String>,
    /// The framework's default queue, linked when its own URL variable is set
    /// without a queue variable.
    pub default_queue: Option<String>,
}

impl FrameworkEnv {
    /// The variables each framework's documentation and usual deployments use.
    pub fn defaults() -> Vec<Self> {
        let v = |xs: &[&str]| xs.iter().map(std::string::ToString::to_string).collect();
        vec![
            FrameworkEnv {
                framework: Framework::Celery,
                url_env: v(&["CELERY_BROKER_URL"]),
                queue_env: v(&["CELERY_QUEUE", "CELERY_QUEUES", "CELERY_DEFAULT_QUEUE", "CELERY_TASK_DEFAULT_QUEUE"]),
                default_queue: Some("celery".into()),
            },
            FrameworkEnv {
                framework: Framework::Rq,
                url_env: v(&["RQ_REDIS_URL"]),
                queue_env: v(&["RQ_QUEUE", "RQ_QUEUES"]),
                default_queue: Some("default".into()),
            },
            FrameworkEnv {
                framework: Framework::BullMq,
                url_env: v(&["BULLMQ_REDIS_URL", "BULL_REDIS_URL"]),
                queue_env: v(&["BULLMQ_QUEUE", "BULL_QUEUE"]),
                default_queue: None,
            },
            FrameworkEnv {
                framework: Framework::Sidekiq,
                url_env: v(&["SIDEKIQ_REDIS_URL"]),
                queue_env: v(&["SIDEKIQ_QUEUE", "SIDEKIQ_QUEUES"]),
                default_queue: Some("default".into()),
            },
        ]
    }
}

/// Default cap on the discovered endpoints polled.
pub const DEFAULT_MAX_DISCOVERED_ENDPOINTS: usize = 8;

/// Which endpoints named by Job env (not configured) batchtop connects to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum DiscoveryConnect {
    /// Only hosts in the host map (configured sources are always contacted).
    #[default]
    Mapped,
    /// Any host a Job's env names: an explicit opt-in.
    Any,
}

impl Default for Discovery {
    fn default() -> Self {
        let v = |xs: &[&str]| xs.iter().map(std::string::ToString::to_string).collect();
        Self {
            enabled: true,
            url_env: v(&["BROKER_URL", "AMQP_URL", "RABBITMQ_URL", "REDIS_URL"]),
            redis_host_env: v(&["REDIS_HOST", "REDIS_SERVICE_HOST"]),
            redis_port_env: v(&["REDIS_PORT", "REDIS_SERVICE_PORT"]),
            queue_env: v(&["QUEUE", "QUEUE_NAME", "REDIS_QUEUE", "LIST"]),
            stream_env: v(&["STREAM", "STREAM_NAME", "REDIS_STREAM"]),
            frameworks: FrameworkEnv::defaults(),
            rediswq: true,
            connect: DiscoveryConnect::Mapped,
            max_endpoints: DEFAULT_MAX_DISCOVERED_ENDPOINTS,
        }
    }
}

/// A configured Redis server and the lists to watch on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedisSource {
    pub name: String,
    /// `redis://[user:password@]host:port[/db]`, credentials included, host map not yet applied.
    pub url: String,
    pub db: Option<i64>,
    /// List keys to watch.
    pub lists: Vec<String>,
    /// A SCAN MATCH pattern for finding more lists (`*:processing` finds rediswq queues).
    pub scan: Option<String>,
    /// Task frameworks whose queues are found from their own keys (`discover = ["rq", ...]`).
    pub discover: Vec<crate::tasks::Framework>,
    /// Check `<list>:processing` and the lease keys (rediswq protocol).
    pub rediswq: bool,
    /// At most this many processing items get their lease checked per poll.
    pub max_leases: usize,
    /// Queues that are not plain lists (streams, task frameworks' queues), each with its layout.
    pub queues: Vec<RedisQueue>,
    /// Line in the config file, for messages about it.
    pub line: usize,
}

impl RedisSource {
    /// Every configured queue: lists, streams, frameworks' queues.
    pub fn queue_names(&self) -> impl Iterator<Item = &String> {
        self.lists.iter().chain(self.queues.iter().map(|q| &q.name))
    }
}

/// A configured Redis queue of a kind of its own (`[[redis.queues]]` with
/// `kind = "stream"`, `"celery"`, ...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedisQueue {
    /// The queue's name (the stream's key; the framework's queue name).
    pub name: String,
    pub layout: Layout,
}

/// A configured RabbitMQ broker and the queues to watch on it.
#[derive(Debug, Clone)]
pub struct RabbitSource {
    pub name: String,
    /// `amqp://user:password@host:port/vhost`, credentials included, host map not yet applied.
    pub url: String,
    pub vhost: String,
    pub queues: Vec<String>,
    /// Also watch every queue whose name matches (needs the management API to list queues).
    pub queue_regex: Option<regex::Regex>,
    pub management: Option<Management>,
    pub line: usize,
}

impl PartialEq for RabbitSource {
    fn eq(&self, o: &Self) -> bool {
        self.name == o.name
            && self.url == o.url
            && self.vhost == o.vhost
            && self.queues == o.queues
            && self.queue_regex.as_ref().map(regex::Regex::as_str) == o.queue_regex.as_ref().map(regex::Regex::as_str)
            && self.management == o.management
    }
}

/// The RabbitMQ management HTTP API (GET only).
#[derive(Clone, PartialEq, Eq)]
pub struct Management {
    /// Base URL, e.g. `http://127.0.0.1:15672` (host map not yet applied).
    pub url: String,
    pub username: String,
    pub password: String,
}

impl fmt::Debug for Management {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Management")
            .field("url", &mask_url(&self.url))
            .field("username", &self.username)
            .field("password", &"***")
            .finish()
    }
}

/// An explicit Job → queue link, for Jobs whose pod template does not say
/// which queue they work (the seed's job-wq-2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// Namespace of the Job; `None` matches every namespace.
    pub namespace: Option<String>,
    /// Job name, or a prefix when it ends in `*` (Jobs made by a CronJob).
    pub job: String,
    /// The `name` of a `[[redis]]` or `[[rabbitmq]]` source.
    pub source: String,
    pub queue: String,
}

impl Link {
    pub fn matches(&self, namespace: &str, job: &str) -> bool {
        let ns_ok = self.namespace.as_deref().is_none_or(|n| n == namespace);
        let name_ok = match self.job.strip_suffix('*') {
            Some(prefix) => job.starts_with(prefix),
            None => job == self.job,
        };
        ns_ok && name_ok
    }
}

/// Something wrong with the config: where and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigProblem {
    pub file: PathBuf,
    /// 1-based; 0 when the problem is not at a place in the file (e.g. it cannot be read).
    pub line: usize,
    /// The key concerned, dotted (`rabbitmq[2].queue_regex`), or empty.
    pub field: String,
    pub message: String,
}

impl fmt::Display for ConfigProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if self.line > 0 {
            write!(f, ":{}", self.line)?;
        }
        if !self.field.is_empty() {
            write!(f, ": {}", self.field)?;
        }
        write!(f, ": {}", self.message)
    }
}

/// The vhost an AMQP URL names: its path without the leading `/`, decoded; `/` when absent.
pub fn vhost_of(u: &url::Url) -> String {
    let path = u.path().strip_prefix('/').unwrap_or(u.path());
    if path.is_empty() {
        "/".to_string()
    } else {
        percent_encoding::percent_decode_str(path).decode_utf8_lossy().into_owned()
    }
}
