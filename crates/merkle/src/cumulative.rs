//! Cumulative multi-token rewards trees in the style of Merkl's distributor: one leaf
//! `keccak256(abi.encode(user, token, cumulativeAmount))` per (user, token), a new root per
//! epoch, and the contract pays each claimant the difference from what it already paid.

use crate::address::parse_address;
use crate::amount::{parse_amount, parse_json_amount};
use crate::error::{MerkleError, Result};
use crate::hash::NodeHash;
use crate::layers::{Layers, OddNode};
use alloy_primitives::{keccak256, Address, B256, U256};
use rayon::prelude::*;
use serde_json::Value;
use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

/// How the leaves are laid out before the (always `sortPairs`) tree is built.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MerklOrder {
    /// `buildMerklTree` before sdk 3.0.100: users and tokens in order of first appearance,
    /// every pair user-major, zero pairs included, leaves unsorted. The v1 mainnet files.
    #[default]
    V1,
    /// sdk 3.0.100 (`sortLeaves`): the same leaves, sorted bytewise.
    SortedLeaves,
    /// merkl-dispute's later builder: zero pairs dropped, leaves sorted by hash.
    NonZeroSorted,
}

impl MerklOrder {
    /// All orderings, for help texts.
    pub const ALL: [MerklOrder; 3] = [
        MerklOrder::V1,
        MerklOrder::SortedLeaves,
        MerklOrder::NonZeroSorted,
    ];

    /// The name used on the command line and in output files.
    pub fn name(self) -> &'static str {
        match self {
            MerklOrder::V1 => "v1",
            MerklOrder::SortedLeaves => "sorted-leaves",
            MerklOrder::NonZeroSorted => "nonzero-sorted",
        }
    }
}

impl fmt::Display for MerklOrder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for MerklOrder {
    type Err = MerkleError;
    fn from_str(s: &str) -> Result<Self> {
        MerklOrder::ALL
            .into_iter()
            .find(|o| o.name() == s)
            .ok_or_else(|| {
                MerkleError::Options(format!(
                    "unknown merkl order {s:?}; choose v1, sorted-leaves or nonzero-sorted"
                ))
            })
    }
}

/// The cumulative amounts owed, keeping users and tokens in order of first appearance (the v1
/// layout depends on it).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rewards {
    users: Vec<Address>,
    tokens: Vec<Address>,
    user_index: HashMap<Address, usize>,
    token_index: HashMap<Address, usize>,
    amounts: HashMap<(usize, usize), U256>,
}

/// One leaf of a cumulative tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reward {
    /// The recipient.
    pub user: Address,
    /// The reward token.
    pub token: Address,
    /// Everything ever owed to `user` in `token`, base units.
    pub amount: U256,
}

impl Rewards {
    /// Adds `amount` to what `user` is owed in `token`, registering both on first sight.
    pub fn add(&mut self, user: Address, token: Address, amount: U256) -> Result<()> {
        let u = *self.user_index.entry(user).or_insert_with(|| {
            self.users.push(user);
            self.users.len() - 1
        });
        let t = *self.token_index.entry(token).or_insert_with(|| {
            self.tokens.push(token);
            self.tokens.len() - 1
        });
        let slot = self.amounts.entry((u, t)).or_default();
        *slot = slot.checked_add(amount).ok_or_else(|| {
            MerkleError::Options(format!(
                "the cumulative amount of {user} in token {token} overflows uint256"
            ))
        })?;
        Ok(())
    }

    /// Registers `token` with nothing owed yet: v1 takes every distribution's token, even one
    /// with no holders, and gives each user a (zero) leaf in it.
    pub fn add_token(&mut self, token: Address) {
        self.token_index.entry(token).or_insert_with(|| {
            self.tokens.push(token);
            self.tokens.len() - 1
        });
    }

    /// What `user` is owed in `token` (zero when unknown).
    pub fn get(&self, user: &Address, token: &Address) -> U256 {
        match (self.user_index.get(user), self.token_index.get(token)) {
            (Some(&u), Some(&t)) => self.amounts.get(&(u, t)).copied().unwrap_or_default(),
            _ => U256::ZERO,
        }
    }

