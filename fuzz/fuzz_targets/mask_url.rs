//! URL masking: for any password, the masked URL is exactly the URL with
//! `***` for the password; any text is masked without a panic, and masking
//! twice changes nothing more.
#![no_main]

use libfuzzer_sys::fuzz_target;
use model::redact::mask_url;

fuzz_target!(|text: &str| {
    let masked = mask_url(text);
    assert_eq!(mask_url(&masked), masked, "not idempotent on {text:?}");
    if !text.is_empty() && !text.contains(['\n']) {
        let url = format!("amqp://user:{text}@broker.example:5672/vhost");
        assert_eq!(mask_url(&url), "amqp://user:***@broker.example:5672/vhost", "password {text:?}");
    }
});
