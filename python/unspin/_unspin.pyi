"""Type stubs of the Rust extension module."""
from typing import Optional, Tuple

import pyarrow

def check_json(text: str, index_path: Optional[str] = None) -> str:
    """JSON of the check report of one text (with ``copy_of`` given an index)."""
def restore_json(text: str, index_path: Optional[str] = None, lm: str = "trigram") -> str:
    """JSON of the restoration of one text (from its source where the index has it)."""
def trace_json(text: str, index_path: str, k: int = 3) -> str:
    """JSON of the trace report of one text against an index."""
def extract_text(html: str) -> Optional[Tuple[Optional[str], str]]:
    """(title, main text) of an HTML page, or None."""
def extract_batch(batch: pyarrow.RecordBatch, column: str = "html") -> pyarrow.RecordBatch:
    """Appends ``title`` and ``text`` extracted from an HTML column."""
def check_batch(batch: pyarrow.RecordBatch, column: str = "text") -> pyarrow.RecordBatch:
    """Appends ``spun_probability`` (float64), ``verdict``, ``words`` (int64), ``evidence`` (JSON)."""
def restore_batch(batch: pyarrow.RecordBatch, column: str = "text", lm: str = "trigram") -> pyarrow.RecordBatch:
    """Appends ``restored`` and ``changes`` (JSON); ``lm="smollm2"``: the neural model decides close calls."""
def fingerprint_batch(batch: pyarrow.RecordBatch, column: str = "text", restore: bool = True) -> pyarrow.RecordBatch:
    """Appends ``sketch``: bottom-64 sketch (list<int64>) of the (restored) text's word 3-grams."""
def similarity_batch(batch: pyarrow.RecordBatch, left: str = "sketch_a", right: str = "sketch_b") -> pyarrow.RecordBatch:
    """Appends ``similarity``: estimated Jaccard similarity of two sketch columns."""
def scan_files_batch(batch: pyarrow.RecordBatch, column: str = "path", index_path: Optional[str] = None) -> pyarrow.RecordBatch:
    """Scans the files named in a column as ``unspin scan`` does: one row per record."""
def scan_texts_batch(batch: pyarrow.RecordBatch, text: str = "text", id: Optional[str] = None, url: Optional[str] = None, source: str = "table", first_row: int = 0, index_path: Optional[str] = None) -> pyarrow.RecordBatch:
    """Analyses a text column as ``unspin scan`` analyses JSON Lines records: one row per input row."""
def scan_schema() -> pyarrow.Schema:
    """Schema of ``scan_files_batch``'s output."""
def family_parameters() -> Tuple[int, float, int]:
    """(largest posting, similarity threshold, minimum shared hashes) of family grouping."""
def version() -> str:
    """Engine version."""