    /// Recipients in order of first appearance.
    pub fn users(&self) -> &[Address] {
        &self.users
    }

    /// Tokens in order of first appearance.
    pub fn tokens(&self) -> &[Address] {
        &self.tokens
    }

    /// Adds every amount of `other` (the next epoch's new rewards) to a copy of `self`.
    pub fn plus(&self, other: &Rewards) -> Result<Rewards> {
        let mut next = self.clone();
        for (&(u, t), amount) in sorted_pairs(other) {
            next.add(other.users[u], other.tokens[t], *amount)?;
        }
        Ok(next)
    }

    /// The leaves in the layout `order` asks for (before any hash sorting).
    fn pairs(&self, order: MerklOrder) -> Vec<Reward> {
        let mut out = Vec::with_capacity(self.users.len() * self.tokens.len());
        for (u, user) in self.users.iter().enumerate() {
            for (t, token) in self.tokens.iter().enumerate() {
                let amount = self.amounts.get(&(u, t)).copied().unwrap_or_default();
                if order == MerklOrder::NonZeroSorted && amount.is_zero() {
                    continue;
                }
                out.push(Reward {
                    user: *user,
                    token: *token,
                    amount,
                });
            }
        }
        out
    }
}

/// Pairs in first-appearance order, so that merging keeps the other side's appearance order.
fn sorted_pairs(r: &Rewards) -> Vec<(&(usize, usize), &U256)> {
    let mut v: Vec<_> = r.amounts.iter().collect();
    v.sort_unstable_by_key(|(k, _)| **k);
    v
}

/// Merkl's leaf: `keccak256(abi.encode(address user, address token, uint256 amount))`.
pub fn merkl_leaf(user: &Address, token: &Address, amount: &U256) -> B256 {
    let mut buf = [0u8; 96];
    buf[12..32].copy_from_slice(user.as_slice());
    buf[44..64].copy_from_slice(token.as_slice());
    buf[64..].copy_from_slice(&amount.to_be_bytes::<32>());
    keccak256(buf)
}

/// A built cumulative tree.
#[derive(Debug)]
pub struct CumulativeTree {
    /// The layout used.
    pub order: MerklOrder,
    /// The leaves' rewards in tree order.
    pub leaves: Vec<Reward>,
    layers: Layers,
    rewards: Rewards,
}

impl CumulativeTree {
    /// Builds the tree of `rewards` in the layout `order`.
    pub fn build(rewards: Rewards, order: MerklOrder) -> Result<Self> {
        let mut leaves: Vec<(B256, Reward)> = rewards
            .pairs(order)
            .into_par_iter()
            .map(|r| (merkl_leaf(&r.user, &r.token, &r.amount), r))
            .collect();
        if leaves.is_empty() {
            return Err(MerkleError::Options(
                "no rewards to put in the tree; a cumulative tree needs at least one non-zero amount"
                    .into(),
            ));
        }
        if order != MerklOrder::V1 {
            leaves.par_sort_unstable_by_key(|a| a.0);
        }
        let hashes = leaves.iter().map(|(h, _)| *h).collect();
        Ok(CumulativeTree {
            order,
            leaves: leaves.into_iter().map(|(_, r)| r).collect(),
            layers: Layers::build(hashes, NodeHash::KeccakSorted, OddNode::Promote),
            rewards,
        })
    }

    /// The root.
    pub fn root(&self) -> B256 {
        self.layers.root()
    }

    /// The rewards it was built from.
    pub fn rewards(&self) -> &Rewards {
        &self.rewards
    }

    /// The proof of the leaf at `position` (tree order).
    pub fn proof(&self, position: usize) -> Vec<B256> {
        self.layers.proof(position)
    }

