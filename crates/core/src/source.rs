//! Facts about addresses, and where they come from. A [`Source`] yields [`Facts`]: one row per
//! address with the named value columns of its spec. Files are the first implementation; the
//! chain (snapshots over RPC) and the server (sign-ups, bounty submissions) implement the same
//! trait later, and the allocation code only ever sees [`Facts`].

use crate::error::{CoreError, Result};
use crate::spec::{ColumnKind, ExcludeSpec, FileFormat, SourceKind, SourceSpec};
use crate::units::{parse_decimal, parse_integer};
use airdrop_merkle::address::{parse_address, refuse_secret, shown, ZERO_RECIPIENT};
use airdrop_merkle::limits::{size, Bounded, MAX_JSON_BYTES};
use airdrop_merkle::{Address, U256};
use rayon::prelude::*;

#[path = "source_fast.rs"]
mod fast;
#[path = "source_json.rs"]
mod json;

/// Something that can produce the facts a pool allocates from.
pub trait Source {
    /// The source's name, as pools refer to it.
    fn name(&self) -> &str;
    /// What the rows mean.
    fn kind(&self) -> SourceKind;
    /// Reads (or fetches) and validates the facts.
    fn facts(&self) -> Result<Facts>;
}

/// Validated facts of one source: unique addresses sorted ascending, and for each a value per
/// column (numbers scaled by `10^decimals`, flags as 0/1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts {
    /// Source name.
    pub source: String,
    /// Number of columns per row.
    pub width: usize,
    /// Addresses, ascending and unique.
    pub addresses: Vec<Address>,
    /// Row-major values, `addresses.len() · width` of them.
    pub values: Vec<U256>,
}

impl Facts {
    /// Builds facts from rows in any order; each row carries a location (`file:line`) for
    /// messages. Duplicates are an error naming both rows.
    pub fn from_rows(
        source: &str,
        width: usize,
        rows: Vec<(Address, Vec<U256>, String)>,
    ) -> Result<Facts> {
        let mut locations = Vec::with_capacity(rows.len());
        let numbered = rows
            .into_iter()
            .enumerate()
            .map(|(i, (a, v, loc))| {
                locations.push(loc);
                (a, v, i as u64)
            })
            .collect();
        Facts::from_numbered_rows(source, width, numbered, &|i| {
            locations.get(i as usize).cloned().unwrap_or_default()
        })
    }

    /// Like [`Facts::from_rows`], with a row number that `location` turns into text only when
    /// a message needs it (so a million rows do not carry a million strings).
    pub fn from_numbered_rows(
        source: &str,
        width: usize,
        mut rows: Vec<(Address, Vec<U256>, u64)>,
        location: &dyn Fn(u64) -> String,
    ) -> Result<Facts> {
        // Stable sort: of two duplicates, the earlier row is reported as the first.
        rows.par_sort_by_key(|r| r.0);
        for pair in rows.windows(2) {
            if pair[0].0 == pair[1].0 {
                let (first, second) = if pair[0].2 < pair[1].2 {
                    (pair[0].2, pair[1].2)
                } else {
                    (pair[1].2, pair[0].2)
                };
                return Err(CoreError::Source {
                    location: location(second),
                    detail: format!(
                        "duplicate address {:#x} (also at {}); each address may appear once per source — merge the rows",
                        pair[1].0,
                        location(first)
                    ),
                });
            }
        }
        let mut addresses = Vec::with_capacity(rows.len());
        let mut values = Vec::with_capacity(rows.len() * width);
        for (a, v, _) in rows {
            addresses.push(a);
            values.extend(v);
        }
        Ok(Facts {
            source: source.to_owned(),
            width,
            addresses,
            values,
        })
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.addresses.len()
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.addresses.is_empty()
    }

    /// Value of `column` in `row`.
    pub fn value(&self, row: usize, column: usize) -> U256 {
        self.values[row * self.width + column]
    }

    /// Row of an address, if present.
    pub fn row_of(&self, address: &Address) -> Option<usize> {
        self.addresses.binary_search(address).ok()
    }
}

/// A source read from a CSV or JSON file whose bytes the caller has loaded.
#[derive(Debug)]
pub struct FileSource<'a> {
    /// The spec of the source (columns, decimals, file name for messages).
    pub spec: &'a SourceSpec,
    /// The file's bytes.
    pub data: &'a [u8],
}

