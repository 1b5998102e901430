//! `unspin scan` end to end on a WARC built here from the wild-dev texts (read from
//! `../shared/`, wrapped as HTML pages at test time, never committed), with a truncated
//! record, a record with a broken header and a non-HTML record among them.

use std::path::{Path, PathBuf};
use std::process::Command;

mod common;

use unspin_testkit::warc_writer::{gzip_member, html_page, WarcWriter};

use common::wild_dev;

fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Thesaurus-spun copies (must be flagged) and clean articles (must pass).
const SPUN: [&str; 4] = ["000.spun", "004.spun", "009.spun", "102.spun-only"];
const CLEAN: [&str; 5] = [
    "205.clean",
    "206.clean",
    "214.clean",
    "216.clean",
    "218.clean",
];

fn url_of(name: &str) -> String {
    let site = if name.contains("spun") {
        "spinner.example"
    } else {
        "news.example"
    };
    format!("https://www.{site}/{name}")
}

/// Builds the test crawl: warcinfo, the pages in order with a truncated gzip member after
/// the second, a PNG response, and a record whose header is not WARC. Returns the offsets
/// of the two damaged records (`None` without the wild-dev data).
fn build_warc(path: &Path) -> Option<(u64, u64)> {
    let dir = wild_dev()?;
    let mut w = WarcWriter::new(std::fs::File::create(path).unwrap(), true);
    w.write_info("unspin tests").unwrap();
    let mut damaged = Vec::new();
    for (i, name) in SPUN.iter().chain(CLEAN.iter()).enumerate() {
        let text = std::fs::read_to_string(dir.join(format!("{name}.txt"))).unwrap();
        let page = html_page(name, &text);
        w.write_response(&url_of(name), "text/html; charset=utf-8", page.as_bytes())
            .unwrap();
        match i {
            1 => {
                // A page whose gzip member was cut short in transfer.
                damaged.push(w.offset());
                let page = html_page("cut", &text);
                let mut record = Vec::new();
                {
                    let mut tmp = WarcWriter::new(&mut record, false);
                    let raw = tmp.record(
                        "response",
                        Some("https://www.cut.example/page"),
                        "application/http; msgtype=response",
                        format!("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n{page}")
                            .as_bytes(),
                    );
                    tmp.write_bytes(&raw).unwrap();
                }
                let member = gzip_member(&record).unwrap();
                w.write_bytes(&member[..member.len() / 2]).unwrap();
            }
            3 => {
                // An image: counted and skipped as not HTML.
                w.write_response(
                    "https://www.news.example/logo.png",
                    "image/png",
                    b"\x89PNG\r\n\x1a\n....",
                )
                .unwrap();
            }
            5 => {
                // A record whose header is garbage.
                damaged.push(w.offset());
                w.write_raw(b"WARX/9.9\r\nnonsense\r\n\r\nmore nonsense\r\n\r\n")
                    .unwrap();
            }
            _ => {}
        }
    }
    w.finish().unwrap();
    Some((damaged[0], damaged[1]))
}

fn scan(args: &[&str]) -> (std::process::Output, Vec<serde_json::Value>) {
    let out = Command::new(env!("CARGO_BIN_EXE_unspin"))
        .arg("scan")
        .args(args)
        .output()
        .unwrap();
    let lines = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("every output line is JSON"))
        .collect();
    (out, lines)
}

