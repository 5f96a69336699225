//! Credentials never reach the screen, stdout, stderr or the log file: every
//! text that may hold a URL goes through [`mask_url`] before it is shown.
//!
//! A password may hold any character (`@ / ? # %`, spaces, even `://`), so the
//! masking errs towards hiding too much: a URL that the real parser reads
//! unambiguously is masked where the parser says its password is; anything
//! else has everything between `://` and the last `@` before the host masked.

use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;

/// Where a URL begins: `scheme://`.
static SCHEME: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?i)[a-z][a-z0-9+.\-]*://").expect("static regex"));

/// Masks the password of every `scheme://user:password@` in `text` as `***`.
/// Use it on anything that may hold a URL before showing it: broker URLs,
/// env values (BROKER_URL), error messages.
pub fn mask_url(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    for scheme in SCHEME.find_iter(text) {
        if scheme.start() < copied {
            continue; // inside a password already masked
        }
        let Some(password) = password_at(text, scheme.end()) else { continue };
        out.push_str(&text[copied..password.start]);
        out.push_str("***");
        copied = password.end;
    }
    out.push_str(&text[copied..]);
    out
}

/// Masks every occurrence of each of `secrets` (the token an exec auth plugin
/// printed, its client key), every JSON Web Token (`eyJ…` with two dots) and
/// every URL's password as `***`: for text that may quote a credential
/// verbatim, such as an exec plugin's stderr.
pub fn mask_credentials(text: &str, secrets: &[&str]) -> String {
    let mut out = text.to_string();
    for secret in secrets.iter().filter(|s| !s.is_empty()) {
        out = out.replace(secret, "***");
    }
    mask_url(&mask_jwts(&out))
}

/// `eyJ` starts the base64 of a JSON object's `{"`: with two dots after it in
/// the same word, a signed token (a service-account or OIDC token).
fn mask_jwts(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("eyJ") {
        let word = &rest[at..];
        let len = word.find(|c: char| !(c.is_ascii_alphanumeric() || "-_.=".contains(c))).unwrap_or(word.len());
        out.push_str(&rest[..at]);
        out.push_str(if word[..len].matches('.').count() >= 2 { "***" } else { &word[..len] });
        rest = &word[len..];
    }
    out.push_str(rest);
    out
}

/// Where the password of the URL whose authority starts at `authority` lies in
/// `text` (between the `:` after the user and the `@` before the host).
fn password_at(text: &str, authority: usize) -> Option<Range<usize>> {
    let rest = &text[authority..];
    // The user part holds none of these: a URL whose first one is not `:` has
    // no password (`scheme://host/…`, `scheme://user@host`).
    let colon = rest.find(|c: char| ":/?#@".contains(c) || c.is_whitespace())?;
    if !rest[colon..].starts_with(':') {
        return None;
    }
    let at = parsed_host_start(rest).or_else(|| rest.rfind('@'))?;
    (at > colon).then(|| (authority + colon + 1)..(authority + at))
}

/// The `@` before the host as the real URL parser sees it, when that is
/// unambiguous: the first word parses as a URL with a password and no `@`
/// follows its host (one there could be the rest of a password holding
/// `/ ? #` or a space, which the parser would take for a path or a fragment).
fn parsed_host_start(rest: &str) -> Option<usize> {
    let word = rest.split(char::is_whitespace).next().unwrap_or_default();
    let parsed = url::Url::parse(&format!("x-mask://{word}")).ok()?;
    parsed.password()?;
    let host_end = word.find(['/', '?', '#']).unwrap_or(word.len());
    if rest[host_end..].contains('@') {
        return None;
    }
    word[..host_end].rfind('@')
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn credentials_quoted_verbatim_are_masked() {
        let jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl";
        let text = format!("got token s3cr3t-t0ken for https://u:pw@h, cached {jwt}; eyJ alone stays");
        assert_eq!(
            mask_credentials(&text, &["s3cr3t-t0ken", ""]),
            "got token *** for https://u:***@h, cached ***; eyJ alone stays"
        );
    }

    #[test]
    fn masks_passwords_everywhere() {
        assert_eq!(mask_url("amqp://guest:guest@rabbitmq-service:5672"), "amqp://guest:***@rabbitmq-service:5672");
        assert_eq!(mask_url("redis://h/0 and http://u:p@x"), "redis://h/0 and http://u:***@x");
        // Two URLs with passwords: the first could have a password running up to
        // the second's host, so all of it is hidden.
        assert_eq!(mask_url("redis://:pw@h:1/0 and http://u:p@x"), "redis://:***@x");
        assert_eq!(mask_url("amqp://guest@h"), "amqp://guest@h");
        assert_eq!(mask_url("no url here"), "no url here");
    }

    /// The cases of issue 10, found by hand: each leaked before.
    #[test]
    fn masks_passwords_holding_url_punctuation() {
        assert_eq!(mask_url("amqp://u:pa/ss@h"), "amqp://u:***@h");
        assert_eq!(mask_url("amqp://u:p@ss@h"), "amqp://u:***@h");
        assert_eq!(mask_url("amqp://u:pa ss#x@h:5672/v"), "amqp://u:***@h:5672/v");
        assert_eq!(mask_url("amqp://u:12#ss@h"), "amqp://u:***@h");
        assert_eq!(mask_url("amqp://u:12/ss@h"), "amqp://u:***@h");
        assert_eq!(mask_url("amqp://u:a://b@h"), "amqp://u:***@h");
        assert_eq!(mask_url("redis://:p%40ss@h"), "redis://:***@h");
    }

    #[test]
    fn keeps_urls_without_a_password_and_their_context() {
        assert_eq!(mask_url("GET http://h:80/a?b=c failed"), "GET http://h:80/a?b=c failed");
        assert_eq!(mask_url("redis://h:6379/0: connection refused"), "redis://h:6379/0: connection refused");
        assert_eq!(mask_url("amqp://u:p@h:5672: timed out"), "amqp://u:***@h:5672: timed out");
    }

    /// A password of any printable characters, spaces and `@ / ? # %` included.
    fn password() -> impl Strategy<Value = String> {
        prop_oneof![
            "[ -~]{1,24}",
            "[@/?#% :]{1,8}",
            proptest::collection::vec(prop_oneof!["[a-z]{1,3}", "[@/?#% ]", Just("://".to_string())], 1..10)
                .prop_map(|parts| parts.concat()),
        ]
    }

    proptest! {
        #[test]
        fn masking_never_leaks_the_password(user in "[a-z]{0,8}", pw in password(), host in "[a-z][a-z0-9.-]{0,10}") {
            let url = format!("amqp://{user}:{pw}@{host}:5672/vhost");
            prop_assert_eq!(mask_url(&url), format!("amqp://{user}:***@{host}:5672/vhost"));
        }

        #[test]
        fn masking_never_leaks_the_password_inside_a_message(pw in password(), host in "[a-z]{1,10}") {
            let text = format!("connecting to redis://:{pw}@{host}:6379/0: connection refused");
            prop_assert_eq!(mask_url(&text), format!("connecting to redis://:***@{host}:6379/0: connection refused"));
        }

        #[test]
        fn masking_is_idempotent(text in "[ -~]{0,60}") {
            let once = mask_url(&text);
            prop_assert_eq!(mask_url(&once), once.clone());
        }
    }
}
