//! Personal access tokens. So far: the format (generation, checksum, parsing without I/O).

pub mod format;