#[test]
fn scan_of_a_warc_flags_spun_pages_passes_clean_ones_and_skips_damage() {
    let dir = scratch("scan-warc");
    let warc = dir.join("crawl.warc.gz");
    let Some((truncated_at, bad_header_at)) = build_warc(&warc) else {
        return;
    };
    let summary_path = dir.join("summary.json");
    let (out, lines) = scan(&[
        warc.to_str().unwrap(),
        "--summary",
        summary_path.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    // Damaged records make the exit status 2, after everything else was scanned.
    assert_eq!(out.status.code(), Some(2), "{stderr}");

    for name in SPUN.iter().chain(CLEAN.iter()) {
        let line = lines
            .iter()
            .find(|l| l["url"] == url_of(name))
            .unwrap_or_else(|| panic!("no result for {name}: {stderr}"));
        let expected = if name.contains("spun") {
            "spun"
        } else {
            "clean"
        };
        let verdict = line["verdict"].as_str().unwrap();
        assert!(
            verdict == expected || (expected == "clean" && verdict == "too-short"),
            "{name}: {line}"
        );
        assert_eq!(
            line["site"],
            url_of(name)
                .split('/')
                .nth(2)
                .unwrap()
                .trim_start_matches("www.")
        );
        assert!(line["offset"].as_u64().is_some(), "{line}");
    }
    let errors: Vec<u64> = lines
        .iter()
        .filter(|l| l.get("error").is_some())
        .map(|l| l["offset"].as_u64().unwrap())
        .collect();
    assert_eq!(errors, vec![truncated_at, bad_header_at], "{stderr}");
    let png = lines
        .iter()
        .find(|l| l["url"] == "https://www.news.example/logo.png")
        .unwrap();
    assert_eq!(png["skipped"], "not-html");
    assert_eq!(png["detail"], "image/png");

    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&summary_path).unwrap()).unwrap();
    assert_eq!(summary["documents"], 9, "{summary}");
    assert_eq!(summary["spun"], 4, "{summary}");
    assert_eq!(summary["malformed"], 2, "{summary}");
    assert_eq!(summary["skipped"]["not-html"], 1, "{summary}");
    assert_eq!(summary["skipped"]["not-a-page"], 1, "{summary}"); // the warcinfo record
    assert_eq!(summary["records"], 13, "{summary}");
    assert_eq!(summary["top_sites"][0]["site"], "spinner.example");
    assert_eq!(summary["top_sites"][0]["spun"], 4);
    let histogram: u64 = summary["histogram"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["documents"].as_u64().unwrap())
        .sum();
    assert_eq!(histogram, 9 - summary["too_short"].as_u64().unwrap());
    assert!(stderr.contains("damaged or unreadable: 2"), "{stderr}");
}

