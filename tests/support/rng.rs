//! xorshift64*: a tiny deterministic generator for the property tests, so that a failure
//! reproduces from its seed (no dependency). Each test uses the methods it needs.
#![allow(dead_code)]

pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Uniform enough in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    pub fn byte(&mut self) -> u8 {
        self.next() as u8
    }

    /// One of `xs`, uniformly (`xs` must not be empty).
    pub fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len())]
    }

    /// Up to `max` random bytes.
    pub fn bytes(&mut self, max: usize) -> Vec<u8> {
        let n = self.below(max + 1);
        (0..n).map(|_| self.byte()).collect()
    }

    /// Up to `max_parts` parts, each one of `pieces` (the strings that matter to the code
    /// under test) or, a quarter of the time, a few random bytes read as UTF-8.
    pub fn text(&mut self, pieces: &[&str], max_parts: usize) -> String {
        let mut s = String::new();
        for _ in 0..self.below(max_parts + 1) {
            match self.below(4) {
                0 => s.push_str(&String::from_utf8_lossy(&self.bytes(8))),
                _ => s.push_str(self.pick(pieces)),
            }
        }
        s
    }
}
