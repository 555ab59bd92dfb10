//! `keyless.json`: finding the configuration files that apply to a linted file, and resolving
//! them into the rule levels, excludes and custom roles for that file.
//!
//! A *config file* is a file named [`FILE_NAME`] (JSON with `//` and `/* */` comments):
//!
//! ```jsonc
//! {
//!   "$schema": "./keyless.schema.json",            // ignored; lets editors complete and check
//!   "root": true,                                   // do not look further up for config files
//!   "rules": { "local-auth-enabled": "error", "overbroad-role": "off" },
//!   "exclude": ["legacy/**", "*.generated.json"],   // globs, relative to this file's folder
//!   "customRoles": ["<guid>", { "id": "<guid>", "name": "Contoso Reader" }],
//!   "overrides": [ { "files": ["modules/**/*.bicep"], "rules": { "missing-managed-identity": "off" } } ]
//! }
//! ```
//!
//! `keyless.schema.json` at the repository root is the JSON Schema of this format.
//!
//! **Discovery and cascading.** For a linted file, the *chain* is every config file found in
//! its folder and the folders above it, up to and including the first one with `"root": true`,
//! or up to the filesystem root. The chain is applied from the farthest file to the nearest, so
//! the nearest wins where two disagree (as with editorconfig and eslint's cascading configs);
//! `"root": true` is what stops a stray config in a parent folder (a home folder, a monorepo
//! root) from applying. Within one config file, `rules` apply first and then each `overrides`
//! entry whose `files` match, in the order written. With an explicit `--config FILE` there is no
//! discovery: that one file applies to every linted file.
//!
//! Paths are canonicalized before the search (so relative paths, `..` and symlinks cannot make
//! it loop), and the search stops at the filesystem root. Each folder is looked at once per run
//! ([`Configs`] caches what it found, including errors).
//!
//! **Globs** ([`Glob`]) follow `.gitignore`: matched against the linted file's path relative to
//! the config file's folder, with `/` separators; a pattern without a `/` (other than a trailing
//! one) matches at any depth; a pattern matching a folder matches everything inside it. See
//! [`Glob`] for the exact syntax.
//!
//! **Errors.** Every problem in a config file is a [`ConfigError`] naming the file and the line
//! and column of the offending key or value; the CLI reports it and exits with status 2.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Component, Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;

use crate::fast_hash::FastMap;
use crate::paths::CanonicalPaths;
use crate::source::{SourceFile, Span};
use crate::syntax::json::{self, Member, Value};

/// The name of a config file.
pub const FILE_NAME: &str = "keyless.json";

/// The keys a config file may have at its top level, in the order the docs list them.
pub const TOP_LEVEL_KEYS: &[&str] = &[
    "$schema",
    "root",
    "rules",
    "exclude",
    "customRoles",
    "overrides",
];

const OVERRIDE_KEYS: &[&str] = &["files", "rules"];
const CUSTOM_ROLE_KEYS: &[&str] = &["id", "name"];

/// How a rule's findings are reported. Ordered by severity: `Off < Info < Warning < Error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    Off,
    Info,
    Warning,
    Error,
}

impl Level {
    /// Every level, in the order messages and the schema list them.
    pub const ALL: [Level; 4] = [Level::Error, Level::Warning, Level::Info, Level::Off];

    /// The spelling in config files and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Off => "off",
            Level::Info => "info",
            Level::Warning => "warning",
            Level::Error => "error",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A string that names no [`Level`]; its `Display` is the message shown to users.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownLevel(pub String);

impl fmt::Display for UnknownLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown level `{}`; expected one of {}",
            self.0,
            choices(Level::ALL.iter().map(|l| l.as_str()))
        )
    }
}

impl std::error::Error for UnknownLevel {}

impl FromStr for Level {
    type Err = UnknownLevel;

