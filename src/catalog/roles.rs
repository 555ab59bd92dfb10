//! `rules/roles.json`: every Azure built-in role by GUID and by name (current and former names),
//! with its actions and data actions; the Cosmos DB native data-plane roles; and the roles that
//! were removed.
//!
//! A role *grants on* a resource provider when one of its actions or data actions matches an
//! operation of that provider (`*`, `*/read`, `Microsoft.Search/*`, …) and is not taken back by
//! a not-action. *Extra* roles are custom roles known from elsewhere (a `roleDefinitions`
//! resource of the graph, the `customRoles` of the configuration): the rules pass their GUIDs
//! in, the table does not hold them.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::OnceLock;

use serde::Deserialize;

use crate::fast_hash::FastSet;

#[derive(Debug, Deserialize)]
pub struct RoleTable {
    pub roles: Vec<Role>,
    pub cosmos_sql_data_plane_roles: Vec<CosmosRole>,
    pub removed_roles: Vec<RemovedRole>,
}

#[derive(Debug, Deserialize)]
pub struct Role {
    /// Lower-case GUID.
    pub id: String,
    pub name: String,
    pub former_names: Vec<String>,
    pub description: String,
    pub actions: Vec<String>,
    pub not_actions: Vec<String>,
    pub data_actions: Vec<String>,
    pub not_data_actions: Vec<String>,
    pub deprecated: bool,
    pub supplemental: bool,
}

impl Role {
    /// The current name, then the former names.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.name.as_str()).chain(self.former_names.iter().map(String::as_str))
    }
}

#[derive(Debug, Deserialize)]
pub struct CosmosRole {
    pub id: String,
    pub name: String,
    pub data_actions: Vec<String>,
    pub valid_for: Vec<String>,
}

#[derive(Debug, Deserialize)]
pub struct RemovedRole {
    pub id: String,
    pub last_name: String,
    pub last_seen: String,
}

/// The role table with its lookups.
pub struct Roles {
    pub table: RoleTable,
    by_id: HashMap<String, usize>,
    /// Compact name (see [`compact`]) → role, current names first, then former names.
    by_name: HashMap<String, (usize, bool)>,
    /// Every role's compact names (current and former) written backwards, sorted, with the
    /// role's index: the names ending with a suffix are one run of it. Made on first use.
    reversed_names: OnceLock<Vec<(String, usize)>>,
    /// Every role's names of two words or more as [`spaced_words`], by role index; made on
    /// first use (only templates with role descriptions or comments need them).
    spaced_names: OnceLock<Vec<Vec<String>>>,
}

/// A role found by name.
#[derive(Debug, Clone, Copy)]
pub struct NameMatch<'r> {
    pub role: &'r Role,
    /// The name matched is a former name of the role.
    pub former: bool,
}

impl Roles {
    pub fn new(table: RoleTable) -> Roles {
        // Sized up front: growing two maps of ~800 roles was a third of building the catalog,
        // which every run pays (issue 9, the pre-commit case).
        let mut by_id = HashMap::with_capacity(table.roles.len());
        let mut by_name = HashMap::with_capacity(table.roles.len() * 2);
        for (index, role) in table.roles.iter().enumerate() {
            by_id.insert(role.id.to_ascii_lowercase(), index);
            by_name.entry(compact(&role.name)).or_insert((index, false));
        }
        for (index, role) in table.roles.iter().enumerate() {
            for former in &role.former_names {
                by_name.entry(compact(former)).or_insert((index, true));
            }
        }
        Roles {
            table,
            by_id,
            by_name,
            reversed_names: OnceLock::new(),
            spaced_names: OnceLock::new(),
        }
    }

    /// The roles whose name or a former name of two words or more, as [`spaced_words`], is
    /// in `text` (itself [`spaced_words`]).
    pub fn mentioned_in(&self, text: &str) -> Vec<&Role> {
        let spaced = self.spaced_names.get_or_init(|| {
            self.table
                .roles
                .iter()
                .map(|role| {
                    role.names()
                        .map(spaced_words)
                        .filter(|words| words.trim().contains(' '))
                        .collect()
                })
                .collect()
        });
        // A name is in the text only if its first word is one of the text's words: a set of
        // those spares a search of the whole text for each of the thousand names.
        let words: FastSet<&str> = text.split_whitespace().collect();
        self.table
            .roles
            .iter()
            .zip(spaced)
            .filter(|(_, names)| {
                (names.iter())
                    .any(|name| words.contains(first_word(name)) && text.contains(name.as_str()))
            })
            .map(|(role, _)| role)
            .collect()
    }

