//! `keyless generate role-assignment`: the role assignment that lets a principal use a target,
//! with the least-privilege role (DESIGN.md, "CLI contract"; issue 8).
//!
//! A *principal* is who gets the role: a compute resource's system-assigned identity, a
//! user-assigned identity, or a parameter holding a principal id. A *target* is the resource the
//! role is granted on (the assignment's `scope`). The *role* is given by name or GUID, or picked
//! from `rules/service-roles.json` by *intent* (read, write, inference, admin) and the target's
//! type and kind. [`plan`] resolves the three against a template's graph; [`bicep`] and [`arm`]
//! write the resource. `missing-role-assignment` uses the same code for its fix.

pub mod arm;
pub mod bicep;

use std::fmt;

use crate::catalog::roles::{compact, is_guid, Role};
use crate::catalog::service_roles::{Intent, Target};
use crate::catalog::Catalog;
use crate::graph::decl::{Language, ResourceDecl};
use crate::graph::value::{ResourceIndex, ValueKind};
use crate::graph::{Graph, Resource, TemplateIndex};
use crate::source::SourceFile;

/// The API version of `Microsoft.Authorization/roleAssignments` keyless writes.
pub const ROLE_ASSIGNMENT_API: &str = "2022-04-01";

/// How the role is asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoleSpec {
    /// `--role`: a role name (current or former) or GUID.
    Role(String),
    /// `--intent`: the least-privilege role for what the principal does with the target.
    Intent(Intent),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub principal: String,
    pub target: String,
    pub role: RoleSpec,
}

/// Who gets the role.
#[derive(Debug, Clone, Copy)]
pub enum Principal<'g> {
    /// A resource's system-assigned identity.
    System(ResourceIndex, &'g Resource),
    /// A `Microsoft.ManagedIdentity/userAssignedIdentities` resource.
    UserAssigned(ResourceIndex, &'g Resource),
    /// A parameter holding a principal id (of any kind, so `principalType` is not written).
    Parameter(&'g str),
}

impl Principal<'_> {
    /// The symbol the snippet names the principal by.
    pub fn symbol(&self) -> &str {
        match self {
            Principal::System(_, r) | Principal::UserAssigned(_, r) => &r.symbol,
            Principal::Parameter(name) => name,
        }
    }
}

/// A resolved request: everything the writers need.
#[derive(Debug, Clone)]
pub struct Plan<'g> {
    pub template: TemplateIndex,
    pub principal: Principal<'g>,
    pub target: &'g Resource,
    pub target_index: ResourceIndex,
    pub role: &'g Role,
    /// Said on stderr by the CLI: other roles that fit, the table's caveats.
    pub notes: Vec<String>,
}

/// Why a request cannot be answered; every message lists what would work.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenerateError(pub String);

impl fmt::Display for GenerateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn fail<T>(message: String) -> Result<T, GenerateError> {
    Err(GenerateError(message))
}

/// Resolves a request against the template `template` of `graph`.
pub fn plan<'g>(
    graph: &'g Graph,
    catalog: &'g Catalog,
    template: TemplateIndex,
    request: &Request,
) -> Result<Plan<'g>, GenerateError> {
    let (target_index, target) = find_resource(graph, template, &request.target, "target")?;
    let principal = find_principal(graph, template, &request.principal)?;
    let (role, notes) = match &request.role {
        RoleSpec::Role(text) => (role_by_text(catalog, target, text)?, Vec::new()),
        RoleSpec::Intent(intent) => role_by_intent(catalog, target, *intent)?,
    };
    Ok(Plan {
        template,
        principal,
        target,
        target_index,
        role,
        notes,
    })
}

/// Writes the plan in `language`; `file` is the text of the template the plan was made in
/// (ARM needs the expressions of resource names as written).
pub fn render(graph: &Graph, plan: &Plan, language: Language, file: &SourceFile) -> String {
    match language {
        Language::Bicep => bicep::render(graph, plan),
        Language::Arm => arm::render(graph, plan, file),
    }
}

