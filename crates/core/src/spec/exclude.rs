//! Exclusions: lists of addresses that get nothing, and `contracts = true`, which drops every
//! address with code at the chain sources' snapshot block.

use super::raw::RawExclude;
use super::source::SourceSpec;
use super::Ctx;
use crate::error::Result;
use airdrop_merkle::Address;

/// An exclusion list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExcludeSpec {
    /// Name for reports.
    pub name: String,
    /// Why these addresses get nothing.
    pub reason: String,
    /// File (relative to the campaign file), if any.
    pub file: Option<String>,
    /// Header of the address column in `file`.
    pub address_column: String,
    /// Addresses given inline.
    pub addresses: Vec<Address>,
}

/// `[exclude] contracts = true`: drop every address (of any source) that has code at the chain
/// sources' snapshot block, except the allowlisted ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContractExclusion {
    /// Name for reports.
    pub name: String,
    /// Why, for reports.
    pub reason: String,
    /// File of addresses kept although they have code (smart wallets), relative to the spec.
    pub allow: Option<String>,
}

/// The `[exclude]` tables: a list needs a name and a reason (shown in reports); `contracts =
/// true` is set at most once and needs a chain source, whose snapshot block it checks code at.
pub(super) fn exclusions(
    raw: Vec<RawExclude>,
    sources: &[SourceSpec],
    cx: &Ctx<'_>,
) -> Result<(Vec<ExcludeSpec>, Option<ContractExclusion>)> {
    let mut excludes = Vec::new();
    let mut exclude_contracts: Option<ContractExclusion> = None;
    for (i, e) in raw.into_iter().enumerate() {
        let key = match &e.name {
            Some(n) => format!("exclude {n:?}"),
            None => format!("exclude[{i}]"),
        };
        let contracts = e.contracts.unwrap_or(false);
        let listed = e.file.is_some() || e.addresses.is_some();
        if !listed && !contracts {
            return Err(cx.err(
                key,
                "an exclusion needs file = \"...\", addresses = [...] or contracts = true",
            ));
        }
        if e.allow.is_some() && !contracts {
            return Err(cx.err(
                format!("{key}.allow"),
                "allow keeps smart wallets from the contract check; it needs contracts = true",
            ));
        }
        if contracts {
            if exclude_contracts.is_some() {
                return Err(cx.err(
                    format!("{key}.contracts"),
                    "contracts = true is set twice; set it once",
                ));
            }
            exclude_contracts = Some(ContractExclusion {
                name: e.name.clone().unwrap_or_else(|| "contracts".into()),
                reason: e.reason.clone().unwrap_or_else(|| {
                    "has code at the snapshot block (a contract, not a wallet)".into()
                }),
                allow: e.allow.clone(),
            });
        }
        if !listed {
            continue;
        }
        let (Some(name), Some(reason)) = (e.name, e.reason) else {
            return Err(cx.err(
                key,
                "an exclusion list needs name = \"...\" and reason = \"...\" (shown in reports)",
            ));
        };
        let mut addresses = Vec::new();
        for (j, a) in e.addresses.unwrap_or_default().iter().enumerate() {
            addresses.push(cx.address(&format!("{key}.addresses[{j}]"), a)?);
        }
        excludes.push(ExcludeSpec {
            name,
            reason,
            file: e.file,
            address_column: e.address_column.unwrap_or_else(|| "address".into()),
            addresses,
        });
    }
    if exclude_contracts.is_some() && !sources.iter().any(|s| s.chain.is_some()) {
        return Err(cx.err(
            "exclude.contracts",
            "contracts = true checks code at the snapshot block of a chain source, and this campaign has none; add a [[source]] with kind = \"erc20-balances\" (or another chain kind), or list the contracts in a file",
        ));
    }
    Ok((excludes, exclude_contracts))
}
