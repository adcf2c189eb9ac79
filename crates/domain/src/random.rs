//! Randomness from the system CSPRNG (aws-lc-rs).

/// Fills `bytes` with random bytes.
pub fn fill(bytes: &mut [u8]) {
    aws_lc_rs::rand::fill(bytes).expect("system randomness");
}

/// A random string of `len` characters drawn from `alphabet` (ASCII).
/// The modulo bias is negligible for the small alphabets used here.
pub fn string(alphabet: &[u8], len: usize) -> String {
    let mut bytes = vec![0u8; len];
    fill(&mut bytes);
    bytes
        .iter()
        .map(|b| alphabet[*b as usize % alphabet.len()] as char)
        .collect()
}
