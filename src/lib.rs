//! keyless: lint Azure Bicep and ARM templates for API keys, missing managed identities and
//! wrong role assignments.
pub mod source;
pub mod syntax;