    /// Exact, lower-case spellings only: `error`, `warning`, `info`, `off`.
    fn from_str(s: &str) -> Result<Level, UnknownLevel> {
        Level::ALL
            .into_iter()
            .find(|level| level.as_str() == s)
            .ok_or_else(|| UnknownLevel(s.to_owned()))
    }
}

/// A problem with a config file: where it is and what is wrong.
///
/// `path` is relative to the current folder when the file is inside it, and absolute otherwise;
/// `line` and `column` are 1-based, the column counting characters. A file that cannot be read
/// is reported at 1:1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub path: PathBuf,
    pub line: u32,
    pub column: u32,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: error: {}",
            crate::source::display_path(&self.path),
            self.line,
            self.column,
            self.message
        )
    }
}

impl std::error::Error for ConfigError {}

/// A role definition that is not built in, declared in a config file so that `unknown-role-id`
/// accepts it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CustomRole {
    /// The role definition GUID, lower-case.
    pub id: String,
    /// Its display name, when the config gives one (used by `role-name-mismatch`).
    pub name: Option<String>,
}

/// What the config files say about one linted file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FileSettings {
    /// The nearest config file that applies (canonical path), or `None` when none does.
    pub config_file: Option<PathBuf>,
    /// Every config file that applies, farthest first (the nearest is last).
    pub config_files: Vec<PathBuf>,
    /// The file matched an `exclude` glob of one of the config files.
    pub excluded: bool,
    /// Rule levels set explicitly, after overrides; rules absent here keep their defaults.
    pub levels: BTreeMap<String, Level>,
    /// Custom roles from every applying config file, in order of appearance (farthest first),
    /// one per id; a nearer file's entry replaces a farther one's.
    pub custom_roles: Vec<CustomRole>,
}

impl FileSettings {
    /// The level the config sets for `rule`, if it sets one.
    pub fn level(&self, rule: &str) -> Option<Level> {
        self.levels.get(rule).copied()
    }
}

/// The config files of one run, parsed at most once each.
#[derive(Debug)]
pub struct Configs {
    known_rules: &'static [&'static str],
    /// `--config FILE`: applies to every file, no discovery.
    explicit: Option<Chain>,
    /// The canonical current folder, to show config paths relative to it.
    cwd: Option<PathBuf>,
    /// The config file in exactly this (canonical) folder, if any.
    in_folder: FastMap<PathBuf, Result<Option<Arc<ConfigFile>>, ConfigError>>,
    /// The chain (farthest first) for files in this (canonical) folder.
    chains: FastMap<PathBuf, Result<Chain, ConfigError>>,
    /// Resolved settings, shared between files that resolve alike.
    settings: FastMap<SettingsKey, Arc<FileSettings>>,
    /// The run's canonical paths (every linted file is looked up here).
    paths: Arc<CanonicalPaths>,
}

/// The config files that apply to a folder, farthest first.
type Chain = Arc<[Arc<ConfigFile>]>;

/// The nearest config file, whether the file is excluded, and which overrides matched
/// (index in the chain, index in that file's `overrides`) determine the settings.
type SettingsKey = (Option<PathBuf>, bool, Vec<(usize, usize)>);

