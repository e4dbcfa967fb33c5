//! The tidy tables (`summary`, `comparison`, a sweep's `points`) as CSV or as Parquet.
//!
//! Every table is made as CSV first, as it always was, and a Parquet table is that CSV turned
//! into columns: the same header, the same rows in the same order, and the same values, because
//! each number in the CSV is the shortest text that reads back as the same `f64`. Reading a
//! Parquet table back gives the CSV's records again, text for text, so every command that reads
//! a table (`report`, `ceac`, `compare --psa`) reads either.
//!
//! Columns are typed by name: `scenario` and `metric` are strings (dictionary-encoded, so a
//! metric name is stored once per row group rather than once per row), `point`, `replication`
//! and `replications` are 64-bit integers, and every other column is a double, missing where
//! the CSV cell is empty (a mean wait when nobody waited).

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use parquet::basic::{Compression, LogicalType, Repetition, Type as Physical};
use parquet::data_type::{ByteArray, ByteArrayType, DoubleType, Int64Type};
use parquet::file::properties::WriterProperties;
use parquet::file::reader::FileReader;
use parquet::file::serialized_reader::SerializedFileReader;
use parquet::file::writer::SerializedFileWriter;
use parquet::record::Field;
use parquet::schema::types::Type;

use super::summary::format_value;

/// How the tidy tables are written (`--format`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Format {
    /// Comma-separated text, one row per line.
    #[default]
    Csv,
    /// Apache Parquet: typed, compressed columns that pandas, polars and Arrow load directly.
    Parquet,
}

impl Format {
    /// The file name of table `stem` in this format: `summary.csv`, `summary.parquet`.
    pub fn file(self, stem: &str) -> String {
        format!("{stem}.{}", self.extension())
    }

    /// The bytes of a tidy table made as CSV (`csv`), in this format.
    pub fn encode(self, csv: Vec<u8>) -> std::io::Result<Vec<u8>> {
        match self {
            Format::Csv => Ok(csv),
            Format::Parquet => to_parquet(&csv),
        }
    }

    /// The file extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Parquet => "parquet",
        }
    }
}

/// The type a tidy table's column holds (and is stored as in Parquet).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A string: a scenario's or a metric's name.
    Text,
    /// A whole number: a point, a replication, a count of replications.
    Count,
    /// A number, or none (an empty cell).
    Number,
}

/// The type of the column named `column`.
pub fn kind_of(column: &str) -> Kind {
    match column {
        "scenario" | "metric" => Kind::Text,
        "point" | "replication" | "replications" => Kind::Count,
        _ => Kind::Number,
    }
}

/// Rows per row group: a group's columns are held in memory while it is filled (about 30 MB
/// for a summary's four columns), so converting a table of any length uses bounded memory, and
/// readers can take a large table a group at a time.
const ROWS_PER_GROUP: usize = 1 << 20;

/// One column's values while a row group is filled.
enum Buffer {
    Text(Vec<ByteArray>),
    Count(Vec<i64>),
    /// Values present, and a definition level per row (0 where the cell was empty).
    Number(Vec<f64>, Vec<i16>),
}

impl Buffer {
    fn new(kind: Kind) -> Self {
        match kind {
            Kind::Text => Buffer::Text(Vec::new()),
            Kind::Count => Buffer::Count(Vec::new()),
            Kind::Number => Buffer::Number(Vec::new(), Vec::new()),
        }
    }

    fn clear(&mut self) {
        match self {
            Buffer::Text(v) => v.clear(),
            Buffer::Count(v) => v.clear(),
            Buffer::Number(v, d) => {
                v.clear();
                d.clear();
            }
        }
    }
}

fn invalid(message: String) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, message)
}

fn parquet_error(e: parquet::errors::ParquetError) -> std::io::Error {
    std::io::Error::other(e.to_string())
}

