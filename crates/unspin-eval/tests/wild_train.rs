//! Learning without originals (a few attested pairs per page) on real spun pages: `unspin-eval --wild-train` on
//! `../shared/data/wild-train` (read there, never copied), two folds by source group, against
//! floors. The data lies beside the repository; without it the test says so and passes on a
//! developer's machine, and fails under CI (`CI=true`).

use std::path::{Path, PathBuf};
use std::process::Command;

fn shared(name: &str) -> Option<PathBuf> {
    unspin_testkit::shared_data(name)
}

#[test]
fn a_table_learned_on_some_source_groups_restores_the_others() {
    let (Some(train), Some(clean)) = (shared("wild-train"), shared("wild-clean-dev")) else {
        return;
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let out = Command::new(env!("CARGO_BIN_EXE_unspin-eval"))
        .current_dir(&root)
        .arg("--wild-train")
        .arg(&train)
        .arg("--clean")
        .arg(&clean)
        // As the embedded table is built: EM over the pages and the pages' attested pairs
        // (the training fold's only; the other fold's score the restoration).
        .args(["--attested-pairs", "words"])
        .output()
        .expect("unspin-eval runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let generic = r["generic_share"].as_f64().unwrap();
    let learned = r["learned_share"].as_f64().unwrap();
    // Measured 0.035 and 0.533 (2026-12-04; 0.486 when the floor was first set at 0.43,
    // 0.189 from the EM alone; BENCHMARKS.md); the floors leave room for float noise only.
    assert!(learned >= 0.52, "learned share {learned}");
    assert!(
        learned >= 2.5 * generic,
        "learned {learned} vs generic {generic}"
    );
    // The table's attested tells in check, with the calibration fitted on real pages too
    // (`--fit-calibration`): measured 114 of 117 held-out pages flagged (70 without the
    // table) and an AUC against the clean texts of 0.990 (0.964 without), 1 of the 50 clean
    // texts flagged with each fold's table (1 without).
    let flagged = r["learned_flagged"].as_u64().unwrap();
    assert!(flagged >= 113, "held-out pages flagged {flagged}");
    // The pages it misses are listed, each once and below check's threshold (measured: 0125,
    // 0146, 0168 at 0.24-0.36).
    let unflagged = r["learned_unflagged_pages"].as_array().unwrap();
    assert_eq!(
        unflagged.len() as u64,
        r["pages"].as_u64().unwrap() - flagged,
        "{unflagged:?}"
    );
    for page in unflagged {
        assert!(page["probability"].as_f64().unwrap() < 0.5, "{page}");
    }
    let (auc, generic_auc) = (
        r["learned_auc"].as_f64().unwrap(),
        r["generic_auc"].as_f64().unwrap(),
    );
    assert!(
        auc >= 0.985 && auc > generic_auc,
        "AUC {auc} vs {generic_auc}"
    );
    // The attested occurrences by what the training fold shows of each pair: every occurrence
    // in one class, and a pair the training fold's notes hold is put back (measured 89.8% of
    // 568, against 21.9% of the 648 whose phrase the training pages never write).
    let by_data = &r["by_training_data"]["learned"];
    let classes = ["noted", "seen_3_or_more", "seen_1_or_2", "unseen"];
    let total = |field: &str| -> u64 {
        classes
            .iter()
            .map(|c| by_data[c][field].as_u64().unwrap())
            .sum()
    };
    let scores: Vec<&serde_json::Value> = r["folds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| &f["learned"]["score"])
        .collect();
    let sum = |field: &str| -> u64 { scores.iter().map(|s| s[field].as_u64().unwrap()).sum() };
    assert_eq!(total("occurrences"), sum("occurrences"), "{by_data}");
    assert_eq!(total("put_back"), sum("restored"), "{by_data}");
    let noted = by_data["noted"]["share"].as_f64().unwrap();
    let unseen = by_data["unseen"]["share"].as_f64().unwrap();
    assert!(noted >= 0.85 && noted > unseen, "{by_data}");
    // Most changes are the table's (measured 3,540 of 4,313), and the occurrences changed to
    // another original are among those not put back (measured 192).
    assert!(5 * sum("table_changes") >= 3 * sum("changes"), "{scores:?}");
    assert!(
        sum("changed_otherwise") <= sum("occurrences") - sum("restored"),
        "{scores:?}"
    );
    for fold in r["folds"].as_array().unwrap() {
        let l = &fold["learned"]["clean"];
        assert!(l["flagged"].as_u64().unwrap() <= 1, "{fold}");
        // Measured 0.20 per fold (0.41-0.44 before the change cost rose with the
        // relaxation, 2026-12-01).
        assert!(l["changes_per_200"].as_f64().unwrap() <= 0.3, "{fold}");
    }
}
