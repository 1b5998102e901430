//! `unspin._unspin`: the engine for Python. Single texts in and JSON out (the `unspin`
//! package turns it into dicts), and Arrow record batches in and out for data engines
//! (Spark's `mapInArrow`, Ray Data's `map_batches(batch_format="pyarrow")`). The GIL is
//! released while Rust works. Integers are int64 throughout: Spark's Arrow bridge rejects
//! unsigned types, so 64-bit hashes are bit-cast.

use std::collections::HashMap;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex, OnceLock};

use arrow_array::builder::{Float64Builder, Int64Builder, ListBuilder, StringBuilder};
use arrow_array::{Array, ArrayRef, ListArray, RecordBatch, StringArray};
use arrow_pyarrow::PyArrowType;
use arrow_schema::{Field, Schema};
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use unspin_core::{fingerprint, Engine, Model};
use unspin_index::Index;
use unspin_scan::families::{similarity, sketch};
use unspin_scan::{Analyser, JsonFields, Outcome};

/// The default model with the default spinner table, as `unspin` loads it (the same prepared
/// image, read in place).
fn load_default() -> Result<Model, String> {
    let mut model = unspin_model::default_model().map_err(|e| e.to_string())?;
    let table = unspin_model::default_spinner().map_err(|e| format!("spinner table: {e}"))?;
    model.add_spinner(&table);
    // One engine serves the process's every call (a Spark executor's batches): much text.
    unspin_model::prepare_for_much_text(&mut model);
    Ok(model)
}

/// The process's engine over the default model (loaded on first use; its candidate cache is
/// shared by every call, as a Spark executor's batches share it).
fn engine() -> PyResult<&'static Engine> {
    static ENGINE: OnceLock<Result<Engine, String>> = OnceLock::new();
    ENGINE
        .get_or_init(|| load_default().map(|m| Engine::new(Arc::new(m))))
        .as_ref()
        .map_err(|e| PyRuntimeError::new_err(format!("the embedded model is damaged: {e}")))
}

/// The engine for `lm`: `trigram`, the default, alone; or a neural model that decides
/// restore's close calls and has its say in check besides it (`smollm2` or `gemma`, as `unspin --lm`), loaded on first use and
/// kept, one per name per process, over the same model (its weights take hundreds of MB).
fn engine_for(lm: &str) -> PyResult<Engine> {
    if lm == "trigram" {
        return engine().cloned();
    }
    static NEURAL: OnceLock<Mutex<HashMap<String, Engine>>> = OnceLock::new();
    let mut map = NEURAL
        .get_or_init(Default::default)
        .lock()
        .map_err(|_| PyRuntimeError::new_err("language model cache poisoned"))?;
    if let Some(e) = map.get(lm) {
        return Ok(e.clone());
    }
    let neural = unspin_neural::NeuralLm::load_known(lm)
        .map_err(|e| PyValueError::new_err(format!("lm={lm:?}: {e}")))?;
    let cached = unspin_core::rescore::CachedScorer::new(
        neural,
        unspin_core::rescore::SCORED_WINDOWS_CACHED,
    );
    let with = engine()?.with_rescorer(Arc::new(cached));
    map.insert(lm.to_string(), with.clone());
    Ok(with)
}

/// Opened indexes, one per path per process (a Spark executor reuses it across batches).
fn index(path: &str) -> PyResult<Arc<Index>> {
    static INDEXES: OnceLock<Mutex<HashMap<String, Arc<Index>>>> = OnceLock::new();
    let mut map = INDEXES
        .get_or_init(Default::default)
        .lock()
        .map_err(|_| PyRuntimeError::new_err("index cache poisoned"))?;
    if let Some(i) = map.get(path) {
        return Ok(Arc::clone(i));
    }
    let opened = Arc::new(
        Index::open(std::path::Path::new(path))
            .map_err(|e| PyValueError::new_err(format!("cannot open index {path}: {e}")))?,
    );
    map.insert(path.to_string(), Arc::clone(&opened));
    Ok(opened)
}

/// Largest text one call analyses, in bytes: the command line's limit, so that one huge
/// string cannot take the process's memory (restore keeps a lattice per word).
const MAX_TEXT_BYTES: usize = 16 << 20;

