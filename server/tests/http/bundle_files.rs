//! The browser bundle's files: served from the site's `pkg/` folder with their media types, and
//! compressed ahead of time: a browser that accepts brotli or gzip gets the `.br` or `.gz` file the
//! release build wrote beside each one, any other client the file itself. (No database is
//! involved: one backend is enough.)

use crate::support::{Backend, TestApp, site_with};

const WASM: &[u8] = b"\0asm\x01\0\0\0";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bundle_files_are_served_precompressed_when_the_browser_accepts_it() {
    let site = site_with(&[
        ("gatehouse_bg.wasm", WASM),
        ("gatehouse_bg.wasm.gz", b"gzip bytes"),
        ("gatehouse_bg.wasm.br", b"brotli bytes"),
        ("gatehouse.css", b"body { margin: 0 }\n"),
    ]);
    let app = TestApp::spawn(Backend::Sqlite, &["--site-dir", site.path().to_str().unwrap()]).await;
    let get = |path: &'static str, accept: Option<&'static str>| {
        let (client, url) = (reqwest::Client::new(), app.url(path));
        async move {
            let mut req = client.get(url);
            if let Some(accept) = accept {
                req = req.header("accept-encoding", accept);
            }
            let res = req.send().await.unwrap();
            let header = |name: &str| res.headers().get(name).map(|v| v.to_str().unwrap().to_owned());
            let (status, kind, encoding) = (res.status().as_u16(), header("content-type"), header("content-encoding"));
            if status == 200 {
                assert_eq!(header("vary").as_deref(), Some("accept-encoding"), "caches keep the encodings apart");
            }
            (status, kind, encoding, res.bytes().await.unwrap().to_vec())
        }
    };

    let (status, kind, encoding, body) = get("/pkg/gatehouse_bg.wasm", None).await;
    assert_eq!((status, kind.as_deref(), encoding, body.as_slice()), (200, Some("application/wasm"), None, WASM));
    let (_, kind, encoding, body) = get("/pkg/gatehouse_bg.wasm", Some("gzip")).await;
    assert_eq!((kind.as_deref(), encoding.as_deref(), body.as_slice()), (Some("application/wasm"), Some("gzip"), &b"gzip bytes"[..]));
    let (_, _, encoding, body) = get("/pkg/gatehouse_bg.wasm", Some("gzip, deflate, br, zstd")).await;
    assert_eq!((encoding.as_deref(), body.as_slice()), (Some("br"), &b"brotli bytes"[..]));
    // No compressed copy: the file as it is, whatever the browser accepts.
    let (status, kind, encoding, _) = get("/pkg/gatehouse.css", Some("gzip, br")).await;
    assert_eq!((status, kind.as_deref(), encoding), (200, Some("text/css"), None));
    let (status, ..) = get("/pkg/missing.wasm", Some("gzip")).await;
    assert_eq!(status, 404);
    app.stop().await;
}
