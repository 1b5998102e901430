//! Scores continuations of a context with a GGUF model: `score MODEL CONTEXT CONT...`.
use unspin_core::rescore::ContinuationScorer;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let lm = unspin_neural::NeuralLm::load(args[0].as_ref(), "lm").expect("model");
    let mut scores = Vec::new();
    for _ in 0..3 {
        let t = std::time::Instant::now();
        scores = lm
            .score_continuations(&args[1], &args[2..])
            .expect("scores");
        eprintln!("{:?}", t.elapsed());
    }
    for (c, s) in args[2..].iter().zip(scores) {
        println!("{s:9.3} {c}");
    }
}