impl Configs {
    /// `known_rules` are the rule ids a config may name. `explicit` is `--config FILE`: that
    /// file is read now (a missing or invalid one is an error) and applies to every linted file.
    pub fn new(
        known_rules: &'static [&'static str],
        explicit: Option<&Path>,
    ) -> Result<Configs, ConfigError> {
        let cwd = std::env::current_dir().and_then(std::fs::canonicalize).ok();
        let mut configs = Configs {
            known_rules,
            explicit: None,
            cwd,
            in_folder: FastMap::default(),
            chains: FastMap::default(),
            settings: FastMap::default(),
            paths: Arc::default(),
        };
        if let Some(path) = explicit {
            let shown = configs.shown(path);
            if path.is_dir() {
                return Err(ConfigError {
                    path: shown,
                    line: 1,
                    column: 1,
                    message: format!("config path is a folder; expected a `{FILE_NAME}` file"),
                });
            }
            let canonical = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
            let shown = configs.shown(&canonical);
            let config = ConfigFile::load(&canonical, shown, known_rules)?;
            configs.explicit = Some(Arc::from(vec![Arc::new(config)]));
        }
        Ok(configs)
    }

    /// Shares the run's canonical paths, so a file's path is resolved once for discovery,
    /// modules and configuration alike.
    pub fn with_paths(mut self, paths: Arc<CanonicalPaths>) -> Configs {
        self.paths = paths;
        self
    }

    /// The settings that apply to the file at `path` (which need not exist, e.g. a
    /// `--stdin-filename`): the chain of `keyless.json` files from its folder upward (or the
    /// explicit one), applied farthest first, each file's matching overrides after its rules.
    pub fn for_file(&mut self, path: &Path) -> Result<Arc<FileSettings>, ConfigError> {
        let file = match self.paths.existing(path) {
            Some(canonical) => canonical,
            None => absolute(path),
        };
        let chain: Chain = match &self.explicit {
            Some(chain) => chain.clone(),
            None => {
                let folder = file.parent().unwrap_or(&file).to_path_buf();
                self.chain(&folder)?
            }
        };
        Ok(self.resolve(&chain, &file))
    }

    /// The chain for files in `folder`, farthest first.
    fn chain(&mut self, folder: &Path) -> Result<Chain, ConfigError> {
        if let Some(cached) = self.chains.get(folder) {
            return cached.clone();
        }
        let mut nearest_first = Vec::new();
        let mut result = Ok(());
        // `Path::parent` of a canonical path ends at the root, so this terminates.
        for dir in folder.ancestors() {
            match self.config_in(dir) {
                Ok(Some(config)) => {
                    let root = config.root;
                    nearest_first.push(config);
                    if root {
                        break;
                    }
                }
                Ok(None) => {}
                Err(err) => {
                    result = Err(err);
                    break;
                }
            }
        }
        let chain = result.map(|()| {
            nearest_first.reverse();
            Arc::from(nearest_first)
        });
        self.chains.insert(folder.to_path_buf(), chain.clone());
        chain
    }

    /// The config file directly in `dir`, parsed once.
    fn config_in(&mut self, dir: &Path) -> Result<Option<Arc<ConfigFile>>, ConfigError> {
        if let Some(cached) = self.in_folder.get(dir) {
            return cached.clone();
        }
        let path = dir.join(FILE_NAME);
        // The walk knows about the folders it listed; the file system is asked about the rest.
        let exists = self
            .paths
            .listed_holds_config(dir)
            .unwrap_or_else(|| path.is_file());
        let found = if exists {
            let shown = self.shown(&path);
            ConfigFile::load(&path, shown, self.known_rules).map(|c| Some(Arc::new(c)))
        } else {
            Ok(None)
        };
        self.in_folder.insert(dir.to_path_buf(), found.clone());
        found
    }

    fn resolve(&mut self, chain: &[Arc<ConfigFile>], file: &Path) -> Arc<FileSettings> {
        let mut excluded = false;
        let mut matched = Vec::new();
        for (c, config) in chain.iter().enumerate() {
            let Some(relative) = relative_to(file, &config.folder) else {
                continue;
            };
            excluded |= config.exclude.iter().any(|g| g.matches(&relative));
            for (o, over) in config.overrides.iter().enumerate() {
                if over.files.iter().any(|g| g.matches(&relative)) {
                    matched.push((c, o));
                }
            }
        }
        let key = (chain.last().map(|c| c.path.clone()), excluded, matched);
        if let Some(settings) = self.settings.get(&key) {
            return settings.clone();
        }
        let mut settings = FileSettings {
            config_file: key.0.clone(),
            config_files: chain.iter().map(|c| c.path.clone()).collect(),
            excluded,
            ..FileSettings::default()
        };
        for (c, config) in chain.iter().enumerate() {
            settings.levels.extend(config.rules.iter().cloned());
            for &(_, o) in key.2.iter().filter(|(mc, _)| *mc == c) {
                settings
                    .levels
                    .extend(config.overrides[o].rules.iter().cloned());
            }
            for role in &config.custom_roles {
                match settings.custom_roles.iter_mut().find(|r| r.id == role.id) {
                    Some(known) => *known = role.clone(),
                    None => settings.custom_roles.push(role.clone()),
                }
            }
        }
        let settings = Arc::new(settings);
        self.settings.insert(key, settings.clone());
        settings
    }

    /// How a config path is shown in errors: relative to the current folder when inside it.
    fn shown(&self, path: &Path) -> PathBuf {
        match &self.cwd {
            Some(cwd) if path.is_absolute() => path
                .strip_prefix(cwd)
                .map(Path::to_path_buf)
                .unwrap_or_else(|_| path.to_path_buf()),
            _ => path.to_path_buf(),
        }
    }
}

