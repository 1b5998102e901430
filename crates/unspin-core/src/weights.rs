//! Every tuned number of the engine in one serde struct, [`Weights`]: the channel and decoder
//! weights of restore ([`Params`]) and the calibration of check ([`Calibration`]). A model
//! file may carry its own (`weights` section, JSON, see [`crate::model`]); eval's `--set`
//! edits the same struct by field name ([`Weights::set`]).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// All of the engine's tunable numbers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Weights {
    /// Channel and decoder weights of restore.
    pub restore: Params,
    /// How check turns its features into a probability and a verdict.
    pub check: Calibration,
    /// Most thesaurus candidates kept per span; the rest are rarely right and cost decode
    /// time.
    pub candidate_limit: usize,
    /// Candidates per span that check scores, best prior first: the language model is most
    /// of check's cost, and the original of a spun phrase is nearly always among the first
    /// few.
    pub check_candidates: usize,
    /// Most evidence items a check report lists.
    pub max_evidence: usize,
}

impl Default for Weights {
    fn default() -> Self {
        Weights {
            restore: Params::default(),
            check: Calibration::default(),
            candidate_limit: 24,
            check_candidates: 8,
            max_evidence: 10,
        }
    }
}

/// Why [`Weights::set`] refused a setting.
#[derive(Debug, thiserror::Error)]
pub enum SettingError {
    /// The setting is not `name=value`.
    #[error("setting {0:?} is not name=value")]
    Syntax(String),
    /// No field has that name.
    #[error("no weight named {0:?} (see unspin_core::weights::Weights)")]
    Unknown(String),
    /// More than one group has a field of that name: the group must be named.
    #[error("{0:?} names fields in several groups; write group.{0}")]
    Ambiguous(String),
    /// The value does not fit the field.
    #[error("{name}: {message}")]
    Value {
        /// The field.
        name: String,
        /// What was wrong.
        message: String,
    },
}

impl Weights {
    /// Sets one field from `name=value`, where `name` is a field path (`restore.change_cost`,
    /// `check.bias`, `candidate_limit`) or a field name that only one group has
    /// (`change_cost`), and `value` is JSON (a number, `true`, an array for `weights`).
    pub fn set(&mut self, setting: &str) -> Result<(), SettingError> {
        let (name, value) = setting
            .split_once('=')
            .ok_or_else(|| SettingError::Syntax(setting.to_owned()))?;
        let value: serde_json::Value =
            serde_json::from_str(value.trim()).map_err(|e| SettingError::Value {
                name: name.to_owned(),
                message: format!("{value:?} is not a JSON value: {e}"),
            })?;
        let mut tree = serde_json::to_value(&*self).expect("weights serialise");
        let path = self.resolve(&tree, name.trim())?;
        let slot = path
            .iter()
            .try_fold(&mut tree, |node, key| node.get_mut(key.as_str()))
            .expect("a resolved path exists");
        *slot = value;
        *self = serde_json::from_value(tree).map_err(|e| SettingError::Value {
            name: name.to_owned(),
            message: e.to_string(),
        })?;
        Ok(())
    }

    /// The full path of a field name.
    fn resolve(&self, tree: &serde_json::Value, name: &str) -> Result<Vec<String>, SettingError> {
        let parts: Vec<String> = name.split('.').map(str::to_owned).collect();
        let exists = |path: &[String]| {
            path.iter()
                .try_fold(tree, |node, key| node.get(key.as_str()))
                .is_some_and(|v| !v.is_object())
        };
        if exists(&parts) {
            return Ok(parts);
        }
        if parts.len() == 1 {
            let groups: Vec<Vec<String>> = tree
                .as_object()
                .into_iter()
                .flatten()
                .filter(|(_, v)| v.is_object())
                .map(|(group, _)| vec![group.clone(), name.to_owned()])
                .filter(|path| exists(path))
                .collect();
            match groups.len() {
                1 => return Ok(groups.into_iter().next().expect("one")),
                0 => {}
                _ => return Err(SettingError::Ambiguous(name.to_owned())),
            }
        }
        Err(SettingError::Unknown(name.to_owned()))
    }
}

