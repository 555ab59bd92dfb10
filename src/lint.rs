//! One lint run over paths: discover the files, read and parse each, build the resource graph
//! from every template (with its parameter file and the modules it calls), check it, and
//! collect what was found into one sorted report.
//!
//! A *problem* is something that stops a file from being linted at all (it does not exist, it
//! cannot be read); it is printed on stderr and makes the exit status 2. Everything about a
//! file's content, even undecodable bytes, is a diagnostic in the report instead.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use crate::catalog::Catalog;
use crate::cli::GraphFormat;
use crate::config::{Configs, FileSettings, Level};
use crate::diagnostic::{Diagnostic, Merged, Report};
use crate::discover::{self, Candidate};
use crate::graph::edges::{self, Edge};
use crate::graph::export;
use crate::graph::Graph;
use crate::rules;
use crate::source::FileId;
use crate::sync::lock;
use crate::syntax::FileKind;
use crate::workspace::{CanonicalPaths, Loaded, ParseCache, Workspace};

/// A path that could not be linted at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub path: PathBuf,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The `path:line:col:` prefix lets editors and CI logs link to it like any finding.
        write!(
            f,
            "{}:1:1: error: {}",
            crate::source::display_path(&self.path),
            self.message
        )
    }
}

#[derive(Debug, Default)]
pub struct Run {
    pub report: Report,
    pub problems: Vec<Problem>,
}

/// What a run is asked to do besides the paths.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// `--config FILE` (otherwise discovered upward from each file).
    pub config: Option<PathBuf>,
    /// `--select`: only these rules.
    pub select: Vec<String>,
    /// `--ignore`: not these rules.
    pub ignore: Vec<String>,
    /// `--params FILE`: the parameter file for every template of the run.
    pub params: Option<PathBuf>,
    /// The report is shown, not fixed: the texts of the files with findings stay set aside
    /// (see [`SourceFile::unload`]), but for the lines around each finding, which is all a
    /// format shows. Fixes need every text in memory.
    ///
    /// [`SourceFile::unload`]: crate::source::SourceFile::unload
    pub texts_on_demand: bool,
}

/// A mistake in how keyless was called (exit 2): an unknown rule id, an unreadable `--params`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageError(pub String);

impl fmt::Display for UsageError {
    /// A configuration error already reads `path:line:col: error: …` (so editors link to it);
    /// anything else is keyless's own complaint and says so.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.contains(": error: ") {
            f.write_str(&self.0)
        } else {
            write!(f, "keyless: {}", self.0)
        }
    }
}

/// Lints files and folders.
///
/// Each discovered file is one *unit* of work: the file, the parameter file that applies to
/// it and the modules it calls are read, checked and dropped together, so memory holds a
/// handful of files at a time, and units run on every core. Units are merged in path order,
/// so the output does not depend on the number of threads.
pub fn lint_paths(paths: &[PathBuf], options: &Options) -> Result<Run, UsageError> {
    warm_catalog();
    let levels = RunLevels::new(options)?;
    let canonical = Arc::new(CanonicalPaths::default());
    let configs = Configs::new(rule_ids(), options.config.as_deref())
        .map_err(|err| UsageError(err.to_string()))?
        .with_paths(canonical.clone());
    let configs = Mutex::new(configs);
    let (candidates, walk_errors) = discover::discover_noting(paths, Some(&canonical));
    let mut problems: Vec<Problem> = walk_errors
        .into_iter()
        .map(|e| Problem {
            path: e.path,
            message: format!("cannot read: {}", e.message),
        })
        .collect();
    let mut units = Vec::with_capacity(candidates.len());
    for candidate in candidates {
        let settings = lock(&configs)
            .for_file(&candidate.path)
            .map_err(|err| UsageError(err.to_string()))?;
        if !settings.excluded {
            units.push(candidate);
        }
    }
    let paths = canonical;
    let cache = Arc::new(ParseCache::default());
    let pairing = Pairing::new(&units, &paths);
    let mut report = Report::default();
    let mut merged = Merged::default();
    let mut failure = None;
    let lint = |candidate: &Candidate| {
        let shared = Shared {
            pairing: &pairing,
            paths: &paths,
            cache: &cache,
        };
        lint_unit(candidate, &shared, options, &levels, &configs)
    };
    // Merged in path order as the units finish, so memory holds one copy of each finding.
    parallel_in_order(&units, threads(), lint, |result| match result {
        Ok(mut unit) => {
            // `files_scanned` counts units, not the modules each one read.
            unit.report.files_scanned = usize::from(unit.scanned);
            problems.extend(unit.problem);
            report.merge(unit.report, &mut merged, |path| paths.canonical(path));
            true
        }
        Err(err) => {
            failure = Some(err);
            false
        }
    });
    if let Some(err) = failure {
        return Err(err);
    }
    drop(pairing);
    let shared = (units, cache, merged, configs, paths);
    if options.texts_on_demand {
        // Nothing more is read: what the units shared (parsed modules, path and configuration
        // lookups) is freed beside the sorting and showing of the report, not before it
        // (30 ms over quickstarts + AVM).
        // Without a thread to spare, `spawn` hands the closure back dropped: freed here.
        let _ = std::thread::Builder::new().spawn(move || drop(shared));
    } else {
        // The units are done: what they shared goes before the texts to fix are read back.
        drop(shared);
        if let Some(release) = MEMORY_RELEASE.get() {
            release();
        }
        for (path, message) in report.reload_texts() {
            problems.push(Problem { path, message });
        }
    }
    report.sort();
    problems.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(Run { report, problems })
}

