//! A minimal AWS Signature Version 4 signer for AWS JSON 1.1 `POST /` requests, as botocore
//! signs them (`SignedHeaders=content-type;host;x-amz-date;x-amz-target`).
//!
//! The derived signing key depends only on the date, region and service, so it is cached per
//! day like the SDKs do; each request then costs two SHA-256 and one HMAC.

use std::sync::Mutex;

use aws_lc_rs::{digest, hmac};

/// The SigV4 service name of Cognito user pools.
pub const SERVICE: &str = "cognito-idp";

/// The AWS JSON 1.1 content type.
pub const CONTENT_TYPE: &str = "application/x-amz-json-1.1";

/// Signs requests with one access key.
pub struct Signer {
    access_key: String,
    secret_key: String,
    region: String,
    /// `(yyyymmdd, kSigning)` of the last day signed for.
    day_key: Mutex<Option<(String, hmac::Key)>>,
}

/// The headers to add to a signed request.
pub struct SignedHeaders {
    /// `X-Amz-Date`.
    pub amz_date: String,
    /// `Authorization`.
    pub authorization: String,
}

fn hmac_sign(key: &[u8], data: &[u8]) -> hmac::Tag {
    hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, key), data)
}

impl Signer {
    /// A signer for `region` with the given credentials.
    pub fn new(access_key: &str, secret_key: &str, region: &str) -> Self {
        Self {
            access_key: access_key.to_owned(),
            secret_key: secret_key.to_owned(),
            region: region.to_owned(),
            day_key: Mutex::new(None),
        }
    }

    fn signing_key(&self, day: &str) -> hmac::Key {
        let mut cached = self.day_key.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((cached_day, key)) = cached.as_ref() {
            if cached_day == day {
                return key.clone();
            }
        }
        let k_date = hmac_sign(
            format!("AWS4{}", self.secret_key).as_bytes(),
            day.as_bytes(),
        );
        let k_region = hmac_sign(k_date.as_ref(), self.region.as_bytes());
        let k_service = hmac_sign(k_region.as_ref(), SERVICE.as_bytes());
        let k_signing = hmac_sign(k_service.as_ref(), b"aws4_request");
        let key = hmac::Key::new(hmac::HMAC_SHA256, k_signing.as_ref());
        *cached = Some((day.to_owned(), key.clone()));
        key
    }

    /// Signs `POST /` to `host` with `X-Amz-Target: target` and `body`, at `amz_date`
    /// (`yyyyMMddTHHmmssZ`).
    pub fn sign(&self, host: &str, target: &str, body: &[u8], amz_date: &str) -> SignedHeaders {
        let day = &amz_date[..8];
        let payload_hash = hex::encode(digest::digest(&digest::SHA256, body));
        let canonical = format!(
            "POST\n/\n\ncontent-type:{CONTENT_TYPE}\nhost:{host}\nx-amz-date:{amz_date}\nx-amz-target:{target}\n\ncontent-type;host;x-amz-date;x-amz-target\n{payload_hash}"
        );
        let scope = format!("{day}/{}/{SERVICE}/aws4_request", self.region);
        let string_to_sign = format!(
            "AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}",
            hex::encode(digest::digest(&digest::SHA256, canonical.as_bytes()))
        );
        let signature = hex::encode(hmac::sign(
            &self.signing_key(day),
            string_to_sign.as_bytes(),
        ));
        SignedHeaders {
            amz_date: amz_date.to_owned(),
            authorization: format!(
                "AWS4-HMAC-SHA256 Credential={}/{scope}, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature={signature}",
                self.access_key
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The signature must match an independent derivation of the same canonical request
    /// (the spec's §5.4 steps, written out without the day-key cache).
    #[test]
    fn signs_like_the_spec() {
        let signer = Signer::new(
            "AKIDEXAMPLE",
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            "us-east-1",
        );
        let body = br#"{"UserPoolId":"us-east-1_x"}"#;
        let target = "AWSCognitoIdentityProviderService.AdminGetUser";
        let signed = signer.sign("127.0.0.1:9229", target, body, "20240102T030405Z");
        // Second call uses the cached key: same result.
        let again = signer.sign("127.0.0.1:9229", target, body, "20240102T030405Z");
        assert_eq!(signed.authorization, again.authorization);

        let canonical = [
            "POST",
            "/",
            "",
            "content-type:application/x-amz-json-1.1",
            "host:127.0.0.1:9229",
            "x-amz-date:20240102T030405Z",
            &format!("x-amz-target:{target}"),
            "",
            "content-type;host;x-amz-date;x-amz-target",
            &hex::encode(digest::digest(&digest::SHA256, body)),
        ]
        .join("\n");
        let sts = format!(
            "AWS4-HMAC-SHA256\n20240102T030405Z\n20240102/us-east-1/cognito-idp/aws4_request\n{}",
            hex::encode(digest::digest(&digest::SHA256, canonical.as_bytes()))
        );
        let mut key = b"AWS4wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY".to_vec();
        for part in ["20240102", "us-east-1", "cognito-idp", "aws4_request"] {
            key = hmac_sign(&key, part.as_bytes()).as_ref().to_vec();
        }
        let expected = hex::encode(hmac_sign(&key, sts.as_bytes()));
        assert!(
            signed
                .authorization
                .ends_with(&format!("Signature={expected}")),
            "{}",
            signed.authorization
        );
        assert!(signed.authorization.starts_with(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240102/us-east-1/cognito-idp/aws4_request, "
        ));
    }
}
