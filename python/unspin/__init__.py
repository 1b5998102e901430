"""unspin: find machine-spun text, restore its original wording, trace it to its source.

Single texts::

    >>> import unspin
    >>> unspin.check("City officers stated on Tuesday ...")["verdict"]
    'spun'

Arrow record batches or tables (Spark ``mapInArrow``, Ray Data ``map_batches(batch_format="pyarrow")``)::

    unspin.check_batch(batch, column="text")      # + spun_probability, verdict, words, evidence (lm= too)
    unspin.restore_batch(batch, column="text")    # + restored, changes (lm="smollm2": neural)
    unspin.extract_batch(batch, column="html")    # + title, text
    unspin.fingerprint_batch(batch, column="text")  # + sketch (list<int64>)
    unspin.scan_files_batch(batch, column="path", index_path=None)  # one row per record

The engine runs in Rust with the GIL released; the default model is embedded in the module.
"""
import json
from typing import Optional

import functools

import pyarrow as pa

from . import _unspin
from ._unspin import (  # noqa: F401  (re-exported)
    check_json,
    extract_text,
    family_parameters,
    restore_json,
    scan_schema,
    trace_json,
    version,
)


def _tables_too(batch_function):
    """Lets a batch function take a pyarrow Table as well (Ray Data hands over Tables):
    each record batch of the table is processed and the results form a Table again."""
    @functools.wraps(batch_function)
    def wrapper(data, *args, **kwargs):
        if isinstance(data, pa.Table):
            batches = [batch_function(b, *args, **kwargs) for b in data.to_batches()]
            if not batches:  # an empty table: run one empty batch for the schema
                empty = pa.RecordBatch.from_pylist([], schema=data.schema)
                batches = [batch_function(empty, *args, **kwargs)]
            return pa.Table.from_batches(batches)
        return batch_function(data, *args, **kwargs)
    return wrapper


check_batch = _tables_too(_unspin.check_batch)
restore_batch = _tables_too(_unspin.restore_batch)
extract_batch = _tables_too(_unspin.extract_batch)
fingerprint_batch = _tables_too(_unspin.fingerprint_batch)
similarity_batch = _tables_too(_unspin.similarity_batch)
scan_files_batch = _tables_too(_unspin.scan_files_batch)
scan_texts_batch = _tables_too(_unspin.scan_texts_batch)

__all__ = [
    "check", "restore", "trace", "extract",
    "check_batch", "restore_batch", "extract_batch", "fingerprint_batch", "similarity_batch",
    "scan_files_batch", "scan_texts_batch", "scan_schema", "family_parameters", "version",
]


def check(text: str, index_path: Optional[str] = None, lm: str = "trigram") -> dict:
    """Is ``text`` spun? The same report as ``unspin check --json``: ``probability``,
    ``verdict`` (``spun``, ``clean`` or ``too-short``), ``words`` and ``evidence`` (byte offsets
    into the UTF-8 text, the spun phrase, its likely original and the gain in nats). With
    ``index_path``, also ``copy_of``: the copy's source in that index, as ``check --index``.
    ``lm="smollm2"`` (as ``unspin --lm smollm2 check``) also asks the neural model whether the
    evidence's originals read better, which moves the probability; ``neural`` then holds its
    ``agreement`` and ``check_probability``, the trigram model's alone."""
    return json.loads(check_json(text, index_path, lm))


def restore(text: str, index_path: Optional[str] = None, lm: str = "trigram") -> dict:
    """The most likely original of ``text``: ``{"text": ..., "changes": [...]}`` as
    ``unspin restore --json`` prints it. With ``index_path``, restored from the copy's source
    where it is in that index (``restore --index``; changes of kind ``source``). ``lm="smollm2"``
    lets the neural model decide the close calls, as ``unspin --lm smollm2`` (its weights are
    fetched by ``scripts/fetch-neural-lm.sh``; a ``ValueError`` names that script when they
    are missing); ``lm="gemma"`` the same with Gemma 3 270M (``scripts/fetch-neural-lm.sh
    gemma``, under Google's Gemma Terms of Use). It is far slower: tens of words per second."""
    return json.loads(restore_json(text, index_path, lm))


def trace(text: str, index_path: str, k: int = 3) -> dict:
    """Sources of ``text`` in the index at ``index_path`` (made by ``unspin index add``)."""
    return json.loads(trace_json(text, index_path, k))


def extract(html: str) -> Optional[dict]:
    """Main text and title of an HTML page, or None when it has no readable content."""
    found = extract_text(html)
    if found is None:
        return None
    title, text = found
    return {"title": title, "text": text}
