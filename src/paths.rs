//! File identity: canonical paths, asked of the file system once per run.

use crate::fast_hash::FastMap;
use crate::sync::lock;
use std::ffi::OsString;
use std::path::{Component, Path, PathBuf};
use std::sync::Mutex;

/// Canonical paths (symlinks and `..` resolved), each asked of the file system once per run.
///
/// A file's identity is its canonical path: a module reached as `../../main.bicep` from one
/// test and `main.bicep` from its folder is one file. `std::fs::canonicalize` costs a
/// `readlink` per path component, and the same paths are asked for by every unit (the
/// module tree shared by many AVM tests), by the pairing of parameter files, by the
/// configuration lookup and by the merge of reports: issue 9 counted 296,000 `readlink` calls
/// in a run over 9,000 files. So a path is resolved as its folder (canonicalized once per
/// folder) joined with its name, and only a name that is itself a symlink costs a full
/// canonicalization. The answers do not change during a run.
#[derive(Debug, Default)]
pub struct CanonicalPaths {
    // Keyed by the path's bytes: hashing a `Path` walks its components, which showed in
    // profiles of whole runs; two spellings of one path only cost a second lookup.
    known: Mutex<FastMap<OsString, Option<PathBuf>>>,
    folders: Mutex<FastMap<OsString, Option<PathBuf>>>,
    /// Canonical paths of the files the walk found not to be symlinks: a module path spelled
    /// differently by each caller (`tests/e2e/x/../../../main.bicep`) resolves to one of these
    /// without asking the file system whether its name is a symlink.
    plain_files: Mutex<FastMap<OsString, ()>>,
    /// Folders the walk listed in full, by canonical path, with whether each holds a
    /// configuration file: the configuration lookup asks the file system only about the
    /// others (a `statx` per folder, 4,000 in a run over quickstarts + AVM).
    listed: Mutex<FastMap<OsString, bool>>,
}

impl CanonicalPaths {
    /// The canonical form of `path`, or `path` itself when it does not exist.
    pub fn canonical(&self, path: &Path) -> PathBuf {
        self.existing(path).unwrap_or_else(|| path.to_path_buf())
    }

    /// The canonical form of `path`, or `None` when it does not exist.
    pub fn existing(&self, path: &Path) -> Option<PathBuf> {
        if let Some(known) = lock(&self.known).get(path.as_os_str()) {
            return known.clone();
        }
        // Not under the lock: the system calls are the slow part, and two threads asking for
        // the same new path at once both get the same answer.
        let canonical = self.resolve(path);
        lock(&self.known).insert(path.as_os_str().to_owned(), canonical.clone());
        canonical
    }

    /// Records that `path` exists and is not itself a symlink, as the walk of a folder knows
    /// from its directory entry: its canonical form is its folder's joined with its name, and
    /// the file system is not asked about the file again (one `statx` per discovered file).
    pub fn note_plain_file(&self, path: &Path) {
        let (Some(parent), Some(name)) = (path.parent(), path.file_name()) else {
            return;
        };
        let parent = if parent.as_os_str().is_empty() {
            Path::new(".")
        } else {
            parent
        };
        let canonical = self.folder(parent).map(|folder| folder.join(name));
        if let Some(canonical) = &canonical {
            lock(&self.plain_files).insert(canonical.as_os_str().to_owned(), ());
        }
        lock(&self.known).insert(path.as_os_str().to_owned(), canonical);
    }

    /// Records that the folder `path` exists and is not itself a symlink, as the walk knows
    /// from its directory entry: its canonical form is its parent's joined with its name (one
    /// `statx` per walked folder saved).
    pub fn note_plain_folder(&self, path: &Path) {
        let (Some(parent), Some(name)) = (path.parent(), path.file_name()) else {
            return;
        };
        if parent.as_os_str().is_empty() {
            return;
        }
        let canonical = self.folder(parent).map(|folder| folder.join(name));
        lock(&self.folders).insert(path.as_os_str().to_owned(), canonical);
    }

    /// Records that the walk listed every entry of `folder`, and whether a configuration file
    /// was among them (see [`CanonicalPaths::listed_holds_config`]).
    pub fn note_listed_folder(&self, folder: &Path, holds_config: bool) {
        if let Some(canonical) = self.folder(folder) {
            let mut listed = lock(&self.listed);
            let holds = listed.entry(canonical.into_os_string()).or_insert(false);
            *holds |= holds_config;
        }
    }

    /// Whether the canonical folder `folder` holds a configuration file, when the walk listed
    /// it; `None` when only the file system can tell.
    pub fn listed_holds_config(&self, folder: &Path) -> Option<bool> {
        lock(&self.listed).get(folder.as_os_str()).copied()
    }

