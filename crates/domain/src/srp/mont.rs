//! Fast constant-time Montgomery multiplication and exponentiation modulo the 3072-bit SRP
//! prime.
//!
//! The product itself is aws-lc's assembly `bn_mul_mont` on x86-64 and aarch64 (see
//! `mont_asm`; mulx/adx here: ≈ 2.8 µs of CPU per 3072-bit product on this AMD EPYC).
//! Elsewhere, and in the tests as a second opinion, [`mont_mul`] scans products column by
//! column into two independent accumulators (one for `a·b`, one for `m·N`) so the carry
//! chains overlap: ≈ 4 µs here, against ≈ 6.6 µs for `crypto-bigint` 0.6's schoolbook
//! product and separate reduction. All three use the Montgomery radix `R = 2^3072`, so
//! values move between them freely ([`mul`] takes and returns `ConstMontyForm`s).
//! `cargo test --release -p userpools-domain bench_mul -- --ignored --nocapture` measures
//! the three.
//!
//! Constant time: no branch or memory index depends on the operands; the final subtraction
//! is a masked select; exponentiation uses fixed windows with whole-table scans.

use crypto_bigint::{Uint, U3072};

use super::group::Fe;
#[cfg(any(test, not(any(target_arch = "x86_64", target_arch = "aarch64"))))]
use super::group::N;

/// Limbs of a group element.
const L: usize = U3072::LIMBS;

/// `N` as words.
#[cfg(any(test, not(any(target_arch = "x86_64", target_arch = "aarch64"))))]
const N_WORDS: [u64; L] = N.to_words();

/// `-N⁻¹ mod 2^64` (Newton iteration; `1` for this `N`, whose low word is all ones).
#[cfg(any(test, not(any(target_arch = "x86_64", target_arch = "aarch64"))))]
const N0_INV: u64 = {
    let n0 = N_WORDS[0];
    let mut inv: u64 = 1;
    let mut i = 0;
    while i < 6 {
        inv = inv.wrapping_mul(2u64.wrapping_sub(n0.wrapping_mul(inv)));
        i += 1;
    }
    inv.wrapping_neg()
};

/// `a·b·R⁻¹ mod N` by product scanning (FIPS: Koç, Acar, Kaliski 1996): column by column,
/// with two independent 192-bit accumulators (one for `a·b`, one for `m·N`) so that the
/// multiply-accumulate chains overlap. Used where aws-lc has no assembly product, and
/// by the tests as a second opinion.
#[cfg(any(test, not(any(target_arch = "x86_64", target_arch = "aarch64"))))]
fn mont_mul(a: &[u64; L], b: &[u64; L]) -> [u64; L] {
    #[inline(always)]
    fn mac(acc: &mut (u128, u64), x: u64, y: u64) {
        let p = u128::from(x) * u128::from(y);
        let (s, c) = acc.0.overflowing_add(p);
        acc.0 = s;
        acc.1 += u64::from(c);
    }
    let n = &N_WORDS;
    let mut m = [0u64; L];
    let mut r = [0u64; L];
    let mut ab = (0u128, 0u64);
    let mut mn = (0u128, 0u64);
    for i in 0..L {
        for j in 0..i {
            mac(&mut ab, a[j], b[i - j]);
            mac(&mut mn, m[j], n[i - j]);
        }
        mac(&mut ab, a[i], b[0]);
        // Merge the accumulators for this column's low word.
        let (s, c) = ab.0.overflowing_add(mn.0);
        let mut acc = (s, ab.1 + mn.1 + u64::from(c));
        let mi = (acc.0 as u64).wrapping_mul(N0_INV);
        m[i] = mi;
        mac(&mut acc, mi, n[0]);
        // Shift right by one word.
        ab = ((acc.0 >> 64) | (u128::from(acc.1) << 64), 0);
        mn = (0, 0);
    }
    for i in L..2 * L {
        for j in (i - L + 1)..L {
            mac(&mut ab, a[j], b[i - j]);
            mac(&mut mn, m[j], n[i - j]);
        }
        let (s, c) = ab.0.overflowing_add(mn.0);
        let acc = (s, ab.1 + mn.1 + u64::from(c));
        r[i - L] = acc.0 as u64;
        ab = ((acc.0 >> 64) | (u128::from(acc.1) << 64), 0);
        mn = (0, 0);
    }
    let top = ab.0 as u64;
    let mut out = [0u64; L];
    let mut borrow = 0u64;
    for j in 0..L {
        let (d, b1) = r[j].overflowing_sub(n[j]);
        let (d, b2) = d.overflowing_sub(borrow);
        out[j] = d;
        borrow = u64::from(b1 | b2);
    }
    let (_, keep_r) = top.overflowing_sub(borrow);
    let keep_r = u64::from(keep_r).wrapping_neg();
    for j in 0..L {
        out[j] = (r[j] & keep_r) | (out[j] & !keep_r);
    }
    out
}

