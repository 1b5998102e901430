"""The Python module and the Spark job against `unspin scan` on the same data.

Builds two small WARC files of news pages (30 held-out BBC articles repeated, a third of the
pages spun, with `unspin-eval --make-warc`), indexes the 30 originals, then runs `unspin scan`
and the Spark job (`local[2]`) with and without the index, and requires the same verdict for
every record and the same families. Also checks the single-text and batch functions, and
restore and check with an index of the bundled originals.

Run by scripts/test-python.sh (which builds the module and lays the package out as the wheel does):
    python python/tests/test_spark.py TARGET_DIR UNSPIN_BIN UNSPIN_EVAL_BIN
"""
import json
import os
import shutil
import subprocess
import sys

import pyarrow as pa

import unspin


def sh(*args):
    subprocess.run(args, check=True)


def scan_results(path):
    """(file name, offset) -> verdict, for every record of a `unspin scan` JSON Lines file."""
    out = {}
    with open(path) as f:
        for line in f:
            r = json.loads(line)
            out[(os.path.basename(r["input"]), r.get("offset"))] = r.get("verdict") or r.get("skipped") or "error"
    return out


def spark_results(folder):
    import pyarrow.parquet as pq
    table = pq.read_table(os.path.join(folder, "records")).to_pylist()
    return {
        (os.path.basename(r["input"]), r["offset"]): r["verdict"] or r["skipped"] or "error"
        for r in table
    }


def family_sets(families):
    return sorted(
        (f["source"] or "", tuple(sorted(m["document"] for m in f["members"]))) for f in families
    )


def test_single_texts_and_batches():
    text = open(os.path.join(os.path.dirname(__file__), "../../examples/spun-news.txt")).read()
    report = unspin.check(text)
    assert report["verdict"] == "spun", report
    restored = unspin.restore(text)
    assert any(c["spun"] == "stated" and c["restored"] == "said" for c in restored["changes"])
    batch = pa.RecordBatch.from_pydict({"text": [text, None, "Too short."]})
    checked = unspin.check_batch(batch)
    assert checked.column("verdict").to_pylist() == ["spun", None, "too-short"]
    assert checked.schema.field("words").type == pa.int64()
    # Ray Data hands over Tables: the same functions take them and return Tables.
    table = unspin.check_batch(pa.Table.from_batches([batch, batch]))
    assert isinstance(table, pa.Table) and table.column("verdict").to_pylist() == ["spun", None, "too-short"] * 2
    sketched = unspin.fingerprint_batch(batch)
    assert sketched.schema.field("sketch").type == pa.list_(pa.int64())
    assert 20 < len(sketched.column("sketch")[0]) <= 64
    page = "<html><body><article><h1>T</h1>" + "<p>The council voted on Tuesday to close the old bridge.</p>" * 12 + "</article></body></html>"
    extracted = unspin.extract_batch(pa.RecordBatch.from_pydict({"html": [page]}))
    assert "The council voted" in extracted.column("text")[0].as_py()
    try:
        unspin.check_batch(pa.RecordBatch.from_pydict({"n": [1]}), "n")
    except ValueError as e:
        assert "no column" in str(e) or "not a string" in str(e)
    else:
        raise AssertionError("a missing column must raise ValueError")


