//! Where a field is in a YAML (or JSON) document: the line and column of the node at a field
//! path such as `spec.containerDefinitions[0].dependsOn[0].condition`, so an error found
//! after parsing (a semantic one) points at the offending line, not at the document's start.

use std::collections::BTreeMap;
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;

/// One step of a path through nested mappings and sequences.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    Key(String),
    Index(usize),
}

fn render(steps: &[Step]) -> String {
    let mut out = String::new();
    for step in steps {
        match step {
            Step::Key(k) if out.is_empty() => out.push_str(k),
            Step::Key(k) => {
                out.push('.');
                out.push_str(k);
            }
            Step::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

/// A container being read, and where in it the parser is.
enum Frame {
    /// `unplaced`: the mapping itself has no position yet (a block mapping's start mark
    /// is not where it starts): it takes its first key's.
    Map {
        key: Option<String>,
        unplaced: bool,
    },
    Seq {
        next: usize,
    },
}

/// Records the first position of every path (a key's own position for mapping entries).
#[derive(Default)]
struct Positions {
    frames: Vec<Frame>,
    path: Vec<Step>,
    found: BTreeMap<String, (usize, usize)>,
}

impl Positions {
    fn at(mark: Marker) -> (usize, usize) {
        (mark.line(), mark.col() + 1)
    }

    /// The path of the node that starts now, and whether it is a mapping key.
    fn node_path(&mut self) -> (Option<Vec<Step>>, bool) {
        match self.frames.last_mut() {
            None => (Some(Vec::new()), false),
            Some(Frame::Map { key: None, .. }) => (None, true),
            Some(Frame::Map { key: Some(k), .. }) => {
                let mut p = self.path.clone();
                p.push(Step::Key(k.clone()));
                (Some(p), false)
            }
            Some(Frame::Seq { next }) => {
                let mut p = self.path.clone();
                p.push(Step::Index(*next));
                *next += 1;
                (Some(p), false)
            }
        }
    }

    fn remember(&mut self, steps: &[Step], mark: Marker) {
        self.found.entry(render(steps)).or_insert_with(|| Self::at(mark));
    }

    /// After a value ends, its mapping waits for the next key.
    fn value_done(&mut self) {
        if let Some(Frame::Map { key, .. }) = self.frames.last_mut() {
            *key = None;
        }
    }
}

impl MarkedEventReceiver for Positions {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        match ev {
            Event::Scalar(text, ..) => {
                let (path, is_key) = self.node_path();
                if is_key {
                    let mut p = self.path.clone();
                    p.push(Step::Key(text.clone()));
                    self.remember(&p, mark);
                    let parent = self.path.clone();
                    let mut place_parent = false;
                    if let Some(Frame::Map { key, unplaced }) = self.frames.last_mut() {
                        *key = Some(text);
                        place_parent = std::mem::take(unplaced);
                    }
                    if place_parent {
                        self.remember(&parent, mark);
                    }
                } else {
                    if let Some(p) = path {
                        self.remember(&p, mark);
                    }
                    self.value_done();
                }
            }
            Event::Alias(_) => {
                if let (Some(p), false) = self.node_path() {
                    self.remember(&p, mark);
                }
                self.value_done();
            }
            Event::MappingStart(..) | Event::SequenceStart(..) => {
                let (path, _) = self.node_path();
                let path = path.unwrap_or_else(|| self.path.clone());
                let mapping = matches!(ev, Event::MappingStart(..));
                if !mapping {
                    self.remember(&path, mark);
                }
                self.path = path;
                self.frames.push(if mapping {
                    Frame::Map {
                        key: None,
                        unplaced: true,
                    }
                } else {
                    Frame::Seq { next: 0 }
                });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                if let Some(Frame::Map { unplaced: true, .. }) = self.frames.last() {
                    let path = self.path.clone();
                    self.remember(&path, mark);
                }
                self.frames.pop();
                self.path.pop();
                self.value_done();
            }
            _ => {}
        }
    }
}

/// The 1-based (line, column) of the node at `path` in `doc`, or of its closest ancestor
/// that is there; a `spec.` prefix is tried without too (raw ECS JSON has no envelope).
pub fn locate(doc: &str, path: &str) -> Option<(usize, usize)> {
    let mut positions = Positions::default();
    Parser::new_from_str(doc).load(&mut positions, false).ok()?;
    let mut candidates = vec![path.to_string()];
    if let Some(bare) = path.strip_prefix("spec.") {
        candidates.push(bare.to_string());
    }
    for candidate in candidates {
        let mut current = candidate.as_str();
        loop {
            if let Some(at) = positions.found.get(current) {
                return Some(*at);
            }
            match current.rfind(['.', '[']) {
                Some(cut) if cut > 0 => current = &current[..cut],
                _ => break,
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::locate;

    const DOC: &str = "apiVersion: ecsd/v1
kind: TaskDefinition
metadata:
  name: web
spec:
  containerDefinitions:
    - name: web
      image: busybox
      dependsOn:
        - containerName: other
          condition: START
";

    #[test]
    fn a_field_path_finds_its_key_in_block_yaml() {
        assert_eq!(locate(DOC, "kind"), Some((2, 1)));
        assert_eq!(locate(DOC, "spec.containerDefinitions[0].image"), Some((8, 7)));
        assert_eq!(
            locate(DOC, "spec.containerDefinitions[0].dependsOn[0].condition"),
            Some((11, 11))
        );
    }

    #[test]
    fn a_missing_field_falls_back_to_its_closest_ancestor() {
        assert_eq!(
            locate(DOC, "spec.containerDefinitions[0].dependsOn[0].nope"),
            Some((10, 11))
        );
        assert_eq!(locate(DOC, "spec.containerDefinitions[3]"), Some((6, 3)));
    }

    #[test]
    fn json_and_raw_ecs_documents_are_located_too() {
        let json = "{\n  \"family\": \"web\",\n  \"containerDefinitions\": [\n    {\"name\": \"a\", \"image\": \"b\"}\n  ]\n}\n";
        assert_eq!(
            locate(json, "spec.containerDefinitions[0].image").map(|(l, _)| l),
            Some(4)
        );
        assert_eq!(
            locate("a: [", "a"),
            None,
            "an unparsable document has no positions"
        );
    }
}