static MEMORY_RELEASE: std::sync::OnceLock<fn()> = std::sync::OnceLock::new();

/// Sets what hands freed memory back to the system between the parallel phase of a run and
/// the showing of its report. The binary, which picks the allocator, sets it; an allocator
/// that keeps freed pages (mimalloc does, to reuse them fast) would otherwise count them in
/// the peak once the texts to fix are read back.
pub fn set_memory_release(release: fn()) {
    let _ = MEMORY_RELEASE.set(release);
}

/// Starts parsing the built-in catalog (`rules/roles.json` is 1.3 MB) on another thread, so
/// that it overlaps discovery and parsing instead of delaying the first graph: about half of
/// the time of a pre-commit run over one file (issue 9). The catalog is a `OnceLock`: a unit
/// that needs it first simply waits for this thread to finish.
fn warm_catalog() {
    // Without a thread to spare, the first unit builds the catalog itself.
    let _ = std::thread::Builder::new().spawn(Catalog::builtin);
}

/// What one unit gave.
struct UnitResult {
    scanned: bool,
    problem: Option<Problem>,
    report: Report,
}

/// What the units of a run share.
struct Shared<'a> {
    pairing: &'a Pairing<'a>,
    paths: &'a Arc<CanonicalPaths>,
    cache: &'a Arc<ParseCache>,
}

fn lint_unit(
    candidate: &Candidate,
    shared: &Shared,
    options: &Options,
    levels: &RunLevels,
    configs: &Mutex<Configs>,
) -> Result<UnitResult, UsageError> {
    let mut workspace = Workspace::shared(shared.paths.clone(), shared.cache.clone());
    let scanned = match workspace.load_candidate(candidate) {
        Ok(Loaded::File(_)) => true,
        Ok(Loaded::Skipped) => false,
        Err(problem) => {
            return Ok(UnitResult {
                scanned: false,
                problem: Some(problem),
                report: Report::default(),
            })
        }
    };
    if scanned {
        match &options.params {
            Some(params) => workspace
                .set_parameter_override(params)
                .map_err(|err| UsageError(format!("--params: {err}")))?,
            None => {
                if let Some(params) = shared.pairing.parameter_file_of(&candidate.path) {
                    workspace.load_parameter_file(params);
                }
            }
        }
    }
    let mut levels = levels.clone_without_settings();
    let mut report = check(workspace, usize::from(scanned), &mut levels, Some(configs))?;
    report.unload_texts();
    Ok(UnitResult {
        scanned,
        problem: None,
        report,
    })
}

/// Which discovered parameter file applies to which template: an ARM `X.parameters.json`
/// to the `X.json` beside it, a `.bicepparam` to the file its `using` names.
struct Pairing<'a> {
    paths: &'a CanonicalPaths,
    by_template: HashMap<PathBuf, PathBuf>,
}

