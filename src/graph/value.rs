//! Evaluated values.
//!
//! A *value* is what an expression evaluates to before deployment: a literal tree (null, bool,
//! int, string, array, object) or an *unknown* — something only the deployment knows. Every value
//! keeps its *origin*, the place its literal was written, so a role GUID that travelled through a
//! variable, a parameter default, a parameter file or a module argument still points at the text
//! the user typed.
//!
//! Unknowns are not all alike. They say what they are (a resource's id, a property of a resource,
//! a `listKeys()` result, a parameter without a value, the deployment's resource group) and carry
//! two sets that survive string building: the resources they *reference* (so
//! `'https://${openai.name}.openai.azure.com'` still says it uses `openai`) and the *secrets* they
//! contain (so `'AccountKey=${sa.listKeys().keys[0].value}'` is still a key). A string built
//! from known and unknown parts is a *partial* string: its known text stays readable.

use std::borrow::Cow;
use std::sync::Arc;

use crate::fast_hash::FastIndexMap;
use crate::source::{FileId, Span};

/// Where a value's literal was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Origin {
    pub file: FileId,
    pub span: Span,
}

impl Origin {
    pub fn new(file: FileId, span: Span) -> Origin {
        Origin { file, span }
    }
}

/// A resource of the graph, by index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ResourceIndex(pub u32);

#[derive(Debug, Clone, PartialEq)]
pub struct Value {
    pub origin: Origin,
    pub kind: ValueKind,
}

/// An object's members in the order written. Keys are shared with the declaration they were
/// written in (an object is built each time its expression is evaluated, and cloned whenever a
/// function changes it), and hashed with [`FastHasher`]: SipHash was 2 % of a run (issue 9).
pub type Map = FastIndexMap<Arc<str>, Value>;

#[derive(Debug, Clone, PartialEq)]
pub enum ValueKind {
    Null,
    Bool(bool),
    Int(i64),
    /// Shared: most strings are literals of the template, read many times.
    String(Arc<str>),
    Array(Arc<Vec<Value>>),
    /// Keys as written; look them up with [`Value::get`], which ignores letter case as ARM does.
    Object(Arc<Map>),
    /// A string with unknown parts: `'https://${openai.name}.openai.azure.com/'`,
    /// `subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleId)`. The known
    /// pieces keep their own origins, so a GUID inside still points where it was typed.
    Partial(Vec<Segment>),
    /// Shared: a value is cloned each time a variable or parameter is read.
    Unknown(Arc<Unknown>),
}

/// A piece of a [`ValueKind::Partial`] string.
#[derive(Debug, Clone, PartialEq)]
pub enum Segment {
    Text(String, Origin),
    Unknown(Arc<Unknown>),
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Unknown {
    pub kind: UnknownKind,
    /// Resources this value was computed from.
    pub references: Vec<ResourceIndex>,
    /// `listKeys()`-family results this value contains.
    pub secrets: Vec<Secret>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub enum UnknownKind {
    /// A resource itself, as a value: Bicep `openai`, `openai.id`, or ARM `resourceId(…)` naming
    /// a resource of the graph.
    Resource(ResourceIndex),
    /// A property known only after deployment: `openai.properties.endpoint`,
    /// `app.identity.principalId`, `reference(…).x`.
    ResourceProperty {
        resource: ResourceIndex,
        path: Vec<String>,
    },
    /// A `listKeys()`-family result (see [`Secret`]).
    Secret,
    /// A parameter with neither a value nor a default.
    Parameter(String),
    /// `resourceGroup()`, `subscription()`, `tenant()`, `managementGroup()`, `deployment()`.
    Deployment(String),
    /// The result of a function only the deployment can compute (`newGuid()`, `utcNow()`,
    /// `reference()` of something outside the graph, or a known function given unknown arguments).
    /// The function's name: `'static` for the built-in ones, which is almost every call (an
    /// allocation per unknown call was 4 % of a run's allocations, issue 9).
    Call(Cow<'static, str>),
    /// An element of the known object or array written at this origin, picked by a key only
    /// the deployment knows.
    Element(Origin),
    /// Anything else that cannot be known (e.g. a parse error, a registry module's output).
    #[default]
    Opaque,
}

/// A key or connection string read from a resource at deployment time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Secret {
    /// `listKeys`, `listAdminKeys`, `listQueryKeys`, `listConnectionStrings`, `listCredentials`, …
    pub function: String,
    /// Where the call was written.
    pub origin: Origin,
    /// The resource whose keys these are, when it is in the graph.
    pub resource: Option<ResourceIndex>,
    /// The resource type whose keys these are, when known even if the resource is not in the
    /// graph (e.g. from `listKeys(resourceId('Microsoft.Search/searchServices', …), …)`).
    pub resource_type: Option<String>,
}

impl Value {
    pub fn new(origin: Origin, kind: ValueKind) -> Value {
        Value { origin, kind }
    }

    pub fn null(origin: Origin) -> Value {
        Value::new(origin, ValueKind::Null)
    }

    pub fn string(origin: Origin, text: impl Into<Arc<str>>) -> Value {
        Value::new(origin, ValueKind::String(text.into()))
    }

    pub fn unknown(origin: Origin, unknown: Unknown) -> Value {
        Value::new(origin, ValueKind::Unknown(Arc::new(unknown)))
    }

    pub fn opaque(origin: Origin) -> Value {
        Value::unknown(origin, Unknown::default())
    }

    /// The property `key` of an object, ignoring letter case (ARM property names are
    /// case-insensitive).
    pub fn get(&self, key: &str) -> Option<&Value> {
        match &self.kind {
            ValueKind::Object(map) => map.get(key).or_else(|| {
                map.iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(key))
                    .map(|(_, v)| v)
            }),
            _ => None,
        }
    }

    /// Follows a dotted path of object keys: `properties.disableLocalAuth`.
    pub fn path(&self, path: &str) -> Option<&Value> {
        path.split('.').try_fold(self, |value, key| value.get(key))
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            ValueKind::String(text) => Some(text),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match &self.kind {
            ValueKind::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn as_unknown(&self) -> Option<&Unknown> {
        match &self.kind {
            ValueKind::Unknown(unknown) => Some(unknown),
            _ => None,
        }
    }

    /// Whether the value has no unknown part anywhere.
    pub fn is_known(&self) -> bool {
        self.walk()
            .all(|v| !matches!(v.kind, ValueKind::Unknown(_) | ValueKind::Partial(_)))
    }

    /// Every value in this tree, depth first, this one included.
    pub fn walk(&self) -> Walk<'_> {
        Walk { stack: vec![self] }
    }

    /// The resources this value or any part of it references.
    pub fn references(&self) -> impl Iterator<Item = ResourceIndex> + '_ {
        self.unknowns().flat_map(|u| u.references.iter().copied())
    }

    /// The secrets this value or any part of it contains.
    pub fn secrets(&self) -> impl Iterator<Item = &Secret> + '_ {
        self.unknowns().flat_map(|u| u.secrets.iter())
    }

