//! Credentials never reach the screen, stdout, stderr or the log file: every
//! text that may hold a URL goes through [`mask_url`] before it is shown.

use std::sync::LazyLock;

use regex::Regex;

static URL_PASSWORD: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)\b([a-z][a-z0-9+.\-]*://[^:/?#@\s]*):([^@/?#\s]*)@").expect("static regex"));

/// Masks the password of every `scheme://user:password@` in `text` as `***`.
/// Use it on anything that may hold a URL before showing it: broker URLs,
/// env values (BROKER_URL), error messages.
pub fn mask_url(text: &str) -> String {
    URL_PASSWORD.replace_all(text, "$1:***@").into_owned()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn masks_passwords_everywhere() {
        assert_eq!(mask_url("amqp://guest:guest@rabbitmq-service:5672"), "amqp://guest:***@rabbitmq-service:5672");
        assert_eq!(mask_url("redis://:pw@h:1/0 and http://u:p@x"), "redis://:***@h:1/0 and http://u:***@x");
        assert_eq!(mask_url("amqp://guest@h"), "amqp://guest@h");
        assert_eq!(mask_url("no url here"), "no url here");
    }

    proptest! {
        #[test]
        fn masking_never_leaks_the_password(user in "[a-z]{1,8}", pw in "[A-Za-z0-9]{4,16}", host in "[a-z]{1,10}") {
            let url = format!("amqp://{user}:{pw}@{host}:5672");
            let masked = mask_url(&url);
            let leaked = format!(":{pw}@");
            prop_assert!(!masked.contains(&leaked));
            prop_assert!(masked.contains(&host));
        }
    }
}