/// Converts a tidy CSV table (as cjmh writes it) to Parquet, a row group at a time, so that the
/// memory used does not grow with the table's length. A cell that is not of its column's type
/// is an error naming its line and column.
pub fn csv_to_parquet<R: Read, W: Write + Send>(csv: R, out: W) -> std::io::Result<W> {
    let mut reader = csv::Reader::from_reader(csv);
    let header: Vec<String> = reader.headers()?.iter().map(str::to_string).collect();
    let kinds: Vec<Kind> = header.iter().map(|c| kind_of(c)).collect();
    let fields = header
        .iter()
        .zip(&kinds)
        .map(|(name, kind)| {
            let (physical, repetition) = match kind {
                Kind::Text => (Physical::BYTE_ARRAY, Repetition::REQUIRED),
                Kind::Count => (Physical::INT64, Repetition::REQUIRED),
                Kind::Number => (Physical::DOUBLE, Repetition::OPTIONAL),
            };
            let logical = (*kind == Kind::Text).then_some(LogicalType::String);
            Type::primitive_type_builder(name, physical)
                .with_repetition(repetition)
                .with_logical_type(logical)
                .build()
                .map(Arc::new)
        })
        .collect::<Result<Vec<_>, _>>()
        .map_err(parquet_error)?;
    let schema = Type::group_type_builder("cjmh")
        .with_fields(fields)
        .build()
        .map_err(parquet_error)?;
    // Snappy, as pandas and pyarrow write by default: fast to read, and pure Rust to build.
    let properties = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_created_by(format!("cjmh {}", env!("CARGO_PKG_VERSION")))
        .build();
    let mut writer = SerializedFileWriter::new(out, Arc::new(schema), Arc::new(properties))
        .map_err(parquet_error)?;
    let mut buffers: Vec<Buffer> = kinds.iter().map(|k| Buffer::new(*k)).collect();
    let mut rows = 0;
    let mut record = csv::StringRecord::new();
    let mut line = 1;
    while reader.read_record(&mut record)? {
        line += 1;
        if record.len() != header.len() {
            return Err(invalid(format!(
                "line {line}: {} cells, not the header's {}",
                record.len(),
                header.len()
            )));
        }
        for ((cell, buffer), name) in record.iter().zip(&mut buffers).zip(&header) {
            let bad = || {
                invalid(format!(
                    "line {line}, column `{name}`: `{cell}` is not its type"
                ))
            };
            match buffer {
                Buffer::Text(v) => v.push(ByteArray::from(cell)),
                Buffer::Count(v) => v.push(cell.parse().map_err(|_| bad())?),
                Buffer::Number(_, d) if cell.is_empty() => d.push(0),
                Buffer::Number(v, d) => {
                    v.push(cell.parse().map_err(|_| bad())?);
                    d.push(1);
                }
            }
        }
        rows += 1;
        if rows == ROWS_PER_GROUP {
            write_group(&mut writer, &mut buffers)?;
            rows = 0;
        }
    }
    if rows > 0 {
        write_group(&mut writer, &mut buffers)?;
    }
    writer.into_inner().map_err(parquet_error)
}

fn write_group<W: Write + Send>(
    writer: &mut SerializedFileWriter<W>,
    buffers: &mut [Buffer],
) -> std::io::Result<()> {
    let mut group = writer.next_row_group().map_err(parquet_error)?;
    for buffer in buffers.iter_mut() {
        let mut column = group
            .next_column()
            .map_err(parquet_error)?
            .ok_or_else(|| invalid("fewer columns than buffers".into()))?;
        match buffer {
            Buffer::Text(v) => column.typed::<ByteArrayType>().write_batch(v, None, None),
            Buffer::Count(v) => column.typed::<Int64Type>().write_batch(v, None, None),
            Buffer::Number(v, d) => column.typed::<DoubleType>().write_batch(v, Some(d), None),
        }
        .map_err(parquet_error)?;
        column.close().map_err(parquet_error)?;
        buffer.clear();
    }
    group.close().map_err(parquet_error)?;
    Ok(())
}

/// The Parquet bytes of a tidy CSV table held in memory.
pub fn to_parquet(csv: &[u8]) -> std::io::Result<Vec<u8>> {
    csv_to_parquet(csv, Vec::new())
}

/// Converts the CSV table at `csv` to a Parquet file at `parquet` (both under a command's
/// staging directory), streaming, then removes the CSV.
pub fn convert_file(csv: &Path, parquet: &Path) -> std::io::Result<()> {
    let input = std::io::BufReader::new(std::fs::File::open(csv)?);
    let file = std::fs::File::create(parquet)?;
    let out = csv_to_parquet(input, std::io::BufWriter::new(file))?;
    let file = out.into_inner().map_err(|e| e.into_error())?;
    file.sync_all()?;
    std::fs::remove_file(csv)
}

/// Hands each record of the Parquet table `reader` reads to `each`, every cell the text the CSV
/// table has there, after its header; a row at a time, so memory does not grow with the table.
fn each_parquet_record<R: parquet::file::reader::ChunkReader + 'static>(
    reader: SerializedFileReader<R>,
    mut each: impl FnMut(&csv::StringRecord, &csv::StringRecord) -> Result<(), String>,
) -> Result<(), String> {
    let header = header_of(&reader);
    let rows = reader.get_row_iter(None).map_err(|e| e.to_string())?;
    let mut record = csv::StringRecord::with_capacity(64, header.len());
    for (i, row) in rows.enumerate() {
        let row = row.map_err(|e| format!("row {}: {e}", i + 1))?;
        record.clear();
        for (_, field) in row.get_column_iter() {
            match field {
                Field::Str(s) => record.push_field(s.as_str()),
                Field::Long(n) => record.push_field(&n.to_string()),
                Field::Double(x) => record.push_field(&format_value(*x)),
                Field::Null => record.push_field(""),
                other => return Err(format!("row {}: unexpected value {other}", i + 1)),
            }
        }
        each(&header, &record)?;
    }
    Ok(())
}

fn header_of<R: parquet::file::reader::ChunkReader + 'static>(
    reader: &SerializedFileReader<R>,
) -> csv::StringRecord {
    reader
        .metadata()
        .file_metadata()
        .schema()
        .get_fields()
        .iter()
        .map(|f| f.name().to_string())
        .collect()
}