/// `a·b` in Montgomery form.
pub(crate) fn mul(a: &Fe, b: &Fe) -> Fe {
    let (a, b) = (a.as_montgomery().as_words(), b.as_montgomery().as_words());
    #[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
    let r = super::mont_asm::mont_mul(a, b);
    #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
    let r = mont_mul(a, b);
    Fe::from_montgomery(Uint::from_words(r))
}

/// `row[digit - 1]`, or one when `digit` is 0, in constant time: every entry is read and
/// masked in (`digit` drives no branch and no address). Word-wise masks let the compiler
/// vectorise the scan, which `subtle`'s limb-by-limb `conditional_assign` does not.
pub(crate) fn select(row: &[Fe], digit: u32) -> Fe {
    let mut acc = [0u64; L];
    let mut found = 0u64;
    for (j, entry) in row.iter().enumerate() {
        let x = u64::from(digit ^ (j as u32 + 1));
        // All ones iff x == 0; black_box keeps the optimiser from turning it into a branch.
        let mask = std::hint::black_box(((x | x.wrapping_neg()) >> 63).wrapping_sub(1));
        found |= mask;
        let words = entry.as_montgomery().as_words();
        for k in 0..L {
            acc[k] |= words[k] & mask;
        }
    }
    let one = Fe::ONE;
    let one = one.as_montgomery().as_words();
    for k in 0..L {
        acc[k] |= one[k] & !found;
    }
    Fe::from_montgomery(Uint::from_words(acc))
}

/// Window width of [`pow`].
const WINDOW: u32 = 4;

/// `base^e mod N` for a secret `e < 2^bits` (`bits` public), constant time in `base` and in
/// the value of `e`: fixed 4-bit windows, each table entry chosen by a scan of the whole
/// table.
pub(crate) fn pow<const E: usize>(base: &Fe, e: &Uint<E>, bits: u32) -> Fe {
    let size = 1usize << WINDOW;
    let mut table = Vec::with_capacity(size);
    table.push(Fe::ONE);
    table.push(*base);
    for i in 2..size {
        let next = mul(&table[i - 1], base);
        table.push(next);
    }
    let bits = bits.min(Uint::<E>::BITS);
    let windows = bits.div_ceil(WINDOW);
    let mut acc = Fe::ONE;
    for w in (0..windows).rev() {
        if w + 1 != windows {
            for _ in 0..WINDOW {
                acc = mul(&acc, &acc);
            }
        }
        // The shift is public; only the digit is secret.
        let width = (bits - w * WINDOW).min(WINDOW);
        let digit = (e.shr_vartime(w * WINDOW).as_words()[0] & ((1 << width) - 1)) as u32;
        acc = mul(&acc, &select(&table[1..], digit));
    }
    acc
}

#[cfg(test)]
mod tests {
    use super::*;
    use crypto_bigint::U256;

    fn element(seed: u64) -> Fe {
        // Deterministic pseudo-random elements spread over the group.
        let mut words = [0u64; L];
        let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        for w in words.iter_mut() {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            *w = x;
        }
        words[L - 1] >>= 1; // below N
        Fe::new(&Uint::from_words(words))
    }

    /// CPU time of this thread (ns): wall time is meaningless on a shared machine.
    fn thread_cpu_ns() -> u64 {
        std::fs::read_to_string("/proc/thread-self/schedstat")
            .ok()
            .and_then(|s| s.split_whitespace().next()?.parse().ok())
            .unwrap_or(0)
    }