    /// Every unknown in this tree, including the unknown parts of partial strings.
    pub fn unknowns(&self) -> impl Iterator<Item = &Unknown> + '_ {
        self.walk().flat_map(|value| {
            let (whole, parts): (Option<&Unknown>, &[Segment]) = match &value.kind {
                ValueKind::Unknown(unknown) => (Some(unknown), &[]),
                ValueKind::Partial(segments) => (None, segments),
                _ => (None, &[]),
            };
            whole
                .into_iter()
                .chain(parts.iter().filter_map(|segment| match segment {
                    Segment::Unknown(unknown) => Some(&**unknown),
                    Segment::Text(..) => None,
                }))
        })
    }
}

pub struct Walk<'a> {
    stack: Vec<&'a Value>,
}

impl<'a> Iterator for Walk<'a> {
    type Item = &'a Value;

    fn next(&mut self) -> Option<&'a Value> {
        let value = self.stack.pop()?;
        match &value.kind {
            ValueKind::Array(items) => self.stack.extend(items.iter().rev()),
            ValueKind::Object(map) => self.stack.extend(map.values().rev()),
            _ => {}
        }
        Some(value)
    }
}

impl Unknown {
    pub fn of(kind: UnknownKind) -> Unknown {
        Unknown {
            kind,
            ..Unknown::default()
        }
    }

    /// Adds the references and secrets of `value` (anything it was computed from), each once,
    /// in the order [`Value::references`] and [`Value::secrets`] give them.
    pub fn absorb(&mut self, value: &Value) {
        // Every unknown function call absorbs its arguments, most of them scalars or single
        // unknowns: only arrays and objects need a walk.
        match &value.kind {
            ValueKind::Null | ValueKind::Bool(_) | ValueKind::Int(_) | ValueKind::String(_) => {}
            ValueKind::Unknown(unknown) => self.absorb_unknown(unknown),
            ValueKind::Partial(segments) => self.absorb_segments(segments),
            ValueKind::Array(_) | ValueKind::Object(_) => {
                for part in value.walk() {
                    match &part.kind {
                        ValueKind::Unknown(unknown) => self.absorb_unknown(unknown),
                        ValueKind::Partial(segments) => self.absorb_segments(segments),
                        _ => {}
                    }
                }
            }
        }
    }

    fn absorb_segments(&mut self, segments: &[Segment]) {
        for segment in segments {
            if let Segment::Unknown(unknown) = segment {
                self.absorb_unknown(unknown);
            }
        }
    }

    fn absorb_unknown(&mut self, other: &Unknown) {
        for reference in &other.references {
            if !self.references.contains(reference) {
                self.references.push(*reference);
            }
        }
        for secret in &other.secrets {
            if !self.secrets.contains(secret) {
                self.secrets.push(secret.clone());
            }
        }
    }
}
