//! The docs are generated from the schema and must be current; the examples must be formatted; every link
//! between the repository's pages must lead somewhere.

use std::path::{Path, PathBuf};

fn root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

#[test]
fn generated_docs_are_current() -> anyhow::Result<()> {
    for (path, expected) in ecsbg::docs::pages(root())? {
        let actual = std::fs::read_to_string(root().join(&path)).unwrap_or_default();
        assert!(
            actual == expected,
            "{path} is stale: run `make docs` and commit it"
        );
    }
    Ok(())
}

#[test]
fn docs_describe_every_attribute() -> anyhow::Result<()> {
    let page = std::fs::read_to_string(root().join("docs/resources/deployment.md"))?;
    for needle in [
        "`application_name` (String)",
        "`task_definition` (String)",
        "Nested Schema for `test_gate.http`",
        "## How a rollout proceeds",
        "terraform import ecsbg_deployment.web web:web-prod",
        "import {\n  to = ecsbg_deployment.web\n  id = \"web:web-prod\"\n}",
    ] {
        assert!(page.contains(needle), "missing {needle:?}");
    }
    Ok(())
}

#[test]
fn examples_pass_terraform_fmt() -> anyhow::Result<()> {
    let out = std::process::Command::new("terraform")
        .args(["fmt", "-check", "-recursive", "-diff"])
        .current_dir(root().join("examples"))
        .env("CHECKPOINT_DISABLE", "1")
        .output()?;
    assert!(
        out.status.success(),
        "terraform fmt -check failed:\n{}",
        String::from_utf8_lossy(&out.stdout)
    );
    Ok(())
}

/// This repository on GitHub: links from `docs/` to files outside it must be absolute (the registries render
/// `docs/` on their own site, where a relative link out of `docs/` leads nowhere), so they are checked too.
const REPO_URL: &str = "https://github.com/ecsbg/terraform-provider-ecsbg/";

/// Every Markdown file the README, the registry docs, the examples and the reports consist of (templates/ is
/// checked through the docs generated from it: its links are relative to where the page lands in docs/).
fn markdown_files() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "md") {
                out.push(path);
            }
        }
    }
    let mut files: Vec<PathBuf> = [
        "README.md",
        "CHANGELOG.md",
        "acceptance-tests/emulator/README.md",
    ]
    .iter()
    .map(|f| root().join(f))
    .collect();
    for dir in ["docs", "examples", "reports"] {
        walk(&root().join(dir), &mut files);
    }
    files
}

/// The targets of the inline links `[text](target)` and reference definitions `[label]: target` outside
/// fenced code blocks, each with its line number.
fn link_targets(markdown: &str) -> Vec<(usize, String)> {
    let mut targets = Vec::new();
    let mut fenced = false;
    for (n, line) in markdown.lines().enumerate() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if fenced {
            continue;
        }
        let mut rest = line;
        while let Some(at) = rest.find("](") {
            let after = &rest[at + 2..];
            let end = after.find(')').unwrap_or(after.len());
            let target = after[..end].split_whitespace().next().unwrap_or_default();
            targets.push((n + 1, target.trim_matches(['<', '>']).to_string()));
            rest = &after[end..];
        }
        let trimmed = line.trim_start();
        if let (true, Some(at)) = (trimmed.starts_with('['), trimmed.find("]: ")) {
            if let Some(target) = trimmed[at + 3..].split_whitespace().next() {
                targets.push((n + 1, target.to_string()));
            }
        }
    }
    targets
}

/// GitHub's anchor for a heading: lower case, spaces to hyphens, other punctuation dropped.
fn heading_anchor(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

/// Whether a Markdown page has an anchor: a heading's or an explicit `<a id="...">`.
fn has_anchor(page: &str, anchor: &str) -> bool {
    page.contains(&format!("id=\"{anchor}\""))
        || page
            .lines()
            .filter_map(|l| l.strip_prefix('#'))
            .any(|h| heading_anchor(h.trim_start_matches('#')) == anchor)
}

#[test]
fn every_link_between_the_pages_resolves() -> anyhow::Result<()> {
    let mut broken = Vec::new();
    let mut checked = 0;
    for file in markdown_files() {
        let page = std::fs::read_to_string(&file)?;
        let dir = file.parent().unwrap_or(root());
        for (line, target) in link_targets(&page) {
            let (path, resolved) = if let Some(in_repo) = target.strip_prefix(REPO_URL) {
                // blob/<branch>/<path> or tree/<branch>/<path>
                let path = in_repo.splitn(3, '/').nth(2).unwrap_or_default();
                (
                    path.to_string(),
                    root().join(path.split('#').next().unwrap_or_default()),
                )
            } else if target.contains("://") || target.starts_with("mailto:") {
                continue;
            } else {
                let path = target.split('#').next().unwrap_or_default();
                (
                    target.clone(),
                    if path.is_empty() {
                        file.clone()
                    } else {
                        dir.join(path)
                    },
                )
            };
            checked += 1;
            let anchor = path.split_once('#').map(|(_, a)| a);
            let ok = resolved.exists()
                && anchor.is_none_or(|a| {
                    resolved.is_dir()
                        || resolved.extension().is_none_or(|e| e != "md")
                        || std::fs::read_to_string(&resolved).is_ok_and(|p| has_anchor(&p, a))
                });
            if !ok {
                broken.push(format!(
                    "{}:{line}: {target}",
                    file.strip_prefix(root()).unwrap_or(&file).display()
                ));
            }
        }
    }
    assert!(
        checked > 20,
        "only {checked} links found: the scan is broken"
    );
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
    Ok(())
}

#[test]
fn docs_link_out_of_docs_only_by_absolute_url() -> anyhow::Result<()> {
    let mut relative_out = Vec::new();
    for file in markdown_files() {
        let Ok(in_docs) = file.strip_prefix(root().join("docs")) else {
            continue;
        };
        let page = std::fs::read_to_string(&file)?;
        let depth = in_docs.components().count() - 1;
        for (line, target) in link_targets(&page) {
            let ups = target.split('/').take_while(|p| *p == "..").count();
            if !target.contains("://") && ups > depth {
                relative_out.push(format!("docs/{}:{line}: {target}", in_docs.display()));
            }
        }
    }
    assert!(
        relative_out.is_empty(),
        "the registry renders docs/ alone; link these by {REPO_URL}blob/main/...:\n{}",
        relative_out.join("\n")
    );
    Ok(())
}
