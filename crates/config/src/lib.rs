//! The batchtop config file (TOML).
//!
//! Found by `--config`, else `$BATCHTOP_CONFIG`, else
//! `$XDG_CONFIG_HOME/batchtop/config.toml` (`~/.config/batchtop/config.toml`).
//! Every key is optional: no file at all is a valid, empty config.
//!
//! A bad file never stops batchtop. [`load`] always returns a usable
//! [`Config`] plus a list of [`ConfigProblem`]s, each naming the file, the line and
//! the field. A file that does not parse (syntax, unknown key, wrong type)
//! contributes nothing and the defaults apply; a source or link whose values
//! are wrong (bad URL, bad regex, missing environment variable) is skipped
//! alone and the rest of the file applies.
//!
//! `config/batchtop.example.toml` documents every key. The values it yields
//! are the model's ([`model::settings`]): plain data the other layers use
//! without knowing there was a file.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Duration;

use model::redact::mask_url;
use model::settings::{
    Config, ConfigProblem, ContextSettings, DEFAULT_MAX_LEASES, Discovery, DiscoveryConnect, HostMap, Link, Management,
    RabbitSource, RedisQueue, RedisSource, split_host_port, vhost_of,
};
use model::tasks::Layout;
use serde::Deserialize;
use toml::Spanned;
/// The environment variable naming the config file.
pub const CONFIG_ENV: &str = "BATCHTOP_CONFIG";

/// Where the config file is, if anywhere: `--config`, then `$BATCHTOP_CONFIG`,
/// then the XDG config dir. The boolean says whether the file was asked for
/// explicitly (then a missing file is a problem; a missing XDG file is not).
pub fn locate(cli: Option<&Path>) -> Option<(PathBuf, bool)> {
    if let Some(p) = cli {
        return Some((p.to_path_buf(), true));
    }
    if let Some(p) = std::env::var_os(CONFIG_ENV).filter(|p| !p.is_empty()) {
        return Some((PathBuf::from(p), true));
    }
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
    Some((base.join("batchtop").join("config.toml"), false))
}

/// Finds, reads and validates the config. Never fails: problems come back beside a usable config.
pub fn load(cli: Option<&Path>) -> (Config, Vec<ConfigProblem>) {
    let Some((path, explicit)) = locate(cli) else { return (Config::default(), Vec::new()) };
    match std::fs::read_to_string(&path) {
        Ok(text) => parse(&text, &path, &|name| std::env::var(name).ok()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !explicit => (Config::default(), Vec::new()),
        Err(e) => {
            let problem = ConfigProblem {
                file: path.clone(),
                line: 0,
                field: String::new(),
                message: format!("cannot read: {e}"),
            };
            (Config::default(), vec![problem])
        }
    }
}

/// Parses and validates config text. `env` looks up environment variables
/// (credentials given by variable name); tests pass their own.
pub fn parse(text: &str, path: &Path, env: &dyn Fn(&str) -> Option<String>) -> (Config, Vec<ConfigProblem>) {
    let raw: RawConfig = match toml::from_str(text) {
        Ok(r) => r,
        Err(e) => {
            let (line, field) = match e.span() {
                Some(span) => (line_of(text, span.start), field_at(text, span)),
                None => (0, String::new()),
            };
            let message = e.message().trim().to_string();
            let problem =
                ConfigProblem { file: path.to_path_buf(), line, field, message: format!("{message} (config ignored)") };
            return (Config { path: Some(path.to_path_buf()), ..Config::default() }, vec![problem]);
        }
    };
    let mut v = Validator { text, path, env, problems: Vec::new() };
    let config = v.config(raw);
    (config, v.problems)
}

/// 1-based line of a byte offset.
// Config files are a few hundred lines: a filter-count is plenty, and the bytecount crate is not a dependency.
#[allow(clippy::naive_bytecount)]
fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())].iter().filter(|&&b| b == b'\n').count() + 1
}

