//! A learned table's guesses vetted by a second, fluent language model.
//!
//! The EM ([`crate::learn`]) weighs each written phrase's candidates with the trigram model,
//! which knows no jargon: on crypto market pages it learns "resistance" <- "autism",
//! "indicator" <- "image" and "metric" <- "metric unit", because the trigram model finds the
//! jargon as unlikely as the rare synonym. A neural model reads "the RSI indicator" far
//! better than "the RSI image". So each guessed pair is put to it where the learning
//! documents write the phrase: the original against the phrase as written, in the text's own
//! context and followed by the next words as written
//! ([`ContinuationRequest::written_or_original`]). A pair whose original reads no better on
//! average (mean gain under [`VetOptions::min_gain`] nats) is dropped. A phrase that loses
//! every guess is held as written ([`SpinnerTable::held`]), so that restore does not rewrite
//! it from the generic thesaurus instead. Pairs people attested are never put to it, and a
//! pair the documents never write is kept, as is every pair when the model fails.

use crate::rescore::{ContinuationRequest, ContinuationScorer};
use crate::spinner::SpinnerTable;

/// Settings of [`vet`].
#[derive(Clone, Debug)]
pub struct VetOptions {
    /// Most occurrences of a written phrase put to the model per pair (the first found, in
    /// document order).
    pub occurrences: usize,
    /// Least mean gain (nats) of the original over the phrase as written for a pair to stay.
    /// The default, -3, is about the 5th percentile of the gains of the pairs people noted on
    /// wild-train's family pages (`unspin-eval --wild-train DIR --print-table --vet-lm
    /// FILE`): under SmolLM2 the spun context and the spun words after a phrase cost even a
    /// real original some nats, while the EM's junk ("metric unit" for "metric", "addressee"
    /// for "taker") loses 10 or more.
    pub min_gain: f32,
}

impl Default for VetOptions {
    fn default() -> Self {
        VetOptions {
            occurrences: 4,
            min_gain: -3.0,
        }
    }
}

/// What [`vet`] did.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct VetSummary {
    /// Pairs put to the model (guessed pairs written in the documents).
    pub vetted: usize,
    /// Of those, dropped: `(written, original, mean gain)`, largest loss first.
    pub dropped: Vec<(String, String, f32)>,
    /// Requests the model failed on (their pairs are kept).
    pub failures: usize,
}

/// Byte ranges in `text` where `phrase` (lowercase words, single spaces) is written as whole
/// words, ignoring ASCII case, at most `limit` of them. `lower` is `text` ASCII-lowercased
/// (which keeps every byte offset), made once by a caller that looks up many phrases.
pub fn written_at(
    text: &str,
    lower: &str,
    phrase: &str,
    limit: usize,
) -> Vec<std::ops::Range<usize>> {
    let is_word = |c: char| c.is_alphanumeric() || c == '\'' || c == '\u{2019}' || c == '-';
    lower
        .match_indices(phrase)
        .filter(|(at, _)| {
            let end = at + phrase.len();
            !text[..*at].chars().next_back().is_some_and(is_word)
                && !text[end..].chars().next().is_some_and(is_word)
        })
        .map(|(at, _)| at..at + phrase.len())
        .take(limit)
        .collect()
}

/// Where a phrase is written: each place's document and the phrase's bytes in it.
pub type Places<'a> = Vec<(&'a str, std::ops::Range<usize>)>;

/// Documents searched for the places where phrases are written, each ASCII-lowercased once
/// for every phrase looked up ([`written_at`]).
pub struct WrittenPlaces<'a> {
    texts: &'a [&'a str],
    lowered: Vec<String>,
}

impl<'a> WrittenPlaces<'a> {
    /// Lowercases `texts` once.
    pub fn new(texts: &'a [&'a str]) -> Self {
        WrittenPlaces {
            texts,
            // ASCII lowercase keeps every byte offset, so ranges found in it hold in the text.
            lowered: texts.iter().map(|d| d.to_ascii_lowercase()).collect(),
        }
    }

    /// The first `limit` places where `phrase` is written, in document order: each document's
    /// text and the phrase's byte range in it.
    pub fn of(&self, phrase: &str, limit: usize) -> Places<'a> {
        self.texts
            .iter()
            .zip(&self.lowered)
            .flat_map(|(text, lower)| {
                written_at(text, lower, phrase, limit)
                    .into_iter()
                    .map(move |at| (*text, at))
            })
            .take(limit)
            .collect()
    }
}