/// One parsed config file.
#[derive(Debug)]
struct ConfigFile {
    /// Canonical path of the file.
    path: PathBuf,
    /// The folder its globs are relative to.
    folder: PathBuf,
    root: bool,
    rules: Vec<(String, Level)>,
    exclude: Vec<Glob>,
    custom_roles: Vec<CustomRole>,
    overrides: Vec<Override>,
}

#[derive(Debug)]
struct Override {
    files: Vec<Glob>,
    rules: Vec<(String, Level)>,
}

impl ConfigFile {
    /// Reads and validates the file at `path` (canonical); errors name it as `shown`.
    fn load(path: &Path, shown: PathBuf, known_rules: &[&str]) -> Result<ConfigFile, ConfigError> {
        let at_start = |message: String| ConfigError {
            path: shown.clone(),
            line: 1,
            column: 1,
            message,
        };
        let bytes = std::fs::read(path).map_err(|err| {
            at_start(match err.kind() {
                std::io::ErrorKind::NotFound => "config file does not exist".to_owned(),
                _ => format!("cannot read config file: {err}"),
            })
        })?;
        let (source, decode_error) = SourceFile::decode(shown.clone(), &bytes);
        let reader = Reader {
            source: &source,
            known_rules,
        };
        if let Some(err) = decode_error {
            return Err(reader.error(err.span, err.message));
        }
        let (doc, errors) = json::parse_document(&source.text);
        if let Some(first) = errors.first() {
            return Err(reader.error(first.span, first.message.clone()));
        }
        let Some(doc) = doc else {
            return Err(reader.error(Span::at(0), "config file is empty".to_owned()));
        };
        let folder = path.parent().unwrap_or(Path::new("/")).to_path_buf();
        reader.config(&doc.root, path.to_path_buf(), folder)
    }
}

/// Validates a parsed config file, turning the first problem into a [`ConfigError`].
struct Reader<'a> {
    source: &'a SourceFile,
    known_rules: &'a [&'a str],
}

