//! The decoder: a beam search over the lattice of kept words and candidate originals, scored
//! by a [`LanguageModel`] plus the channel score of each replacement arc.
//!
//! Score of a path = sum of LM log-probabilities of its words + sum of channel scores of its
//! replacements (computed by the caller from the model's channels, [`crate::channel`]).
//! Keeping a word costs nothing in the channel.

use crate::lm::{LanguageModel, State, WordId, OOV_LOGPROB};

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

/// For every position, the `beam` best-scoring distinct states seen among the hypotheses made
/// for it so far, each with the best score seen for it, and the best score seen: a lower bound
/// of the score a hypothesis needs to survive that position's pruning. One flat table for the
/// sentence, `beam` slots per position, so that the bound costs one read.
struct Floors {
    beam: usize,
    /// How far below a position's best a hypothesis may trail and survive.
    width: f32,
    /// The best score seen per position.
    best: Vec<f32>,
    slots: Vec<(f32, State)>,
    filled: Vec<usize>,
    /// The lowest score among a position's slots once all `beam` are filled.
    lowest: Vec<f32>,
}

impl Floors {
    fn new(positions: usize, beam: usize, width: f32) -> Self {
        Floors {
            beam,
            width,
            best: vec![f32::NEG_INFINITY; positions],
            slots: vec![(0.0, (None, None)); positions * beam],
            filled: vec![0; positions],
            lowest: vec![f32::NEG_INFINITY; positions],
        }
    }

    /// Records a hypothesis made for position `at`.
    fn add(&mut self, at: usize, score: f32, state: State) {
        self.best[at] = self.best[at].max(score);
        let (beam, filled) = (self.beam, self.filled[at]);
        // Most hypotheses change nothing: a full floor is raised only by a better score.
        if filled == beam && score <= self.lowest[at] {
            return;
        }
        let slots = &mut self.slots[at * beam..at * beam + filled];
        if let Some(seen) = slots.iter_mut().find(|(_, s)| *s == state) {
            seen.0 = seen.0.max(score);
        } else if filled < beam {
            self.slots[at * beam + filled] = (score, state);
            self.filled[at] += 1;
        } else if let Some(worst) = slots.iter_mut().min_by(|a, b| a.0.total_cmp(&b.0)) {
            *worst = (score, state);
        }
        if self.filled[at] == beam {
            let full = &self.slots[at * beam..(at + 1) * beam];
            self.lowest[at] = full.iter().map(|b| b.0).fold(f32::INFINITY, f32::min);
        }
    }

    /// A score below which a hypothesis made for `at` cannot survive: `beam` distinct states
    /// already have better ones. Pruning keeps a state's best hypothesis, then the best `beam`
    /// states, so a hypothesis scoring strictly less than each of `beam` other states' best is
    /// dropped, whatever its state; more hypotheses only raise this. Minus infinity until
    /// `beam` distinct states are seen, and always for a position that is never added to (the
    /// final one). (With a beam of 0 nothing is ever extended: pruning keeps no hypothesis.)
    /// Pruning also drops what trails the position's best by more than the width, and the
    /// best seen so far can only rise.
    fn bound(&self, at: usize) -> f32 {
        self.lowest[at].max(self.best[at] - self.width)
    }
}

/// A hypothesis's score with a margin for rounding: an extension's score is summed in another
/// order than its bound (this plus the extension's largest gain), a few roundings of a number
/// as large as `score` (each at most 6e-8 of it) away.
fn with_margin(score: f32) -> f32 {
    score + 1e-3 + score.abs() * 1e-6
}

/// Best path through `lattice` by beam search with trigram states.
///
/// An extension whose score cannot reach its position's beam is not scored: the hypothesis's
/// score plus the arc's channel score plus the most the language model can give the arc's
/// words after any history ([`LanguageModel::ceiling`]) bounds it from above, and when that
/// is below the floor of the position the arc leads to, pruning would drop it. The path is
/// the one the search without the bound finds (the test compares them on random lattices);
/// only the final position, which is not pruned, has no floor.
pub fn best_path(lm: &dyn LanguageModel, lattice: &Lattice<'_>, beam: usize) -> Vec<Step> {
    best_path_within(lm, lattice, beam, f32::INFINITY)
}

