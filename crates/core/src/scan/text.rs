//! Text heuristics over what a token calls itself: lures (a URL, a domain, "claim"-style words),
//! confusable characters folded to the letters they imitate, and look-alike addresses. Pure
//! functions, so every rule is unit- and property-tested on its own.

use alloy_primitives::Address;

/// Words that only a lure puts in a token's name or symbol: a genuine token names itself, it
/// does not tell the holder to go somewhere and collect something.
const LURE_WORDS: &[&str] = &[
    "claim", "visit", "reward", "airdrop", "voucher", "redeem", "giveaway", "bonus",
];

/// Top-level domains seen in scam token names; a `label.tld` word with one of them is a
/// domain. Kept short on purpose: `v1.5` or `Wrapped.Ether` must not read as a domain.
const TLDS: &[&str] = &[
    "com", "io", "org", "net", "xyz", "app", "finance", "fi", "gg", "co", "me", "top", "site",
    "online", "info", "vip", "pro", "live", "link", "cc", "to", "ly", "tech", "cash", "fund",
    "money", "network", "exchange", "one", "art", "club", "claims", "gift", "website", "biz", "us",
    "ai", "dev", "page", "space", "store", "shop", "world", "zone", "lol", "eth",
];

/// What is wrong with a token's name or symbol, in plain words, if anything.
pub fn lure(text: &str) -> Option<String> {
    let folded = fold(text);
    if let Some(domain) = domain_in(&folded) {
        // The address comes from attacker-chosen text: printable ASCII only, bounded.
        let shown: String = domain
            .chars()
            .filter(char::is_ascii_graphic)
            .take(64)
            .collect();
        return Some(format!("carries a web address ({shown})"));
    }
    LURE_WORDS
        .iter()
        .find(|w| folded.contains(*w))
        .map(|w| format!("carries the lure word \"{w}\""))
}

/// The first URL or `label.tld` domain in already folded text.
fn domain_in(folded: &str) -> Option<String> {
    if folded.contains("://") || folded.contains("www.") {
        return Some(
            folded
                .split_whitespace()
                .find(|w| w.contains("://") || w.contains("www."))
                .unwrap_or("a link")
                .to_owned(),
        );
    }
    folded
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '-'))
        .map(|w| w.trim_matches(|c| c == '.' || c == '-'))
        .find(|w| {
            let mut labels = w.rsplit('.');
            let tld = labels.next().unwrap_or("");
            let rest: Vec<&str> = labels.collect();
            !rest.is_empty()
                && rest.iter().all(|l| !l.is_empty())
                && rest[0].chars().any(|c| c.is_ascii_alphabetic())
                && TLDS.contains(&tld)
        })
        .map(str::to_owned)
}

/// `text` reduced to the skeleton people read: lowercase ASCII where a character imitates an
/// ASCII letter (Cyrillic, Greek, fullwidth, mathematical letters), invisible characters gone,
/// `0`/`1` read as `o`/`l`, and the separators and `$` that scammers pad symbols with dropped.
/// Two names with the same skeleton look the same to a person.
pub fn skeleton(text: &str) -> String {
    fold(text)
        .chars()
        .filter(|c| c.is_alphanumeric())
        .map(|c| match c {
            '0' => 'o',
            '1' | 'i' => 'l',
            other => other,
        })
        .collect()
}

/// Lowercase, confusables mapped to ASCII, invisible characters dropped; spacing kept.
fn fold(text: &str) -> String {
    text.chars()
        .filter(|c| !is_invisible(*c))
        .map(fold_char)
        .flat_map(char::to_lowercase)
        .collect()
}

fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}' | '\u{00AD}')
}

fn fold_char(c: char) -> char {
    let u = c as u32;
    // Fullwidth ASCII (U+FF01..U+FF5E) sits at a fixed offset from ASCII.
    if (0xFF01..=0xFF5E).contains(&u) {
        return char::from_u32(u - 0xFF01 + 0x21).unwrap_or(c);
    }
    // Mathematical alphanumerics (bold, italic, script, …): 26 capitals then 26 small letters
    // per style, from U+1D400.
    if (0x1D400..=0x1D6A3).contains(&u) {
        let i = (u - 0x1D400) % 52;
        let base = if i < 26 { b'A' } else { b'a' };
        return char::from(base + (i % 26) as u8);
    }
    match c {
        'а' | 'ɑ' | 'α' => 'a',
        'А' | 'Α' => 'A',
        'В' | 'Β' | 'в' => 'B',
        'с' | 'ϲ' => 'c',
        'С' | 'Ϲ' => 'C',
        'ԁ' => 'd',
        'е' | 'ε' => 'e',
        'Е' | 'Ε' => 'E',
        'һ' => 'h',
        'Н' | 'Η' | 'н' => 'H',
        'і' | 'ι' | 'ı' => 'i',
        'І' | 'Ι' | 'Ӏ' => 'I',
        'ј' => 'j',
        'К' | 'Κ' | 'к' | 'κ' => 'K',
        'М' | 'Μ' | 'м' => 'M',
        'Ν' => 'N',
        'ո' => 'n',
        'о' | 'ο' | 'σ' => 'o',
        'О' | 'Ο' => 'O',
        'р' | 'ρ' => 'p',
        'Р' | 'Ρ' => 'P',
        'ѕ' => 's',
        'Ѕ' => 'S',
        'Т' | 'Τ' | 'т' | 'τ' => 'T',
        'υ' | 'ս' => 'u',
        'ν' | 'ѵ' => 'v',
        'ԝ' | 'ѡ' => 'w',
        'х' | 'χ' => 'x',
        'Х' | 'Χ' => 'X',
        'у' | 'γ' => 'y',
        'У' | 'Υ' | 'Ү' => 'Y',
        'Ζ' => 'Z',
        '＄' | '﹩' => '$',
        other => other,
    }
}

