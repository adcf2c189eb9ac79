//! Microbenchmarks of the password work: SRP verifier, SRP rounds 1 and 2, JWT signing,
//! and the "physical floor" — one plain constant-time 3072-bit modular exponentiation
//! (`g^x` with a 256-bit `x`, generic windowed `pow`, no precomputed table).
//!
//! `cargo bench -p userpools-domain --bench password`

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use crypto_bigint::modular::ConstMontyForm;
use crypto_bigint::{impl_modulus, U256, U3072};
use serde_json::json;
use userpools_domain::srp;
use userpools_domain::tokens::{self, PoolSigningKeys, TokenUse};

impl_modulus!(
    Modp3072,
    U3072,
    concat!(
        "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD",
        "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED",
        "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F",
        "83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B",
        "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA0510",
        "15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7",
        "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200C",
        "BBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF",
    )
);

const POOL: &str = "us-east-1_AbCdEfGh1";
const A_HEX: &str = "5f0e3c1a9b7d2468ace013579bdf02468ace13579bdf0246"; // any 1 < A < N

fn benches(c: &mut Criterion) {
    srp::warm_up();
    let salt = srp::Salt::random();
    let verifier = srp::compute_verifier(POOL, "alice", "Passw0rd!", &salt);

    c.bench_function("modexp/plain g^x, 256-bit x (floor: no table)", |b| {
        let g = ConstMontyForm::<Modp3072, { U3072::LIMBS }>::new(&U3072::from_u8(2));
        let x =
            U256::from_be_hex("9d0c6a1be2f3748596a7b8c9dae0f1021324354657687980a1b2c3d4e5f60718");
        b.iter(|| black_box(g.pow_bounded_exp(black_box(&x), 256)))
    });
    c.bench_function("srp/compute_verifier (fixed-base g^x)", |b| {
        b.iter(|| srp::compute_verifier(POOL, "alice", black_box("Passw0rd!"), &salt))
    });
    c.bench_function("srp/round 1 (start: k·v + g^b)", |b| {
        b.iter(|| srp::start(&verifier, black_box(A_HEX)).expect("valid A"))
    });
    let state = srp::start(&verifier, A_HEX).expect("valid A");
    let block = [7u8; 64];
    // A wrong signature costs exactly what a right one does: S is computed before comparing.
    let signature = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    c.bench_function(
        "srp/round 2 (verify_signature: v^u, (A·v^u)^b, HKDF)",
        |b| {
            b.iter(|| {
                srp::verify_signature(
                    &state,
                    POOL,
                    "alice",
                    &block,
                    "Tue Nov 5 09:03:04 UTC 2024",
                    black_box(signature),
                )
            })
        },
    );
    let keys = PoolSigningKeys::generate().expect("keys");
    let claims = json!({
        "sub": "5f0e3c1a-9b7d-4468-ace0-13579bdf0246", "iss": "http://127.0.0.1:9229/us-east-1_AbCdEfGh1",
        "client_id": "abcdefghijklmnopqrstuvwxyz", "origin_jti": "x", "event_id": "y",
        "token_use": "access", "scope": "aws.cognito.signin.user.admin", "auth_time": 1_700_000_000,
        "exp": 1_700_003_600, "iat": 1_700_000_000, "jti": "z", "username": "alice"
    });
    c.bench_function("jwt/sign RS256 access token", |b| {
        b.iter(|| tokens::sign_jwt(&keys, TokenUse::Access, black_box(&claims)).expect("signed"))
    });
}

criterion_group!(password, benches);
criterion_main!(password);
