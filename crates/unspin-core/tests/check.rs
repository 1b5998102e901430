//! Check stops scoring a candidate once a bound shows it cannot matter
//! ([`LanguageModel::score_window_unless`]) and settles afterwards the phrases where a bound was
//! not enough: the reports must be exactly those of scoring every candidate to the end.

use std::sync::Arc;

use unspin_core::lm::{LanguageModel, WindowScore, WordId};
use unspin_core::{Engine, Model};

/// A language model that never stops at a bound: every window scored to the end.
struct Unbounded(Box<dyn LanguageModel>);

impl LanguageModel for Unbounded {
    fn id(&self, word: &str) -> Option<WordId> {
        self.0.id(word)
    }
    fn bos(&self) -> Option<WordId> {
        self.0.bos()
    }
    fn eos(&self) -> Option<WordId> {
        self.0.eos()
    }
    fn unigram(&self, w: WordId) -> f32 {
        self.0.unigram(w)
    }
    fn logprob(&self, prev2: Option<WordId>, prev: Option<WordId>, w: WordId) -> f32 {
        self.0.logprob(prev2, prev, w)
    }
    fn ceiling(&self, w: WordId) -> f32 {
        self.0.ceiling(w)
    }
    fn score_window_unless(
        &self,
        before: unspin_core::lm::State,
        middle: &[Option<WordId>],
        after: &[Option<WordId>],
        _negligible: &dyn Fn(f32) -> bool,
    ) -> WindowScore {
        WindowScore::Exact(self.score_window(before, middle, after))
    }
    fn vocab_len(&self) -> usize {
        self.0.vocab_len()
    }
    fn word(&self, id: WordId) -> &str {
        self.0.word(id)
    }
}

fn engines() -> (Engine, Engine) {
    let path = unspin_testkit::default_model_path();
    let bounded = Model::open(&path).expect("the default model loads");
    let mut unbounded = Model::open(&path).expect("the default model loads");
    let lm = unbounded.lm;
    unbounded.lm = Box::new(Unbounded(lm));
    (
        Engine::new(Arc::new(bounded)),
        Engine::new(Arc::new(unbounded)),
    )
}

/// The bundled examples, and a text whose phrase recurs in contexts that suit a candidate
/// unequally: "toward" reads better as "to" after "rise" and "climb" (a gain of about 5
/// nats) and worse in "the first step toward combining", where the bound alone rules it
/// out; its summed bound is then above zero and must be settled exactly.
#[test]
fn bounds_change_no_check_report() {
    let (bounded, unbounded) = engines();
    let root = unspin_testkit::repo_root();
    let mut texts: Vec<String> = ["examples/spun-news.txt", "examples/clean-news.txt"]
        .iter()
        .map(|p| std::fs::read_to_string(root.join(p)).expect("the example reads"))
        .collect();
    texts.push(
        "Analysts said the index will rise toward 9,000 by the summer. The bank hopes to \
         bring inflation toward its target next year. The vote was the first step toward \
         combining the two councils. Prices could climb toward record levels, traders said."
            .to_owned(),
    );
    for text in &texts {
        let a = serde_json::to_string(&bounded.check(text)).unwrap();
        let b = serde_json::to_string(&unbounded.check(text)).unwrap();
        assert_eq!(a, b, "{text}");
    }
}
