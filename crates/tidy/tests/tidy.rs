//! Tidy rules as tests (ARCHITECTURE.md, "Invariants"). Each reads the repository's own files.

use std::fs;
use std::path::{Path, PathBuf};

fn crates_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn manifest(krate: &str) -> String {
    fs::read_to_string(crates_dir().join(krate).join("Cargo.toml"))
        .unwrap_or_else(|e| panic!("{krate}/Cargo.toml: {e}"))
}

/// Names of the dependencies in `[dependencies]` (not dev-dependencies) of a crate.
fn dependencies(krate: &str) -> Vec<String> {
    let text = manifest(krate);
    let mut in_deps = false;
    let mut deps = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_deps = line == "[dependencies]";
            continue;
        }
        if in_deps && !line.is_empty() && !line.starts_with('#') {
            if let Some((name, _)) = line.split_once('=') {
                let name = name.trim().trim_end_matches(".workspace").trim();
                deps.push(name.to_string());
            }
        }
    }
    deps
}

fn all_crates() -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(crates_dir())
        .expect("crates/ is readable")
        .filter_map(|e| e.ok())
        .filter(|e| e.path().join("Cargo.toml").exists())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// The pure core: rules and arithmetic, no IO of any kind.
const PURE: [&str; 8] = [
    "ledger",
    "registry",
    "governance",
    "fund",
    "credit",
    "trade",
    "demo",
    "support",
];
const IO_CRATES: [&str; 9] = [
    "tokio",
    "sqlx",
    "axum",
    "hyper",
    "reqwest",
    "async-trait",
    "tracing",
    "store-sqlite",
    "store-postgres",
];

#[test]
fn the_pure_core_depends_on_no_io_crate() {
    for krate in PURE.iter().filter(|k| crates_dir().join(k).exists()) {
        for dep in dependencies(krate) {
            assert!(
                !IO_CRATES.contains(&dep.as_str()),
                "{krate} is pure but depends on {dep}"
            );
        }
    }
}

#[test]
fn dependencies_point_one_way() {
    // (crate, what it must never depend on)
    let forbidden: [(&str, &[&str]); 6] = [
        ("ledger", &["registry", "store", "app", "web", "cli"]),
        ("registry", &["store", "app", "web", "cli"]),
        ("support", &["store", "app", "web", "cli"]),
        (
            "store",
            &["app", "web", "cli", "store-sqlite", "store-postgres"],
        ),
        ("app", &["web", "cli", "store-sqlite", "store-postgres"]),
        ("web", &["cli", "store-sqlite", "store-postgres"]),
    ];
    for (krate, never) in forbidden {
        for dep in dependencies(krate) {
            assert!(
                !never.contains(&dep.as_str()),
                "{krate} must not depend on {dep}"
            );
        }
    }
    // Only the binary picks a backend.
    for krate in all_crates() {
        if krate == "cli" {
            continue;
        }
        for backend in ["store-sqlite", "store-postgres"] {
            if krate != backend {
                assert!(
                    !dependencies(&krate).contains(&backend.to_string()),
                    "{krate} depends on {backend}; only cli picks a backend"
                );
            }
        }
    }
}

#[test]
fn every_crate_documents_what_it_is() {
    for krate in all_crates() {
        let src = crates_dir().join(&krate).join("src");
        let root = ["lib.rs", "main.rs"]
            .iter()
            .map(|f| src.join(f))
            .find(|p| p.exists())
            .unwrap_or_else(|| panic!("{krate} has no lib.rs or main.rs"));
        let text = fs::read_to_string(&root).unwrap();
        assert!(
            text.trim_start().starts_with("//!"),
            "{} must start with a //! doc comment",
            root.display()
        );
    }
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn no_floating_point_in_the_money_core() {
    for krate in [
        "ledger",
        "registry",
        "governance",
        "fund",
        "credit",
        "support",
    ] {
        let mut files = Vec::new();
        rust_files(&crates_dir().join(krate).join("src"), &mut files);
        for file in files {
            let text = fs::read_to_string(&file).unwrap();
            for (n, line) in text.lines().enumerate() {
                let code = line.split("//").next().unwrap_or("");
                let has_float = code
                    .split(|c: char| !c.is_alphanumeric() && c != '_')
                    .any(|word| word == "f64" || word == "f32");
                assert!(
                    !has_float,
                    "{}:{}: floating point in the money core",
                    file.display(),
                    n + 1
                );
            }
        }
    }
}

/// The web crate's chapters: its top-level directories other than `shell`.
fn web_chapters() -> Vec<String> {
    let src = crates_dir().join("web").join("src");
    let chapters: Vec<String> = fs::read_dir(&src)
        .unwrap()
        .flatten()
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name != "shell")
        .collect();
    assert!(
        chapters.iter().any(|c| c == "members"),
        "chapters found: {chapters:?}"
    );
    chapters
}

/// Where a file under `dir` names one of `chapters` other than `own` by path (`crate::x`,
/// `super::super::x`), outside comments: "file:line: chapter".
fn names_of_chapters(dir: &Path, chapters: &[String], own: Option<&str>) -> Vec<String> {
    let mut files = Vec::new();
    rust_files(dir, &mut files);
    assert!(!files.is_empty(), "{}", dir.display());
    let mut out = Vec::new();
    for file in files {
        let text = fs::read_to_string(&file).unwrap();
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            for chapter in chapters.iter().filter(|c| Some(c.as_str()) != own) {
                for path in [
                    format!("crate::{chapter}"),
                    format!("super::super::{chapter}"),
                ] {
                    let named = code.match_indices(&path).any(|(i, _)| {
                        !code[i + path.len()..]
                            .starts_with(|c: char| c.is_alphanumeric() || c == '_')
                    });
                    if named {
                        out.push(format!("{}:{}: {chapter}", file.display(), n + 1));
                    }
                }
            }
        }
    }
    out
}

/// The web crate's shell (issue 17, "Layout first"): the plumbing every chapter uses imports
/// no chapter. Only `lib.rs` and `api.rs`, which assemble the routers, name them all.
#[test]
fn the_web_shell_imports_no_chapter() {
    let src = crates_dir().join("web").join("src");
    let named = names_of_chapters(&src.join("shell"), &web_chapters(), None);
    assert!(named.is_empty(), "the shell names a chapter: {named:#?}");
}

/// Issue 17: no chapter calls another chapter's web module; what two chapters share lives in
/// the shell (words, charts, forms, names), or in the app when it is a computation.
#[test]
fn no_web_chapter_names_another() {
    let src = crates_dir().join("web").join("src");
    let chapters = web_chapters();
    let mut named = Vec::new();
    for chapter in &chapters {
        named.extend(names_of_chapters(
            &src.join(chapter),
            &chapters,
            Some(chapter),
        ));
    }
    assert!(named.is_empty(), "chapters naming another: {named:#?}");
}
