//! Which files a run lints.
//!
//! A path named on the command line is linted whatever its extension. Inside a folder, keyless
//! picks `*.bicep`, `*.bicepparam` and `*.json`/`*.jsonc` files; JSON files are linted only when
//! their top-level `$schema` names a deployment template or parameters schema, which the caller
//! decides after reading them (see [`Candidate::must_be_template`]). Folders named `.git`,
//! `node_modules`, `bin` and `obj` are not entered. The result is sorted and free of duplicates,
//! so output never depends on the order the filesystem lists entries in.

use std::path::{Component, Path, PathBuf};
use std::sync::{Condvar, Mutex, PoisonError};

use walkdir::WalkDir;

use crate::paths::CanonicalPaths;
use crate::sync::lock;
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
    sort_candidates(&mut found);
    // A file reached twice (named and inside a named folder) is linted once, as named.
    found.dedup_by(|later, earlier| later.path == earlier.path);
    (found, errors)
}

/// Sorts candidates in their `Ord` order. Comparing two `Path`s splits both into components
/// on every comparison (a twentieth of a second over quickstarts + AVM, before any unit
/// starts); each path is split once here, and its components compare as the paths do.
fn sort_candidates(found: &mut Vec<Candidate>) {
    let mut order: Vec<(Vec<Component>, usize)> = found
        .iter()
        .enumerate()
        .map(|(at, candidate)| (candidate.path.components().collect(), at))
        .collect();
    order.sort_unstable_by(|(a, at_a), (b, at_b)| {
        let rest = |at: &usize| (found[*at].kind, found[*at].must_be_template);
        a.cmp(b).then_with(|| rest(at_a).cmp(&rest(at_b)))
    });
    let order: Vec<usize> = order.into_iter().map(|(_, at)| at).collect();
    let mut slots: Vec<Option<Candidate>> = std::mem::take(found).into_iter().map(Some).collect();
    found.extend(order.into_iter().filter_map(|at| slots[at].take()));
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
    // same either way (the caller sorts it).
    match walk_plain(root, canonical, crate::lint::threads()) {
        Some(plain) => found.extend(plain),
        None => walk_following_links(root, canonical, found, errors),
    }
}

/// Walks `root` without following links, a folder at a time on up to `threads` threads:
/// listing folders is system calls, nearly all of a walk, and the only part of a run before
/// its units start that grows with the tree. `None` at the first symlink or error.
fn walk_plain(
    root: &Path,
    canonical: Option<&CanonicalPaths>,
    threads: usize,
) -> Option<Vec<Candidate>> {
    if std::fs::symlink_metadata(root)
        .ok()?
        .file_type()
        .is_symlink()
    {
        return None;
    }
    if let Some(canonical) = canonical {
        canonical.note_plain_folder(root);
    }
    /// The folders left to list, how many are being listed, how many threads wait for one,
    /// and whether one failed.
    struct Queue {
        folders: Vec<PathBuf>,
        listing: usize,
        waiting: usize,
        failed: bool,
    }
    let queue = Mutex::new(Queue {
        folders: vec![root.to_path_buf()],
        listing: 0,
        waiting: 0,
        failed: false,
    });
    let changed = Condvar::new();
    /// Ends the walk for every thread when one panics: the others would otherwise wait for
    /// the folder it was listing, and the panic would never reach the caller.
    struct FailOnPanic<'q> {
        queue: &'q Mutex<Queue>,
        changed: &'q Condvar,
    }
    impl Drop for FailOnPanic<'_> {
        fn drop(&mut self) {
            if std::thread::panicking() {
                lock(self.queue).failed = true;
                self.changed.notify_all();
            }
        }
    }
    let work = || {
        let _fail_on_panic = FailOnPanic {
            queue: &queue,
            changed: &changed,
        };
        let mut found = Vec::new();
        loop {
            let folder = {
                let mut queue = lock(&queue);
                loop {
                    if queue.failed {
                        return found;
                    }
                    if let Some(folder) = queue.folders.pop() {
                        queue.listing += 1;
                        break folder;
                    }
                    if queue.listing == 0 {
                        return found;
                    }
                    queue.waiting += 1;
                    queue = changed.wait(queue).unwrap_or_else(PoisonError::into_inner);
                    queue.waiting -= 1;
                }
            };
            let subfolders = list_folder(&folder, canonical, &mut found);
            let mut queue = lock(&queue);
            queue.listing -= 1;
            match subfolders {
                Some(subfolders) => queue.folders.extend(subfolders),
                None => queue.failed = true,
            }
            // A wake-up is a system call: only for a thread that waits, and has work or is done.
            let news = !queue.folders.is_empty() || queue.listing == 0 || queue.failed;
            if queue.waiting > 0 && news {
                changed.notify_all();
            }
        }
    };
    let found: Vec<Vec<Candidate>> = std::thread::scope(|scope| {
        let helpers: Vec<_> = (1..threads.max(1)).map(|_| scope.spawn(work)).collect();
        let mut found = vec![work()];
        for helper in helpers {
            found.push(
                helper
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            );
        }
        found
    });
    if lock(&queue).failed {
        return None;
    }
    Some(found.into_iter().flatten().collect())
}

