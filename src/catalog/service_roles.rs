//! `rules/service-roles.json`: least-privilege roles per target and intent, overbroad roles,
//! and the operations that list keys.

use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub struct ServiceRoles {
    pub overbroad_roles: Vec<Overbroad>,
    pub key_operations: Vec<KeyOperation>,
    pub targets: Vec<Target>,
}

#[derive(Debug, Deserialize)]
pub struct Overbroad {
    pub id: String,
    pub name: String,
    pub category: String,
    pub reason: String,
    pub alternative: Option<String>,
    pub alternative_ids: Vec<String>,
}

#[derive(Debug, Deserialize)]
pub struct KeyOperation {
    pub operation: String,
    pub roles: Vec<RoleRef>,
}

#[derive(Debug, Deserialize)]
pub struct RoleRef {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Deserialize)]
pub struct Target {
    #[serde(rename = "type")]
    pub type_name: String,
    pub service: String,
    pub sub_service: Option<String>,
    #[serde(rename = "match")]
    pub conditions: Vec<MatchCondition>,
    pub auto_match: bool,
    pub roles: Vec<RoleChoice>,
    pub overbroad: Vec<Overbroad>,
}

#[derive(Debug, Deserialize)]
pub struct MatchCondition {
    pub path: String,
    pub one_of: Vec<String>,
}

#[derive(Debug, Deserialize)]
pub struct RoleChoice {
    pub intent: Intent,
    pub default: bool,
    pub assignment: String,
    pub id: Option<String>,
    pub name: Option<String>,
    pub purpose: Option<String>,
    pub overbroad: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Intent {
    Read,
    Write,
    Inference,
    Admin,
}

impl ServiceRoles {
    pub fn targets_of<'a>(&'a self, type_name: &str) -> impl Iterator<Item = &'a Target> + 'a {
        let type_name = type_name.to_owned();
        self.targets
            .iter()
            .filter(move |t| t.type_name.eq_ignore_ascii_case(&type_name))
    }
}
