//! The edges file: one transfer or contract call per row, read from CSV or Parquet bytes into a
//! [`Graph`] with compact `u32` node ids (addresses in ascending order, so ids, and everything
//! built on them, do not depend on the order of the input rows).
//!
//! Columns (header names, any order, case-insensitive; others are ignored):
//! `from`, `to`, `block`, `timestamp` (unix seconds), `tx` (32-byte hash) are required;
//! `asset` (`native`, empty, or a token address; default native), `amount` (base units,
//! decimal; default 0) and `selector` (`0x` + 8 hex digits for a contract call; empty for a
//! plain transfer) are optional.

use crate::error::{Result, SybilError};
use alloy_primitives::{Address, B256, U256};
use rayon::prelude::*;

/// One row as read: a value transfer (`selector` none) or a contract call.
///
/// The field order is the canonical order of edges (block, time, transaction, then the rest),
/// so sorting gives the same sequence whatever order the rows came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RawEdge {
    /// Block number.
    pub block: u64,
    /// Block time, unix seconds.
    pub timestamp: u64,
    /// Transaction hash.
    pub tx: B256,
    /// Sender.
    pub from: Address,
    /// Receiver (the contract, for a call).
    pub to: Address,
    /// Token contract, or `None` for the chain's native coin.
    pub asset: Option<Address>,
    /// Amount in base units (0 for a call that moves no value).
    pub amount: U256,
    /// The 4-byte function selector of a contract call.
    pub selector: Option<[u8; 4]>,
}

/// An edge of the [`Graph`]: a [`RawEdge`] with node ids for its ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Edge {
    /// Block number.
    pub block: u64,
    /// Block time, unix seconds.
    pub timestamp: u64,
    /// Transaction hash.
    pub tx: B256,
    /// Sender's node id.
    pub from: u32,
    /// Receiver's node id.
    pub to: u32,
    /// Token contract, or `None` for the native coin.
    pub asset: Option<Address>,
    /// Amount in base units.
    pub amount: U256,
    /// Function selector of a contract call.
    pub selector: Option<[u8; 4]>,
}

impl Edge {
    /// A transfer of value (not a call, non-zero amount): what funds and sweeps are made of.
    pub fn is_value(&self) -> bool {
        self.selector.is_none() && !self.amount.is_zero() && self.from != self.to
    }
}

/// Every address and edge, canonically ordered.
#[derive(Debug, Clone, Default)]
pub struct Graph {
    /// Addresses, ascending; a node's id is its index here.
    pub addresses: Vec<Address>,
    /// Edges in canonical order (block, time, transaction, ends, asset, amount, selector).
    pub edges: Vec<Edge>,
}

impl Graph {
    /// Indexes rows: interns the addresses (ascending) and sorts the edges canonically.
    /// Duplicate rows are kept once (an export may list a transfer twice across files).
    pub fn build(mut raw: Vec<RawEdge>) -> Result<Graph> {
        raw.par_sort_unstable();
        raw.dedup();
        let mut addresses: Vec<Address> = raw.iter().flat_map(|e| [e.from, e.to]).collect();
        addresses.par_sort_unstable();
        addresses.dedup();
        if addresses.len() >= u32::MAX as usize {
            return Err(SybilError::TooLarge(format!(
                "{} addresses do not fit the graph's 32-bit ids; split the edges file by block range",
                addresses.len()
            )));
        }
        let id = |a: &Address| addresses.binary_search(a).unwrap_or(0) as u32;
        let edges = raw
            .par_iter()
            .map(|e| Edge {
                block: e.block,
                timestamp: e.timestamp,
                tx: e.tx,
                from: id(&e.from),
                to: id(&e.to),
                asset: e.asset,
                amount: e.amount,
                selector: e.selector,
            })
            .collect();
        Ok(Graph { addresses, edges })
    }

    /// The id of `address`, if it is in the graph.
    pub fn id(&self, address: &Address) -> Option<u32> {
        self.addresses.binary_search(address).ok().map(|i| i as u32)
    }

    /// Number of nodes.
    pub fn len(&self) -> usize {
        self.addresses.len()
    }

    /// Whether the graph has no nodes.
    pub fn is_empty(&self) -> bool {
        self.addresses.is_empty()
    }
}

const REQUIRED: [&str; 5] = ["from", "to", "block", "timestamp", "tx"];
const OPTIONAL: [&str; 3] = ["asset", "amount", "selector"];