impl<'a> Pairing<'a> {
    fn new(units: &[Candidate], paths: &'a CanonicalPaths) -> Pairing<'a> {
        let mut by_template = HashMap::new();
        for unit in units {
            let template = match unit.kind {
                Some(FileKind::BicepParams) => bicepparam_target(&unit.path),
                Some(FileKind::Json) => crate::workspace::arm_template_for(&unit.path),
                _ => None,
            };
            if let Some(template) = template {
                by_template
                    .entry(paths.canonical(&template))
                    .or_insert_with(|| unit.path.clone());
            }
        }
        Pairing { paths, by_template }
    }

    fn parameter_file_of(&self, template: &Path) -> Option<&Path> {
        if self.by_template.is_empty() {
            // Most runs pair nothing (Bicep without `.bicepparam`): no path to resolve.
            return None;
        }
        let key = self.paths.canonical(template);
        self.by_template.get(&key).map(PathBuf::as_path)
    }
}

/// The template a `.bicepparam` file's `using` names (parameter files are small: reading one
/// twice costs little).
fn bicepparam_target(path: &Path) -> Option<PathBuf> {
    let text = std::fs::read_to_string(path).ok()?;
    let (program, _) = crate::syntax::bicep::parse(&text, true);
    let (using, _) = program.using_path()?;
    Some(path.parent().unwrap_or(Path::new("")).join(using))
}

/// How many threads lint units (and render reports): `KEYLESS_THREADS` when it is a positive
/// number (tests pin it to show that output does not depend on it; a CI runner may want to
/// leave a core free), otherwise one per core.
pub fn threads() -> usize {
    std::env::var("KEYLESS_THREADS")
        .ok()
        .and_then(|value| value.trim().parse::<usize>().ok())
        .filter(|&n| n > 0)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from))
}

/// `f` over `items` on up to `threads` threads (the calling one among them), each result given
/// to `sink` in the order of `items` as soon as the results before it are in. `sink` returns
/// `false` to stop: the items not yet started are then skipped.
///
/// The thread that finishes an item hands the results that are next in order to `sink`, so no
/// thread sits waiting to be woken for each result (a channel to a collecting thread cost
/// three `futex` calls per file and a third thread on the cores).
fn parallel_in_order<T: Sync, R: Send>(
    items: &[T],
    threads: usize,
    f: impl Fn(&T) -> R + Sync,
    mut sink: impl FnMut(R) -> bool + Send,
) {
    let threads = threads.min(items.len()).max(1);
    if threads == 1 {
        for item in items {
            if !sink(f(item)) {
                return;
            }
        }
        return;
    }
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    // Results that finished before the ones ahead of them (a handful: about one per thread),
    // and the index of the result `sink` wants next.
    let waiting = Mutex::new((std::collections::BTreeMap::new(), 0usize));
    let sink = Mutex::new(&mut sink);
    let drain = || {
        // One thread drains at a time; a result left by a thread that found the drain busy
        // is taken by the next drain, at the latest the last one below.
        let Ok(mut sink) = sink.try_lock() else {
            return;
        };
        loop {
            let result = {
                let mut waiting = lock(&waiting);
                let (ready, wanted) = &mut *waiting;
                match ready.remove(wanted) {
                    Some(result) => {
                        *wanted += 1;
                        result
                    }
                    None => return,
                }
            };
            if !(*sink)(result) {
                stop.store(true, Ordering::Relaxed);
                return;
            }
        }
    };
    let work = || loop {
        if stop.load(Ordering::Relaxed) {
            break;
        }
        let index = next.fetch_add(1, Ordering::Relaxed);
        let Some(item) = items.get(index) else {
            break;
        };
        let result = f(item);
        lock(&waiting).0.insert(index, result);
        drain();
    };
    std::thread::scope(|scope| {
        for _ in 1..threads {
            scope.spawn(work);
        }
        work();
    });
    if !stop.load(Ordering::Relaxed) {
        drain();
    }
}

/// Every rule id, for the configuration reader.
fn rule_ids() -> &'static [&'static str] {
    static IDS: std::sync::OnceLock<Vec<&'static str>> = std::sync::OnceLock::new();
    IDS.get_or_init(rules::ids)
}

/// The resource graph of files and folders, rendered in `format`.
pub fn graph_text(paths: &[PathBuf], format: GraphFormat) -> (String, Vec<Problem>) {
    let Ok((mut workspace, _, problems)) = load(paths, None) else {
        return (String::new(), Vec::new());
    };
    let analysis = analyze(&mut workspace);
    let text = match format {
        GraphFormat::Json => {
            let json = export::to_json(&analysis.graph, &analysis.edges, &workspace);
            let mut text = serde_json::to_string_pretty(&json).unwrap_or_default();
            text.push('\n');
            text
        }
        GraphFormat::Dot => export::to_dot(&analysis.graph, &analysis.edges),
        GraphFormat::Mermaid => export::to_mermaid(&analysis.graph, &analysis.edges),
    };
    (text, problems)
}

