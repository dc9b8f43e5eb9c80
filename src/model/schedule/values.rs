//! A small set of field values (minutes, hours, days, months, weekdays, years 1970–2199).

/// The largest value a set can hold.
const CAPACITY: u16 = 256 * 9;

/// Which values of one cron field fire; a bitset indexed by the value itself.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Values {
    bits: Vec<u64>,
}

impl Values {
    /// Adds `value` (values past the capacity are ignored: no field reaches it).
    pub fn insert(&mut self, value: u16) {
        if value >= CAPACITY {
            return;
        }
        let (word, bit) = (usize::from(value / 64), value % 64);
        if self.bits.len() <= word {
            self.bits.resize(word + 1, 0);
        }
        self.bits[word] |= 1 << bit;
    }

    /// Whether `value` is in the set.
    pub fn contains(&self, value: u16) -> bool {
        let (word, bit) = (usize::from(value / 64), value % 64);
        self.bits.get(word).is_some_and(|w| w & (1 << bit) != 0)
    }

    /// The values from `from` on, ascending.
    pub fn from(&self, from: u16) -> impl Iterator<Item = u16> + '_ {
        (from..CAPACITY.min(u16::try_from(self.bits.len() * 64).unwrap_or(CAPACITY)))
            .filter(|v| self.contains(*v))
    }
}