impl Source for FileSource<'_> {
    fn name(&self) -> &str {
        &self.spec.name
    }
    fn kind(&self) -> SourceKind {
        self.spec.kind
    }
    fn facts(&self) -> Result<Facts> {
        let fast = match self.spec.format {
            FileFormat::Csv => fast::facts(self.spec, self.data, fast::CHUNK),
            // Beyond the bound the table path words the refusal.
            FileFormat::Json if self.data.len() as u64 <= MAX_JSON_BYTES => {
                json::facts(self.spec, self.data, json::CHUNK)
            }
            FileFormat::Json => None,
        };
        match fast {
            Some(facts) => Ok(facts),
            None => self.read_whole(),
        }
    }
}

impl FileSource<'_> {
    /// Reads through the `csv` crate (or JSON), row by row: the reference the parallel reader
    /// matches, and the path that words every error.
    fn read_whole(&self) -> Result<Facts> {
        let table = read_table(self.data, &self.spec.file, self.spec.format)?;
        let addr_col = table.column(&self.spec.address_column)?;
        let cols: Vec<usize> = self
            .spec
            .columns
            .iter()
            .map(|c| table.column(&c.name))
            .collect::<Result<_>>()?;
        let row = |(line, cells): &(u64, csv::StringRecord)| {
            let cell = |i: usize| cells.get(i).unwrap_or_default();
            row_facts(self.spec, cell, addr_col, &cols, || table.location(*line))
                .map(|(address, values)| (address, values, *line))
        };
        // On all cores; rayon reports any error, not the first, so an error is looked for
        // again in file order (errors cost a second pass, successes never do).
        let rows = match table.rows.par_iter().map(row).collect::<Result<Vec<_>>>() {
            Ok(rows) => rows,
            Err(_) => table.rows.iter().map(row).collect::<Result<Vec<_>>>()?,
        };
        Facts::from_numbered_rows(&self.spec.name, cols.len(), rows, &|l| table.location(l))
    }
}

/// One row's address and column values, from cells already trimmed: the one place both the
/// parallel reader and the `csv` crate's path turn text into facts, so both agree.
fn row_facts<'c>(
    spec: &SourceSpec,
    cell: impl Fn(usize) -> &'c str,
    addr_col: usize,
    cols: &[usize],
    location: impl Fn() -> String,
) -> Result<(Address, Vec<U256>)> {
    let address = parse_address(cell(addr_col)).map_err(|reason| CoreError::Address {
        location: location(),
        reason,
    })?;
    // A source names recipients: the zero address would be paid into the void.
    if address.is_zero() {
        return Err(CoreError::Source {
            location: location(),
            detail: ZERO_RECIPIENT.into(),
        });
    }
    let mut values = Vec::with_capacity(cols.len());
    for (column, &ci) in spec.columns.iter().zip(cols) {
        let text = cell(ci).trim();
        let v = match column.kind {
            ColumnKind::Flag => parse_flag(text),
            ColumnKind::Number if spec.base_units => parse_integer(text),
            ColumnKind::Number => parse_decimal(text, spec.decimals).map_err(|e| {
                format!(
                    "{e} (source {:?} has decimals = {})",
                    spec.name, spec.decimals
                )
            }),
        }
        .map_err(|e| CoreError::Source {
            location: location(),
            detail: format!("column {:?}: {e}", column.name),
        })?;
        values.push(v);
    }
    Ok((address, values))
}

fn parse_flag(cell: &str) -> std::result::Result<U256, String> {
    match cell.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "y" => Ok(U256::from(1u8)),
        "false" | "0" | "no" | "n" | "" => Ok(U256::ZERO),
        _ => Err(format!(
            "{} is not a flag; write true or false (also 1/0, yes/no; empty is false)",
            shown(cell)
        )),
    }
}

/// Reads an exclusion list: inline addresses plus, if the spec names a file, its address column.
pub fn read_exclusions(spec: &ExcludeSpec, data: Option<&[u8]>) -> Result<Vec<Address>> {
    let mut out = spec.addresses.clone();
    if let (Some(file), Some(data)) = (&spec.file, data) {
        let format = if file.to_ascii_lowercase().ends_with(".json") {
            FileFormat::Json
        } else {
            FileFormat::Csv
        };
        let table = read_table(data, file, format)?;
        let col = table.column(&spec.address_column)?;
        for (line, cells) in &table.rows {
            out.push(
                parse_address(cells.get(col).unwrap_or_default()).map_err(|reason| {
                    CoreError::Address {
                        location: table.location(*line),
                        reason,
                    }
                })?,
            );
        }
    }
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

/// A file parsed into a header and rows of text cells, each row with its line (CSV) or
/// 1-based entry number (JSON).
struct Table {
    file: String,
    json: bool,
    header: Vec<String>,
    rows: Vec<(u64, csv::StringRecord)>,
}

impl Table {
    /// The file's header is never quoted: on a server, the file may not be what the spec
    /// claims (a path to a system file), and its first line is then its secret.
    fn column(&self, name: &str) -> Result<usize> {
        self.header
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| CoreError::Source {
                location: self.file.clone(),
                detail: format!(
                    "no column {}; the file's header has {} column(s), none named so (names are case-sensitive)",
                    shown(name),
                    self.header.len()
                ),
            })
    }

    fn location(&self, n: u64) -> String {
        if self.json {
            format!("{}: entry {n}", self.file)
        } else {
            format!("{}:{n}", self.file)
        }
    }
}