/// Where each column sits in a row.
#[derive(Debug, Clone, Copy)]
struct Columns {
    at: [usize; 8],
}

const ABSENT: usize = usize::MAX;

impl Columns {
    fn from_header(names: &[String], file: &str) -> Result<Columns> {
        let mut at = [ABSENT; 8];
        for (slot, want) in REQUIRED.iter().chain(OPTIONAL.iter()).enumerate() {
            if let Some(i) = names
                .iter()
                .position(|n| n.trim().eq_ignore_ascii_case(want))
            {
                at[slot] = i;
            }
        }
        let missing: Vec<&str> = REQUIRED
            .iter()
            .enumerate()
            .filter(|(i, _)| at[*i] == ABSENT)
            .map(|(_, n)| *n)
            .collect();
        if !missing.is_empty() {
            return Err(SybilError::input(
                format!("{file}:1"),
                format!(
                    "edges file lacks column(s) {}; the header is {:?} and needs from,to,block,timestamp,tx (asset, amount, selector optional)",
                    missing.join(", "),
                    names.join(",")
                ),
            ));
        }
        Ok(Columns { at })
    }

    fn get<'a>(&self, slot: usize, cells: &[&'a str]) -> &'a str {
        match self.at[slot] {
            ABSENT => "",
            i => cells.get(i).map_or("", |c| c.trim()),
        }
    }

    fn row(&self, cells: &[&str]) -> std::result::Result<RawEdge, String> {
        let address = |slot: usize| -> std::result::Result<Address, String> {
            let t = self.get(slot, cells);
            airdrop_merkle::address::parse_address(t)
                .map_err(|e| format!("column {}: {e}", column_name(slot)))
        };
        let number = |slot: usize| -> std::result::Result<u64, String> {
            let t = self.get(slot, cells);
            t.parse::<u64>().map_err(|_| {
                format!(
                    "column {}: {t:?} is not a whole number; write it in decimal",
                    column_name(slot)
                )
            })
        };
        let tx_text = self.get(4, cells);
        let tx = parse_hex::<32>(tx_text).ok_or_else(|| {
            format!("column tx: {tx_text:?} is not a 32-byte hash; write 0x and 64 hex digits")
        })?;
        let asset_text = self.get(5, cells);
        let asset = if asset_text.is_empty() || asset_text.eq_ignore_ascii_case("native") {
            None
        } else {
            Some(address(5)?)
        };
        let amount_text = self.get(6, cells);
        // Decimal in CSV; a 32-byte big-endian binary in Parquet exports arrives as 0x hex.
        let amount = match amount_text.strip_prefix("0x") {
            _ if amount_text.is_empty() => Some(U256::ZERO),
            Some(hex) => U256::from_str_radix(hex, 16).ok(),
            None => U256::from_str_radix(amount_text, 10).ok(),
        }
        .ok_or_else(|| {
            format!("column amount: {amount_text:?} is not a whole number of base units")
        })?;
        let sel_text = self.get(7, cells);
        let selector = if sel_text.is_empty() {
            None
        } else {
            Some(parse_hex::<4>(sel_text).ok_or_else(|| {
                format!("column selector: {sel_text:?} is not a selector; write 0x and 8 hex digits, or leave it empty")
            })?)
        };
        Ok(RawEdge {
            from: address(0)?,
            to: address(1)?,
            block: number(2)?,
            timestamp: number(3)?,
            tx: B256::from(tx),
            asset,
            amount,
            selector,
        })
    }
}

fn column_name(slot: usize) -> &'static str {
    REQUIRED
        .iter()
        .chain(OPTIONAL.iter())
        .nth(slot)
        .copied()
        .unwrap_or("?")
}

fn parse_hex<const N: usize>(text: &str) -> Option<[u8; N]> {
    let digits = text
        .strip_prefix("0x")
        .or_else(|| text.strip_prefix("0X"))?;
    let mut out = [0u8; N];
    alloy_primitives::hex::decode_to_slice(digits, &mut out).ok()?;
    Some(out)
}