/// Discovers and reads the files; a file excluded by its configuration is not read.
fn load(
    paths: &[PathBuf],
    mut configs: Option<&mut Configs>,
) -> Result<(Workspace, usize, Vec<Problem>), UsageError> {
    let (candidates, walk_errors) = discover::discover(paths);
    let mut problems: Vec<Problem> = walk_errors
        .into_iter()
        .map(|e| Problem {
            path: e.path,
            message: format!("cannot read: {}", e.message),
        })
        .collect();
    let mut workspace = Workspace::default();
    let mut scanned = 0;
    for candidate in &candidates {
        if let Some(configs) = configs.as_deref_mut() {
            let settings = configs
                .for_file(&candidate.path)
                .map_err(|err| UsageError(err.to_string()))?;
            if settings.excluded {
                continue;
            }
        }
        match workspace.load_candidate(candidate) {
            Ok(Loaded::File(_)) => scanned += 1,
            Ok(Loaded::Skipped) => {}
            Err(problem) => problems.push(problem),
        }
    }
    Ok((workspace, scanned, problems))
}

/// Lints one file already in memory (tests, editors reading stdin).
pub fn lint_text(path: impl Into<PathBuf>, bytes: &[u8]) -> Report {
    let path = path.into();
    let candidate = Candidate {
        kind: discover::kind_of(&path),
        path,
        must_be_template: false,
    };
    let mut workspace = Workspace::default();
    let scanned = match workspace.load_bytes(&candidate, bytes) {
        Loaded::File(_) => 1,
        Loaded::Skipped => 0,
    };
    // Without configuration (no files on disk to look upward from), defaults apply.
    check(workspace, scanned, &mut RunLevels::defaults(), None).unwrap_or_default()
}

/// Lints text read from standard input as if it were the file at `path` (editors piping a
/// buffer to `keyless check - --stdin-filename PATH`): the report shows `path`; the modules,
/// parameter files and `keyless.json` that apply are looked up beside `path` on disk; and
/// `options` (`--select`, `--ignore`, `--params`, `--config`) apply as they do to files.
pub fn lint_stdin(
    path: impl Into<PathBuf>,
    bytes: &[u8],
    options: &Options,
) -> Result<Run, UsageError> {
    let path = path.into();
    let mut levels = RunLevels::new(options)?;
    let configs = Configs::new(rule_ids(), options.config.as_deref())
        .map_err(|err| UsageError(err.to_string()))?;
    let configs = Mutex::new(configs);
    let settings = lock(&configs)
        .for_file(&path)
        .map_err(|err| UsageError(err.to_string()))?;
    let mut workspace = Workspace::default();
    let mut scanned = 0;
    // An excluded file gives no findings, as it would on disk.
    if !settings.excluded {
        let candidate = Candidate {
            kind: discover::kind_of(&path),
            path,
            must_be_template: false,
        };
        if let Loaded::File(_) = workspace.load_bytes(&candidate, bytes) {
            scanned = 1;
        }
    }
    if let Some(params) = &options.params {
        workspace
            .set_parameter_override(params)
            .map_err(|err| UsageError(format!("--params: {err}")))?;
    }
    let report = check(workspace, scanned, &mut levels, Some(&configs))?;
    Ok(Run {
        report,
        problems: Vec::new(),
    })
}

/// Rule levels for one run: `--select` and `--ignore` first, then each file's configuration.
struct RunLevels {
    select: Vec<String>,
    ignore: Vec<String>,
    /// The settings of each file of the workspace, by file id (`None`: defaults).
    settings: Vec<Option<Arc<FileSettings>>>,
}

impl RunLevels {
    fn new(options: &Options) -> Result<RunLevels, UsageError> {
        for (flag, ids) in [("--select", &options.select), ("--ignore", &options.ignore)] {
            for id in ids {
                if rules::find(id).is_none() {
                    let message = explain_unknown(id);
                    return Err(UsageError(format!("{flag}: {message}")));
                }
            }
        }
        Ok(RunLevels {
            select: options.select.clone(),
            ignore: options.ignore.clone(),
            settings: Vec::new(),
        })
    }

    /// The flags' levels, for a unit that resolves its own files' settings.
    fn clone_without_settings(&self) -> RunLevels {
        RunLevels {
            select: self.select.clone(),
            ignore: self.ignore.clone(),
            settings: Vec::new(),
        }
    }

    fn defaults() -> RunLevels {
        RunLevels {
            select: Vec::new(),
            ignore: Vec::new(),
            settings: Vec::new(),
        }
    }

