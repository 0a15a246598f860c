//! File sources: what their rows mean, their format and columns, and the checks of a
//! `[[source]]` read from a file. Chain snapshot sources are in [`super::chain`].

use super::chain::{chain_source_spec, ChainKind, ChainSourceSpec};
use super::raw::RawSource;
use super::{Ctx, Token};
use crate::error::Result;
use crate::units::pow10;
use airdrop_merkle::U256;
use std::collections::BTreeMap;

/// What a source's rows mean, for the report and for defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    /// Balances at a snapshot (standard and holder airdrops).
    Balances,
    /// An allowlist: membership is the fact (exclusive airdrops).
    List,
    /// Points earned (bounties, quests).
    Points,
}

impl SourceKind {
    /// The spec name.
    pub fn name(self) -> &'static str {
        match self {
            SourceKind::Balances => "balances",
            SourceKind::List => "list",
            SourceKind::Points => "points",
        }
    }
}

/// File format of a source or exclusion file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    /// Comma-separated with a header row.
    Csv,
    /// A JSON array of objects.
    Json,
}

/// A value column's type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnKind {
    /// A non-negative decimal, kept as an integer scaled by the source's `decimals`.
    Number,
    /// true/false (also 1/0, yes/no; empty is false), kept as 1/0.
    Flag,
}

/// One named value column of a source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnSpec {
    /// Header name in the file.
    pub name: String,
    /// Type.
    pub kind: ColumnKind,
}

/// Where facts come from and how to read them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceSpec {
    /// Name pools refer to.
    pub name: String,
    /// What the rows mean.
    pub kind: SourceKind,
    /// Path relative to the campaign file, as written in the spec.
    pub file: String,
    /// CSV or JSON.
    pub format: FileFormat,
    /// Header of the address column.
    pub address_column: String,
    /// Value columns, in spec order (sorted by name).
    pub columns: Vec<ColumnSpec>,
    /// Scale of number columns: values are kept as `value · 10^decimals`.
    pub decimals: u8,
    /// Number columns hold integers already scaled by `10^decimals` (base units from a snapshot).
    pub base_units: bool,
    /// A chain snapshot instead of a file (`file` is then empty): what the CLI hands to
    /// `airdrop_chain::SnapshotSource`.
    pub chain: Option<ChainSourceSpec>,
}

impl SourceSpec {
    /// Index of a column by name.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }
}

/// A `[[source]]` read from a file, or a chain snapshot source (see [`chain_source_spec`]).
pub(super) fn source_spec(s: RawSource, token: &Token, cx: &Ctx<'_>) -> Result<SourceSpec> {
    let key = format!("source {:?}", s.name);
    if let Some(kind) = ChainKind::parse(s.kind.trim()) {
        return chain_source_spec(s, kind, token, cx);
    }
    refuse_chain_keys(&s, &key, cx)?;
    let Some(file) = s.file else {
        return Err(cx.err(
            format!("{key}.file"),
            format!("a source of kind {:?} needs file = \"...\" (a CSV or JSON file, relative to the spec)", s.kind),
        ));
    };
    let kind = match s.kind.as_str() {
        "balances" => SourceKind::Balances,
        "list" => SourceKind::List,
        "points" => SourceKind::Points,
        other => {
            return Err(cx.err(
                format!("{key}.kind"),
                format!("unknown source kind {other:?}; use balances, list or points (files), or erc20-balances, erc721-holders, native-balances or contract-users (chain snapshots)"),
            ))
        }
    };
    let format = file_format(s.format.as_deref(), &file, &key, cx)?;
    let columns = columns(s.columns, kind, &key, cx)?;
    let decimals = s.decimals.unwrap_or(0);
    if decimals > 77 {
        return Err(cx.err(
            format!("{key}.decimals"),
            format!("{decimals} decimals do not fit uint256; use at most 77"),
        ));
    }
    Ok(SourceSpec {
        name: s.name,
        kind,
        file,
        format,
        address_column: s.address_column.unwrap_or_else(|| "address".into()),
        columns,
        decimals,
        base_units: s.base_units.unwrap_or(false),
        chain: None,
    })
}

/// A file source takes none of the chain kinds' keys.
fn refuse_chain_keys(s: &RawSource, key: &str, cx: &Ctx<'_>) -> Result<()> {
    let chain_keys: [(&str, bool); 15] = [
        ("rpc", s.rpc.is_some()),
        ("rpc_env", s.rpc_env.is_some()),
        ("token", s.token.is_some()),
        ("block", s.block.is_some()),
        ("min", s.min.is_some()),
        ("from_block", s.from_block.is_some()),
        ("to_block", s.to_block.is_some()),
        ("deploy_block", s.deploy_block.is_some()),
        ("contracts", s.contracts.is_some()),
        ("events", s.events.is_some()),
        ("txs", s.txs.is_some()),
        ("candidates", s.candidates.is_some()),
        ("exclude_contracts", s.exclude_contracts.is_some()),
        ("allow", s.allow.is_some()),
        ("verify_sample", s.verify_sample.is_some()),
    ];
    if let Some((k, _)) = chain_keys.iter().find(|(_, set)| *set) {
        return Err(cx.err(
            format!("{key}.{k}"),
            format!("{k} applies to chain sources only (kind = \"erc20-balances\", \"erc721-holders\", \"native-balances\" or \"contract-users\"); this source's kind is {:?}", s.kind),
        ));
    }
    Ok(())
}

fn file_format(format: Option<&str>, file: &str, key: &str, cx: &Ctx<'_>) -> Result<FileFormat> {
    Ok(match format {
        Some("csv") => FileFormat::Csv,
        Some("json") => FileFormat::Json,
        Some(other) => {
            return Err(cx.err(
                format!("{key}.format"),
                format!("unknown file format {other:?}; use csv or json"),
            ))
        }
        None if file.to_ascii_lowercase().ends_with(".json") => FileFormat::Json,
        None => FileFormat::Csv,
    })
}

/// The declared columns, or the kind's one default column.
fn columns(
    declared: Option<BTreeMap<String, String>>,
    kind: SourceKind,
    key: &str,
    cx: &Ctx<'_>,
) -> Result<Vec<ColumnSpec>> {
    Ok(match declared {
        Some(map) => map
            .into_iter()
            .map(|(name, ty)| match ty.as_str() {
                "number" => Ok(ColumnSpec {
                    name,
                    kind: ColumnKind::Number,
                }),
                "flag" => Ok(ColumnSpec {
                    name,
                    kind: ColumnKind::Flag,
                }),
                other => Err(cx.err(
                    format!("{key}.columns.{name}"),
                    format!("unknown column type {other:?}; use number or flag"),
                )),
            })
            .collect::<Result<_>>()?,
        None => match kind {
            SourceKind::Balances => vec![ColumnSpec {
                name: "balance".into(),
                kind: ColumnKind::Number,
            }],
            SourceKind::Points => vec![ColumnSpec {
                name: "points".into(),
                kind: ColumnKind::Number,
            }],
            SourceKind::List => vec![],
        },
    })
}

/// 10^decimals of a source (its number columns' scale).
pub fn source_scale(s: &SourceSpec) -> U256 {
    pow10(u32::from(s.decimals)).unwrap_or(U256::MAX)
}