/// A `ValueError` for a text over [`MAX_TEXT_BYTES`].
fn within_limit(text: &str) -> PyResult<()> {
    if text.len() > MAX_TEXT_BYTES {
        return Err(pyo3::exceptions::PyValueError::new_err(format!(
            "the text is {} bytes; unspin analyses at most {} MiB per text",
            text.len(),
            MAX_TEXT_BYTES >> 20
        )));
    }
    Ok(())
}

fn to_json<T: serde::Serialize>(value: &T) -> PyResult<String> {
    serde_json::to_string(value).map_err(|e| PyRuntimeError::new_err(e.to_string()))
}

/// `text` checked and restored with the index at `path` (as `--index` on the CLI).
fn with_index(
    py: Python<'_>,
    r: &Engine,
    text: &str,
    path: &str,
) -> PyResult<unspin_index::follow::IndexedAnalysis> {
    let idx = index(path)?;
    py.detach(|| {
        unspin_index::follow::analyse_with_index(r, &idx, text)
            .map_err(|e| PyRuntimeError::new_err(e.to_string()))
    })
}

/// Check one text: JSON of the report (probability, verdict, words, evidence; with a neural
/// `lm`, as [`engine_for`], its say as `neural`); with `index_path`, also `copy_of` (the
/// copy's source in that index, as `check --index`).
#[pyfunction]
#[pyo3(signature = (text, index_path = None, lm = "trigram"))]
fn check_json(
    py: Python<'_>,
    text: String,
    index_path: Option<String>,
    lm: &str,
) -> PyResult<String> {
    within_limit(&text)?;
    let r = engine_for(lm)?;
    let Some(path) = index_path else {
        return py.detach(|| to_json(&r.check(&text)));
    };
    let a = with_index(py, &r, &text, &path)?;
    let mut v =
        serde_json::to_value(&a.check).map_err(|e| PyRuntimeError::new_err(e.to_string()))?;
    v["copy_of"] =
        serde_json::to_value(&a.copy_of).map_err(|e| PyRuntimeError::new_err(e.to_string()))?;
    to_json(&v)
}

/// Restore one text: JSON of the restored text and its changes; with `index_path`, from the
/// copy's source where it is in that index (as `restore --index`), with `source`; `lm` as
/// [`engine_for`].
#[pyfunction]
#[pyo3(signature = (text, index_path = None, lm = "trigram"))]
fn restore_json(
    py: Python<'_>,
    text: String,
    index_path: Option<String>,
    lm: &str,
) -> PyResult<String> {
    within_limit(&text)?;
    let r = engine_for(lm)?;
    let Some(path) = index_path else {
        return py.detach(|| to_json(&r.restore(&text)));
    };
    to_json(&with_index(py, &r, &text, &path)?.restoration)
}

/// Trace one text against the index at `index_path`: JSON of the sources.
#[pyfunction]
#[pyo3(signature = (text, index_path, k = 3))]
fn trace_json(py: Python<'_>, text: String, index_path: String, k: usize) -> PyResult<String> {
    within_limit(&text)?;
    let r = engine()?;
    let idx = index(&index_path)?;
    py.detach(|| {
        let report = unspin_index::trace::trace(r, &idx, &text, k, false)
            .map_err(|e| PyRuntimeError::new_err(e.to_string()))?;
        to_json(&report)
    })
}

/// Main text and title of an HTML page, or None when it has no readable content.
#[pyfunction]
fn extract_text(py: Python<'_>, html: String) -> Option<(Option<String>, String)> {
    py.detach(|| unspin_scan::extract::extract_html(&html, None).map(|e| (e.title, e.text)))
}

fn text_column<'a>(batch: &'a RecordBatch, name: &str) -> PyResult<&'a StringArray> {
    let col = batch
        .column_by_name(name)
        .ok_or_else(|| PyValueError::new_err(format!("the batch has no column {name:?}")))?;
    col.as_any().downcast_ref::<StringArray>().ok_or_else(|| {
        PyValueError::new_err(format!(
            "column {name:?} is {}, not a string column (utf8)",
            col.data_type()
        ))
    })
}

