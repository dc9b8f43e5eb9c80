//! The ECS cluster query language, as far as ecsd evaluates it: `attribute:<name>` subjects
//! with `==`/`equals`, `!=`/`not_equals`, `exists`, `!exists`, `in [..]` and `!in [..]`,
//! combined with `&&`/`and`, `||`/`or`, `!`/`not` and parentheses. Anything else is refused
//! with the part ecsd does not support named.
//!
//! Input is bounded before any work: at most `MAX_EXPRESSION_LEN` characters and
//! `MAX_EXPRESSION_DEPTH` levels of parentheses and negation, and `and`/`or` chains are flat
//! lists, so neither parsing, evaluating nor dropping an expression can exhaust the stack.

use crate::model::limits::{MAX_EXPRESSION_DEPTH, MAX_EXPRESSION_LEN};
use std::collections::BTreeMap;

/// How much of a refused expression its error repeats.
const SHOWN_CHARS: usize = 80;

/// Why an expression was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("filter {expression:?}: {reason}")]
pub struct FilterError {
    /// The expression, cut to its first `SHOWN_CHARS` characters (and `…`) when longer.
    pub expression: String,
    /// What is wrong with it.
    pub reason: String,
}

/// A parsed expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Filter {
    /// Every part holds.
    All(Vec<Filter>),
    /// At least one part holds.
    Any(Vec<Filter>),
    /// The inner expression does not hold.
    Not(Box<Filter>),
    /// The attribute is set (with or without a value).
    Exists(String),
    /// The attribute has exactly one of these values.
    In(String, Vec<String>),
}

impl Filter {
    /// Whether an instance with these attributes (name → optional value) matches; recursion
    /// is as deep as the expression's nesting, which `parse` bounds.
    pub fn matches(&self, attributes: &BTreeMap<String, Option<String>>) -> bool {
        match self {
            Filter::All(parts) => parts.iter().all(|p| p.matches(attributes)),
            Filter::Any(parts) => parts.iter().any(|p| p.matches(attributes)),
            Filter::Not(inner) => !inner.matches(attributes),
            Filter::Exists(name) => attributes.contains_key(name),
            Filter::In(name, values) => attributes
                .get(name)
                .and_then(Option::as_deref)
                .is_some_and(|v| values.iter().any(|w| w == v)),
        }
    }
}

/// Parses an expression of the cluster query language.
pub fn parse(expression: &str) -> Result<Filter, FilterError> {
    let fail = |reason: String| FilterError {
        expression: shown(expression),
        reason,
    };
    let length = expression.chars().count();
    if length > MAX_EXPRESSION_LEN {
        return Err(fail(format!(
            "expression is {length} characters; at most {MAX_EXPRESSION_LEN} are allowed"
        )));
    }
    let tokens = tokenize(expression);
    let mut parser = Parser {
        tokens,
        at: 0,
        depth: 0,
    };
    let filter = parser.or().map_err(fail)?;
    match parser.next() {
        None => Ok(filter),
        Some(extra) => Err(fail(format!("unexpected {extra:?}"))),
    }
}

/// The start of `expression`, for an error message.
fn shown(expression: &str) -> String {
    match expression.char_indices().nth(SHOWN_CHARS) {
        Some((cut, _)) => format!("{}…", &expression[..cut]),
        None => expression.to_string(),
    }
}

/// Splits on whitespace and the language's punctuation; `!exists`/`!in` stay one token.
fn tokenize(text: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
        } else if "()[],".contains(c) {
            tokens.push(c.to_string());
            chars.next();
        } else if "=!<>&|~".contains(c) {
            let mut symbol = String::new();
            while let Some(&s) = chars.peek().filter(|s| "=!<>&|~".contains(**s)) {
                symbol.push(s);
                chars.next();
            }
            tokens.push(symbol);
        } else {
            let mut word = String::new();
            while let Some(&w) = chars
                .peek()
                .filter(|w| !w.is_whitespace() && !"()[],=!<>&|~".contains(**w))
            {
                word.push(w);
                chars.next();
            }
            match tokens.last().map(String::as_str) {
                Some("!") if word == "exists" || word == "in" => {
                    tokens.pop();
                    tokens.push(format!("!{word}"));
                }
                _ => tokens.push(word),
            }
        }
    }
    tokens
}

