//! The migrations are embedded with `embed_migrations!`, which reads each file it finds but
//! cannot tell cargo about a migration folder added later: without this, a new migration is
//! not compiled in until some source file of the crate changes.
fn main() {
    println!("cargo:rerun-if-changed=../../migrations");
}
