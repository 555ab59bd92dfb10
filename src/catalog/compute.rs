//! `rules/compute.json`: compute and host types and where their managed identity lives.

use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub struct ComputeTable {
    pub hosts: Vec<Host>,
}

#[derive(Debug, Deserialize)]
pub struct Host {
    #[serde(rename = "type")]
    pub type_name: String,
    pub service: String,
    /// Runs application code (so `missing-managed-identity` checks it).
    pub workload: bool,
    pub identity_path: String,
    pub identity_types: Vec<String>,
    pub none_value: bool,
    pub system_assigned: bool,
    pub user_assigned: bool,
    pub combined_value: Option<String>,
}

impl ComputeTable {
    pub fn host(&self, type_name: &str) -> Option<&Host> {
        self.hosts
            .iter()
            .find(|h| h.type_name.eq_ignore_ascii_case(type_name))
    }
}
