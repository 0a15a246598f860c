//! The parallel parser against the `csv` crate's streaming reader: same rows, same report,
//! same first error, for random inputs cut into random chunk sizes.

use super::super::accounts::Accounts;
use super::super::csv_file::{
    check_header, checked_amount, csv_error, csv_reader, read_accounts_stream,
};
use super::super::ZeroRow;
use super::read_accounts;
use crate::Entry;
use proptest::prelude::*;

type Outcome = Result<(Vec<Entry>, usize, Vec<ZeroRow>), String>;

fn columns() -> Vec<String> {
    vec!["address".into(), "amount".into()]
}

fn finish(acc: Accounts<'_>, r: crate::error::Result<()>) -> Outcome {
    r.map(|()| (acc.entries, acc.merged, acc.zero_rows))
        .map_err(|e| e.to_string())
}

/// The reference: the `csv` crate's records taken one by one, in order.
fn sequential(text: &[u8], merge: bool, zero: bool) -> Outcome {
    let mut acc = Accounts::new("in.csv", merge);
    acc.allow_zero = zero;
    let r = (|| {
        let mut rdr = csv_reader(text);
        let header = rdr.headers().map_err(|e| csv_error("in.csv", e))?.clone();
        if header.is_empty() {
            return Ok(());
        }
        let order = check_header("in.csv", &header, &columns())?;
        for record in rdr.records() {
            let r = record.map_err(|e| csv_error("in.csv", e))?;
            let line = r.position().map(|p| p.line()).unwrap_or(0);
            let address = r.get(order[0]).unwrap_or_default();
            acc.push(
                line,
                address,
                checked_amount(r.get(order[1]).unwrap_or_default()),
            )?;
        }
        Ok(())
    })();
    finish(acc, r)
}

fn stream(text: &[u8], merge: bool, zero: bool) -> Outcome {
    let mut acc = Accounts::new("in.csv", merge);
    acc.allow_zero = zero;
    let r = read_accounts_stream(text, "in.csv", &columns(), &mut acc);
    finish(acc, r)
}

/// The parallel path, reading `block` bytes at a time; `None` when it handed the input to the
/// streaming reader.
fn parallel(text: &[u8], merge: bool, zero: bool, block: usize) -> Option<Outcome> {
    let mut acc = Accounts::new("in.csv", merge);
    acc.allow_zero = zero;
    match read_accounts(text, "in.csv", &columns(), &mut acc, block) {
        Ok(Some(_)) => None,
        Ok(None) => Some(finish(acc, Ok(()))),
        Err(e) => Some(Err(e.to_string())),
    }
}

fn address() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => (1u64..40).prop_map(|i| format!("0x{:040x}", i * 0x1_0000_0001)),
        3 => (1u64..40).prop_map(|i| {
            alloy_primitives::Address::from_word(alloy_primitives::B256::left_padding_from(
                &(i * 0x1357_9bdf_0246).to_be_bytes(),
            ))
            .to_checksum(None)
        }),
        1 => (1u64..40).prop_map(|i| format!("0X{:040X}", i * 0x10_0001)),
        1 => Just("0x5C69bEe701ef814a2B6a3EDD4B1652CB9cc5aA6F".to_owned()), // bad checksum
        1 => Just("0x0000000000000000000000000000000000000000".to_owned()),
        1 => Just("0x12345".to_owned()),
        1 => Just(format!(" \t0x{:040x} ", 77)),
        1 => Just(format!("\"0x{:040x}\"", 78)),
        1 => Just(String::new()),
        1 => Just("0xzz00000000000000000000000000000000000000".to_owned()),
    ]
}

fn amount() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => (1u64..1_000_000).prop_map(|v| v.to_string()),
        1 => Just("0".to_owned()),
        1 => Just("340282366920938463463374607431768211456".to_owned()),
        1 => Just("9".repeat(78)),
        1 => Just("1".repeat(64)),
        1 => Just("1.5".to_owned()),
        1 => Just("-3".to_owned()),
        1 => Just(" 7 ".to_owned()),
        1 => Just("0x10".to_owned()),
        1 => Just(String::new()),
        1 => Just("\"12\"".to_owned()),
        1 => Just("1\u{a0}".to_owned()),
    ]
}