/// [`best_path`], also dropping the hypotheses of a position that score more than `width`
/// below its best (restore's first pass: see [`crate::weights::Params::first_pass_width`]).
/// The bound skips what this pruning would drop too; an infinite width is [`best_path`].
pub fn best_path_within(
    lm: &dyn LanguageModel,
    lattice: &Lattice<'_>,
    beam: usize,
    width: f32,
) -> Vec<Step> {
    let n = lattice.keep.len();
    let mut hyps: Vec<Vec<Hyp>> = vec![Vec::new(); n + 1];
    // The final position is not pruned, so nothing is added to its floor.
    let mut floors = Floors::new(n + 1, beam, width);
    hyps[0].push(Hyp {
        score: 0.0,
        state: (None, lm.bos()),
        back: None,
        step: None,
    });
    // The most each kept word and each arc can add to a hypothesis: its channel score and its
    // words' ceilings.
    let ceiling = |words: &[Option<WordId>]| -> f32 {
        words
            .iter()
            .map(|w| w.map_or(OOV_LOGPROB, |id| lm.ceiling(id)))
            .sum::<f32>()
    };
    let keep_gain: Vec<f32> = lattice.keep.iter().map(|w| ceiling(w)).collect();
    let arc_gain: Vec<Vec<f32>> = lattice
        .arcs
        .iter()
        .map(|arcs| arcs.iter().map(|a| a.channel + ceiling(a.words)).collect())
        .collect();
    for i in 0..n {
        prune(&mut hyps[i], beam);
        // Pruning leaves the best first.
        if let Some(top) = hyps[i].first().map(|h| h.score) {
            hyps[i].retain(|h| h.score >= top - width);
        }
        let (done, rest) = hyps.split_at_mut(i + 1);
        let here = &done[i];
        // The look-ups of the extensions of a hypothesis that may survive are asked for
        // together, one hypothesis ahead of its scoring: their cache misses overlap with each
        // other and with the scoring of the hypothesis before, and the processor's queue of
        // outstanding misses is not flooded (asking for every hypothesis's at once stalled
        // on it). Later hypotheses are asked for with the floors the earlier ones raised.
        let prefetch = |h: &Hyp, floors: &Floors| {
            let reach = with_margin(h.score);
            let keep = (reach + keep_gain[i] >= floors.bound(i + 1)).then_some(lattice.keep[i]);
            let arcs = lattice.arcs[i]
                .iter()
                .zip(&arc_gain[i])
                .filter(|&(arc, gain)| reach + gain >= floors.bound(i + arc.len))
                .map(|(arc, _)| arc.words);
            lm.prefetch_continuations(h.state, &mut keep.into_iter().chain(arcs));
        };
        if let Some(first) = here.first() {
            prefetch(first, &floors);
        }
        for (h_idx, h) in here.iter().enumerate() {
            if let Some(next) = here.get(h_idx + 1) {
                prefetch(next, &floors);
            }
            let reach = with_margin(h.score);
            if reach + keep_gain[i] >= floors.bound(i + 1) {
                let (lp, state) = lm.score_words(h.state, lattice.keep[i]);
                let score = h.score + lp;
                if i + 1 < n {
                    floors.add(i + 1, score, state);
                }
                rest[0].push(Hyp {
                    score,
                    state,
                    back: Some((i, h_idx)),
                    step: Some(Step::Keep(i)),
                });
            }
            for (k, (arc, gain)) in lattice.arcs[i].iter().zip(&arc_gain[i]).enumerate() {
                let to = i + arc.len;
                if reach + gain < floors.bound(to) {
                    continue;
                }
                let (lp, state) = lm.score_words(h.state, arc.words);
                let score = h.score + lp + arc.channel;
                if to < n {
                    floors.add(to, score, state);
                }
                rest[arc.len - 1].push(Hyp {
                    score,
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
    use crate::lm::testing::FnLm;
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

    /// The search as written before the bound: every extension scored, then each position's
    /// hypotheses pruned to the beam and to `width` below the best of them.
    fn best_path_unbounded(
        lm: &dyn LanguageModel,
        lattice: &Lattice<'_>,
        beam: usize,
        width: f32,
    ) -> Vec<Step> {
        let n = lattice.keep.len();
        let mut hyps: Vec<Vec<Hyp>> = vec![Vec::new(); n + 1];
        hyps[0].push(Hyp {
            score: 0.0,
            state: (None, lm.bos()),
            back: None,
            step: None,
        });
        for i in 0..n {
            prune_by_full_sort(&mut hyps[i], beam);
            let top = hyps[i].first().map_or(0.0, |h| h.score);
            hyps[i].retain(|h| h.score >= top - width);
            let (done, rest) = hyps.split_at_mut(i + 1);
            for (h_idx, h) in done[i].iter().enumerate() {
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
        let end = &mut hyps[n];
        if let Some(eos) = lm.eos() {
            for h in end.iter_mut() {
                h.score += lm.logprob(h.state.0, h.state.1, eos);
            }
        }
        let Some(best) = (0..end.len()).max_by(|&a, &b| end[a].score.total_cmp(&end[b].score))
        else {
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

    /// A language model of eight words whose log-probabilities come from a hash of the
    /// trigram, in half-nat steps (so that many scores tie), never above 0.
    fn hashed_logprob(prev2: Option<WordId>, prev: Option<WordId>, w: WordId) -> f32 {
        let key = (u64::from(prev2.map_or(9, |x| x)) * 31 + u64::from(prev.map_or(9, |x| x))) * 31
            + u64::from(w);
        -0.5 * ((key.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 60) as f32)
    }

    /// An arc of a random lattice: its length, its words and its channel score.
    type TestArc = (usize, Vec<Option<WordId>>, f32);

    proptest! {
        // A wrong bound changes the path in about one lattice in a few hundred.
        #![proptest_config(ProptestConfig::with_cases(5000))]
        /// The search with the bound finds the path the search without it finds: random
        /// lattices of up to 14 words, up to five arcs of one to four words at each, channel
        /// scores from +1 to -6 in half nats (so that scores tie), beams from 0 to 9, with no
        /// width and with widths of 0 to 8 nats (in quarter nats, so that hypotheses fall
        /// exactly on the width too).
        #[test]
        fn the_bound_changes_no_path(
            words in proptest::collection::vec(2u32..8, 0..14),
            arcs in proptest::collection::vec(
                proptest::collection::vec((1usize..5, proptest::collection::vec(2u32..8, 1..3), -12i8..3), 0..6),
                14,
            ),
            beam in 0usize..10,
            width in proptest::option::of(0u8..33),
        ) {
            let width = width.map_or(f32::INFINITY, |w| f32::from(w) / 4.0);
            let n = words.len();
            let keep: Vec<Vec<Option<WordId>>> = words.iter().map(|&w| vec![Some(w)]).collect();
            let arc_words: Vec<Vec<TestArc>> = (0..n)
                .map(|i| {
                    arcs[i]
                        .iter()
                        .filter(|(len, _, _)| i + len <= n)
                        .map(|(len, w, c)| (*len, w.iter().map(|&x| Some(x)).collect(), f32::from(*c) / 2.0))
                        .collect()
                })
                .collect();
            let lattice = Lattice {
                keep: keep.iter().map(Vec::as_slice).collect(),
                arcs: arc_words
                    .iter()
                    .enumerate()
                    .map(|(i, a)| {
                        a.iter()
                            .enumerate()
                            .map(|(k, (len, w, c))| Arc { len: *len, words: w.as_slice(), channel: *c, tag: (i, k) })
                            .collect()
                    })
                    .collect(),
            };
            for exact_ceilings in [false, true] {
                let lm = FnLm { words: 8, logprob: hashed_logprob, exact_ceilings };
                let path = if width.is_finite() {
                    best_path_within(&lm, &lattice, beam, width)
                } else {
                    best_path(&lm, &lattice, beam)
                };
                prop_assert_eq!(path, best_path_unbounded(&lm, &lattice, beam, width));
            }
        }

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