    /// Writes the claims file of [`CumulativeTree::to_json`] as a stream, one claim per line,
    /// without holding the whole document in memory (a million claims would take gigabytes as
    /// a JSON value).
    pub fn write_json(&self, w: &mut dyn std::io::Write) -> std::io::Result<()> {
        let list = |v: &[Address]| {
            let items: Vec<String> = v
                .iter()
                .map(|a| format!("\"{}\"", a.to_checksum(None)))
                .collect();
            items.join(",")
        };
        write!(
            w,
            "{{\"format\":\"merkl-cumulative\",\"merklRoot\":\"{}\",\"order\":\"{}\",\"users\":[{}],\"tokens\":[{}],\"claims\":[",
            self.root(),
            self.order.name(),
            list(&self.rewards.users),
            list(&self.rewards.tokens)
        )?;
        let mut proof = Vec::new();
        for (i, r) in self.leaves.iter().enumerate() {
            self.layers.proof_into(i, &mut proof);
            let hashes: Vec<String> = proof.iter().map(|h| format!("\"{h}\"")).collect();
            write!(
                w,
                "{}\n{{\"user\":\"{}\",\"token\":\"{}\",\"amount\":\"{}\",\"proof\":[{}]}}",
                if i == 0 { "" } else { "," },
                r.user.to_checksum(None),
                r.token.to_checksum(None),
                r.amount,
                hashes.join(",")
            )?;
        }
        w.write_all(b"\n]}\n")
    }

    /// The claims file: root, layout, tokens, and every leaf with its proof, in tree order.
    pub fn to_json(&self) -> Value {
        let claims: Vec<Value> = self
            .leaves
            .iter()
            .enumerate()
            .map(|(i, r)| {
                serde_json::json!({
                    "user": r.user.to_checksum(None),
                    "token": r.token.to_checksum(None),
                    "amount": r.amount.to_string(),
                    "proof": self.proof(i),
                })
            })
            .collect();
        serde_json::json!({
            "format": "merkl-cumulative",
            "merklRoot": self.root(),
            "order": self.order.name(),
            "users": self.rewards.users.iter().map(|a| a.to_checksum(None)).collect::<Vec<_>>(),
            "tokens": self.rewards.tokens.iter().map(|a| a.to_checksum(None)).collect::<Vec<_>>(),
            "claims": claims,
        })
    }
}

/// Reads a Merkl reward file (`{rewards: {id: {token, holders: {user: {amount}}}}}`) in file
/// order, summing each holder's amounts per token.
pub fn read_reward_file(doc: &Value, file: &str) -> Result<Rewards> {
    let bad = |d: String| MerkleError::format(file, 0, d);
    let Some(Value::Object(rewards)) = doc.get("rewards") else {
        return Err(bad(
            "expected a Merkl reward file with a \"rewards\" object of distributions".into(),
        ));
    };
    let mut out = Rewards::default();
    for (id, dist) in rewards {
        let token = dist
            .get("token")
            .and_then(Value::as_str)
            .ok_or_else(|| bad(format!("distribution {id}: no \"token\" address")))
            .and_then(|t| {
                parse_address(t).map_err(|e| bad(format!("distribution {id}: token: {e}")))
            })?;
        let Some(Value::Object(holders)) = dist.get("holders") else {
            return Err(bad(format!("distribution {id}: no \"holders\" object")));
        };
        out.add_token(token);
        for (k, (user, h)) in holders.iter().enumerate() {
            // The holder by position, never by its key: a key that is a secret is not echoed.
            let at = |d: String| bad(format!("distribution {id}, holder {}: {d}", k + 1));
            let address = parse_address(user).map_err(|e| at(e.to_string()))?;
            let amount = h
                .get("amount")
                .ok_or_else(|| at("no \"amount\"".into()))
                .and_then(|a| parse_json_amount(a).map_err(at))?;
            out.add(address, token, amount)?;
        }
    }
    Ok(out)
}

