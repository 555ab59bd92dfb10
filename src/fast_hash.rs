//! A fast hasher for the maps on the hot path of a run (the evaluator's names, file lookups).
//!
//! `std`'s SipHash resists collision attacks at several times the cost per key; it was a
//! tenth of a whole run's instructions (issue 9). The keys hashed here are names and paths
//! from the templates being linted, and every loop and instance count is bounded
//! ([`crate::graph::eval`]), so a crafted template can slow keyless down but not stop it.
//! The function is FxHash, as in rustc: multiply and rotate, a word at a time.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

/// A `HashMap` with [`FastHasher`].
pub type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FastHasher>>;

/// A `HashSet` with [`FastHasher`].
pub type FastSet<K> = HashSet<K, BuildHasherDefault<FastHasher>>;

/// An `IndexMap` (insertion order kept) with [`FastHasher`].
pub type FastIndexMap<K, V> = indexmap::IndexMap<K, V, BuildHasherDefault<FastHasher>>;

#[derive(Default, Clone, Copy)]
pub struct FastHasher {
    hash: u64,
}

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FastHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FastHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word));
        }
    }

    #[inline]
    fn write_u8(&mut self, n: u8) {
        self.add(u64::from(n));
    }

    #[inline]
    fn write_u32(&mut self, n: u32) {
        self.add(u64::from(n));
    }

    #[inline]
    fn write_u64(&mut self, n: u64) {
        self.add(n);
    }

    #[inline]
    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.hash
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hash(bytes: &[u8]) -> u64 {
        let mut hasher = FastHasher::default();
        hasher.write(bytes);
        hasher.finish()
    }

    #[test]
    fn equal_keys_hash_alike_and_near_keys_apart() {
        assert_eq!(hash(b"storageAccountName"), hash(b"storageAccountName"));
        assert_ne!(hash(b"storageAccountName"), hash(b"storageAccountNamf"));
        // The tail of a key that is not a multiple of eight bytes counts too.
        assert_ne!(hash(b"123456789"), hash(b"12345678"));
    }

    #[test]
    fn a_map_finds_what_it_holds() {
        let mut map: FastMap<String, usize> = FastMap::default();
        for i in 0..1000 {
            map.insert(format!("param{i}"), i);
        }
        assert!((0..1000).all(|i| map[&format!("param{i}")] == i));
        assert_eq!(map.get("param1000"), None);
    }
}
