//! The config file parser: any text gives a config and problems, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let env = |name: &str| (name == "BATCHTOP_FUZZ_URL").then(|| "amqp://u:p@h:5672".to_string());
    let (config, problems) = config::parse(text, std::path::Path::new("fuzz.toml"), &env);
    // Shown to the user: the Debug form masks the URLs it holds.
    let _ = format!("{config:?}");
    for p in problems {
        let _ = p.to_string();
    }
});