/// The dotted name of the key at a span: the table header above it plus the key on its line.
fn field_at(text: &str, span: Range<usize>) -> String {
    let start = span.start.min(text.len());
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let line = text[line_start..].lines().next().unwrap_or("");
    let key = line.split_once('=').map(|(k, _)| k.trim().trim_matches('"').to_string());
    let header = text[..line_start]
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| l.starts_with('['))
        .map(|h| h.trim_matches(|c| c == '[' || c == ']').trim().to_string());
    let trimmed = line.trim();
    if trimmed.starts_with('[') {
        return trimmed.trim_matches(|c| c == '[' || c == ']').trim().to_string();
    }
    match (header, key) {
        (Some(h), Some(k)) => format!("{h}.{k}"),
        (None, Some(k)) => k,
        (Some(h), None) => h,
        (None, None) => String::new(),
    }
}

// ---- the file as written -------------------------------------------------

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    refresh: Option<Spanned<String>>,
    stall_after: Option<Spanned<String>>,
    rate_window: Option<Spanned<String>>,
    history: Option<Spanned<String>>,
    #[serde(default)]
    allow_secrets: bool,
    #[serde(default)]
    hosts: BTreeMap<String, Spanned<String>>,
    discovery: Option<RawDiscovery>,
    #[serde(default)]
    redis: Vec<Spanned<RawRedis>>,
    #[serde(default)]
    rabbitmq: Vec<Spanned<RawRabbit>>,
    #[serde(default, rename = "link")]
    links: Vec<Spanned<RawLink>>,
    #[serde(default)]
    contexts: BTreeMap<String, RawContext>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDiscovery {
    enabled: Option<bool>,
    url_env: Option<Vec<String>>,
    redis_host_env: Option<Vec<String>>,
    redis_port_env: Option<Vec<String>>,
    queue_env: Option<Vec<String>>,
    stream_env: Option<Vec<String>>,
    /// Link Jobs from task frameworks' conventional variables (`CELERY_BROKER_URL`, ...).
    frameworks: Option<bool>,
    rediswq: Option<bool>,
    connect: Option<RawConnect>,
    max_endpoints: Option<usize>,
}

/// `discovery.connect`: "mapped" (the default) or "any".
#[derive(Deserialize)]
#[serde(rename_all = "lowercase")]
enum RawConnect {
    Mapped,
    Any,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRedis {
    name: Option<String>,
    url: Option<Spanned<String>>,
    url_env: Option<Spanned<String>>,
    db: Option<i64>,
    password: Option<String>,
    password_env: Option<Spanned<String>>,
    #[serde(default)]
    lists: Vec<String>,
    scan: Option<String>,
    /// Task frameworks whose queues are found from their own registries and keys.
    #[serde(default)]
    discover: Vec<Spanned<String>>,
    #[serde(default = "yes")]
    rediswq: bool,
    max_leases: Option<Spanned<i64>>,
    /// Queues of a kind of their own (`[[redis.queues]]`).
    #[serde(default)]
    queues: Vec<Spanned<RawRedisQueue>>,
}

/// `[[redis.queues]]`: one queue and its kind.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRedisQueue {
    name: Spanned<String>,
    #[serde(default)]
    kind: RawRedisKind,
    /// Streams: how long a consumer holding pending entries may be idle.
    idle_after: Option<Spanned<String>>,
    /// Celery: the visibility timeout its workers are configured with.
    visibility_timeout: Option<Spanned<String>>,
    /// Sidekiq: how long a process may be silent before its work counts as lost.
    beat_after: Option<Spanned<String>>,
    /// BullMQ: the key prefix (default "bull").
    prefix: Option<Spanned<String>>,
}

/// `kind`: "list" (the default, as `lists` holds), "stream", or a task
/// framework ("celery", "rq", "bullmq", "sidekiq").
#[derive(Deserialize, Default, PartialEq, Eq, Clone, Copy)]
#[serde(rename_all = "lowercase")]
enum RawRedisKind {
    #[default]
    List,
    Stream,
    Celery,
    Rq,
    #[serde(rename = "bullmq")]
    BullMq,
    Sidekiq,
}