/// `batch` with `columns` appended.
fn with_columns(batch: &RecordBatch, columns: Vec<(&str, ArrayRef)>) -> PyResult<RecordBatch> {
    let mut fields: Vec<Field> = batch
        .schema()
        .fields()
        .iter()
        .map(|f| f.as_ref().clone())
        .collect();
    let mut arrays: Vec<ArrayRef> = batch.columns().to_vec();
    for (name, array) in columns {
        fields.push(Field::new(name, array.data_type().clone(), true));
        arrays.push(array);
    }
    RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays)
        .map_err(|e| PyRuntimeError::new_err(e.to_string()))
}

fn sketch_array(sketches: &[Vec<u64>]) -> ArrayRef {
    let mut b = ListBuilder::new(Int64Builder::new());
    for s in sketches {
        for &h in s {
            b.values().append_value(h as i64);
        }
        b.append(true);
    }
    Arc::new(b.finish())
}

/// Appends `title` and `text` (main text, null when none) extracted from the HTML column.
#[pyfunction]
#[pyo3(signature = (batch, column = "html".to_string()))]
fn extract_batch(
    py: Python<'_>,
    batch: PyArrowType<RecordBatch>,
    column: String,
) -> PyResult<PyArrowType<RecordBatch>> {
    let batch = batch.0;
    py.detach(|| {
        let html = text_column(&batch, &column)?;
        let (mut titles, mut texts) = (StringBuilder::new(), StringBuilder::new());
        for i in 0..html.len() {
            let e = (!html.is_null(i))
                .then(|| unspin_scan::extract::extract_html(html.value(i), None))
                .flatten();
            titles.append_option(e.as_ref().and_then(|e| e.title.as_deref()));
            texts.append_option(e.as_ref().map(|e| e.text.as_str()));
        }
        let columns = vec![
            ("title", Arc::new(titles.finish()) as ArrayRef),
            ("text", Arc::new(texts.finish()) as ArrayRef),
        ];
        with_columns(&batch, columns).map(PyArrowType)
    })
}

/// Appends `spun_probability`, `verdict`, `words` and `evidence` (JSON) for the text column;
/// `lm` as [`engine_for`] (a neural model moves the probability: see
/// `unspin_core::neural_check`).
#[pyfunction]
#[pyo3(signature = (batch, column = "text".to_string(), lm = "trigram"))]
fn check_batch(
    py: Python<'_>,
    batch: PyArrowType<RecordBatch>,
    column: String,
    lm: &str,
) -> PyResult<PyArrowType<RecordBatch>> {
    let r = engine_for(lm)?;
    let batch = batch.0;
    py.detach(|| {
        let texts = text_column(&batch, &column)?;
        let mut probability = Float64Builder::new();
        let mut verdict = StringBuilder::new();
        let mut words = Int64Builder::new();
        let mut evidence = StringBuilder::new();
        for i in 0..texts.len() {
            // A row over the size limit gets nulls, like a missing text: one huge row must
            // not end a job over millions.
            if texts.is_null(i) || texts.value(i).len() > MAX_TEXT_BYTES {
                probability.append_null();
                verdict.append_null();
                words.append_null();
                evidence.append_null();
                continue;
            }
            let report = r.check(texts.value(i));
            probability.append_value(f64::from(report.probability));
            verdict.append_value(report.verdict.as_str());
            words.append_value(report.words as i64);
            evidence.append_value(to_json(&report.evidence)?);
        }
        let columns = vec![
            (
                "spun_probability",
                Arc::new(probability.finish()) as ArrayRef,
            ),
            ("verdict", Arc::new(verdict.finish()) as ArrayRef),
            ("words", Arc::new(words.finish()) as ArrayRef),
            ("evidence", Arc::new(evidence.finish()) as ArrayRef),
        ];
        with_columns(&batch, columns).map(PyArrowType)
    })
}

/// Appends `restored` (text) and `changes` (JSON) for the text column; `lm` as
/// [`engine_for`].
#[pyfunction]
#[pyo3(signature = (batch, column = "text".to_string(), lm = "trigram"))]
fn restore_batch(
    py: Python<'_>,
    batch: PyArrowType<RecordBatch>,
    column: String,
    lm: &str,
) -> PyResult<PyArrowType<RecordBatch>> {
    let r = engine_for(lm)?;
    let batch = batch.0;
    py.detach(|| {
        let texts = text_column(&batch, &column)?;
        let (mut restored, mut changes) = (StringBuilder::new(), StringBuilder::new());
        for i in 0..texts.len() {
            if texts.is_null(i) || texts.value(i).len() > MAX_TEXT_BYTES {
                restored.append_null();
                changes.append_null();
                continue;
            }
            let res = r.restore(texts.value(i));
            restored.append_value(&res.text);
            changes.append_value(to_json(&res.changes)?);
        }
        let columns = vec![
            ("restored", Arc::new(restored.finish()) as ArrayRef),
            ("changes", Arc::new(changes.finish()) as ArrayRef),
        ];
        with_columns(&batch, columns).map(PyArrowType)
    })
}