/// Every resource of the template named `symbol` (ARM: also its `name` when it is a literal).
fn find_resource<'g>(
    graph: &'g Graph,
    template: TemplateIndex,
    symbol: &str,
    role: &str,
) -> Result<(ResourceIndex, &'g Resource), GenerateError> {
    let resources = &graph.template(template).resources;
    let named = |exact: bool| -> Vec<(ResourceIndex, &'g Resource)> {
        resources
            .iter()
            .map(|&i| (i, graph.resource(i)))
            .filter(|(_, r)| {
                if exact {
                    *r.symbol == *symbol
                } else {
                    r.name
                        .as_str()
                        .is_some_and(|n| n.eq_ignore_ascii_case(symbol))
                }
            })
            .collect()
    };
    let mut found = named(true);
    if found.is_empty() {
        found = named(false);
    }
    match found.as_slice() {
        [one] => {
            if one.1.in_loop {
                return fail(format!(
                    "the {role} `{symbol}` is declared in a loop; write the assignment in the same loop by hand, or name a single resource"
                ));
            }
            Ok(*one)
        }
        [] => fail(format!(
            "no resource `{symbol}` in the template for the {role}; resources: {}",
            list(resources.iter().map(|&i| describe(graph.resource(i))))
        )),
        _ => fail(format!(
            "several resources are named `{symbol}`; use a symbol: {}",
            list(found.iter().map(|(_, r)| describe(r)))
        )),
    }
}

fn describe(resource: &Resource) -> String {
    format!("`{}` ({})", resource.symbol, resource.type_name)
}

fn list(items: impl Iterator<Item = String>) -> String {
    let items: Vec<String> = items.collect();
    if items.is_empty() {
        "none".to_owned()
    } else {
        items.join(", ")
    }
}

fn find_principal<'g>(
    graph: &'g Graph,
    template: TemplateIndex,
    symbol: &str,
) -> Result<Principal<'g>, GenerateError> {
    let t = graph.template(template);
    if let Some((name, _)) = t.parameters.get_key_value(symbol) {
        return Ok(Principal::Parameter(name));
    }
    let (index, resource) = find_resource(graph, template, symbol, "principal").map_err(|err| {
        let params: Vec<String> = t.parameters.keys().map(|p| format!("`{p}`")).collect();
        if params.is_empty() {
            err
        } else {
            GenerateError(format!("{err}; parameters: {}", params.join(", ")))
        }
    })?;
    if crate::rules::role_reading::is_user_assigned_identity(&resource.type_name) {
        return Ok(Principal::UserAssigned(index, resource));
    }
    let kind = resource
        .body
        .path("identity.type")
        .and_then(|v| match &v.kind {
            ValueKind::String(s) => Some(s.to_ascii_lowercase()),
            _ => None,
        });
    match kind {
        Some(kind) if kind.contains("systemassigned") => Ok(Principal::System(index, resource)),
        Some(kind) if kind.contains("userassigned") => fail(format!(
            "`{symbol}` has only user-assigned identities; name the identity as the principal (`--principal <identity symbol>`)"
        )),
        // An identity type only the deployment knows: trust the user.
        None if resource.body.path("identity.type").is_some() => {
            Ok(Principal::System(index, resource))
        }
        _ => fail(format!(
            "`{symbol}` has no managed identity; add `identity: {{ type: 'SystemAssigned' }}` (`keyless check --fix` does) or name a user-assigned identity"
        )),
    }
}

