//! The files of one run, by id, with their syntax trees and lowered declarations.
//!
//! A *workspace* owns every file the run reads: the ones discovery found (the *roots*) and the
//! modules they call, read on demand. Each file is read and parsed once; its declaration is
//! lowered once and shared by every module call that instantiates it. Parameter files are
//! matched to their templates here: a `.bicepparam` by its `using` path, an ARM
//! `X.parameters.json` by the `X.json` beside it (and `azuredeploy.parameters.json` by
//! `azuredeploy.json`).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use indexmap::IndexMap;

use crate::diagnostic::Diagnostic;
use crate::discover::{self, describe_io_error, Candidate};
use crate::graph::decl::TemplateDecl;
use crate::graph::eval::{BuildProblem, Builder, ModuleLoader, SuppliedParam};
use crate::graph::value::{Origin, Value, ValueKind};
use crate::graph::{from_arm, from_bicep, Graph, ParamSource};
use crate::lint::Problem;
use crate::source::{FileId, SourceFile, Span, MAX_FILE_BYTES};
use crate::syntax::{self, FileKind, Tree};

/// What loading a candidate gave.
pub enum Loaded {
    File(FileId),
    /// Not a file keyless lints (JSON in a folder that is no template).
    Skipped,
}

#[derive(Default)]
pub struct Workspace {
    /// Canonical paths, shared by every unit of a run (see [`CanonicalPaths`]).
    paths: Arc<CanonicalPaths>,
    files: Vec<SourceFile>,
    trees: Vec<Option<Tree>>,
    /// Whether discovery named or found the file (rather than a module call pulling it in).
    roots: Vec<bool>,
    by_path: HashMap<PathBuf, FileId>,
    /// Module paths as joined from a call site (not canonical) → file: a module called many
    /// times (loops, several instances) is resolved without asking the file system again.
    by_module_path: HashMap<PathBuf, FileId>,
    /// `--params FILE`: applies to every root template instead of the discovered ones.
    parameter_override: Option<FileId>,
    decls: HashMap<FileId, Arc<TemplateDecl>>,
    diagnostics: Vec<Diagnostic>,
}

impl Workspace {
    /// A workspace whose path lookups share `paths` with the other units of the run.
    pub fn with_paths(paths: Arc<CanonicalPaths>) -> Workspace {
        Workspace {
            paths,
            ..Workspace::default()
        }
    }

