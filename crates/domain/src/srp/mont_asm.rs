//! The 3072-bit Montgomery product through aws-lc's assembly `bn_mul_mont` (mulx/adx on
//! x86-64, NEON/`umulh` on Arm), reached through its public `BN_mod_mul_montgomery`.
//!
//! aws-lc takes its assembly path, which is constant time, only when both operands span
//! the modulus's full width; the operands here are wrapped in `BIGNUM` headers that point
//! at our own fixed-size word arrays (`BN_FLG_STATIC_DATA`, width = 48 words), so it is
//! always taken and nothing is allocated. aws-lc's Montgomery radix is `2^(64·48)`, the
//! same `R = 2^3072` as `crypto-bigint`'s, so the words mean the same on both sides.

use std::sync::OnceLock;

use aws_lc_sys as ffi;
use crypto_bigint::U3072;

use super::group::N;

const L: usize = U3072::LIMBS;

/// aws-lc's Montgomery context for `N` (read-only once built).
struct MontContext(*mut ffi::BN_MONT_CTX);
// SAFETY: the context is never written after construction; aws-lc only reads it.
unsafe impl Send for MontContext {}
// SAFETY: as above.
unsafe impl Sync for MontContext {}

fn context() -> &'static MontContext {
    static CONTEXT: OnceLock<MontContext> = OnceLock::new();
    CONTEXT.get_or_init(|| {
        // SAFETY: plain aws-lc calls on valid pointers; failures are checked.
        unsafe {
            // Sets up aws-lc's CPU capability flags, which pick the mulx/adx code.
            ffi::CRYPTO_library_init();
            let bytes = N.to_be_bytes();
            let modulus = ffi::BN_bin2bn(bytes.as_ptr(), bytes.len(), std::ptr::null_mut());
            assert!(!modulus.is_null(), "BN_bin2bn");
            let ctx = ffi::BN_CTX_new();
            let mont = ffi::BN_MONT_CTX_new_for_modulus(modulus, ctx);
            ffi::BN_CTX_free(ctx);
            ffi::BN_free(modulus);
            assert!(!mont.is_null(), "BN_MONT_CTX_new_for_modulus");
            MontContext(mont)
        }
    })
}

/// A scratch context per thread, which aws-lc would use only on its portable path.
struct Scratch(*mut ffi::BN_CTX);

impl Drop for Scratch {
    fn drop(&mut self) {
        // SAFETY: created by BN_CTX_new, freed once.
        unsafe { ffi::BN_CTX_free(self.0) }
    }
}

thread_local! {
    // SAFETY: BN_CTX_new has no preconditions; null is checked where used.
    static SCRATCH: Scratch = Scratch(unsafe { ffi::BN_CTX_new() });
}

/// A `BIGNUM` header over `words` (no ownership, full width).
fn view(words: *const u64) -> ffi::BIGNUM {
    ffi::BIGNUM {
        d: words.cast_mut(),
        width: L as _,
        dmax: L as _,
        neg: 0,
        flags: ffi::BN_FLG_STATIC_DATA as _,
    }
}

/// `a·b·R⁻¹ mod N` for `a, b < N` (little-endian words).
pub(super) fn mont_mul(a: &[u64; L], b: &[u64; L]) -> [u64; L] {
    let mont = context().0;
    let mut out = [0u64; L];
    let (x, y) = (view(a.as_ptr()), view(b.as_ptr()));
    let mut r = view(out.as_mut_ptr());
    // SAFETY: the three headers point at live arrays of exactly `L` words, which aws-lc
    // neither frees (static data) nor grows (width = dmax = L); with full-width operands
    // aws-lc takes its assembly path.
    let ok = SCRATCH.with(|scratch| {
        assert!(!scratch.0.is_null(), "BN_CTX_new");
        unsafe { ffi::BN_mod_mul_montgomery(&mut r, &x, &y, mont, scratch.0) }
    });
    assert!(
        ok == 1 && r.width == L as i32 && r.d == out.as_mut_ptr(),
        "BN_mod_mul_montgomery"
    );
    out
}
