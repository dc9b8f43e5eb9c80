//! The seeded choices placement makes last, among instances its rules rank equal.
//!
//! SplitMix64 rather than a `rand` generator: its sequence for a seed is fixed by its few
//! lines here, so a seed (derived from a task id by the caller) picks the same instance in
//! every build and in tests, whatever version of `rand` the crate uses.

/// A deterministic stream of choices from a seed.
#[derive(Debug, Clone)]
pub struct Choices(u64);

impl Choices {
    /// The stream for `seed`.
    pub fn new(seed: u64) -> Self {
        Choices(seed)
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A position below `n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            return 0;
        }
        // The modulo bias is below 2^-50 for any realistic number of instances.
        (self.next_u64() % n as u64) as usize
    }
}

/// A seed from a task id or any other text, for callers that place on behalf of one.
pub fn seed_of(text: &str) -> u64 {
    // FNV-1a: stable across builds, unlike `std`'s hasher.
    text.bytes().fold(0xCBF2_9CE4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01B3)
    })
}
