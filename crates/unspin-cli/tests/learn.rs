//! `unspin learn` and `--spinner`: a table learned from spun files is written, loaded and used;
//! a damaged table is refused with its name.

use std::process::{Command, Output};

fn unspin(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_unspin"))
        .args(args)
        .output()
        .expect("unspin runs")
}

fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("unspin-learn-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `unspin index add` of `sources` (JSON Lines) into `dir/index`, then `unspin learn --json
/// --index` of `copy`: the learn report.
fn learn_with_index(
    dir: &std::path::Path,
    sources: &std::path::Path,
    copy: &std::path::Path,
) -> serde_json::Value {
    let index = dir.join("index");
    let added = unspin(&[
        "index",
        "add",
        "--index",
        index.to_str().unwrap(),
        sources.to_str().unwrap(),
    ]);
    assert!(added.status.success(), "{added:?}");
    let out = unspin(&[
        "learn",
        "--json",
        "--index",
        index.to_str().unwrap(),
        "--out",
        dir.join("t.spinner").to_str().unwrap(),
        copy.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{out:?}");
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Whether a learn report's top pairs hold `spun` <- `original`.
fn has_pair(report: &serde_json::Value, spun: &str, original: &str) -> bool {
    report["top_pairs"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["spun"] == spun && p["original"] == original)
}

/// Spun copies of our own sentences: the spinner always writes "buying and selling" for
/// "trading".
fn write_spun_pages(dir: &std::path::Path) {
    let frames = [
        "Buying and selling in the shares was halted, officers stated on Tuesday.",
        "The warfare over housing in the town has gone on for too lengthy, buying and selling \
         volumes rose sharply and the mayor's workplace declined to remark.",
        "The exchange extended buying and selling hours, officers stated, in opposition to the \
         wishes of the council.",
        "Regulators are looking into buying and selling by company insiders, a spokesperson \
         stated, and the inquiry got here after weeks of warfare in the town.",
        "Heavy buying and selling pushed the index to a new high, officers stated, earlier than \
         the White Home of the council closed for the day.",
    ];
    for n in 0..4 {
        let text: Vec<&str> = frames.iter().cycle().skip(n).take(4).copied().collect();
        std::fs::write(dir.join(format!("{n}.txt")), text.join(" ")).unwrap();
    }
    // Two more pages as JSON Lines records, and a record without text, which is skipped.
    let records: Vec<String> = (0..2)
        .map(|n| {
            let text: Vec<&str> = frames.iter().cycle().skip(n + 2).take(3).copied().collect();
            serde_json::json!({"id": n, "text": text.join(" ")}).to_string()
        })
        .chain(["{\"id\": 9}".to_owned()])
        .collect();
    std::fs::write(dir.join("more.jsonl"), records.join("\n")).unwrap();
    // A binary file among them is reported and skipped, not fatal.
    std::fs::write(dir.join("9.txt"), b"\0\0\0").unwrap();
}

#[test]
fn a_learned_table_is_written_and_used_by_restore() {
    let dir = scratch("use");
    write_spun_pages(&dir);
    let table = dir.join("t.spinner");
    let out = unspin(&[
        "learn",
        "--json",
        "--family",
        "worthy",
        "--out",
        table.to_str().unwrap(),
        dir.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["summary"]["documents"], 6);
    assert_eq!(report["skipped"], 2);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("9.txt"), "{stderr}");
    assert!(stderr.contains("more.jsonl:3"), "{stderr}");
    // What is learned from four tiny pages is the core tests' and the wild-train test's
    // business; here: a table with pairs, top pairs listed, and a file that loads.
    assert!(report["table_pairs"].as_u64().unwrap() > 0);
    assert!(!report["top_pairs"].as_array().unwrap().is_empty());
    assert!(table.exists());

    let page = dir.join("0.txt");
    let learned_changes = |extra: &[&str]| {
        let mut args = vec!["--no-default-spinner"];
        args.extend_from_slice(extra);
        args.extend(["restore", "--json", page.to_str().unwrap()]);
        let out = unspin(&args);
        assert!(out.status.success());
        let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        r["changes"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["kind"] == "learned")
            .count()
    };
    assert!(learned_changes(&["--spinner", table.to_str().unwrap()]) > 0);
    assert_eq!(
        learned_changes(&[]),
        0,
        "control: no table, no learned change"
    );
}

#[test]
fn the_document_floor_trades_pairs_for_certainty_and_refuses_a_bad_value() {
    let dir = scratch("floor");
    write_spun_pages(&dir);
    let pairs_with = |floor: &str| {
        let out = unspin(&[
            "learn",
            "--json",
            "--min-documents",
            floor,
            "--out",
            dir.join(format!("t{floor}.spinner")).to_str().unwrap(),
            dir.to_str().unwrap(),
        ]);
        assert!(out.status.success(), "{out:?}");
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let left_out = report["summary"]["below_document_floor"].as_u64().unwrap();
        (report["table_pairs"].as_u64().unwrap(), left_out)
    };
    // Six pages: a pair the EM finds in one of them enters only under a floor of one.
    let (loose, usual, strict) = (pairs_with("1"), pairs_with("3"), pairs_with("7"));
    assert!(
        loose.0 > usual.0 && usual.0 > strict.0,
        "{loose:?} {usual:?} {strict:?}"
    );
    assert_eq!(
        strict.0, 0,
        "no pair can be found in more documents than there are"
    );
    // What a higher floor keeps out is said, not silently lost.
    assert_eq!(
        loose.1, 0,
        "under a floor of one nothing found once is left out"
    );
    assert!(
        usual.1 > 0 && strict.1 > usual.1,
        "{loose:?} {usual:?} {strict:?}"
    );
    for bad in ["NaN", "-1"] {
        let out = unspin(&[
            "learn",
            &format!("--min-documents={bad}"),
            "--out",
            dir.join("bad.spinner").to_str().unwrap(),
            dir.to_str().unwrap(),
        ]);
        assert_eq!(out.status.code(), Some(2), "{bad}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("--min-documents"), "{err}");
        assert!(!dir.join("bad.spinner").exists());
    }
}

#[test]
fn a_damaged_table_is_refused_with_its_name() {
    let dir = scratch("bad");
    let bad = dir.join("bad.spinner");
    std::fs::write(&bad, b"UNSPINMD not really a table").unwrap();
    let page = dir.join("p.txt");
    std::fs::write(&page, "The worth of the house rose.").unwrap();
    let out = unspin(&[
        "--spinner",
        bad.to_str().unwrap(),
        "restore",
        page.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.spinner"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn learning_from_nothing_readable_is_an_error() {
    let dir = scratch("empty");
    std::fs::write(dir.join("a.txt"), b"").unwrap();
    let out = unspin(&[
        "learn",
        "--out",
        dir.join("t.spinner").to_str().unwrap(),
        dir.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(!dir.join("t.spinner").exists());
}

#[test]
fn with_an_index_a_copy_teaches_the_pairs_it_swapped_against_its_source() {
    let dir = scratch("index");
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let table = dir.join("t.spinner");
    let report = learn_with_index(
        &dir,
        &root.join("examples/originals.jsonl"),
        &root.join("examples/spun-news.txt"),
    );
    assert_eq!(report["copies_aligned_with_their_source"], 1, "{report}");
    // Pairs only a source can tell: no thesaurus proposes "house" for "home" here.
    assert!(
        has_pair(&report, "officers stated", "officials said"),
        "{report}"
    );
    assert!(has_pair(&report, "home", "house"), "{report}");
    // Without an index the same copy is learned from its text alone: the aligned pairs are
    // not there.
    let plain = unspin(&[
        "learn",
        "--json",
        "--out",
        dir.join("plain.spinner").to_str().unwrap(),
        root.join("examples/spun-news.txt").to_str().unwrap(),
    ]);
    let plain: serde_json::Value = serde_json::from_slice(&plain.stdout).unwrap();
    assert_eq!(plain["copies_aligned_with_their_source"], 0, "{plain}");
    // A missing index is an error naming it.
    let missing = unspin(&[
        "learn",
        "--index",
        dir.join("nope").to_str().unwrap(),
        "--out",
        table.to_str().unwrap(),
        root.join("examples/spun-news.txt").to_str().unwrap(),
    ]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("nope"));
}

/// A filler the copy inserted ("the most" -> "essentially the most") aligns as no
/// substitution; it is learned with the aligned word beside it.
#[test]
fn with_an_index_a_filler_the_copy_inserted_is_learned_with_its_neighbour() {
    let dir = scratch("filler");
    let source = "City officials said on Tuesday that the council will open an inquiry into the \
                  developer, the most important case of the year. The mayor's office declined to \
                  comment, but a spokesperson said the war over housing in the town had gone on \
                  for too long.\n\nResidents who have protested against the plan for weeks have \
                  now written to the White House. \"We want a fair deal,\" one said.";
    let copy = "City officers stated on Tuesday that the council will open an inquiry into the \
                developer, essentially the most important case of the year. The mayor's workplace \
                declined to remark, but a spokesperson stated the warfare over housing in the town \
                had gone on for too lengthy.\n\nResidents who have protested in opposition to the \
                plan for weeks have now written to the White Home. \"We want a fair deal,\" one \
                stated.";
    let sources = dir.join("sources.jsonl");
    let line = serde_json::json!({"id": "inquiry", "text": source});
    std::fs::write(&sources, format!("{line}\n")).unwrap();
    let copy_file = dir.join("copy.txt");
    std::fs::write(&copy_file, copy).unwrap();
    let report = learn_with_index(&dir, &sources, &copy_file);
    assert_eq!(report["copies_aligned_with_their_source"], 1, "{report}");
    assert!(has_pair(&report, "essentially the", "the"), "{report}");
    assert!(
        has_pair(&report, "officers stated", "officials said"),
        "{report}"
    );
    // The words the copy wrote as its source did are held as written ("council",
    // "inquiry", "developer", ...), none that it wrote for another.
    let table = unspin_core::spinner::SpinnerTable::open(&dir.join("t.spinner")).unwrap();
    assert!(table.held.contains("inquiry"), "{:?}", table.held);
    assert!(!table.held.contains("officers") && !table.held.contains("home"));
    assert_eq!(report["held_as_written"], table.held.len());
}

#[test]
fn attested_pairs_alone_make_a_table_that_restores_their_phrases() {
    let dir = scratch("attested");
    let notes = dir.join("pairs.txt");
    std::fs::write(
        &notes,
        "# one page's notes per line\n\
         Buying and selling<-Trading; worth<-price/value\n\
         buying and selling<-trading; officers stated<-officials said\n",
    )
    .unwrap();
    let table = dir.join("t.spinner");
    let out = unspin(&[
        "learn",
        "--json",
        "--attested",
        notes.to_str().unwrap(),
        "--out",
        table.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["documents_with_attested_pairs"], 2);
    // "buying and selling" <- "trading", and the two-word pair with its words apart; the
    // alternatives ("price/value") are left out.
    assert_eq!(report["table_pairs"], 4, "{report}");

    // A spun page (check's probability relaxes the change cost): four of the spun frames.
    write_spun_pages(&dir);
    let page = dir.join("0.txt");
    let out = unspin(&[
        "--no-default-spinner",
        "--spinner",
        table.to_str().unwrap(),
        "restore",
        page.to_str().unwrap(),
    ]);
    assert!(out.status.success());
    let restored = String::from_utf8_lossy(&out.stdout);
    assert!(restored.contains("Trading in the shares"), "{restored}");
    let control = unspin(&["--no-default-spinner", "restore", page.to_str().unwrap()]);
    let control = String::from_utf8_lossy(&control.stdout);
    assert!(!control.contains("Trading in the shares"), "{control}");

    // A notes file without a single pair is an error that names it.
    std::fs::write(&notes, "worth<-price/value\n").unwrap();
    let out = unspin(&[
        "learn",
        "--attested",
        notes.to_str().unwrap(),
        "--out",
        dir.join("u.spinner").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("pairs.txt"), "{err}");
    assert!(!dir.join("u.spinner").exists());
}

/// A market report of our own, clean, and the same report as the embedded table's family
/// writes it ("worth" for price, "buying and selling" for trading, "easy shifting common"
/// for simple moving average).
const CLEAN_REPORT: &str = "Ethereum price started a fresh decline below the $3,200 zone. ETH \
    is now trading below $3,150 and the 100-hourly simple moving average. There was a break \
    below a key bullish trend line with support at $3,180 on the hourly chart of ETH/USD. \
    Traders are watching the $3,050 support level, where buyers defended the price twice last \
    week. If the bears push the price below $3,050, the next major support could be $2,980. On \
    the upside, the price is facing resistance near the $3,220 level and the simple moving \
    average. A close above $3,250 might send the price toward $3,320 in the near term, and \
    traders expect volatility to rise before the Federal Reserve meeting on Wednesday.";
const FAMILY_COPY: &str = "Ethereum worth began a contemporary decline beneath the $3,200 \
    zone. ETH is now buying and selling beneath $3,150 and the 100-hourly easy shifting common. \
    There was a break beneath a key bullish development line with help at $3,180 on the hourly \
    chart of ETH/USD. Merchants are watching the $3,050 help stage, the place patrons defended \
    the worth twice final week. If the bears push the worth beneath $3,050, the following main \
    help might be $2,980. On the upside, the worth is going through resistance close to the \
    $3,220 stage and the easy shifting common. A detailed above $3,250 may ship the worth \
    towards $3,320 within the close to time period, and merchants count on volatility to rise \
    earlier than the Federal Reserve assembly on Wednesday.";

#[test]
fn the_embedded_table_restores_its_familys_copy_and_leaves_a_clean_report_of_the_same_words_alone()
{
    let dir = scratch("family");
    let (clean, copy) = (dir.join("clean.txt"), dir.join("copy.txt"));
    std::fs::write(&clean, CLEAN_REPORT).unwrap();
    std::fs::write(&copy, FAMILY_COPY).unwrap();
    let restored = unspin(&["restore", "--diff", copy.to_str().unwrap()]);
    assert!(restored.status.success());
    let diff = String::from_utf8_lossy(&restored.stdout);
    for change in [
        "[buying and selling -> trading]",
        "[worth -> price]",
        "[easy -> simple] [shifting -> moving] [common -> average]",
        "[stage -> level]",
    ] {
        assert!(diff.contains(change), "{change} missing from {diff}");
    }
    // The report writes what the family replaces ("price", "trading", "level", "traders")
    // and none of its outputs: the table's guesses ("slow" for "simple") must not fire.
    let kept = unspin(&["restore", "--diff", clean.to_str().unwrap()]);
    assert!(kept.status.success());
    let diff = String::from_utf8_lossy(&kept.stdout);
    assert!(!diff.contains(" -> "), "a clean report was changed: {diff}");
}

#[test]
fn vetting_needs_a_neural_model_and_promoting_needs_vetting_said_before_learning() {
    let dir = scratch("vet-trigram");
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    for (flag, says) in [
        ("--vet", "--vet needs a neural model"),
        ("--promote", "--vet"),
    ] {
        let out = unspin(&[
            "learn",
            flag,
            "--out",
            dir.join("t.spinner").to_str().unwrap(),
            root.join("examples/spun-news.txt").to_str().unwrap(),
        ]);
        assert_eq!(out.status.code(), Some(2), "{flag}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(says), "{flag}: {err}");
        assert!(!dir.join("t.spinner").exists());
    }
}

#[test]
fn vetting_with_a_neural_model_puts_the_guesses_to_it_and_keeps_a_subset() {
    let path = unspin_neural::known_path("smollm2").expect("a known name");
    if !unspin_testkit::require(
        path.is_file(),
        &path.display().to_string(),
        "run scripts/fetch-neural-lm.sh",
    ) {
        return;
    }
    let dir = scratch("vet");
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    // One page teaches the EM no pair (each needs the documents' weight): the example four
    // times over, as four copies a spinner rewrote alike.
    let pages = dir.join("pages");
    std::fs::create_dir_all(&pages).unwrap();
    let text = std::fs::read_to_string(root.join("examples/spun-news.txt")).unwrap();
    for i in 0..4 {
        std::fs::write(pages.join(format!("{i}.txt")), &text).unwrap();
    }
    let learn = |vet: &[&'static str], name: &str| {
        let out_path = dir.join(name);
        let mut args = vec!["--lm", "smollm2", "learn", "--json", "--out"];
        args.push(out_path.to_str().unwrap());
        args.extend_from_slice(vet);
        args.push(pages.to_str().unwrap());
        let out = unspin(&args);
        assert!(out.status.success(), "{out:?}");
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        report
    };
    let plain = learn(&[], "plain.spinner");
    let vetted = learn(&["--vet"], "vetted.spinner");
    assert!(plain["vetted"].is_null(), "{plain}");
    assert!(vetted["promoted"].is_null(), "{vetted}");
    let v = &vetted["vetted"];
    let (asked, dropped) = (v["pairs"].as_u64().unwrap(), v["dropped"].as_u64().unwrap());
    assert!(asked > 0, "{vetted}");
    assert_eq!(v["failures"], 0, "{vetted}");
    // What is dropped leaves the table; nothing is added.
    assert_eq!(
        vetted["table_pairs"].as_u64().unwrap() + dropped,
        plain["table_pairs"].as_u64().unwrap(),
        "{plain} {vetted}"
    );
    // Promoting adds to the vetted table exactly the pairs it reports, each a phrase the
    // table did not read, and no more than it judged.
    let promoted = learn(&["--vet", "--promote"], "promoted.spinner");
    let p = &promoted["promoted"];
    assert!(p["proposals"].as_u64().unwrap() > 0, "{promoted}");
    let (judged, added) = (
        p["judged"].as_u64().unwrap(),
        p["promoted"].as_u64().unwrap(),
    );
    assert!(judged >= added && judged <= p["outside_the_table"].as_u64().unwrap());
    assert_eq!(p["failures"], 0, "{promoted}");
    assert_eq!(
        promoted["table_pairs"].as_u64().unwrap(),
        vetted["table_pairs"].as_u64().unwrap() + added,
        "{vetted} {promoted}"
    );
    for pair in p["most_promoted"].as_array().unwrap() {
        let spun = pair["spun"].as_str().unwrap();
        assert!(
            !vetted["top_pairs"]
                .as_array()
                .unwrap()
                .iter()
                .any(|t| t["spun"] == spun),
            "{spun} was promoted over a pair the table had"
        );
        assert!(pair["gain"].as_f64().unwrap() >= 2.0, "{pair}");
    }
}

/// `learn --pairs` (JSON Lines) and `--pair COPY SOURCE` (files): copies given beside their
/// sources teach the pairs they swapped, with no index; what does not align is reported and
/// left out; bad files are errors naming them.
#[test]
fn copies_given_beside_their_sources_teach_the_pairs_they_swapped() {
    let dir = scratch("pairs");
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let copy = std::fs::read_to_string(root.join("examples/spun-news.txt")).unwrap();
    let sources: Vec<serde_json::Value> =
        std::fs::read_to_string(root.join("examples/originals.jsonl"))
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
    let source_of = |id: &str| {
        sources.iter().find(|s| s["id"] == id).unwrap()["text"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    // The copy with its source, the copy with another story's source, a damaged record.
    let records = [
        serde_json::json!({"copy": copy, "source": source_of("council-inquiry")}).to_string(),
        serde_json::json!({"copy": copy, "source": source_of("river-bridge")}).to_string(),
        "{\"copy\": 1".to_owned(),
    ];
    let pairs = dir.join("pairs.jsonl");
    std::fs::write(&pairs, records.join("\n")).unwrap();
    let table = dir.join("t.spinner");
    let out = unspin(&[
        "learn",
        "--json",
        "--pairs",
        pairs.to_str().unwrap(),
        "--copy-field",
        "copy",
        "--source-field",
        "source",
        "--out",
        table.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["copies_aligned_with_their_source"], 1, "{report}");
    assert_eq!(report["copies_not_aligned"], 1, "{report}");
    assert_eq!(report["skipped"], 1, "{report}");
    assert!(
        stderr.contains("pairs.jsonl:2: the copy shares no passage"),
        "{stderr}"
    );
    assert!(stderr.contains("pairs.jsonl:3"), "{stderr}");
    assert!(
        has_pair(&report, "officers stated", "officials said"),
        "{report}"
    );
    assert!(has_pair(&report, "workplace", "office"), "{report}");
    // Restore reads the pairs in a text they were not learned from.
    let text = dir.join("new.txt");
    std::fs::write(
        &text,
        "The mayor's workplace declined to remark on the plan, officers stated on Friday.",
    )
    .unwrap();
    let restored = unspin(&[
        "--no-default-spinner",
        "--spinner",
        table.to_str().unwrap(),
        "restore",
        text.to_str().unwrap(),
    ]);
    assert!(restored.status.success());
    let restored = String::from_utf8_lossy(&restored.stdout);
    assert!(restored.contains("mayor's office"), "{restored}");
    assert!(restored.contains("officials said"), "{restored}");

    // The same copy and source as two files teach the same pairs.
    let (copy_file, source_file) = (dir.join("copy.txt"), dir.join("source.txt"));
    std::fs::write(&copy_file, &copy).unwrap();
    std::fs::write(&source_file, source_of("council-inquiry")).unwrap();
    let files = |copy: &std::path::Path, source: &std::path::Path| {
        unspin(&[
            "learn",
            "--json",
            "--pair",
            copy.to_str().unwrap(),
            source.to_str().unwrap(),
            "--out",
            dir.join("files.spinner").to_str().unwrap(),
        ])
    };
    let out = files(&copy_file, &source_file);
    assert!(out.status.success(), "{out:?}");
    let from_files: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(from_files["top_pairs"], report["top_pairs"]);
    assert_eq!(from_files["held_as_written"], report["held_as_written"]);

    // A copy beside a source it does not share a passage with teaches nothing: an error when
    // nothing else was given.
    let other = dir.join("other.txt");
    std::fs::write(&other, source_of("school-meals")).unwrap();
    let out = files(&copy_file, &other);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("no copy aligned with its source"));
    // A binary file, and a missing pairs file, are errors naming them.
    let binary = dir.join("binary.txt");
    std::fs::write(&binary, b"\0\x01\0").unwrap();
    let out = files(&copy_file, &binary);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("binary.txt"));
    let out = unspin(&[
        "learn",
        "--pairs",
        dir.join("missing.jsonl").to_str().unwrap(),
        "--out",
        table.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing.jsonl"));
}
