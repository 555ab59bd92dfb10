#![doc = include_str!("../../rules/docs/key-in-config.md")]

use super::{Context, Finding, Rule};
use crate::config::Level;
use crate::graph::edges::EdgeKind;

pub static RULE: Rule = Rule {
    id: "key-in-config",
    summary: "a `listKeys()`-family result reaching app settings, env, secrets, Key Vault secrets or outputs",
    default_level: Level::Error,
    since: "0.1.0",
    doc: include_str!("../../rules/docs/key-in-config.md"),
    check,
};

fn check(cx: &Context) -> Vec<Finding> {
    let mut findings = Vec::new();
    for edge in cx.edges {
        let EdgeKind::LeaksKey {
            secret,
            into,
            holder,
            at,
        } = &edge.kind
        else {
            continue;
        };
        let resource_type = secret.resource_type.as_deref();
        let ai = resource_type
            .is_some_and(|t| cx.catalog.local_auth.switches_for(t).any(|s| s.ai_service));
        let whose = match (secret.resource, resource_type) {
            (Some(resource), _) => format!("of `{}` ", cx.graph.resource(resource).display_name()),
            (None, Some(t)) => format!("of a `{t}` "),
            (None, None) => String::new(),
        };
        let message = format!("`{}()` puts a key {whose}into {into}", secret.function);
        let mut finding = Finding::new(secret.origin, message)
            .help("give the app a managed identity and a data-plane role, and turn key auth off")
            .level(if ai { Level::Error } else { Level::Warning });
        // Where the key ends up: the resource that holds it, or the output.
        let landing = holder.map_or(*at, |h| cx.graph.resource(h).anchor);
        if landing != secret.origin {
            finding = finding.related(landing, format!("the key ends up in {into}"));
        }
        if let Some(resource) = secret.resource {
            finding = finding.resource(resource);
        }
        findings.push(finding);
    }
    findings
}