/// `table` with the guessed pairs that `scorer` does not read better than their written
/// phrases in `documents` dropped (see the module doc), and what was done.
pub fn vet(
    table: &SpinnerTable,
    documents: &[&str],
    scorer: &dyn ContinuationScorer,
    options: &VetOptions,
) -> (SpinnerTable, VetSummary) {
    let written_places = WrittenPlaces::new(documents);
    // Per guessed pair (entry, original index): the requests sent for it.
    let mut asked: Vec<(&str, usize, std::ops::Range<usize>)> = Vec::new();
    let mut requests: Vec<ContinuationRequest> = Vec::new();
    for (written, entry) in table.entries.iter().filter(|(_, e)| !e.attested) {
        // Where the phrase is written, found once for all its originals: the first
        // `occurrences` places, in document order.
        let places = written_places.of(written, options.occurrences);
        if places.is_empty() {
            continue;
        }
        for (i, original) in entry.originals.iter().enumerate() {
            let from = requests.len();
            requests.extend(places.iter().map(|(text, at)| {
                ContinuationRequest::written_or_original(text, at.clone(), &original.original)
            }));
            asked.push((written, i, from..requests.len()));
        }
    }
    let answers = scorer.score_requests(&requests);
    let mut summary = VetSummary::default();
    let mut out = table.clone();
    for (written, i, range) in asked {
        let mut gains = Vec::new();
        for answer in &answers[range] {
            match answer {
                Ok(scores) if scores.len() == 2 => gains.push(scores[1] - scores[0]),
                _ => summary.failures += 1,
            }
        }
        if gains.is_empty() {
            continue;
        }
        summary.vetted += 1;
        let mean = gains.iter().sum::<f32>() / gains.len() as f32;
        if mean < options.min_gain {
            let original = table.entries[written].originals[i].original.clone();
            summary
                .dropped
                .push((written.to_owned(), original.clone(), mean));
            if let Some(entry) = out.entries.get_mut(written) {
                entry.originals.retain(|o| o.original != original);
            }
        }
    }
    // A phrase whose every guess was dropped reads right as written: it is held, so that the
    // generic thesaurus does not rewrite it in the guesses' place.
    let held = &mut out.held;
    out.entries.retain(|spun, e| {
        if e.originals.is_empty() {
            held.insert(spun.clone());
        }
        !e.originals.is_empty()
    });
    summary.dropped.sort_by(|a, b| a.2.total_cmp(&b.2));
    (out, summary)
}

/// Settings of [`promote`].
#[derive(Clone, Debug)]
pub struct PromoteOptions {
    /// Most occurrences of a proposed phrase put to the model (the first found, in document
    /// order).
    pub occurrences: usize,
    /// Least occurrences found for a proposal to be judged at all: one sentence's liking is
    /// not a spinner's habit.
    pub min_occurrences: usize,
    /// Least mean gain (nats) of the chosen original over the phrase as written.
    pub min_gain: f32,
    /// Least share of the occurrences in which the chosen original reads best of all the
    /// proposal's originals and the written phrase.
    pub min_agreement: f32,
}

impl Default for PromoteOptions {
    fn default() -> Self {
        PromoteOptions {
            occurrences: 4,
            min_occurrences: 2,
            min_gain: 2.0,
            min_agreement: 0.75,
        }
    }
}

/// Least kept share given a promoted pair.
pub const PROMOTED_LEAST_KEPT: f32 = 0.1;

/// What [`promote`] did.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PromoteSummary {
    /// Proposals put to the model.
    pub judged: usize,
    /// Of those, promoted: `(written, original, mean gain)`, largest gain first.
    pub promoted: Vec<(String, String, f32)>,
    /// Requests the model failed on (their proposals are left out).
    pub failures: usize,
}