    /// The one role whose name or a former name, made compact, ends with `suffix` (a compact
    /// name such as `openaiuser`); `None` when no role or several do.
    pub fn only_one_ending_with(&self, suffix: &str) -> Option<&Role> {
        // A binary search, where a scan of every name was half a per cent of a run over AVM.
        let reversed = self.reversed_names.get_or_init(|| {
            let mut names: Vec<(String, usize)> = (self.table.roles.iter().enumerate())
                .flat_map(|(index, role)| {
                    role.names()
                        .map(move |name| (compact(name).chars().rev().collect(), index))
                })
                .collect();
            names.sort_unstable();
            names
        });
        let wanted: String = suffix.chars().rev().collect();
        let from = reversed.partition_point(|(name, _)| name.as_str() < wanted.as_str());
        let mut matching = reversed[from..]
            .iter()
            .take_while(|(name, _)| name.starts_with(&wanted))
            .map(|&(_, index)| index);
        let first = matching.next()?;
        // A role whose current and former names both match counts once.
        matching
            .all(|index| index == first)
            .then(|| &self.table.roles[first])
    }

    /// The built-in role with this GUID (any letter case).
    pub fn by_id(&self, id: &str) -> Option<&Role> {
        self.by_id
            .get(&id.to_ascii_lowercase())
            .map(|&i| &self.table.roles[i])
    }

    /// The built-in role with this name or former name, compared ignoring case, spaces and
    /// punctuation (`Storage Blob Data Reader`, `storageBlobDataReader`).
    pub fn by_name(&self, name: &str) -> Option<NameMatch<'_>> {
        self.by_name
            .get(&compact(name))
            .map(|&(i, former)| NameMatch {
                role: &self.table.roles[i],
                former,
            })
    }

    pub fn cosmos(&self, id: &str) -> Option<&CosmosRole> {
        self.table
            .cosmos_sql_data_plane_roles
            .iter()
            .find(|r| r.id.eq_ignore_ascii_case(id))
    }

    pub fn removed(&self, id: &str) -> Option<&RemovedRole> {
        self.table
            .removed_roles
            .iter()
            .find(|r| r.id.eq_ignore_ascii_case(id))
    }

    /// Whether `id` names a role: built-in, or one of `extra` (custom roles).
    pub fn is_known(&self, id: &str, extra: &[String]) -> bool {
        self.by_id(id).is_some() || extra.iter().any(|e| e.eq_ignore_ascii_case(id))
    }

    /// The built-in roles whose GUID is nearest to `id` (edit distance at most 4), best first.
    pub fn nearest_ids(&self, id: &str, limit: usize) -> Vec<&Role> {
        let id = id.to_ascii_lowercase();
        let mut scored: Vec<(usize, &Role)> = self
            .table
            .roles
            .iter()
            .map(|role| (edit_distance(&id, &role.id), role))
            .filter(|(d, _)| *d <= 4)
            .collect();
        scored.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.name.cmp(&b.1.name)));
        scored.into_iter().take(limit).map(|(_, r)| r).collect()
    }

    /// The built-in roles whose name is nearest to `name` (a close edit distance on the compact
    /// form, or containing it), best first.
    pub fn nearest_names(&self, name: &str, limit: usize) -> Vec<&Role> {
        let wanted = compact(name);
        if wanted.is_empty() {
            return Vec::new();
        }
        let allowed = (wanted.len() / 5).max(1);
        let mut scored: Vec<(usize, &Role)> = self
            .table
            .roles
            .iter()
            .filter(|role| !role.deprecated)
            .filter_map(|role| {
                let have = compact(&role.name);
                let distance = edit_distance(&wanted, &have);
                if distance <= allowed {
                    Some((distance, role))
                } else if have.contains(&wanted) && wanted.len() >= 6 {
                    Some((allowed + 1 + have.len() - wanted.len(), role))
                } else {
                    None
                }
            })
            .collect();
        scored.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.name.cmp(&b.1.name)));
        scored.into_iter().take(limit).map(|(_, r)| r).collect()
    }

    /// The built-in roles with an action or data action matching `operation`
    /// (`Microsoft.Search/searchServices/indexes/documents/read`), or whose patterns contain the
    /// text.
    pub fn granting(&self, operation: &str) -> Vec<&Role> {
        let lower = operation.to_ascii_lowercase();
        self.table
            .roles
            .iter()
            .filter(|role| {
                role.actions.iter().chain(&role.data_actions).any(|p| {
                    matches_operation(p, operation) || p.to_ascii_lowercase().contains(&lower)
                })
            })
            .collect()
    }
}