/// Appends `sketch`: the bottom-64 sketch (int64) of the word 3-grams of the text, restored
/// first when `restore` is true (what `scan` uses for families).
#[pyfunction]
#[pyo3(signature = (batch, column = "text".to_string(), restore = true))]
fn fingerprint_batch(
    py: Python<'_>,
    batch: PyArrowType<RecordBatch>,
    column: String,
    restore: bool,
) -> PyResult<PyArrowType<RecordBatch>> {
    let r = engine()?;
    let batch = batch.0;
    py.detach(|| {
        let texts = text_column(&batch, &column)?;
        let sketches: Vec<Vec<u64>> = (0..texts.len())
            .map(|i| {
                if texts.is_null(i) {
                    return Vec::new();
                }
                let text = texts.value(i);
                let words = if restore {
                    fingerprint::words(&r.restore(text).text)
                } else {
                    fingerprint::words(text)
                };
                sketch(&fingerprint::shingles(&words))
            })
            .collect();
        with_columns(&batch, vec![("sketch", sketch_array(&sketches))]).map(PyArrowType)
    })
}

fn list_values(list: &ListArray, i: usize) -> Vec<u64> {
    if list.is_null(i) {
        return Vec::new();
    }
    let values = list.value(i);
    match values.as_any().downcast_ref::<arrow_array::Int64Array>() {
        Some(a) => a.values().iter().map(|&v| v as u64).collect(),
        None => Vec::new(),
    }
}

/// Appends `similarity`: the estimated Jaccard similarity of two sketch columns (as used to
/// join copies into families).
#[pyfunction]
#[pyo3(signature = (batch, left = "sketch_a".to_string(), right = "sketch_b".to_string()))]
fn similarity_batch(
    py: Python<'_>,
    batch: PyArrowType<RecordBatch>,
    left: String,
    right: String,
) -> PyResult<PyArrowType<RecordBatch>> {
    let batch = batch.0;
    py.detach(|| {
        let get = |name: &str| -> PyResult<ListArray> {
            let col = batch
                .column_by_name(name)
                .ok_or_else(|| PyValueError::new_err(format!("no column {name:?}")))?;
            col.as_any()
                .downcast_ref::<ListArray>()
                .cloned()
                .ok_or_else(|| PyValueError::new_err(format!("column {name:?} is not a list")))
        };
        let (a, b) = (get(&left)?, get(&right)?);
        let mut out = Float64Builder::new();
        for i in 0..batch.num_rows() {
            out.append_value(similarity(&list_values(&a, i), &list_values(&b, i)));
        }
        with_columns(
            &batch,
            vec![("similarity", Arc::new(out.finish()) as ArrayRef)],
        )
        .map(PyArrowType)
    })
}

/// Scans the files named in the `path` column (WARC, HTML, JSON Lines, text, folders) as
/// `unspin scan` does, one output row per record: where it was read, its label, URL, id,
/// site, words, spun probability, verdict, evidence (JSON), skip reason or error, the best
/// source with `index_path`, and the family sketch of spun documents.
#[pyfunction]
#[pyo3(signature = (batch, column = "path".to_string(), index_path = None))]
fn scan_files_batch(
    py: Python<'_>,
    batch: PyArrowType<RecordBatch>,
    column: String,
    index_path: Option<String>,
) -> PyResult<PyArrowType<RecordBatch>> {
    let r = engine()?;
    let idx = index_path.as_deref().map(index).transpose()?;
    let batch = batch.0;
    py.detach(|| {
        let paths = text_column(&batch, &column)?;
        let inputs: Vec<String> = (0..paths.len())
            .filter(|&i| !paths.is_null(i))
            .map(|i| paths.value(i).to_string())
            .collect();
        let analyser = Analyser::new(r, idx.as_deref());
        let mut outcomes = Vec::new();
        let stop = AtomicBool::new(false);
        unspin_scan::scan(
            &inputs,
            &JsonFields::default(),
            &analyser,
            &stop,
            &mut |_| {},
            &mut |o: &Outcome| {
                outcomes.push(o.clone());
                Ok::<(), std::convert::Infallible>(())
            },
        )
        .map_err(|e| PyRuntimeError::new_err(e.to_string()))?;
        outcomes_batch(&outcomes).map(PyArrowType)
    })
}