/// `table` with the `proposals` whose best original `scorer` reads clearly and consistently
/// better than the written phrase in `documents` added as guessed pairs: the EM found the
/// phrase spun but could not choose its original with the trigram model (see
/// [`crate::learn::Proposal`]). A proposal for a phrase the table has or holds is skipped.
///
/// A promoted pair takes the phrase's documents, and as its kept share the share of the
/// places read where the written phrase or another original read best (at least
/// [`PROMOTED_LEAST_KEPT`]); the rest is the chosen original's. Call it with the proposals
/// [`crate::learn::proposals_outside`] the finished table.
pub fn promote(
    table: &SpinnerTable,
    proposals: &[crate::learn::Proposal],
    documents: &[&str],
    scorer: &dyn ContinuationScorer,
    options: &PromoteOptions,
) -> (SpinnerTable, PromoteSummary) {
    let written_places = WrittenPlaces::new(documents);
    let mut asked: Vec<(&crate::learn::Proposal, std::ops::Range<usize>)> = Vec::new();
    let mut requests: Vec<ContinuationRequest> = Vec::new();
    for proposal in proposals.iter().filter(|p| {
        !p.originals.is_empty()
            && !table.entries.contains_key(&p.written)
            && !table.held.contains(&p.written)
    }) {
        let places = written_places.of(&proposal.written, options.occurrences);
        if places.len() < options.min_occurrences.max(1) {
            continue;
        }
        let originals: Vec<&str> = proposal.originals.iter().map(String::as_str).collect();
        let from = requests.len();
        requests.extend(places.iter().map(|(text, at)| {
            ContinuationRequest::written_or_originals(text, at.clone(), &originals)
        }));
        asked.push((proposal, from..requests.len()));
    }
    let answers = scorer.score_requests(&requests);
    let mut summary = PromoteSummary::default();
    let mut out = table.clone();
    for (proposal, range) in asked {
        let n = proposal.originals.len();
        let (mut gains, mut wins) = (vec![0.0f32; n], vec![0usize; n]);
        let mut scored = 0usize;
        for answer in &answers[range] {
            match answer {
                Ok(scores) if scores.len() == n + 1 => {
                    scored += 1;
                    let best = (1..=n).max_by(|&a, &b| scores[a].total_cmp(&scores[b]));
                    for (i, g) in gains.iter_mut().enumerate() {
                        *g += scores[i + 1] - scores[0];
                    }
                    if let Some(best) = best.filter(|&b| scores[b] > scores[0]) {
                        wins[best - 1] += 1;
                    }
                }
                _ => summary.failures += 1,
            }
        }
        if scored < options.min_occurrences.max(1) {
            continue;
        }
        summary.judged += 1;
        let Some(best) = (0..n).max_by(|&a, &b| gains[a].total_cmp(&gains[b])) else {
            continue;
        };
        let mean = gains[best] / scored as f32;
        if mean < options.min_gain || (wins[best] as f32) < options.min_agreement * scored as f32 {
            continue;
        }
        let original = proposal.originals[best].clone();
        summary
            .promoted
            .push((proposal.written.clone(), original.clone(), mean));
        // The model's reading, not the EM's, says how often the phrase was spun: the EM's
        // kept share is high exactly because the trigram model could not choose. A few
        // places cannot show that the author never wrote it.
        let kept = (1.0 - wins[best] as f32 / scored as f32).max(PROMOTED_LEAST_KEPT);
        out.entries.insert(
            proposal.written.clone(),
            crate::spinner::PhraseEntry {
                documents: proposal.documents,
                kept,
                originals: vec![crate::spinner::LearnedOriginal {
                    original,
                    documents: proposal.documents * (1.0 - kept),
                    share: 1.0 - kept,
                }],
                attested: false,
            },
        );
    }
    summary.promoted.sort_by(|a, b| b.2.total_cmp(&a.2));
    (out, summary)
}

/// Settings of [`guess_originals`].
#[derive(Clone, Debug)]
pub struct GuessOptions {
    /// Words the model guesses at each place ([`ContinuationScorer::next_words`]).
    pub words: usize,
    /// Most places of a phrase asked (the first found, in document order, as
    /// [`PromoteOptions::occurrences`]).
    pub occurrences: usize,
    /// Least places that must guess a word for it to join a proposal's originals.
    pub min_places: usize,
}

impl Default for GuessOptions {
    fn default() -> Self {
        GuessOptions {
            words: 10,
            occurrences: PromoteOptions::default().occurrences,
            min_places: PromoteOptions::default().min_occurrences,
        }
    }
}

/// What [`guess_originals`] did.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GuessSummary {
    /// Originals added to the proposals, over all of them.
    pub guessed: usize,
    /// Places the model failed to guess at.
    pub failures: usize,
}