#[test]
fn the_same_crawl_reads_the_same_plain_and_from_standard_input() {
    let dir = scratch("scan-plain");
    let text = "The council voted on Tuesday to close the old bridge to traffic after \
                engineers found cracks in two of its supports. "
        .repeat(6);
    let mut w = WarcWriter::new(Vec::new(), false);
    w.write_response(
        "https://a.example/1",
        "text/html",
        html_page("Bridge", &text).as_bytes(),
    )
    .unwrap();
    w.write_bytes(b"garbage that is not a record\r\n").unwrap();
    w.write_response(
        "https://a.example/2",
        "text/html",
        html_page("Bridge 2", &text).as_bytes(),
    )
    .unwrap();
    let bytes = w.finish().unwrap();
    let warc = dir.join("plain.warc");
    std::fs::write(&warc, &bytes).unwrap();
    let (out, lines) = scan(&[warc.to_str().unwrap(), "-q"]);
    assert_eq!(out.status.code(), Some(2));
    let urls: Vec<&str> = lines.iter().filter_map(|l| l["url"].as_str()).collect();
    assert_eq!(urls, vec!["https://a.example/1", "https://a.example/2"]);
    assert!(lines.iter().any(|l| l.get("error").is_some()));

    let mut child = Command::new(env!("CARGO_BIN_EXE_unspin"))
        .args(["scan", "-", "-q"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(&bytes).unwrap();
    let piped = child.wait_with_output().unwrap();
    let piped_urls: Vec<String> = String::from_utf8_lossy(&piped.stdout)
        .lines()
        .filter_map(|l| {
            serde_json::from_str::<serde_json::Value>(l).ok()?["url"]
                .as_str()
                .map(String::from)
        })
        .collect();
    assert_eq!(piped_urls, urls);
}

#[test]
fn json_lines_folders_and_bad_records() {
    let dir = scratch("scan-jsonl");
    let text = "The council voted on Tuesday to close the old bridge to traffic after engineers found cracks in two of its supports.";
    let jsonl = format!(
        "{}\n{{not json\n{}\n{}\n",
        serde_json::json!({"doc": "a", "body": text}),
        serde_json::json!({"doc": "b", "body": ""}),
        serde_json::json!({"doc": "c", "body": "Der Stadtrat hat am Dienstag beschlossen, die alte Brücke für den Verkehr zu sperren, nachdem Ingenieure Risse gefunden hatten."}),
    );
    std::fs::write(dir.join("export.jsonl"), jsonl).unwrap();
    std::fs::write(dir.join("notes.bin"), [0u8, 1, 2]).unwrap();
    std::fs::write(dir.join("empty.html"), "").unwrap();
    let (out, lines) = scan(&[
        dir.to_str().unwrap(),
        "--text-field",
        "body",
        "--id-field",
        "doc",
        "-q",
    ]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let find = |line: u64| {
        lines
            .iter()
            .find(|l| l["line"] == line)
            .unwrap_or_else(|| panic!("no line {line}: {lines:?}"))
    };
    assert_eq!(find(1)["id"], "a");
    assert_eq!(find(1)["verdict"], "too-short");
    assert!(find(2)["error"]
        .as_str()
        .unwrap()
        .contains("not a JSON record"));
    assert_eq!(find(3)["skipped"], "empty");
    assert_eq!(find(4)["skipped"], "not-english");
    assert_eq!(find(4)["detail"], "deu");
    let skipped: Vec<&str> = lines.iter().filter_map(|l| l["skipped"].as_str()).collect();
    assert!(skipped.contains(&"unsupported-file"), "{lines:?}");
}

#[test]
fn missing_input_is_reported_and_the_rest_scanned() {
    let dir = scratch("scan-missing");
    let page = dir.join("page.txt");
    std::fs::write(&page, "A short note.").unwrap();
    let (out, lines) = scan(&["/nonexistent/crawl.warc.gz", page.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(lines[0]["error"].as_str().unwrap().contains("cannot open"));
    assert_eq!(lines[0]["input"], "/nonexistent/crawl.warc.gz");
    assert_eq!(lines[1]["verdict"], "too-short");
}

#[test]
fn ctrl_c_stops_reading_and_keeps_what_was_done() {
    let dir = scratch("scan-interrupt");
    let text = "City officers stated on Tuesday that the council will open an inquiry in \
                opposition to the developer, and the mayor's workplace declined to remark. "
        .repeat(8);
    let mut w = WarcWriter::new(
        std::fs::File::create(dir.join("big.warc.gz")).unwrap(),
        true,
    );
    for i in 0..20_000 {
        let page = html_page(&format!("Page {i}"), &text);
        w.write_response(
            &format!("https://a.example/{i}"),
            "text/html",
            page.as_bytes(),
        )
        .unwrap();
    }
    w.finish().unwrap();
    let summary = dir.join("summary.json");
    let mut child = Command::new(env!("CARGO_BIN_EXE_unspin"))
        .args(["scan", "-q", "--summary"])
        .arg(&summary)
        .arg(dir.join("big.warc.gz"))
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Interrupt once results are flowing (the handler is installed before the scan starts).
    let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    std::io::BufRead::read_line(&mut stdout, &mut first).unwrap();
    let killed = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stdout, &mut rest).unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130), "an interrupted scan exits 130");
    let lines: Vec<serde_json::Value> = format!("{first}{rest}")
        .lines()
        .map(|l| serde_json::from_str(l).expect("every written line is whole JSON"))
        .collect();
    assert!(
        !lines.is_empty() && lines.len() < 20_000,
        "{} lines",
        lines.len()
    );
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&summary).unwrap()).unwrap();
    assert_eq!(summary["interrupted"], true);
    assert_eq!(summary["records"].as_u64().unwrap() as usize, lines.len());
}