fn read_table(data: &[u8], file: &str, format: FileFormat) -> Result<Table> {
    let table = match format {
        FileFormat::Csv => read_csv(data, file)?,
        FileFormat::Json => read_json(data, file)?,
    };
    // Every cell, used or not, is checked: a key pasted into a notes column is still a leak.
    for (i, h) in table.header.iter().enumerate() {
        refuse_secret(h).map_err(|reason| CoreError::Address {
            location: format!("{}: header, column {}", table.file, i + 1),
            reason,
        })?;
    }
    // The first refused cell in file order, looked for on all cores.
    let refused = table.rows.par_iter().find_map_first(|(line, cells)| {
        cells
            .iter()
            .enumerate()
            .find_map(|(i, cell)| refuse_secret(cell).err().map(|reason| (*line, i, reason)))
    });
    if let Some((line, i, reason)) = refused {
        return Err(CoreError::Address {
            location: format!("{}: column {}", table.location(line), i + 1),
            reason,
        });
    }
    Ok(table)
}

fn read_csv(data: &[u8], file: &str) -> Result<Table> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(false)
        .from_reader(Bounded::lines(data));
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| CoreError::Source {
            location: format!("{file}:1"),
            detail: format!("cannot read the header: {e}"),
        })?
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').to_owned())
        .collect();
    let mut rows = Vec::new();
    loop {
        let mut record = csv::StringRecord::new();
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let line = record.position().map(|p| p.line()).unwrap_or(0);
                if record.iter().all(|c| c.is_empty()) {
                    continue;
                }
                rows.push((line, record));
            }
            Err(e) => {
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                let detail = match e.kind() {
                    csv::ErrorKind::UnequalLengths { expected_len, len, .. } => format!(
                        "row has {len} fields but the header has {expected_len}; check for a stray comma"
                    ),
                    _ => format!("unreadable CSV: {e}"),
                };
                return Err(CoreError::Source {
                    location: format!("{file}:{line}"),
                    detail,
                });
            }
        }
    }
    Ok(Table {
        file: file.to_owned(),
        json: false,
        header,
        rows,
    })
}

/// Turns a JSON array of flat objects into a header (keys in first-seen order) and rows of text
/// cells, so JSON inputs share the CSV validation path. Numbers must be exact (unsigned
/// integers) — anything JSON would round is refused; `not_object` says what an item should be.
pub fn json_table(
    items: &[serde_json::Value],
    file: &str,
    not_object: &str,
) -> Result<(Vec<String>, Vec<Vec<String>>)> {
    let mut header: Vec<String> = Vec::new();
    for item in items {
        if let Some(obj) = item.as_object() {
            for k in obj.keys() {
                if !header.contains(k) {
                    header.push(k.clone());
                }
            }
        }
    }
    let mut rows = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let loc = format!("{file}: entry {}", i + 1);
        let obj = item.as_object().ok_or_else(|| CoreError::Source {
            location: loc.clone(),
            detail: not_object.to_owned(),
        })?;
        let mut cells = Vec::with_capacity(header.len());
        for h in &header {
            let cell = match obj.get(h) {
                None | Some(serde_json::Value::Null) => String::new(),
                Some(serde_json::Value::String(s)) => s.clone(),
                Some(serde_json::Value::Bool(b)) => b.to_string(),
                Some(serde_json::Value::Number(n)) if n.is_u64() => n.to_string(),
                Some(other) => {
                    return Err(CoreError::Source {
                        location: loc,
                        detail: format!(
                        "key {}: {} is not exact; write numbers as strings (\"12.5\") or integers",
                        shown(h),
                        airdrop_merkle::amount::json_kind(other)
                    ),
                    })
                }
            };
            cells.push(cell);
        }
        rows.push(cells);
    }
    Ok((header, rows))
}

