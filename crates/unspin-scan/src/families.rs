//! Families: groups of spun copies of one article. With an index, copies that trace to the
//! same source; otherwise (and for copies without a source) copies that are near-duplicates
//! of each other once restored.
//!
//! Restoration is what makes copies spun with different seeds comparable: each copy keeps
//! about a third of its original word triples as written, but after restoration most of
//! them come back, so the restored texts of two copies share far more triples than two
//! unrelated articles do. Each spun document keeps only a bottom-k sketch of its restored
//! triples (k = [`SKETCH_SIZE`]), so memory grows by about half a kilobyte per spun page.

use std::collections::HashMap;

use serde::Serialize;

/// Hashes kept per document.
pub const SKETCH_SIZE: usize = 64;

/// Estimated Jaccard similarity of restored triples above which two copies are one family.
/// Copies of one article restore to J ~ 0.3-0.6; unrelated news articles to J < 0.03.
pub const MIN_SIMILARITY: f64 = 0.15;

/// Sketch hashes shared by more documents than this are boilerplate, not evidence.
pub const MAX_POSTING: usize = 256;

/// Sketch hashes two documents must share before their similarity is estimated.
pub const MIN_SHARED: usize = 3;

/// The `SKETCH_SIZE` smallest distinct hashes, ascending: a bottom-k sketch.
pub fn sketch(shingles: &[u64]) -> Vec<u64> {
    let mut s = shingles.to_vec();
    s.sort_unstable();
    s.dedup();
    s.truncate(SKETCH_SIZE);
    s
}

/// Bottom-k estimate of the Jaccard similarity of the sets behind two sketches: the share of
/// the k smallest hashes of the union that both contain.
pub fn similarity(a: &[u64], b: &[u64]) -> f64 {
    let (mut i, mut j, mut seen, mut both) = (0, 0, 0, 0);
    let k = SKETCH_SIZE.min(a.len().max(b.len()));
    while seen < k && (i < a.len() || j < b.len()) {
        match (a.get(i), b.get(j)) {
            (Some(x), Some(y)) if x == y => {
                both += 1;
                i += 1;
                j += 1;
            }
            (Some(x), Some(y)) if x < y => i += 1,
            (Some(_), Some(_)) => j += 1,
            (Some(_), None) => i += 1,
            (None, _) => j += 1,
        }
        seen += 1;
    }
    if seen == 0 {
        0.0
    } else {
        both as f64 / seen as f64
    }
}

/// A member of a family.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Member {
    /// URL, id or location of the copy.
    pub document: String,
    /// Its site, if known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub site: Option<String>,
}

/// A group of copies of one article.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Family {
    /// The source in the index they trace to (`None`: grouped by similarity).
    pub source: Option<String>,
    /// Number of copies.
    pub size: usize,
    /// Distinct sites among them.
    pub sites: usize,
    /// The copies, in reading order.
    pub members: Vec<Member>,
}

/// Collects spun documents and groups them at the end.
#[derive(Default)]
pub struct FamilyBuilder {
    members: Vec<Member>,
    sources: Vec<Option<String>>,
    sketches: Vec<Vec<u64>>,
}

impl FamilyBuilder {
    /// Adds one spun document: its label, site, source (if traced) and sketch.
    pub fn add(&mut self, member: Member, source: Option<String>, sketch: Vec<u64>) {
        self.members.push(member);
        self.sources.push(source);
        self.sketches.push(sketch);
    }