/// Reads `user,token,amount` CSV rows (base units), summing repeated pairs. A zero row is
/// refused unless `allow_zero`; the lines of the zero rows kept are returned for warnings.
pub fn read_rewards_csv(text: &str, file: &str, allow_zero: bool) -> Result<(Rewards, Vec<u64>)> {
    let mut out = Rewards::default();
    let mut zero_lines = Vec::new();
    let mut lines = text.lines().enumerate();
    let header = lines.next().map(|(_, h)| h.trim().to_ascii_lowercase());
    if header.as_deref() != Some("user,token,amount") {
        return Err(MerkleError::format(
            file,
            1,
            "expected the header user,token,amount (cumulative or new amounts in base units)",
        ));
    }
    for (i, line) in lines.filter(|(_, l)| !l.trim().is_empty()) {
        let n = i as u64 + 1;
        let cells: Vec<&str> = line.split(',').map(str::trim).collect();
        let [user, token, amount] = cells[..] else {
            return Err(MerkleError::format(
                file,
                n,
                format!("row has {} fields but the header has 3", cells.len()),
            ));
        };
        let addr = |t: &str, what: &str| {
            parse_address(t).map_err(|e| MerkleError::format(file, n, format!("{what}: {e}")))
        };
        let amount = parse_amount(amount).map_err(|d| MerkleError::amount(file, n, d))?;
        if amount.is_zero() {
            if !allow_zero {
                return Err(MerkleError::amount(
                    file,
                    n,
                    format!("zero amount for {user}; a row must add a reward (pass --allow-zero to keep the rows of a published list)"),
                ));
            }
            zero_lines.push(n);
        }
        out.add(addr(user, "user")?, addr(token, "token")?, amount)?;
    }
    Ok((out, zero_lines))
}

/// Reads a claims file written by [`CumulativeTree::to_json`] back into its rewards, checking
/// that every leaf's proof still reaches the recorded root: the previous epoch must be intact
/// before anything is built on top of it.
pub fn read_epoch(doc: &Value, file: &str) -> Result<(Rewards, B256)> {
    let epoch = parse_epoch(doc, file)?;
    for (i, c) in epoch.claims.iter().enumerate() {
        if NodeHash::KeccakSorted.fold(c.leaf(), &c.proof) != epoch.root {
            return Err(MerkleError::format(file, 0, format!(
                "claim {i}: the proof of {} in token {} does not reach merklRoot {}; the file was changed after it was written",
                c.reward.user, c.reward.token, epoch.root
            )));
        }
    }
    Ok((epoch.rewards, epoch.root))
}

/// One claim of an epoch file, as written.
struct EpochClaim {
    reward: Reward,
    proof: Vec<B256>,
}

impl EpochClaim {
    fn leaf(&self) -> B256 {
        merkl_leaf(&self.reward.user, &self.reward.token, &self.reward.amount)
    }
}

/// An epoch file parsed but not yet checked.
struct Epoch {
    root: B256,
    order: Option<MerklOrder>,
    rewards: Rewards,
    claims: Vec<EpochClaim>,
}

fn parse_epoch(doc: &Value, file: &str) -> Result<Epoch> {
    let bad = |d: String| MerkleError::format(file, 0, d);
    if doc.get("format").and_then(Value::as_str) != Some("merkl-cumulative") {
        return Err(bad(
            "not a cumulative epoch file (format \"merkl-cumulative\"); pass the claims file airdrop wrote for the previous epoch".into(),
        ));
    }
    let root: B256 = field_str(doc, "merklRoot", file)?
        .parse()
        .map_err(|_| bad("merklRoot is not a 32-byte hex value".into()))?;
    let order = match doc.get("order").and_then(Value::as_str) {
        Some(o) => Some(
            o.parse::<MerklOrder>()
                .map_err(|e| bad(format!("order: {e}")))?,
        ),
        None => None,
    };
    let mut out = Rewards::default();
    // Registering users and tokens first keeps the v1 layout of the earlier epoch.
    for (key, tokens) in [("users", false), ("tokens", true)] {
        let list = doc.get(key).and_then(Value::as_array);
        for a in list.into_iter().flatten() {
            let a = parse_address(a.as_str().unwrap_or_default())
                .map_err(|e| bad(format!("{key}: {e}")))?;
            let map = if tokens {
                &mut out.token_index
            } else {
                &mut out.user_index
            };
            let vec = if tokens {
                &mut out.tokens
            } else {
                &mut out.users
            };
            map.entry(a).or_insert_with(|| {
                vec.push(a);
                vec.len() - 1
            });
        }
    }
    let list = doc
        .get("claims")
        .and_then(Value::as_array)
        .ok_or_else(|| bad("no \"claims\" array".into()))?;
    let mut claims = Vec::with_capacity(list.len());
    for (i, c) in list.iter().enumerate() {
        let at = |d: String| bad(format!("claim {i}: {d}"));
        let user = parse_address(field_str(c, "user", file)?).map_err(|e| at(e.to_string()))?;
        let token = parse_address(field_str(c, "token", file)?).map_err(|e| at(e.to_string()))?;
        let amount = parse_amount(field_str(c, "amount", file)?).map_err(at)?;
        let proof: Vec<B256> = c
            .get("proof")
            .and_then(Value::as_array)
            .map(|p| p.iter().filter_map(|h| h.as_str()?.parse().ok()).collect())
            .unwrap_or_default();
        out.add(user, token, amount)?;
        claims.push(EpochClaim {
            reward: Reward {
                user,
                token,
                amount,
            },
            proof,
        });
    }
    Ok(Epoch {
        root,
        order,
        rewards: out,
        claims,
    })
}