def test_a_neural_restore_is_the_command_lines(unspin_bin):
    """``lm="smollm2"`` restores as ``unspin --lm smollm2 restore --json`` does (and, on the
    bundled example, not as the trigram alone does); an unknown name is a ValueError naming it.
    Returns False when the weights are missing outside CI (scripts/test.sh fetches them)."""
    path = os.path.join(os.path.dirname(__file__), "../../examples/spun-news.txt")
    text = open(path).read()
    try:
        neural = unspin.restore(text, lm="smollm2")
    except ValueError as e:
        if "fetch-neural-lm.sh" in str(e) and not os.environ.get("CI"):
            return False
        raise
    cli = json.loads(subprocess.run(
        [unspin_bin, "--lm", "smollm2", "restore", "--json", path],
        check=True, capture_output=True, text=True).stdout)
    pairs = lambda r: [(c["spun"], c["restored"]) for c in r["changes"]]
    assert neural["text"] == cli["text"] and pairs(neural) == pairs(cli), (neural, cli)
    assert neural["text"] != unspin.restore(text)["text"]
    batch = unspin.restore_batch(pa.RecordBatch.from_pydict({"text": [text]}), lm="smollm2")
    assert batch.column("restored").to_pylist() == [neural["text"]]
    checked = unspin.check(text, lm="smollm2")
    cli_check = json.loads(subprocess.run(
        [unspin_bin, "--lm", "smollm2", "check", "--json", path],
        capture_output=True, text=True).stdout)
    assert checked["neural"]["lm"] == "smollm2" and "neural" not in unspin.check(text), checked
    assert abs(checked["probability"] - cli_check["probability"]) < 1e-6, (checked, cli_check)
    batch = unspin.check_batch(pa.RecordBatch.from_pydict({"text": [text]}), lm="smollm2")
    assert abs(batch.column("spun_probability").to_pylist()[0] - checked["probability"]) < 1e-6
    try:
        unspin.restore(text, lm="gpt-9")
    except ValueError as e:
        assert "gpt-9" in str(e), e
    else:
        raise AssertionError("an unknown language model must raise ValueError")
    return True


def test_limits_and_a_damaged_index_are_python_errors(work, unspin_bin):
    # Over the size limit: a ValueError for one text, nulls for a batch row.
    huge = "word " * (4 << 20)
    for call in (unspin.check, unspin.restore):
        try:
            call(huge)
        except ValueError as e:
            assert "MiB" in str(e), e
        else:
            raise AssertionError("an over-size text must raise ValueError")
    checked = unspin.check_batch(pa.RecordBatch.from_pydict({"text": [huge, "Too short."]}))
    assert checked.column("verdict").to_pylist() == [None, "too-short"]
    # A damaged index: an ordinary exception naming the file, never a PanicException.
    examples = os.path.join(os.path.dirname(__file__), "../../examples")
    idx = os.path.join(work, "py-damaged-index")
    shutil.rmtree(idx, ignore_errors=True)
    sh(unspin_bin, "index", "add", os.path.join(examples, "originals.jsonl"), "--index", idx)
    path = os.path.join(idx, "index.redb")
    data = bytearray(open(path, "rb").read())
    # Damage throughout the file past its header (one flipped byte may land in free space,
    # which changes no answer and is rightly accepted).
    for i in range(4096, len(data), 509):
        data[i] ^= 0x5A
    open(path, "wb").write(bytes(data))
    try:
        unspin.check("The officers stated that the council will open an inquiry.", idx)
    except Exception as e:  # noqa: BLE001 - the point is that `Exception` catches it
        assert "index.redb" in str(e), e
    else:
        raise AssertionError("a damaged index must raise")


def test_restore_and_check_with_an_index(work, unspin_bin):
    examples = os.path.join(os.path.dirname(__file__), "../../examples")
    idx = os.path.join(work, "py-follow-index")
    shutil.rmtree(idx, ignore_errors=True)
    sh(unspin_bin, "index", "add", os.path.join(examples, "originals.jsonl"), "--index", idx)
    text = open(os.path.join(examples, "spun-news.txt")).read()
    restored = unspin.restore(text, idx)
    assert restored["source"]["id"] == "council-inquiry", restored
    assert restored["text"].startswith("City officials said on Tuesday"), restored["text"]
    assert any(c["kind"] == "source" for c in restored["changes"])
    report = unspin.check(text, idx)
    assert report["copy_of"]["id"] == "council-inquiry", report
    assert "source" not in unspin.restore(text)


