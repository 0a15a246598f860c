//! Facts about addresses, and where they come from. A [`Source`] yields [`Facts`]: one row per
//! address with the named value columns of its spec. Files are the first implementation; the
//! chain (snapshots over RPC) and the server (sign-ups, bounty submissions) implement the same
//! trait later, and the allocation code only ever sees [`Facts`].

use crate::error::{CoreError, Result};
use crate::spec::{ColumnKind, ExcludeSpec, FileFormat, SourceKind, SourceSpec};
use crate::units::{parse_decimal, parse_integer};
use airdrop_merkle::address::{parse_address, refuse_secret};
use airdrop_merkle::{Address, U256};

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
    /// Builds facts from rows in any order; duplicates are an error naming both rows.
    pub fn from_rows(
        source: &str,
        width: usize,
        mut rows: Vec<(Address, Vec<U256>, String)>,
    ) -> Result<Facts> {
        rows.sort_by_key(|r| r.0);
        for pair in rows.windows(2) {
            if pair[0].0 == pair[1].0 {
                return Err(CoreError::Source {
                    location: pair[1].2.clone(),
                    detail: format!(
                        "duplicate address {} (also at {}); each address may appear once per source — merge the rows",
                        pair[1].0.to_string().to_lowercase(),
                        pair[0].2
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
        let table = read_table(self.data, &self.spec.file, self.spec.format)?;
        let addr_col = table.column(&self.spec.address_column, &self.spec.file)?;
        let cols: Vec<usize> = self
            .spec
            .columns
            .iter()
            .map(|c| table.column(&c.name, &self.spec.file))
            .collect::<Result<_>>()?;
        let mut rows = Vec::with_capacity(table.rows.len());
        for (loc, cells) in &table.rows {
            let address = parse_address(&cells[addr_col]).map_err(|reason| CoreError::Address {
                location: loc.clone(),
                reason,
            })?;
            let mut values = Vec::with_capacity(cols.len());
            for (spec, &ci) in self.spec.columns.iter().zip(&cols) {
                let cell = cells[ci].trim();
                let v = match spec.kind {
                    ColumnKind::Flag => parse_flag(cell),
                    ColumnKind::Number if self.spec.base_units => parse_integer(cell),
                    ColumnKind::Number => parse_decimal(cell, self.spec.decimals).map_err(|e| {
                        format!(
                            "{e} (source {:?} has decimals = {})",
                            self.spec.name, self.spec.decimals
                        )
                    }),
                }
                .map_err(|e| CoreError::Source {
                    location: loc.clone(),
                    detail: format!("column {:?}: {e}", spec.name),
                })?;
                values.push(v);
            }
            rows.push((address, values, loc.clone()));
        }
        Facts::from_rows(&self.spec.name, cols.len(), rows)
    }
}

fn parse_flag(cell: &str) -> std::result::Result<U256, String> {
    match cell.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "y" => Ok(U256::from(1u8)),
        "false" | "0" | "no" | "n" | "" => Ok(U256::ZERO),
        _ => Err(format!(
            "{cell:?} is not a flag; write true or false (also 1/0, yes/no; empty is false)"
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
        let col = table.column(&spec.address_column, file)?;
        for (loc, cells) in &table.rows {
            out.push(
                parse_address(&cells[col]).map_err(|reason| CoreError::Address {
                    location: loc.clone(),
                    reason,
                })?,
            );
        }
    }
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

/// A file parsed into a header and rows of text cells, each row with its location.
struct Table {
    header: Vec<String>,
    rows: Vec<(String, Vec<String>)>,
}

impl Table {
    fn column(&self, name: &str, file: &str) -> Result<usize> {
        self.header
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| CoreError::Source {
                location: file.to_owned(),
                detail: format!(
                    "no column {name:?}; the file has: {}",
                    self.header.join(", ")
                ),
            })
    }
}

fn read_table(data: &[u8], file: &str, format: FileFormat) -> Result<Table> {
    let table = match format {
        FileFormat::Csv => read_csv(data, file)?,
        FileFormat::Json => read_json(data, file)?,
    };
    // Every cell, used or not, is checked: a key pasted into a notes column is still a leak.
    for (loc, cells) in &table.rows {
        for (i, cell) in cells.iter().enumerate() {
            refuse_secret(cell).map_err(|reason| CoreError::Address {
                location: format!(
                    "{loc}: column {:?}",
                    table.header.get(i).map(String::as_str).unwrap_or("?")
                ),
                reason,
            })?;
        }
    }
    Ok(table)
}

fn read_csv(data: &[u8], file: &str) -> Result<Table> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(false)
        .from_reader(data);
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
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let line = record.position().map(|p| p.line()).unwrap_or(0);
                if record.iter().all(|c| c.is_empty()) {
                    continue;
                }
                rows.push((
                    format!("{file}:{line}"),
                    record.iter().map(str::to_owned).collect(),
                ));
            }
            Err(e) => {
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                let detail = match e.kind() {
                    csv::ErrorKind::UnequalLengths {
                        expected_len, len, ..
                    } => {
                        format!("row has {len} fields but the header has {expected_len}; check for a stray comma")
                    }
                    _ => format!("unreadable CSV: {e}"),
                };
                return Err(CoreError::Source {
                    location: format!("{file}:{line}"),
                    detail,
                });
            }
        }
    }
    Ok(Table { header, rows })
}

fn read_json(data: &[u8], file: &str) -> Result<Table> {
    let doc: serde_json::Value = serde_json::from_slice(data).map_err(|e| CoreError::Source {
        location: format!("{file}:{}", e.line()),
        detail: format!("invalid JSON: {e}"),
    })?;
    let items = doc.as_array().ok_or_else(|| CoreError::Source {
        location: file.to_owned(),
        detail:
            "expected a JSON array of objects, e.g. [{\"address\": \"0x…\", \"balance\": \"12.5\"}]"
                .into(),
    })?;
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
            detail: "expected an object with an address and values".into(),
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
                        detail: format!("key {h:?}: {other} is not exact; write numbers as strings (\"12.5\") or integers"),
                    })
                }
            };
            cells.push(cell);
        }
        rows.push((loc, cells));
    }
    Ok(Table { header, rows })
}
