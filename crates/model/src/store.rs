//! A keyed collection of projections that survives watch restarts.
//!
//! Every watch (re)lists from time to time: after a 410 Gone, an apiserver
//! restart, or a network error. Objects applied during a list carry that list's
//! generation; when the list is done, anything in the watch's scope with an
//! older generation was deleted while we were not looking and is dropped. Rows
//! appear as soon as they arrive, and none go stale.

use std::collections::BTreeMap;
use std::collections::btree_map::Entry;

use crate::types::ObjKey;

#[derive(Debug, Clone)]
pub struct Store<T> {
    items: BTreeMap<ObjKey, (T, u64)>,
    /// Bumped by every change, so what is derived from the objects (a
    /// table's column widths) is derived again only when they changed.
    revision: u64,
}

/// Revisions come from one counter for the whole process, so two stores (the
/// state before and after a context switch) never share a revision: what is
/// kept by revision (a table's measures, the label groups) cannot be taken
/// for the new objects.
fn next_revision() -> u64 {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

impl<T> Default for Store<T> {
    fn default() -> Self {
        Self { items: BTreeMap::new(), revision: 0 }
    }
}

impl<T> Store<T> {
    /// Inserts or replaces the object at `key`, seen by the list or watch of
    /// `generation`; returns whether what is kept changed. Most watch events
    /// change nothing a projection keeps (a pod's resourceVersion, a node's
    /// heartbeat): those only renew the generation, so nothing is derived or
    /// drawn again for them.
    pub fn upsert(&mut self, key: ObjKey, value: T, generation: u64) -> bool
    where
        T: PartialEq,
    {
        // One look-up: the initial list of 10,000 pods inserts every one.
        match self.items.entry(key) {
            Entry::Occupied(mut kept) if kept.get().0 == value => {
                kept.get_mut().1 = generation;
                false
            }
            Entry::Occupied(mut kept) => {
                self.revision = next_revision();
                *kept.get_mut() = (value, generation);
                true
            }
            Entry::Vacant(slot) => {
                self.revision = next_revision();
                slot.insert((value, generation));
                true
            }
        }
    }

    pub fn remove(&mut self, key: &ObjKey) -> Option<T> {
        let removed = self.items.remove(key).map(|(v, _)| v);
        if removed.is_some() {
            self.revision = next_revision();
        }
        removed
    }

    /// Changes so far: equal revisions mean the same objects.
    pub fn revision(&self) -> u64 {
        self.revision
    }

    /// Drops the objects in `namespace` (all namespaces when `None`) that the
    /// list of `generation` did not see again. Returns how many were dropped.
    pub fn drop_older(&mut self, namespace: Option<&str>, generation: u64) -> usize {
        self.take_older(namespace, generation).len()
    }

    /// [`Store::drop_older`], returning what it dropped.
    pub fn take_older(&mut self, namespace: Option<&str>, generation: u64) -> Vec<T> {
        let gone: Vec<ObjKey> = self
            .items
            .iter()
            .filter(|(k, (_, g))| *g < generation && namespace.is_none_or(|ns| ns == k.namespace))
            .map(|(k, _)| k.clone())
            .collect();
        gone.iter().filter_map(|k| self.remove(k)).collect()
    }

    pub fn get(&self, key: &ObjKey) -> Option<&T> {
        self.items.get(key).map(|(v, _)| v)
    }

    pub fn values(&self) -> impl Iterator<Item = &T> {
        self.items.values().map(|(v, _)| v)
    }

    pub fn keys(&self) -> impl Iterator<Item = &ObjKey> {
        self.items.keys()
    }

    pub fn in_namespace<'a>(&'a self, namespace: &'a str) -> impl Iterator<Item = &'a T> + 'a {
        self.items
            .range(ObjKey::new(namespace, "")..)
            .take_while(move |(k, _)| k.namespace == namespace)
            .map(|(_, (v, _))| v)
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relist_drops_only_unseen_objects_in_scope() {
        let mut s = Store::default();
        s.upsert(ObjKey::new("a", "x"), 1, 1);
        s.upsert(ObjKey::new("a", "y"), 2, 1);
        s.upsert(ObjKey::new("b", "z"), 3, 1);
        // namespace a relists as generation 2 and sees only x again
        s.upsert(ObjKey::new("a", "x"), 10, 2);
        assert_eq!(s.drop_older(Some("a"), 2), 1);
        assert_eq!(s.get(&ObjKey::new("a", "x")), Some(&10));
        assert_eq!(s.get(&ObjKey::new("a", "y")), None);
        assert_eq!(s.get(&ObjKey::new("b", "z")), Some(&3), "other namespaces untouched");
        // a cluster-wide relist that sees nothing drops everything
        assert_eq!(s.drop_older(None, 3), 2);
        assert!(s.is_empty());
    }

    #[test]
    fn every_change_and_only_a_change_moves_the_revision() {
        let mut s = Store::default();
        let r0 = s.revision();
        s.upsert(ObjKey::new("a", "x"), 1, 1);
        let r1 = s.revision();
        assert!(r1 > r0);
        assert_eq!(s.remove(&ObjKey::new("a", "nope")), None);
        assert_eq!(s.revision(), r1, "removing nothing changes nothing");
        s.remove(&ObjKey::new("a", "x"));
        assert!(s.revision() > r1);
    }

    #[test]
    fn the_same_value_again_is_no_change_but_is_seen_by_the_new_list() {
        let mut s = Store::default();
        assert!(s.upsert(ObjKey::new("a", "x"), 1, 1));
        let r = s.revision();
        assert!(!s.upsert(ObjKey::new("a", "x"), 1, 2), "nothing kept changed");
        assert_eq!(s.revision(), r);
        assert_eq!(s.drop_older(None, 2), 0, "the relist of generation 2 saw it");
        assert!(s.upsert(ObjKey::new("a", "x"), 2, 2));
        assert!(s.revision() > r);
    }

    #[test]
    fn two_stores_never_share_a_revision() {
        let (mut a, mut b) = (Store::default(), Store::default());
        a.upsert(ObjKey::new("a", "x"), 1, 1);
        b.upsert(ObjKey::new("a", "y"), 2, 1);
        assert_ne!(a.revision(), b.revision());
    }

    #[test]
    fn in_namespace_is_exact() {
        let mut s = Store::default();
        s.upsert(ObjKey::new("ab", "1"), 1, 1);
        s.upsert(ObjKey::new("a", "2"), 2, 1);
        s.upsert(ObjKey::new("a", "3"), 3, 1);
        assert_eq!(s.in_namespace("a").copied().collect::<Vec<_>>(), vec![2, 3]);
    }
}