struct Parser {
    tokens: Vec<String>,
    at: usize,
    /// Parentheses and negations open around the current token.
    depth: usize,
}

impl Parser {
    fn peek(&self) -> Option<&str> {
        self.tokens.get(self.at).map(String::as_str)
    }

    fn next(&mut self) -> Option<String> {
        let token = self.tokens.get(self.at).cloned();
        self.at += 1;
        token
    }

    fn expect(&mut self, wanted: &str) -> Result<(), String> {
        match self.next() {
            Some(t) if t == wanted => Ok(()),
            Some(t) => Err(format!("expected {wanted:?}, found {t:?}")),
            None => Err(format!("expected {wanted:?} at the end")),
        }
    }

    fn or(&mut self) -> Result<Filter, String> {
        let mut parts = vec![self.and()?];
        while matches!(self.peek(), Some("||" | "or")) {
            self.next();
            parts.push(self.and()?);
        }
        Ok(flatten(parts, Filter::Any))
    }

    fn and(&mut self) -> Result<Filter, String> {
        let mut parts = vec![self.unary()?];
        while matches!(self.peek(), Some("&&" | "and")) {
            self.next();
            parts.push(self.unary()?);
        }
        Ok(flatten(parts, Filter::All))
    }

    fn unary(&mut self) -> Result<Filter, String> {
        match self.peek() {
            Some("!" | "not") => {
                self.next();
                let inner = self.nested(Self::unary)?;
                Ok(Filter::Not(Box::new(inner)))
            }
            Some("(") => {
                self.next();
                let inner = self.nested(Self::or)?;
                self.expect(")")?;
                Ok(inner)
            }
            _ => self.condition(),
        }
    }

    /// Parses one level deeper with `inner`, refusing to go past `MAX_EXPRESSION_DEPTH`.
    fn nested(&mut self, inner: fn(&mut Self) -> Result<Filter, String>) -> Result<Filter, String> {
        if self.depth >= MAX_EXPRESSION_DEPTH {
            return Err(format!(
                "parentheses and negations nest more than {MAX_EXPRESSION_DEPTH} levels deep"
            ));
        }
        self.depth += 1;
        let parsed = inner(self);
        self.depth -= 1;
        parsed
    }

    fn condition(&mut self) -> Result<Filter, String> {
        let subject = self
            .next()
            .ok_or("expected a subject such as attribute:ecs.os-type")?;
        let Some(name) = subject.strip_prefix("attribute:").filter(|n| !n.is_empty()) else {
            return Err(format!(
                "subject {subject:?} is not supported by ecsd (only attribute:<name>)"
            ));
        };
        let name = name.to_string();
        let operator = self
            .next()
            .ok_or(format!("expected an operator after {subject}"))?;
        let condition = match operator.as_str() {
            "exists" => Filter::Exists(name),
            "!exists" => Filter::Not(Box::new(Filter::Exists(name))),
            "==" | "equals" => Filter::In(name, vec![self.value()?]),
            "!=" | "not_equals" => Filter::Not(Box::new(Filter::In(name, vec![self.value()?]))),
            "in" => Filter::In(name, self.list()?),
            "!in" => Filter::Not(Box::new(Filter::In(name, self.list()?))),
            other => {
                return Err(format!(
                    "operator {other:?} is not supported by ecsd (==, !=, exists, !exists, in, !in)"
                ));
            }
        };
        Ok(condition)
    }

    fn value(&mut self) -> Result<String, String> {
        match self.next() {
            Some(v) if !"()[],".contains(v.as_str()) && !v.starts_with(['=', '!', '&', '|']) => Ok(v),
            Some(v) => Err(format!("expected a value, found {v:?}")),
            None => Err("expected a value at the end".into()),
        }
    }

    fn list(&mut self) -> Result<Vec<String>, String> {
        self.expect("[")?;
        let mut values = vec![self.value()?];
        while self.peek() == Some(",") {
            self.next();
            values.push(self.value()?);
        }
        self.expect("]")?;
        Ok(values)
    }
}