/// Reads a CSV edges file's bytes. Rows are parsed in parallel chunks split at line ends, so a
/// quoted cell may not hold a line break (no column of this format needs one).
pub fn read_csv(data: &[u8], file: &str) -> Result<Vec<RawEdge>> {
    let head_end = memchr_newline(data, 0).unwrap_or(data.len());
    let header = String::from_utf8_lossy(&data[..head_end]);
    let names: Vec<String> = header
        .trim_end_matches('\r')
        .split(',')
        .map(|s| s.trim().trim_matches('"').to_owned())
        .collect();
    let columns = Columns::from_header(&names, file)?;
    let body_start = (head_end + 1).min(data.len());
    let chunks = split_chunks(data, body_start, 1 << 20);
    let parsed: Vec<Result<Vec<RawEdge>>> = chunks
        .par_iter()
        .map(|&(start, end)| parse_chunk(&data[start..end], start, data, columns, file))
        .collect();
    // Sized once and filled chunk by chunk, each chunk freed as it is moved: the rows are held
    // about once, not twice (10M rows are 1.6 GB).
    let mut chunks_out = Vec::with_capacity(parsed.len());
    for p in parsed {
        chunks_out.push(p?);
    }
    let mut out = Vec::with_capacity(chunks_out.iter().map(Vec::len).sum());
    for chunk in chunks_out {
        out.extend(chunk);
    }
    Ok(out)
}

fn memchr_newline(data: &[u8], from: usize) -> Option<usize> {
    data[from..]
        .iter()
        .position(|&b| b == b'\n')
        .map(|i| i + from)
}

/// `[start, end)` ranges of about `size` bytes, each ending after a newline (or at the end).
fn split_chunks(data: &[u8], mut start: usize, size: usize) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    while start < data.len() {
        let want = (start + size).min(data.len());
        let end = match memchr_newline(data, want.saturating_sub(1).max(start)) {
            Some(nl) => nl + 1,
            None => data.len(),
        };
        out.push((start, end));
        start = end;
    }
    out
}

fn parse_chunk(
    chunk: &[u8],
    offset: usize,
    all: &[u8],
    columns: Columns,
    file: &str,
) -> Result<Vec<RawEdge>> {
    let mut out = Vec::with_capacity(chunk.len() / 160);
    let line_of = |at: usize| all[..at].iter().filter(|&&b| b == b'\n').count() + 1;
    let mut pos = 0;
    let mut cells: Vec<&str> = Vec::with_capacity(8);
    while pos < chunk.len() {
        let end = memchr_newline(chunk, pos).unwrap_or(chunk.len());
        let raw_line = &chunk[pos..end];
        let line_at = offset + pos;
        pos = end + 1;
        let line = std::str::from_utf8(raw_line)
            .map_err(|_| {
                SybilError::input(format!("{file}:{}", line_of(line_at)), "not UTF-8 text")
            })?
            .trim_end_matches('\r');
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        cells.clear();
        cells.extend(line.split(',').map(|c| c.trim().trim_matches('"')));
        let edge = columns
            .row(&cells)
            .map_err(|d| SybilError::input(format!("{file}:{}", line_of(line_at)), d))?;
        out.push(edge);
    }
    Ok(out)
}

/// Reads a Parquet edges file's bytes (the same columns; addresses as strings or 20-byte
/// binaries, hashes as strings or 32-byte binaries, numbers as integers or decimal strings).
pub fn read_parquet(data: &[u8], file: &str) -> Result<Vec<RawEdge>> {
    use parquet::file::reader::{FileReader, SerializedFileReader};
    use parquet::record::Field;
    let bad = |d: String| SybilError::input(file, d);
    let reader = SerializedFileReader::new(bytes::Bytes::copy_from_slice(data))
        .map_err(|e| bad(format!("not a readable Parquet file: {e}")))?;
    let names: Vec<String> = reader
        .metadata()
        .file_metadata()
        .schema_descr()
        .columns()
        .iter()
        .map(|c| c.name().to_owned())
        .collect();
    let columns = Columns::from_header(&names, file)?;
    let rows = reader
        .get_row_iter(None)
        .map_err(|e| bad(format!("unreadable rows: {e}")))?;
    let mut out = Vec::new();
    for (n, row) in rows.enumerate() {
        let row = row.map_err(|e| bad(format!("row {}: {e}", n + 1)))?;
        let cells: Vec<String> = row
            .get_column_iter()
            .map(|(_, f)| match f {
                Field::Null => String::new(),
                Field::Str(s) => s.clone(),
                Field::Bytes(b) => format!("0x{}", alloy_primitives::hex::encode(b.data())),
                Field::Int(v) => v.to_string(),
                Field::Long(v) => v.to_string(),
                Field::UInt(v) => v.to_string(),
                Field::ULong(v) => v.to_string(),
                Field::Short(v) => v.to_string(),
                Field::UShort(v) => v.to_string(),
                Field::Byte(v) => v.to_string(),
                Field::UByte(v) => v.to_string(),
                Field::TimestampMillis(v) => (v / 1000).to_string(),
                Field::TimestampMicros(v) => (v / 1_000_000).to_string(),
                other => other.to_string(),
            })
            .collect();
        let refs: Vec<&str> = cells.iter().map(String::as_str).collect();
        let edge = columns
            .row(&refs)
            .map_err(|d| SybilError::input(format!("{file}: row {}", n + 1), d))?;
        out.push(edge);
    }
    Ok(out)
}