fn line() -> impl Strategy<Value = String> {
    prop_oneof![
        20 => (address(), amount()).prop_map(|(a, m)| format!("{a},{m}")),
        1 => Just(String::new()),
        1 => Just("   ".to_owned()),
        1 => (address(), amount()).prop_map(|(a, m)| format!("{a},{m},x")),
        1 => address(),
        1 => Just("a\rb".to_owned()),
        1 => Just("\"0x1,2\",3".to_owned()),
    ]
}

fn input() -> impl Strategy<Value = String> {
    let header = prop_oneof![
        Just("address,amount"),
        Just("amount,address"),
        Just("\u{feff}address,amount"),
        Just(" Address , AMOUNT "),
        Just("address,amount,extra"),
    ];
    (
        header,
        prop::collection::vec((line(), prop::bool::ANY), 0..60),
        prop::bool::ANY,
    )
        .prop_map(|(h, lines, last_newline)| {
            let swap = h.starts_with("amount");
            let mut s = format!("{h}\n");
            let n = lines.len();
            for (i, (l, crlf)) in lines.into_iter().enumerate() {
                let l = match (swap, l.split_once(',')) {
                    (true, Some((a, b))) => format!("{b},{a}"),
                    _ => l,
                };
                s.push_str(&l);
                if i + 1 < n || last_newline {
                    s.push_str(if crlf { "\r\n" } else { "\n" });
                }
            }
            s
        })
}

/// Bytes the fast path must handle itself rather than hand over.
fn plain(text: &str) -> bool {
    let body = text.split_once('\n').map_or("", |(_, b)| b);
    !text.contains('"')
        && !body.replace("\r\n", "").contains('\r')
        && body.is_ascii()
        && !text.starts_with(['\n', '\r'])
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn parallel_reading_equals_the_stream(
        text in input(),
        chunk in 1usize..400,
        merge in prop::bool::ANY,
        zero in prop::bool::ANY,
    ) {
        let want = sequential(text.as_bytes(), merge, zero);
        prop_assert_eq!(&stream(text.as_bytes(), merge, zero), &want, "{:?}", text);
        match parallel(text.as_bytes(), merge, zero, chunk) {
            Some(got) => prop_assert_eq!(got, want, "{:?}", text),
            None => prop_assert!(!plain(&text), "handed over a plain input: {:?}", text),
        }
    }
}

#[test]
fn a_line_too_long_is_reported_after_earlier_bad_rows() {
    let long = "1".repeat(crate::limits::MAX_LINE_BYTES + 1);
    let text = format!("address,amount\n0x{:040x},5\n0x{:040x},{long}\n", 1, 2);
    let got = parallel(text.as_bytes(), false, false, 4096)
        .unwrap()
        .unwrap_err();
    assert!(got.contains("line 3 is longer than 1 MiB"), "{got}");
    let text = format!("address,amount\n0x12,5\n0x{:040x},{long}\n", 2);
    let got = parallel(text.as_bytes(), false, false, 4096)
        .unwrap()
        .unwrap_err();
    assert!(got.contains("in.csv:2"), "{got}");
}

#[test]
fn a_file_without_newlines_is_refused_holding_little_of_it() {
    let text = vec![b'a'; 3 * crate::limits::MAX_LINE_BYTES];
    let mut acc = Accounts::new("in.csv", false);
    let buf = read_accounts(&text[..], "in.csv", &columns(), &mut acc, 1 << 16)
        .unwrap()
        .unwrap();
    assert!(buf.bytes().is_empty());
    let e = buf.tail_error.unwrap().to_string();
    assert!(
        e.starts_with("the header (line 1) is longer than 64 KiB"),
        "{e}"
    );
}