/// Checks a cumulative claims file (`airdrop tree build --preset merkl`'s output) with no other
/// input: every claim's proof must reach `merklRoot`, naming the claim and the level that fails,
/// and its rewards must rebuild to that root in the layout it states.
pub fn verify_epoch_file(doc: &Value, file: &str) -> Result<crate::report::VerifyReport> {
    let epoch = parse_epoch(doc, file)?;
    let root = epoch.root;
    let order = epoch.order.unwrap_or(MerklOrder::V1);
    let tree = CumulativeTree::build(epoch.rewards, order)?;
    let intact = tree.root() == root;
    for (i, c) in epoch.claims.iter().enumerate() {
        if NodeHash::KeccakSorted.fold(c.leaf(), &c.proof) == root {
            continue;
        }
        let expected = intact
            .then(|| tree.leaves.iter().position(|r| *r == c.reward))
            .flatten()
            .map(|pos| tree.proof(pos));
        let who = format!(
            "{} in token {}",
            c.reward.user.to_checksum(None),
            c.reward.token.to_checksum(None)
        );
        let claimant = crate::published::Claimant {
            who: &who,
            index: i as u64,
            amount: c.reward.amount.to_string(),
        };
        return Err(crate::published::bad_proof(
            file,
            &claimant,
            root,
            &c.proof,
            expected.as_deref(),
        ));
    }
    if !intact {
        return Err(MerkleError::Verify(format!(
            "{file}: merklRoot is {root} but the claims rebuild to {} in the {order} layout",
            tree.root()
        )));
    }
    Ok(report_of(
        &tree,
        format!("merkl cumulative claims ({order} layout)"),
    ))
}

/// The report of a verified cumulative tree: one total per token, and the plain total when the
/// tree holds a single token (a sum across tokens means nothing).
pub(crate) fn report_of(tree: &CumulativeTree, format: String) -> crate::report::VerifyReport {
    let mut sums: Vec<(Address, U256)> = tree
        .rewards
        .tokens
        .iter()
        .map(|t| (*t, U256::ZERO))
        .collect();
    for r in &tree.leaves {
        if let Some(s) = sums.iter_mut().find(|(t, _)| *t == r.token) {
            s.1 = s.1.saturating_add(r.amount);
        }
    }
    sums.retain(|(_, s)| !s.is_zero());
    crate::report::VerifyReport {
        format,
        root: tree.root(),
        claims: tree.leaves.len(),
        total: (sums.len() == 1).then(|| sums[0].1.to_string()),
        per_token: sums
            .iter()
            .map(|(t, s)| (t.to_checksum(None), s.to_string()))
            .collect(),
    }
}

/// Checks a published Merkl reward file as `airdrop tree verify` reports it.
pub fn verify_reward_report(doc: &Value, file: &str) -> Result<crate::report::VerifyReport> {
    let (order, tree) = verify_reward_file(doc, file)?;
    Ok(report_of(
        &tree,
        format!("merkl reward file ({order} layout)"),
    ))
}

