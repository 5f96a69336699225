//! Logs as the model holds them: what to read ([`request`]), the bounded
//! buffer of sanitised lines a log view shows ([`buffer`]), and plain-words
//! explanations of why a log cannot be read ([`explain`]).

pub mod buffer;
pub mod explain;
pub mod request;
