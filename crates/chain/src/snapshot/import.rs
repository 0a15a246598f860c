//! Snapshots made elsewhere (a SQL warehouse, cryo, Dune): CSV or JSON exports of transfers or
//! of balances, turned into the same [`Snapshot`] as a chain scan.
//!
//! Transfers: columns `from`, `to`, `value`, optionally `block` (rows after the snapshot block
//! are ignored) and `token` (rows of other tokens are ignored). Balances: `address`, `balance`.
//! Common export names are accepted too (`from_address`, `to_address`, `value_string`,
//! `block_number`, `erc20`, `contract_address`, `holder`, `amount`). Values are integers in base
//! units, decimal or `0x` hex; anything fractional or in exponent notation is refused.

use super::ledger::Erc20Ledger;
use super::result::{Rows, Snapshot, SnapshotMeta};
use crate::error::{ChainError, Result};
use airdrop_merkle::address::{parse_address, refuse_secret, shown, ZERO_RECIPIENT};
use airdrop_merkle::limits::{size, Bounded, MAX_JSON_BYTES};
use alloy_primitives::{Address, U256};
use std::collections::HashMap;

/// What an export holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportKind {
    /// One row per transfer (`from,to,value[,block][,token]`).
    Transfers,
    /// One row per holder (`address,balance`).
    Balances,
}

impl ImportKind {
    /// The spec name.
    pub fn name(self) -> &'static str {
        match self {
            ImportKind::Transfers => "import-transfers",
            ImportKind::Balances => "import-balances",
        }
    }
}

/// File format of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportFormat {
    /// Comma-separated with a header row.
    Csv,
    /// A JSON array of objects (or newline-delimited JSON objects).
    Json,
    /// Apache Parquet (cryo, DuckDB, Spark, BigQuery exports): flat schemas; addresses as
    /// 20-byte binary or text, amounts as 32-byte big-endian binary, text or integers.
    Parquet,
}

impl ImportFormat {
    /// Guesses from a file name (`.json`, `.jsonl`, `.ndjson` are JSON, `.parquet` Parquet;
    /// anything else CSV).
    pub fn from_path(path: &str) -> ImportFormat {
        let p = path.to_ascii_lowercase();
        if p.ends_with(".parquet") || p.ends_with(".pq") {
            ImportFormat::Parquet
        } else if p.ends_with(".json") || p.ends_with(".jsonl") || p.ends_with(".ndjson") {
            ImportFormat::Json
        } else {
            ImportFormat::Csv
        }
    }
}

/// What to import.
#[derive(Debug, Clone)]
pub struct ImportParams {
    /// Transfers or balances.
    pub kind: ImportKind,
    /// Snapshot block: transfers after it are ignored (needs a block column).
    pub block: Option<u64>,
    /// Token: rows naming another token are ignored (when there is a token column).
    pub token: Option<Address>,
    /// Rows below this balance are dropped (zero balances always are).
    pub min: U256,
}

const FROM: &[&str] = &["from", "from_address", "sender"];
const TO: &[&str] = &["to", "to_address", "recipient"];
const VALUE: &[&str] = &["value", "value_string", "value_binary", "amount", "wad"];
const BLOCK: &[&str] = &["block", "block_number", "blocknumber"];
const TOKEN: &[&str] = &["token", "erc20", "contract_address", "token_address"];
const ADDRESS: &[&str] = &["address", "holder", "account", "wallet"];
const BALANCE: &[&str] = &[
    "balance",
    "value",
    "amount",
    "balance_string",
    "balance_binary",
];

struct Table {
    header: Vec<String>,
    rows: Vec<(String, Vec<String>)>,
}

impl Table {
    fn find(&self, names: &[&str]) -> Option<usize> {
        names
            .iter()
            .find_map(|n| self.header.iter().position(|h| h.eq_ignore_ascii_case(n)))
    }
    fn need(&self, names: &[&str], file: &str) -> Result<usize> {
        self.find(names).ok_or_else(|| ChainError::Input {
            location: file.to_owned(),
            // The header is never quoted: it is the file's first line, whatever the file is.
            detail: format!(
                "no {:?} column (also accepted: {}); the file's header has {} column(s), none named so",
                names[0],
                names[1..].join(", "),
                self.header.len()
            ),
        })
    }
}

