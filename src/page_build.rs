//! A development convenience: `cargo run` builds the chat page when it is missing, so
//! that `/` serves it on a fresh clone. Only in the debug profile, only for a relative
//! `web_dir` whose sources (`web/package.json`) sit next to it, and only with Node ≥ 20;
//! otherwise one line says what `/` does instead. A deployment ships a built page.

use std::path::Path;
use std::process::Command;

/// The oldest Node major version the page's build supports (`web/package.json`).
const NODE_MAJOR: u32 = 20;

/// Builds the page into `web_dir` if it has no `index.html` and its sources are here.
pub fn ensure_built(web_dir: &Path) {
    let sources = Path::new("web");
    let built = web_dir.join("index.html").is_file();
    let ours = web_dir.is_relative() && web_dir.starts_with(sources);
    if built || !ours || !sources.join("package.json").is_file() {
        return;
    }
    let hint = crate::routes::root::BUILD_HINT;
    match node_major() {
        Some(major) if major >= NODE_MAJOR => {}
        found => {
            let found = found.map_or("no Node".to_string(), |m| format!("Node {m}"));
            rocket::warn!(
                "the chat page is not built and cannot be ({found}; it needs Node >= \
                 {NODE_MAJOR}): / answers JSON until `{hint}` has run"
            );
            return;
        }
    }
    rocket::info!(
        "building the chat page into {} (`{hint}`)",
        web_dir.display()
    );
    let install = sources.join("node_modules").is_dir() || npm(&["--prefix", "web", "ci"]);
    if install && npm(&["--prefix", "web", "run", "build"]) {
        rocket::info!("built the chat page");
    } else {
        rocket::warn!("the chat page did not build: / answers JSON (see npm's output above)");
    }
}

/// Runs npm with `args`; its output goes to this process's output. True on success.
fn npm(args: &[&str]) -> bool {
    Command::new("npm")
        .args(args)
        .status()
        .is_ok_and(|status| status.success())
}

/// The major version of the `node` on the path, if there is one.
fn node_major() -> Option<u32> {
    let output = Command::new("node").arg("--version").output().ok()?;
    let version = String::from_utf8_lossy(&output.stdout);
    parse_major(&version)
}

/// `20` for `v20.11.1`.
fn parse_major(version: &str) -> Option<u32> {
    version
        .trim()
        .trim_start_matches('v')
        .split('.')
        .next()?
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::parse_major;

    #[test]
    fn node_versions_read_as_their_major() {
        assert_eq!(parse_major("v20.11.1\n"), Some(20));
        assert_eq!(parse_major("v18.0.0"), Some(18));
        assert_eq!(parse_major("garbage"), None);
    }
}