    fn resolve(&self, path: &Path) -> Option<PathBuf> {
        let (Some(parent), Some(name)) = (path.parent(), path.file_name()) else {
            return std::fs::canonicalize(path).ok();
        };
        let parent = if parent.as_os_str().is_empty() {
            Path::new(".")
        } else {
            parent
        };
        let folder = self.folder(parent)?;
        let joined = folder.join(name);
        if lock(&self.plain_files).contains_key(joined.as_os_str()) {
            return Some(joined);
        }
        resolve_in(&folder, name)
    }

    fn folder(&self, folder: &Path) -> Option<PathBuf> {
        if let Some(known) = lock(&self.folders).get(folder.as_os_str()) {
            return known.clone();
        }
        // A folder is its parent folder joined with its name, unless it is a symlink (then
        // the file system resolves it). `x/..` is the folder above canonical `x`, as `realpath`
        // resolves it: module paths climb out of test folders (`../../../main.bicep`), and a
        // full canonicalization of each was a `readlink` per component (8,400 in a run over
        // quickstarts + AVM).
        let parent = folder
            .parent()
            .filter(|parent| !parent.as_os_str().is_empty());
        let canonical = match (parent, folder.components().next_back()) {
            (Some(parent), Some(Component::ParentDir)) => self
                .folder(parent)
                .map(|parent| parent.parent().map_or(parent.clone(), Path::to_path_buf)),
            (Some(parent), Some(Component::Normal(name))) => self
                .folder(parent)
                .and_then(|parent| resolve_in(&parent, name)),
            _ => std::fs::canonicalize(folder).ok(),
        };
        lock(&self.folders).insert(folder.as_os_str().to_owned(), canonical.clone());
        canonical
    }
}

/// `name` in the canonical folder `folder`: the joined path, or where it points when it is a
/// symlink; `None` when it does not exist.
fn resolve_in(folder: &Path, name: &std::ffi::OsStr) -> Option<PathBuf> {
    let joined = folder.join(name);
    let metadata = std::fs::symlink_metadata(&joined).ok()?;
    if metadata.file_type().is_symlink() {
        std::fs::canonicalize(&joined).ok()
    } else {
        Some(joined)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_and_its_dotted_form_are_one_file() {
        let paths = CanonicalPaths::default();
        let direct = paths.canonical(Path::new("src/paths.rs"));
        let dotted = paths.canonical(Path::new("src/../src/./paths.rs"));
        assert_eq!(direct, dotted);
        assert!(direct.is_absolute());
        assert_eq!(direct, std::fs::canonicalize("src/paths.rs").unwrap());
    }

    #[test]
    fn a_folder_climbed_out_of_is_its_parent() {
        let paths = CanonicalPaths::default();
        let climbed = paths.canonical(Path::new("src/graph/../../src/graph/../paths.rs"));
        assert_eq!(climbed, std::fs::canonicalize("src/paths.rs").unwrap());
        let missing = Path::new("src/no-such-folder/../paths.rs");
        assert_eq!(paths.existing(missing), std::fs::canonicalize(missing).ok());
    }

    #[test]
    fn a_noted_file_spelled_another_way_is_the_same_file() {
        let paths = CanonicalPaths::default();
        paths.note_plain_file(Path::new("src/paths.rs"));
        let spelled = paths.canonical(Path::new("src/graph/../paths.rs"));
        assert_eq!(spelled, std::fs::canonicalize("src/paths.rs").unwrap());
    }

    #[test]
    fn a_noted_folder_resolves_its_files_as_the_file_system_does() {
        let paths = CanonicalPaths::default();
        paths.note_plain_folder(Path::new("src/graph"));
        let file = paths.canonical(Path::new("src/graph/eval.rs"));
        assert_eq!(file, std::fs::canonicalize("src/graph/eval.rs").unwrap());
        paths.note_listed_folder(Path::new("src/graph"), false);
        let graph = std::fs::canonicalize("src/graph").unwrap();
        assert_eq!(paths.listed_holds_config(&graph), Some(false));
        assert_eq!(paths.listed_holds_config(Path::new("/elsewhere")), None);
    }

    #[test]
    fn a_missing_path_is_itself() {
        let paths = CanonicalPaths::default();
        let missing = Path::new("src/no-such-file.bicep");
        assert_eq!(paths.canonical(missing), missing);
        assert_eq!(paths.existing(missing), None);
    }

    #[cfg(unix)]
    #[test]
    fn a_symlinked_file_is_its_target() {
        let dir = std::env::temp_dir().join(format!("keyless-paths-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let target = dir.join("target.bicep");
        std::fs::write(&target, "").unwrap();
        let link = dir.join("link.bicep");
        let _ = std::fs::remove_file(&link);
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let paths = CanonicalPaths::default();
        assert_eq!(
            paths.canonical(&link),
            std::fs::canonicalize(&target).unwrap()
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