/// Channel and decoder weights of restore.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Params {
    /// Cost (nats) of any replacement: how unlikely it is a priori that a phrase was spun.
    pub change_cost: f32,
    /// Weight of ln P(spun | original): the spinner's choice of this member of the group.
    pub fanout_weight: f32,
    /// Bonus when Moby and WordNet both attest the edge.
    pub agreement_bonus: f32,
    /// Bonus when each phrase lists the other as a synonym.
    pub mutual_bonus: f32,
    /// Extra cost of a candidate reached by re-inflection.
    pub inflected_cost: f32,
    /// Extra cost of a closed-class rewrite (a contraction).
    pub closed_class_cost: f32,
    /// Cost of the spinner's choice for an edge of the paraphrase table (in place of the
    /// fan-out term).
    pub paraphrase_cost: f32,
    /// Extra cost per extra word of difference between spun and original length.
    pub length_cost: f32,
    /// Hypotheses kept per position.
    pub beam: usize,
    /// In restore's first pass, which finds the phrases worth deciding and the context each
    /// is judged in, hypotheses more than this many nats below the best at their position
    /// are dropped, on top of the [`Params::beam`] limit (0 = no such limit). Most of the
    /// first pass's hypotheses trail by far more, where every candidate of a span reads
    /// worse than the words as written; the second pass decodes with the beam alone.
    pub first_pass_width: f32,
    /// Least document-level gain (nats) for which a spun phrase is restored.
    pub margin: f32,
    /// Bonus for using the document's chosen original for a phrase in the second pass.
    pub consistency_bonus: f32,
    /// Nats taken off [`Params::change_cost`] in a document `check` judges spun, scaled by
    /// its probability: where a spinner has been at work, any phrase is likelier to be spun.
    pub spun_relax: f32,
    /// Cost (nats) of restoring an original that the document still has, kept as written,
    /// elsewhere: a spinner replaces every occurrence of what it spins.
    pub kept_original_cost: f32,
    /// [`Params::kept_original_cost`] for a pair people attested of the loaded tables'
    /// family: the pair is the spinner's, and the family leaves its original written
    /// elsewhere on the page now and then (45 of the 884 pairs noted on wild-train's
    /// thesaurus-A pages), so the original's presence says little against it. Guessed pairs
    /// and thesaurus candidates keep the full cost, their check against a chance synonym.
    pub attested_kept_original_cost: f32,
    /// Words at least this likely (unigram natural-log probability) are exempt from
    /// [`Params::kept_original_cost`]: spinners rewrite them inside longer phrases only.
    pub common_word_logprob: f32,
    /// Phrases per 100 words reading better restored at and above which a spun document gets
    /// the whole of [`Params::spun_relax`]; below it, a share in proportion (0 = always all).
    pub full_relax_density: f32,
    /// Cost (nats) of a pair a learned spinner table attests, on top of its learned ratio:
    /// the table was learned from spun documents, where spinning is the rule.
    pub learned_cost: f32,
    /// Extra cost (nats) of a learned pair in a form the table did not see, put into it from
    /// a form it did ("promoted" <- "sold" from "promoting" <- "selling"): the spinner's
    /// table is kept by lemma, but a form's reading can be wrong ("found" as "find").
    pub learned_inflected_cost: f32,
    /// Share of [`Params::spun_relax`] this document has earned (spin probability x extent,
    /// see [`Params::for_spin_probability`]; 0 until `check` has judged it). A learned pair
    /// pays the rest, so that a clean document's "worth" is not taken for the spinner's
    /// "price".
    pub spin_evidence: f32,
    /// `check`'s probability that this document is spun (0 until it has judged it). A pair
    /// people attested pays only the part of [`Params::spun_relax`] this leaves unearned:
    /// the thesaurus's phrase density, which scales [`Params::spin_evidence`], cannot see a
    /// spinner whose words no thesaurus links to their originals, which is what a table is for.
    pub spin_probability: f32,
    /// How far this document reads as the loaded tables' family (0..1; 1 until `check` has
    /// judged it, see [`Params::with_family_evidence`]): the share of the earned relaxation
    /// a learned pair may use, and the part of [`Params::family_cost`] it is spared. A clean
    /// market report and the family's copy of one both look spun to the thesaurus, but only
    /// the copy writes the family's outputs more often than the words the family replaces.
    pub family_share: f32,
    /// Ratio of the family's outputs to the words people attested it replaces (attested
    /// density plus `family_ratio_high / 2` over attested replaced density plus a half, per
    /// 100 words, see [`crate::check::Features`]) at and below which a document is not the
    /// family's (`family_share` 0).
    pub family_ratio_low: f32,
    /// The ratio at and above which it is the family's (`family_share` 1); at or below
    /// `family_ratio_low`, the family evidence is off. The bounds, 1.0 and 1.5, were read
    /// from the ratio's distributions with the vetted table (BENCHMARKS.md, session 39):
    /// without the EM's jargon guesses, which every crypto page writes, the ratio is lower on
    /// the family's pages and on clean market reports alike.
    pub family_ratio_high: f32,
    /// Cost (nats) a learned pair pays in a document that is not the family's, in proportion
    /// to `1 - family_share`: there the table's choice says nothing, and a clean report's
    /// "simple moving average" must not become the EM's "slow moving average".
    pub family_cost: f32,
    /// With a second language model (see [`crate::rescore`]): phrases whose document-level
    /// decision is within this many nats of going the other way (of the margin, or of the
    /// runner-up original) are decided by it.
    pub rescore_margin: f32,
    /// Originals of such a phrase that the second model scores (the trigram's best first).
    pub rescore_candidates: usize,
    /// Weight of the second model's log-probability gain, in place of the trigram's.
    pub rescore_weight: f32,
    /// Words after the phrase, as written, that the second model reads.
    pub rescore_right_words: usize,
    /// Occurrences of a close phrase the second model scores (the first ones; it is slow).
    pub rescore_occurrences: usize,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            change_cost: 9.0,
            fanout_weight: 1.0,
            agreement_bonus: 1.0,
            mutual_bonus: 3.0,
            inflected_cost: 0.5,
            closed_class_cost: 1.0,
            paraphrase_cost: 2.0,
            length_cost: 0.5,
            beam: 8,
            first_pass_width: 6.0,
            margin: 2.5,
            consistency_bonus: 3.0,
            spun_relax: 6.0,
            kept_original_cost: 6.0,
            attested_kept_original_cost: 0.0,
            common_word_logprob: -5.0,
            full_relax_density: 2.0,
            learned_cost: 1.0,
            learned_inflected_cost: 0.5,
            spin_evidence: 0.0,
            spin_probability: 0.0,
            family_share: 1.0,
            family_ratio_low: 1.0,
            family_ratio_high: 1.5,
            family_cost: 6.0,
            rescore_margin: 3.0,
            rescore_candidates: 3,
            rescore_weight: 1.0,
            rescore_right_words: 4,
            rescore_occurrences: 2,
        }
    }
}