/// Analyses texts already in a table (a Parquet crawl export, say) as `unspin scan` analyses
/// JSON Lines records: one output row per input row, in the schema of [`scan_files_batch`]
/// (`input` is `source`, `line` the row number within the batch plus `first_row`).
#[pyfunction]
#[pyo3(signature = (batch, text = "text".to_string(), id = None, url = None, source = "table".to_string(), first_row = 0, index_path = None))]
#[allow(clippy::too_many_arguments)]
fn scan_texts_batch(
    py: Python<'_>,
    batch: PyArrowType<RecordBatch>,
    text: String,
    id: Option<String>,
    url: Option<String>,
    source: String,
    first_row: i64,
    index_path: Option<String>,
) -> PyResult<PyArrowType<RecordBatch>> {
    let r = engine()?;
    let idx = index_path.as_deref().map(index).transpose()?;
    let batch = batch.0;
    py.detach(|| {
        let texts = text_column(&batch, &text)?;
        let ids = id.as_deref().map(|c| text_column(&batch, c)).transpose()?;
        let urls = url.as_deref().map(|c| text_column(&batch, c)).transpose()?;
        let analyser = Analyser::new(r, idx.as_deref());
        let value = |col: Option<&StringArray>, i: usize| {
            col.filter(|c| !c.is_null(i))
                .map(|c| c.value(i).to_string())
        };
        let outcomes: Vec<Outcome> = (0..texts.len())
            .map(|i| {
                let at = unspin_scan::Locator {
                    input: source.clone(),
                    offset: None,
                    line: Some((first_row + i as i64 + 1) as u64),
                };
                if texts.is_null(i) || texts.value(i).trim().is_empty() {
                    return Outcome::Skipped {
                        at,
                        url: value(urls, i),
                        reason: unspin_scan::source::SkipReason::Empty,
                        detail: None,
                    };
                }
                analyser.analyse(unspin_scan::Item::Document(
                    unspin_scan::source::RawDocument {
                        at,
                        url: value(urls, i),
                        id: value(ids, i),
                        title: None,
                        body: unspin_scan::source::Body::Text(texts.value(i).to_string()),
                    },
                ))
            })
            .collect();
        outcomes_batch(&outcomes).map(PyArrowType)
    })
}

