//! The files of one run, by id, with their syntax trees and lowered declarations.
//!
//! A *workspace* owns every file the run reads: the ones discovery found (the *roots*) and the
//! modules they call, read on demand. Each file is read and parsed once; its declaration is
//! lowered once and shared by every module call that instantiates it. Parameter files are
//! matched to their templates here: a `.bicepparam` by its `using` path, an ARM
//! `X.parameters.json` by the `X.json` beside it (and `azuredeploy.parameters.json` by
//! `azuredeploy.json`).

use std::collections::{BTreeMap, HashMap};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::diagnostic::Diagnostic;
use crate::discover::{self, describe_io_error, Candidate};
use crate::fast_hash::{FastIndexMap, FastMap};
use crate::graph::decl::TemplateDecl;
use crate::graph::eval::{BuildProblem, Builder, ModuleLoader, SuppliedParam};
use crate::graph::expr::Text;
use crate::graph::value::{Origin, Value, ValueKind};
use crate::graph::{from_arm, from_bicep, Graph, ParamSource};
use crate::lint::Problem;
pub use crate::paths::CanonicalPaths;
use crate::source::{FileId, SourceFile, Span, MAX_FILE_BYTES};
use crate::sync::lock;
use crate::syntax::{self, FileKind, Tree};

/// What loading a candidate gave.
pub enum Loaded {
    File(FileId),
    /// Not a file keyless lints (JSON in a folder that is no template).
    Skipped,
}

/// A file read, decoded and parsed: its text, syntax tree and errors, and its declaration.
/// Every unit of a run that reads the file shares one (see
/// [`ParseCache`]), so a module called by many files is parsed and lowered once.
pub struct ParsedFile {
    source: SourceFile,
    kind: FileKind,
    tree: Option<Arc<Tree<'static>>>,
    /// Decode and syntax errors: where, and what.
    errors: Vec<(Span, String)>,
    undecodable: bool,
    /// The declaration of a template or `.bicepparam` file, lowered as soon as it is parsed.
    decl: Option<Arc<TemplateDecl>>,
}

impl ParsedFile {
    /// Decodes and parses `bytes` read from `path`. `None` when `must_be_template` and the
    /// file is JSON that is no deployment template or parameter file (decided before parsing
    /// when the text alone tells).
    fn read(
        path: &Path,
        bytes: &[u8],
        kind: Option<FileKind>,
        must_be_template: bool,
    ) -> Option<ParsedFile> {
        let (source, decode_error) = SourceFile::decode(path, bytes);
        let mut parsed = ParsedFile {
            kind: kind.unwrap_or(FileKind::Json),
            source,
            tree: None,
            errors: Vec::new(),
            undecodable: decode_error.is_some(),
            decl: None,
        };
        if let Some(error) = decode_error {
            parsed.errors.push((error.span, error.message));
        } else {
            let text = &parsed.source.text;
            parsed.kind = kind.unwrap_or_else(|| discover::sniff_kind(text));
            if must_be_template
                && parsed.kind == FileKind::Json
                && !discover::may_be_deployment_json(text)
            {
                return None;
            }
            // An empty Bicep file is a valid, empty template (the compiler's `Empty` baseline,
            // the quickstarts' blank template); empty JSON is no template at all.
            if parsed.kind == FileKind::Json && text.trim().is_empty() {
                let message = "file is empty; expected an ARM template or parameter file";
                parsed.errors.push((Span::at(0), message.into()));
            } else {
                let result = syntax::parse(&parsed.source, parsed.kind);
                let decl = match &result.tree {
                    Some(Tree::ArmTemplate(template)) => Some(from_arm::lower(template)),
                    Some(Tree::Bicep(program)) => Some(from_bicep::lower(program)),
                    _ => None,
                };
                // Of a template only what suppressions and pairing read is kept: its syntax
                // tree (for compiled templates the largest structure of a run) goes now, while
                // still in cache from being built and lowered.
                parsed.tree = result.tree.map(|tree| Arc::new(tree.into_kept()));
                parsed.decl = decl.map(Arc::new);
                parsed
                    .errors
                    .extend(result.errors.into_iter().map(|e| (e.span, e.message)));
            }
        }
        (!parsed.skipped(kind, must_be_template)).then_some(parsed)
    }