/// Whether `a` imitates `b`: the same first `chars` and last `chars` hex digits (what a wallet
/// shows of an address, and what people compare) but a different address.
pub fn looks_alike(a: &Address, b: &Address, chars: usize) -> bool {
    if a == b || chars == 0 {
        return false;
    }
    let chars = chars.min(20);
    let (x, y) = (hex(a), hex(b));
    x[..chars] == y[..chars] && x[40 - chars..] == y[40 - chars..]
}

fn hex(a: &Address) -> String {
    alloy_primitives::hex::encode(a.as_slice())
}

/// `0x1234…abcd`: the part of an address people compare, for messages.
pub fn short(a: &Address) -> String {
    let h = hex(a);
    format!("0x{}…{}", &h[..4], &h[36..])
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn lures_are_found_in_plain_and_disguised_text() {
        assert!(lure("Visit uni-claims.io to claim").is_some());
        assert_eq!(
            lure("$ USDC at https://x.example").as_deref(),
            Some("carries a web address (https://x.example)")
        );
        assert!(lure("AAVE-REWARD.COM").unwrap().contains("aave-reward.com"));
        assert!(lure("Airdrop Voucher").unwrap().contains("airdrop"));
        // Cyrillic letters and a zero-width space do not hide the word.
        assert!(lure("ϲlа\u{200B}im").unwrap().contains("claim"));
        assert!(lure("ｃｌａｉｍ").is_some());
        // A terminal escape inside the link is not repeated.
        let shown = lure("go http://x.example/\u{1b}[2J now").unwrap();
        assert!(!shown.contains('\u{1b}'), "{shown}");
        for genuine in [
            "USD Coin",
            "Wrapped Ether",
            "Dai Stablecoin",
            "v1.5",
            "stETH",
            "Uniswap",
        ] {
            assert_eq!(lure(genuine), None, "{genuine}");
        }
    }

    #[test]
    fn confusables_fold_to_the_letters_they_imitate() {
        assert_eq!(skeleton("USDC"), skeleton("UЅDС"));
        assert_eq!(skeleton("USDC"), skeleton("ＵＳＤＣ"));
        assert_eq!(skeleton("USDC"), skeleton("$usdc"));
        assert_eq!(skeleton("USDC"), skeleton("U\u{200B}SDC"));
        assert_eq!(skeleton("USD Coin"), skeleton("USD C0in"));
        assert_eq!(skeleton("WETH"), skeleton("𝐖𝐄𝐓𝐇"));
        assert_ne!(skeleton("USDC"), skeleton("USDT"));
        assert_ne!(skeleton("WETH"), skeleton("WBTC"));
    }

    #[test]
    fn look_alikes_share_both_ends_only() {
        let real: Address = "0x1234567890abcdef1234567890abcdef1234abcd"
            .parse()
            .unwrap();
        let fake: Address = "0x1234000000000000000000000000000000ffabcd"
            .parse()
            .unwrap();
        let other: Address = "0x1235567890abcdef1234567890abcdef1234abcd"
            .parse()
            .unwrap();
        assert!(looks_alike(&fake, &real, 4));
        assert!(
            !looks_alike(&real, &real, 4),
            "an address is not its own look-alike"
        );
        assert!(
            !looks_alike(&other, &real, 4),
            "the first characters differ"
        );
        assert!(!looks_alike(&fake, &real, 6), "six characters are compared");
        assert!(!looks_alike(&fake, &real, 0));
        assert_eq!(short(&real), "0x1234…abcd");
    }

    proptest! {
        #[test]
        fn changing_the_middle_gives_a_look_alike(bytes in any::<[u8; 20]>(), i in 2usize..18, d in 1u8..=255) {
            let a = Address::from(bytes);
            let mut changed = bytes;
            changed[i] ^= d;
            prop_assert!(looks_alike(&Address::from(changed), &a, 4));
        }

        #[test]
        fn changing_an_end_breaks_the_likeness(bytes in any::<[u8; 20]>(), end in any::<bool>(), d in 1u8..=255) {
            let a = Address::from(bytes);
            let mut changed = bytes;
            changed[if end { 19 } else { 0 }] ^= d;
            prop_assert!(!looks_alike(&Address::from(changed), &a, 4));
        }

        #[test]
        fn disguised_symbols_keep_their_skeleton(
            s in "[A-Z]{2,8}",
            picks in proptest::collection::vec(0u8..4, 8),
            dollar in any::<bool>(),
        ) {
            // Each letter kept, lowercased, made fullwidth, or swapped for its Cyrillic twin.
            let cyrillic = |c: char| match c {
                'A' => Some('А'), 'B' => Some('В'), 'C' => Some('С'), 'E' => Some('Е'),
                'H' => Some('Н'), 'K' => Some('К'), 'M' => Some('М'), 'O' => Some('О'),
                'P' => Some('Р'), 'T' => Some('Т'), 'X' => Some('Х'), _ => None,
            };
            let mut disguised: String = if dollar { "$".into() } else { String::new() };
            for (c, pick) in s.chars().zip(picks.iter().cycle()) {
                disguised.push(match pick {
                    1 => c.to_ascii_lowercase(),
                    2 => char::from_u32(c as u32 - 0x21 + 0xFF01).unwrap(),
                    3 => cyrillic(c).unwrap_or(c),
                    _ => c,
                });
            }
            prop_assert_eq!(skeleton(&disguised), skeleton(&s), "{}", disguised);
        }

        #[test]
        fn skeletons_ignore_case_and_padding(s in "[A-Za-z]{2,8}") {
            prop_assert_eq!(skeleton(&s), skeleton(&format!("$ {}", s.to_uppercase())));
        }
    }
}
