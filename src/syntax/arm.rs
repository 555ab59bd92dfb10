//! STUB: replaced by the ARM template model (issue 2).
use super::{json, SyntaxError};

#[derive(Debug)]
pub struct Template {
    pub root: json::Value,
}

#[derive(Debug)]
pub struct ParameterFile {
    pub root: json::Value,
}

impl Template {
    pub fn from_json(_text: &str, root: json::Value, _errors: &mut Vec<SyntaxError>) -> Self {
        Template { root }
    }
}

impl ParameterFile {
    pub fn from_json(_text: &str, root: json::Value, _errors: &mut Vec<SyntaxError>) -> Self {
        ParameterFile { root }
    }
}