/// A role by GUID or name; it must grant something on the target's resource provider.
fn role_by_text<'c>(
    catalog: &'c Catalog,
    target: &Resource,
    text: &str,
) -> Result<&'c Role, GenerateError> {
    let roles = &catalog.roles;
    let role = if is_guid(text.trim()) {
        match roles.by_id(text.trim()) {
            Some(role) => role,
            None => {
                let near: Vec<String> = roles
                    .nearest_ids(text.trim(), 5)
                    .iter()
                    .map(|r| format!("`{}` ({})", r.id, r.name))
                    .collect();
                return fail(format!(
                    "`{text}` is not a built-in role id{}",
                    if near.is_empty() {
                        String::new()
                    } else {
                        format!("; nearest: {}", near.join(", "))
                    }
                ));
            }
        }
    } else if let Some(found) = roles.by_name(text) {
        found.role
    } else {
        let wanted = compact(text);
        let containing: Vec<&Role> = roles
            .table
            .roles
            .iter()
            .filter(|r| !r.deprecated && !wanted.is_empty() && compact(&r.name).contains(&wanted))
            .collect();
        match containing.as_slice() {
            [one] => *one,
            [] => {
                let near: Vec<String> = roles
                    .nearest_names(text, 8)
                    .iter()
                    .map(|r| format!("`{}`", r.name))
                    .collect();
                return fail(format!(
                    "no built-in role is named `{text}`{}",
                    if near.is_empty() {
                        " (`keyless roles QUERY` searches them)".to_owned()
                    } else {
                        format!("; did you mean: {}", near.join(", "))
                    }
                ));
            }
            several => {
                let mut names: Vec<String> =
                    several.iter().map(|r| format!("`{}`", r.name)).collect();
                names.sort();
                let more = names.len().saturating_sub(15);
                names.truncate(15);
                return fail(format!(
                    "`{text}` matches {} roles: {}{}",
                    several.len(),
                    names.join(", "),
                    if more > 0 {
                        format!(" and {more} more")
                    } else {
                        String::new()
                    }
                ));
            }
        }
    };
    let provider = crate::rules::role_reading::provider_of(&target.type_name);
    if !role.grants_on(provider) {
        let choices = target_roles(catalog, target);
        return fail(format!(
            "`{}` grants nothing on `{}` ({}){}",
            role.name,
            target.symbol,
            target.type_name,
            if choices.is_empty() {
                String::new()
            } else {
                format!("; roles for it: {}", choices.join(", "))
            }
        ));
    }
    Ok(role)
}

/// The data tables' targets that apply to a resource: its type, and every `match` condition
/// holds (a `kind` that is unknown matches nothing).
pub fn targets_for<'c>(catalog: &'c Catalog, resource: &Resource) -> Vec<&'c Target> {
    catalog
        .service_roles
        .targets_of(&resource.type_name)
        .filter(|t| t.auto_match)
        .filter(|t| {
            t.conditions.iter().all(|c| {
                resource
                    .body
                    .path(&c.path)
                    .and_then(|v| v.as_str())
                    .is_some_and(|v| c.one_of.iter().any(|o| o.eq_ignore_ascii_case(v)))
            })
        })
        .collect()
}

/// `Name` (intent) for every Azure RBAC role the tables list for the target.
fn target_roles(catalog: &Catalog, target: &Resource) -> Vec<String> {
    let mut out = Vec::new();
    for t in targets_for(catalog, target) {
        for r in &t.roles {
            if let (Some(name), "azure-rbac") = (&r.name, r.assignment.as_str()) {
                let item = format!("`{name}` ({})", intent_name(r.intent));
                if !out.contains(&item) {
                    out.push(item);
                }
            }
        }
    }
    out
}

pub fn intent_name(intent: Intent) -> &'static str {
    match intent {
        Intent::Read => "read",
        Intent::Write => "write",
        Intent::Inference => "inference",
        Intent::Admin => "admin",
    }
}