impl Role {
    /// Whether the role grants any action or data action on resource provider `provider`
    /// (`Microsoft.CognitiveServices`), not-actions respected.
    pub fn grants_on(&self, provider: &str) -> bool {
        grants(&self.actions, &self.not_actions, provider)
            || grants(&self.data_actions, &self.not_data_actions, provider)
    }

    /// Whether the role grants a data action on `provider`.
    pub fn grants_data_on(&self, provider: &str) -> bool {
        grants(&self.data_actions, &self.not_data_actions, provider)
    }

    /// Whether the role has `*` among its actions (Owner, Contributor, and roles like them).
    pub fn is_wildcard(&self) -> bool {
        self.actions.iter().any(|a| a == "*")
    }

    /// Whether an action of the role performs `operation`, not-actions respected.
    pub fn performs(&self, operation: &str) -> bool {
        self.actions.iter().any(|a| matches_operation(a, operation))
            && !self
                .not_actions
                .iter()
                .any(|n| matches_operation(n, operation))
    }
}

/// Whether one of `granted`, less `denied`, is an operation of `provider`.
fn grants(granted: &[String], denied: &[String], provider: &str) -> bool {
    granted.iter().any(|pattern| {
        let (head, _) = pattern.split_once('/').unwrap_or((pattern, ""));
        let on_provider = head == "*" || head.eq_ignore_ascii_case(provider);
        on_provider && !denied.iter().any(|n| covers(n, pattern))
    })
}

/// Whether not-action `denied` takes back everything `granted` grants.
fn covers(denied: &str, granted: &str) -> bool {
    if denied.eq_ignore_ascii_case(granted) {
        return true;
    }
    match denied.strip_suffix('*') {
        Some(prefix) => granted
            .to_ascii_lowercase()
            .starts_with(&prefix.to_ascii_lowercase()),
        None => false,
    }
}

/// Whether an action pattern (`Microsoft.Storage/*/read`, `*`) matches an operation; `*`
/// matches any run of characters, letter case is ignored.
pub fn matches_operation(pattern: &str, operation: &str) -> bool {
    fn go(p: &[u8], o: &[u8]) -> bool {
        match p.split_first() {
            None => o.is_empty(),
            Some((b'*', rest)) => (0..=o.len()).any(|i| go(rest, &o[i..])),
            Some((c, rest)) => o
                .split_first()
                .is_some_and(|(d, tail)| c.eq_ignore_ascii_case(d) && go(rest, tail)),
        }
    }
    go(pattern.as_bytes(), operation.as_bytes())
}

/// A name reduced to lower-case letters and digits: `Storage Blob Data Reader`,
/// `storage-blob-data-reader` and `storageBlobDataReader` all become `storageblobdatareader`.
pub fn compact(name: &str) -> String {
    name.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// The first word of a text.
fn first_word(text: &str) -> &str {
    text.split_whitespace().next().unwrap_or_default()
}

/// `name` as lower-case ASCII words between single spaces, with a space before and after
/// (`Storage Blob Data-Reader` → ` storage blob data reader `), so that one name is found in
/// a text as whole words.
pub fn spaced_words(name: &str) -> String {
    let spaced: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                ' '
            }
        })
        .collect();
    format!(
        " {} ",
        spaced.split_whitespace().collect::<Vec<_>>().join(" ")
    )
}

/// Levenshtein distance over bytes.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for (i, x) in a.iter().enumerate() {
        current[0] = i + 1;
        for (j, y) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(x != y);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

