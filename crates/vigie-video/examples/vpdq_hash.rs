//! Prints the vPDQ frame hashes of each video named on the command line, in the reference's layout.
//! `cargo run -p vigie-video --example vpdq_hash -- FILE...`

fn main() {
    let mut failed = false;
    for path in std::env::args_os().skip(1) {
        let path = std::path::PathBuf::from(path);
        match vigie_video::hash_video(&path, &vigie_video::VideoOptions::default()) {
            Ok((_, frames)) => print!("{}", vigie_video::format_vpdq(&frames)),
            Err(e) => {
                eprintln!("{}: {e}", path.display());
                failed = true;
            }
        }
    }
    std::process::exit(i32::from(failed));
}
