//! `rules/local-auth.json`: per resource type, the key/local-auth switch, its secure value and
//! what its absence means.

use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub struct LocalAuthTable {
    pub switches: Vec<Switch>,
    pub no_switch: Vec<NoSwitch>,
}

#[derive(Debug, Deserialize)]
pub struct NoSwitch {
    #[serde(rename = "type")]
    pub type_name: String,
}

#[derive(Debug, Deserialize)]
pub struct Switch {
    #[serde(rename = "type")]
    pub type_name: String,
    pub service: String,
    pub ai_service: bool,
    pub kind: SwitchKind,
    pub path: Option<String>,
    pub child: Option<Child>,
    pub secure: Predicate,
    pub absent: Absent,
    pub absent_secure_from_api_version: Option<String>,
    pub requires: Vec<Requirement>,
    pub since_api_version: Option<String>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SwitchKind {
    Switch,
    Companion,
    Informational,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Absent {
    Insecure,
    Secure,
    Unknown,
}

#[derive(Debug, Deserialize)]
pub struct Child {
    #[serde(rename = "type")]
    pub type_name: String,
    pub names: Vec<String>,
    pub path: String,
}

#[derive(Debug, Deserialize)]
pub struct Requirement {
    pub path: String,
    pub secure: Predicate,
    pub absent: Absent,
    pub note: Option<String>,
}

/// What a switch's value must be to be secure.
#[derive(Debug, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Predicate {
    Equals { value: serde_json::Value },
    SubsetOf { values: Vec<serde_json::Value> },
    Absent,
    Present,
}

impl LocalAuthTable {
    /// The switches of a resource type (compared ignoring case, as ARM does).
    pub fn switches_for<'a>(&'a self, type_name: &str) -> impl Iterator<Item = &'a Switch> + 'a {
        let type_name = type_name.to_owned();
        self.switches
            .iter()
            .filter(move |s| s.type_name.eq_ignore_ascii_case(&type_name))
    }
}