fn read_json(data: &[u8], file: &str) -> Result<Table> {
    if data.len() as u64 > MAX_JSON_BYTES {
        return Err(CoreError::Source {
            location: file.to_owned(),
            detail: format!(
                "the file is larger than {}, the limit for JSON sources; use CSV",
                size(MAX_JSON_BYTES)
            ),
        });
    }
    match json::table(data, json::CHUNK) {
        Some((header, rows)) => Ok(Table {
            file: file.to_owned(),
            json: true,
            header,
            rows,
        }),
        None => read_json_value(data, file),
    }
}

/// Reads a JSON source through a whole `serde_json::Value` tree: the reference the typed reader
/// matches, and the path that words every error.
fn read_json_value(data: &[u8], file: &str) -> Result<Table> {
    let doc = airdrop_merkle::json::from_slice(data).map_err(|e| CoreError::Source {
        location: format!("{file}:{}", e.line()),
        detail: format!("invalid JSON: {e}"),
    })?;
    let items = doc.as_array().ok_or_else(|| CoreError::Source {
        location: file.to_owned(),
        detail:
            "expected a JSON array of objects, e.g. [{\"address\": \"0x…\", \"balance\": \"12.5\"}]"
                .into(),
    })?;
    let (header, cells) = json_table(items, file, "expected an object with an address and values")?;
    let rows = cells
        .into_iter()
        .enumerate()
        .map(|(i, c)| (i as u64 + 1, csv::StringRecord::from(c)))
        .collect();
    Ok(Table {
        file: file.to_owned(),
        json: true,
        header,
        rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::{ColumnSpec, SourceSpec};

    fn spec(format: FileFormat) -> SourceSpec {
        SourceSpec {
            name: "s".into(),
            kind: SourceKind::Balances,
            file: if format == FileFormat::Json {
                "s.json".into()
            } else {
                "s.csv".into()
            },
            format,
            address_column: "address".into(),
            columns: vec![
                ColumnSpec {
                    name: "balance".into(),
                    kind: ColumnKind::Number,
                },
                ColumnSpec {
                    name: "og".into(),
                    kind: ColumnKind::Flag,
                },
            ],
            decimals: 2,
            base_units: false,
            chain: None,
        }
    }

    #[test]
    fn csv_and_json_give_the_same_facts() {
        let csv = "address,balance,og\n0x2222222222222222222222222222222222222222,1.5,true\n\n0x1111111111111111111111111111111111111111,3,\n";
        let json = r#"[{"address":"0x2222222222222222222222222222222222222222","balance":"1.5","og":true},
                       {"address":"0x1111111111111111111111111111111111111111","balance":3}]"#;
        let s1 = spec(FileFormat::Csv);
        let s2 = spec(FileFormat::Json);
        let a = FileSource {
            spec: &s1,
            data: csv.as_bytes(),
        }
        .facts()
        .unwrap();
        let b = FileSource {
            spec: &s2,
            data: json.as_bytes(),
        }
        .facts()
        .unwrap();
        assert_eq!(a.addresses, b.addresses);
        assert_eq!(a.values, b.values);
        // Sorted by address; values scaled by 10^2; flags 0/1.
        assert_eq!(a.addresses[0], Address::repeat_byte(0x11));
        assert_eq!(
            a.values,
            vec![
                U256::from(300u16),
                U256::ZERO,
                U256::from(150u16),
                U256::from(1u8)
            ]
        );
    }

    #[test]
    fn json_errors_name_the_entry() {
        let s = spec(FileFormat::Json);
        let json = r#"[{"address":"0x2222222222222222222222222222222222222222","balance":1.5}]"#;
        let err = FileSource {
            spec: &s,
            data: json.as_bytes(),
        }
        .facts()
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("s.json: entry 1") && err.contains("as strings"),
            "{err}"
        );
        let json = r#"[{"address":"0x22","balance":"1","og":false}]"#;
        let err = FileSource {
            spec: &s,
            data: json.as_bytes(),
        }
        .facts()
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("s.json: entry 1") && err.contains("invalid address"),
            "{err}"
        );
    }

    #[test]
    fn bad_flag_names_line_and_column() {
        let s = spec(FileFormat::Csv);
        let csv = "address,balance,og\n0x2222222222222222222222222222222222222222,1,maybe\n";
        let err = FileSource {
            spec: &s,
            data: csv.as_bytes(),
        }
        .facts()
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("s.csv:2") && err.contains("column \"og\"") && err.contains("maybe"),
            "{err}"
        );
    }
}