#[test]
fn named_empty_or_binary_files_are_errors_not_skips() {
    let dir = scratch("scan-named-bad");
    let empty = dir.join("empty.txt");
    let binary = dir.join("blob.dat");
    std::fs::write(&empty, "").unwrap();
    std::fs::write(&binary, [0u8, 159, 146, 150, 0, 1]).unwrap();
    let (out, lines) = scan(&[empty.to_str().unwrap(), binary.to_str().unwrap(), "-q"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        lines[0]["error"].as_str().unwrap().contains("empty"),
        "{lines:?}"
    );
    assert_eq!(lines[0]["input"], empty.to_str().unwrap());
    assert!(
        lines[1]["error"].as_str().unwrap().contains("binary"),
        "{lines:?}"
    );
}

/// With an index, `--pairs-out` writes the word pairs each traced copy swapped against its
/// source: the bundled example's spinner wrote "stated" for "said".
#[test]
fn pairs_of_traced_copies_are_harvested() {
    let dir = scratch("pairs");
    let index = dir.join("idx");
    let examples = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples");
    let add = Command::new(env!("CARGO_BIN_EXE_unspin"))
        .args([
            "index",
            "add",
            &format!("{examples}/originals.jsonl"),
            "--index",
        ])
        .arg(&index)
        .output()
        .unwrap();
    assert!(
        add.status.success(),
        "{}",
        String::from_utf8_lossy(&add.stderr)
    );
    let pairs = dir.join("pairs.jsonl");
    let (out, lines) = scan(&[
        "--quiet",
        "--index",
        index.to_str().unwrap(),
        "--pairs-out",
        pairs.to_str().unwrap(),
        &format!("{examples}/spun-news.txt"),
        &format!("{examples}/clean-news.txt"),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(lines.len(), 2);
    let harvested: Vec<serde_json::Value> = std::fs::read_to_string(&pairs)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        harvested.len(),
        1,
        "only the spun copy has pairs: {harvested:?}"
    );
    assert_eq!(harvested[0]["source"], "council-inquiry");
    let found = harvested[0]["pairs"].as_array().unwrap();
    assert!(
        found
            .iter()
            .any(|p| p["source"] == "said" && p["copy"] == "stated"),
        "{found:?}"
    );
}

#[test]
fn a_warc_cut_at_the_end_of_the_file_is_reported_like_a_cut_in_the_middle() {
    let dir = scratch("eof-cut");
    let text = "The council will open an inquiry into the developer, officials said on Tuesday. \
                Residents who have protested outside the town hall for weeks welcomed the news.";
    for gzip in [false, true] {
        let path = dir.join(if gzip { "cut.warc.gz" } else { "cut.warc" });
        let mut w = WarcWriter::new(Vec::new(), gzip);
        w.write_info("unspin tests").unwrap();
        for n in 0..2 {
            let page = html_page(&format!("page {n}"), text);
            w.write_response(
                &format!("https://www.news.example/{n}"),
                "text/html; charset=utf-8",
                page.as_bytes(),
            )
            .unwrap();
        }
        let last = w.offset();
        let page = html_page("the cut one", text);
        w.write_response(
            "https://www.news.example/cut",
            "text/html; charset=utf-8",
            page.as_bytes(),
        )
        .unwrap();
        let bytes = w.finish().unwrap();
        let cut = last as usize + (bytes.len() - last as usize) * 2 / 3;
        std::fs::write(&path, &bytes[..cut]).unwrap();

        let (out, lines) = scan(&[path.to_str().unwrap()]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "gzip {gzip}: {stderr}");
        assert!(stderr.contains("truncated"), "gzip {gzip}: {stderr}");
        let urls: Vec<&str> = lines.iter().filter_map(|l| l["url"].as_str()).collect();
        assert!(urls.contains(&"https://www.news.example/1"), "{urls:?}");
        assert!(
            !urls.contains(&"https://www.news.example/cut"),
            "gzip {gzip}: {urls:?}"
        );
    }
}

#[test]
fn a_crawl_file_with_no_record_is_reported_as_empty() {
    let dir = scratch("no-records");
    let path = dir.join("blank.warc.gz");
    std::fs::write(&path, gzip_member(b"  \n\n  ").unwrap()).unwrap();
    let (out, lines) = scan(&[path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0]["error"].as_str().unwrap().contains("empty"),
        "{lines:?}"
    );
}
