//! The SRP group (RFC 5054 / RFC 3526 3072-bit MODP, `g = 2`), Montgomery arithmetic on it,
//! a constant-time fixed-base exponentiation for `g`, and big-endian byte helpers.

use std::sync::OnceLock;

use crypto_bigint::modular::ConstMontyForm;
use crypto_bigint::{impl_modulus, NonZero, Uint, Word, U256, U3072};
#[cfg(not(target_pointer_width = "64"))]
use subtle::{ConditionallySelectable, ConstantTimeEq};

/// Big-endian byte length of a group element (3072 bits).
pub(crate) const ELEMENT_LEN: usize = 384;

/// `N` as uppercase hex (RFC 3526 group 15 / RFC 5054 3072-bit group).
pub(crate) const N_HEX: &str = concat!(
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD",
    "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED",
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F",
    "83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B",
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA0510",
    "15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7",
    "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200C",
    "BBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF",
);

impl_modulus!(
    ModP3072,
    U3072,
    N_HEX,
    "The 3072-bit MODP prime of RFC 3526 / RFC 5054 (Cognito's SRP group)."
);

/// The modulus `N` as an integer.
pub(crate) const N: U3072 = U3072::from_be_hex(N_HEX);

/// The generator.
pub(crate) const G: u8 = 2;

/// An element of `Z/NZ` in Montgomery form.
pub(crate) type Fe = ConstMontyForm<ModP3072, { U3072::LIMBS }>;

/// Window width (bits) of the production fixed-base table; chosen by the benchmark in
/// `srp::tests::bench_exponentiation` (see the module docs for the numbers).
pub(crate) const FIXED_BASE_WINDOW: u32 = 6;

/// `a·b mod N` (Montgomery form): the fast CIOS product of [`super::mont`] on 64-bit
/// targets, `crypto-bigint`'s elsewhere.
pub(crate) fn mul(a: &Fe, b: &Fe) -> Fe {
    #[cfg(target_pointer_width = "64")]
    return super::mont::mul(a, b);
    #[cfg(not(target_pointer_width = "64"))]
    return a.mul(b);
}

/// `base^e mod N` for a secret exponent below `2^bits` (`bits` public), constant time.
pub(crate) fn pow<const E: usize>(base: &Fe, e: &Uint<E>, bits: u32) -> Fe {
    #[cfg(target_pointer_width = "64")]
    return super::mont::pow(base, e, bits);
    #[cfg(not(target_pointer_width = "64"))]
    return base.pow_bounded_exp(e, bits);
}

/// `g` in Montgomery form.
pub(crate) fn g_fe() -> Fe {
    Fe::new(&U3072::from_u8(G))
}

/// `N` as a [`NonZero`] (for public-value reductions).
pub(crate) fn n_nonzero() -> NonZero<U3072> {
    NonZero::new(N).expect("N is non-zero")
}

/// Precomputed powers of `g` for constant-time fixed-base exponentiation with exponents
/// below 2^256.
///
/// With window width `w`, the exponent is split into `ceil(256 / w)` digits `e_i` and
/// `g^e = Π_i g^(e_i · 2^(w·i))`.  Row `i` of the table holds `g^(j · 2^(w·i))` for
/// `j = 1 .. 2^w - 1` in Montgomery form, so an exponentiation costs `ceil(256/w) - 1`
/// Montgomery multiplications and no squarings.  Each digit is looked up with a
/// constant-time scan over its whole row (every entry is read, the wanted one is kept with
/// `ConditionallySelectable`), so neither branches nor memory addresses depend on the
/// exponent.
pub(crate) struct FixedBaseTable {
    window: u32,
    windows: u32,
    /// `windows` rows of `2^window - 1` entries each.
    entries: Vec<Fe>,
}

impl FixedBaseTable {
    /// Builds the table for base `base` and window width `window` (1..=8).
    pub(crate) fn new(base: Fe, window: u32) -> Self {
        assert!((1..=8).contains(&window), "window must be 1..=8 bits");
        let windows = 256_u32.div_ceil(window);
        let row_len = (1usize << window) - 1;
        let mut entries = Vec::with_capacity(windows as usize * row_len);
        // base_i = base^(2^(w·i))
        let mut base_i = base;
        for _ in 0..windows {
            let mut p = base_i;
            entries.push(p);
            for _ in 1..row_len {
                p = mul(&p, &base_i);
                entries.push(p);
            }
            for _ in 0..window {
                base_i = base_i.square();
            }
        }
        Self {
            window,
            windows,
            entries,
        }
    }

    /// Number of stored entries.
    #[cfg(test)]
    pub(crate) fn entries_len(&self) -> usize {
        self.entries.len()
    }

    /// `base^e` in constant time (w.r.t. the value of `e`).
    pub(crate) fn pow(&self, e: &U256) -> Fe {
        let row_len = (1usize << self.window) - 1;
        let mask: Word = (1 << self.window) - 1;
        let mut acc = Fe::ONE;
        for i in 0..self.windows {
            // The shift amount is public; only the digit value is secret.
            let digit = (e.shr_vartime(i * self.window).as_limbs()[0].0 & mask) as u32;
            let row = &self.entries[i as usize * row_len..(i as usize + 1) * row_len];
            #[cfg(target_pointer_width = "64")]
            let selected = super::mont::select(row, digit);
            #[cfg(not(target_pointer_width = "64"))]
            let selected = {
                let mut selected = Fe::ONE;
                for (j, entry) in row.iter().enumerate() {
                    selected.conditional_assign(entry, digit.ct_eq(&(j as u32 + 1)));
                }
                selected
            };
            acc = if i == 0 {
                selected
            } else {
                mul(&acc, &selected)
            };
        }
        acc
    }
}