    /// Switched off by a flag, for every file.
    fn is_off(&self, rule: &str) -> bool {
        self.ignore.iter().any(|r| r == rule)
            // Syntax errors and suppression notes are shown even when other rules are selected:
            // a file that does not parse was not checked.
            || (!self.select.is_empty()
                && rule != crate::diagnostic::SYNTAX_ERROR
                && rule != crate::suppress::UNUSED_SUPPRESSION
                && !self.select.iter().any(|r| r == rule))
    }

    fn file_level(&self, rule: &str, file: FileId) -> Option<Level> {
        if self.is_off(rule) {
            return Some(Level::Off);
        }
        let settings = self.settings.get(file.0 as usize)?.as_ref()?;
        settings.level(rule)
    }
}

impl rules::Levels for RunLevels {
    fn configured(&self, rule: &str, file: FileId) -> Option<Level> {
        self.file_level(rule, file)
    }

    fn enabled_anywhere(&self, rule: &rules::Rule) -> bool {
        if self.is_off(rule.id) {
            return false;
        }
        if self.settings.is_empty() {
            return rule.default_level != Level::Off;
        }
        self.settings.iter().any(|settings| {
            let level = settings.as_ref().and_then(|s| s.level(rule.id));
            level.unwrap_or(rule.default_level) != Level::Off
        })
    }
}

fn explain_unknown(id: &str) -> String {
    match crate::explain::explain(id) {
        Ok(_) => String::new(),
        Err(message) => message,
    }
}

/// The graph of files and folders, without checking it (`keyless graph`, measuring scripts).
pub fn analyze_paths(paths: &[PathBuf]) -> Option<Analysis> {
    let (mut workspace, _, _) = load(paths, None).ok()?;
    Some(analyze(&mut workspace))
}

/// The graph of everything loaded, and the edges derived from it.
pub struct Analysis {
    pub graph: Graph,
    pub edges: Vec<Edge>,
}

/// Builds the graph of every template loaded (files named or found, not the modules they
/// pull in, which are built through their callers).
pub fn analyze(workspace: &mut Workspace) -> Analysis {
    let graph = workspace.build_graph();
    let edges = edges::derive(&graph, crate::catalog::Catalog::builtin());
    Analysis { graph, edges }
}

fn check(
    mut workspace: Workspace,
    scanned: usize,
    levels: &mut RunLevels,
    configs: Option<&Mutex<Configs>>,
) -> Result<Report, UsageError> {
    let analysis = analyze(&mut workspace);
    // Module files are known only now: settings for every file of the workspace.
    if let Some(configs) = configs {
        let (files, _) = workspace.files_and_trees();
        let mut configs = lock(configs);
        levels.settings = files
            .iter()
            .map(|file| configs.for_file(&file.path).map(Some))
            .collect::<Result<_, _>>()
            .map_err(|err| UsageError(err.to_string()))?;
    }
    let custom_role_ids: Vec<String> = levels
        .settings
        .iter()
        .flatten()
        .flat_map(|settings| settings.custom_roles.iter().map(|role| role.id.clone()))
        .collect();
    let mut diagnostics: Vec<Diagnostic> = workspace.take_diagnostics();
    let cx = rules::Context {
        graph: &analysis.graph,
        edges: &analysis.edges,
        catalog: Catalog::builtin(),
        custom_role_ids: &custom_role_ids,
        files: workspace.files_and_trees().0,
        assignments: Default::default(),
    };
    diagnostics.extend(rules::run_all(&cx, levels));
    let (files, trees) = workspace.files_and_trees();
    crate::suppress::apply(&mut diagnostics, files, trees);
    // The pseudo-rules are configured after the fact, like the others would be.
    diagnostics.retain_mut(|d| {
        let Some(rule) = rules::find(d.rule) else {
            return true;
        };
        let level = levels.file_level(d.rule, d.file);
        if rules::RULES.iter().any(|r| r.id == d.rule) {
            return true;
        }
        match level.map(rules::severity_of) {
            Some(None) => false,
            Some(Some(severity)) => {
                d.severity = severity;
                true
            }
            None => rules::severity_of(rule.default_level).is_some(),
        }
    });
    diagnostics.sort_by_key(|d| d.file);
    let mut report = Report {
        files_scanned: scanned,
        ..Report::default()
    };
    report.diagnostics = diagnostics;
    report.files = workspace.into_files();
    report.retain_referenced_files();
    report.sort();
    Ok(report)
}
