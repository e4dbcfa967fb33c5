fn main() {
    std::process::exit(cjmh::cli::main());
}