impl Params {
    /// [`Params::first_pass_width`] as the decoder takes it: infinite for 0 (no limit).
    pub fn first_pass_limit(&self) -> f32 {
        if self.first_pass_width > 0.0 {
            self.first_pass_width
        } else {
            f32::INFINITY
        }
    }

    /// The weights for one document that is spun with probability `p` and has
    /// `phrase_density` phrases per 100 words that read better restored (see
    /// [`crate::check::Features::phrase_density`]).
    pub fn for_spin_probability(&self, p: f32, phrase_density: f32) -> Params {
        let p = p.clamp(0.0, 1.0);
        // A lightly spun document is spun, but most of its phrases are not: the relaxation
        // grows with how much of the text reads as spun, up to `full_relax_density`.
        let extent = if self.full_relax_density > 0.0 {
            (phrase_density / self.full_relax_density).clamp(0.0, 1.0)
        } else {
            1.0
        };
        Params {
            change_cost: self.change_cost - self.spun_relax * p * extent,
            spin_evidence: p * extent,
            spin_probability: p,
            ..self.clone()
        }
    }

    /// These weights for a document in which the loaded tables' outputs (weighted by how
    /// often each is rewritten) and the words people attested their spinner replaces occur
    /// at these densities per 100 words ([`crate::check::Features::attested_density`] and
    /// [`crate::check::Features::attested_replaced_density`]). See BENCHMARKS.md for the
    /// ratio on the family's held-out pages and on clean texts.
    pub fn with_family_evidence(&self, attested_density: f32, attested_replaced: f32) -> Params {
        let share = if self.family_ratio_high > self.family_ratio_low {
            // Half a word per 100 on each side, in the ratio that counts as the family's: a
            // text that shows neither the family's outputs nor the words it replaces (a
            // table too small to name its tells, a short text) keeps the table's whole say.
            let ratio =
                (attested_density + 0.5 * self.family_ratio_high) / (attested_replaced + 0.5);
            ((ratio - self.family_ratio_low) / (self.family_ratio_high - self.family_ratio_low))
                .clamp(0.0, 1.0)
        } else {
            1.0
        };
        Params {
            family_share: share,
            ..self.clone()
        }
    }

