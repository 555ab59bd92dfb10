//! STUB: replaced by the ARM template expression parser (issue 2).