impl Reader<'_> {
    fn error(&self, span: Span, message: String) -> ConfigError {
        let at = self.source.line_col(span.start);
        ConfigError {
            path: self.source.path.clone(),
            line: at.line,
            column: at.column,
            message,
        }
    }

    /// "`what` must be `expected`, found a string".
    fn wrong_type(&self, value: &Value, what: &str, expected: &str) -> ConfigError {
        self.error(
            value.span,
            format!("{what} must be {expected}, found {}", value.kind_name()),
        )
    }

    fn unknown_key(&self, member: &Member, keys: &[&str]) -> ConfigError {
        self.error(
            member.key_span,
            format!(
                "unknown key `{}`; expected one of {}",
                member.key,
                choices(keys.iter().copied())
            ),
        )
    }

    fn object<'v, 't>(
        &self,
        value: &'v Value<'t>,
        what: &str,
    ) -> Result<&'v [Member<'t>], ConfigError> {
        value
            .as_object()
            .ok_or_else(|| self.wrong_type(value, what, "an object"))
    }

    fn array<'v, 't>(
        &self,
        value: &'v Value<'t>,
        what: &str,
        expected: &str,
    ) -> Result<&'v [Value<'t>], ConfigError> {
        value
            .as_array()
            .ok_or_else(|| self.wrong_type(value, what, expected))
    }

    fn string<'v>(&self, value: &'v Value, what: &str) -> Result<&'v str, ConfigError> {
        value
            .as_str()
            .ok_or_else(|| self.wrong_type(value, what, "a string"))
    }

    fn config(
        &self,
        root: &Value,
        path: PathBuf,
        folder: PathBuf,
    ) -> Result<ConfigFile, ConfigError> {
        let mut config = ConfigFile {
            path,
            folder,
            root: false,
            rules: Vec::new(),
            exclude: Vec::new(),
            custom_roles: Vec::new(),
            overrides: Vec::new(),
        };
        let members = root
            .as_object()
            .ok_or_else(|| self.wrong_type(root, "the config", "an object"))?;
        for member in members {
            let value = &member.value;
            match &*member.key {
                "$schema" => {
                    self.string(value, "`$schema`")?;
                }
                "root" => {
                    config.root = value
                        .as_bool()
                        .ok_or_else(|| self.wrong_type(value, "`root`", "`true` or `false`"))?;
                }
                "rules" => config.rules = self.rules(value)?,
                "exclude" => config.exclude = self.globs(value, "`exclude`")?,
                "customRoles" => config.custom_roles = self.custom_roles(value)?,
                "overrides" => {
                    config.overrides = self
                        .array(
                            value,
                            "`overrides`",
                            "an array of `{ \"files\", \"rules\" }` objects",
                        )?
                        .iter()
                        .map(|item| self.override_entry(item))
                        .collect::<Result<_, _>>()?;
                }
                _ => return Err(self.unknown_key(member, TOP_LEVEL_KEYS)),
            }
        }
        Ok(config)
    }

    fn rules(&self, value: &Value) -> Result<Vec<(String, Level)>, ConfigError> {
        self.object(value, "`rules`")?
            .iter()
            .map(|member| {
                if !self.known_rules.contains(&&*member.key) {
                    let mut message = format!("unknown rule `{}`", member.key);
                    match closest(&member.key, self.known_rules) {
                        Some(near) => message.push_str(&format!("; did you mean `{near}`?")),
                        None => message.push_str("; `keyless rules` lists the rules"),
                    }
                    return Err(self.error(member.key_span, message));
                }
                let text = member.value.as_str().ok_or_else(|| {
                    self.error(
                        member.value.span,
                        format!(
                            "the level of `{}` must be one of {}, found {}",
                            member.key,
                            choices(Level::ALL.iter().map(|l| l.as_str())),
                            member.value.kind_name()
                        ),
                    )
                })?;
                let level = text
                    .parse::<Level>()
                    .map_err(|err| self.error(member.value.span, err.to_string()))?;
                Ok((member.key.to_string(), level))
            })
            .collect()
    }

    fn globs(&self, value: &Value, what: &str) -> Result<Vec<Glob>, ConfigError> {
        self.array(value, what, "an array of globs")?
            .iter()
            .map(|item| {
                let text = self.string(item, "a glob")?;
                Glob::new(text)
                    .map_err(|err| self.error(item.span, format!("invalid glob `{text}`: {err}")))
            })
            .collect()
    }

    fn override_entry(&self, value: &Value) -> Result<Override, ConfigError> {
        let members = self.object(value, "an `overrides` entry")?;
        let mut files = None;
        let mut rules = None;
        for member in members {
            match &*member.key {
                "files" => {
                    let globs = self.globs(&member.value, "`files`")?;
                    if globs.is_empty() {
                        return Err(self.error(
                            member.value.span,
                            "`files` must list at least one glob".to_owned(),
                        ));
                    }
                    files = Some(globs);
                }
                "rules" => rules = Some(self.rules(&member.value)?),
                _ => return Err(self.unknown_key(member, OVERRIDE_KEYS)),
            }
        }
        let missing = |key: &str| {
            self.error(
                value.head(),
                format!("an `overrides` entry must have `{key}`"),
            )
        };
        Ok(Override {
            files: files.ok_or_else(|| missing("files"))?,
            rules: rules.ok_or_else(|| missing("rules"))?,
        })
    }

    fn custom_roles(&self, value: &Value) -> Result<Vec<CustomRole>, ConfigError> {
        let mut roles: Vec<CustomRole> = Vec::new();
        for item in self.array(
            value,
            "`customRoles`",
            "an array of role ids or `{ \"id\", \"name\" }` objects",
        )? {
            let role = match (item.as_str(), item.as_object()) {
                (Some(_), _) => CustomRole {
                    id: self.guid(item)?,
                    name: None,
                },
                (_, Some(members)) => {
                    let mut id = None;
                    let mut name = None;
                    for member in members {
                        match &*member.key {
                            "id" => id = Some(self.guid(&member.value)?),
                            "name" => name = Some(self.string(&member.value, "`name`")?.to_owned()),
                            _ => return Err(self.unknown_key(member, CUSTOM_ROLE_KEYS)),
                        }
                    }
                    let id = id.ok_or_else(|| {
                        self.error(item.head(), "a custom role must have `id`".to_owned())
                    })?;
                    CustomRole { id, name }
                }
                _ => {
                    return Err(self.wrong_type(
                        item,
                        "a custom role",
                        "a role id or an `{ \"id\", \"name\" }` object",
                    ))
                }
            };
            match roles.iter_mut().find(|r| r.id == role.id) {
                Some(known) => *known = role,
                None => roles.push(role),
            }
        }
        Ok(roles)
    }

    /// A role definition id: a GUID, returned lower-case.
    fn guid(&self, value: &Value) -> Result<String, ConfigError> {
        let text = self.string(value, "a role id")?;
        if is_guid(text) {
            Ok(text.to_ascii_lowercase())
        } else {
            Err(self.error(
                value.span,
                format!(
                    "malformed role id `{text}`; expected a GUID such as \
                     `acdd72a7-3385-48ef-bd42-f606fba81ae7`"
                ),
            ))
        }
    }
}