/// One part as itself, several as the list `combine` makes.
fn flatten(mut parts: Vec<Filter>, combine: fn(Vec<Filter>) -> Filter) -> Filter {
    if parts.len() == 1
        && let Some(only) = parts.pop()
    {
        return only;
    }
    combine(parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attrs(pairs: &[(&str, Option<&str>)]) -> BTreeMap<String, Option<String>> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.map(str::to_string)))
            .collect()
    }

    fn holds(expression: &str) -> bool {
        let instance = attrs(&[
            ("ecs.os-type", Some("linux")),
            ("stack", Some("prod")),
            ("gpu", None),
        ]);
        parse(expression).unwrap().matches(&instance)
    }

    #[test]
    fn equality_and_existence_compare_attributes() {
        assert!(holds("attribute:ecs.os-type == linux"));
        assert!(holds("attribute:stack equals prod"));
        assert!(!holds("attribute:stack == dev"));
        assert!(holds("attribute:stack != dev"));
        assert!(holds("attribute:gpu exists"));
        assert!(!holds("attribute:ssd exists"));
        assert!(holds("attribute:ssd !exists"));
        assert!(
            !holds("attribute:gpu == x"),
            "a name without a value equals nothing"
        );
    }

    #[test]
    fn in_lists_and_compounds_combine_with_and_binding_tighter_than_or() {
        assert!(holds("attribute:stack in [dev, prod]"));
        assert!(!holds("attribute:stack !in [dev,prod]"));
        assert!(holds(
            "attribute:stack == dev or attribute:gpu exists and attribute:ecs.os-type == linux"
        ));
        assert!(!holds(
            "(attribute:stack == dev or attribute:gpu exists) && attribute:ssd exists"
        ));
        assert!(holds("not(attribute:stack == dev)"));
        assert!(holds("!(attribute:ssd exists) || attribute:stack == x"));
        assert!(holds(
            "attribute:stack == prod and attribute:ecs.os-type == linux"
        ));
    }

    #[test]
    fn unsupported_subjects_and_operators_and_bad_syntax_are_refused_with_the_reason() {
        let reason = |e: &str| parse(e).unwrap_err().reason;
        assert!(reason("runningTasksCount == 1").contains("runningTasksCount"));
        assert!(reason("task:group == service:web").contains("task:group"));
        assert!(reason("attribute:ecs.instance-type =~ t2.*").contains("=~"));
        assert!(reason("attribute:a > 3").contains('>'));
        assert!(reason("attribute:a ==").contains("value"));
        assert!(reason("(attribute:a exists").contains(')'));
        assert!(reason("attribute:a exists attribute:b exists").contains("unexpected"));
        assert!(reason("attribute:a in [x").contains(']'));
        assert!(reason("").contains("subject"));
    }

    fn nested(depth: usize) -> String {
        format!("{}attribute:a exists{}", "(".repeat(depth), ")".repeat(depth))
    }

    #[test]
    fn nesting_up_to_the_depth_limit_parses_and_one_level_more_is_refused() {
        assert!(parse(&nested(MAX_EXPRESSION_DEPTH)).is_ok());
        let reason = parse(&nested(MAX_EXPRESSION_DEPTH + 1)).unwrap_err().reason;
        assert!(reason.contains("32 levels"), "{reason}");
        let nots = format!("{}attribute:a exists", "not ".repeat(MAX_EXPRESSION_DEPTH + 1));
        assert!(parse(&nots).unwrap_err().reason.contains("levels"));
        let bangs = format!("{}attribute:a exists", "! ".repeat(MAX_EXPRESSION_DEPTH));
        assert!(parse(&bangs).is_ok());
    }

    #[test]
    fn an_expression_longer_than_2000_characters_is_refused_and_the_error_shows_only_its_start() {
        let err = parse(&nested(10_000)).unwrap_err();
        assert!(err.reason.contains("20018 characters"), "{}", err.reason);
        assert!(err.to_string().len() < 300, "{err}");
        let padded = format!("attribute:a exists{}", " ".repeat(MAX_EXPRESSION_LEN - 18));
        assert!(parse(&padded).is_ok());
        assert!(parse(&format!("{padded} ")).is_err());
    }

    #[test]
    fn a_long_and_or_chain_is_one_flat_list() {
        let chain = vec!["attribute:stack == prod"; 60].join(" and ");
        assert!(holds(&chain));
        let Filter::All(parts) = parse(&chain).unwrap() else {
            panic!("an and chain is All")
        };
        assert_eq!(parts.len(), 60);
        let either = vec!["attribute:stack == dev"; 60].join(" or ") + " or attribute:gpu exists";
        assert!(holds(&either));
    }
}
