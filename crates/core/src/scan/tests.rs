//! The rules of [`super::classify`] on hand-made facts: each planted case gets its reason, the
//! genuine token and the wallet's own transfers get none.

#![allow(clippy::unwrap_used)]

use super::*;

fn a(n: &str) -> Address {
    n.parse().unwrap()
}

const USDC: &str = "0x1000000000000000000000000000000000000001";
const FAKE_USDC: &str = "0x2000000000000000000000000000000000000002";
const LURE: &str = "0x3000000000000000000000000000000000000003";
const HONEY: &str = "0x4000000000000000000000000000000000000004";
const WALLET: &str = "0x5000000000000000000000000000000000000005";
const FRIEND: &str = "0xabcd111111111111111111111111111111119999";
const POISONER: &str = "0xabcd222222222222222222222222222222229999";
const BOUGHT: &str = "0x6000000000000000000000000000000000000006";
const ROUTER: &str = "0x7000000000000000000000000000000000000007";

fn list() -> TokenList {
    let json = format!(
        r#"{{"name":"t","tokens":[
            {{"chainId":1,"address":"{USDC}","symbol":"USDC","name":"USD Coin","decimals":6}},
            {{"chainId":10,"address":"{LURE}","symbol":"OTHER","name":"Other chain","decimals":6}}]}}"#
    );
    TokenList::parse("list.json", &json, 1).unwrap()
}

fn token(addr: &str, symbol: &str, name: &str, probe: Probe) -> TokenFacts {
    TokenFacts {
        address: a(addr),
        name: Meta::Text(name.into()),
        symbol: Meta::Text(symbol.into()),
        decimals: Some(18),
        balance: Some(U256::from(5)),
        probe,
    }
}

fn transfer(token: &str, from: &str, to: &str, value: u64, sender: &str) -> TransferFact {
    TransferFact {
        token: a(token),
        from: a(from),
        to: a(to),
        value: U256::from(value),
        block: 1,
        tx: None,
        tx_sender: Some(a(sender)),
    }
}

fn facts() -> ScanFacts {
    let mut tokens = BTreeMap::new();
    for t in [
        token(USDC, "USDC", "USD Coin", Probe::Transferable),
        token(FAKE_USDC, "UЅDС", "Tether", Probe::Transferable),
        token(LURE, "LURE", "Visit usdc-rewards.io", Probe::Transferable),
        token(
            HONEY,
            "HNY",
            "Honey",
            Probe::Refused("execution reverted".into()),
        ),
        token(BOUGHT, "PLN", "Plain", Probe::Transferable),
    ] {
        tokens.insert(t.address, t);
    }
    ScanFacts {
        wallet: a(WALLET),
        chain_id: 1,
        from_block: 0,
        to_block: 10,
        incoming: vec![
            transfer(USDC, FRIEND, WALLET, 1_000_000, FRIEND),
            transfer(FAKE_USDC, POISONER, WALLET, 1, POISONER),
            transfer(LURE, POISONER, WALLET, 0, POISONER),
            transfer(HONEY, HONEY, WALLET, 5, HONEY),
            // A swap the wallet made: the router pays it in a transaction the wallet sent.
            transfer(BOUGHT, ROUTER, WALLET, 9, WALLET),
        ],
        outgoing: vec![
            transfer(USDC, WALLET, FRIEND, 500, WALLET),
            transfer(USDC, WALLET, POISONER, 0, POISONER),
        ],
        approvals: vec![
            ApprovalFact {
                token: a(USDC),
                spender: a(POISONER),
                value: U256::MAX,
                block: 2,
            },
            ApprovalFact {
                token: a(USDC),
                spender: a(FRIEND),
                value: U256::from(7),
                block: 2,
            },
        ],
        tokens,
    }
}

fn rules() -> Rules {
    Rules {
        list: Some(list()),
        known_spenders: [a(FRIEND)].into(),
        lookalike_chars: 4,
    }
}

fn codes_of(findings: &[Finding], pick: impl Fn(&Subject) -> bool) -> Vec<ReasonCode> {
    findings
        .iter()
        .filter(|f| pick(&f.subject))
        .flat_map(|f| f.reasons.iter().map(|r| r.code))
        .collect()
}

fn token_is(s: &Subject, addr: &str) -> bool {
    matches!(s, Subject::Token { address, .. } if *address == a(addr))
}