fn field_str<'a>(v: &'a Value, key: &str, file: &str) -> Result<&'a str> {
    v.get(key)
        .and_then(Value::as_str)
        .ok_or_else(|| MerkleError::format(file, 0, format!("missing string field {key:?}")))
}

/// One (user, token) whose cumulative amount changed between two epochs.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct EpochChange {
    /// The recipient, checksummed.
    pub user: String,
    /// The token, checksummed.
    pub token: String,
    /// Cumulative amount in the earlier epoch.
    pub old: String,
    /// Cumulative amount in the later epoch.
    pub new: String,
    /// What the recipient can newly claim (`new - old`); zero for a decrease.
    pub claimable: String,
}

/// The comparison of two epochs: new claimable amounts, and any decrease, which the contract
/// cannot honour (it never takes back what it paid) and which is refused by [`check_epochs`].
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct EpochDiff {
    /// Pairs whose cumulative amount grew.
    pub increased: Vec<EpochChange>,
    /// Pairs whose cumulative amount shrank or vanished.
    pub decreased: Vec<EpochChange>,
    /// Newly claimable amount per token (checksummed token → decimal base units).
    pub claimable_per_token: Vec<(String, String)>,
}

/// Compares two epochs' cumulative amounts.
pub fn diff_epochs(old: &Rewards, new: &Rewards) -> EpochDiff {
    let mut d = EpochDiff::default();
    let mut per_token: Vec<(Address, U256)> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut keys: Vec<(Address, Address)> = Vec::new();
    for r in [new, old] {
        for (&(u, t), _) in sorted_pairs(r) {
            let k = (r.users[u], r.tokens[t]);
            if seen.insert(k) {
                keys.push(k);
            }
        }
    }
    for (user, token) in keys {
        let (a, b) = (old.get(&user, &token), new.get(&user, &token));
        if a == b {
            continue;
        }
        let change = EpochChange {
            user: user.to_checksum(None),
            token: token.to_checksum(None),
            old: a.to_string(),
            new: b.to_string(),
            claimable: b.saturating_sub(a).to_string(),
        };
        if b > a {
            match per_token.iter_mut().find(|(t, _)| *t == token) {
                Some((_, sum)) => *sum = sum.saturating_add(b - a),
                None => per_token.push((token, b - a)),
            }
            d.increased.push(change);
        } else {
            d.decreased.push(change);
        }
    }
    d.claimable_per_token = per_token
        .into_iter()
        .map(|(t, s)| (t.to_checksum(None), s.to_string()))
        .collect();
    d
}

/// Refuses a next epoch that lowers anyone's cumulative amount: recipients who already claimed
/// the old amount would be owed a negative difference, and the ones who did not would lose it.
pub fn check_epochs(old: &Rewards, new: &Rewards) -> Result<()> {
    match diff_epochs(old, new).decreased.first() {
        None => Ok(()),
        Some(c) => Err(MerkleError::Options(format!(
            "the cumulative amount of {} in token {} falls from {} to {}; cumulative rewards never decrease (build the next epoch from the previous one plus new rewards)",
            c.user, c.token, c.old, c.new
        ))),
    }
}

/// Checks a published Merkl reward file with no other input: its rewards rebuilt in each known
/// layout, one of which must give its `merklRoot`. Returns the layout that matched.
pub fn verify_reward_file(doc: &Value, file: &str) -> Result<(MerklOrder, CumulativeTree)> {
    let stated: B256 = doc
        .get("merklRoot")
        .and_then(Value::as_str)
        .and_then(|r| r.parse().ok())
        .ok_or_else(|| {
            MerkleError::format(file, 0, "no merklRoot (32-byte hex) to check against")
        })?;
    let rewards = read_reward_file(doc, file)?;
    let mut tried = Vec::new();
    for order in MerklOrder::ALL {
        let tree = CumulativeTree::build(rewards.clone(), order)?;
        if tree.root() == stated {
            return Ok((order, tree));
        }
        tried.push(format!("{order} gives {}", tree.root()));
    }
    Err(MerkleError::Verify(format!(
        "{file}: merklRoot {stated} is not the root of its rewards in any known layout ({}); a reward amount, holder or token was changed",
        tried.join(", ")
    )))
}
