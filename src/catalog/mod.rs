//! Typed views over the data tables in `rules/` (see `rules/README.md`), parsed once and
//! checked by tests. Rules ask the catalog; they never spell resource types or property paths
//! themselves.

pub mod compute;
pub mod local_auth;
pub mod roles;
pub mod service_roles;

use std::sync::OnceLock;

use crate::graph::edges::Kinds;

pub struct Catalog {
    pub roles: roles::Roles,
    pub local_auth: local_auth::LocalAuthTable,
    pub compute: compute::ComputeTable,
    pub service_roles: service_roles::ServiceRoles,
}

impl Catalog {
    /// The catalog built into the binary. The tables are compiled in, so a table that does
    /// not parse is a bug caught by the test suite, never a user-facing failure.
    pub fn builtin() -> &'static Catalog {
        static CATALOG: OnceLock<Catalog> = OnceLock::new();
        CATALOG.get_or_init(|| Catalog {
            roles: roles::Roles::new(parse("roles.json", include_str!("../../rules/roles.json"))),
            local_auth: parse(
                "local-auth.json",
                include_str!("../../rules/local-auth.json"),
            ),
            compute: parse("compute.json", include_str!("../../rules/compute.json")),
            service_roles: parse(
                "service-roles.json",
                include_str!("../../rules/service-roles.json"),
            ),
        })
    }
}

fn parse<T: serde::de::DeserializeOwned>(name: &str, text: &str) -> T {
    match serde_json::from_str(text) {
        Ok(table) => table,
        // The tables are part of the binary and covered by tests; reaching this is a build bug.
        Err(err) => panic!("rules/{name} does not match its schema: {err}"),
    }
}

impl Kinds for Catalog {
    fn is_compute(&self, type_name: &str) -> bool {
        self.compute
            .host(type_name)
            .is_some_and(|host| host.workload)
    }

    fn is_target(&self, type_name: &str) -> bool {
        self.service_roles.targets_of(type_name).next().is_some()
            || self.local_auth.switches_for(type_name).next().is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_load() {
        let catalog = Catalog::builtin();
        assert!(catalog.local_auth.switches.len() >= 25);
        assert!(catalog.compute.host("microsoft.web/SITES").is_some());
        assert!(catalog.is_target("Microsoft.CognitiveServices/accounts"));
        assert!(catalog.is_compute("Microsoft.App/containerApps"));
        assert!(!catalog.is_compute("Microsoft.Storage/storageAccounts"));
    }
}
