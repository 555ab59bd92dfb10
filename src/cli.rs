//! Command-line interface (DESIGN.md, "CLI contract"). Declarations only; `lib.rs` acts on them.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "keyless",
    version,
    about = "Lint Azure Bicep and ARM templates for API keys, missing managed identities and wrong role assignments"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Lint files and folders
    Check(CheckArgs),
    /// Print the resource graph: resources, module calls and edges
    Graph(GraphArgs),
    /// Write a resource for a template: `keyless generate role-assignment …`
    #[command(subcommand)]
    Generate(GenerateCommand),
    /// List the rules with their default levels
    Rules,
    /// Find built-in roles by name (forgiving), GUID or permission
    Roles {
        /// A role name, a GUID (or its start), or an operation such as `listKeys`
        query: Option<String>,
    },
    /// Print the documentation of a rule
    Explain {
        /// A rule id, e.g. `local-auth-enabled`
        rule: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum GenerateCommand {
    /// The role assignment that grants a principal the least-privilege role on a target
    RoleAssignment(RoleAssignmentArgs),
}

#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("role_choice").required(true).args(["role", "intent"])))]
pub struct RoleAssignmentArgs {
    /// Who gets the role: a compute resource with a system-assigned identity, a user-assigned
    /// identity, or a parameter holding a principal id (Bicep symbol or ARM resource name)
    #[arg(long, value_name = "SYMBOL")]
    pub principal: String,

    /// The resource the role is granted on (the assignment's scope)
    #[arg(long, value_name = "SYMBOL")]
    pub target: String,

    /// A built-in role, by name or GUID
    #[arg(long, value_name = "NAME|GUID")]
    pub role: Option<String>,

    /// What the principal does with the target; keyless picks the least-privilege role
    #[arg(long, value_enum)]
    pub intent: Option<IntentArg>,

    /// The template to read (default: `main.bicep`, or the only template in the current folder)
    #[arg(long, value_name = "FILE")]
    pub file: Option<PathBuf>,

    /// The language to write (default: the template's)
    #[arg(long, value_enum)]
    pub format: Option<SnippetFormat>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum IntentArg {
    Read,
    Write,
    Inference,
    Admin,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SnippetFormat {
    Bicep,
    Arm,
}

#[derive(Debug, clap::Args)]
pub struct GraphArgs {
    /// Files and folders to read
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,

    /// `json` for tools, `dot` for Graphviz, `mermaid` for GitHub Markdown
    #[arg(long, value_enum, default_value_t = GraphFormat::Json)]
    pub format: GraphFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GraphFormat {
    Json,
    Dot,
    Mermaid,
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Files and folders to lint (folders: *.bicep, *.bicepparam, and ARM templates and
    /// parameter files among *.json/*.jsonc)
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,

    /// How to print the findings
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,

    /// Write the report to FILE instead of standard output
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Lowest severity that makes the exit status 1
    #[arg(long, value_enum, default_value_t = FailOn::Warning)]
    pub fail_on: FailOn,

    /// Configuration file (otherwise `keyless.json` is discovered upward from each file)
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Run only these rules (comma-separated ids)
    #[arg(long, value_name = "RULE,...", value_delimiter = ',')]
    pub select: Vec<String>,

    /// Do not run these rules (comma-separated ids)
    #[arg(long, value_name = "RULE,...", value_delimiter = ',')]
    pub ignore: Vec<String>,

    /// Parameter file to evaluate the templates with (otherwise discovered beside each template)
    #[arg(long, value_name = "FILE")]
    pub params: Option<PathBuf>,

    /// Report only findings that are not recorded in this baseline file
    #[arg(long, value_name = "FILE", conflicts_with = "write_baseline")]
    pub baseline: Option<PathBuf>,

    /// Record every current finding in FILE, print nothing else and exit 0
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,

    /// Apply the safe fixes, then report what is left
    #[arg(long)]
    pub fix: bool,

    /// Print the fixes as a unified diff instead of applying them (the exit status is the
    /// report's)
    #[arg(long)]
    pub diff: bool,

    /// With `--fix` or `--diff`: the unsafe fixes too
    #[arg(long)]
    pub unsafe_fixes: bool,

    /// With the path `-` (standard input): the name the text is reported under, and where
    /// its modules and parameter files are looked up
    #[arg(long, value_name = "NAME")]
    pub stdin_filename: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Source snippets with the exact span underlined
    Human,
    /// One line per finding: `path:line:col: severity: message [rule]`
    Compact,
    /// The JSON report, version 1
    Json,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF viewers
    Sarif,
    /// GitHub Actions annotations (workflow commands)
    Github,
    /// Azure Pipelines logging commands (`##vso[task.logissue]`)
    AzureDevops,
    /// GitLab Code Quality JSON
    Gitlab,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Info,
    Never,
}