/// The table's default role for the intent on the first target that lists one; the defaults of
/// the other targets (Storage queue and table besides blob) become notes.
fn role_by_intent<'c>(
    catalog: &'c Catalog,
    target: &Resource,
    intent: Intent,
) -> Result<(&'c Role, Vec<String>), GenerateError> {
    let targets = targets_for(catalog, target);
    if targets.is_empty() {
        let kind = target
            .body
            .get("kind")
            .and_then(|k| k.as_str())
            .map(|k| format!(" of kind `{k}`"))
            .unwrap_or_default();
        return fail(format!(
            "keyless knows no data-plane roles for `{}` ({}{kind}); name one with `--role` (`keyless roles QUERY` lists them)",
            target.symbol, target.type_name
        ));
    }
    let defaults: Vec<(&Target, &crate::catalog::service_roles::RoleChoice)> = targets
        .iter()
        .filter_map(|t| {
            t.roles
                .iter()
                .find(|r| r.intent == intent && r.default)
                .map(|r| (*t, r))
        })
        .collect();
    let Some((first_target, choice)) = defaults.first() else {
        let intents: Vec<&str> = {
            let mut v: Vec<&str> = targets
                .iter()
                .flat_map(|t| t.roles.iter().map(|r| intent_name(r.intent)))
                .collect();
            v.sort_unstable();
            v.dedup();
            v
        };
        return fail(format!(
            "keyless knows no `{}` role for `{}` ({}); intents it knows: {}",
            intent_name(intent),
            target.symbol,
            first_service(&targets),
            intents.join(", ")
        ));
    };
    if choice.assignment != "azure-rbac" {
        return fail(format!(
            "{} grants `{}` with {} rather than an Azure role assignment; keyless does not write those yet",
            first_target.service,
            choice.name.as_deref().unwrap_or("a custom role"),
            match choice.assignment.as_str() {
                "cosmos-sql" => "a Cosmos DB `sqlRoleAssignments` resource",
                "cosmos-table" => "a Cosmos DB `tableRoleAssignments` resource",
                "custom-role" => "a custom role",
                _ => "an access policy assignment",
            }
        ));
    }
    let role = choice
        .id
        .as_deref()
        .and_then(|id| catalog.roles.by_id(id))
        .ok_or_else(|| {
            GenerateError(format!(
                "the table names `{}` for {}, but it is not a built-in role",
                choice.name.as_deref().unwrap_or("?"),
                first_target.service
            ))
        })?;
    let mut notes = Vec::new();
    if choice.overbroad {
        notes.push(format!(
            "`{}` is the narrowest role the tables know for {}, but it is broad; check that the app needs it",
            role.name, first_target.service
        ));
    }
    for (t, other) in defaults.iter().skip(1) {
        if let Some(name) = &other.name {
            if name != &role.name {
                notes.push(format!(
                    "chose {} (`{}`); for {} use `--role '{name}'`",
                    first_target.service, role.name, t.service
                ));
            }
        }
    }
    Ok((role, notes))
}

fn first_service(targets: &[&Target]) -> String {
    targets
        .first()
        .map(|t| t.service.clone())
        .unwrap_or_default()
}

/// The declaration of a resource, to read how its name was written.
pub fn decl_of<'g>(graph: &'g Graph, resource: &Resource) -> Option<&'g ResourceDecl> {
    graph
        .template(resource.template)
        .decl
        .resources
        .iter()
        .find(|d| d.span == resource.declaration.span)
}

/// Every name declared at the top of the template (to keep a new symbol unique).
pub fn taken_symbols(graph: &Graph, template: TemplateIndex) -> Vec<String> {
    let decl = &graph.template(template).decl;
    decl.resources
        .iter()
        .map(|r| r.symbol.to_string())
        .chain(decl.parameters.iter().map(|p| p.name.to_string()))
        .chain(decl.variables.iter().map(|v| v.name.clone()))
        .chain(decl.modules.iter().map(|m| m.symbol.clone()))
        .chain(decl.outputs.iter().map(|o| o.name.clone()))
        .chain(decl.functions.iter().map(|f| f.name.clone()))
        .collect()
}