/// The output schema of [`scan_files_batch`].
fn outcomes_batch(outcomes: &[Outcome]) -> PyResult<RecordBatch> {
    let s = |_: &str| StringBuilder::new();
    let (mut input, mut label, mut url, mut id, mut site) = (s(""), s(""), s(""), s(""), s(""));
    let (mut verdict, mut evidence, mut skipped, mut detail, mut error) =
        (s(""), s(""), s(""), s(""), s(""));
    let mut source_id = s("");
    let (mut offset, mut line, mut words) = (
        Int64Builder::new(),
        Int64Builder::new(),
        Int64Builder::new(),
    );
    let (mut probability, mut source_score, mut source_coverage) = (
        Float64Builder::new(),
        Float64Builder::new(),
        Float64Builder::new(),
    );
    let mut sketches = Vec::new();
    for o in outcomes {
        let at = o.at();
        input.append_value(&at.input);
        offset.append_option(at.offset.map(|v| v as i64));
        line.append_option(at.line.map(|v| v as i64));
        label.append_value(o.label());
        url.append_option(o.url());
        site.append_option(o.url().and_then(unspin_scan::analyse::site_of));
        let report = match o {
            Outcome::Report(r) => Some(r),
            _ => None,
        };
        let source = report.and_then(|r| r.source.as_ref());
        id.append_option(report.and_then(|r| r.id.as_deref()));
        words.append_option(report.map(|r| r.words as i64));
        probability.append_option(report.map(|r| r.spun_probability));
        verdict.append_option(report.map(|r| r.verdict.as_str()));
        evidence.append_option(report.map(|r| to_json(&r.evidence)).transpose()?);
        source_id.append_option(source.map(|s| s.id.as_str()));
        source_score.append_option(source.map(|s| s.score));
        source_coverage.append_option(source.map(|s| s.coverage));
        sketches.push(report.map(|r| r.sketch.clone()).unwrap_or_default());
        match o {
            Outcome::Skipped {
                reason, detail: d, ..
            } => {
                skipped.append_value(reason.as_str());
                detail.append_option(d.as_deref());
            }
            _ => {
                skipped.append_null();
                detail.append_null();
            }
        }
        match o {
            Outcome::Malformed { message, .. } => error.append_value(message),
            _ => error.append_null(),
        }
    }
    let columns: Vec<(&str, ArrayRef)> = vec![
        ("input", Arc::new(input.finish())),
        ("offset", Arc::new(offset.finish())),
        ("line", Arc::new(line.finish())),
        ("label", Arc::new(label.finish())),
        ("url", Arc::new(url.finish())),
        ("id", Arc::new(id.finish())),
        ("site", Arc::new(site.finish())),
        ("words", Arc::new(words.finish())),
        ("spun_probability", Arc::new(probability.finish())),
        ("verdict", Arc::new(verdict.finish())),
        ("evidence", Arc::new(evidence.finish())),
        ("skipped", Arc::new(skipped.finish())),
        ("detail", Arc::new(detail.finish())),
        ("error", Arc::new(error.finish())),
        ("source_id", Arc::new(source_id.finish())),
        ("source_score", Arc::new(source_score.finish())),
        ("source_coverage", Arc::new(source_coverage.finish())),
        ("sketch", sketch_array(&sketches)),
    ];
    let fields: Vec<Field> = columns
        .iter()
        .map(|(n, a)| Field::new(*n, a.data_type().clone(), true))
        .collect();
    RecordBatch::try_new(
        Arc::new(Schema::new(fields)),
        columns.into_iter().map(|(_, a)| a).collect(),
    )
    .map_err(|e| PyRuntimeError::new_err(e.to_string()))
}

/// The schema of [`scan_files_batch`]'s output, as a pyarrow schema (for Spark's
/// `mapInArrow`, which needs it up front).
#[pyfunction]
fn scan_schema(py: Python<'_>) -> PyResult<Py<PyAny>> {
    let empty = outcomes_batch(&[])?;
    let schema: PyArrowType<Schema> = PyArrowType(empty.schema().as_ref().clone());
    Ok(schema.into_pyobject(py)?.unbind())
}

/// Largest posting, estimated-similarity threshold and minimum shared hashes of the family
/// grouping, so that engines outside Rust group exactly as `unspin scan` does.
#[pyfunction]
fn family_parameters() -> (usize, f64, usize) {
    (
        unspin_scan::families::MAX_POSTING,
        unspin_scan::families::MIN_SIMILARITY,
        unspin_scan::families::MIN_SHARED,
    )
}

/// Version of the engine.
#[pyfunction]
fn version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

#[pymodule]
fn _unspin(m: &Bound<'_, PyModule>) -> PyResult<()> {
    // A damaged index raises a clear error; the storage engine's panic text would only bury it.
    unspin_index::install_quiet_panic_hook();
    m.add_function(wrap_pyfunction!(check_json, m)?)?;
    m.add_function(wrap_pyfunction!(restore_json, m)?)?;
    m.add_function(wrap_pyfunction!(trace_json, m)?)?;
    m.add_function(wrap_pyfunction!(extract_text, m)?)?;
    m.add_function(wrap_pyfunction!(extract_batch, m)?)?;
    m.add_function(wrap_pyfunction!(check_batch, m)?)?;
    m.add_function(wrap_pyfunction!(restore_batch, m)?)?;
    m.add_function(wrap_pyfunction!(fingerprint_batch, m)?)?;
    m.add_function(wrap_pyfunction!(similarity_batch, m)?)?;
    m.add_function(wrap_pyfunction!(scan_files_batch, m)?)?;
    m.add_function(wrap_pyfunction!(scan_texts_batch, m)?)?;
    m.add_function(wrap_pyfunction!(scan_schema, m)?)?;
    m.add_function(wrap_pyfunction!(family_parameters, m)?)?;
    m.add_function(wrap_pyfunction!(version, m)?)?;
    Ok(())
}
