//! Which files a run lints.
//!
//! A path named on the command line is linted whatever its extension. Inside a folder, keyless
//! picks `*.bicep`, `*.bicepparam` and `*.json`/`*.jsonc` files; JSON files are linted only when
//! their top-level `$schema` names a deployment template or parameters schema, which the caller
//! decides after reading them (see [`Candidate::must_be_template`]). Folders named `.git`,
//! `node_modules`, `bin` and `obj` are not entered. The result is sorted and free of duplicates,
//! so output never depends on the order the filesystem lists entries in.

use std::path::{Path, PathBuf};

use walkdir::WalkDir;

use crate::paths::CanonicalPaths;
use crate::syntax::FileKind;

/// Folders that hold build output or dependencies, never templates of the project.
const SKIPPED_DIRS: &[&str] = &[".git", "node_modules", "bin", "obj"];

/// A file to lint.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Candidate {
    pub path: PathBuf,
    /// The kind its extension gives; `None` for a file named explicitly with another extension,
    /// whose kind is sniffed from its content.
    pub kind: Option<FileKind>,
    /// Found while walking a folder (not named explicitly): JSON that is not a deployment
    /// template or parameter file is then skipped without a word.
    pub must_be_template: bool,
}

/// A path that could not be walked: it does not exist or cannot be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WalkError {
    pub path: PathBuf,
    pub message: String,
}

/// Expands command-line paths into the sorted list of files to lint.
pub fn discover(paths: &[PathBuf]) -> (Vec<Candidate>, Vec<WalkError>) {
    discover_noting(paths, None)
}

/// [`discover`], telling `canonical` which files found in folders are not symlinks.
pub fn discover_noting(
    paths: &[PathBuf],
    canonical: Option<&CanonicalPaths>,
) -> (Vec<Candidate>, Vec<WalkError>) {
    let mut found = Vec::new();
    let mut errors = Vec::new();
    for path in paths {
        match std::fs::metadata(path) {
            Ok(meta) if meta.is_dir() => walk(path, canonical, &mut found, &mut errors),
            Ok(_) => found.push(Candidate {
                path: path.clone(),
                kind: kind_of(path),
                must_be_template: false,
            }),
            Err(err) => errors.push(WalkError {
                path: path.clone(),
                message: describe_io_error(&err),
            }),
        }
    }
    found.sort();
    // A file reached twice (named and inside a named folder) is linted once, as named.
    found.dedup_by(|later, earlier| later.path == earlier.path);
    (found, errors)
}

fn walk(
    root: &Path,
    canonical: Option<&CanonicalPaths>,
    found: &mut Vec<Candidate>,
    errors: &mut Vec<WalkError>,
) {
    // Following links finds templates behind symlinked folders, but costs a `statx` per
    // entry, before any file is linted (issue 9). Most trees hold no symlink: walked
    // without following links, directory entries tell each entry's type. The first symlink
    // or error found that way starts the walk over, following links, so the result is the
    // same either way.
    let start = found.len();
    if walk_entries(root, canonical, false, found, errors) {
        return;
    }
    found.truncate(start);
    walk_entries(root, canonical, true, found, errors);
}