/// `proposals` with, after each one's originals, the words `scorer` guesses where the
/// documents write the phrase ([`ContinuationScorer::next_words`]) at
/// [`GuessOptions::min_places`] or more of its places (most places first, then the best rank
/// guessed), when `reachable` holds them for the written phrase and they are not among its
/// originals yet: for [`promote`] to judge beside the EM's. The spinner's original is often
/// far down a long candidate list, past what the EM weighs ("hole" <- "gap", 38th of 288).
///
/// `reachable` answers, for a written phrase, every original the candidate lists hold for it
/// past any cut ([`crate::learn::reachable_originals`]): a spinner's original is its
/// output's synonym, and the model alone guesses words of any kind ("the" for "persistent").
pub fn guess_originals(
    mut proposals: Vec<crate::learn::Proposal>,
    documents: &[&str],
    scorer: &dyn ContinuationScorer,
    options: &GuessOptions,
    reachable: &dyn Fn(&str) -> Vec<String>,
) -> (Vec<crate::learn::Proposal>, GuessSummary) {
    let mut summary = GuessSummary::default();
    if options.words == 0 {
        return (proposals, summary);
    }
    let written_places = WrittenPlaces::new(documents);
    let places: Vec<Places<'_>> = proposals
        .iter()
        .map(|p| written_places.of(&p.written, options.occurrences))
        .collect();
    let contexts: Vec<String> = places
        .iter()
        .flatten()
        .map(|(text, at)| ContinuationRequest::context_before(text, at.start))
        .collect();
    let mut guesses = scorer.next_words(&contexts, options.words).into_iter();
    for (proposal, places) in proposals.iter_mut().zip(&places) {
        let answers: Vec<_> = guesses.by_ref().take(places.len()).collect();
        // Per word: the places that guess it, and its best rank among them.
        let mut counted: Vec<(String, usize, usize)> = Vec::new();
        for answer in answers {
            let Ok(words) = answer else {
                summary.failures += 1;
                continue;
            };
            for (rank, word) in words.into_iter().enumerate() {
                match counted.iter_mut().find(|(w, _, _)| *w == word) {
                    Some((_, places, best)) => {
                        *places += 1;
                        *best = (*best).min(rank);
                    }
                    None => counted.push((word, 1, rank)),
                }
            }
        }
        counted.retain(|(_, places, _)| *places >= options.min_places.max(1));
        if counted.is_empty() {
            continue;
        }
        let reachable = reachable(&proposal.written);
        counted.retain(|(word, _, _)| {
            reachable.contains(word)
                && *word != proposal.written
                && !proposal.originals.contains(word)
        });
        counted.sort_by_key(|&(_, places, rank)| (std::cmp::Reverse(places), rank));
        summary.guessed += counted.len();
        proposal
            .originals
            .extend(counted.into_iter().map(|(word, _, _)| word));
    }
    (proposals, summary)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rescore::{FailingScorer, ScorerError};
    use crate::spinner::{LearnedOriginal, PhraseEntry};

    /// Reads a continuation 5 nats better for each of its words it holds.
    struct Likes(&'static [&'static str]);

    impl ContinuationScorer for Likes {
        fn name(&self) -> &str {
            "likes"
        }
        fn score_continuations(
            &self,
            _context: &str,
            continuations: &[String],
        ) -> Result<Vec<f32>, ScorerError> {
            Ok(continuations
                .iter()
                .map(|c| {
                    let lower = c.to_lowercase();
                    -20.0 + 5.0 * self.0.iter().filter(|w| lower.contains(*w)).count() as f32
                })
                .collect())
        }
    }

    fn entry(originals: &[&str], attested: bool) -> PhraseEntry {
        PhraseEntry {
            documents: 3.0,
            kept: 0.1,
            originals: originals
                .iter()
                .map(|o| LearnedOriginal {
                    original: (*o).into(),
                    documents: 3.0,
                    share: 0.5,
                })
                .collect(),
            attested,
        }
    }

    fn table() -> SpinnerTable {
        let mut t = SpinnerTable {
            family: "test".into(),
            ..Default::default()
        };
        t.entries.insert("worth".into(), entry(&["price"], false));
        t.entries
            .insert("indicator".into(), entry(&["image", "gauge"], false));
        t.entries.insert("stage".into(), entry(&["floor"], true));
        t.entries.insert("unseen".into(), entry(&["never"], false));
        t
    }

    const PAGE: &str = "Bitcoin worth fell. The RSI Indicator shows a stage of 30; \
        indicators and indicator-like tools aside, the indicator held.";

    #[test]
    fn drops_the_guesses_the_model_reads_worse_and_keeps_the_rest() {
        // The model likes "price" and "indicator": "worth" <- "price" gains, "indicator" <-
        // "image" and <- "gauge" lose.
        let (vetted, summary) = vet(
            &table(),
            &[PAGE],
            &Likes(&["price", "indicator"]),
            &VetOptions::default(),
        );
        assert_eq!(vetted.entries["worth"].originals[0].original, "price");
        assert!(!vetted.entries.contains_key("indicator"), "{vetted:?}");
        // Having lost every guess, it is held as written; "worth" kept one and is not.
        assert_eq!(vetted.held, ["indicator".to_owned()].into());
        // Attested pairs are never put to the model, whatever it likes.
        assert_eq!(vetted.entries["stage"].originals[0].original, "floor");
        // A pair the documents never write stays.
        assert!(vetted.entries.contains_key("unseen"));
        assert_eq!(summary.vetted, 3);
        let dropped: Vec<&str> = summary.dropped.iter().map(|d| d.1.as_str()).collect();
        assert_eq!(dropped.len(), 2);
        assert!(dropped.contains(&"image") && dropped.contains(&"gauge"));
        assert_eq!(summary.failures, 0);
        // A loss smaller than the threshold keeps the pair: these lose 5 nats.
        let lenient = VetOptions {
            min_gain: -6.0,
            ..Default::default()
        };
        let (kept, summary) = vet(&table(), &[PAGE], &Likes(&["price", "indicator"]), &lenient);
        assert_eq!(kept, table());
        assert!(summary.dropped.is_empty());
    }

    #[test]
    fn only_whole_words_in_any_case_are_asked_at_most_the_limit() {
        let lower = PAGE.to_ascii_lowercase();
        let found = written_at(PAGE, &lower, "indicator", 10);
        // "Indicator" and the last "indicator"; not "indicators" nor "indicator-like".
        let words: Vec<&str> = found.iter().map(|r| &PAGE[r.clone()]).collect();
        assert_eq!(words, ["Indicator", "indicator"]);
        assert_eq!(written_at(PAGE, &lower, "indicator", 1).len(), 1);
    }

    #[test]
    fn a_failing_model_keeps_every_pair() {
        let (vetted, summary) = vet(&table(), &[PAGE], &FailingScorer, &VetOptions::default());
        assert_eq!(vetted, table());
        assert_eq!(summary.vetted, 0);
        assert!(summary.failures > 0);
    }

    fn proposal(written: &str, originals: &[&str]) -> crate::learn::Proposal {
        crate::learn::Proposal {
            written: written.into(),
            documents: 6.0,
            originals: originals.iter().map(|o| (*o).into()).collect(),
        }
    }

    const MARKET: &str = "The tier was set. Traders said the tier held, and the next tier \
        came. Phase two, the Intent, was weak; an intent to sell.";

    #[test]
    fn promotes_the_original_the_model_reads_best_and_only_that() {
        // "level" reads 5 nats better than "tier" wherever it is written; "phase" no better.
        let proposals = [
            proposal("tier", &["phase", "level"]),
            proposal("intent", &["purpose"]),
            // Written once only: one sentence's liking is not a habit.
            proposal("traders", &["level"]),
            // Already in the table.
            proposal("worth", &["level"]),
        ];
        let (promoted, summary) = promote(
            &table(),
            &proposals,
            &[MARKET],
            &Likes(&["level"]),
            &PromoteOptions::default(),
        );
        let tier = &promoted.entries["tier"];
        assert_eq!(tier.originals.len(), 1);
        assert_eq!(tier.originals[0].original, "level");
        assert!(!tier.attested);
        // Best in every place read: kept at the floor.
        assert_eq!(tier.kept, PROMOTED_LEAST_KEPT);
        assert!((tier.originals[0].share - 0.9).abs() < 1e-6);
        // "intent" is judged but its original reads no better: not promoted.
        assert!(!promoted.entries.contains_key("intent"));
        assert!(!promoted.entries.contains_key("traders"));
        assert_eq!(promoted.entries["worth"], table().entries["worth"]);
        assert_eq!(summary.judged, 2);
        assert_eq!(summary.promoted.len(), 1);
        assert!((summary.promoted[0].2 - 5.0).abs() < 1e-4, "{summary:?}");
        // The same proposals under a bar above the gain promote nothing.
        let strict = PromoteOptions {
            min_gain: 6.0,
            ..Default::default()
        };
        let (unchanged, _) = promote(&table(), &proposals, &[MARKET], &Likes(&["level"]), &strict);
        assert_eq!(unchanged, table());
    }

    /// [`Likes`], and guesses "rank", "phase", "tier" and "stock" after any context but one
    /// ending in "next", where it guesses "tier", "grade", "rank" and "stock".
    struct Guesses(Likes);

    impl ContinuationScorer for Guesses {
        fn name(&self) -> &str {
            "guesses"
        }
        fn score_continuations(
            &self,
            context: &str,
            continuations: &[String],
        ) -> Result<Vec<f32>, ScorerError> {
            self.0.score_continuations(context, continuations)
        }
        fn next_words(
            &self,
            contexts: &[String],
            limit: usize,
        ) -> Vec<Result<Vec<String>, ScorerError>> {
            contexts
                .iter()
                .map(|c| {
                    let words = match c.ends_with("next") {
                        true => ["tier", "grade", "rank", "stock"],
                        false => ["rank", "phase", "tier", "stock"],
                    };
                    Ok(words.iter().take(limit).map(|w| (*w).to_owned()).collect())
                })
                .collect()
        }
    }

    /// What the candidate lists hold for "tier" past any cut (not "stock").
    fn reachable(written: &str) -> Vec<String> {
        match written {
            "tier" => ["rank", "phase", "level", "grade", "tier"]
                .map(String::from)
                .to_vec(),
            _ => Vec::new(),
        }
    }

    #[test]
    fn an_original_the_model_guesses_in_most_places_is_judged_too() {
        // "tier" is written in three places; the model guesses "rank" and "stock" at all
        // three, "grade" at one, "phase" (already an original) at two and "tier" itself at
        // all three.
        let proposals = vec![proposal("tier", &["phase", "level"])];
        let scorer = Guesses(Likes(&["rank", "grade", "stock"]));
        let guess = |options: &GuessOptions, scorer: &dyn ContinuationScorer| {
            guess_originals(proposals.clone(), &[MARKET], scorer, options, &reachable)
        };
        let (guessed, summary) = guess(&GuessOptions::default(), &scorer);
        // Only "rank" was added: "stock" is in no candidate list of "tier", "grade" is
        // guessed once, "phase" is already there, and a phrase is not its own original.
        assert_eq!(guessed[0].originals, ["phase", "level", "rank"]);
        assert_eq!(
            summary,
            GuessSummary {
                guessed: 1,
                failures: 0
            }
        );
        // Judged beside the EM's originals, the guess is promoted.
        let (promoted, _) = promote(
            &table(),
            &guessed,
            &[MARKET],
            &scorer,
            &PromoteOptions::default(),
        );
        assert_eq!(promoted.entries["tier"].originals[0].original, "rank");
        // No words asked, or a model that cannot guess (the default): nothing added.
        let none = GuessOptions {
            words: 0,
            ..Default::default()
        };
        for (options, scorer) in [
            (&none, &scorer as &dyn ContinuationScorer),
            (&GuessOptions::default(), &Likes(&["rank"])),
        ] {
            let (same, summary) = guess(options, scorer);
            assert_eq!(same[0].originals, proposals[0].originals);
            assert_eq!(summary.guessed, 0);
        }
        // A failing model: each place is a failure, nothing added.
        let (same, summary) = guess(&GuessOptions::default(), &FailingScorer);
        assert_eq!(same[0].originals, proposals[0].originals);
        assert_eq!(summary.failures, 3);
    }

    #[test]
    fn a_failing_model_promotes_nothing() {
        let proposals = [proposal("tier", &["level"])];
        let (promoted, summary) = promote(
            &table(),
            &proposals,
            &[MARKET],
            &FailingScorer,
            &PromoteOptions::default(),
        );
        assert_eq!(promoted, table());
        assert_eq!(summary.judged, 0);
        assert_eq!(summary.failures, 3);
    }
}