/// The process-wide table of powers of `g` (built lazily on first use, ~1 MB).
pub(crate) fn g_table() -> &'static FixedBaseTable {
    static TABLE: OnceLock<FixedBaseTable> = OnceLock::new();
    TABLE.get_or_init(|| FixedBaseTable::new(g_fe(), FIXED_BASE_WINDOW))
}

/// `g^e mod N` (Montgomery form) for a secret exponent `e < 2^256`, constant time.
pub(crate) fn g_pow_256(e: &U256) -> Fe {
    g_table().pow(e)
}

/// `g^e mod N` by the generic constant-time windowed exponentiation (baseline).
#[cfg(test)]
pub(crate) fn g_pow_plain<const L: usize>(e: &Uint<L>, bits: u32) -> Fe {
    g_fe().pow_bounded_exp(e, bits)
}

/// Big-endian bytes of a group-sized integer (always 384 bytes).
pub(crate) fn to_be_bytes(n: &U3072) -> [u8; ELEMENT_LEN] {
    n.to_be_bytes()
}

/// Parses a big-endian integer of any length (leading zero bytes allowed); `None` if it
/// does not fit in 3072 bits.
pub(crate) fn from_be_bytes(bytes: &[u8]) -> Option<U3072> {
    let bytes = strip_leading_zeros(bytes);
    if bytes.len() > ELEMENT_LEN {
        return None;
    }
    let mut buf = [0u8; ELEMENT_LEN];
    buf[ELEMENT_LEN - bytes.len()..].copy_from_slice(bytes);
    Some(U3072::from_be_slice(&buf))
}

/// Parses hex (either case, odd length allowed, leading zeros allowed) into an integer of at
/// most 3072 bits.
pub(crate) fn from_hex(s: &str) -> Option<U3072> {
    if s.is_empty() || !s.bytes().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    let s = s.trim_start_matches('0');
    if s.len() > 2 * ELEMENT_LEN {
        return None;
    }
    let mut padded = [b'0'; 2 * ELEMENT_LEN];
    padded[2 * ELEMENT_LEN - s.len()..].copy_from_slice(s.as_bytes());
    let mut buf = [0u8; ELEMENT_LEN];
    hex::decode_to_slice(padded, &mut buf).ok()?;
    Some(U3072::from_be_slice(&buf))
}

/// Drops leading zero bytes.
pub(crate) fn strip_leading_zeros(bytes: &[u8]) -> &[u8] {
    let first = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    &bytes[first..]
}

/// Minimal lowercase hex of a big-endian integer (`"0"` for zero), like JS
/// `BigInteger.toString(16)` / Python `f"{n:x}"`.
pub(crate) fn min_hex(bytes: &[u8]) -> String {
    let hex = hex::encode(strip_leading_zeros(bytes));
    match hex.strip_prefix('0') {
        Some(rest) => rest.to_owned(),
        None if hex.is_empty() => "0".to_owned(),
        None => hex,
    }
}

/// `padHex` as bytes: minimal big-endian bytes of the integer, with a leading `0x00` when
/// the top bit is set (Java `BigInteger.toByteArray()` for non-negative values); zero is
/// `[0x00]`.
pub fn pad_bytes(bytes: &[u8]) -> Vec<u8> {
    let bytes = strip_leading_zeros(bytes);
    let mut out = Vec::with_capacity(bytes.len() + 1);
    if bytes.first().is_none_or(|&b| b & 0x80 != 0) {
        out.push(0);
    }
    out.extend_from_slice(bytes);
    out
}

/// `padHex(n)` for an integer given as big-endian bytes.
pub fn pad_hex(bytes: &[u8]) -> String {
    hex::encode(pad_bytes(bytes))
}

/// `H(data)` with `H` = SHA-256.
pub(crate) fn sha256(parts: &[&[u8]]) -> [u8; 32] {
    let mut ctx = aws_lc_rs::digest::Context::new(&aws_lc_rs::digest::SHA256);
    for p in parts {
        ctx.update(p);
    }
    let d = ctx.finish();
    let mut out = [0u8; 32];
    out.copy_from_slice(d.as_ref());
    out
}

/// `k = H(padHex(N) || padHex(g))` as a big-endian 32-byte value.
pub(crate) fn k_bytes() -> [u8; 32] {
    static K: OnceLock<[u8; 32]> = OnceLock::new();
    *K.get_or_init(|| sha256(&[&pad_bytes(&to_be_bytes(&N)), &pad_bytes(&[G])]))
}

/// `k` in Montgomery form.
pub(crate) fn k_fe() -> Fe {
    static K: OnceLock<Fe> = OnceLock::new();
    *K.get_or_init(|| Fe::new(&from_be_bytes(&k_bytes()).expect("32 bytes fit in 3072 bits")))
}

/// Overwrites a secret integer with zeros; `black_box` keeps the optimiser from eliding the
/// store (best effort, without `unsafe`).
pub(crate) fn wipe<const L: usize>(n: &mut Uint<L>) {
    *n = Uint::ZERO;
    std::hint::black_box(&*n);
}
