//! Integer maths for weights and rounding: square root, a fixed-point base-2 logarithm and
//! largest-remainder apportionment. All exact and deterministic; no floating point.

use alloy_primitives::{Address, U256, U512};

/// Floor of the square root of `n` (Newton's method on integers).
pub fn isqrt(n: U256) -> U256 {
    if n < U256::from(2u8) {
        return n;
    }
    // Start above the root: 2^ceil(bits/2) > sqrt(n); the iteration then decreases monotonically.
    let mut x = U256::from(1u8) << n.bit_len().div_ceil(2);
    loop {
        let y = (x + n / x) >> 1;
        if y >= x {
            return x;
        }
        x = y;
    }
}

/// Fractional bits of [`log2_fixed`].
pub const LOG_FRACTION_BITS: u32 = 32;

/// `floor(log2(n) · 2^32)` for `n ≥ 1` (0 for `n = 0`), computed by the classic
/// square-and-compare method: normalise the mantissa into [1, 2) with 127 fractional bits,
/// then each squaring yields one more bit of the fraction.
pub fn log2_fixed(n: U256) -> U256 {
    if n.is_zero() {
        return U256::ZERO;
    }
    let int_part = (n.bit_len() - 1) as u32;
    // Mantissa m in [2^127, 2^128) representing n / 2^int_part in [1, 2).
    let mut m: u128 = if int_part >= 127 {
        (n >> (int_part - 127) as usize).to::<u128>()
    } else {
        (n << (127 - int_part) as usize).to::<u128>()
    };
    let mut frac: u64 = 0;
    for _ in 0..LOG_FRACTION_BITS {
        let sq = U256::from(m) * U256::from(m); // in [2^254, 2^256)
        frac <<= 1;
        if sq.bit(255) {
            frac |= 1;
            m = (sq >> 128usize).to::<u128>();
        } else {
            m = (sq >> 127usize).to::<u128>();
        }
    }
    (U256::from(int_part) << LOG_FRACTION_BITS as usize) | U256::from(frac)
}

/// Widens to 512 bits so products of two 256-bit values never overflow.
pub fn wide(v: U256) -> U512 {
    U512::from(v)
}

/// Narrows a 512-bit value known to be at most a 256-bit quantity (a share of a U256 pool).
pub fn narrow(v: U512) -> U256 {
    U256::from_limbs_slice(&v.as_limbs()[..4])
}

/// Splits `total` among `weights` so that the parts sum to `total` exactly: each gets the floor
/// of its exact share, and the units left over go one each to the largest remainders, ties to
/// the lower address. Entries with weight 0 get 0. Returns parts in input order.
///
/// The caller guarantees the total weight is non-zero whenever `total` is non-zero.
pub fn largest_remainder(total: U256, weights: &[U256], addresses: &[Address]) -> Vec<U256> {
    let sum: U512 = weights.iter().fold(U512::ZERO, |acc, w| acc + wide(*w));
    if sum.is_zero() {
        return vec![U256::ZERO; weights.len()];
    }
    let t = wide(total);
    let mut parts = Vec::with_capacity(weights.len());
    let mut rems: Vec<(U512, u32)> = Vec::with_capacity(weights.len());
    let mut given = U256::ZERO;
    for (i, w) in weights.iter().enumerate() {
        let p = t * wide(*w);
        let q = p / sum;
        let r = p - q * sum;
        let q = narrow(q);
        given += q;
        parts.push(q);
        if !r.is_zero() {
            rems.push((r, i as u32));
        }
    }
    let left = (total - given).to::<u64>() as usize;
    if left > 0 {
        let order = |a: &(U512, u32), b: &(U512, u32)| {
            b.0.cmp(&a.0)
                .then_with(|| addresses[a.1 as usize].cmp(&addresses[b.1 as usize]))
        };
        if left < rems.len() {
            rems.select_nth_unstable_by(left - 1, order);
        }
        for (_, i) in rems.iter().take(left) {
            parts[*i as usize] += U256::from(1u8);
        }
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn sqrt_small_values() {
        for n in 0u64..2000 {
            let r = isqrt(U256::from(n)).to::<u64>();
            assert!(r * r <= n && (r + 1) * (r + 1) > n, "{n} -> {r}");
        }
        assert_eq!(isqrt(U256::MAX), U256::from(u128::MAX));
    }

    #[test]
    fn log2_known_values() {
        let one = 1u64 << LOG_FRACTION_BITS;
        assert_eq!(log2_fixed(U256::from(1u8)), U256::ZERO);
        assert_eq!(log2_fixed(U256::from(2u8)), U256::from(one));
        assert_eq!(log2_fixed(U256::from(1024u16)), U256::from(10 * one));
        // log2(3) = 1.584962500721156...; floor(· 2^32) = 6807362105 (checked with bc -l).
        assert_eq!(log2_fixed(U256::from(3u8)), U256::from(6_807_362_105u64));
        assert_eq!(log2_fixed(U256::MAX) >> 32usize, U256::from(255u16));
    }

    #[test]
    fn remainder_ties_go_to_lower_address() {
        let addrs = [
            Address::repeat_byte(2),
            Address::repeat_byte(1),
            Address::repeat_byte(3),
        ];
        let parts = largest_remainder(U256::from(10u8), &[U256::from(1u8); 3], &addrs);
        assert_eq!(
            parts,
            vec![U256::from(3u8), U256::from(4u8), U256::from(3u8)]
        );
    }

    proptest! {
        #[test]
        fn sqrt_is_floor(n in any::<[u64; 4]>()) {
            let n = U256::from_limbs(n);
            let r = wide(isqrt(n));
            prop_assert!(r * r <= wide(n));
            prop_assert!((r + U512::from(1u8)) * (r + U512::from(1u8)) > wide(n));
        }

        #[test]
        fn log2_is_monotone(a in 1u128.., b in 1u128..) {
            let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
            prop_assert!(log2_fixed(U256::from(lo)) <= log2_fixed(U256::from(hi)));
        }

        #[test]
        fn apportionment_is_exact(total in 0u128.., weights in proptest::collection::vec(0u64..1_000_000, 1..40)) {
            prop_assume!(weights.iter().any(|w| *w > 0));
            let ws: Vec<U256> = weights.iter().map(|w| U256::from(*w)).collect();
            let addrs: Vec<Address> = (0..ws.len()).map(|i| Address::with_last_byte(i as u8)).collect();
            let parts = largest_remainder(U256::from(total), &ws, &addrs);
            let sum = parts.iter().fold(U256::ZERO, |a, p| a + *p);
            prop_assert_eq!(sum, U256::from(total));
            let wsum: u128 = weights.iter().map(|w| *w as u128).sum();
            for (p, w) in parts.iter().zip(&weights) {
                // Each part is the floor or the ceiling of its exact share.
                let exact_floor = U256::from(total) * U256::from(*w) / U256::from(wsum);
                prop_assert!(*p == exact_floor || *p == exact_floor + U256::from(1u8));
            }
        }
    }
}