/// A Parquet table held in memory, as the bytes of the CSV table it was made from.
pub fn parquet_to_csv(bytes: Vec<u8>) -> Result<Vec<u8>, String> {
    let reader = SerializedFileReader::new(bytes::Bytes::from(bytes)).map_err(|e| e.to_string())?;
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(&header_of(&reader))
        .map_err(|e| e.to_string())?;
    each_parquet_record(reader, |_, record| {
        w.write_record(record).map_err(|e| e.to_string())
    })?;
    w.into_inner().map_err(|e| e.to_string())
}

/// The bytes read from table file `path` as CSV: as they are, or converted from Parquet.
pub fn as_csv<'b>(path: &Path, bytes: &'b [u8]) -> Result<std::borrow::Cow<'b, [u8]>, String> {
    if is_parquet(path) {
        parquet_to_csv(bytes.to_vec()).map(std::borrow::Cow::Owned)
    } else {
        Ok(std::borrow::Cow::Borrowed(bytes))
    }
}

fn is_parquet(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "parquet")
}

/// Hands each record of the table file at `path` (CSV or Parquet) to `each`, after its header,
/// every cell as the CSV has it; a row at a time. The error says which file and where.
pub fn for_each_record(
    path: &Path,
    mut each: impl FnMut(&csv::StringRecord, &csv::StringRecord) -> Result<(), String>,
) -> Result<(), String> {
    let located = |e: String| format!("{}: {e}", path.display());
    if is_parquet(path) {
        let file = std::fs::File::open(path).map_err(|e| located(e.to_string()))?;
        let reader = SerializedFileReader::new(file).map_err(|e| located(e.to_string()))?;
        return each_parquet_record(reader, each).map_err(located);
    }
    let mut reader = csv::Reader::from_path(path).map_err(|e| located(e.to_string()))?;
    let header = reader
        .headers()
        .map_err(|e| located(e.to_string()))?
        .clone();
    let mut record = csv::StringRecord::new();
    let mut line = 1;
    while reader
        .read_record(&mut record)
        .map_err(|e| located(e.to_string()))?
    {
        line += 1;
        each(&header, &record).map_err(|e| located(format!("line {line}: {e}")))?;
    }
    Ok(())
}

/// Table `stem` in `dir` as the command that wrote it left it: the file its `manifest.json`
/// lists among its outputs (`stem.parquet` or `stem.csv`), else whichever is there, CSV first.
pub fn find(dir: &Path, stem: &str) -> PathBuf {
    let listed = crate::output::write::read_own_file(&dir.join("manifest.json"))
        .ok()
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        .and_then(|m| m.get("outputs").cloned());
    let parquet = Format::Parquet.file(stem);
    let in_manifest = listed
        .as_ref()
        .and_then(serde_json::Value::as_array)
        .is_some_and(|a| a.iter().any(|o| o.as_str() == Some(parquet.as_str())));
    let csv = dir.join(Format::Csv.file(stem));
    if in_manifest || (!csv.exists() && dir.join(&parquet).exists()) {
        dir.join(parquet)
    } else {
        csv
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SUMMARY: &str = "scenario,replication,metric,value\n\
        baseline,0,people_entered,1343607\n\
        baseline,0,mean_wait_days,\n\
        baseline,1,share,0.1234567890123\n\
        \"a, b\",2,tiny,0.000001234\n\
        baseline,3,negative,-0.5\n";

    #[test]
    fn parquet_reads_back_as_the_csv_it_was_made_from() {
        let bytes = to_parquet(SUMMARY.as_bytes()).unwrap();
        assert_eq!(&bytes[..4], b"PAR1");
        assert_eq!(parquet_to_csv(bytes).unwrap(), SUMMARY.as_bytes());
    }

    #[test]
    fn a_sweep_summary_keeps_its_parameter_columns_and_groups_of_rows() {
        let mut csv = String::from("point,transfer.beds.medium,replication,metric,value\n");
        // More than a row group, so that the file holds two.
        for i in 0..ROWS_PER_GROUP + 3 {
            csv.push_str(&format!(
                "{},{}.5,0,m{},{}\n",
                i / 7,
                i % 5,
                i % 3,
                i as f64 / 3.0
            ));
        }
        let bytes = to_parquet(csv.as_bytes()).unwrap();
        let reader = SerializedFileReader::new(bytes::Bytes::from(bytes.clone())).unwrap();
        assert_eq!(reader.metadata().num_row_groups(), 2);
        assert_eq!(parquet_to_csv(bytes).unwrap(), csv.as_bytes());
    }

    #[test]
    fn a_cell_not_of_its_column_type_is_refused_at_its_line() {
        let e = to_parquet(b"scenario,replication,metric,value\nb,0,m,1\nb,x,m,2\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "line 3, column `replication`: `x` is not its type"
        );
        let e = to_parquet(b"scenario,replication,metric,value\nb,0,m,one\n").unwrap_err();
        assert!(e.to_string().contains("column `value`"), "{e}");
    }

    #[test]
    fn the_same_table_gives_the_same_bytes() {
        assert_eq!(
            to_parquet(SUMMARY.as_bytes()).unwrap(),
            to_parquet(SUMMARY.as_bytes()).unwrap()
        );
    }
}