/// Lists one folder without following links: its templates go to `found`, its subfolders
/// (but build output and dependencies) are returned; `None` at a symlink or error.
fn list_folder(
    folder: &Path,
    canonical: Option<&CanonicalPaths>,
    found: &mut Vec<Candidate>,
) -> Option<Vec<PathBuf>> {
    let mut subfolders = Vec::new();
    let mut holds_config = false;
    for entry in std::fs::read_dir(folder).ok()? {
        let entry = entry.ok()?;
        let file_type = entry.file_type().ok()?;
        let name = entry.file_name();
        if file_type.is_dir() {
            if !SKIPPED_DIRS.contains(&name.to_string_lossy().as_ref()) {
                let path = entry.path();
                if let Some(canonical) = canonical {
                    canonical.note_plain_folder(&path);
                }
                subfolders.push(path);
            }
        } else if file_type.is_file() {
            // keyless's own configuration is never a template; it is read as configuration.
            if name == crate::config::FILE_NAME {
                holds_config = true;
                continue;
            }
            let path = entry.path();
            if let Some(kind) = kind_of(&path) {
                if let Some(canonical) = canonical {
                    canonical.note_plain_file(&path);
                }
                found.push(Candidate {
                    path,
                    kind: Some(kind),
                    must_be_template: true,
                });
            }
        } else if file_type.is_symlink() {
            return None;
        }
    }
    if let Some(canonical) = canonical {
        canonical.note_listed_folder(folder, holds_config);
    }
    Some(subfolders)
}

/// Walks `root` following links (symlinked folders and files are linted where they point).
fn walk_following_links(
    root: &Path,
    canonical: Option<&CanonicalPaths>,
    found: &mut Vec<Candidate>,
    errors: &mut Vec<WalkError>,
) {
    // walkdir detects symlink loops and reports them as errors instead of descending forever.
    let walker = WalkDir::new(root)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|entry| {
            entry.depth() == 0
                || !entry.file_type().is_dir()
                || !SKIPPED_DIRS.contains(&entry.file_name().to_string_lossy().as_ref())
        });
    for entry in walker {
        match entry {
            Ok(entry) if entry.file_type().is_file() => {
                // keyless's own configuration is never a template; it is read as configuration.
                if entry.file_name() == crate::config::FILE_NAME {
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

    /// Paths whose byte order and component order differ (`a/b` and `a.b/c`, `a-b` between
    /// them), a path and its own folder, doubled and `./` separators, `..`, an absolute path,
    /// and one path with two kinds: in the order of `Candidate`'s `Ord`.
    #[test]
    fn candidates_sort_as_their_ord_sorts_them() {
        let paths = [
            "a.b/c", "a/b/c", "a-b", "a/b", "./a/b", "a//b", "../x", "/abs/y", "a", "a/B", "A",
            "a/b.json", "a/b/", "é/x", "e/x", ".", "b",
        ];
        let kinds = [Some(FileKind::Json), None, Some(FileKind::Bicep)];
        let mut found: Vec<Candidate> = paths
            .iter()
            .enumerate()
            .flat_map(|(at, path)| {
                [at % 3, (at + 1) % 3].map(|kind| Candidate {
                    path: PathBuf::from(path),
                    kind: kinds[kind],
                    must_be_template: at % 2 == 0,
                })
            })
            .collect();
        found.reverse();
        let mut expected = found.clone();
        expected.sort();
        sort_candidates(&mut found);
        assert_eq!(found, expected);
    }

    /// The fixtures hold no symlink: walked on any number of threads without following links,
    /// they give what the walk that follows links gives.
    #[test]
    fn the_plain_walk_finds_what_the_walk_following_links_finds() {
        let root = Path::new("fixtures");
        let mut following = Vec::new();
        let mut errors = Vec::new();
        walk_following_links(root, None, &mut following, &mut errors);
        following.sort();
        assert!(errors.is_empty() && following.len() > 50, "{errors:?}");
        for threads in [1, 2, 4] {
            let mut plain = walk_plain(root, None, threads).expect("no symlink in fixtures");
            plain.sort();
            assert_eq!(plain, following, "{threads} threads");
        }
    }

    #[cfg(unix)]
    #[test]
    fn the_plain_walk_gives_up_at_a_symlink() {
        let dir = std::env::temp_dir().join(format!("keyless-walk-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("a/b")).unwrap();
        std::fs::write(dir.join("a/b/main.bicep"), "").unwrap();
        assert_eq!(walk_plain(&dir, None, 2).map(|found| found.len()), Some(1));
        std::os::unix::fs::symlink(dir.join("a"), dir.join("a/b/link")).unwrap();
        assert_eq!(walk_plain(&dir, None, 2), None);
        std::fs::remove_dir_all(&dir).unwrap();
    }

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
