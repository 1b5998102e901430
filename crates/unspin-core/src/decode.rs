//! The decoder: a beam search over the lattice of kept words and candidate originals, scored
//! by a [`LanguageModel`] plus the channel score of each replacement arc.
//!
//! Score of a path = sum of LM log-probabilities of its words + sum of channel scores of its
//! replacements (computed by the caller from the model's channels, [`crate::channel`]).
//! Keeping a word costs nothing in the channel.

use crate::lm::{LanguageModel, State, WordId};

/// A replacement arc of the lattice.
#[derive(Clone, Debug)]
pub struct Arc<'a> {
    /// Words of the sentence it covers.
    pub len: usize,
    /// LM tokens of the original (borrowed from its candidate: a lattice is built for every
    /// sentence twice, and copying them was most of its allocations).
    pub words: &'a [Option<WordId>],
    /// Channel score.
    pub channel: f32,
    /// Caller's tag for the arc (which span and candidate it stands for).
    pub tag: (usize, usize),
}

/// One sentence's lattice: the kept form of each word and the arcs leaving each position.
#[derive(Clone, Debug, Default)]
pub struct Lattice<'a> {
    /// LM tokens of each word as written.
    pub keep: Vec<&'a [Option<WordId>]>,
    /// Replacement arcs starting at each word.
    pub arcs: Vec<Vec<Arc<'a>>>,
}

/// One step of the best path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// Word `i` kept.
    Keep(usize),
    /// Arc `k` leaving word `i` taken.
    Replace(usize, usize),
}

#[derive(Clone, Copy)]
struct Hyp {
    score: f32,
    state: State,
    back: Option<(usize, usize)>,
    step: Option<Step>,
}

/// Best path through `lattice` by beam search with trigram states.
pub fn best_path(lm: &dyn LanguageModel, lattice: &Lattice<'_>, beam: usize) -> Vec<Step> {
    let n = lattice.keep.len();
    let mut hyps: Vec<Vec<Hyp>> = vec![Vec::new(); n + 1];
    hyps[0].push(Hyp {
        score: 0.0,
        state: (None, lm.bos()),
        back: None,
        step: None,
    });
    for i in 0..n {
        prune(&mut hyps[i], beam);
        let (done, rest) = hyps.split_at_mut(i + 1);
        let here = &done[i];
        // Every extension's look-ups are known before the first is made: asked for together,
        // their cache misses overlap.
        for h in here {
            lm.prefetch(h.state, lattice.keep[i]);
            for arc in &lattice.arcs[i] {
                lm.prefetch(h.state, arc.words);
            }
        }
        for (h_idx, h) in here.iter().enumerate() {
            let (lp, state) = lm.score_words(h.state, lattice.keep[i]);
            rest[0].push(Hyp {
                score: h.score + lp,
                state,
                back: Some((i, h_idx)),
                step: Some(Step::Keep(i)),
            });
            for (k, arc) in lattice.arcs[i].iter().enumerate() {
                let (lp, state) = lm.score_words(h.state, arc.words);
                rest[arc.len - 1].push(Hyp {
                    score: h.score + lp + arc.channel,
                    state,
                    back: Some((i, h_idx)),
                    step: Some(Step::Replace(i, k)),
                });
            }
        }
    }
    // Close the sentence so that the last words are judged as an ending too.
    let end = &mut hyps[n];
    if let Some(eos) = lm.eos() {
        for h in end.iter_mut() {
            h.score += lm.logprob(h.state.0, h.state.1, eos);
        }
    }
    let Some(best) = (0..end.len()).max_by(|&a, &b| end[a].score.total_cmp(&end[b].score)) else {
        return Vec::new();
    };
    let mut steps = Vec::new();
    let mut at = (n, best);
    while let Some(step) = hyps[at.0][at.1].step {
        steps.push(step);
        at = hyps[at.0][at.1].back.expect("a step has a back pointer");
    }
    steps.reverse();
    steps
}

/// Keeps the best hypothesis per state, then the best `beam` of those: the first `beam`
/// distinct states in the order of a stable sort by score, best first (ties in the order the
/// hypotheses were made).
fn prune(h: &mut Vec<Hyp>, beam: usize) {
    // Only the head of that order is read. Ranking by (score, position) is the stable sort's
    // order exactly; the head is selected, then sorted, and the whole sorted only when the head
    // holds too few distinct states (a full sort of every position's hypotheses was a tenth
    // of restore's time).
    let mut order: Vec<(f32, u32)> = h
        .iter()
        .enumerate()
        .map(|(i, hyp)| (hyp.score, i as u32))
        .collect();
    let rank = |a: &(f32, u32), b: &(f32, u32)| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1));
    let head = (4 * beam).max(1);
    let pick = |sorted: &[(f32, u32)]| {
        let mut seen: Vec<State> = Vec::with_capacity(beam);
        let mut kept = Vec::with_capacity(beam);
        for &(_, i) in sorted {
            if kept.len() == beam {
                break;
            }
            let hyp = h[i as usize];
            if !seen.contains(&hyp.state) {
                seen.push(hyp.state);
                kept.push(hyp);
            }
        }
        kept
    };
    let mut kept = Vec::new();
    if order.len() > head {
        order.select_nth_unstable_by(head - 1, rank);
        order[..head].sort_unstable_by(rank);
        kept = pick(&order[..head]);
    }
    if kept.len() < beam.min(h.len()) {
        order.sort_unstable_by(rank);
        kept = pick(&order);
    }
    *h = kept;
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The pruning as first written: a stable sort of every hypothesis, then the first `beam`
    /// distinct states.
    fn prune_by_full_sort(h: &mut Vec<Hyp>, beam: usize) {
        h.sort_by(|a, b| b.score.total_cmp(&a.score));
        let mut seen: Vec<State> = Vec::new();
        let mut kept = Vec::new();
        for hyp in h.iter() {
            if kept.len() == beam {
                break;
            }
            if !seen.contains(&hyp.state) {
                seen.push(hyp.state);
                kept.push(*hyp);
            }
        }
        *h = kept;
    }

    proptest! {
        /// Selecting the head keeps exactly the hypotheses, in the order, that the full stable
        /// sort kept: with tied scores (few distinct values) and repeated states (few distinct
        /// words), so that the head is often short of distinct states.
        #[test]
        fn pruning_keeps_what_the_full_sort_kept(
            hyps in proptest::collection::vec((0u8..6, 0u32..4, 0u32..4), 0..200),
            beam in 0usize..12,
        ) {
            let made: Vec<Hyp> = hyps
                .iter()
                .enumerate()
                .map(|(i, &(score, a, b))| Hyp {
                    score: -f32::from(score),
                    state: (Some(a), Some(b)),
                    back: Some((i, i)),
                    step: None,
                })
                .collect();
            let (mut fast, mut reference) = (made.clone(), made);
            prune(&mut fast, beam);
            prune_by_full_sort(&mut reference, beam);
            // Hypotheses are told apart by where they were made (`back` holds their position).
            let key = |h: &Vec<Hyp>| -> Vec<Option<(usize, usize)>> {
                h.iter().map(|x| x.back).collect()
            };
            prop_assert_eq!(key(&fast), key(&reference));
        }
    }
}