    /// Whether restore reads check's probability (else it restores with these weights as
    /// they are, and need not check first).
    pub fn reads_spin_probability(&self) -> bool {
        self.spun_relax > 0.0
    }
}

/// Number of features in [`Calibration::weights`].
pub const FEATURES: usize = 6;

/// Logistic calibration of check's features, and the verdict policy.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Calibration {
    /// Intercept.
    pub bias: f32,
    /// One weight per feature (see [`crate::check::Features::to_vec`]).
    pub weights: [f32; FEATURES],
    /// Probability at or above which the verdict is spun.
    pub threshold: f32,
    /// Documents with fewer words get the verdict too-short.
    pub min_words: usize,
    /// Change cost (nats) of the channel the features are measured with. The weights were
    /// fitted under it, so check keeps it whatever cost restore uses.
    pub feature_change_cost: f32,
    /// Gain (nats) above which a phrase counts towards the phrase density feature.
    pub strong_gain: f32,
    /// Language-model-only gain (nats) above which a span counts towards the low LM feature.
    pub lm_gain_low: f32,
    /// The same for the high LM feature.
    pub lm_gain_high: f32,
    /// Weight of the attested density (phrases a loaded spinner table attests) in the logit.
    /// The synthetic spins that fit the other weights contain no deployed spinner's outputs,
    /// so this one is set on real pages (see BENCHMARKS.md); 0 leaves the probability as the
    /// thesaurus channel gives it.
    pub attested_weight: f32,
    /// Weight of the replaced density (words a loaded table's spinner replaces, written all
    /// the same): evidence against the table's family, which takes back what its tells add
    /// (see [`crate::check::Calibration::family_evidence`]; never below nothing).
    pub replaced_weight: f32,
    /// Surprise (nats) of a written phrase at or under which an attested tell counts for
    /// nothing in [`crate::check::Features::attested_tell_density`]: about one word in 3,000
    /// ("information", "help"), which clean text writes of its own accord.
    pub tell_common_surprise: f32,
    /// Surprise (nats) at or over which it counts in full: about one in 160,000 ("merchants";
    /// most multi-word tells, "buying and selling").
    pub tell_rare_surprise: f32,
    /// Per neural language model (by its `--lm` name): how its agreement with the evidence
    /// and check's own probability make the probability reported when check runs with it
    /// ([`crate::neural_check`]). A model without an entry leaves check as the trigram
    /// model makes it.
    pub neural: BTreeMap<String, NeuralCalibration>,
}

impl Default for Calibration {
    /// `bias` and `weights` fitted by `unspin-eval --wild-train ../shared/data/wild-train
    /// --fit-calibration --attested-pairs words --split dev --limit 500 --fit-clean
    /// work-data/brown/fit` (synthetic spins of the development half, the Brown corpus's fit
    /// half at half weight, the real spun pages; BENCHMARKS.md, "Calibrated on real pages
    /// too"); `attested_weight` and `replaced_weight` by `--fit-attested` before it. `neural`
    /// (SmolLM2 only) by `unspin-eval --wild-train ../shared/data/wild-train --attested-pairs
    /// words --fit-neural-check --neural-lm FILE --fit-clean work-data/brown/fit` (the real
    /// spun pages, the Brown fit half at half weight; BENCHMARKS.md, "check with the neural
    /// model").
    fn default() -> Self {
        Calibration {
            bias: -2.5993,
            weights: [0.3091, -0.1212, 14.869, 0.0209, -0.0979, 0.9400],
            threshold: 0.5,
            min_words: 50,
            feature_change_cost: 5.5,
            strong_gain: 2.5,
            lm_gain_low: 4.0,
            lm_gain_high: 8.0,
            attested_weight: 0.05,
            replaced_weight: -0.05,
            tell_common_surprise: 8.0,
            tell_rare_surprise: 12.0,
            neural: BTreeMap::from([(
                "smollm2".to_owned(),
                NeuralCalibration {
                    bias: -1.8902,
                    check_weight: 0.6504,
                    agreement_weight: 0.0828,
                },
            )]),
        }
    }
}