/// Reads an edges file by its name: `.parquet`/`.pq` as Parquet, anything else as CSV.
pub fn read_edges(data: &[u8], file: &str) -> Result<Vec<RawEdge>> {
    let lower = file.to_ascii_lowercase();
    if lower.ends_with(".parquet") || lower.ends_with(".pq") {
        read_parquet(data, file)
    } else {
        read_csv(data, file)
    }
}

/// Reads an address list (hubs: exchanges, bridges): a CSV with an `address` column (other
/// columns, such as a label, are kept out of the graph). Refuses a pasted private key.
pub fn read_address_list(data: &[u8], file: &str) -> Result<Vec<Address>> {
    Ok(read_reasoned(data, file, false)?
        .into_iter()
        .map(|(a, _)| a)
        .collect())
}

/// Reads an overrides file (addresses cleared on appeal): CSV `address,reason`, a reason on
/// every row. Refuses a pasted private key anywhere in it.
pub fn read_overrides(data: &[u8], file: &str) -> Result<Vec<(Address, String)>> {
    let mut out = read_reasoned(data, file, true)?;
    out.sort();
    out.dedup_by(|a, b| a.0 == b.0);
    Ok(out)
}

fn read_reasoned(data: &[u8], file: &str, need_reason: bool) -> Result<Vec<(Address, String)>> {
    let text = String::from_utf8_lossy(data);
    if let Err((line, e)) = airdrop_merkle::guard::guard_lines(&text) {
        return Err(SybilError::input(format!("{file}:{line}"), e.to_string()));
    }
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .comment(Some(b'#'))
        .flexible(true)
        .from_reader(data);
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| SybilError::input(format!("{file}:1"), format!("unreadable header: {e}")))?
        .iter()
        .map(|s| s.to_ascii_lowercase())
        .collect();
    let col = |name: &str| header.iter().position(|h| h == name);
    let Some(ai) = col("address") else {
        return Err(SybilError::input(
            format!("{file}:1"),
            format!(
                "no address column; the header is {:?}, write address{}",
                header.join(","),
                if need_reason { ",reason" } else { "" }
            ),
        ));
    };
    let ri = col("reason");
    if need_reason && ri.is_none() {
        return Err(SybilError::input(
            format!("{file}:1"),
            format!("no reason column; the header is {:?}, write address,reason (the reason for clearing each address on appeal)", header.join(",")),
        ));
    }
    let mut out = Vec::new();
    for rec in reader.records() {
        let rec = rec.map_err(|e| SybilError::input(file, format!("unreadable row: {e}")))?;
        let line = rec.position().map_or(0, |p| p.line());
        let at = format!("{file}:{line}");
        let a = airdrop_merkle::address::parse_address(rec.get(ai).unwrap_or(""))
            .map_err(|e| SybilError::input(&at, e.to_string()))?;
        let reason = ri.and_then(|i| rec.get(i)).unwrap_or("").to_owned();
        if need_reason && reason.is_empty() {
            return Err(SybilError::input(
                at,
                "empty reason; say why this address was cleared (it is shown by airdrop explain)",
            ));
        }
        out.push((a, reason));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str = "from,to,asset,amount,block,timestamp,tx,selector\n";

    fn row(from: u8, to: u8, block: u64) -> String {
        format!(
            "0x{:040x},0x{:040x},native,5,{block},{},0x{:064x},\n",
            from,
            to,
            block * 12,
            block
        )
    }

    #[test]
    fn rows_in_any_order_give_the_same_graph() {
        let rows: Vec<String> = (0..50u8).map(|i| row(i, i + 1, i as u64)).collect();
        let a = format!("{HEAD}{}", rows.concat());
        let mut rev = rows.clone();
        rev.reverse();
        let b = format!("{HEAD}{}", rev.concat());
        let ga = Graph::build(read_csv(a.as_bytes(), "a").unwrap()).unwrap();
        let gb = Graph::build(read_csv(b.as_bytes(), "b").unwrap()).unwrap();
        assert_eq!(ga.addresses, gb.addresses);
        assert_eq!(ga.edges, gb.edges);
        assert_eq!(ga.len(), 51);
    }

    #[test]
    fn a_missing_column_names_the_header() {
        let e = read_csv(b"from,to,block\n", "e.csv")
            .unwrap_err()
            .to_string();
        assert!(e.contains("e.csv:1") && e.contains("timestamp, tx"), "{e}");
    }

    #[test]
    fn a_bad_value_names_its_line() {
        let text = format!("{HEAD}{}0xzz,0x01,native,1,1,1,0x00,\n", row(1, 2, 3));
        let e = read_csv(text.as_bytes(), "e.csv").unwrap_err().to_string();
        assert!(e.starts_with("e.csv:3: column"), "{e}");
    }

    #[test]
    fn parquet_with_binary_columns_reads_like_csv() {
        use parquet::data_type::{ByteArray, ByteArrayType, Int64Type};
        use parquet::file::properties::WriterProperties;
        use parquet::file::writer::SerializedFileWriter;
        let schema = std::sync::Arc::new(
            parquet::schema::parser::parse_message_type(
                "message t { REQUIRED BINARY from; REQUIRED BINARY to; REQUIRED INT64 block; REQUIRED INT64 timestamp; REQUIRED BINARY tx; REQUIRED BINARY amount; }",
            )
            .unwrap(),
        );
        let mut out = Vec::new();
        let mut w = SerializedFileWriter::new(
            &mut out,
            schema,
            std::sync::Arc::new(WriterProperties::builder().build()),
        )
        .unwrap();
        let mut rg = w.next_row_group().unwrap();
        let bin = |v: Vec<u8>| ByteArray::from(v);
        let cols: Vec<Vec<ByteArray>> = vec![
            vec![bin(vec![1u8; 20]), bin(vec![2u8; 20])],
            vec![bin(vec![3u8; 20]), bin(vec![1u8; 20])],
        ];
        for c in &cols {
            let mut col = rg.next_column().unwrap().unwrap();
            col.typed::<ByteArrayType>()
                .write_batch(c, None, None)
                .unwrap();
            col.close().unwrap();
        }
        for c in [vec![7i64, 8], vec![1_700_000_000i64, 1_700_000_012]] {
            let mut col = rg.next_column().unwrap().unwrap();
            col.typed::<Int64Type>()
                .write_batch(&c, None, None)
                .unwrap();
            col.close().unwrap();
        }
        for c in [
            vec![bin(vec![9u8; 32]), bin(vec![10u8; 32])],
            vec![
                bin(U256::from(5u8).to_be_bytes::<32>().to_vec()),
                bin(U256::ZERO.to_be_bytes::<32>().to_vec()),
            ],
        ] {
            let mut col = rg.next_column().unwrap().unwrap();
            col.typed::<ByteArrayType>()
                .write_batch(&c, None, None)
                .unwrap();
            col.close().unwrap();
        }
        rg.close().unwrap();
        w.close().unwrap();
        let got = read_edges(&out, "e.parquet").unwrap();
        let csv = format!(
            "from,to,block,timestamp,tx,amount\n0x{a},0x{c},7,1700000000,0x{t9},5\n0x{b},0x{a},8,1700000012,0x{t10},0\n",
            a = "01".repeat(20),
            b = "02".repeat(20),
            c = "03".repeat(20),
            t9 = "09".repeat(32),
            t10 = "0a".repeat(32)
        );
        assert_eq!(got, read_edges(csv.as_bytes(), "e.csv").unwrap());
    }

    #[test]
    fn overrides_refuse_a_pasted_key() {
        let key = format!(
            "0x{}",
            "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"
        );
        let text = format!("address,reason\n{key},appeal\n");
        let e = read_overrides(text.as_bytes(), "o.csv")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("o.csv:2"), "{e}");
        assert!(!e.contains("4c0883a6"), "{e}");
    }
}
