//! Text to `ClusterQuery`: a tokenizer and a recursive-descent parser with bounded depth.

use super::values::{parse_instant, parse_version};
use super::{ClusterQuery, Comparison, QueryError, Scalar, Subject, Test, shown};
use crate::model::limits::{MAX_EXPRESSION_DEPTH, MAX_EXPRESSION_LEN};

/// Every subject ecsd evaluates, for the error that refuses another.
const SUBJECTS: &str = "attribute:<name>, ec2InstanceId, agentConnected, agentVersion, registeredAt, runningTasksCount, task:group";

/// Parses an expression of the cluster query language.
pub fn parse(expression: &str) -> Result<ClusterQuery, QueryError> {
    let fail = |reason: String| QueryError {
        expression: shown(expression),
        reason,
    };
    let length = expression.chars().count();
    if length > MAX_EXPRESSION_LEN {
        return Err(fail(format!(
            "expression is {length} characters; at most {MAX_EXPRESSION_LEN} are allowed"
        )));
    }
    let mut parser = Parser {
        tokens: tokenize(expression),
        at: 0,
        depth: 0,
    };
    let query = parser.or().map_err(fail)?;
    match parser.next() {
        None => Ok(query),
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

/// An operator as written, in its canonical form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Operator {
    Exists,
    NotExists,
    Equal,
    NotEqual,
    In,
    NotIn,
    Ordered(Comparison),
}

impl Operator {
    fn read(token: &str) -> Option<Operator> {
        Some(match token {
            "exists" => Operator::Exists,
            "!exists" => Operator::NotExists,
            "==" | "equals" => Operator::Equal,
            "!=" | "not_equals" => Operator::NotEqual,
            "in" => Operator::In,
            "!in" | "not_in" => Operator::NotIn,
            "<" | "less_than" => Operator::Ordered(Comparison::Less),
            "<=" | "less_than_equal" => Operator::Ordered(Comparison::LessOrEqual),
            ">" | "greater_than" => Operator::Ordered(Comparison::Greater),
            ">=" | "greater_than_equal" => Operator::Ordered(Comparison::GreaterOrEqual),
            _ => return None,
        })
    }
}

/// The subject a token names, if ecsd evaluates it.
fn subject(token: &str) -> Option<Subject> {
    if let Some(name) = token.strip_prefix("attribute:") {
        return (!name.is_empty()).then(|| Subject::Attribute(name.to_string()));
    }
    Some(match token {
        "ec2InstanceId" => Subject::InstanceId,
        "agentConnected" => Subject::AgentConnected,
        "agentVersion" => Subject::AgentVersion,
        "registeredAt" => Subject::RegisteredAt,
        "runningTasksCount" => Subject::RunningTasksCount,
        "task:group" => Subject::TaskGroup,
        _ => return None,
    })
}

/// Whether the subject is compared by order (`<`, `>=`, …) rather than by value sets.
fn is_ordered(subject: &Subject) -> bool {
    matches!(
        subject,
        Subject::AgentVersion | Subject::RegisteredAt | Subject::RunningTasksCount
    )
}

/// The operators ecsd accepts for a subject, for the error that refuses another.
fn operators_of(subject: &Subject) -> &'static str {
    match subject {
        Subject::Attribute(_) => "==, !=, exists, !exists, in, !in",
        s if is_ordered(s) => "==, !=, <, <=, >, >=",
        _ => "==, !=, in, !in",
    }
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

    fn or(&mut self) -> Result<ClusterQuery, String> {
        let mut parts = vec![self.and()?];
        while matches!(self.peek(), Some("||" | "or")) {
            self.next();
            parts.push(self.and()?);
        }
        Ok(flatten(parts, ClusterQuery::Any))
    }

    fn and(&mut self) -> Result<ClusterQuery, String> {
        let mut parts = vec![self.unary()?];
        while matches!(self.peek(), Some("&&" | "and")) {
            self.next();
            parts.push(self.unary()?);
        }
        Ok(flatten(parts, ClusterQuery::All))
    }

    fn unary(&mut self) -> Result<ClusterQuery, String> {
        match self.peek() {
            Some("!" | "not") => {
                self.next();
                let inner = self.nested(Self::unary)?;
                Ok(ClusterQuery::Not(Box::new(inner)))
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
    fn nested(
        &mut self,
        inner: fn(&mut Self) -> Result<ClusterQuery, String>,
    ) -> Result<ClusterQuery, String> {
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

    fn condition(&mut self) -> Result<ClusterQuery, String> {
        let token = self
            .next()
            .ok_or("expected a subject such as attribute:ecs.os-type")?;
        let subject = subject(&token)
            .ok_or_else(|| format!("subject {token:?} is not supported by ecsd ({SUBJECTS})"))?;
        let written = self.next().ok_or(format!("expected an operator after {token}"))?;
        let refused = || {
            format!(
                "operator {written:?} is not supported by ecsd for {token} ({})",
                operators_of(&subject)
            )
        };
        let operator = Operator::read(&written).ok_or_else(refused)?;
        let test = match (operator, is_ordered(&subject)) {
            (Operator::Exists | Operator::NotExists, _) if !matches!(subject, Subject::Attribute(_)) => {
                return Err(refused());
            }
            (Operator::Exists | Operator::NotExists, _) => Test::Exists,
            (Operator::Equal | Operator::NotEqual, false) => Test::OneOf(vec![self.value()?]),
            (Operator::In | Operator::NotIn, false) => Test::OneOf(self.list()?),
            (Operator::Equal | Operator::NotEqual, true) => {
                Test::Compare(Comparison::Equal, self.scalar(&subject)?)
            }
            (Operator::Ordered(order), true) => Test::Compare(order, self.scalar(&subject)?),
            (Operator::In | Operator::NotIn | Operator::Ordered(_), _) => return Err(refused()),
        };
        let condition = ClusterQuery::Condition(subject, test);
        Ok(match operator {
            Operator::NotExists | Operator::NotEqual | Operator::NotIn => {
                ClusterQuery::Not(Box::new(condition))
            }
            _ => condition,
        })
    }

    fn value(&mut self) -> Result<String, String> {
        match self.next() {
            Some(v)
                if !"()[],".contains(v.as_str()) && !v.starts_with(['=', '!', '&', '|', '<', '>', '~']) =>
            {
                Ok(v)
            }
            Some(v) => Err(format!("expected a value, found {v:?}")),
            None => Err("expected a value at the end".into()),
        }
    }

    /// A value of an ordered subject: a count, an instant or a version.
    fn scalar(&mut self, subject: &Subject) -> Result<Scalar, String> {
        let text = self.value()?;
        let parsed = match subject {
            Subject::RunningTasksCount => text.parse().ok().map(Scalar::Number),
            Subject::RegisteredAt => parse_instant(&text).map(Scalar::Instant),
            _ => parse_version(&text).map(Scalar::Version),
        };
        parsed.ok_or_else(|| {
            let wanted = match subject {
                Subject::RunningTasksCount => "a whole number",
                Subject::RegisteredAt => "a date such as 2018-06-18 or 2018-06-18T22:28:28Z",
                _ => "a version such as 1.4.0",
            };
            format!("expected {wanted}, found {text:?}")
        })
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
fn flatten(mut parts: Vec<ClusterQuery>, combine: fn(Vec<ClusterQuery>) -> ClusterQuery) -> ClusterQuery {
    if parts.len() == 1
        && let Some(only) = parts.pop()
    {
        return only;
    }
    combine(parts)
}