/// Imports an export whose bytes the caller has read. `file` names it in messages.
pub fn import(
    data: &[u8],
    file: &str,
    format: ImportFormat,
    params: &ImportParams,
) -> Result<Snapshot> {
    let table = match format {
        ImportFormat::Csv => read_csv(data, file)?,
        ImportFormat::Json => read_json(data, file)?,
        ImportFormat::Parquet => read_parquet(data, file)?,
    };
    let token_col = table.find(TOKEN);
    let rows = match params.kind {
        ImportKind::Transfers => {
            let (f, t, v) = (
                table.need(FROM, file)?,
                table.need(TO, file)?,
                table.need(VALUE, file)?,
            );
            let b = table.find(BLOCK);
            if params.block.is_some() && b.is_none() {
                return Err(ChainError::Input {
                    location: file.to_owned(),
                    detail: "a snapshot block was given but the file has no block column to cut at; add `block` (or `block_number`) or drop --block".into(),
                });
            }
            let mut ledger = Erc20Ledger::new();
            let mut first_seen: HashMap<Address, String> = HashMap::new();
            for (loc, cells) in &table.rows {
                if !keep_token(cells, token_col, params.token, loc)? {
                    continue;
                }
                if let (Some(b), Some(cut)) = (b, params.block) {
                    let n = parse_u64(&cells[b]).map_err(|d| input(loc, "block", d))?;
                    if n > cut {
                        continue;
                    }
                }
                let from = addr(&cells[f], loc, "from")?;
                let to = addr(&cells[t], loc, "to")?;
                let value = parse_amount(&cells[v]).map_err(|d| input(loc, "value", d))?;
                first_seen.entry(from).or_insert_with(|| loc.clone());
                ledger.apply_transfer(from, to, value);
            }
            if let Some(a) = ledger.negative() {
                return Err(ChainError::Input {
                    location: first_seen.get(&a).cloned().unwrap_or_else(|| file.to_owned()),
                    detail: format!("the transfers give {a} a negative balance; the export misses transfers (it must start at the token's deploy block and include mints) or the token is not a plain ERC-20"),
                });
            }
            ledger.balances()
        }
        ImportKind::Balances => {
            let (a, v) = (table.need(ADDRESS, file)?, table.need(BALANCE, file)?);
            let mut seen: HashMap<Address, String> = HashMap::new();
            let mut out = Vec::with_capacity(table.rows.len());
            for (loc, cells) in &table.rows {
                if !keep_token(cells, token_col, params.token, loc)? {
                    continue;
                }
                let address = addr(&cells[a], loc, "address")?;
                let balance = parse_amount(&cells[v]).map_err(|d| input(loc, "balance", d))?;
                // As the transfers ledger does not track it, a balances export may not pay it:
                // refused, not dropped silently (burnt tokens are no holder).
                if address.is_zero() && !balance.is_zero() {
                    return Err(ChainError::Input {
                        location: loc.clone(),
                        detail: format!("{ZERO_RECIPIENT} (its balance is burnt tokens)"),
                    });
                }
                if let Some(prev) = seen.insert(address, loc.clone()) {
                    return Err(ChainError::Input {
                        location: loc.clone(),
                        detail: format!("duplicate address {address} (also at {prev}); a balances export has one row per holder"),
                    });
                }
                out.push((address, balance));
            }
            out.sort_unstable_by_key(|r| r.0);
            out
        }
    };
    let min = params.min.max(U256::from(1u8));
    let rows = Rows::Balances(rows.into_iter().filter(|(_, b)| *b >= min).collect());
    let meta = SnapshotMeta {
        kind: params.kind.name().to_owned(),
        chain_id: None,
        block: params.block,
        block_hash: None,
        token: params.token,
        contracts: Vec::new(),
        events: Vec::new(),
        from_block: None,
        min: params.min,
        exclude_contracts: false,
        excluded_contracts: 0,
        verified_sample: 0,
        logs: 0,
        file: Some(file.to_owned()),
        rows: rows.len(),
        total: rows.total(),
        generator: format!("airdrop-chain {}", env!("CARGO_PKG_VERSION")),
        ..SnapshotMeta::default()
    };
    Ok(Snapshot { meta, rows })
}

