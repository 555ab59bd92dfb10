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
    /// List the rules with their default levels
    Rules,
    /// Print the documentation of a rule
    Explain {
        /// A rule id, e.g. `local-auth-enabled`
        rule: String,
    },
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
