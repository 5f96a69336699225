//! The files that travel with the release binary: shell completions and man
//! pages, generated from the clap definition in [`crate::cli`] so they never
//! drift from the flags. `batchtop generate DIR` (a hidden subcommand: no
//! build.rs side effects, and the static binary can make them on the bastion
//! host too) writes them; `make release` puts them in `dist/`.

use std::path::{Path, PathBuf};

use clap::CommandFactory;
use clap_complete::Shell;

use crate::cli::Cli;

/// The shells completions are written for.
pub const SHELLS: [Shell; 3] = [Shell::Bash, Shell::Zsh, Shell::Fish];

/// Writes the completions (`batchtop.bash`, `_batchtop`, `batchtop.fish`) and
/// one man page per visible command (`batchtop.1`, `batchtop-logs.1`) into
/// `dir`, creating it. Returns the files written, in that order.
pub fn write(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    // `batchtop help` works, but needs neither a completion nor a page of its own.
    let mut cmd = Cli::command().disable_help_subcommand(true);
    cmd.build();
    let mut written = Vec::new();
    for shell in SHELLS {
        written.push(clap_complete::generate_to(shell, &mut cmd, "batchtop", dir)?);
    }
    written.push(clap_mangen::Man::new(cmd.clone()).generate_to(dir)?);
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        written.push(clap_mangen::Man::new(sub.clone()).generate_to(dir)?);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(path: &Path) -> String {
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    #[test]
    fn completions_and_man_pages_name_the_real_flags() {
        let dir = std::env::temp_dir().join(format!("batchtop-dist-test-{}", std::process::id()));
        let files = write(&dir).unwrap();
        let names: Vec<String> = files.iter().map(|f| f.file_name().unwrap().to_string_lossy().into_owned()).collect();
        assert_eq!(
            names,
            ["batchtop.bash", "_batchtop", "batchtop.fish", "batchtop.1", "batchtop-logs.1", "batchtop-wait.1"]
        );
        let bash = read(&files[0]);
        assert!(bash.contains("--once") && bash.contains("--all-namespaces") && bash.contains("logs"), "{bash}");
        assert!(read(&files[1]).starts_with("#compdef batchtop"));
        assert!(read(&files[2]).contains("complete -c batchtop"));
        let man = read(&files[3]);
        assert!(man.contains(".TH batchtop 1") && man.contains("\\-\\-once"), "{man}");
        assert!(read(&files[4]).contains("\\-\\-index"), "the logs page has its own flags");
        std::fs::remove_dir_all(&dir).ok();
    }
}