#[test]
fn every_planted_case_has_its_reason_and_the_genuine_token_none() {
    let f = classify(&facts(), &rules());
    assert_eq!(codes_of(&f, |s| token_is(s, USDC)), vec![]);
    assert_eq!(
        codes_of(&f, |s| token_is(s, BOUGHT)),
        vec![],
        "a token the wallet swapped for is not unsolicited"
    );
    let fake = codes_of(&f, |s| token_is(s, FAKE_USDC));
    assert!(fake.contains(&ReasonCode::Impersonation), "{fake:?}");
    assert!(fake.contains(&ReasonCode::NotOnList));
    assert!(codes_of(&f, |s| token_is(s, LURE)).contains(&ReasonCode::Lure));
    assert!(codes_of(&f, |s| token_is(s, HONEY)).contains(&ReasonCode::Honeypot));
    let transfers = codes_of(&f, |s| matches!(s, Subject::Transfer(_)));
    assert!(transfers.contains(&ReasonCode::ZeroValuePoisoning));
    assert!(transfers.contains(&ReasonCode::LookalikeAddress));
    assert!(transfers.contains(&ReasonCode::ZeroValueIncoming));
    // The wallet's own payment to its friend is never flagged.
    assert!(!f
        .iter()
        .any(|x| matches!(&x.subject, Subject::Transfer(t) if t.to == a(FRIEND))));
    let approvals: Vec<_> = f
        .iter()
        .filter(|x| matches!(x.subject, Subject::Approval(_)))
        .collect();
    assert_eq!(approvals.len(), 1, "only the unknown spender");
    assert!(approvals[0].reasons[0].text.contains("UNLIMITED"));
    // Worst first.
    assert!(f.windows(2).all(|w| w[0].verdict <= w[1].verdict));
    assert_eq!(f.last().unwrap().verdict, Verdict::Ok);
}

#[test]
fn without_a_list_only_list_free_rules_apply() {
    let r = Rules {
        list: None,
        ..rules()
    };
    let f = classify(&facts(), &r);
    let all = codes_of(&f, |_| true);
    assert!(!all.contains(&ReasonCode::NotOnList) && !all.contains(&ReasonCode::Impersonation));
    assert!(all.contains(&ReasonCode::Lure) && all.contains(&ReasonCode::Honeypot));
}

#[test]
fn look_alikes_count_only_against_payments_the_wallet_made() {
    // The poisoner's own zero-value transferFrom names it as a recipient of the wallet; that
    // must not make it a counterparty that its twin could then imitate.
    let mut facts = facts();
    facts.outgoing.retain(|t| t.to != a(FRIEND));
    let f = classify(&facts, &rules());
    assert!(!codes_of(&f, |_| true).contains(&ReasonCode::LookalikeAddress));
}

#[test]
fn unreadable_metadata_is_suspicious_and_escaped_text_is_shown() {
    let mut facts = facts();
    let t = facts.tokens.get_mut(&a(LURE)).unwrap();
    t.name = Meta::Unreadable("reverted".into());
    t.symbol = Meta::Text("A\u{202E}B\n".into());
    let f = classify(&facts, &rules());
    let lure = f.iter().find(|x| token_is(&x.subject, LURE)).unwrap();
    assert!(lure
        .reasons
        .iter()
        .any(|r| r.code == ReasonCode::UnreadableMetadata));
    let Subject::Token { symbol, .. } = &lure.subject else {
        panic!()
    };
    assert!(
        !symbol.contains('\u{202E}') && !symbol.contains('\n'),
        "{symbol}"
    );
}

#[test]
fn lists_keep_their_chain_and_refuse_garbage() {
    let l = list();
    assert_eq!(l.len(), 1);
    assert!(
        l.get(&a(LURE)).is_none(),
        "an entry of chain 10 does not count on chain 1"
    );
    assert!(TokenList::parse("x.json", "{}", 1)
        .unwrap_err()
        .to_string()
        .contains("x.json"));
    let spenders = known_spenders("k.txt", &format!("# mine\n{FRIEND}\n\n")).unwrap();
    assert!(spenders.contains(&a(FRIEND)));
    assert!(known_spenders("k.txt", "nope")
        .unwrap_err()
        .to_string()
        .starts_with("k.txt:1"));
}