impl RawRedisKind {
    fn name(self) -> &'static str {
        match self {
            RawRedisKind::List => "list",
            RawRedisKind::Stream => "stream",
            RawRedisKind::Celery => "celery",
            RawRedisKind::Rq => "rq",
            RawRedisKind::BullMq => "bullmq",
            RawRedisKind::Sidekiq => "sidekiq",
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRabbit {
    name: Option<String>,
    url: Option<Spanned<String>>,
    url_env: Option<Spanned<String>>,
    vhost: Option<String>,
    username: Option<String>,
    password: Option<String>,
    password_env: Option<Spanned<String>>,
    #[serde(default)]
    queues: Vec<String>,
    queue_regex: Option<Spanned<String>>,
    management_url: Option<Spanned<String>>,
    management_url_env: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLink {
    namespace: Option<String>,
    job: Spanned<String>,
    source: Spanned<String>,
    queue: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawContext {
    #[serde(default)]
    readonly: bool,
}

fn yes() -> bool {
    true
}

// ---- validation ----------------------------------------------------------

struct Validator<'a> {
    text: &'a str,
    path: &'a Path,
    env: &'a dyn Fn(&str) -> Option<String>,
    problems: Vec<ConfigProblem>,
}

impl Validator<'_> {
    fn problem(&mut self, span: Range<usize>, field: impl Into<String>, message: impl Into<String>) {
        self.problems.push(ConfigProblem {
            file: self.path.to_path_buf(),
            line: line_of(self.text, span.start),
            field: field.into(),
            message: message.into(),
        });
    }

    fn config(&mut self, raw: RawConfig) -> Config {
        let d = Config::default();
        let mut c = Config {
            path: Some(self.path.to_path_buf()),
            refresh: self.duration(raw.refresh, "refresh", d.refresh),
            rate_window: self.duration(raw.rate_window, "rate_window", d.rate_window),
            history: self.duration(raw.history, "history", d.history),
            allow_secrets: raw.allow_secrets,
            // Absent or unusable (reported): the default threshold.
            stall_after: Some(self.duration(raw.stall_after, "stall_after", Duration::ZERO)).filter(|d| !d.is_zero()),
            hosts: self.hosts(raw.hosts),
            discovery: discovery(raw.discovery),
            contexts: raw.contexts.into_iter().map(|(k, v)| (k, ContextSettings { readonly: v.readonly })).collect(),
            ..d
        };
        for (i, r) in raw.redis.into_iter().enumerate() {
            if let Some(s) = self.redis(i, r) {
                self.push_unique_name(&c, &s.name, s.line, format!("redis[{i}].name"));
                c.redis.push(s);
            }
        }
        for (i, r) in raw.rabbitmq.into_iter().enumerate() {
            if let Some(s) = self.rabbit(i, r) {
                self.push_unique_name(&c, &s.name, s.line, format!("rabbitmq[{i}].name"));
                c.rabbitmq.push(s);
            }
        }
        for (i, l) in raw.links.into_iter().enumerate() {
            if let Some(link) = self.link(i, l, &c) {
                c.links.push(link);
            }
        }
        c
    }

    /// Two sources with one name would make links ambiguous: say so (the first one wins for links).
    fn push_unique_name(&mut self, c: &Config, name: &str, line: usize, field: String) {
        let count =
            c.redis.iter().map(|s| &s.name).chain(c.rabbitmq.iter().map(|s| &s.name)).filter(|n| *n == name).count();
        if count > 0 {
            self.problems.push(ConfigProblem {
                file: self.path.to_path_buf(),
                line,
                field,
                message: format!("another source is already named {name:?}; links use the first"),
            });
        }
    }

    fn duration(&mut self, raw: Option<Spanned<String>>, field: &str, default: Duration) -> Duration {
        let Some(raw) = raw else { return default };
        match humantime::parse_duration(raw.get_ref()) {
            Ok(d) if d >= Duration::from_millis(100) => d,
            Ok(_) => {
                self.problem(raw.span(), field, "must be at least 100ms");
                default
            }
            Err(e) => {
                self.problem(
                    raw.span(),
                    field,
                    format!("{:?} is not a duration like \"2s\" or \"1m\": {e}", raw.get_ref()),
                );
                default
            }
        }
    }

    fn hosts(&mut self, raw: BTreeMap<String, Spanned<String>>) -> HostMap {
        let mut ok = Vec::new();
        for (from, to) in raw {
            let from_ok = split_host_port(&from).is_some();
            let to_ok = split_host_port(to.get_ref()).is_some();
            if from_ok && to_ok {
                ok.push((from, to.into_inner()));
            } else {
                self.problem(to.span(), format!("hosts.{from}"), "want \"host\" or \"host:port\" on both sides");
            }
        }
        HostMap::new(ok)
    }

    /// A literal, or the value of the environment variable named by `<field>_env`.
    fn secret_or_env(
        &mut self,
        literal: Option<String>,
        env_name: Option<Spanned<String>>,
        field: &str,
    ) -> Result<Option<String>, ()> {
        match (literal, env_name) {
            (Some(_), Some(e)) => {
                self.problem(
                    e.span(),
                    field,
                    format!(
                        "give {} or {}_env, not both",
                        field.rsplit('.').next().unwrap_or(field),
                        field.rsplit('.').next().unwrap_or(field)
                    ),
                );
                Err(())
            }
            (Some(v), None) => Ok(Some(v)),
            (None, Some(e)) => match (self.env)(e.get_ref()) {
                Some(v) if !v.is_empty() => Ok(Some(v)),
                _ => {
                    self.problem(
                        e.span(),
                        format!("{field}_env"),
                        format!("environment variable {} is not set", e.get_ref()),
                    );
                    Err(())
                }
            },
            (None, None) => Ok(None),
        }
    }

    /// A source's required URL (literal or from an env var), with one of `schemes` and a host.
    /// Anything else is a problem naming the field, and the source is skipped.
    fn broker_url(
        &mut self,
        source_span: Range<usize>,
        literal: Option<Spanned<String>>,
        env_name: Option<Spanned<String>>,
        field: &str,
        schemes: &[&str],
    ) -> Option<url::Url> {
        let url_span = literal.as_ref().map(toml::Spanned::span).unwrap_or(source_span.clone());
        let url = match self.secret_or_env(literal.map(Spanned::into_inner), env_name, field) {
            Ok(Some(u)) => u,
            Ok(None) => {
                self.problem(source_span, field, "missing: give url or url_env (source skipped)");
                return None;
            }
            Err(()) => return None,
        };
        match url::Url::parse(&url) {
            Ok(u) if schemes.contains(&u.scheme()) && u.host_str().is_some() => Some(u),
            _ => {
                let shown = mask_url(&url);
                let wanted = schemes.iter().map(|s| format!("{s}://")).collect::<Vec<_>>().join(" or ");
                self.problem(url_span, field, format!("{shown} is not a {wanted} URL (source skipped)"));
                None
            }
        }
    }

    fn redis(&mut self, i: usize, raw: Spanned<RawRedis>) -> Option<RedisSource> {
        let span = raw.span();
        let line = line_of(self.text, span.start);
        let r = raw.into_inner();
        let f = |k: &str| format!("redis[{i}].{k}");
        let mut parsed = self.broker_url(span.clone(), r.url, r.url_env, &f("url"), &["redis", "rediss"])?;
        let password = self.secret_or_env(r.password, r.password_env, &f("password")).ok()?;
        if let Some(p) = password {
            let _ = parsed.set_password(Some(&p));
        }
        let max_leases = match r.max_leases {
            None => DEFAULT_MAX_LEASES,
            Some(m) if (1..=10_000).contains(m.get_ref()) => *m.get_ref() as usize,
            Some(m) => {
                self.problem(m.span(), f("max_leases"), "must be between 1 and 10000");
                DEFAULT_MAX_LEASES
            }
        };
        let name = r.name.unwrap_or_else(|| format!("redis@{}", host_port_of(&parsed)));
        let mut discover = Vec::new();
        for (j, kind) in r.discover.into_iter().enumerate() {
            match model::tasks::Framework::parse(kind.get_ref()) {
                Some(fw) if !discover.contains(&fw) => discover.push(fw),
                Some(_) => {}
                None => {
                    self.problem(kind.span(), f(&format!("discover[{j}]")), "not one of celery, rq, bullmq, sidekiq");
                }
            }
        }
        let mut lists = r.lists;
        let mut queues = Vec::new();
        for (j, q) in r.queues.into_iter().enumerate() {
            let q = q.into_inner();
            let field = f(&format!("queues[{j}]"));
            if q.name.get_ref().is_empty() {
                self.problem(q.name.span(), format!("{field}.name"), "must not be empty");
                continue;
            }
            let layout = self.redis_layout(&q, &field);
            match layout {
                Layout::List => lists.push(q.name.into_inner()),
                layout => queues.push(RedisQueue { name: q.name.into_inner(), layout }),
            }
        }
        Some(RedisSource {
            name,
            url: parsed.to_string(),
            db: r.db,
            lists,
            scan: r.scan.filter(|s| !s.is_empty()),
            discover,
            rediswq: r.rediswq,
            max_leases,
            queues,
            line,
        })
    }

    /// The layout a `[[redis.queues]]` entry asks for, its thresholds checked;
    /// a threshold that does not belong to the kind is a problem.
    fn redis_layout(&mut self, q: &RawRedisQueue, field: &str) -> Layout {
        let own: &[(&str, &Option<Spanned<String>>)] = &[
            ("idle_after", &q.idle_after),
            ("visibility_timeout", &q.visibility_timeout),
            ("beat_after", &q.beat_after),
            ("prefix", &q.prefix),
        ];
        let belongs = |key: &str| match q.kind {
            RawRedisKind::Stream => key == "idle_after",
            RawRedisKind::Celery => key == "visibility_timeout",
            RawRedisKind::Sidekiq => key == "beat_after",
            RawRedisKind::BullMq => key == "prefix",
            RawRedisKind::List | RawRedisKind::Rq => false,
        };
        for (key, value) in own {
            if let (Some(v), false) = (value, belongs(key)) {
                self.problem(
                    v.span(),
                    format!("{field}.{key}"),
                    format!("does not apply to kind \"{}\"", q.kind.name()),
                );
            }
        }
        let threshold = |me: &mut Self, v: &Option<Spanned<String>>, key: &str, default| {
            me.duration(v.clone(), &format!("{field}.{key}"), default)
        };
        match q.kind {
            RawRedisKind::List => Layout::List,
            RawRedisKind::Stream => Layout::Stream {
                idle_after: threshold(self, &q.idle_after, "idle_after", model::stream::DEFAULT_IDLE_AFTER),
            },
            RawRedisKind::Celery => Layout::Celery {
                visibility_timeout: threshold(
                    self,
                    &q.visibility_timeout,
                    "visibility_timeout",
                    model::tasks::CELERY_VISIBILITY_TIMEOUT,
                ),
            },
            RawRedisKind::Rq => Layout::Rq,
            RawRedisKind::BullMq => Layout::BullMq {
                prefix: q
                    .prefix
                    .as_ref()
                    .map(|p| p.get_ref().clone())
                    .filter(|p| !p.is_empty())
                    .unwrap_or_else(|| model::tasks::BULLMQ_PREFIX.to_string()),
            },
            RawRedisKind::Sidekiq => Layout::Sidekiq {
                beat_after: threshold(self, &q.beat_after, "beat_after", model::tasks::SIDEKIQ_BEAT_AFTER),
            },
        }
    }

    fn rabbit(&mut self, i: usize, raw: Spanned<RawRabbit>) -> Option<RabbitSource> {
        let span = raw.span();
        let line = line_of(self.text, span.start);
        let r = raw.into_inner();
        let f = |k: &str| format!("rabbitmq[{i}].{k}");
        let mut parsed = self.broker_url(span.clone(), r.url, r.url_env, &f("url"), &["amqp", "amqps"])?;
        if let Some(user) = &r.username {
            let _ = parsed.set_username(user);
        }
        let password = self.secret_or_env(r.password, r.password_env, &f("password")).ok()?;
        if let Some(p) = &password {
            let _ = parsed.set_password(Some(p));
        }
        let vhost = r.vhost.unwrap_or_else(|| vhost_of(&parsed));
        let queue_regex = match r.queue_regex {
            None => None,
            Some(re) => match regex::Regex::new(re.get_ref()) {
                Ok(x) => Some(x),
                Err(e) => {
                    self.problem(re.span(), f("queue_regex"), format!("not a regular expression: {e}"));
                    None
                }
            },
        };
        let mgmt_span = r.management_url.as_ref().map(toml::Spanned::span);
        let management = match self.secret_or_env(
            r.management_url.map(Spanned::into_inner),
            r.management_url_env,
            &f("management_url"),
        ) {
            Ok(Some(m)) => match url::Url::parse(&m) {
                Ok(u) if matches!(u.scheme(), "http" | "https") => Some(management_of(u, &parsed)),
                _ => {
                    self.problem(
                        mgmt_span.unwrap_or(span.clone()),
                        f("management_url"),
                        format!("{} is not an http(s) URL", mask_url(&m)),
                    );
                    None
                }
            },
            _ => None,
        };
        if queue_regex.is_some() && management.is_none() {
            self.problem(span.clone(), f("queue_regex"), "needs management_url: AMQP alone cannot list queues");
        }
        let name = r.name.unwrap_or_else(|| format!("rabbitmq@{}", host_port_of(&parsed)));
        Some(RabbitSource { name, url: parsed.to_string(), vhost, queues: r.queues, queue_regex, management, line })
    }

    fn link(&mut self, i: usize, raw: Spanned<RawLink>, c: &Config) -> Option<Link> {
        let r = raw.into_inner();
        let known = c.redis.iter().any(|s| s.name == *r.source.get_ref())
            || c.rabbitmq.iter().any(|s| s.name == *r.source.get_ref());
        if !known {
            self.problem(
                r.source.span(),
                format!("link[{i}].source"),
                format!("no [[redis]] or [[rabbitmq]] source is named {:?}", r.source.get_ref()),
            );
            return None;
        }
        if r.job.get_ref().is_empty() {
            self.problem(r.job.span(), format!("link[{i}].job"), "must not be empty");
            return None;
        }
        Some(Link { namespace: r.namespace, job: r.job.into_inner(), source: r.source.into_inner(), queue: r.queue })
    }
}

fn discovery(raw: Option<RawDiscovery>) -> Discovery {
    let d = Discovery::default();
    let Some(r) = raw else { return d };
    Discovery {
        enabled: r.enabled.unwrap_or(d.enabled),
        url_env: r.url_env.unwrap_or(d.url_env),
        redis_host_env: r.redis_host_env.unwrap_or(d.redis_host_env),
        redis_port_env: r.redis_port_env.unwrap_or(d.redis_port_env),
        queue_env: r.queue_env.unwrap_or(d.queue_env),
        stream_env: r.stream_env.unwrap_or(d.stream_env),
        frameworks: if r.frameworks.unwrap_or(true) { d.frameworks } else { Vec::new() },
        rediswq: r.rediswq.unwrap_or(d.rediswq),
        connect: match r.connect {
            None => d.connect,
            Some(RawConnect::Mapped) => DiscoveryConnect::Mapped,
            Some(RawConnect::Any) => DiscoveryConnect::Any,
        },
        max_endpoints: r.max_endpoints.unwrap_or(d.max_endpoints),
    }
}

/// The management API's credentials: those in its URL, else the AMQP URL's
/// (RabbitMQ users are the same on both), else guest.
fn management_of(mut u: url::Url, amqp: &url::Url) -> Management {
    let decode = |s: &str| percent_encoding::percent_decode_str(s).decode_utf8_lossy().into_owned();
    let (user, pass) = if !u.username().is_empty() {
        (decode(u.username()), decode(u.password().unwrap_or("")))
    } else if !amqp.username().is_empty() {
        (decode(amqp.username()), decode(amqp.password().unwrap_or("")))
    } else {
        ("guest".to_string(), "guest".to_string())
    };
    let _ = u.set_username("");
    let _ = u.set_password(None);
    // Accept the base URL or the API root (`http://host:15672/api`): requests add `/api/...` themselves.
    let base = u.to_string();
    let base = base.trim_end_matches('/');
    let base = base.strip_suffix("/api").unwrap_or(base);
    Management { url: base.to_string(), username: user, password: pass }
}

fn host_port_of(u: &url::Url) -> String {
    match (u.host_str(), u.port()) {
        (Some(h), Some(p)) => format!("{h}:{p}"),
        (Some(h), None) => h.to_string(),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use model::settings::DEFAULT_REFRESH;

    fn env(name: &str) -> Option<String> {
        match name {
            "RABBIT_PASS" => Some("s3cret".into()),
            "AMQP" => Some("amqp://u:p@127.0.0.1:5673/".into()),
            _ => None,
        }
    }

    fn p(text: &str) -> (Config, Vec<ConfigProblem>) {
        parse(text, Path::new("/etc/bt.toml"), &env)
    }

    #[test]
    fn empty_file_is_the_default() {
        let (c, problems) = p("");
        assert!(problems.is_empty());
        assert_eq!(c.refresh, Duration::from_secs(2));
        assert!(!c.allow_secrets);
        assert_eq!(c.stall_after, None, "the default threshold unless set");
        assert!(c.discovery.enabled);
    }

    #[test]
    fn stall_after_sets_the_stall_threshold() {
        let (c, problems) = p("stall_after = \"90s\"\n");
        assert_eq!((c.stall_after, problems.len()), (Some(Duration::from_secs(90)), 0));
        let (c, problems) = p("stall_after = \"soon\"\n");
        assert_eq!((c.stall_after, problems[0].field.as_str()), (None, "stall_after"));
    }

    #[test]
    fn discover_names_frameworks_and_anything_else_is_a_problem() {
        let (c, problems) = p("[[redis]]\nurl = \"redis://h\"\ndiscover = [\"rq\", \"sidekiq\", \"rq\", \"resque\"]\n");
        assert_eq!(c.redis[0].discover, [model::tasks::Framework::Rq, model::tasks::Framework::Sidekiq]);
        assert_eq!(problems.iter().map(|p| p.field.as_str()).collect::<Vec<_>>(), ["redis[0].discover[3]"]);
    }

    #[test]
    fn full_example_parses_without_problems() {
        let text = include_str!("../../../config/batchtop.example.toml");
        let env = |n: &str| Some(format!("value-of-{n}"));
        let (c, problems) = parse(text, Path::new("example.toml"), &env);
        assert_eq!(problems, vec![]);
        assert!(!c.redis.is_empty() && !c.rabbitmq.is_empty() && !c.links.is_empty());
        // Every kind of Redis queue has its commented example.
        let kinds: Vec<&str> = c.redis[0].queues.iter().map(|q| q.layout.label()).collect();
        assert_eq!(kinds, ["stream", "celery", "rq", "bullmq", "sidekiq"]);
    }

    #[test]
    fn redis_queues_of_kind_stream_are_streams_and_lists_join_the_lists() {
        let text = "[[redis]]\nurl = \"redis://h\"\nlists = [\"a\"]\n\
            [[redis.queues]]\nname = \"tasks\"\nkind = \"stream\"\nidle_after = \"30s\"\n\
            [[redis.queues]]\nname = \"events\"\nkind = \"stream\"\n\
            [[redis.queues]]\nname = \"b\"\n\
            [[redis.queues]]\nname = \"c\"\nidle_after = \"1s\"\n";
        let (c, problems) = p(text);
        let r = &c.redis[0];
        assert_eq!(r.lists, ["a", "b", "c"]);
        assert_eq!(
            r.queues,
            [
                RedisQueue { name: "tasks".into(), layout: Layout::Stream { idle_after: Duration::from_secs(30) } },
                RedisQueue { name: "events".into(), layout: Layout::stream() },
            ]
        );
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!((problems[0].line, problems[0].field.as_str()), (15, "redis[0].queues[3].idle_after"));
        let (c, problems) = p("[[redis]]\nurl = \"redis://h\"\n[[redis.queues]]\nname = \"s\"\nkind = \"zset\"\n");
        assert!(c.redis.is_empty() && problems[0].line == 5, "an unknown kind is named: {problems:?}");
    }

    #[test]
    fn unknown_key_names_file_line_and_field() {
        let (c, problems) = p("refresh = \"1s\"\n\n[[rabbitmq]]\nurl = \"amqp://h\"\nqueus = [\"a\"]\n");
        assert_eq!(problems.len(), 1);
        let pr = &problems[0];
        assert_eq!(pr.line, 5);
        assert_eq!(pr.field, "rabbitmq.queus");
        assert!(pr.message.contains("unknown field"), "{}", pr.message);
        assert!(pr.to_string().starts_with("/etc/bt.toml:5: rabbitmq.queus: "), "{pr}");
        // The rest of batchtop keeps working on the defaults.
        assert_eq!(c.refresh, DEFAULT_REFRESH);
        assert!(c.rabbitmq.is_empty());
    }

    #[test]
    fn discovery_connects_to_mapped_hosts_unless_told_any() {
        let (c, problems) = p("[discovery]\nmax_endpoints = 3\n");
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!((c.discovery.connect, c.discovery.max_endpoints), (DiscoveryConnect::Mapped, 3));
        let (c, _) = p("[discovery]\nconnect = \"any\"\n");
        assert_eq!(c.discovery.connect, DiscoveryConnect::Any);
        let (_, problems) = p("[discovery]\nconnect = \"everything\"\n");
        assert_eq!(problems[0].field, "discovery.connect", "{problems:?}");
    }

    #[test]
    fn wrong_type_names_the_field() {
        let (_, problems) = p("[discovery]\nenabled = \"yes\"\n");
        assert_eq!(problems[0].line, 2);
        assert_eq!(problems[0].field, "discovery.enabled");
    }

    #[test]
    fn bad_values_skip_only_their_entry() {
        let text = "refresh = \"soon\"\n[[redis]]\nname = \"a\"\nurl = \"http://x\"\n[[redis]]\nname = \"b\"\nurl = \"redis://127.0.0.1:6379\"\n[[rabbitmq]]\nname = \"r\"\nurl = \"amqp://h\"\nqueue_regex = \"(\"\n";
        let (c, problems) = p(text);
        let fields: Vec<_> = problems.iter().map(|p| (p.line, p.field.as_str())).collect();
        assert_eq!(fields, vec![(1, "refresh"), (4, "redis[0].url"), (11, "rabbitmq[0].queue_regex")]);
        assert_eq!(c.refresh, DEFAULT_REFRESH);
        assert_eq!(c.redis.len(), 1);
        assert_eq!(c.redis[0].name, "b");
        assert_eq!(c.rabbitmq.len(), 1, "a bad regex drops the regex, not the source");
    }

    #[test]
    fn credentials_from_environment_variables() {
        let text = "[[rabbitmq]]\nurl_env = \"AMQP\"\npassword_env = \"RABBIT_PASS\"\nmanagement_url = \"http://127.0.0.1:15672/api/\"\n[[rabbitmq]]\nname = \"x\"\nurl_env = \"NOPE\"\n";
        let (c, problems) = p(text);
        assert_eq!(c.rabbitmq.len(), 1);
        let r = &c.rabbitmq[0];
        assert_eq!(r.url, "amqp://u:s3cret@127.0.0.1:5673/");
        assert_eq!(r.vhost, "/");
        let m = r.management.as_ref().unwrap();
        assert_eq!(
            (m.url.as_str(), m.username.as_str(), m.password.as_str()),
            ("http://127.0.0.1:15672", "u", "s3cret")
        );
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].field, "rabbitmq[1].url_env");
        assert!(problems[0].message.contains("NOPE"));
        assert!(!format!("{:?}", r.management).contains("s3cret"));
    }

    #[test]
    fn links_must_name_a_source() {
        let text = "[[redis]]\nname = \"r\"\nurl = \"redis://redis:6379\"\n[[link]]\njob = \"job-wq-2\"\nsource = \"r\"\nqueue = \"job2\"\n[[link]]\njob = \"j\"\nsource = \"nope\"\nqueue = \"q\"\n";
        let (c, problems) = p(text);
        assert_eq!(c.links.len(), 1);
        assert!(c.links[0].matches("any", "job-wq-2"));
        assert_eq!(problems[0].line, 10);
        assert_eq!(problems[0].field, "link[1].source");
    }

    #[test]
    fn link_prefix_and_namespace() {
        let l = Link { namespace: Some("ns".into()), job: "hello-*".into(), source: "s".into(), queue: "q".into() };
        assert!(l.matches("ns", "hello-2890"));
        assert!(!l.matches("other", "hello-2890"));
        assert!(!l.matches("ns", "bye"));
    }

    #[test]
    fn host_map_prefers_host_port_entries() {
        let m = HostMap::new([
            ("rabbitmq-service".to_string(), "127.0.0.1:16672".to_string()),
            ("redis:6379".to_string(), "127.0.0.1:16379".to_string()),
            ("redis".to_string(), "10.0.0.1".to_string()),
            ("db".to_string(), "localhost".to_string()),
        ]);
        assert_eq!(m.map("rabbitmq-service", 5672), ("127.0.0.1".into(), 16672));
        assert_eq!(m.map("Redis", 6379), ("127.0.0.1".into(), 16379));
        assert_eq!(m.map("redis", 6380), ("10.0.0.1".into(), 6380));
        assert_eq!(m.map("db", 1), ("localhost".into(), 1));
        assert_eq!(m.map("other", 7), ("other".into(), 7));
    }

    #[test]
    fn contexts_readonly() {
        let (c, problems) = p("[contexts.prod]\nreadonly = true\n");
        assert!(problems.is_empty());
        assert!(c.readonly_for("prod"));
        assert!(!c.readonly_for("sandbox"));
    }

    #[test]
    fn syntax_error_has_a_line() {
        let (_, problems) = p("refresh = \"2s\"\n[[redis]\n");
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].line, 2);
    }
}