/// Whether `text` has the shape of a GUID (`8-4-4-4-12` hex digits).
pub fn is_guid(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// `keyless roles [QUERY]`: the roles matching a name (forgiving: case, spaces and punctuation
/// ignored, every word of the query must appear), a GUID (or its start), or an operation
/// (`Microsoft.CognitiveServices/accounts/OpenAI/*`), as a table of name, GUID and a note.
pub fn render_query(query: Option<&str>) -> String {
    let roles = &crate::catalog::Catalog::builtin().roles;
    let query = query.map(str::trim).filter(|q| !q.is_empty());
    let mut rows: Vec<(String, String, String)> = Vec::new();
    let note = |role: &Role, extra: &str| {
        let mut notes = Vec::new();
        if role.deprecated {
            notes.push("deprecated".to_owned());
        }
        if !role.former_names.is_empty() {
            notes.push(format!("formerly {}", role.former_names.join(", ")));
        }
        if role.data_actions.is_empty() {
            notes.push("control plane".to_owned());
        } else {
            notes.push("data plane".to_owned());
        }
        if !extra.is_empty() {
            notes.push(extra.to_owned());
        }
        notes.join("; ")
    };
    match query {
        None => {
            for role in &roles.table.roles {
                rows.push((role.name.clone(), role.id.clone(), note(role, "")));
            }
        }
        Some(query) => {
            let lower = query.to_ascii_lowercase();
            let hexish =
                lower.len() >= 4 && lower.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-');
            if hexish {
                for role in roles
                    .table
                    .roles
                    .iter()
                    .filter(|r| r.id.starts_with(&lower))
                {
                    rows.push((role.name.clone(), role.id.clone(), note(role, "")));
                }
                for role in roles
                    .table
                    .cosmos_sql_data_plane_roles
                    .iter()
                    .filter(|r| r.id.starts_with(&lower))
                {
                    rows.push((
                        role.name.clone(),
                        role.id.clone(),
                        "Cosmos DB data plane: only in sqlRoleAssignments".to_owned(),
                    ));
                }
                for role in roles
                    .table
                    .removed_roles
                    .iter()
                    .filter(|r| r.id.starts_with(&lower))
                {
                    rows.push((
                        role.last_name.clone(),
                        role.id.clone(),
                        format!("removed (last seen {})", role.last_seen),
                    ));
                }
                if rows.is_empty() && is_guid(&lower) {
                    for role in roles.nearest_ids(&lower, 3) {
                        rows.push((
                            role.name.clone(),
                            role.id.clone(),
                            note(role, "nearest GUID"),
                        ));
                    }
                }
            } else if query.contains('/') {
                for role in roles.granting(query) {
                    rows.push((role.name.clone(), role.id.clone(), note(role, "")));
                }
            } else {
                let words: Vec<String> = query
                    .split(|c: char| !c.is_ascii_alphanumeric())
                    .map(compact)
                    .filter(|w| !w.is_empty())
                    .collect();
                for role in &roles.table.roles {
                    let hit = role
                        .names()
                        .map(compact)
                        .any(|name| words.iter().all(|w| name.contains(w.as_str())));
                    if hit {
                        rows.push((role.name.clone(), role.id.clone(), note(role, "")));
                    }
                }
                // One word that names no role: an operation (`listKeys`, `OpenAI`).
                if rows.is_empty() && words.len() == 1 {
                    for role in &roles.table.roles {
                        let grants = role
                            .actions
                            .iter()
                            .chain(&role.data_actions)
                            .find(|action| action.to_ascii_lowercase().contains(&lower));
                        if let Some(action) = grants {
                            rows.push((role.name.clone(), role.id.clone(), note(role, action)));
                        }
                    }
                }
                if rows.is_empty() {
                    for role in roles.nearest_names(query, 5) {
                        rows.push((
                            role.name.clone(),
                            role.id.clone(),
                            note(role, "similar name"),
                        ));
                    }
                }
            }
        }
    }
    if rows.is_empty() {
        return format!("no role matches `{}`\n", query.unwrap_or_default());
    }
    let width = rows
        .iter()
        .map(|r| r.0.chars().count())
        .max()
        .unwrap_or(4)
        .max(4);
    let mut out = String::new();
    let _ = writeln!(out, "{:<width$}  {:<36}  NOTE", "NAME", "GUID");
    for (name, id, note) in rows {
        let _ = writeln!(out, "{name:<width$}  {id:<36}  {note}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;

    #[test]
    fn lookups() {
        let roles = &Catalog::builtin().roles;
        let user = roles.by_id("5E0BD9BD-7B93-4F28-AF87-19FC36AD61BD").unwrap();
        assert_eq!(user.name, "Cognitive Services OpenAI User");
        assert!(roles.by_name("cognitiveServicesOpenAIUser").is_some());
        assert!(roles.by_name("storage-blob-data-reader").is_some());
        assert!(user.grants_on("Microsoft.CognitiveServices"));
        assert!(!user.grants_on("Microsoft.Search"));
        let reader = roles.by_name("Search Index Data Reader").unwrap().role;
        assert!(!reader.grants_on("Microsoft.CognitiveServices"));
        assert!(roles
            .by_name("Reader")
            .unwrap()
            .role
            .grants_on("Microsoft.Search"));
        assert!(roles
            .cosmos("00000000-0000-0000-0000-000000000002")
            .is_some());
        assert_eq!(
            roles.nearest_ids("5e0bd9bd-7b93-4f28-af87-19fc36ad61bx", 1)[0].id,
            user.id
        );
        assert!(matches_operation(
            "Microsoft.Storage/*/read",
            "microsoft.storage/storageAccounts/read"
        ));
        assert!(is_guid("5e0bd9bd-7b93-4f28-af87-19fc36ad61bd"));
        assert!(!is_guid("5e0bd9bd-7b93-4f28-af87-19fc36ad61b"));
    }

    #[test]
    fn the_one_role_ending_with_a_suffix_is_found_as_a_scan_finds_it() {
        let roles = &Catalog::builtin().roles;
        let compact_names: Vec<(&str, Vec<String>)> = (roles.table.roles.iter())
            .map(|role| (role.id.as_str(), role.names().map(compact).collect()))
            .collect();
        let scan = |suffix: &str| {
            let mut matching = (compact_names.iter())
                .filter(|(_, names)| names.iter().any(|n| n.ends_with(suffix)));
            let first = matching.next()?;
            matching.next().is_none().then_some(first.0)
        };
        assert_eq!(
            roles
                .only_one_ending_with("openaiuser")
                .map(|r| r.name.as_str()),
            Some("Cognitive Services OpenAI User")
        );
        assert!(roles.only_one_ending_with("reader").is_none());
        assert!(roles.only_one_ending_with("notaroleanywhere").is_none());
        let mut found = 0;
        for role in roles.table.roles.iter().step_by(3) {
            for name in role.names().map(compact) {
                for at in (0..name.len()).step_by(2) {
                    let suffix = &name[at..];
                    let fast = roles.only_one_ending_with(suffix).map(|r| r.id.as_str());
                    assert_eq!(fast, scan(suffix), "suffix {suffix}");
                    found += usize::from(fast.is_some());
                }
            }
        }
        assert!(found > 100, "only {found} suffixes name one role");
    }

    #[test]
    fn roles_mentioned_in_a_text_are_those_a_search_for_each_name_finds() {
        let roles = &Catalog::builtin().roles;
        let search = |text: &str| -> Vec<&str> {
            (roles.table.roles.iter())
                .filter(|role| {
                    (role.names().map(spaced_words))
                        .any(|name| name.trim().contains(' ') && text.contains(&name))
                })
                .map(|role| role.name.as_str())
                .collect()
        };
        let texts = [
            "Grants the Storage Blob Data Reader role to the web app",
            "cognitiveServicesOpenAIUser: Cognitive Services OpenAI User, and Search Index Data Reader",
            "Storage account contributor for the storage blob data owner",
            "storage blob nothing else",
            "",
            "reader",
        ];
        for text in texts {
            let text = spaced_words(text);
            let found: Vec<&str> = (roles.mentioned_in(&text).into_iter())
                .map(|role| role.name.as_str())
                .collect();
            assert_eq!(found, search(&text), "{text}");
        }
        let text = spaced_words("the Storage Blob Data Reader role");
        assert!(roles
            .mentioned_in(&text)
            .iter()
            .any(|role| role.name == "Storage Blob Data Reader"));
        assert!(roles.mentioned_in(&spaced_words("storage blob")).is_empty());
    }

    #[test]
    fn query_finds_by_name_guid_and_operation() {
        assert!(render_query(Some("openai user")).contains("5e0bd9bd-7b93-4f28-af87-19fc36ad61bd"));
        assert!(render_query(Some("5e0bd9bd")).contains("Cognitive Services OpenAI User"));
        assert!(render_query(Some(
            "Microsoft.Search/searchServices/indexes/documents/read"
        ))
        .contains("Search Index Data Reader"));
        assert!(render_query(Some("zzzzqqq")).starts_with("no role matches"));
    }
}
