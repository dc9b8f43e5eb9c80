//! The ECS cluster query language, as far as ecsd evaluates it: `attribute:<name>` subjects
//! with `==`/`equals`, `!=`/`not_equals`, `exists`, `!exists`, `in [..]` and `!in [..]`,
//! combined with `&&`/`and`, `||`/`or`, `!`/`not` and parentheses. Anything else is refused
//! with the part ecsd does not support named.

use std::collections::BTreeMap;

/// Why an expression was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("filter {expression:?}: {reason}")]
pub struct FilterError {
    /// The whole expression.
    pub expression: String,
    /// What is wrong with it.
    pub reason: String,
}

/// A parsed expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Filter {
    /// Both sides hold.
    And(Box<Filter>, Box<Filter>),
    /// Either side holds.
    Or(Box<Filter>, Box<Filter>),
    /// The inner expression does not hold.
    Not(Box<Filter>),
    /// The attribute is set (with or without a value).
    Exists(String),
    /// The attribute has exactly one of these values.
    In(String, Vec<String>),
}

impl Filter {
    /// Whether an instance with these attributes (name → optional value) matches.
    pub fn matches(&self, attributes: &BTreeMap<String, Option<String>>) -> bool {
        match self {
            Filter::And(a, b) => a.matches(attributes) && b.matches(attributes),
            Filter::Or(a, b) => a.matches(attributes) || b.matches(attributes),
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
        expression: expression.to_string(),
        reason,
    };
    let tokens = tokenize(expression);
    let mut parser = Parser { tokens, at: 0 };
    let filter = parser.or().map_err(fail)?;
    match parser.next() {
        None => Ok(filter),
        Some(extra) => Err(fail(format!("unexpected {extra:?}"))),
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
        let mut left = self.and()?;
        while matches!(self.peek(), Some("||" | "or")) {
            self.next();
            left = Filter::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Filter, String> {
        let mut left = self.unary()?;
        while matches!(self.peek(), Some("&&" | "and")) {
            self.next();
            left = Filter::And(Box::new(left), Box::new(self.unary()?));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Filter, String> {
        match self.peek() {
            Some("!" | "not") => {
                self.next();
                Ok(Filter::Not(Box::new(self.unary()?)))
            }
            Some("(") => {
                self.next();
                let inner = self.or()?;
                self.expect(")")?;
                Ok(inner)
            }
            _ => self.condition(),
        }
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
}