/// `8-4-4-4-12` hexadecimal digits, either case, no braces.
fn is_guid(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// "`a`, `b`, `c`" for messages listing a closed set.
fn choices<'s>(items: impl Iterator<Item = &'s str>) -> String {
    items
        .map(|s| format!("`{s}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The known id closest to `got` by edit distance, when it is close enough to be a typo
/// (at most a third of its length, and at least one edit, away).
fn closest<'k>(got: &str, known: &[&'k str]) -> Option<&'k str> {
    known
        .iter()
        .map(|&k| (edit_distance(got, k), k))
        .filter(|&(d, k)| d <= (k.chars().count() / 3).max(1))
        .min()
        .map(|(_, k)| k)
}

/// Levenshtein distance over characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (diagonal + usize::from(ca != cb))
                .min(above + 1)
                .min(row[j] + 1);
            diagonal = above;
        }
    }
    row[b.len()]
}

/// `path` made absolute with symlinks resolved. A path that does not exist (a
/// `--stdin-filename`) gets its deepest existing ancestor canonicalized and the rest appended
/// with `.` and `..` resolved lexically.
fn absolute(path: &Path) -> PathBuf {
    if let Ok(canonical) = std::fs::canonicalize(path) {
        return canonical;
    }
    let joined = match std::env::current_dir() {
        Ok(cwd) if path.is_relative() => cwd.join(path),
        _ => path.to_path_buf(),
    };
    let mut normal = PathBuf::new();
    for component in joined.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                normal.pop();
            }
            other => normal.push(other),
        }
    }
    let mut rest = Vec::new();
    let mut existing = normal.as_path();
    loop {
        if let Ok(canonical) = std::fs::canonicalize(existing) {
            return rest.iter().rev().fold(canonical, |p, c| p.join(c));
        }
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_owned());
                existing = parent;
            }
            _ => return normal,
        }
    }
}