    /// The families, largest first: every source with at least one copy, and every group of
    /// two or more similar copies without a source.
    pub fn build(self) -> Vec<Family> {
        let n = self.members.len();
        let mut parent: Vec<usize> = (0..n).collect();
        fn root(parent: &mut [usize], mut i: usize) -> usize {
            while parent[i] != i {
                parent[i] = parent[parent[i]];
                i = parent[i];
            }
            i
        }
        // Copies with a source: one family per source.
        let mut by_source: HashMap<&str, usize> = HashMap::new();
        for (i, s) in self.sources.iter().enumerate() {
            if let Some(s) = s {
                let first = *by_source.entry(s.as_str()).or_insert(i);
                let (a, b) = (root(&mut parent, first), root(&mut parent, i));
                parent[b] = a;
            }
        }
        // Copies without one: link near-duplicates found through shared sketch hashes.
        let mut postings: HashMap<u64, Vec<usize>> = HashMap::new();
        for (i, s) in self.sketches.iter().enumerate() {
            if self.sources[i].is_some() {
                continue;
            }
            let mut shared: HashMap<usize, usize> = HashMap::new();
            for h in s {
                let list = postings.entry(*h).or_default();
                if list.len() < MAX_POSTING {
                    for &j in list.iter() {
                        *shared.entry(j).or_default() += 1;
                    }
                    list.push(i);
                }
            }
            let mut near: Vec<usize> = shared
                .into_iter()
                .filter(|&(j, count)| {
                    count >= MIN_SHARED && similarity(s, &self.sketches[j]) >= MIN_SIMILARITY
                })
                .map(|(j, _)| j)
                .collect();
            near.sort_unstable();
            for j in near {
                let (a, b) = (root(&mut parent, j), root(&mut parent, i));
                if a != b {
                    parent[b.max(a)] = a.min(b);
                }
            }
        }
        let mut groups: HashMap<usize, Vec<usize>> = HashMap::new();
        for i in 0..n {
            let r = root(&mut parent, i);
            groups.entry(r).or_default().push(i);
        }
        let mut families: Vec<Family> = groups
            .into_values()
            .filter_map(|mut ids| {
                ids.sort_unstable();
                let source = ids.iter().find_map(|&i| self.sources[i].clone());
                if source.is_none() && ids.len() < 2 {
                    return None;
                }
                let members: Vec<Member> = ids.iter().map(|&i| self.members[i].clone()).collect();
                let mut sites: Vec<&str> =
                    members.iter().filter_map(|m| m.site.as_deref()).collect();
                sites.sort_unstable();
                sites.dedup();
                Some(Family {
                    source,
                    size: members.len(),
                    sites: sites.len(),
                    members,
                })
            })
            .collect();
        families.sort_by(|a, b| {
            b.size
                .cmp(&a.size)
                .then_with(|| a.members[0].document.cmp(&b.members[0].document))
        });
        families
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(name: &str) -> Member {
        Member {
            document: name.into(),
            site: None,
        }
    }

    #[test]
    fn similarity_of_identical_disjoint_and_half_shared_sets() {
        let a: Vec<u64> = (0..200).map(|i| i * 7919 % 100_003).collect();
        let b: Vec<u64> = (1000..1200).map(|i| i * 7919 % 100_003).collect();
        assert_eq!(similarity(&sketch(&a), &sketch(&a)), 1.0);
        assert_eq!(similarity(&sketch(&a), &sketch(&b)), 0.0);
        let half: Vec<u64> = a[..100].iter().chain(&b[..100]).copied().collect();
        let j = similarity(&sketch(&a), &sketch(&half));
        assert!((0.15..0.55).contains(&j), "{j}"); // true Jaccard 1/3
    }

    #[test]
    fn groups_by_source_and_by_similarity() {
        let mut f = FamilyBuilder::default();
        let article: Vec<u64> = (0..300)
            .map(|i| (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15))
            .collect();
        let other: Vec<u64> = (300..600)
            .map(|i| (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15))
            .collect();
        f.add(member("copy-a1"), None, sketch(&article[..250]));
        f.add(member("unrelated"), None, sketch(&other));
        f.add(member("copy-a2"), None, sketch(&article[50..]));
        f.add(member("traced-1"), Some("src".into()), sketch(&other[..10]));
        f.add(member("traced-2"), Some("src".into()), Vec::new());
        let families = f.build();
        let names: Vec<Vec<&str>> = families
            .iter()
            .map(|f| f.members.iter().map(|m| m.document.as_str()).collect())
            .collect();
        assert_eq!(
            names,
            vec![vec!["copy-a1", "copy-a2"], vec!["traced-1", "traced-2"]]
        );
        assert_eq!(families[1].source.as_deref(), Some("src"));
    }
}
