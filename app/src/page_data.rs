//! `page_data`: the resource every page loads its data with, and the codec that carries that data
//! from the server-rendered page to the browser.
//!
//! Leptos' default codec decodes a resource's value with `serde_json::from_str`, while server
//! functions decode their responses with `from_slice`. serde_json's reader is a type parameter,
//! so every page type's JSON decoder was compiled into the bundle twice (about 170 KB of the
//! unoptimised wasm). Decoding from bytes here, as the server functions do, keeps one copy.

use std::future::Future;

use leptos::prelude::*;
use leptos::server::codee::{Decoder, Encoder};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// JSON, decoded from bytes (see the module note).
pub struct JsonBytes;

impl<T: Serialize> Encoder<T> for JsonBytes {
    type Error = serde_json::Error;
    type Encoded = String;

    fn encode(val: &T) -> Result<String, Self::Error> {
        serde_json::to_string(val)
    }
}

impl<T: DeserializeOwned> Decoder<T> for JsonBytes {
    type Error = serde_json::Error;
    type Encoded = str;

    fn decode(val: &str) -> Result<T, Self::Error> {
        serde_json::from_slice(val.as_bytes())
    }
}

/// A page's data: fetched on the server during rendering, sent with the page, refetched in the
/// browser whenever `source` changes (like `Resource::new`, with the codec above).
#[track_caller]
pub fn page_resource<S, T, Fut>(
    source: impl Fn() -> S + Send + Sync + 'static,
    fetcher: impl Fn(S) -> Fut + Send + Sync + 'static,
) -> Resource<T, JsonBytes>
where
    S: PartialEq + Clone + Send + Sync + 'static,
    T: Serialize + DeserializeOwned + Send + Sync + 'static,
    Fut: Future<Output = T> + Send + 'static,
{
    Resource::new_with_options(source, fetcher, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, Serialize, serde::Deserialize)]
    struct Page {
        name: String,
        count: u32,
        tags: Vec<String>,
    }

    #[test]
    fn what_the_server_encodes_the_browser_decodes() {
        let page = Page { name: "ci \"deploy\" ✓".into(), count: 3, tags: vec!["a".into(), "b".into()] };
        let encoded = <JsonBytes as Encoder<Page>>::encode(&page).expect("encodes");
        let decoded: Page = <JsonBytes as Decoder<Page>>::decode(&encoded).expect("decodes");
        assert_eq!(decoded, page);
    }

    #[test]
    fn a_broken_value_is_an_error_not_a_panic() {
        assert!(<JsonBytes as Decoder<Page>>::decode("{\"name\": 1}").is_err());
    }
}