/// `file` relative to `folder` with `/` separators, or `None` when it is not inside it.
fn relative_to(file: &Path, folder: &Path) -> Option<String> {
    let rest = file.strip_prefix(folder).ok()?;
    let parts: Vec<_> = rest
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect();
    Some(parts.join("/"))
}

/// A path pattern from `exclude` or `files`, matched against a path relative to the config
/// file's folder with `/` separators. The syntax is `.gitignore`'s, minus negation:
///
/// - `*` matches any run of characters except `/`; `?` one character except `/`;
/// - `[abc]`, `[a-z]` one character of the set, `[!abc]` or `[^abc]` one not in it
///   (`]` first in the set is literal);
/// - `**` as a whole segment matches any number of folders, zero included
///   (`**/x`, `a/**/b`, `a/**`); elsewhere (`a**`) it is an error;
/// - a pattern with no `/` except a trailing one matches at any depth (`*.json` is
///   `**/*.json`); one with a `/` is anchored at the config file's folder (`/x` and `./x`
///   anchor a single name);
/// - a pattern that matches a folder matches every file under it (`legacy` and `legacy/`
///   exclude `legacy/a/b.bicep`); a trailing `/` matches folders only, never a file;
/// - matching is case-sensitive, and `*` matches names starting with `.`.
///
/// Rejected, with a message: an empty pattern, `\` (write `/`), `{a,b}` alternatives, `.` or
/// `..` segments, `//`, and an unclosed `[`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Glob {
    text: String,
    segments: Vec<Segment>,
    folders_only: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    /// `**`: any number of path segments.
    AnyDepth,
    /// One path segment.
    Name(Vec<Token>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Char(char),
    /// `*`
    Star,
    /// `?`
    One,
    /// `[...]`: inclusive ranges (a single character is a range of one).
    Class {
        negated: bool,
        ranges: Vec<(char, char)>,
    },
}

/// Why a glob is rejected; its `Display` completes "invalid glob `…`: ".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GlobError(&'static str);

impl fmt::Display for GlobError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl std::error::Error for GlobError {}

