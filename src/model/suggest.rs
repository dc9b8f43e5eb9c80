//! "Did you mean …?": the known name closest to a mistyped one.

/// The closest of `known` to `given` when it looks like a typo of it: an edit distance
/// (insertions, deletions, substitutions and swaps of neighbours, case ignored) of at most a
/// third of its length, 1 to 3.
pub fn closest<'a>(given: &str, known: &[&'a str]) -> Option<&'a str> {
    let limit = (given.chars().count() / 3).clamp(1, 3);
    let given = given.to_lowercase();
    known
        .iter()
        .map(|k| (edit_distance(&given, &k.to_lowercase()), *k))
        .filter(|(d, _)| *d <= limit)
        .min()
        .map(|(_, k)| k)
}

/// Optimal string alignment distance: Levenshtein plus a swap of two neighbours as one edit.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1).min(d[i][j - 1] + 1).min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_find_their_word_and_unrelated_words_find_nothing() {
        assert_eq!(closest("imgae", &["image", "command"]), Some("image"));
        assert_eq!(closest("comand", &["image", "command"]), Some("command"));
        assert_eq!(closest("servics", &["services", "tasks"]), Some("services"));
        assert_eq!(closest("Servise", &["Cluster", "Service"]), Some("Service"));
        assert_eq!(closest("potatoes", &["services", "tasks"]), None);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("ab", "ba"), 1);
    }
}