/// How check's probability and a neural model's [`crate::neural_check::agreement`] make
/// the probability reported under that model: a logistic fit on the two, `bias +
/// check_weight * logit(check's probability) + agreement_weight * agreement`. Fitted per model (each has its own scale of
/// nats) by `unspin-eval --wild-train DIR --fit-neural-check --neural-lm FILE`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NeuralCalibration {
    /// Intercept.
    pub bias: f32,
    /// Weight of check's own log-odds.
    pub check_weight: f32,
    /// Weight of the agreement (per nat per 100 words).
    pub agreement_weight: f32,
}

impl NeuralCalibration {
    /// The probability of spun given check's probability and the agreement.
    pub fn probability(&self, check_probability: f32, agreement: f32) -> f32 {
        let p = check_probability.clamp(1e-6, 1.0 - 1e-6);
        let z = self.bias
            + self.check_weight * (p / (1.0 - p)).ln()
            + self.agreement_weight * agreement;
        1.0 / (1.0 + (-z).exp())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_family_share_grows_with_the_familys_outputs_over_the_words_it_replaces() {
        let p = Params::default();
        let (low, high) = (p.family_ratio_low, p.family_ratio_high);
        // Ratio = (attested + high / 2) / (attested replaced + 0.5).
        let share = |ratio: f32, replaced: f32| {
            let attested = ratio * (replaced + 0.5) - 0.5 * high;
            p.with_family_evidence(attested, replaced).family_share
        };
        assert_eq!(share(low, 10.0), 0.0);
        assert_eq!(share(low / 2.0, 10.0), 0.0);
        assert!((share(high, 10.0) - 1.0).abs() < 1e-4);
        let mid = share((low + high) / 2.0, 10.0);
        assert!((mid - 0.5).abs() < 1e-4, "{mid}");
        // Words the family replaces and none of its outputs: not the family's.
        assert_eq!(p.with_family_evidence(0.0, 5.0).family_share, 0.0);
        // No evidence either way: the table keeps its whole say.
        assert_eq!(p.with_family_evidence(0.0, 0.0).family_share, 1.0);
        assert_eq!(p.with_family_evidence(20.0, 0.0).family_share, 1.0);
        // Off: every document is the family's.
        let off = Params {
            family_ratio_high: low,
            ..p.clone()
        };
        assert_eq!(off.with_family_evidence(0.0, 10.0).family_share, 1.0);
        // Before check has judged, the share is whole (the pair pays the whole relaxation).
        assert_eq!(p.family_share, 1.0);
    }

    #[test]
    fn settings_reach_fields_by_path_or_by_unique_name() {
        let mut w = Weights::default();
        w.set("restore.change_cost=5").unwrap();
        w.set("bias=-1.5").unwrap();
        w.set("candidate_limit=30").unwrap();
        w.set("check.weights=[1,2,3,4,5,6]").unwrap();
        assert_eq!(w.restore.change_cost, 5.0);
        assert_eq!(w.check.bias, -1.5);
        assert_eq!(w.candidate_limit, 30);
        assert_eq!(w.check.weights, [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
        w.set("change_cost=1").unwrap();
        assert_eq!(w.restore.change_cost, 1.0);
        assert!(matches!(
            w.set("nothing.change_cost=1"),
            Err(SettingError::Unknown(_))
        ));
        assert!(matches!(w.set("nonsense=1"), Err(SettingError::Unknown(_))));
        assert!(matches!(w.set("beam=-1"), Err(SettingError::Value { .. })));
        assert!(matches!(w.set("beam"), Err(SettingError::Syntax(_))));
        assert_eq!(
            w.restore.beam,
            Params::default().beam,
            "a refused setting changes nothing"
        );
    }

    #[test]
    fn weights_survive_json() {
        let w = Weights::default();
        let back: Weights = serde_json::from_str(&serde_json::to_string(&w).unwrap()).unwrap();
        assert_eq!(back, w);
    }
}