impl Glob {
    pub fn new(pattern: &str) -> Result<Glob, GlobError> {
        if pattern.is_empty() {
            return Err(GlobError("the pattern is empty"));
        }
        if pattern.contains('\\') {
            return Err(GlobError("`\\` is not allowed; separate folders with `/`"));
        }
        if pattern.contains(['{', '}']) {
            return Err(GlobError(
                "`{a,b}` alternatives are not supported; write one pattern for each",
            ));
        }
        let mut body = pattern;
        let mut anchored = false;
        if let Some(rest) = body.strip_prefix("./").or_else(|| body.strip_prefix('/')) {
            anchored = true;
            body = rest;
        }
        let folders_only = body.ends_with('/');
        let body = body.strip_suffix('/').unwrap_or(body);
        if body.is_empty() {
            return Err(GlobError("the pattern names no file or folder"));
        }
        anchored |= body.contains('/');
        let mut segments = Vec::new();
        if !anchored {
            segments.push(Segment::AnyDepth);
        }
        for part in body.split('/') {
            match part {
                "" => return Err(GlobError("empty path segment (`//`)")),
                "." | ".." => {
                    return Err(GlobError(
                        "`.` and `..` segments are not supported; \
                         patterns are relative to the config file's folder",
                    ))
                }
                "**" => {
                    if segments.last() != Some(&Segment::AnyDepth) {
                        segments.push(Segment::AnyDepth);
                    }
                }
                _ if part.contains("**") => {
                    return Err(GlobError(
                        "`**` must be a whole path segment, as in `a/**/b`",
                    ))
                }
                _ => segments.push(Segment::Name(tokens(part)?)),
            }
        }
        Ok(Glob {
            text: pattern.to_owned(),
            segments,
            folders_only,
        })
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether `path` (relative, `/`-separated) or one of the folders it is in matches.
    pub fn matches(&self, path: &str) -> bool {
        let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
        (1..=parts.len())
            .filter(|&n| !(self.folders_only && n == parts.len()))
            .any(|n| self.matches_exactly(&parts[..n]))
    }

    /// Whether the segments match exactly these path parts (dynamic programming over
    /// (segment, part) so that many `**` cannot make it exponential).
    fn matches_exactly(&self, parts: &[&str]) -> bool {
        let (s_len, p_len) = (self.segments.len(), parts.len());
        // ok[s][p]: segments[s..] match parts[p..].
        let mut ok = vec![vec![false; p_len + 1]; s_len + 1];
        ok[s_len][p_len] = true;
        for s in (0..s_len).rev() {
            for p in (0..=p_len).rev() {
                ok[s][p] = match &self.segments[s] {
                    Segment::AnyDepth => ok[s + 1][p] || (p < p_len && ok[s][p + 1]),
                    Segment::Name(tokens) => {
                        p < p_len && ok[s + 1][p + 1] && name_matches(tokens, parts[p])
                    }
                };
            }
        }
        ok[0][0]
    }
}

impl fmt::Display for Glob {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

fn tokens(part: &str) -> Result<Vec<Token>, GlobError> {
    let mut out = Vec::new();
    let mut chars = part.chars().peekable();
    while let Some(c) = chars.next() {
        out.push(match c {
            '*' => Token::Star,
            '?' => Token::One,
            '[' => {
                let negated = chars.next_if(|&c| c == '!' || c == '^').is_some();
                let mut ranges = Vec::new();
                let mut first = true;
                loop {
                    let Some(c) = chars.next() else {
                        return Err(GlobError("unclosed `[` character class"));
                    };
                    if c == ']' && !first {
                        break;
                    }
                    first = false;
                    let is_range = chars.peek() == Some(&'-');
                    if is_range {
                        let mut ahead = chars.clone();
                        ahead.next();
                        match ahead.next() {
                            Some(end) if end != ']' => {
                                chars.next();
                                chars.next();
                                ranges.push((c, end));
                                continue;
                            }
                            _ => {}
                        }
                    }
                    ranges.push((c, c));
                }
                Token::Class { negated, ranges }
            }
            c => Token::Char(c),
        });
    }
    Ok(out)
}

/// Wildcard matching of one path segment, backtracking only to the last `*` (linear for
/// practical patterns, quadratic at worst).
fn name_matches(tokens: &[Token], name: &str) -> bool {
    let name: Vec<char> = name.chars().collect();
    let (mut t, mut n) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while n < name.len() {
        let one = match tokens.get(t) {
            Some(Token::Star) => {
                star = Some((t, n));
                t += 1;
                continue;
            }
            Some(Token::Char(c)) => *c == name[n],
            Some(Token::One) => true,
            Some(Token::Class { negated, ranges }) => {
                ranges
                    .iter()
                    .any(|&(lo, hi)| lo <= name[n] && name[n] <= hi)
                    != *negated
            }
            None => false,
        };
        if one {
            t += 1;
            n += 1;
        } else if let Some((st, sn)) = star {
            t = st + 1;
            n = sn + 1;
            star = Some((st, sn + 1));
        } else {
            return false;
        }
    }
    tokens[t..].iter().all(|tok| *tok == Token::Star)
}