fn input(loc: &str, column: &str, detail: String) -> ChainError {
    ChainError::Input {
        location: loc.to_owned(),
        detail: format!("column {column:?}: {detail}"),
    }
}

fn addr(cell: &str, loc: &str, column: &str) -> Result<Address> {
    parse_address(cell.trim()).map_err(|e| ChainError::Input {
        location: loc.to_owned(),
        detail: format!("column {column:?}: {e}"),
    })
}

fn keep_token(
    cells: &[String],
    col: Option<usize>,
    token: Option<Address>,
    loc: &str,
) -> Result<bool> {
    match (col, token) {
        (Some(c), Some(t)) => Ok(addr(&cells[c], loc, "token")? == t),
        _ => Ok(true),
    }
}

/// An integer amount in base units: decimal digits, or `0x` hex.
pub fn parse_amount(cell: &str) -> std::result::Result<U256, String> {
    let s = cell.trim();
    refuse_secret(s).map_err(|e| e.to_string())?;
    let v = shown(s);
    if let Some(hex) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        if hex.is_empty() || hex.len() > 64 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(format!("{v} is not a hex integer"));
        }
        return U256::from_str_radix(hex, 16).map_err(|e| format!("{v}: {e}"));
    }
    if s.is_empty() || !s.chars().all(|c| c.is_ascii_digit()) {
        return Err(format!(
            "{v} is not an integer in base units; exports must hold exact integers (no decimals, no exponent like 1e18, no float columns such as value_f64)"
        ));
    }
    U256::from_str_radix(s, 10).map_err(|e| format!("{v}: {e} (more than 2^256)"))
}

fn parse_u64(cell: &str) -> std::result::Result<u64, String> {
    let v = parse_amount(cell)?;
    u64::try_from(v).map_err(|_| format!("{} is too large for a block number", shown(cell)))
}

fn read_csv(data: &[u8], file: &str) -> Result<Table> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(Bounded::lines(data));
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| ChainError::Input {
            location: format!("{file}:1"),
            detail: format!("cannot read the header: {e}"),
        })?
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').to_owned())
        .collect();
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| ChainError::Input {
            location: format!("{file}:{}", e.position().map(|p| p.line()).unwrap_or(0)),
            detail: format!("unreadable CSV: {e}"),
        })?;
        if record.iter().all(str::is_empty) {
            continue;
        }
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        rows.push((
            format!("{file}:{line}"),
            record.iter().map(str::to_owned).collect(),
        ));
    }
    Ok(Table { header, rows })
}

/// Reads a flat Parquet file into the same text table the CSV and JSON readers produce, so
/// every import shares one validation path. Binary cells become `0x` addresses (20 bytes) or
/// decimal amounts (32-byte big-endian, as cryo's `*_binary` columns); floating-point cells are
/// refused where an amount is read, because money never passes through floats.
fn read_parquet(data: &[u8], file: &str) -> Result<Table> {
    use parquet::file::reader::{FileReader, SerializedFileReader};
    use parquet::record::Field;
    let bad = |detail: String| ChainError::Input {
        location: file.to_owned(),
        detail,
    };
    let reader = SerializedFileReader::new(bytes::Bytes::copy_from_slice(data))
        .map_err(|e| bad(format!("not a readable Parquet file: {e}")))?;
    let header: Vec<String> = reader
        .metadata()
        .file_metadata()
        .schema_descr()
        .root_schema()
        .get_fields()
        .iter()
        .map(|f| f.name().to_owned())
        .collect();
    let rows_iter = reader
        .get_row_iter(None)
        .map_err(|e| bad(format!("cannot read rows: {e}")))?;
    let mut rows = Vec::new();
    for (i, row) in rows_iter.enumerate() {
        let loc = format!("{file}: row {}", i + 1);
        let row = row.map_err(|e| ChainError::Input {
            location: loc.clone(),
            detail: format!("unreadable row: {e}"),
        })?;
        let mut cells = vec![String::new(); header.len()];
        for (name, field) in row.get_column_iter() {
            let Some(col) = header.iter().position(|h| h == name) else {
                continue;
            };
            cells[col] = match field {
                Field::Null => String::new(),
                Field::Str(s) => s.clone(),
                Field::Bytes(b) if b.len() == 20 => format!("0x{}", alloy_primitives::hex::encode(b.data())),
                Field::Bytes(b) if b.len() == 32 => U256::from_be_slice(b.data()).to_string(),
                Field::Bytes(b) => format!("0x{}", alloy_primitives::hex::encode(b.data())),
                Field::Bool(v) => v.to_string(),
                Field::Byte(v) => v.to_string(),
                Field::Short(v) => v.to_string(),
                Field::Int(v) => v.to_string(),
                Field::Long(v) => v.to_string(),
                Field::UByte(v) => v.to_string(),
                Field::UShort(v) => v.to_string(),
                Field::UInt(v) => v.to_string(),
                Field::ULong(v) => v.to_string(),
                Field::Float(_) | Field::Double(_) | Field::Float16(_) => {
                    "floating-point value (export amounts as text or 32-byte binary; floats lose precision)".to_owned()
                }
                other => other.to_string(),
            };
        }
        rows.push((loc, cells));
    }
    Ok(Table { header, rows })
}

