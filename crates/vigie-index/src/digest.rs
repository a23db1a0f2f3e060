//! Exact-match sets of cryptographic digests (MD5, SHA-256) to the ids stored with them.
//!
//! Exact hashes need no similarity search, only a hash map; the one subtlety is memory, since most digests
//! carry a single id: an id list is allocated only for digests with several.

use foldhash::{HashMap, HashMapExt};

/// The ids stored with one digest: inline when there is one.
#[derive(Debug, Clone)]
enum Ids {
    One(u32),
    Many(Vec<u32>),
}

impl Ids {
    fn as_slice(&self) -> &[u32] {
        match self {
            Ids::One(id) => std::slice::from_ref(id),
            Ids::Many(ids) => ids,
        }
    }
}

/// A set of (digest, id) pairs for `N`-byte digests, looked up by digest.
///
/// Insertion, removal and lookup are O(1) on average (plus the number of ids of the digest). The hash map is
/// seeded per process, so crafted digests cannot degrade it predictably.
#[derive(Debug, Clone, Default)]
pub struct DigestSet<const N: usize> {
    map: HashMap<[u8; N], Ids>,
    len: usize,
}

/// MD5 digests (16 bytes).
pub type Md5Set = DigestSet<16>;

/// SHA-256 digests (32 bytes).
pub type Sha256Set = DigestSet<32>;

impl<const N: usize> DigestSet<N> {
    /// An empty set.
    #[must_use]
    pub fn new() -> Self {
        DigestSet {
            map: HashMap::new(),
            len: 0,
        }
    }

    /// Adds the pair; returns `false` (and changes nothing) if it was already present.
    pub fn insert(&mut self, digest: [u8; N], id: u32) -> bool {
        let added = match self.map.get_mut(&digest) {
            None => {
                self.map.insert(digest, Ids::One(id));
                true
            }
            Some(ids) => match ids {
                Ids::One(existing) if *existing == id => false,
                Ids::One(existing) => {
                    *ids = Ids::Many(vec![*existing, id]);
                    true
                }
                Ids::Many(list) if list.contains(&id) => false,
                Ids::Many(list) => {
                    list.push(id);
                    true
                }
            },
        };
        self.len += usize::from(added);
        added
    }

    /// Removes the pair; returns whether it was present.
    pub fn remove(&mut self, digest: &[u8; N], id: u32) -> bool {
        let Some(ids) = self.map.get_mut(digest) else {
            return false;
        };
        let removed = match ids {
            Ids::One(existing) => {
                if *existing != id {
                    return false;
                }
                self.map.remove(digest);
                true
            }
            Ids::Many(list) => {
                let Some(at) = list.iter().position(|&x| x == id) else {
                    return false;
                };
                list.swap_remove(at);
                if let [only] = list[..] {
                    *ids = Ids::One(only);
                }
                true
            }
        };
        self.len -= usize::from(removed);
        removed
    }

    /// All ids stored with `digest`, in no particular order; empty if none.
    #[must_use]
    pub fn get(&self, digest: &[u8; N]) -> &[u32] {
        self.map.get(digest).map_or(&[], Ids::as_slice)
    }

    /// Whether the pair is present.
    #[must_use]
    pub fn contains(&self, digest: &[u8; N], id: u32) -> bool {
        self.get(digest).contains(&id)
    }

    /// Number of (digest, id) pairs.
    #[must_use]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the set holds no pair.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Every (digest, id) pair, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = ([u8; N], u32)> + '_ {
        self.map
            .iter()
            .flat_map(|(digest, ids)| ids.as_slice().iter().map(move |&id| (*digest, id)))
    }

    /// Number of distinct digests.
    #[must_use]
    pub fn digest_count(&self) -> usize {
        self.map.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_are_a_set_and_ids_are_listed_per_digest() {
        let mut set = Md5Set::new();
        let (a, b) = ([1u8; 16], [2u8; 16]);
        assert!(set.insert(a, 1));
        assert!(!set.insert(a, 1));
        assert!(set.insert(a, 2));
        assert!(set.insert(a, 3));
        assert!(set.insert(b, 1));
        assert_eq!(set.len(), 4);
        assert_eq!(set.digest_count(), 2);
        let mut ids = set.get(&a).to_vec();
        ids.sort_unstable();
        assert_eq!(ids, [1, 2, 3]);
        assert!(set.remove(&a, 2));
        assert!(!set.remove(&a, 2));
        assert!(set.remove(&a, 1));
        assert_eq!(set.get(&a), [3]);
        assert!(!set.remove(&a, 1));
        assert!(set.remove(&a, 3));
        assert_eq!(set.get(&a), [] as [u32; 0]);
        assert!(!set.remove(&[9u8; 16], 1));
        assert_eq!(set.len(), 1);
        assert!(set.contains(&b, 1) && !set.contains(&b, 2));
        let mut pairs: Vec<_> = set.iter().collect();
        pairs.sort_unstable();
        assert_eq!(pairs, [(b, 1)]);
        assert!(set.remove(&b, 1));
        assert!(set.is_empty() && set.digest_count() == 0);
        assert_eq!(set.iter().count(), 0);
    }

    #[test]
    fn sha256_digests_work_alike() {
        let mut set = Sha256Set::new();
        assert!(set.insert([7u8; 32], 42));
        assert_eq!(set.get(&[7u8; 32]), [42]);
        assert_eq!(set.get(&[8u8; 32]), [] as [u32; 0]);
        assert!(set.insert([7u8; 32], 43));
        assert!(set.insert([9u8; 32], 42));
        let mut pairs: Vec<_> = set.iter().collect();
        pairs.sort_unstable();
        assert_eq!(pairs, [([7u8; 32], 42), ([7u8; 32], 43), ([9u8; 32], 42)]);
        assert_eq!(set.len(), 3);
    }
}