    /// Whether a discovered file is not one keyless lints: undecodable `.json` in a folder
    /// (someone else's data file), or JSON that is no deployment template or parameter file.
    fn skipped(&self, kind: Option<FileKind>, must_be_template: bool) -> bool {
        if !must_be_template {
            return false;
        }
        if self.undecodable {
            return kind == Some(FileKind::Json);
        }
        self.kind == FileKind::Json
            && (!discover::may_be_deployment_json(&self.source.text)
                || matches!(self.tree.as_deref(), Some(Tree::OtherJson(_))))
    }

    /// The declaration of a template file (`None` for ARM parameter files and other JSON).
    fn decl(&self) -> Option<Arc<TemplateDecl>> {
        self.decl.clone()
    }
}

/// The parsed files of a run, shared by its units and bounded in size: each AVM module is
/// called by several test files, each checked as a unit of its own, and each of those units
/// would otherwise read, parse and lower the whole module tree again (issue 9 measured half
/// of a run there). Units run in path order, so the files a folder's units share are used
/// close together in time: the least recently used file is dropped first once the texts held
/// pass a budget (1 MiB of text: on the AVM corpus, 500 KiB already gets every hit; a file
/// is kept with its declaration, several times its text, but not its syntax tree).
///
/// Parsing is deterministic, so whether a file comes from here or is parsed again never
/// changes a report.
pub struct ParseCache {
    state: Mutex<CacheState>,
    /// Text bytes held at most (the trees and declarations are several times larger).
    budget: usize,
}

impl Default for ParseCache {
    fn default() -> Self {
        ParseCache::with_budget(1024 * 1024)
    }
}

type CacheKey = (PathBuf, Option<FileKind>);

#[derive(Default)]
struct CacheState {
    /// Each file with the time it was last used.
    files: FastMap<Arc<CacheKey>, (Arc<ParsedFile>, u64)>,
    /// The files by the time they were last used, least recent first: the next to drop is
    /// found without looking at every file held.
    by_use: BTreeMap<u64, Arc<CacheKey>>,
    bytes: usize,
    clock: u64,
}

impl CacheState {
    fn tick(&mut self) -> u64 {
        self.clock += 1;
        self.clock
    }
}

impl ParseCache {
    fn with_budget(budget: usize) -> ParseCache {
        ParseCache {
            state: Mutex::default(),
            budget,
        }
    }

    fn get(&self, key: &CacheKey) -> Option<Arc<ParsedFile>> {
        let mut state = lock(&self.state);
        let now = state.tick();
        let CacheState { files, by_use, .. } = &mut *state;
        let (parsed, used) = files.get_mut(key)?;
        let previous = std::mem::replace(used, now);
        let parsed = parsed.clone();
        // Every file held is in `by_use` at the time it was last used.
        if let Some(shared_key) = by_use.remove(&previous) {
            by_use.insert(now, shared_key);
        }
        Some(parsed)
    }

    fn insert(&self, key: CacheKey, parsed: Arc<ParsedFile>) {
        let size = parsed.source.text.len();
        if size > self.budget / 4 {
            return;
        }
        // Evicted files are dropped after the lock is released: freeing a large file's trees
        // and declarations under it kept every other thread waiting (issue 9).
        let mut evicted = Vec::new();
        let mut state = lock(&self.state);
        let now = state.tick();
        let key = Arc::new(key);
        if let Some((old, used)) = state.files.insert(key.clone(), (parsed, now)) {
            state.by_use.remove(&used);
            state.bytes -= old.source.text.len();
            evicted.push(old);
        }
        state.by_use.insert(now, key);
        state.bytes += size;
        while state.bytes > self.budget {
            let Some((_, oldest)) = state.by_use.pop_first() else {
                break;
            };
            if let Some((old, _)) = state.files.remove(&oldest) {
                state.bytes -= old.source.text.len();
                evicted.push(old);
            }
        }
        drop(state);
        drop(evicted);
    }
}