fn read_json(data: &[u8], file: &str) -> Result<Table> {
    if data.len() as u64 > MAX_JSON_BYTES {
        return Err(ChainError::Input {
            location: file.to_owned(),
            detail: format!(
                "the file is larger than {}, the limit for JSON exports; use CSV or Parquet",
                size(MAX_JSON_BYTES)
            ),
        });
    }
    let text = std::str::from_utf8(data).map_err(|e| ChainError::Input {
        location: file.to_owned(),
        detail: format!("not UTF-8: {e}"),
    })?;
    let items: Vec<serde_json::Value> = if text.trim_start().starts_with('[') {
        let doc = airdrop_merkle::json::from_str(text).map_err(|e| ChainError::Input {
            location: format!("{file}:{}", e.line()),
            detail: format!("invalid JSON: {e}"),
        })?;
        match doc {
            serde_json::Value::Array(items) => items,
            _ => {
                return Err(ChainError::Input {
                    location: file.to_owned(),
                    detail: "expected a JSON array of objects".into(),
                })
            }
        }
    } else {
        text.lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
            .map(|(i, l)| {
                airdrop_merkle::json::from_str(l).map_err(|e| ChainError::Input {
                    location: format!("{file}:{}", i + 1),
                    detail: format!("invalid JSON: {e}"),
                })
            })
            .collect::<Result<_>>()?
    };
    let (header, cells) = airdrop_core::source::json_table(
        &items,
        file,
        "expected an object, e.g. {\"from\": \"0x…\", \"to\": \"0x…\", \"value\": \"1000\"}",
    )
    .map_err(|e| match e {
        airdrop_core::CoreError::Source { location, detail } => {
            ChainError::Input { location, detail }
        }
        other => ChainError::Input {
            location: file.to_owned(),
            detail: other.to_string(),
        },
    })?;
    let rows = cells
        .into_iter()
        .enumerate()
        .map(|(i, c)| (format!("{file}: entry {}", i + 1), c))
        .collect();
    Ok(Table { header, rows })
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "0x00000000000000000000000000000000000000a1";
    const B: &str = "0x00000000000000000000000000000000000000b2";
    const Z: &str = "0x0000000000000000000000000000000000000000";

    fn p(kind: ImportKind) -> ImportParams {
        ImportParams {
            kind,
            block: None,
            token: None,
            min: U256::ZERO,
        }
    }

    /// A cryo-shaped Parquet export (20-byte binary addresses, 32-byte binary values, an
    /// integer block column), compressed with `codec`.
    fn parquet_transfers(
        rows: &[(u64, &str, &str, u64)],
        codec: parquet::basic::Compression,
        value_as_double: bool,
    ) -> Vec<u8> {
        use parquet::data_type::{ByteArray, ByteArrayType, DoubleType, Int64Type};
        use parquet::file::properties::WriterProperties;
        use parquet::file::writer::SerializedFileWriter;
        let value_type = if value_as_double { "DOUBLE" } else { "BINARY" };
        let schema = std::sync::Arc::new(
            parquet::schema::parser::parse_message_type(&format!(
                "message t {{ REQUIRED INT64 block_number; REQUIRED BINARY from_address; REQUIRED BINARY to_address; REQUIRED {value_type} value_binary; }}"
            ))
            .unwrap(),
        );
        let props = std::sync::Arc::new(WriterProperties::builder().set_compression(codec).build());
        let mut out = Vec::new();
        let mut w = SerializedFileWriter::new(&mut out, schema, props).unwrap();
        let mut rg = w.next_row_group().unwrap();
        let addr = |a: &str| ByteArray::from(parse_address(a).unwrap().as_slice().to_vec());
        let blocks: Vec<i64> = rows.iter().map(|r| r.0 as i64).collect();
        let froms: Vec<ByteArray> = rows.iter().map(|r| addr(r.1)).collect();
        let tos: Vec<ByteArray> = rows.iter().map(|r| addr(r.2)).collect();
        let mut col = rg.next_column().unwrap().unwrap();
        col.typed::<Int64Type>()
            .write_batch(&blocks, None, None)
            .unwrap();
        col.close().unwrap();
        for data in [froms, tos] {
            let mut col = rg.next_column().unwrap().unwrap();
            col.typed::<ByteArrayType>()
                .write_batch(&data, None, None)
                .unwrap();
            col.close().unwrap();
        }
        let mut col = rg.next_column().unwrap().unwrap();
        if value_as_double {
            let values: Vec<f64> = rows.iter().map(|r| r.3 as f64).collect();
            col.typed::<DoubleType>()
                .write_batch(&values, None, None)
                .unwrap();
        } else {
            let values: Vec<ByteArray> = rows
                .iter()
                .map(|r| ByteArray::from(U256::from(r.3).to_be_bytes::<32>().to_vec()))
                .collect();
            col.typed::<ByteArrayType>()
                .write_batch(&values, None, None)
                .unwrap();
        }
        col.close().unwrap();
        rg.close().unwrap();
        w.close().unwrap();
        out
    }

    #[test]
    fn parquet_exports_import_like_csv() {
        let rows = [(1, Z, A, 100), (2, A, B, 40), (3, B, B, 5), (4, A, B, 60)];
        let csv = format!(
            "block,from,to,value\n1,{Z},{A},100\n2,{A},{B},40\n3,{B},{B},5\n4,{A},{B},60\n"
        );
        let mut params = p(ImportKind::Transfers);
        params.block = Some(3);
        let from_csv = import(csv.as_bytes(), "t.csv", ImportFormat::Csv, &params).unwrap();
        for codec in [
            parquet::basic::Compression::UNCOMPRESSED,
            parquet::basic::Compression::SNAPPY,
            parquet::basic::Compression::LZ4_RAW,
            parquet::basic::Compression::ZSTD(Default::default()),
        ] {
            let data = parquet_transfers(&rows, codec, false);
            assert_eq!(
                ImportFormat::from_path("transfers.parquet"),
                ImportFormat::Parquet
            );
            let from_parquet = import(&data, "t.parquet", ImportFormat::Parquet, &params).unwrap();
            assert_eq!(from_parquet.rows, from_csv.rows, "{codec:?}");
        }
    }

    #[test]
    fn parquet_float_amounts_and_garbage_are_refused() {
        let data = parquet_transfers(
            &[(1, Z, A, 100)],
            parquet::basic::Compression::UNCOMPRESSED,
            true,
        );
        let err = import(
            &data,
            "f.parquet",
            ImportFormat::Parquet,
            &p(ImportKind::Transfers),
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("f.parquet: row 1") && err.contains("floating-point"),
            "{err}"
        );
        let err = import(
            b"PAR1 not really",
            "x.parquet",
            ImportFormat::Parquet,
            &p(ImportKind::Transfers),
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("x.parquet") && err.contains("Parquet"),
            "{err}"
        );
    }

    #[test]
    fn transfers_csv_with_block_cut() {
        let csv = format!(
            "block,from,to,value\n1,{Z},{A},100\n2,{A},{B},40\n3,{B},{B},5\n4,{A},{B},60\n"
        );
        let mut params = p(ImportKind::Transfers);
        params.block = Some(3);
        let s = import(csv.as_bytes(), "t.csv", ImportFormat::Csv, &params).unwrap();
        assert_eq!(
            s.rows.to_csv(),
            format!(
                "address,balance\n{},60\n{},40\n",
                parse_address(A).unwrap(),
                parse_address(B).unwrap()
            )
        );
        params.block = None;
        let s = import(csv.as_bytes(), "t.csv", ImportFormat::Csv, &params).unwrap();
        assert_eq!(
            s.rows,
            Rows::Balances(vec![(parse_address(B).unwrap(), U256::from(100))])
        );
    }

    #[test]
    fn transfers_json_and_ndjson() {
        let json =
            format!(r#"[{{"from_address":"{Z}","to_address":"{A}","value_string":"0x10"}}]"#);
        let s = import(
            json.as_bytes(),
            "t.json",
            ImportFormat::Json,
            &p(ImportKind::Transfers),
        )
        .unwrap();
        assert_eq!(
            s.rows,
            Rows::Balances(vec![(parse_address(A).unwrap(), U256::from(16))])
        );
        let nd = format!("{{\"from\":\"{Z}\",\"to\":\"{A}\",\"value\":7}}\n{{\"from\":\"{A}\",\"to\":\"{B}\",\"value\":\"2\"}}\n");
        let s = import(
            nd.as_bytes(),
            "t.jsonl",
            ImportFormat::Json,
            &p(ImportKind::Transfers),
        )
        .unwrap();
        assert_eq!(s.meta.total, U256::from(7));
    }

    #[test]
    fn balances_and_errors() {
        let csv = format!("holder,balance\n{B},5\n{A},0\n");
        let s = import(
            csv.as_bytes(),
            "b.csv",
            ImportFormat::Csv,
            &p(ImportKind::Balances),
        )
        .unwrap();
        assert_eq!(s.rows.len(), 1);
        let dup = format!("address,balance\n{A},5\n{A},6\n");
        let e = import(
            dup.as_bytes(),
            "b.csv",
            ImportFormat::Csv,
            &p(ImportKind::Balances),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("b.csv:3") && e.contains("duplicate"), "{e}");
        let float = format!("address,balance\n{A},1.5\n");
        let e = import(
            float.as_bytes(),
            "b.csv",
            ImportFormat::Csv,
            &p(ImportKind::Balances),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("base units"), "{e}");
        let neg = format!("from,to,value\n{A},{B},1\n");
        let e = import(
            neg.as_bytes(),
            "t.csv",
            ImportFormat::Csv,
            &p(ImportKind::Transfers),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("negative"), "{e}");
        let e = import(
            b"who,what\n",
            "x.csv",
            ImportFormat::Csv,
            &p(ImportKind::Balances),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("no \"address\" column"), "{e}");
        let key = format!("address,balance\n0x{},1\n", "ab".repeat(32));
        assert!(import(
            key.as_bytes(),
            "k.csv",
            ImportFormat::Csv,
            &p(ImportKind::Balances)
        )
        .is_err());
    }

    #[test]
    fn errors_never_quote_the_file_or_a_secret_and_json_keys_are_unique() {
        let bal = |data: &[u8], name: &str| {
            let format = ImportFormat::from_path(name);
            import(data, name, format, &p(ImportKind::Balances))
                .unwrap_err()
                .to_string()
        };
        // A file whose first line is a secret of its own (a password file, an env file).
        let e = bal(b"DB_PASSWORD=hunter2\nx\n", "x.csv");
        assert!(e.contains("1 column(s)") && !e.contains("hunter2"), "{e}");
        let key = "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
        let e = bal(
            format!("address,balance\n{A},my key {key}\n").as_bytes(),
            "k.csv",
        );
        assert!(e.contains("private key") && !e.contains(&key[8..40]), "{e}");
        let e = bal(
            format!("address,balance\n{A},{}\n", "9x".repeat(100_000)).as_bytes(),
            "l.csv",
        );
        assert!(e.len() < 300, "{e}");
        let twice = format!("[{{\"address\": \"{A}\", \"balance\": \"1\", \"balance\": \"2\"}}]");
        let e = bal(twice.as_bytes(), "d.json");
        assert!(e.contains("duplicate key \"balance\""), "{e}");
        let zero = format!("address,balance\n{A},1\n{Z},5\n");
        let e = bal(zero.as_bytes(), "z.csv");
        assert!(e.contains("z.csv:3") && e.contains("zero address"), "{e}");
        let mut nul = vec![0u8; 1 << 20];
        nul.extend_from_slice(b"\n");
        let e = bal(&nul, "n.csv");
        assert!(e.contains("longer than 64 KiB") && e.len() < 300, "{e}");
    }
}
