//! Resources that load server functions' results.
//!
//! A resource's value travels from the server-rendered page to the browser
//! as JSON, and a server function's answer does too. Leptos' default codec
//! decodes the first with `serde_json::from_str` while server functions
//! decode the second with `serde_json::from_slice`: two instantiations of
//! every result type's deserializer in the WASM. This codec decodes both
//! the same way, so each is compiled once.
use leptos::prelude::Resource;
use leptos::server::codee::{Decoder, Encoder};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::future::Future;

/// JSON that decodes through `serde_json::from_slice`.
pub struct Json;

impl<T: Serialize> Encoder<T> for Json {
    type Error = serde_json::Error;
    type Encoded = String;

    fn encode(value: &T) -> Result<String, serde_json::Error> {
        serde_json::to_string(value)
    }
}

impl<T: DeserializeOwned> Decoder<T> for Json {
    type Error = serde_json::Error;
    type Encoded = str;

    fn decode(text: &str) -> Result<T, serde_json::Error> {
        serde_json::from_slice(text.as_bytes())
    }
}

/// A resource that loads with `fetcher` whenever `source` changes.
pub type Loaded<T> = Resource<T, Json>;

/// `Resource::new` with the [`Json`] codec.
#[track_caller]
pub fn load<T, S, Fut>(
    source: impl Fn() -> S + Send + Sync + 'static,
    fetcher: impl Fn(S) -> Fut + Send + Sync + 'static,
) -> Loaded<T>
where
    T: Serialize + DeserializeOwned + Send + Sync + 'static,
    S: Send + Sync + Clone + PartialEq + 'static,
    Fut: Future<Output = T> + Send + 'static,
{
    Resource::new_with_options(source, fetcher, false)
}