#[derive(Default)]
pub struct Workspace {
    /// Canonical paths, shared by every unit of a run (see [`CanonicalPaths`]).
    paths: Arc<CanonicalPaths>,
    /// Parsed files, shared by every unit of a run.
    cache: Arc<ParseCache>,
    files: Vec<SourceFile>,
    trees: Vec<Option<Arc<Tree<'static>>>>,
    parsed: Vec<Arc<ParsedFile>>,
    /// Whether discovery named or found the file (rather than a module call pulling it in).
    roots: Vec<bool>,
    /// Canonical path (its bytes) → file.
    by_path: FastMap<OsString, FileId>,
    /// Module paths as joined from a call site (not canonical) → file: a module called many
    /// times (loops, several instances) is resolved without asking the file system again.
    by_module_path: FastMap<OsString, FileId>,
    /// `--params FILE`: applies to every root template instead of the discovered ones.
    parameter_override: Option<FileId>,
    diagnostics: Vec<Diagnostic>,
}

impl Workspace {
    /// A workspace that shares path lookups and parsed files with the other units of the run.
    pub fn shared(paths: Arc<CanonicalPaths>, cache: Arc<ParseCache>) -> Workspace {
        Workspace {
            paths,
            cache,
            ..Workspace::default()
        }
    }

