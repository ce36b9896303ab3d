//! `bundle-split <input.wasm> <pkg dir> <name>`: splits the wasm at its `#[lazy]` points (Leptos'
//! lazy routes) into `<pkg dir>`: the main module `<name>_split.wasm` (still to go through
//! wasm-bindgen), one module per lazy function and per chunk they share, the loader
//! `__wasm_split.______________________.js`, and `__wasm_split_manifest.json`, from which the
//! server adds preload links for the chunks of the page it renders. This is the step `cargo
//! leptos --split` runs, without the rest of cargo-leptos.

use std::path::PathBuf;
use std::process::ExitCode;

/// The loader's name as Leptos expects it when file hashing is off.
const LOADER: &str = "./__wasm_split.______________________.js";
const MANIFEST: &str = "__wasm_split_manifest.json";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [input, pkg, name] = args.as_slice() else {
        eprintln!("usage: bundle-split <input.wasm> <pkg dir> <name>");
        return ExitCode::from(2);
    };
    match split(&PathBuf::from(input), &PathBuf::from(pkg), name) {
        Ok(modules) => {
            eprintln!("bundle-split: {modules} lazy modules written to {pkg}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("bundle-split: {e}");
            ExitCode::FAILURE
        }
    }
}

fn split(input: &std::path::Path, pkg: &std::path::Path, name: &str) -> Result<usize, String> {
    let wasm = std::fs::read(input).map_err(|e| format!("cannot read {}: {e}", input.display()))?;
    std::fs::create_dir_all(pkg).map_err(|e| format!("cannot create {}: {e}", pkg.display()))?;
    let main_out = pkg.join(format!("{name}_split.wasm"));
    // Chunks import the main module's exports through the JS that wasm-bindgen writes for it.
    let main_module = format!("./{name}.js");
    let mut opts = wasm_split_cli_support::Options::new(&wasm);
    opts.output_dir = pkg;
    opts.main_out_path = &main_out;
    opts.main_module = &main_module;
    opts.link_name = LOADER;
    let out = wasm_split_cli_support::transform(opts).map_err(|e| format!("splitting failed: {e:#}"))?;
    let manifest = serde_json::to_string_pretty(&out.prefetch_map).map_err(|e| e.to_string())?;
    std::fs::write(pkg.join(MANIFEST), manifest).map_err(|e| format!("cannot write the manifest: {e}"))?;
    Ok(out.split_modules.len())
}
