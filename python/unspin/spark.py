"""Scan and trace a crawl across a Spark cluster with the unspin engine.

    spark-submit --master local[2] -m unspin.spark --input crawl/ --out results/ [--index IDX]
    python -m unspin.spark --master local[2] --input a.warc.gz b.warc.gz --out results/

Stages:

A. ``mapInArrow`` over the input files (WARC, HTML, JSON Lines, text; one task per file), and
   over the rows of Parquet inputs (``--text-column``, ``--id-column``, ``--url-column``):
   the Rust engine reads, extracts, checks every record -- and for spun ones restores and
   sketches the restored text, and with ``--index`` traces each document -- exactly as
   ``unspin scan`` does. Output: one row per record (``results/records``, Parquet).
B. Banding as a shuffle: each value of a spun document's bottom-64 sketch is a band; explode
   the bands, group by band hash (dropping bands in more documents than the posting cap), and
   count shared bands per document pair -> candidate pairs with enough shared hashes.
C. ``mapInArrow`` verification in Rust: the estimated Jaccard similarity of each candidate
   pair; pairs above the threshold are edges. Copies traced to the same source form one
   family; the rest join by edges (union-find on the driver, over edges only). Families go
   to ``results/families.json`` and ``results/families`` (Parquet).

The grouping parameters come from the engine (``unspin.family_parameters()``), so the families
are those of ``unspin scan`` on the same input.
"""
import argparse
import json
import os
import sys
import time
from typing import Dict, Iterator, List, Optional

import pyarrow as pa

import unspin


def _input_files(inputs: List[str]) -> List[str]:
    files = []
    for name in inputs:
        if os.path.isdir(name):
            for root, _, names in sorted(os.walk(name)):
                files.extend(os.path.join(root, n) for n in sorted(names))
        else:
            files.append(name)
    return [os.path.abspath(f) for f in files]


def _scan_partition(index_path: Optional[str], rust_seconds=None):
    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            if batch.num_rows:
                started = time.perf_counter()
                out = unspin.scan_files_batch(batch, "path", index_path)
                if rust_seconds is not None:
                    rust_seconds.add(time.perf_counter() - started)
                yield out
    return run


def _scan_table_partition(source: str, text: str, id_col: Optional[str], url_col: Optional[str],
                          index_path: Optional[str], rust_seconds=None):
    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            if not batch.num_rows:
                continue
            first_row = batch.column("__row")[0].as_py()
            started = time.perf_counter()
            out = unspin.scan_texts_batch(batch, text, id_col, url_col, source, first_row, index_path)
            if rust_seconds is not None:
                rust_seconds.add(time.perf_counter() - started)
            yield out
    return run