def test_spark_matches_scan(work, unspin_bin, eval_bin):
    from pyspark.sql import SparkSession
    import unspin.spark

    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    warcs = []
    for seed in (1, 2):
        path = os.path.join(work, f"crawl-{seed}.warc.gz")
        sh(eval_bin, "--make-warc", path, "--megabytes", "2", "--articles", "30",
           "--spun-share", "0.3", "--seed", str(seed))
        warcs.append(path)
    index = os.path.join(work, "index")
    sh(unspin_bin, "index", "add", os.path.join(work, "crawl-1.warc.originals.jsonl"), "--index", index)

    spark = SparkSession.builder.master("local[2]").appName("unspin-test").getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    try:
        for with_index in (False, True):
            tag = "index" if with_index else "plain"
            scan_out = os.path.join(work, f"scan-{tag}.jsonl")
            summary = os.path.join(work, f"scan-{tag}-summary.json")
            args = [unspin_bin, "scan", *warcs, "--quiet", "--out", scan_out, "--summary", summary]
            if with_index:
                args += ["--index", index]
            sh(*args)
            out = os.path.join(work, f"spark-{tag}")
            unspin.spark.run(spark, warcs, out, index if with_index else None)

            expected, got = scan_results(scan_out), spark_results(out)
            assert expected == got, f"{tag}: verdicts differ on {[k for k in expected if expected[k] != got.get(k)][:5]}"
            assert sum(v == "spun" for v in got.values()) > 10, f"{tag}: too few spun pages to test families"
            scan_families = json.load(open(summary))["families"]
            spark_families = json.load(open(os.path.join(out, "families.json")))
            assert family_sets(scan_families) == family_sets(spark_families), f"{tag}: families differ"
            assert len(spark_families) >= 10, f"{tag}: only {len(spark_families)} families"
            if with_index:
                assert all(f["source"] for f in spark_families), "with an index every family has a source"
            print(f"{tag}: {len(got)} records, {sum(v == 'spun' for v in got.values())} spun, "
                  f"{len(spark_families)} families, identical to unspin scan")

        # A Parquet table of texts reads like the same records as JSON Lines.
        import pyarrow.parquet as pq
        here = os.path.dirname(__file__)
        texts = [json.loads(l) for l in open(os.path.join(work, "crawl-1.warc.originals.jsonl"))]
        texts += [{"id": "spun-example", "text": open(os.path.join(here, "../../examples/spun-news.txt")).read()}]
        jsonl = os.path.join(work, "texts.jsonl")
        with open(jsonl, "w") as f:
            f.writelines(json.dumps({"id": t["id"], "text": t["text"]}) + "\n" for t in texts)
        table = os.path.join(work, "texts.parquet")
        pq.write_table(pa.table({"id": [t["id"] for t in texts], "text": [t["text"] for t in texts]}), table)
        sh(unspin_bin, "scan", jsonl, "--quiet", "--out", os.path.join(work, "texts-scan.jsonl"))
        expected = [json.loads(l) for l in open(os.path.join(work, "texts-scan.jsonl"))]
        out = os.path.join(work, "spark-parquet")
        unspin.spark.run(spark, [table], out, id_column="id")
        got = sorted(pq.read_table(os.path.join(out, "records")).to_pylist(), key=lambda r: r["line"])
        assert [(r["line"], r["id"], r["verdict"]) for r in expected] == \
               [(r["line"], r["id"], r["verdict"]) for r in got], "parquet: verdicts differ"
        print(f"parquet: {len(got)} rows, identical to unspin scan of the same JSON Lines")
    finally:
        spark.stop()


if __name__ == "__main__":
    work, unspin_bin, eval_bin = sys.argv[1:4]
    test_single_texts_and_batches()
    print("single texts and batches: ok")
    test_restore_and_check_with_an_index(work, unspin_bin)
    print("restore and check with an index: ok")
    if test_a_neural_restore_is_the_command_lines(unspin_bin):
        print("restore with the neural model: ok")
    else:
        print("restore with the neural model: skipped: its weights are missing (scripts/fetch-neural-lm.sh)")
    test_limits_and_a_damaged_index_are_python_errors(work, unspin_bin)
    print("size limits and a damaged index: ok")
    test_spark_matches_scan(work, unspin_bin, eval_bin)
    print("spark job: ok")