/// Walks `root`; without `follow_links`, gives up (returning `false`) at the first symlink or
/// error, having reported nothing.
fn walk_entries(
    root: &Path,
    canonical: Option<&CanonicalPaths>,
    follow_links: bool,
    found: &mut Vec<Candidate>,
    errors: &mut Vec<WalkError>,
) -> bool {
    // walkdir detects symlink loops and reports them as errors instead of descending forever.
    let walker = WalkDir::new(root)
        .follow_links(follow_links)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|entry| {
            entry.depth() == 0
                || !entry.file_type().is_dir()
                || !SKIPPED_DIRS.contains(&entry.file_name().to_string_lossy().as_ref())
        });
    // The folders listed, and those holding a configuration file, told to `canonical` once
    // the walk is known to be complete (without following links, it may start over).
    let mut listed: Vec<(PathBuf, bool)> = Vec::new();
    for entry in walker {
        match entry {
            Ok(entry)
                if !follow_links && (entry.path_is_symlink() || entry.file_type().is_symlink()) =>
            {
                return false
            }
            Ok(entry) if entry.file_type().is_dir() => {
                if let Some(canonical) = canonical.filter(|_| !entry.path_is_symlink()) {
                    canonical.note_plain_folder(entry.path());
                }
                listed.push((entry.into_path(), false));
            }
            Ok(entry) if entry.file_type().is_file() => {
                // keyless's own configuration is never a template; it is read as configuration.
                if entry.file_name() == crate::config::FILE_NAME {
                    // walkdir yields a folder before its entries: its folder is listed.
                    if let Some(folder) = listed
                        .iter_mut()
                        .rev()
                        .find(|(folder, _)| Some(folder.as_path()) == entry.path().parent())
                    {
                        folder.1 = true;
                    }
                    continue;
                }
                if let Some(kind) = kind_of(entry.path()) {
                    if let Some(canonical) = canonical.filter(|_| !entry.path_is_symlink()) {
                        canonical.note_plain_file(entry.path());
                    }
                    found.push(Candidate {
                        path: entry.into_path(),
                        kind: Some(kind),
                        must_be_template: true,
                    });
                }
            }
            Ok(_) => {}
            Err(_) if !follow_links => return false,
            // A symlink loop is not an error of the user's templates: skip it quietly.
            Err(err) if err.loop_ancestor().is_some() => {}
            Err(err) => errors.push(WalkError {
                path: err.path().unwrap_or(root).to_path_buf(),
                message: err
                    .io_error()
                    .map_or_else(|| err.to_string(), describe_io_error),
            }),
        }
    }
    // Following links, an unreadable folder is reported and its listing is not complete.
    if let Some(canonical) = canonical.filter(|_| !follow_links) {
        for (folder, holds_config) in &listed {
            canonical.note_listed_folder(folder, *holds_config);
        }
    }
    true
}

/// The kind a file's extension gives.
pub fn kind_of(path: &Path) -> Option<FileKind> {
    let extension = path.extension()?.to_str()?.to_ascii_lowercase();
    match extension.as_str() {
        "bicep" => Some(FileKind::Bicep),
        "bicepparam" => Some(FileKind::BicepParams),
        "json" | "jsonc" => Some(FileKind::Json),
        _ => None,
    }
}

/// Guesses the kind of a file named with an unknown extension: JSON starts with `{` once
/// whitespace and comments are skipped; anything else is read as Bicep.
pub fn sniff_kind(text: &str) -> FileKind {
    let mut rest = text.trim_start();
    loop {
        if let Some(after) = rest.strip_prefix("//") {
            rest = after
                .split_once('\n')
                .map_or("", |(_, next)| next)
                .trim_start();
        } else if let Some(after) = rest.strip_prefix("/*") {
            rest = after
                .split_once("*/")
                .map_or("", |(_, next)| next)
                .trim_start();
        } else {
            break;
        }
    }
    if rest.starts_with('{') || rest.starts_with('[') {
        FileKind::Json
    } else {
        FileKind::Bicep
    }
}

/// A cheap test that a JSON text may be a deployment template or parameter file, so that the
/// many other JSON files of a repository are not parsed at all. The parse decides for real.
pub fn may_be_deployment_json(text: &str) -> bool {
    let bytes = text.as_bytes();
    let starts_with = |at: usize, word: &[u8]| {
        bytes
            .get(at..at + word.len())
            .is_some_and(|found| found.eq_ignore_ascii_case(word))
    };
    (0..bytes.len()).any(|at| {
        starts_with(at, b"deployment")
            && (starts_with(at + 10, b"template") || starts_with(at + 10, b"parameters"))
    })
}

/// "No such file or directory (os error 2)" without the os error number.
pub fn describe_io_error(err: &std::io::Error) -> String {
    let text = err.to_string();
    match text.find(" (os error") {
        Some(at) => text[..at].to_owned(),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_json_after_comments() {
        assert_eq!(sniff_kind("// x\n/* y */ {}"), FileKind::Json);
        assert_eq!(sniff_kind("param a string"), FileKind::Bicep);
    }

    #[test]
    fn prefilter_finds_schemas_in_any_case() {
        assert!(may_be_deployment_json(
            r#"{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/DeploymentTemplate.json#"}"#
        ));
        assert!(may_be_deployment_json(
            r#"{"$schema": "…/deploymentParameters.json#"}"#
        ));
        assert!(!may_be_deployment_json(r#"{"name": "package"}"#));
    }
}