def _similarity_partition(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    for batch in batches:
        yield unspin.similarity_batch(batch, "sketch_a", "sketch_b")


class _UnionFind:
    def __init__(self):
        self.parent: Dict[str, str] = {}

    def find(self, x: str) -> str:
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def run(spark, inputs: List[str], out: str, index_path: Optional[str] = None,
        partitions: Optional[int] = None, text_column: str = "text",
        id_column: Optional[str] = None, url_column: Optional[str] = None) -> dict:
    """Runs the three stages; writes ``out/records`` and ``out/families*``; returns timings
    and counts. Inputs ending in ``.parquet`` (files or folders) are tables with a text column
    (and optionally id and URL columns), analysed like JSON Lines records; all other inputs
    are files the engine reads itself (WARC, HTML, JSON Lines, text, folders of these)."""
    from pyspark.sql import functions as F
    from pyspark.sql.pandas.types import from_arrow_schema

    timings = {}
    started = time.perf_counter()
    tables = [i for i in inputs if i.rstrip("/").endswith(".parquet")]
    files = _input_files([i for i in inputs if i not in tables])
    if not files and not tables:
        raise SystemExit("unspin.spark: no input files")
    schema = from_arrow_schema(unspin.scan_schema())
    rust_seconds = spark.sparkContext.accumulator(0.0)
    parts = []
    if files:
        n = partitions or max(1, min(len(files), spark.sparkContext.defaultParallelism * 4))
        paths = spark.createDataFrame([(f,) for f in files], "path string").repartition(n)
        parts.append(paths.mapInArrow(_scan_partition(index_path, rust_seconds), schema))
    for table in tables:
        columns = [c for c in (text_column, id_column, url_column) if c]
        df = spark.read.parquet(table).select(*columns).withColumn("__row", F.monotonically_increasing_id())
        parts.append(df.mapInArrow(
            _scan_table_partition(os.path.abspath(table), text_column, id_column, url_column,
                                  index_path, rust_seconds), schema))
    records = parts[0]
    for p in parts[1:]:
        records = records.unionByName(p)
    records = records.cache()
    records.write.mode("overwrite").parquet(os.path.join(out, "records"))
    timings["stage_a_seconds"] = time.perf_counter() - started
    # Time inside the engine (reading, extraction, check, restore, trace) summed over tasks,
    # against the stage's wall time on all task slots: the rest is JVM, Arrow transfer and Python.
    slots = spark.sparkContext.defaultParallelism
    timings["stage_a_rust_seconds"] = rust_seconds.value
    timings["stage_a_rust_share"] = rust_seconds.value / max(timings["stage_a_seconds"] * slots, 1e-9)

    started = time.perf_counter()
    max_posting, min_similarity, min_shared = unspin.family_parameters()
    spun = records.where(F.col("verdict") == "spun")
    unsourced = spun.where(F.col("source_id").isNull()).select("label", "sketch")
    bands = unsourced.select("label", F.explode("sketch").alias("band"))
    crowded = bands.groupBy("band").count().where(F.col("count") > max_posting).select("band")
    bands = bands.join(crowded, "band", "left_anti")
    a, b = bands.alias("a"), bands.alias("b")
    pairs = (a.join(b, (F.col("a.band") == F.col("b.band")) & (F.col("a.label") < F.col("b.label")))
             .groupBy(F.col("a.label").alias("label_a"), F.col("b.label").alias("label_b"))
             .count()
             .where(F.col("count") >= min_shared)
             .cache())
    pairs.count()  # run stage B here, so that its time is its own
    timings["stage_b_seconds"] = time.perf_counter() - started

    started = time.perf_counter()
    sketches = unsourced.select(F.col("label").alias("l"), F.col("sketch").alias("s"))
    candidates = (pairs
                  .join(sketches.withColumnRenamed("l", "label_a").withColumnRenamed("s", "sketch_a"), "label_a")
                  .join(sketches.withColumnRenamed("l", "label_b").withColumnRenamed("s", "sketch_b"), "label_b")
                  .select("label_a", "label_b", "sketch_a", "sketch_b"))
    verified = candidates.mapInArrow(
        _similarity_partition,
        "label_a string, label_b string, sketch_a array<bigint>, sketch_b array<bigint>, similarity double")
    edges = verified.where(F.col("similarity") >= min_similarity).select("label_a", "label_b").collect()

    members = spun.select("label", "site", "source_id", "input", "offset", "line").collect()
    file_order = {f: i for i, f in enumerate(files)}
    order = sorted(members, key=lambda r: (file_order.get(r["input"], 0), r["offset"] or 0, r["line"] or 0))
    uf = _UnionFind()
    first_of_source: Dict[str, str] = {}
    for r in order:
        uf.find(r["label"])
        if r["source_id"] is not None:
            first = first_of_source.setdefault(r["source_id"], r["label"])
            uf.union(first, r["label"])
    for e in edges:
        uf.union(e["label_a"], e["label_b"])
    groups: Dict[str, list] = {}
    for r in order:
        groups.setdefault(uf.find(r["label"]), []).append(r)
    families = []
    for rows in groups.values():
        source = next((r["source_id"] for r in rows if r["source_id"] is not None), None)
        if source is None and len(rows) < 2:
            continue
        families.append({
            "source": source,
            "size": len(rows),
            "sites": len({r["site"] for r in rows if r["site"]}),
            "members": [{"document": r["label"], **({"site": r["site"]} if r["site"] else {})} for r in rows],
        })
    families.sort(key=lambda f: (-f["size"], f["members"][0]["document"]))
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "families.json"), "w") as f:
        json.dump(families, f, indent=1)
    flat = [(i, f["source"], m["document"], m.get("site")) for i, f in enumerate(families) for m in f["members"]]
    spark.createDataFrame(flat, "family long, source string, document string, site string") \
        .write.mode("overwrite").parquet(os.path.join(out, "families"))
    timings["stage_c_seconds"] = time.perf_counter() - started

    counts = records.groupBy("verdict").count().collect()
    pages = records.where(F.col("verdict").isNotNull()).count()
    summary = {
        "files": len(files),
        "records": records.count(),
        "pages": pages,
        "pages_per_second_stage_a": pages / max(timings["stage_a_seconds"], 1e-9),
        "verdicts": {(r["verdict"] or "none"): r["count"] for r in counts},
        "families": len(families),
        **timings,
    }
    with open(os.path.join(out, "summary.json"), "w") as f:
        json.dump(summary, f, indent=1)
    return summary


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m unspin.spark", description=__doc__.split("\n\n")[0])
    parser.add_argument("--input", nargs="+", required=True, help="WARC/HTML/JSONL/text files or folders")
    parser.add_argument("--out", required=True, help="output folder (records/, families/, families.json, summary.json)")
    parser.add_argument("--index", help="index folder (made by `unspin index add`), on storage every executor reads")
    parser.add_argument("--master", help="Spark master when not run by spark-submit, e.g. local[2]")
    parser.add_argument("--partitions", type=int, help="tasks for stage A (default: files, up to 4 per core)")
    parser.add_argument("--text-column", default="text", help="text column of .parquet inputs")
    parser.add_argument("--id-column", help="id column of .parquet inputs")
    parser.add_argument("--url-column", help="URL column of .parquet inputs")
    args = parser.parse_args(argv)

    from pyspark.sql import SparkSession
    builder = SparkSession.builder.appName("unspin")
    if args.master:
        builder = builder.master(args.master)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("WARN")
    try:
        summary = run(spark, args.input, args.out, os.path.abspath(args.index) if args.index else None,
                      args.partitions, args.text_column, args.id_column, args.url_column)
    finally:
        spark.stop()
    json.dump(summary, sys.stdout, indent=1)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