/// `keyless generate role-assignment`: the snippet for stdout and the notes for stderr.
pub fn run(args: &crate::cli::RoleAssignmentArgs) -> Result<(String, Vec<String>), GenerateError> {
    use crate::cli::{IntentArg, SnippetFormat};
    use crate::discover::{self, Candidate};
    use crate::workspace::{Loaded, Workspace};

    let (path, mut notes) = match &args.file {
        Some(path) => (path.clone(), Vec::new()),
        None => default_file()?,
    };
    let candidate = Candidate {
        kind: discover::kind_of(&path),
        path: path.clone(),
        must_be_template: false,
    };
    let mut workspace = Workspace::default();
    let shown = crate::source::display_path(&path);
    let id = match workspace.load_candidate(&candidate) {
        Ok(Loaded::File(id)) => id,
        Ok(Loaded::Skipped) => return fail(format!("`{shown}` is not a template")),
        Err(problem) => return fail(problem.message),
    };
    let analysis = crate::lint::analyze(&mut workspace);
    if let Some(error) = workspace
        .take_diagnostics()
        .into_iter()
        .find(|d| d.rule == crate::diagnostic::SYNTAX_ERROR && d.file == id)
    {
        let at = workspace.file(id).line_col(error.span.start);
        return fail(format!(
            "`{shown}` does not parse ({}:{}: {}); fix it first",
            at.line, at.column, error.message
        ));
    }
    let template = analysis
        .graph
        .templates
        .iter()
        .position(|t| t.file == id && t.caller.is_none())
        .map(|i| TemplateIndex(i as u32))
        .ok_or_else(|| GenerateError(format!("`{shown}` is not a template")))?;
    let request = Request {
        principal: args.principal.clone(),
        target: args.target.clone(),
        role: match (&args.role, args.intent) {
            (Some(role), _) => RoleSpec::Role(role.clone()),
            (None, Some(intent)) => RoleSpec::Intent(match intent {
                IntentArg::Read => Intent::Read,
                IntentArg::Write => Intent::Write,
                IntentArg::Inference => Intent::Inference,
                IntentArg::Admin => Intent::Admin,
            }),
            (None, None) => return fail("give `--role` or `--intent`".to_owned()),
        },
    };
    let catalog = Catalog::builtin();
    let plan = plan(&analysis.graph, catalog, template, &request)?;
    let language = match args.format {
        Some(SnippetFormat::Bicep) => Language::Bicep,
        Some(SnippetFormat::Arm) => Language::Arm,
        None => analysis.graph.template(template).language,
    };
    let text = render(&analysis.graph, &plan, language, workspace.file(id));
    notes.extend(plan.notes.iter().cloned());
    Ok((text, notes))
}

/// `main.bicep` in the current folder, or else its only template.
fn default_file() -> Result<(std::path::PathBuf, Vec<String>), GenerateError> {
    let main = std::path::PathBuf::from("main.bicep");
    if main.is_file() {
        return Ok((
            main,
            vec!["reading `main.bicep` (`--file` reads another)".to_owned()],
        ));
    }
    let (candidates, _) = crate::discover::discover(&[std::path::PathBuf::from(".")]);
    let templates: Vec<std::path::PathBuf> = candidates
        .into_iter()
        .map(|c| c.path)
        .filter(|p| {
            p.parent()
                .is_none_or(|d| d == std::path::Path::new(".") || d.as_os_str().is_empty())
        })
        .filter(|p| {
            let name = p.to_string_lossy().to_ascii_lowercase();
            !name.ends_with(".bicepparam") && !name.ends_with(".parameters.json")
        })
        .filter(|p| match crate::discover::kind_of(p) {
            Some(crate::syntax::FileKind::Json) => std::fs::read_to_string(p)
                .is_ok_and(|t| t.to_ascii_lowercase().contains("deploymenttemplate.json")),
            Some(_) => true,
            None => false,
        })
        .collect();
    match templates.as_slice() {
        [one] => Ok((
            one.clone(),
            vec![format!(
                "reading `{}`, the only template here (`--file` reads another)",
                crate::source::display_path(one)
            )],
        )),
        [] => fail("no `main.bicep` and no template in the current folder; name one with `--file`".to_owned()),
        several => fail(format!(
            "no `main.bicep` and several templates in the current folder; name one with `--file`: {}",
            several
                .iter()
                .map(|p| format!("`{}`", crate::source::display_path(p)))
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}
