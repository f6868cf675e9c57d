//! The replichat server binary.

#[rocket::launch]
fn launch() -> _ {
    replichat::rocket()
}