    #[test]
    #[ignore = "timing; run in release with --ignored --nocapture"]
    fn bench_mul() {
        let (a, b) = (element(1), element(2));
        let n = 20_000;
        for round in 0..3 {
            let t = thread_cpu_ns();
            let mut x = a;
            for _ in 0..n {
                x = mul(&x, &b);
            }
            std::hint::black_box(x);
            let fast = (thread_cpu_ns() - t) as f64 / n as f64;
            let t = thread_cpu_ns();
            let mut x = a;
            for _ in 0..n {
                x = x.mul(&b);
            }
            std::hint::black_box(x);
            let slow = (thread_cpu_ns() - t) as f64 / n as f64;
            let t = thread_cpu_ns();
            let mut x = *a.as_montgomery().as_words();
            for _ in 0..n {
                x = mont_mul(&x, b.as_montgomery().as_words());
            }
            std::hint::black_box(x);
            let rust = (thread_cpu_ns() - t) as f64 / n as f64;
            println!("round {round}: aws-lc {fast:.0} ns, product scanning {rust:.0} ns, crypto-bigint {slow:.0} ns (CPU time)");
        }
    }

    #[test]
    #[ignore = "timing; run in release with --ignored --nocapture"]
    fn bench_g_pow() {
        let exps: Vec<U256> = (0..16u8)
            .map(|i| U256::from_be_slice(&[i.wrapping_mul(77) | 1; 32]))
            .collect();
        super::super::group::g_pow_256(&exps[0]);
        for round in 0..3 {
            let t = thread_cpu_ns();
            for _ in 0..20 {
                for e in &exps {
                    std::hint::black_box(super::super::group::g_pow_256(e));
                }
            }
            let ns = (thread_cpu_ns() - t) as f64 / (20 * exps.len()) as f64;
            println!(
                "round {round}: g^x fixed-base {:.0} us (CPU time)",
                ns / 1000.0
            );
        }
    }

    #[test]
    fn select_reads_the_right_entry() {
        let row: Vec<Fe> = (0..7).map(element).collect();
        assert_eq!(select(&row, 0), Fe::ONE);
        for d in 1..=7u32 {
            assert_eq!(select(&row, d), row[d as usize - 1]);
        }
    }

    #[test]
    fn n0_inv_is_the_montgomery_constant() {
        assert_eq!(N_WORDS[0].wrapping_mul(N0_INV), u64::MAX); // N·(−N⁻¹) ≡ −1
    }

    #[test]
    fn portable_product_matches_the_assembly_one() {
        let edge = [Fe::ONE, Fe::ZERO, Fe::new(&N.wrapping_sub(&U3072::ONE))];
        for i in 0..40 {
            let (a, b) = (element(i), element(2000 + i));
            let words = |x: &Fe| *x.as_montgomery().as_words();
            assert_eq!(
                mont_mul(&words(&a), &words(&b)),
                super::super::mont_asm::mont_mul(&words(&a), &words(&b)),
                "{i}"
            );
            for e in &edge {
                assert_eq!(
                    mont_mul(&words(&a), &words(e)),
                    super::super::mont_asm::mont_mul(&words(&a), &words(e))
                );
            }
        }
    }

    #[test]
    fn mul_matches_crypto_bigint() {
        let edge = [Fe::ONE, Fe::ZERO, Fe::new(&N.wrapping_sub(&U3072::ONE))];
        for i in 0..40 {
            let (a, b) = (element(i), element(1000 + i));
            assert_eq!(mul(&a, &b), a.mul(&b), "{i}");
            for e in &edge {
                assert_eq!(mul(&a, e), a.mul(e));
                assert_eq!(mul(e, e), e.mul(e));
            }
        }
    }

    #[test]
    fn pow_matches_crypto_bigint() {
        for i in 0..6 {
            let base = element(i);
            let e = U256::from_be_slice(&[i as u8 * 37 + 1; 32]);
            assert_eq!(pow(&base, &e, 256), base.pow_bounded_exp(&e, 256));
            assert_eq!(pow(&base, &e, 13), base.pow_bounded_exp(&e, 13));
            let big = U3072::from_words([i + 3; L]);
            assert_eq!(pow(&base, &big, 3072), base.pow_bounded_exp(&big, 3072));
        }
        assert_eq!(pow(&element(9), &U256::ZERO, 256), Fe::ONE);
    }
}
