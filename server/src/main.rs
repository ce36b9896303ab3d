//! `gatehouse`: parse configuration, then hand over to the command (see cli.rs).

fn main() -> std::process::ExitCode {
    large_blocks_go_back_to_the_system();
    match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime.block_on(server::cli::run()),
        Err(e) => {
            eprintln!("gatehouse: cannot start the async runtime: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// glibc serves a freed large block's size from its heap from then on and keeps that memory: after
/// a burst of sign-ins (argon2id takes a fresh 19 MiB block per hash) the process stayed at over
/// 120 MB resident instead of about 20 MB (BENCHMARKS.md). A fixed threshold of 1 MiB keeps every
/// block that large in its own mapping, returned to the system when freed; smaller allocations,
/// the request path's, are unaffected. Set before any thread starts.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn large_blocks_go_back_to_the_system() {
    // SAFETY: mallopt only changes allocator settings; called while the process is single-threaded.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn large_blocks_go_back_to_the_system() {}
