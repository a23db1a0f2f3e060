//! What a package installs beside the binary, made from the command line's own definition: shell completions and
//! manual pages (issue 19).

#[allow(dead_code)]
mod util;

use util::Dir;

#[test]
fn regression_19_completions_and_manual_pages_come_from_the_command_line() {
    let d = Dir::new();
    for (shell, marker) in [
        ("bash", "_vigie()"),
        ("zsh", "#compdef vigie"),
        ("fish", "complete -c vigie"),
    ] {
        let script = d.ok(&["completions", shell]);
        assert!(script.contains(marker), "{shell}: {script}");
        // Every command, and a nested one with its options.
        for word in ["scan", "accounts", "successors", "max-record-bytes"] {
            assert!(script.contains(word), "{shell} lacks {word}");
        }
    }
    let out = d.run(&["completions", "tcsh"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "an unknown shell is a usage error"
    );

    d.ok(&["man", "-o", "man"]);
    let page = |name: &str| {
        std::fs::read_to_string(d.join(&format!("man/{name}")))
            .unwrap_or_else(|e| panic!("{name}: {e}"))
    };
    assert!(page("vigie.1").contains(".TH vigie 1"));
    let scan = page("vigie-scan.1");
    assert!(scan.contains(".TH vigie-scan 1"), "{scan}");
    assert!(scan.contains("max\\-record\\-bytes"), "{scan}");
    assert!(page("vigie-audit-verify.1").contains("anchor"));
}
