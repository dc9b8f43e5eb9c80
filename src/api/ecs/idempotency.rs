//! ECS client tokens: a RunTask (or CreateService) retried with the same `clientToken`
//! returns what the first call made instead of making it again; the same token with a
//! different request is refused, as ECS refuses it.

use std::collections::VecDeque;
use std::sync::Mutex;

/// How many tokens are remembered; the oldest are forgotten first.
pub const REMEMBERED_TOKENS: usize = 1000;

/// What a token was used for.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Use {
    token: String,
    request: String,
    result: Vec<String>,
}

/// Recently used client tokens, in memory (a retry comes within seconds).
#[derive(Debug, Default)]
pub struct ClientTokens {
    uses: Mutex<VecDeque<Use>>,
}

/// What a token says about a request.
#[derive(Debug, PartialEq, Eq)]
pub enum Seen {
    /// Not used before: carry it out.
    New,
    /// The same request was made with this token: these are what it made.
    Repeat(Vec<String>),
    /// The token was used for another request.
    Mismatch,
}

impl ClientTokens {
    /// Whether `token` was used, and for `request` (a canonical form of the call).
    pub fn seen(&self, token: &str, request: &str) -> Seen {
        let uses = self
            .uses
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match uses.iter().find(|u| u.token == token) {
            None => Seen::New,
            Some(u) if u.request == request => Seen::Repeat(u.result.clone()),
            Some(_) => Seen::Mismatch,
        }
    }

    /// Remembers what `request` made under `token`.
    pub fn remember(&self, token: &str, request: &str, result: Vec<String>) {
        let mut uses = self
            .uses
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if uses.len() >= REMEMBERED_TOKENS {
            uses.pop_front();
        }
        uses.push_back(Use {
            token: token.to_string(),
            request: request.to_string(),
            result,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_repeats_its_result_for_the_same_request_and_refuses_another() {
        let tokens = ClientTokens::default();
        assert_eq!(tokens.seen("t", "a"), Seen::New);
        tokens.remember("t", "a", vec!["task-1".into()]);
        assert_eq!(tokens.seen("t", "a"), Seen::Repeat(vec!["task-1".into()]));
        assert_eq!(tokens.seen("t", "b"), Seen::Mismatch);
    }

    #[test]
    fn only_the_newest_tokens_are_remembered() {
        let tokens = ClientTokens::default();
        for i in 0..=REMEMBERED_TOKENS {
            tokens.remember(&i.to_string(), "r", vec![]);
        }
        assert_eq!(tokens.seen("0", "r"), Seen::New);
        assert_eq!(tokens.seen("1", "r"), Seen::Repeat(vec![]));
    }
}