    pub fn file(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    pub fn files_and_trees(&self) -> (&[SourceFile], &[Option<Arc<Tree<'static>>>]) {
        (&self.files, &self.trees)
    }

    pub fn into_files(self) -> Vec<SourceFile> {
        self.files
    }

    pub fn take_diagnostics(&mut self) -> Vec<Diagnostic> {
        std::mem::take(&mut self.diagnostics)
    }

    /// Reads, decodes and parses a discovered file (or takes it from the run's cache).
    pub fn load_candidate(&mut self, candidate: &Candidate) -> Result<Loaded, Problem> {
        self.read(candidate).map_err(|err| Problem {
            path: candidate.path.clone(),
            message: format!("cannot read file: {}", describe_io_error(&err)),
        })
    }

    fn read(&mut self, candidate: &Candidate) -> std::io::Result<Loaded> {
        let key = (self.paths.canonical(&candidate.path), candidate.kind);
        if let Some(parsed) = self.cache.get(&key) {
            if parsed.skipped(candidate.kind, candidate.must_be_template) {
                return Ok(Loaded::Skipped);
            }
            return Ok(Loaded::File(self.add(&candidate.path, parsed)));
        }
        // One open and one `fstat` per file: the size decides how much is read.
        let mut file = std::fs::File::open(&candidate.path)?;
        let metadata = file.metadata()?;
        let size = metadata.len();
        if size > MAX_FILE_BYTES as u64 {
            if candidate.must_be_template && candidate.kind == Some(FileKind::Json) {
                return Ok(Loaded::Skipped);
            }
            // A prefix is enough for SourceFile::decode to refuse it with a diagnostic.
            let bytes = read_prefix(file, MAX_FILE_BYTES + 1)?;
            return Ok(self.load_bytes(candidate, &bytes));
        }
        let mut bytes = Vec::with_capacity(size as usize + 1);
        // Through `take`: `File`'s own `read_to_end` asks the size again (`statx`, `lseek`).
        // A regular file is read as large as `fstat` found it, so that one `read` takes it
        // all, without a second one to find its end (9,000 system calls in a run over
        // quickstarts + AVM); anything else (a pipe, a file that says it is empty) to its end.
        let limit = if metadata.is_file() && size > 0 {
            size
        } else {
            u64::MAX
        };
        std::io::Read::read_to_end(&mut std::io::Read::take(&mut file, limit), &mut bytes)?;
        let Some(parsed) = ParsedFile::read(
            &candidate.path,
            &bytes,
            candidate.kind,
            candidate.must_be_template,
        ) else {
            return Ok(Loaded::Skipped);
        };
        let parsed = Arc::new(parsed);
        // A compiled ARM template is read by its own unit only; Bicep files and modules are
        // what other units call.
        if !candidate.must_be_template || parsed.kind != FileKind::Json {
            self.cache.insert(key, parsed.clone());
        }
        Ok(Loaded::File(self.add(&candidate.path, parsed)))
    }

    /// Decodes and parses bytes read from `candidate.path` (not shared: they may not be what
    /// the disk holds).
    pub fn load_bytes(&mut self, candidate: &Candidate, bytes: &[u8]) -> Loaded {
        match ParsedFile::read(
            &candidate.path,
            bytes,
            candidate.kind,
            candidate.must_be_template,
        ) {
            Some(parsed) => Loaded::File(self.add(&candidate.path, Arc::new(parsed))),
            None => Loaded::Skipped,
        }
    }

    /// Adds a parsed file to this workspace, shown as `path`, as a root.
    fn add(&mut self, path: &Path, parsed: Arc<ParsedFile>) -> FileId {
        let id = FileId(self.files.len() as u32);
        self.diagnostics.extend(
            parsed
                .errors
                .iter()
                .map(|(span, message)| Diagnostic::syntax_error(id, *span, message.clone())),
        );
        // Each unit shows a file by the path it reached it by (the cache holds whichever path
        // came first), so reports do not depend on which unit parsed it.
        let mut file = parsed.source.clone();
        file.path = path.to_path_buf();
        let key = self.paths.canonical(path).into_os_string();
        self.by_path.entry(key).or_insert(id);
        self.files.push(file);
        self.trees.push(parsed.tree.clone());
        self.parsed.push(parsed);
        self.roots.push(true);
        id
    }

    /// The declaration of a template file, lowered once per run.
    fn decl(&self, id: FileId) -> Option<Arc<TemplateDecl>> {
        self.parsed.get(id.0 as usize)?.decl()
    }

    /// Builds the graph of every root template, each with the parameter file that applies to
    /// it.
    pub fn build_graph(&mut self) -> Graph {
        let roots: Vec<FileId> = (0..self.files.len() as u32)
            .map(FileId)
            .filter(|id| self.roots[id.0 as usize])
            .collect();
        let parameter_files = self.parameter_files();
        let mut plans = Vec::new();
        for id in roots {
            if self.is_parameter_file(id) {
                continue;
            }
            if let Some(decl) = self.decl(id) {
                let supplied = match self
                    .parameter_override
                    .or(parameter_files.get(&id).copied())
                {
                    Some(params) => self.supplied_params(params),
                    None => FastIndexMap::default(),
                };
                plans.push((decl, id, supplied));
            }
        }
        let mut builder = Builder::new(self);
        for (decl, id, supplied) in plans {
            builder.add_root(decl, id, supplied);
        }
        let (graph, problems) = (builder.graph, builder.problems);
        for BuildProblem { origin, message } in problems {
            self.diagnostics
                .push(Diagnostic::syntax_error(origin.file, origin.span, message));
        }
        graph
    }

    /// Reads the parameter file discovered for the root template. It is not a root itself:
    /// its own unit reports its syntax errors.
    pub fn load_parameter_file(&mut self, path: &Path) {
        let candidate = Candidate {
            kind: discover::kind_of(path),
            path: path.to_path_buf(),
            must_be_template: true,
        };
        if let Ok(Loaded::File(id)) = self.load_candidate(&candidate) {
            self.roots[id.0 as usize] = false;
        }
    }

    /// Reads `--params FILE`, which then applies to every template of the run.
    pub fn set_parameter_override(&mut self, path: &Path) -> Result<(), String> {
        let candidate = Candidate {
            kind: discover::kind_of(path).or(Some(FileKind::Json)),
            path: path.to_path_buf(),
            must_be_template: false,
        };
        let bytes = std::fs::read(path).map_err(|err| {
            format!(
                "cannot read `{}`: {}",
                path.display(),
                describe_io_error(&err)
            )
        })?;
        let Loaded::File(id) = self.load_bytes(&candidate, &bytes) else {
            return Err(format!("`{}` is not a parameter file", path.display()));
        };
        self.roots[id.0 as usize] = false;
        if !self.is_parameter_file(id) {
            return Err(format!("`{}` is not a parameter file", path.display()));
        }
        self.parameter_override = Some(id);
        Ok(())
    }

    fn is_parameter_file(&self, id: FileId) -> bool {
        match self.trees[id.0 as usize].as_deref() {
            Some(Tree::ArmParameters(_)) => true,
            Some(Tree::BicepLowered(summary)) => summary.is_params,
            _ => false,
        }
    }

    /// Template file → the parameter file that applies to it (the first in path order).
    fn parameter_files(&self) -> HashMap<FileId, FileId> {
        let mut map = HashMap::new();
        for (index, tree) in self.trees.iter().enumerate() {
            let id = FileId(index as u32);
            let path = &self.files[index].path;
            let template = match tree.as_deref() {
                Some(Tree::ArmParameters(_)) => arm_template_for(path),
                Some(Tree::BicepLowered(summary)) if summary.is_params => summary
                    .using
                    .as_ref()
                    .map(|(using, _)| path.parent().unwrap_or(Path::new("")).join(using)),
                _ => None,
            };
            if let Some(template) =
                template.and_then(|t| self.by_path.get(self.paths.canonical(&t).as_os_str()))
            {
                map.entry(*template).or_insert(id);
            }
        }
        map
    }

    /// The values a parameter file gives: ARM `parameters.x.value` entries read literally,
    /// `.bicepparam` assignments evaluated (they may use variables and functions).
    fn supplied_params(&mut self, params: FileId) -> FastIndexMap<Text, SuppliedParam> {
        let values: Vec<(Text, Value)> = match self.trees[params.0 as usize].as_deref() {
            Some(Tree::ArmParameters(file)) => from_arm::parameter_values(file)
                .into_iter()
                .map(|(name, _, expr)| (name.into(), literal_value(params, &expr)))
                .collect(),
            Some(Tree::BicepLowered(summary)) if summary.is_params => {
                let Some(decl) = self.decl(params) else {
                    return FastIndexMap::default();
                };
                let mut builder = Builder::new(self);
                let template = builder.add_root(decl, params, FastIndexMap::default());
                let outputs =
                    std::mem::take(&mut builder.graph.templates[template.0 as usize].outputs);
                outputs.into_iter().collect()
            }
            _ => Vec::new(),
        };
        values
            .into_iter()
            .map(|(name, value)| {
                let supplied = SuppliedParam {
                    value,
                    source: ParamSource::ParameterFile,
                };
                (name, supplied)
            })
            .collect()
    }
}

impl crate::graph::export::FileNames for Workspace {
    fn file(&self, id: FileId) -> Option<&SourceFile> {
        self.files.get(id.0 as usize)
    }
}

impl ModuleLoader for Workspace {
    fn read_text(&mut self, from: FileId, path: &Path) -> Option<String> {
        let base = self
            .files
            .get(from.0 as usize)?
            .path
            .parent()?
            .to_path_buf();
        let full = base.join(path);
        // The same bound as for templates: a compile-time load is not a way to read a disk.
        if std::fs::metadata(&full).ok()?.len() > MAX_FILE_BYTES as u64 {
            return None;
        }
        let text = std::fs::read_to_string(full).ok()?;
        Some(
            text.strip_prefix('\u{feff}')
                .map(str::to_owned)
                .unwrap_or(text),
        )
    }

    fn load(&mut self, from: FileId, path: &Path) -> Result<(FileId, Arc<TemplateDecl>), String> {
        let base = self.files[from.0 as usize]
            .path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let full = base.join(path);
        let known = match self.by_module_path.get(full.as_os_str()) {
            Some(id) => Some(*id),
            None => self
                .by_path
                .get(self.paths.canonical(&full).as_os_str())
                .copied(),
        };
        let id = match known {
            Some(id) => id,
            None => {
                let candidate = Candidate {
                    kind: discover::kind_of(&full),
                    path: full.clone(),
                    must_be_template: false,
                };
                let loaded = self.read(&candidate).map_err(|err| {
                    let reason = describe_io_error(&err);
                    format!("cannot read module `{}`: {reason}", path.display())
                })?;
                match loaded {
                    Loaded::File(id) => {
                        self.roots[id.0 as usize] = false;
                        id
                    }
                    Loaded::Skipped => {
                        return Err(format!("module `{}` is not a template", path.display()))
                    }
                }
            }
        };
        self.by_module_path
            .entry(full.into_os_string())
            .or_insert(id);
        let decl = self.decl(id).ok_or_else(|| {
            format!(
                "module `{}` is not a template keyless can read",
                path.display()
            )
        })?;
        Ok((id, decl))
    }
}

/// The template an ARM parameter file belongs to: `X.parameters.json` → `X.json`,
/// `azuredeploy.parameters.json` → `azuredeploy.json`.
pub fn arm_template_for(path: &Path) -> Option<PathBuf> {
    let name = path.file_name()?.to_str()?;
    let lower = name.to_ascii_lowercase();
    for suffix in [".parameters.json", ".parameters.jsonc"] {
        if lower.ends_with(suffix) {
            let stem = &name[..name.len() - suffix.len()];
            return Some(path.with_file_name(format!("{stem}.json")));
        }
    }
    None
}

fn read_prefix(file: std::fs::File, limit: usize) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut bytes = Vec::with_capacity(limit);
    file.take(limit as u64).read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// A literal expression (as parameter files hold) as a value.
fn literal_value(file: FileId, expr: &crate::graph::expr::Expr) -> Value {
    use crate::graph::expr::{ArrayItem, ExprKind, ObjectItem};
    let origin = Origin::new(file, expr.span);
    let kind = match &expr.kind {
        ExprKind::Null => ValueKind::Null,
        ExprKind::Bool(b) => ValueKind::Bool(*b),
        ExprKind::Int(i) => ValueKind::Int(*i),
        ExprKind::String(s) => ValueKind::String(s.clone()),
        ExprKind::Array(items) => ValueKind::Array(
            items
                .iter()
                .filter_map(|item| match item {
                    ArrayItem::Item(e) => Some(literal_value(file, e)),
                    ArrayItem::Spread(_) => None,
                })
                .collect::<Vec<_>>()
                .into(),
        ),
        ExprKind::Object(items) => ValueKind::Object(
            items
                .iter()
                .filter_map(|item| match item {
                    ObjectItem::Property(p) => {
                        Some((p.key_text()?.clone(), literal_value(file, &p.value)))
                    }
                    ObjectItem::Spread(_) => None,
                })
                .collect::<crate::graph::value::Map>()
                .into(),
        ),
        _ => return Value::opaque(origin),
    };
    Value::new(origin, kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(text: &str) -> Arc<ParsedFile> {
        let file = ParsedFile::read(Path::new("m.bicep"), text.as_bytes(), None, false);
        Arc::new(file.expect("a module is never skipped"))
    }

    fn key(name: &str) -> (PathBuf, Option<FileKind>) {
        (PathBuf::from(name), Some(FileKind::Bicep))
    }

    #[test]
    fn the_least_recently_used_file_goes_first() {
        let cache = ParseCache::with_budget(100);
        let text = "param a string\n"; // 15 bytes
        for name in ["a", "b", "c", "d", "e", "f"] {
            cache.insert(key(name), parsed(text));
        }
        assert!(cache.get(&key("a")).is_some());
        // 90 bytes held; two more files push out the two least recently used: b, then c.
        cache.insert(key("g"), parsed(text));
        cache.insert(key("h"), parsed(text));
        assert!(cache.get(&key("b")).is_none());
        assert!(cache.get(&key("c")).is_none());
        for name in ["a", "d", "e", "f", "g", "h"] {
            assert!(cache.get(&key(name)).is_some(), "{name} was dropped");
        }
    }

    /// A file inserted again (two units parsed it at once) counts as used then, and its
    /// text is counted once.
    #[test]
    fn a_file_inserted_again_is_as_recent_as_its_second_insertion() {
        let cache = ParseCache::with_budget(100);
        let text = "param a string\n"; // 15 bytes
        for name in ["a", "b", "a", "c", "d", "e", "f"] {
            cache.insert(key(name), parsed(text));
        }
        // 90 bytes held (a counted once); one more pushes out b, the least recently used.
        cache.insert(key("g"), parsed(text));
        assert!(cache.get(&key("b")).is_none());
        for name in ["a", "c", "d", "e", "f", "g"] {
            assert!(cache.get(&key(name)).is_some(), "{name} was dropped");
        }
    }

    #[test]
    fn a_file_larger_than_a_quarter_of_the_budget_is_not_kept() {
        let cache = ParseCache::with_budget(100);
        cache.insert(key("big"), parsed(&"// comment\n".repeat(3)));
        assert!(cache.get(&key("big")).is_none());
    }

    #[test]
    fn a_shared_file_is_lowered_once() {
        let file = parsed("param a string\nresource s 'Microsoft.Storage/storageAccounts@2023-05-01' = {\n  name: a\n}\n");
        let first = file.decl().unwrap();
        let second = file.decl().unwrap();
        assert!(Arc::ptr_eq(&first, &second));
        assert_eq!(first.resources.len(), 1);
    }
}
