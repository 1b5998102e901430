"""The same wheel in Ray Data: check a JSON Lines export of texts and keep the spun ones.

    pip install "ray[data]" target/wheels/unspin-*.whl
    python python/examples/ray_data.py export.jsonl spun/

`unspin.check_batch` takes and returns pyarrow record batches, which is what
`map_batches(batch_format="pyarrow")` hands over; the engine releases the GIL while it works.
"""
import sys

import ray
import unspin

source, out = sys.argv[1], sys.argv[2]
ds = ray.data.read_json(source)  # one record per line, with a "text" column
checked = ds.map_batches(lambda b: unspin.check_batch(b, "text"), batch_format="pyarrow")
checked.filter(lambda row: row["verdict"] == "spun").write_parquet(out)
print(checked.groupby("verdict").count().to_pandas())
