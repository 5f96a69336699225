//! Label selector strings as kubectl writes them (`a=b,c!=d,e in (f,g),h,!i`),
//! parsed into kube's [`Selector`] so matching uses kube's own rules. Used by the
//! client-side label filter of the Jobs and Pods screens.

use std::collections::BTreeSet;

use kube::core::{Expression, Selector};

/// Parses a selector. Errors name the offending term.
pub fn parse(input: &str) -> Result<Selector, String> {
    let mut selector = Selector::default();
    for term in split_terms(input)? {
        let term = term.trim();
        if term.is_empty() {
            continue;
        }
        selector.extend(std::iter::once(parse_term(term)?));
    }
    Ok(selector)
}

/// Splits on the commas outside parentheses.
fn split_terms(input: &str) -> Result<Vec<&str>, String> {
    let (mut terms, mut depth, mut start) = (Vec::new(), 0i32, 0);
    for (i, c) in input.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                terms.push(&input[start..i]);
                start = i + 1;
            }
            _ => {}
        }
        if !(0..=1).contains(&depth) {
            return Err(format!("unbalanced parentheses in {input:?}"));
        }
    }
    if depth != 0 {
        return Err(format!("unbalanced parentheses in {input:?}"));
    }
    terms.push(&input[start..]);
    Ok(terms)
}

fn parse_term(term: &str) -> Result<Expression, String> {
    if let Some(key) = term.strip_prefix('!') {
        return Ok(Expression::DoesNotExist(key_of(key, term)?));
    }
    for (op, notin) in [(" notin ", true), (" in ", false)] {
        if let Some(pos) = term.find(op) {
            let key = key_of(&term[..pos], term)?;
            let values = set_of(term[pos + op.len()..].trim(), term)?;
            return Ok(if notin { Expression::NotIn(key, values) } else { Expression::In(key, values) });
        }
    }
    for (op, equal) in [("!=", false), ("==", true), ("=", true)] {
        if let Some(pos) = term.find(op) {
            let key = key_of(&term[..pos], term)?;
            let value = term[pos + op.len()..].trim();
            check_value(value, term)?;
            let value = value.to_string();
            return Ok(if equal { Expression::Equal(key, value) } else { Expression::NotEqual(key, value) });
        }
    }
    Ok(Expression::Exists(key_of(term, term)?))
}

fn key_of(key: &str, term: &str) -> Result<String, String> {
    let key = key.trim();
    let valid = !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || "-_./".contains(c));
    if valid { Ok(key.to_string()) } else { Err(format!("bad label key in {term:?}")) }
}

fn check_value(value: &str, term: &str) -> Result<(), String> {
    if value.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)) {
        Ok(())
    } else {
        Err(format!("bad label value in {term:?}"))
    }
}

fn set_of(list: &str, term: &str) -> Result<BTreeSet<String>, String> {
    let inner = list
        .strip_prefix('(')
        .and_then(|l| l.strip_suffix(')'))
        .ok_or_else(|| format!("expected (a,b) in {term:?}"))?;
    let mut values = BTreeSet::new();
    for v in inner.split(',').map(str::trim) {
        check_value(v, term)?;
        values.insert(v.to_string());
    }
    Ok(values)
}

#[cfg(test)]
mod tests {
    use super::*;
    use kube::core::SelectorExt;
    use std::collections::BTreeMap;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn parses_every_operator() {
        let s = parse("jobgroup=jobexample, tier!=db, env in (a, b),app,!debug").unwrap();
        assert_eq!(s.to_string(), "jobgroup=jobexample,tier!=db,env in (a,b),app,!debug");
        let l = labels(&[("jobgroup", "jobexample"), ("env", "b"), ("app", "x")]);
        assert!(s.matches(&l));
        assert!(!s.matches(&labels(&[("jobgroup", "jobexample"), ("env", "c"), ("app", "x")])));
    }

    #[test]
    fn notin_and_double_equals() {
        let s = parse("a notin (x,y),b==1").unwrap();
        assert!(s.matches(&labels(&[("a", "z"), ("b", "1")])));
        assert!(!s.matches(&labels(&[("a", "x"), ("b", "1")])));
    }

    #[test]
    fn rejects_garbage_with_a_message() {
        assert!(parse("a in (b").unwrap_err().contains("parentheses"));
        assert!(parse("=b").unwrap_err().contains("bad label key"));
        assert!(parse("a=b c").unwrap_err().contains("bad label value"));
        assert!(parse("").unwrap().selects_all());
    }

    proptest::proptest! {
        /// Any text parses or is refused with a message, never a panic (the
        /// fuzz target label_selector goes further in `make fuzz`), and what
        /// parses prints back as a selector that parses the same.
        #[test]
        fn any_text_parses_or_is_refused(text in "[a-z0-9=!,() .\\-_/]{0,40}|\\PC{0,40}") {
            if let Ok(selector) = parse(&text) {
                let again = parse(&selector.to_string()).expect("a printed selector parses");
                proptest::prop_assert_eq!(again.to_string(), selector.to_string());
            }
        }
    }
}