    pub fn file(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    pub fn files_and_trees(&self) -> (&[SourceFile], &[Option<Tree>]) {
        (&self.files, &self.trees)
    }

    pub fn into_files(self) -> Vec<SourceFile> {
        self.files
    }

    pub fn take_diagnostics(&mut self) -> Vec<Diagnostic> {
        std::mem::take(&mut self.diagnostics)
    }

    /// Reads, decodes and parses a discovered file.
    pub fn load_candidate(&mut self, candidate: &Candidate) -> Result<Loaded, Problem> {
        let problem = |err: std::io::Error| Problem {
            path: candidate.path.clone(),
            message: format!("cannot read file: {}", describe_io_error(&err)),
        };
        let size = std::fs::metadata(&candidate.path).map_err(problem)?.len();
        if size > MAX_FILE_BYTES as u64 {
            if candidate.must_be_template && candidate.kind == Some(FileKind::Json) {
                return Ok(Loaded::Skipped);
            }
            // A prefix is enough for SourceFile::decode to refuse it with a diagnostic.
            let bytes = read_prefix(&candidate.path, MAX_FILE_BYTES + 1).map_err(problem)?;
            return Ok(self.load_bytes(candidate, &bytes));
        }
        let bytes = std::fs::read(&candidate.path).map_err(problem)?;
        Ok(self.load_bytes(candidate, &bytes))
    }

    /// Decodes and parses bytes read from `candidate.path`.
    pub fn load_bytes(&mut self, candidate: &Candidate, bytes: &[u8]) -> Loaded {
        let (file, decode_error) = SourceFile::decode(&candidate.path, bytes);
        let id = FileId(self.files.len() as u32);
        let mut diagnostics = Vec::new();
        let mut tree = None;
        if let Some(error) = decode_error {
            // Undecodable `.json` in a folder is someone else's data file, not a template.
            if candidate.must_be_template && candidate.kind == Some(FileKind::Json) {
                return Loaded::Skipped;
            }
            diagnostics.push(Diagnostic::syntax_error(id, error.span, error.message));
        } else {
            let kind = candidate
                .kind
                .unwrap_or_else(|| discover::sniff_kind(&file.text));
            if candidate.must_be_template
                && kind == FileKind::Json
                && !discover::may_be_deployment_json(&file.text)
            {
                return Loaded::Skipped;
            }
            // An empty Bicep file is a valid, empty template (the compiler's `Empty` baseline,
            // the quickstarts' blank template); empty JSON is no template at all.
            if kind == FileKind::Json && file.text.trim().is_empty() {
                let message = "file is empty; expected an ARM template or parameter file";
                diagnostics.push(Diagnostic::syntax_error(id, Span::at(0), message));
            } else {
                let parsed = syntax::parse(&file, kind);
                if candidate.must_be_template && matches!(parsed.tree, Some(Tree::OtherJson(_))) {
                    return Loaded::Skipped;
                }
                diagnostics.extend(
                    parsed
                        .errors
                        .into_iter()
                        .map(|e| Diagnostic::syntax_error(id, e.span, e.message)),
                );
                tree = parsed.tree;
            }
        }
        let key = self.paths.canonical(&candidate.path);
        self.by_path.entry(key).or_insert(id);
        self.files.push(file);
        self.trees.push(tree);
        self.roots.push(true);
        self.diagnostics.extend(diagnostics);
        Loaded::File(id)
    }

    /// The declaration of a template file, lowered once.
    fn decl(&mut self, id: FileId) -> Option<Arc<TemplateDecl>> {
        if let Some(decl) = self.decls.get(&id) {
            return Some(decl.clone());
        }
        let decl = match self.trees.get(id.0 as usize)?.as_ref()? {
            Tree::ArmTemplate(template) => from_arm::lower(template, id),
            Tree::Bicep(program) => from_bicep::lower(program, id),
            _ => return None,
        };
        let decl = Arc::new(decl);
        self.decls.insert(id, decl.clone());
        Some(decl)
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
                    None => IndexMap::new(),
                };
                plans.push((decl, supplied));
            }
        }
        let mut builder = Builder::new(self);
        for (decl, supplied) in plans {
            builder.add_root(decl, supplied);
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
        match &self.trees[id.0 as usize] {
            Some(Tree::ArmParameters(_)) => true,
            Some(Tree::Bicep(program)) => program.is_params,
            _ => false,
        }
    }

    /// Template file → the parameter file that applies to it (the first in path order).
    fn parameter_files(&self) -> HashMap<FileId, FileId> {
        let mut map = HashMap::new();
        for (index, tree) in self.trees.iter().enumerate() {
            let id = FileId(index as u32);
            let path = &self.files[index].path;
            let template = match tree {
                Some(Tree::ArmParameters(_)) => arm_template_for(path),
                Some(Tree::Bicep(program)) if program.is_params => from_bicep::using_path(program)
                    .map(|(using, _)| path.parent().unwrap_or(Path::new("")).join(using)),
                _ => None,
            };
            if let Some(template) =
                template.and_then(|t| self.by_path.get(&self.paths.canonical(&t)))
            {
                map.entry(*template).or_insert(id);
            }
        }
        map
    }

    /// The values a parameter file gives: ARM `parameters.x.value` entries read literally,
    /// `.bicepparam` assignments evaluated (they may use variables and functions).
    fn supplied_params(&mut self, params: FileId) -> IndexMap<String, SuppliedParam> {
        let values: Vec<(String, Value)> = match &self.trees[params.0 as usize] {
            Some(Tree::ArmParameters(file)) => from_arm::parameter_values(file)
                .into_iter()
                .map(|(name, _, expr)| (name, literal_value(params, &expr)))
                .collect(),
            Some(Tree::Bicep(program)) if program.is_params => {
                let decl = Arc::new(from_bicep::lower(program, params));
                let mut builder = Builder::new(self);
                let template = builder.add_root(decl, IndexMap::new());
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

    fn load(&mut self, from: FileId, path: &Path) -> Result<Arc<TemplateDecl>, String> {
        let base = self.files[from.0 as usize]
            .path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let full = base.join(path);
        let known = match self.by_module_path.get(&full) {
            Some(id) => Some(*id),
            None => self.by_path.get(&self.paths.canonical(&full)).copied(),
        };
        let id = match known {
            Some(id) => id,
            None => {
                let candidate = Candidate {
                    kind: discover::kind_of(&full),
                    path: full.clone(),
                    must_be_template: false,
                };
                let bytes = std::fs::read(&full).map_err(|err| {
                    format!(
                        "cannot read module `{}`: {}",
                        path.display(),
                        describe_io_error(&err)
                    )
                })?;
                match self.load_bytes(&candidate, &bytes) {
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
        self.by_module_path.entry(full).or_insert(id);
        self.decl(id).ok_or_else(|| {
            format!(
                "module `{}` is not a template keyless can read",
                path.display()
            )
        })
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

/// Canonical paths (symlinks and `..` resolved), each asked of the file system once per run.
///
/// A file's identity is its canonical path: a module reached as `../../main.bicep` from one
/// test and `main.bicep` from its folder is one file. `std::fs::canonicalize` costs a
/// `readlink` per path component, and the same paths are asked for by every unit (the
/// module tree shared by many AVM tests), by the pairing of parameter files and by the merge
/// of reports: issue 9 measured 12% of a run there. The answers do not change during a run.
#[derive(Debug, Default)]
pub struct CanonicalPaths {
    known: Mutex<HashMap<PathBuf, PathBuf>>,
}

impl CanonicalPaths {
    /// The canonical form of `path`, or `path` itself when it does not exist.
    pub fn canonical(&self, path: &Path) -> PathBuf {
        if let Some(known) = lock(&self.known).get(path) {
            return known.clone();
        }
        // Not under the lock: the system call is the slow part, and two threads asking for
        // the same new path at once both get the same answer.
        let canonical = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        lock(&self.known).insert(path.to_path_buf(), canonical.clone());
        canonical
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic while holding the lock would already have failed the run; the map is still
    // valid (an insert either happened or not).
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn read_prefix(path: &Path, limit: usize) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut bytes = Vec::with_capacity(limit);
    std::fs::File::open(path)?
        .take(limit as u64)
        .read_to_end(&mut bytes)?;
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
                .collect(),
        ),
        ExprKind::Object(items) => ValueKind::Object(
            items
                .iter()
                .filter_map(|item| match item {
                    ObjectItem::Property(p) => {
                        Some((p.key_name()?.to_owned(), literal_value(file, &p.value)))
                    }
                    ObjectItem::Spread(_) => None,
                })
                .collect(),
        ),
        _ => return Value::opaque(origin),
    };
    Value::new(origin, kind)
}
